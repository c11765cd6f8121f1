// CPU demand: what a test is seen to need from its recent runs, what it holds on this run, and
// the RESOURCE_GROUPS entries that hold it (mmtest::plan, cpu_demand.hpp).
#include "mmtest/plan/cpu_demand.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "temp_directory.hpp"

namespace mmtest::plan {
namespace {

CpuUse use(double wall, double cpu, std::optional<double> wait = std::nullopt, std::optional<double> peak = std::nullopt,
           std::optional<double> held = std::nullopt) {
  return {wall, cpu, wait, peak, held};
}

// A run that held `held` CPUs.
CpuUse held_run(double held, double wall, double cpu) { return use(wall, cpu, 0.0, std::nullopt, held); }

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

TEST(LearnDemand, threads_that_bought_no_time_are_not_held) {
  // google/benchmark's internal_threading_test: it spins threads for a set time, 1.6 CPUs when it
  // holds them and 1.9 s either way.
  const std::vector<CpuUse> runs{held_run(1.6, 1.85, 3.0), held_run(1.6, 1.85, 3.0), held_run(1.0, 1.88, 2.7)};
  const auto learned = learn_demand(runs);
  ASSERT_TRUE(learned.has_value());
  EXPECT_EQ(learned->tenths, 10u);
  EXPECT_EQ(learned->no_faster_tenths, 16u);
  EXPECT_EQ(learned->fuller_tenths, 16u);
  // The most the fuller runs held is kept apart from what the mean asks for: held 2, used 1.6.
  const std::vector<CpuUse> wider{held_run(2.0, 1.85, 3.0), held_run(1.0, 1.88, 2.7)};
  EXPECT_EQ(learn_demand(wider)->no_faster_tenths, 16u);
  EXPECT_EQ(learn_demand(wider)->fuller_tenths, 20u);
  EXPECT_EQ(learn_demand(wider)->tenths, 10u);
  // Holding one CPU again, it still is: the runs at 1.6 are in the window.
  const std::vector<CpuUse> next{held_run(1.0, 1.9, 2.7), held_run(1.6, 1.85, 3.0), held_run(1.6, 1.85, 3.0),
                                 held_run(1.0, 1.88, 2.7)};
  EXPECT_EQ(learn_demand(next)->tenths, 10u);
  // Once only runs at one CPU are left, it holds what it uses and the comparison starts again.
  const std::vector<CpuUse> only_lesser(5, held_run(1.0, 1.9, 2.7));
  EXPECT_EQ(learn_demand(only_lesser)->tenths, 14u);
  EXPECT_FALSE(learn_demand(only_lesser)->no_faster_tenths.has_value());
}

TEST(LearnDemand, the_holdings_of_the_last_twenty_runs_are_evidence_the_demand_is_the_last_five) {
  // Held one CPU on the newest 19 runs, 1.6 on the 20th: that run still shows that more bought
  // no time, so the test is not given 1.4 again to check (one run in five did that before).
  std::vector<CpuUse> runs(kHoldingRuns - 1, held_run(1.0, 1.9, 2.7));
  runs.push_back(held_run(1.6, 1.85, 3.0));
  const auto learned = learn_demand(runs);
  ASSERT_TRUE(learned.has_value());
  EXPECT_EQ(learned->tenths, 10u);
  EXPECT_EQ(learned->no_faster_tenths, 14u);  // the mean of the newest five: 2.7 / 1.9 = 1.42
  EXPECT_EQ(learned->fuller_tenths, 16u);
  EXPECT_EQ(learned->runs, kDemandRuns);
  // One run older, it is out of the evidence: the test holds what it uses, and the next run checks.
  std::vector<CpuUse> older(kHoldingRuns, held_run(1.0, 1.9, 2.7));
  older.push_back(held_run(1.6, 1.85, 3.0));
  EXPECT_EQ(learn_demand(older)->tenths, 14u);
  EXPECT_FALSE(learn_demand(older)->no_faster_tenths.has_value());
  // Only the newest five make the demand: a run that used 3 CPUs sixth is no part of it.
  std::vector<CpuUse> demand(5, held_run(1.0, 2.0, 2.0));
  demand.push_back(held_run(1.0, 1.0, 3.0));
  EXPECT_EQ(learn_demand(demand)->tenths, 10u);
  EXPECT_EQ(learn_demand(demand)->mean, 1.0);
}

TEST(LearnDemand, a_test_under_a_second_holds_what_it_uses_whatever_its_wall_times_say) {
  // google/benchmark's user_counters_tabular_test: 0.17 s holding one CPU on a quiet first run,
  // 0.18 s holding 1.6. Under a second the comparison is noise: it keeps the 1.6 it uses.
  const std::vector<CpuUse> short_runs{held_run(1.6, 0.18, 0.28), held_run(1.0, 0.17, 0.27)};
  EXPECT_EQ(learn_demand(short_runs)->tenths, 16u);
  EXPECT_FALSE(learn_demand(short_runs)->no_faster_tenths.has_value());
  // The line is the lesser runs' median: at 1.0 s the comparison is made, at 0.99 s it is not.
  const std::vector<CpuUse> at_line{held_run(1.6, 1.0, 1.6), held_run(1.0, 1.0, 1.4), held_run(1.0, 1.0, 1.4)};
  EXPECT_EQ(learn_demand(at_line)->tenths, 10u);
  EXPECT_EQ(learn_demand(at_line)->no_faster_tenths, 14u);
  const std::vector<CpuUse> under{held_run(1.6, 0.99, 1.6), held_run(1.0, 0.99, 1.4), held_run(1.0, 0.99, 1.4)};
  EXPECT_EQ(learn_demand(under)->tenths, 14u);
  EXPECT_FALSE(learn_demand(under)->no_faster_tenths.has_value());
}

TEST(LearnDemand, threads_that_made_a_test_faster_keep_their_cpus) {
  // 1.6 CPU-seconds of work: 1.6 s on one CPU, 0.8 s on two (50 % faster, the line is 10 %).
  const std::vector<CpuUse> runs{held_run(2.0, 0.8, 1.6), held_run(1.0, 1.6, 1.6)};
  EXPECT_EQ(learn_demand(runs)->tenths, 20u);
  EXPECT_FALSE(learn_demand(runs)->no_faster_tenths.has_value());
  // 12 % faster is worth it too.
  const std::vector<CpuUse> some{held_run(2.0, 0.88, 1.76), held_run(2.0, 0.88, 1.76), held_run(1.0, 1.0, 1.5)};
  EXPECT_EQ(learn_demand(some)->tenths, 20u);
}

TEST(LearnDemand, no_faster_needs_runs_that_held_one_cpu_or_more_and_their_holdings_known) {
  // Runs without a reservation (before schema 5, or outside CTest): nothing to compare.
  const std::vector<CpuUse> unknown{use(1.85, 3.0), use(1.85, 3.0), use(1.88, 2.7)};
  EXPECT_EQ(learn_demand(unknown)->tenths, 16u);
  // A run that held half a CPU says nothing of what one CPU would do; a run that held no CPU neither.
  const std::vector<CpuUse> fraction{held_run(1.6, 1.85, 3.0), held_run(0.5, 1.85, 3.0), held_run(0.0, 1.85, 3.0)};
  EXPECT_EQ(learn_demand(fraction)->tenths, 16u);
  // 1.1 CPUs against one: a tenth more could make a test at most 10 % faster, so it proves nothing.
  const std::vector<CpuUse> close{held_run(1.1, 1.85, 3.0), held_run(1.0, 1.85, 3.0)};
  EXPECT_EQ(learn_demand(close)->tenths, 16u);
  // One CPU or less is never trimmed: the rule is about CPUs beyond the first.
  const std::vector<CpuUse> single{held_run(1.0, 1.0, 1.0), held_run(0.5, 1.0, 1.0)};
  EXPECT_EQ(learn_demand(single)->tenths, 10u);
  EXPECT_FALSE(learn_demand(single)->no_faster_tenths.has_value());
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

TEST(CpuGroups, with_an_overcommit_a_fraction_is_split_into_groups_no_larger_than_it) {
  // 30 %: three tenths more on each CPU id. 1.6 CPUs fill the room beside two whole CPUs of others.
  EXPECT_EQ(cpu_groups(16, 10, 3), (std::vector<std::string>{"mmtest_cpus:10", "mmtest_cpus:3", "mmtest_cpus:3"}));
  EXPECT_EQ(cpu_groups(17, 10, 3),
            (std::vector<std::string>{"mmtest_cpus:10", "mmtest_cpus:3", "mmtest_cpus:3", "mmtest_cpus:1"}));
  EXPECT_EQ(cpu_groups(5, 10, 3), (std::vector<std::string>{"mmtest_cpus:3", "mmtest_cpus:2"}));
  EXPECT_EQ(cpu_groups(5, 10, 1), (std::vector<std::string>(5, "mmtest_cpus:1")));
  // A fraction that fits in one group, whole CPUs and no tenth are as without.
  EXPECT_EQ(cpu_groups(13, 10, 3), (std::vector<std::string>{"mmtest_cpus:10", "mmtest_cpus:3"}));
  EXPECT_EQ(cpu_groups(20, 10, 3), (std::vector<std::string>{"2,mmtest_cpus:10"}));
  EXPECT_EQ(cpu_groups(0, 10, 3), (std::vector<std::string>{"mmtest_idle:1"}));
  // A spec given to ctest has no overcommit's room: its slots a CPU decide, unsplit.
  EXPECT_EQ(cpu_groups(15, 4, 3), cpu_groups(15, 4));
  EXPECT_EQ(cpu_groups(15, 4, 3), (std::vector<std::string>{"mmtest_cpus:4", "mmtest_cpus:2"}));
}

// The hook's file: which tests get groups other than their configure-time ones, and which.
std::string demand_file_of(std::vector<ManifestTest>& tests, std::uint64_t overcommit_tenths,
                           const std::map<std::string, std::vector<CpuUse>, std::less<>>& uses = {}) {
  test_support::TempDirectory directory;
  const std::filesystem::path file = directory.path() / "cpu-demand.cmake";
  const auto written = apply_cpu_demand(tests, uses, true, 2, 10, overcommit_tenths, true, file);
  EXPECT_TRUE(written.has_value());
  return test_support::read_text(file);
}

TEST(ApplyCpuDemand, an_overcommit_splits_the_fractions_of_declared_and_learned_tests_not_fixed_ones) {
  std::vector<ManifestTest> tests{{"half", 256, 60, 5, false},
                                  {"fixed_half", 256, 60, 5, true},
                                  {"one", 256, 60, 10, false},
                                  {"learned", 256, 60, 10, false}};
  const std::map<std::string, std::vector<CpuUse>, std::less<>> uses{{"learned", {use(1.0, 1.6)}}};
  const std::string text = demand_file_of(tests, 3, uses);
  EXPECT_NE(text.find("[[_MM_CPU_GROUPS half]] [[mmtest_cpus:3;mmtest_cpus:2]]"), std::string::npos) << text;
  EXPECT_NE(text.find("[[_MM_CPU_GROUPS learned]] [[mmtest_cpus:10;mmtest_cpus:3;mmtest_cpus:3]]"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("fixed_half"), std::string::npos) << text;  // pinned to what it gets: as declared
  EXPECT_EQ(text.find("GROUPS one]]"), std::string::npos) << text;
  EXPECT_NE(text.find("set(_MM_CPU_DEMANDS 2)"), std::string::npos) << text;
  EXPECT_EQ(tests[3].cpu_tenths, 16u);

  // Without an overcommit the declared half keeps its configure-time group: no entry.
  std::vector<ManifestTest> strict{{"half", 256, 60, 5, false}};
  EXPECT_NE(demand_file_of(strict, 0).find("set(_MM_CPU_DEMANDS 0)"), std::string::npos);
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
