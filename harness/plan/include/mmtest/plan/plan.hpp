#pragma once

// The planner: chooses the order in which CTest starts the tests and hands it to CTest through
// CTest's own cost file, Testing/Temporary/CTestCostData.txt.
//
// CTest sorts tests once by decreasing COST and, at the start and whenever a test ends, starts
// every test in that order that fits the free memory (greedy first fit, no look-ahead); with tests
// large against the budget, the order decides the makespan by seconds. COST cannot be changed at
// ctest time once every test is defined, but CTest reads the cost file after reading the tests and
// takes a test's cost from it when the test's COST property is 0 (and only with -j > 1): that file
// is the one channel. The ctest-time hook runs `mmtest plan` (the tool) before CTest reads it.
//
// Without a heavy test (one needing 1/8 of the budget) the order barely matters: tests start by
// memory × timeout. With one, the planner estimates durations (the last run's records, else the
// timeouts), simulates CTest's algorithm, searches for a good order and writes costs on the
// memory × timeout scale, the scale of the COST properties set at configure time, that make
// CTest's sort reproduce it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/plan/durations.hpp"
#include "mmtest/plan/manifest.hpp"
#include "mmtest/plan/search.hpp"

namespace mmtest::plan {

// ---- which tests are planned ---------------------------------------------------------------------

// Whether CTest's cost file can carry a cost for this name. CTest splits each line of the file on
// every ' ' and takes the first part as the name, and reads lines up to one exactly "---" (after
// it come the tests that failed last run): a name that is empty, holds a space, a line break or
// is "---" cannot be written. Such tests keep a COST property set at configure time instead
// (_mm_cost_file_can_hold in cmake/internal/Names.cmake; both tested against
// tests/conformance/names.txt).
bool cost_file_can_hold(std::string_view name);

struct Selection {
  std::vector<ManifestTest> tests;  // the tests to plan, in manifest order
  std::size_t above_budget = 0;     // need more memory or CPUs than the budget: never start (CTest
                                    // reports them Not Run), nothing to order
  std::size_t unwritable_names = 0; // cost_file_can_hold() is false
  std::size_t repeated = 0;         // a later entry of a name already seen (the first is kept)
};

// `cpus`: the CPU budget in tenths of a CPU, as each test's cpu_tenths (nullopt: CPUs do not limit).
Selection select_tests(std::span<const ManifestTest> tests, std::uint64_t budget_mib,
                       std::optional<std::size_t> cpus = std::nullopt);

struct OrderPlan {
  std::vector<std::size_t> order;      // indices into the tests, the order CTest should start them
  std::vector<std::uint64_t> costs;    // cost of each position of `order`, memory × timeout scale
  std::optional<SearchResult> search;  // set when there were heavy tests to search over
  std::size_t measured = 0;            // durations from the history
};

// The start order of `tests`, each of which must fit the budgets, over estimate_durations() of
// the history in `records` (none given: the timeouts). Without a heavy test: area order (with a
// CPU budget, that is longest first). With one: search_order(). Either way the costs are
// order_costs() of memory × timeout, the scale of the COST properties CTest sorts the planned
// tests among, applied to the order found.
OrderPlan plan_order(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     const SearchLimits& limits, std::span<const std::filesystem::path> records,
                     std::optional<CpuBudget> cpus = std::nullopt);
// The same over a history already read (nullopt: the timeouts alone).
OrderPlan plan_order_from(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     const SearchLimits& limits, const std::optional<MeasuredDurations>& history,
                     std::optional<CpuBudget> cpus = std::nullopt);

}  // namespace mmtest::plan
