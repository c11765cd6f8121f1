add_library(iface INTERFACE)
mm_gtest_discover_tests(iface)
