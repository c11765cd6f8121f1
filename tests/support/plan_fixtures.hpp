#pragma once

// Inputs shared by the planner's tests (tests/unit/plan_test.cpp) and those of `mmtest plan`
// (tests/tool/plan_command_test.cpp).

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "mmtest/plan/search.hpp"
#include "temp_directory.hpp"

namespace mmtest::test_support {

// The bench suite of docs/performance.md, "makespan": its budget in MiB and its tests, 8 heavy
// ones (indices 0-7), then 24 light ones.
inline constexpr std::uint64_t kBenchBudget = 2048;
inline std::vector<plan::SimTest> bench_tests() {
  std::vector<plan::SimTest> tests{{900, 3}, {860, 6}, {820, 4}, {780, 5}, {740, 6}, {700, 3}, {650, 5}, {600, 4}};
  for (int i = 0; i < 24; ++i) tests.push_back({static_cast<std::uint64_t>(32 + 8 * (i % 5)), 1 + 0.5 * (i % 3)});
  return tests;
}

// A record's text with the fields the planner reads.
inline std::string record(const std::string& name, double seconds, const std::string& finished_at) {
  return nlohmann::json{{"name", name},           {"wall_seconds", seconds},  {"finished_at", finished_at},
                        {"started_at", finished_at}, {"outcome", "passed"}, {"peak_memory_bytes", 1048576}}
      .dump();
}

// One record per (name, seconds), as mmtest-run writes them.
inline void write_records(const std::filesystem::path& directory, const std::vector<std::pair<std::string, double>>& measured) {
  for (std::size_t i = 0; i < measured.size(); ++i) {
    write_text(directory / (std::to_string(i) + ".json"),
               record(measured[i].first, measured[i].second, "2026-11-22T11:32:05.123Z"));
  }
}

// The order CTest gets: decreasing COST, ties in declaration order.
inline std::vector<std::size_t> ctest_order(const std::vector<std::size_t>& planned, const std::vector<std::uint64_t>& costs) {
  std::vector<std::pair<std::size_t, float>> tests;  // CTest keeps COST as a float
  for (std::size_t i = 0; i < planned.size(); ++i) tests.emplace_back(planned[i], static_cast<float>(costs[i]));
  std::ranges::sort(tests);  // declaration order first
  std::ranges::stable_sort(tests, [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::size_t> order;
  for (const auto& test : tests) order.push_back(test.first);
  return order;
}

}  // namespace mmtest::test_support
