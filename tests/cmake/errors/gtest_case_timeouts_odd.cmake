add_executable(tool IMPORTED)
mm_gtest_discover_tests(tool CASE_TIMEOUTS "Replay.*" 300 "Book.*")
