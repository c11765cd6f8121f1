mm_gtest_discover_tests(nope MEMORY 64M)
