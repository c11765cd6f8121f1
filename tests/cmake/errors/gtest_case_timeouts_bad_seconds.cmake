add_executable(tool IMPORTED)
mm_gtest_discover_tests(tool CASE_TIMEOUTS "Replay.*" soon)
