# Third-party packages, all from Debian 12 (scripts/install-deps installs them).
find_package(fmt 9 REQUIRED CONFIG)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(CLI11 2.1 REQUIRED CONFIG)

# mmtest::metrics needs prometheus-cpp; mmtest::gtest needs it and GoogleTest. mmtest's own tests
# use both, so they require them; otherwise AUTO builds the two libraries when both are found and
# says so in one line when they are not: a project that only uses add_mm_test() needs neither.
set(MMTEST_GTEST "AUTO" CACHE STRING
  "Build mmtest::metrics, mmtest::gtest and mmtest::gtest_main: AUTO (when prometheus-cpp and GoogleTest are found), ON or OFF")
set_property(CACHE MMTEST_GTEST PROPERTY STRINGS AUTO ON OFF)
if(NOT MMTEST_GTEST MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "mmtest: MMTEST_GTEST expects AUTO, ON or OFF, got '${MMTEST_GTEST}'")
endif()
set(MMTEST_WITH_GTEST FALSE)
if(MMTEST_BUILD_TESTS OR MMTEST_GTEST STREQUAL "ON")
  find_package(GTest 1.12 REQUIRED CONFIG)
  find_package(prometheus-cpp REQUIRED CONFIG)  # Debian's package has no version file
  set(MMTEST_WITH_GTEST TRUE)
elseif(MMTEST_GTEST STREQUAL "AUTO")
  find_package(GTest 1.12 QUIET CONFIG)
  find_package(prometheus-cpp QUIET CONFIG)
  if(GTest_FOUND AND prometheus-cpp_FOUND)
    set(MMTEST_WITH_GTEST TRUE)
  else()
    set(_mm_missing "")
    if(NOT GTest_FOUND)
      list(APPEND _mm_missing "GoogleTest (GTestConfig.cmake)")
    endif()
    if(NOT prometheus-cpp_FOUND)
      list(APPEND _mm_missing "prometheus-cpp (prometheus-cpp-config.cmake)")
    endif()
    list(JOIN _mm_missing " and " _mm_missing)
    message(STATUS "mmtest: mmtest::metrics, mmtest::gtest and mmtest::gtest_main not built: ${_mm_missing} not found; set MMTEST_GTEST=ON to require them")
  endif()
endif()
# The mmtest tool: history (SQLite), JUnit (pugixml), and `report --prometheus`/`--push`
# (prometheus-cpp's core and push libraries). Without prometheus-cpp the tool is built without
# those two options, says so here in one line, and refuses them with one line when asked.
find_package(SQLite3 REQUIRED)
# CMake 4.3's FindSQLite3 names its target SQLite3::SQLite3 and warns at every use of the older
# SQLite::SQLite3, the only name before it: use the new name where it exists.
if(TARGET SQLite3::SQLite3)
  set(MMTEST_SQLITE_TARGET SQLite3::SQLite3)
else()
  set(MMTEST_SQLITE_TARGET SQLite::SQLite3)
endif()
find_package(pugixml 1.11 REQUIRED CONFIG)
if(MMTEST_BUILD_TESTS)
  find_package(prometheus-cpp REQUIRED CONFIG COMPONENTS core push)  # Debian 12 ships no version file
  set(MMTEST_TOOL_PROMETHEUS TRUE)
else()
  find_package(prometheus-cpp QUIET CONFIG COMPONENTS core push)
  set(MMTEST_TOOL_PROMETHEUS "${prometheus-cpp_FOUND}")
  if(NOT MMTEST_TOOL_PROMETHEUS)
    message(STATUS "mmtest: `mmtest report --prometheus` and `--push` not built: prometheus-cpp (prometheus-cpp-config.cmake, core and push) not found")
  endif()
endif()
