# Third-party packages, all from Debian 12 (scripts/install-deps installs them).
find_package(fmt 9 REQUIRED CONFIG)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(CLI11 2.1 REQUIRED CONFIG)
if(MMTEST_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED CONFIG)
endif()
