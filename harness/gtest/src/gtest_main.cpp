// mmtest::gtest_main: GoogleTest's main() with mmtest's listener installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <exception>

#include "mmtest/gtest.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  try {
    mmtest::install_gtest_listener();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s\n", error.what());
    return 2;
  }
  return RUN_ALL_TESTS();
}
