// The listener's settings, from the environment: the limits a user sets and what mmtest-run
// tells the test. Pure: the environment comes in as a function, so the rules are unit-tested.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mmtest/record/environment.hpp"

namespace mmtest::gtest_detail {

inline constexpr std::string_view kCaseGrowthLimitVariable = "MMTEST_CASE_GROWTH_LIMIT";
inline constexpr std::string_view kBinaryLimitVariable = "MMTEST_BINARY_MEMORY_LIMIT";
// Set by mmtest-run for the test it starts; one definition for both sides.
using record::kCasesFileVariable;
using record::kMemoryBytesVariable;
using record::kTestNameVariable;

// Without MMTEST_BINARY_MEMORY_LIMIT the guard stops the program at this share of the budget
// mmtest-run gave it: the rest is the margin in which the guard, sampling every 1 to 20 ms, acts
// before the launcher (which kills at the budget itself) or the kernel would.
inline constexpr int kDefaultBinaryLimitPercent = 90;

struct Settings {
  std::string program;                            // MMTEST_RUN_TEST_NAME, else the executable's name
  std::optional<std::uint64_t> binary_limit_bytes;
  std::string binary_limit_origin;                // said after the limit: "90% of its budget 2.00 GiB"
  std::optional<std::uint64_t> case_growth_limit_bytes;
  std::string case_growth_limit_origin;           // "MMTEST_CASE_GROWTH_LIMIT=64M"
  std::optional<std::string> cases_file;          // MMTEST_RUN_CASES_FILE
};

using Getenv = std::function<const char*(const char* name)>;

// The error names the variable and its value, e.g. "environment variable MMTEST_CASE_GROWTH_LIMIT
// expects a size like 64M or 1G, or off, got '12Q' (needs a unit K, M, G or T)".
std::expected<Settings, std::string> read_settings(const Getenv& getenv, std::string_view program_name);

}  // namespace mmtest::gtest_detail
