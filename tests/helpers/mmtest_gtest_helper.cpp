// mmtest_gtest_helper: a real GoogleTest program that plays the test in the black-box tests of
// mmtest-run --gtest (tests/launcher/gtest_tests.cpp). A test picks its cases with --gtest_filter:
//
//   Skipping.Always        calls GTEST_SKIP() in the test body
//   SkippingFixture.InSetUp  calls GTEST_SKIP() in the fixture's SetUp()
//   Passing.Always         passes
//   Failing.Always         fails (the program exits 1)
//   Passing.DISABLED_Never disabled: never runs unless asked with --gtest_also_run_disabled_tests
//   Environment.PrintsGtestOutput
//                          prints "GTEST_OUTPUT=<value>", or "GTEST_OUTPUT unset", on stdout: what
//                          the launcher put in (or left out of) its environment
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

TEST(Skipping, Always) { GTEST_SKIP() << "skipped on purpose"; }

class SkippingFixture : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_SKIP() << "skipped in SetUp"; }
};
TEST_F(SkippingFixture, InSetUp) { FAIL() << "a test skipped in SetUp() must not run"; }

TEST(Passing, Always) { SUCCEED(); }
TEST(Passing, DISABLED_Never) { FAIL() << "disabled"; }

TEST(Failing, Always) { FAIL() << "fails on purpose"; }

TEST(Environment, PrintsGtestOutput) {
  const char* value = std::getenv("GTEST_OUTPUT");
  if (value == nullptr) std::printf("GTEST_OUTPUT unset\n");
  else std::printf("GTEST_OUTPUT=%s\n", value);
}
