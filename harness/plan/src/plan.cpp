#include "mmtest/plan/plan.hpp"

#include <algorithm>
#include <unordered_set>

namespace mmtest::plan {

// ---- selection -------------------------------------------------------------------------------------

bool cost_file_can_hold(std::string_view name) {
  return !name.empty() && name != "---" && name.find_first_of(" \n\r") == std::string_view::npos;
}

Selection select_tests(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> cpus) {
  Selection selection;
  // CTest looks a name of the cost file up as its first test of that name, so only the first
  // entry of a name can be planned.
  std::unordered_set<std::string_view> seen;
  for (const ManifestTest& test : tests) {
    if (!seen.insert(test.name).second) ++selection.repeated;
    else if (!cost_file_can_hold(test.name)) ++selection.unwritable_names;
    else if (test.memory_mib > budget_mib || (cpus && test.cpu_tenths > *cpus)) ++selection.above_budget;
    else selection.tests.push_back(test);
  }
  return selection;
}

OrderPlan plan_order(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     const SearchLimits& limits, std::span<const std::filesystem::path> records,
                     std::optional<CpuBudget> cpus) {
  std::optional<MeasuredDurations> history;
  if (!records.empty()) history = read_last_durations(records);
  return plan_order_from(tests, budget_mib, jobs, limits, history, cpus);
}

OrderPlan plan_order_from(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     const SearchLimits& limits, const std::optional<MeasuredDurations>& history, std::optional<CpuBudget> cpus) {
  const std::vector<double> timeouts = timeout_seconds(tests);
  // Memory × timeout: the scale of the COST properties set at configure time (names the cost
  // file cannot hold, a COST given by the user), among which CTest sorts the costs of the file.
  std::vector<SimTest> declared;
  declared.reserve(tests.size());
  for (std::size_t i = 0; i < tests.size(); ++i) declared.push_back({tests[i].memory_mib, timeouts[i], tests[i].cpu_tenths});

  Durations durations{timeouts, 0};
  if (history) durations = estimate_durations(tests, *history);
  std::vector<SimTest> estimated;
  estimated.reserve(tests.size());
  for (std::size_t i = 0; i < tests.size(); ++i) estimated.push_back({tests[i].memory_mib, durations.seconds[i], tests[i].cpu_tenths});

  OrderPlan plan;
  plan.measured = durations.measured;
  const bool any_heavy =
      std::ranges::any_of(estimated, [&](const SimTest& test) { return is_heavy(test, budget_mib, cpus); });
  if (!any_heavy) {
    plan.order = area_order(estimated, budget_mib, cpus);
  } else {
    plan.search = search_order(estimated, budget_mib, jobs, limits, cpus);
    plan.order = plan.search->order;
  }
  plan.costs = order_costs(declared, plan.order);
  return plan;
}

}  // namespace mmtest::plan
