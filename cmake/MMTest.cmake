# add_mm_test() and friends: see the CMake integration issue. Placeholder until it lands.
