// A GoogleTest executable for the mm_gtest_discover_tests() fixture (gtest/CMakeLists.txt): plain,
// skipped, disabled, parameterised and typed tests, and one test that holds more memory than its
// MEMORY.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

TEST(Sample, Passes) { EXPECT_EQ(2 + 2, 4); }

TEST(Sample, SeesItsEnvironment) {
  const char* value = std::getenv("MM_SAMPLE");
  ASSERT_NE(value, nullptr);
  EXPECT_STREQ(value, "1");
}

TEST(Sample, Skips) { GTEST_SKIP() << "skipped on purpose"; }

TEST(Sample, DISABLED_NeverRuns) { FAIL() << "disabled tests must not run"; }

class ParamTest : public ::testing::TestWithParam<int> {};
TEST_P(ParamTest, Positive) { EXPECT_GT(GetParam(), 0); }
INSTANTIATE_TEST_SUITE_P(Values, ParamTest, ::testing::Values(1, 2));

template <typename T>
class TypedTest : public ::testing::Test {};
using Types = ::testing::Types<int, long>;
TYPED_TEST_SUITE(TypedTest, Types);
TYPED_TEST(TypedTest, DefaultIsZero) { EXPECT_EQ(TypeParam{}, TypeParam{0}); }

// Touches 384 MiB and holds it: under a 64 MiB MEMORY the launcher kills it and says why.
TEST(Hog, ExceedsItsMemory) {
  constexpr std::size_t kBytes = std::size_t{384} << 20;
  auto block = std::make_unique<char[]>(kBytes);
  std::memset(block.get(), 1, kBytes);
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_EQ(block[kBytes - 1], 1);
}

// Touches 128 MiB, then skips at once: the process ends before the launcher can stop it, having
// printed "[  SKIPPED ]", and its peak is over its 64 MiB MEMORY. A budget violation, never a skip.
// The block is kept where the compiler cannot see it unused: GCC 16 removes an allocation that is
// written and never read otherwise.
std::unique_ptr<char[]> g_kept_block;
TEST(Hog, SkipsOverItsMemory) {
  constexpr std::size_t kBytes = std::size_t{128} << 20;
  g_kept_block = std::make_unique<char[]>(kBytes);
  std::memset(g_kept_block.get(), 1, kBytes);
  GTEST_SKIP() << "skipped after growing past the budget";
}
