# Install rules and the package config: see the CMake integration issue. Placeholder until it lands.
