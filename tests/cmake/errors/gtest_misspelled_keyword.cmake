add_executable(tool IMPORTED)
mm_gtest_discover_tests(tool MEMROY 1G)
