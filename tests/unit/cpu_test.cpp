#include "mmtest/run/cpu.hpp"

#include <sched.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>

namespace mmtest::run {
namespace {

// ---- which CPUs CTest's ids stand for --------------------------------------------------------------

TEST(CpusForIds, id_i_is_the_ith_allowed_cpu) {
  const std::vector<int> allowed{2, 3, 6, 7};
  const std::vector<std::uint32_t> ids{0, 2};
  EXPECT_EQ(cpus_for_ids(ids, allowed), (std::vector<int>{2, 6}));
}

TEST(CpusForIds, ids_beyond_the_allowed_cpus_wrap_around_and_repeat_once) {
  const std::vector<int> allowed{0, 1};
  const std::vector<std::uint32_t> ids{1, 2, 3};  // a CPU budget of 4 on a 2-CPU machine
  EXPECT_EQ(cpus_for_ids(ids, allowed), (std::vector<int>{0, 1}));
}

TEST(CpusForIds, nothing_allowed_or_allocated_gives_nothing) {
  const std::vector<std::uint32_t> ids{0};
  EXPECT_TRUE(cpus_for_ids(ids, {}).empty());
  const std::vector<int> allowed{0, 1};
  EXPECT_TRUE(cpus_for_ids({}, allowed).empty());
}

// ---- pinning this process, for real (the allowed CPUs and their list are machine_test.cpp's) -----------

TEST(PinTo, restricts_the_calling_thread_and_is_undone_after) {
  const auto allowed = allowed_cpus();
  ASSERT_TRUE(allowed.has_value()) << allowed.error();
  const std::vector<int> last{allowed->back()};
  ASSERT_TRUE(pin_to(last).has_value());
  const auto pinned = allowed_cpus();
  ASSERT_TRUE(pinned.has_value());
  EXPECT_EQ(*pinned, last);
  ASSERT_TRUE(pin_to(*allowed).has_value());  // other tests of this binary get every CPU back
  EXPECT_EQ(allowed_cpus().value_or(std::vector<int>{}), *allowed);
}

TEST(PinTo, an_impossible_set_is_an_error_naming_the_call) {
  const std::vector<int> none_such{4000};  // no machine running these tests has CPU 4000 online
  const auto pinned = pin_to(none_such);
  ASSERT_FALSE(pinned.has_value());
  EXPECT_NE(pinned.error().find("sched_setaffinity(0, {4000})"), std::string::npos) << pinned.error();
}

// ---- waiting for a CPU --------------------------------------------------------------------------------

TEST(ParseSchedstat, reads_run_and_wait_nanoseconds) {
  const auto stat = parse_schedstat("432864 2276169 4\n");
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->run_ns, 432864u);
  EXPECT_EQ(stat->wait_ns, 2276169u);
}

TEST(ParseSchedstat, rejects_what_is_not_three_numbers) {
  for (const char* text : {"", "12", "12 x 3", "-1 2 3", "1.5 2 3", "12 34x 5"}) {
    EXPECT_FALSE(parse_schedstat(text).has_value()) << "'" << text << "'";
  }
}

TEST(ReadSchedstat, this_process_has_figures) {
  // The kernel brings a running task's figure up to date at scheduler ticks: run across several.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
  volatile unsigned long spin = 0;
  while (std::chrono::steady_clock::now() < until) spin = spin + 1;
  const auto stat = read_schedstat(::getpid());
  if (!stat) GTEST_SKIP() << "the kernel has no /proc/<pid>/schedstat (CONFIG_SCHED_INFO off)";
  EXPECT_GT(stat->run_ns, 0u);
}

TEST(CpuPeakTracker, the_highest_rate_over_windows_of_a_quarter_second) {
  CpuPeakTracker tracker;
  tracker.observe(0.00, 0.0);
  tracker.observe(0.10, 0.1);  // the window is still open: no peak yet
  EXPECT_FALSE(tracker.peak().has_value());
  tracker.observe(0.30, 0.3);  // 0.3 CPU-seconds over 0.3 s: 1 CPU
  ASSERT_TRUE(tracker.peak().has_value());
  EXPECT_NEAR(*tracker.peak(), 1.0, 1e-9);
  tracker.observe(0.80, 1.3);  // 1.0 over 0.5 s: 2 CPUs, the new peak
  tracker.observe(1.30, 1.35); // 0.05 over 0.5 s: the peak stays
  EXPECT_NEAR(*tracker.peak(), 2.0, 1e-9);
}

TEST(CpuPeakTracker, a_falling_total_restarts_the_window_rather_than_counting_negative) {
  CpuPeakTracker tracker;
  tracker.observe(0.0, 5.0);
  tracker.observe(0.3, 4.0);  // a process left the count: start again from here
  EXPECT_FALSE(tracker.peak().has_value());
  tracker.observe(0.6, 4.15);  // 0.15 over 0.3 s
  EXPECT_NEAR(tracker.peak().value_or(-1), 0.5, 1e-9);
}

TEST(CpuWaitTracker, keeps_the_latest_figure_of_each_process_and_sums_them) {
  CpuWaitTracker tracker;
  EXPECT_FALSE(tracker.any());
  tracker.observe(10, {100, 1'000'000'000});
  tracker.observe(10, {200, 1'500'000'000});  // cumulative: replaces, does not add
  tracker.observe(11, {100, 250'000'000});
  EXPECT_TRUE(tracker.any());
  EXPECT_DOUBLE_EQ(tracker.wait_seconds(), 1.75);
}

TEST(IsStarved, at_least_half_of_the_wall_time_and_a_tenth_of_a_second) {
  // A single-threaded test holding one CPU and getting a quarter of it.
  EXPECT_TRUE(is_starved(4.0, 8.0, 2.0, 1.0));
  EXPECT_FALSE(is_starved(3.99, 8.0, 2.0, 1.0));
  EXPECT_FALSE(is_starved(0.09, 0.1, 0.01, 1.0));  // a 0.1 s test waiting 90%: too little to matter
  EXPECT_TRUE(is_starved(0.1, 0.2, 0.1, 1.0));
  EXPECT_FALSE(is_starved(0.0, 0.0, 0.0, 1.0));
}

TEST(IsStarved, not_a_test_that_kept_busy_every_cpu_it_held) {
  // Four threads on two CPUs, holding 1.7 of them: its main thread waited for its own threads
  // half of the time, while the test used 1.84 CPUs on average.
  EXPECT_FALSE(is_starved(0.44, 0.87, 1.6, 1.7));
  // The same wait while using 1.2 of the 2 CPUs it held: something else took them.
  EXPECT_TRUE(is_starved(0.44, 0.87, 1.04, 2.0));
  // 75 % of what it held is the line: four threads holding both CPUs, using 1.78 of them.
  EXPECT_FALSE(is_starved(0.5, 0.9, 1.6, 2.0));
  EXPECT_FALSE(is_starved(0.5, 1.0, 1.5, 2.0));
  EXPECT_TRUE(is_starved(0.5, 1.0, 1.49, 2.0));
}

TEST(IsStarved, a_test_learned_idle_counts_as_holding_a_tenth) {
  EXPECT_TRUE(is_starved(0.6, 1.0, 0.05, 0.0));   // it wanted a CPU and got a twentieth
  EXPECT_FALSE(is_starved(0.6, 1.0, 0.4, 0.0));   // it got more than it held: not starved
}

TEST(IsStarved, without_a_reservation_one_cpu_is_what_a_test_held) {
  EXPECT_FALSE(is_starved(0.44, 0.87, 1.6, std::nullopt));  // threads beyond one CPU: its own waiting
  EXPECT_TRUE(is_starved(0.44, 0.87, 0.3, std::nullopt));
}

}  // namespace
}  // namespace mmtest::run
