// mmtest_listener_own_main: the cases of mmtest_listener_cases.cpp with a main() of its own, as a
// project that keeps its main() writes it: one call installs mmtest's listener. It also shows that
// mmtest::registry() outside a test throws: it prints what main() caught on stdout first.
#include <gtest/gtest.h>

#include <cstdio>
#include <exception>

#include "mmtest/gtest.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  try {
    mmtest::install_gtest_listener();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "own main: %s\n", error.what());
    return 3;
  }
  try {
    mmtest::registry();
  } catch (const std::exception& error) {
    std::printf("main caught: %s\n", error.what());
  }
  return RUN_ALL_TESTS();
}
