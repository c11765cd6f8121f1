add_executable(tool IMPORTED)
set_target_properties(tool PROPERTIES IMPORTED_LOCATION /bin/true)
mm_gtest_discover_tests(tool EXTRA_ARGS --gtest_color=no TEST_PERFIX x.)
