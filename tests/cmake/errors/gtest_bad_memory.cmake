add_executable(tool IMPORTED)
mm_gtest_discover_tests(tool MEMORY 12Q)
