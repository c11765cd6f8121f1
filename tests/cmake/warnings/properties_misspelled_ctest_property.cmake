# CTest itself takes any name: a misspelled CTest property is set under the wrong name, silently.
add_executable(tool IMPORTED)
set_target_properties(tool PROPERTIES IMPORTED_LOCATION /bin/true)
mm_gtest_discover_tests(tool PROPERTIES FIXTURES_REQUIRD db)
