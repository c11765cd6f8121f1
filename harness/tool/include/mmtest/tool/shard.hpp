#pragma once

// `mmtest shard`: a balanced share of a build's tests for one of N CI runners, printed as the
// test numbers `ctest -I` takes (docs/tool.md, "mmtest shard"). The CI matrix runs the shards;
// nothing here schedules across machines.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/plan/plan.hpp"

namespace mmtest::tool {

struct ShardTest {
  std::string name;
  std::size_t number = 0;         // 1-based position in ctest's (filtered) list: what -I takes
  std::uint64_t memory_mib = 0;   // its mmtest_memory_mib request (0: none)
  double cpus = 1;                // its mmtest_cpus slots over ten a CPU, as declared (1 without)
  double timeout_seconds = 0;     // CTest's TIMEOUT property (0: none)
  double seconds = 0;             // estimated duration: history median, else timeout_seconds
  bool measured = false;          // seconds came from the history
  double weight = 0;              // CPU-seconds it takes from a runner (shard_weight())
};

// The tests of `ctest --show-only=json-v1`, numbered in its order. The error says what is wrong.
std::expected<std::vector<ShardTest>, std::string> parse_ctest_tests(std::string_view show_only_json);

// Duration without history: CTest's TIMEOUT less the 15 s mmtest adds to the launcher's, else
// this for tests without one.
inline constexpr double kUnknownTestSeconds = 60;

// Durations from the history (median of the last runs, as the planner takes them), else the
// declared timeout; then each test's weight: seconds × max(cpus, memory_mib ÷ (budget_mib ÷
// machine_cpus)), i.e. a test holding more than its CPUs' share of the memory budget keeps that
// much more of a runner busy.
void weigh(std::vector<ShardTest>& tests, const plan::MeasuredDurations& history, std::uint64_t budget_mib,
           std::size_t machine_cpus);

// Shard (0-based) of every test: heaviest first, each to the lightest shard so far (ties: the
// lower index; equal weights: by name), so every runner computes the same split. Each shard's total
// weight is within the heaviest test's weight of every other shard's.
std::vector<std::size_t> assign_shards(std::span<const ShardTest> tests, std::size_t shards);

// `ctest -I` for these test numbers: "0,0,0,<n>,<n>..."; with none, a number past the last test
// (`total` + 1), which selects nothing (ctest 3.25 reads "0,0,0" as every test).
std::string ctest_selection(std::span<const std::size_t> numbers, std::size_t total);

}  // namespace mmtest::tool
