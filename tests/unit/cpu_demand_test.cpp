// CPU demand: what a test is seen to need from its recent runs, what it holds on this run, and
// the RESOURCE_GROUPS entries that hold it (mmtest::plan, cpu_demand.hpp).
#include "mmtest/plan/cpu_demand.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace mmtest::plan {
namespace {

CpuUse use(double wall, double cpu, std::optional<double> wait = std::nullopt, std::optional<double> peak = std::nullopt) {
  return {wall, cpu, wait, peak};
}

TEST(LearnDemand, nothing_to_learn_from_no_run_or_runs_without_a_wall_time) {
  EXPECT_FALSE(learn_demand({}).has_value());
  const std::vector<CpuUse> empty{use(0, 0), use(0, 3)};
  EXPECT_FALSE(learn_demand(empty).has_value());
}

TEST(LearnDemand, a_test_that_mostly_waits_is_idle) {
  // 40 MiB allocated, then a 2 s wait: 0.03 CPU-seconds.
  const std::vector<CpuUse> runs{use(2.0, 0.03), use(2.1, 0.04), use(2.0, 0.02)};
  const auto learned = learn_demand(runs);
  ASSERT_TRUE(learned.has_value());
  EXPECT_TRUE(learned->idle);
  EXPECT_EQ(learned->tenths, 1u);  // what PROCESSORS would declare: the floor
  EXPECT_NEAR(learned->mean, 0.015, 1e-9);
  EXPECT_EQ(learned->runs, 3u);
}

TEST(LearnDemand, idle_is_under_a_tenth_of_a_cpu) {
  EXPECT_TRUE(learn_demand(std::vector<CpuUse>{use(10, 0.5)})->idle);
  // A sleeper that waited a little for a CPU to start, beside busy tests: 0.03 + 0.04 over 1.05 s.
  const auto sleeper = learn_demand(std::vector<CpuUse>{use(1.05, 0.03, 0.04)});
  EXPECT_NEAR(sleeper->mean, 0.0667, 1e-4);
  EXPECT_TRUE(sleeper->idle);
  EXPECT_EQ(sleeper->tenths, 1u);  // what PROCESSORS would declare
  EXPECT_TRUE(learn_demand(std::vector<CpuUse>{use(10, 0.99)})->idle);   // 0.099
  EXPECT_FALSE(learn_demand(std::vector<CpuUse>{use(10, 1.0)})->idle);   // 0.1: a tenth
  EXPECT_EQ(learn_demand(std::vector<CpuUse>{use(10, 1.0)})->tenths, 1u);
  EXPECT_FALSE(learn_demand(std::vector<CpuUse>{use(1, 1.0)})->idle);
  // Waiting for a CPU is not idle: a starved sleeper-looking run still needs its CPU.
  EXPECT_FALSE(learn_demand(std::vector<CpuUse>{use(1, 0.01, 0.9)})->idle);
}

TEST(LearnDemand, a_starved_run_counts_its_wait_so_a_busy_test_still_needs_its_cpu) {
  // Single-threaded and CPU-bound, but another test held the CPU half of the time.
  const std::vector<CpuUse> runs{use(4.0, 2.0, 2.0)};
  EXPECT_EQ(learn_demand(runs)->tenths, 10u);
}

TEST(LearnDemand, two_threads_at_work_hold_two_cpus_and_the_peak_is_kept) {
  const std::vector<CpuUse> runs{use(3.0, 5.9, 0.1, 2.0), use(3.0, 6.0, 0.0, 1.97), use(3.1, 6.1, 0.0, 2.01)};
  const auto learned = learn_demand(runs);
  ASSERT_TRUE(learned.has_value());
  EXPECT_EQ(learned->tenths, 20u);
  ASSERT_TRUE(learned->peak.has_value());
  EXPECT_DOUBLE_EQ(*learned->peak, 2.01);
}

TEST(LearnDemand, rounds_to_the_nearest_tenth_half_a_tenth_down) {
  EXPECT_EQ(learn_demand(std::vector<CpuUse>{use(10, 10.5)})->tenths, 10u);  // 1.05: one CPU
  EXPECT_EQ(learn_demand(std::vector<CpuUse>{use(10, 10.6)})->tenths, 11u);
  EXPECT_EQ(learn_demand(std::vector<CpuUse>{use(10, 10.8)})->tenths, 11u);  // 1.08: a threaded test's 1.1
  EXPECT_EQ(learn_demand(std::vector<CpuUse>{use(10, 2.4)})->tenths, 2u);
}

TEST(LearnDemand, one_noisy_run_among_three_or_more_moves_nothing) {
  // The median: a run disturbed either way is outvoted.
  const std::vector<CpuUse> high{use(1, 0.5), use(1, 1.9), use(1, 0.5)};
  EXPECT_EQ(learn_demand(high)->tenths, 5u);
  const std::vector<CpuUse> low{use(1, 1.0), use(1, 0.05), use(1, 1.0), use(1, 1.0)};
  EXPECT_EQ(learn_demand(low)->tenths, 10u);
}

TEST(LearnDemand, with_two_runs_the_larger_so_a_low_outlier_never_starves_the_test) {
  const std::vector<CpuUse> runs{use(1, 0.1), use(1, 0.9)};
  EXPECT_EQ(learn_demand(runs)->tenths, 9u);
}

TEST(LearnDemand, only_the_newest_runs_count) {
  // Newest first: five runs at 0.3, then older ones at 2.0 from before the test changed.
  std::vector<CpuUse> runs(kDemandRuns, use(1, 0.3));
  for (int i = 0; i < 6; ++i) runs.push_back(use(1, 2.0));
  const auto learned = learn_demand(runs);
  EXPECT_EQ(learned->tenths, 3u);
  EXPECT_EQ(learned->runs, kDemandRuns);
}

TEST(DemandTenths, declared_until_learned_then_learned_unless_fixed) {
  LearnedDemand learned;
  learned.tenths = 3;
  EXPECT_EQ(demand_tenths(10, false, std::nullopt, 20, true), 10u);  // the first run: as declared
  EXPECT_EQ(demand_tenths(10, false, learned, 20, true), 3u);
  EXPECT_EQ(demand_tenths(40, false, learned, 20, true), 3u);       // a declared PROCESSORS too
  EXPECT_EQ(demand_tenths(10, true, learned, 20, true), 10u);       // FIXED_PROCESSORS, performance
}

TEST(DemandTenths, a_learned_demand_above_the_budget_holds_the_whole_budget) {
  LearnedDemand learned;
  learned.tenths = 35;
  EXPECT_EQ(demand_tenths(10, false, learned, 20, true), 20u);
  // A declaration above the budget stays so, fixed or not yet learned: CTest reports it Not Run.
  EXPECT_EQ(demand_tenths(30, true, learned, 20, true), 30u);
  EXPECT_EQ(demand_tenths(30, false, std::nullopt, 20, true), 30u);
}

TEST(DemandTenths, a_test_learned_idle_holds_no_cpu_where_the_spec_has_the_idle_pool) {
  LearnedDemand idle;
  idle.tenths = 1;
  idle.idle = true;
  EXPECT_EQ(demand_tenths(10, false, idle, 20, true), 0u);
  EXPECT_EQ(demand_tenths(10, false, idle, 20, false), 1u);  // a given spec without the pool: the floor
  EXPECT_EQ(demand_tenths(10, true, idle, 20, true), 10u);   // fixed: as declared
  EXPECT_EQ(demand_tenths(5, false, std::nullopt, 20, true), 5u);
}

TEST(CpuGroups, no_tenth_is_a_slot_of_the_idle_pool) {
  EXPECT_EQ(cpu_groups(0, 10), (std::vector<std::string>{"mmtest_idle:1"}));
  EXPECT_EQ(cpu_groups(0, 1), (std::vector<std::string>{"mmtest_idle:1"}));
  EXPECT_EQ(cpu_groups(1, 10), (std::vector<std::string>{"mmtest_cpus:1"}));
}

TEST(CpuGroups, a_spec_of_one_slot_a_cpu_holds_whole_cpus) {
  // A spec given to ctest with one slot per CPU id: a part of a CPU takes a whole id.
  EXPECT_EQ(cpu_groups(3, 1), (std::vector<std::string>{"mmtest_cpus:1"}));
  EXPECT_EQ(cpu_groups(15, 1), (std::vector<std::string>{"mmtest_cpus:1", "mmtest_cpus:1"}));
  EXPECT_EQ(cpu_groups(20, 1), (std::vector<std::string>{"2,mmtest_cpus:1"}));
  // Four slots a CPU: half a CPU is two of them, a tenth still one.
  EXPECT_EQ(cpu_groups(5, 4), (std::vector<std::string>{"mmtest_cpus:2"}));
  EXPECT_EQ(cpu_groups(1, 4), (std::vector<std::string>{"mmtest_cpus:1"}));
}

TEST(FormatCpuTenths, whole_cpus_without_a_point) {
  EXPECT_EQ(format_cpu_tenths(10), "1");
  EXPECT_EQ(format_cpu_tenths(25), "2.5");
  EXPECT_EQ(format_cpu_tenths(3), "0.3");
  EXPECT_EQ(format_cpu_tenths(120), "12");
}

}  // namespace
}  // namespace mmtest::plan

namespace mmtest::plan {
namespace {

TEST(CmakeBracket, holds_any_text_even_one_ending_in_a_bracket) {
  EXPECT_EQ(cmake_bracket("plain"), "[[plain]]");
  EXPECT_EQ(cmake_bracket("a]]b"), "[=[a]]b]=]");
  EXPECT_EQ(cmake_bracket("ends]"), "[=[ends]]=]");
  EXPECT_EQ(cmake_bracket("x]=]y]"), "[==[x]=]y]]==]");
  EXPECT_EQ(cmake_bracket(""), "[[]]");
}

}  // namespace
}  // namespace mmtest::plan
