#include "settings.hpp"

#include <gtest/gtest.h>
#include <map>
#include <string>

namespace mmtest::gtest_detail {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

std::expected<Settings, std::string> settings_from(const std::map<std::string, std::string>& environment) {
  return read_settings(
      [&](const char* name) -> const char* {
        const auto found = environment.find(name);
        return found == environment.end() ? nullptr : found->second.c_str();
      },
      "unit_tests");
}

TEST(Settings, without_anything_there_are_no_limits_and_no_cases_file) {
  const auto settings = settings_from({});
  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->program, "unit_tests");
  EXPECT_FALSE(settings->binary_limit_bytes);
  EXPECT_FALSE(settings->case_growth_limit_bytes);
  EXPECT_FALSE(settings->cases_file);
}

TEST(Settings, the_launchers_budget_gives_a_binary_limit_of_ninety_percent) {
  const auto settings = settings_from({{"MMTEST_RUN_MEMORY_BYTES", std::to_string(2048 * kMiB)},
                                       {"MMTEST_RUN_TEST_NAME", "order book"},
                                       {"MMTEST_RUN_CASES_FILE", "/tmp/x/mmtest-cases.jsonl"}});
  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->binary_limit_bytes, 2048 * kMiB * 90 / 100);
  EXPECT_EQ(settings->binary_limit_origin, "90% of its budget 2.00 GiB from mmtest-run");
  EXPECT_EQ(settings->program, "order book");
  EXPECT_EQ(settings->cases_file, "/tmp/x/mmtest-cases.jsonl");
  // Exact for budgets that are no multiple of 100 bytes, and without overflow near the top.
  EXPECT_EQ(settings_from({{"MMTEST_RUN_MEMORY_BYTES", "1001"}})->binary_limit_bytes, 900u);
  const auto huge = settings_from({{"MMTEST_RUN_MEMORY_BYTES", "4611686018427387000"}});  // x 90 overflows 64 bits
  ASSERT_TRUE(huge) << huge.error();
  EXPECT_EQ(huge->binary_limit_bytes, 4150517416584648300u);
}

TEST(Settings, an_explicit_binary_limit_wins_and_off_turns_it_off) {
  const auto explicit_limit = settings_from({{"MMTEST_RUN_MEMORY_BYTES", "1000000000"}, {"MMTEST_BINARY_MEMORY_LIMIT", "1.5G"}});
  ASSERT_TRUE(explicit_limit) << explicit_limit.error();
  EXPECT_EQ(explicit_limit->binary_limit_bytes, 1536 * kMiB);
  EXPECT_EQ(explicit_limit->binary_limit_origin, "MMTEST_BINARY_MEMORY_LIMIT=1.5G");
  const auto off = settings_from({{"MMTEST_RUN_MEMORY_BYTES", "1000000000"}, {"MMTEST_BINARY_MEMORY_LIMIT", "off"}});
  ASSERT_TRUE(off) << off.error();
  EXPECT_FALSE(off->binary_limit_bytes);
}

TEST(Settings, the_case_growth_limit_is_a_size_or_off) {
  const auto limit = settings_from({{"MMTEST_CASE_GROWTH_LIMIT", "64M"}});
  ASSERT_TRUE(limit) << limit.error();
  EXPECT_EQ(limit->case_growth_limit_bytes, 64 * kMiB);
  EXPECT_EQ(limit->case_growth_limit_origin, "MMTEST_CASE_GROWTH_LIMIT=64M");
  EXPECT_FALSE(settings_from({{"MMTEST_CASE_GROWTH_LIMIT", "off"}})->case_growth_limit_bytes);
  EXPECT_FALSE(settings_from({{"MMTEST_CASE_GROWTH_LIMIT", ""}})->case_growth_limit_bytes);
}

TEST(Settings, malformed_values_are_named_with_the_variable) {
  EXPECT_EQ(settings_from({{"MMTEST_CASE_GROWTH_LIMIT", "12Q"}}).error(),
            "environment variable MMTEST_CASE_GROWTH_LIMIT expects a size like 64M or 1G, or off, got '12Q' (needs a unit "
            "K, M, G or T)");
  EXPECT_EQ(settings_from({{"MMTEST_BINARY_MEMORY_LIMIT", "0"}}).error(),
            "environment variable MMTEST_BINARY_MEMORY_LIMIT expects a size above zero, or off, got '0'");
  EXPECT_EQ(settings_from({{"MMTEST_RUN_MEMORY_BYTES", "2G"}}).error(),
            "environment variable MMTEST_RUN_MEMORY_BYTES (set by mmtest-run) expects a number of bytes above zero, got '2G'");
  EXPECT_EQ(settings_from({{"MMTEST_BINARY_MEMORY_LIMIT", "OFF"}}).error(),
            "environment variable MMTEST_BINARY_MEMORY_LIMIT expects a size like 64M or 1G, or off, got 'OFF' (needs a number)");
}

}  // namespace
}  // namespace mmtest::gtest_detail
