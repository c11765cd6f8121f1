#include "mmtest/run/classify.hpp"

#include <signal.h>

#include <gtest/gtest.h>
#include <string>

#include "mmtest/run/exit_codes.hpp"

#include "expect_contains.hpp"

namespace mmtest::run {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

Options options_named(const std::string& name) {
  Options options;
  options.name = name;
  options.command = {"./" + name};
  return options;
}

Supervision exited(int code) {
  Supervision run;
  run.exit_code = code;
  return run;
}

Supervision killed_by(int signal_number) {
  Supervision run;
  run.term_signal = signal_number;
  return run;
}

LeakedProcess leak(pid_t pid, const std::string& comm) { return {pid, comm, comm + " --forever"}; }

#define EXPECT_NOT_CONTAINS(text, part)                                                                   \
  EXPECT_EQ(std::string(text).find(part), std::string::npos) << "'" << (part) << "' unexpectedly in: " << (text)

// ---- the test ended by itself ------------------------------------------------------------------

TEST(Classify, exit_0_without_leaks_passes_silently) {
  const Verdict verdict = classify(exited(0), options_named("order_book"));
  EXPECT_EQ(verdict.outcome, Outcome::passed);
  EXPECT_EQ(verdict.exit_code, exit_code::kPassed);
  EXPECT_FALSE(verdict.reraise_signal.has_value());
  EXPECT_FALSE(verdict.diagnosis.has_value());
  EXPECT_EQ(reported_exit_status(verdict), 0);
}

TEST(Classify, a_non_zero_exit_code_passes_through) {
  for (const int code : {1, 2, 42, 120, 124, 125, 255}) {
    const Verdict verdict = classify(exited(code), options_named("order_book"));
    EXPECT_EQ(verdict.outcome, Outcome::failed) << code;
    EXPECT_EQ(verdict.exit_code, code);
    EXPECT_FALSE(verdict.reraise_signal.has_value());
    EXPECT_EQ(reported_exit_status(verdict), code);
    ASSERT_TRUE(verdict.diagnosis.has_value());
    EXPECT_CONTAINS(*verdict.diagnosis, "order_book");
    EXPECT_CONTAINS(*verdict.diagnosis, "exit code " + std::to_string(code));
  }
}

TEST(Classify, a_failure_that_also_leaked_mentions_the_leaks_but_keeps_its_code) {
  Supervision run = exited(3);
  run.leaked = {leak(812, "sleep"), leak(813, "worker")};
  const Verdict verdict = classify(run, options_named("order_book"));
  EXPECT_EQ(verdict.outcome, Outcome::failed);
  EXPECT_EQ(verdict.exit_code, 3);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "exit code 3");
  EXPECT_CONTAINS(*verdict.diagnosis, "2 processes");
  EXPECT_CONTAINS(*verdict.diagnosis, "sleep (pid 812)");
  EXPECT_CONTAINS(*verdict.diagnosis, "worker (pid 813)");
}

TEST(Classify, leaking_after_exit_0_fails_with_121_naming_the_leaks) {
  Supervision run = exited(0);
  run.leaked = {leak(812, "sleep")};
  const Verdict verdict = classify(run, options_named("order_book"));
  EXPECT_EQ(verdict.outcome, Outcome::leaked);
  EXPECT_EQ(verdict.exit_code, exit_code::kLeaked);
  EXPECT_EQ(reported_exit_status(verdict), 121);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "order_book");
  EXPECT_CONTAINS(*verdict.diagnosis, "1 process:");
  EXPECT_CONTAINS(*verdict.diagnosis, "sleep (pid 812)");
  EXPECT_CONTAINS(*verdict.diagnosis, "--allow-leaks");
}

TEST(Classify, a_long_leak_list_names_five_and_counts_the_rest) {
  Supervision run = exited(0);
  for (pid_t pid = 1; pid <= 8; ++pid) run.leaked.push_back(leak(100 + pid, "w" + std::to_string(pid)));
  const Verdict verdict = classify(run, options_named("t"));
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "8 processes");
  EXPECT_CONTAINS(*verdict.diagnosis, "w5 (pid 105)");
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "w6 (pid 106)");
  EXPECT_CONTAINS(*verdict.diagnosis, "and 3 more");
}

TEST(Classify, allow_leaks_turns_a_leak_after_exit_0_into_a_pass) {
  Supervision run = exited(0);
  run.leaked = {leak(812, "sleep")};
  Options options = options_named("order_book");
  options.allow_leaks = true;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::passed);
  EXPECT_EQ(verdict.exit_code, 0);
  EXPECT_FALSE(verdict.diagnosis.has_value());
}

TEST(Classify, death_by_signal_is_reraised) {
  const Verdict verdict = classify(killed_by(SIGSEGV), options_named("order_book"));
  EXPECT_EQ(verdict.outcome, Outcome::signal);
  EXPECT_EQ(verdict.reraise_signal, SIGSEGV);
  EXPECT_EQ(reported_exit_status(verdict), 128 + SIGSEGV);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "order_book");
  EXPECT_CONTAINS(*verdict.diagnosis, "SIGSEGV");
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "OOM");
}

TEST(Classify, an_unexplained_sigkill_points_at_the_oom_killer_with_the_peak) {
  Supervision run = killed_by(SIGKILL);
  run.peak_memory_bytes = 700 * kMiB;
  const Verdict verdict = classify(run, options_named("order_book"));
  EXPECT_EQ(verdict.outcome, Outcome::signal);
  EXPECT_EQ(verdict.reraise_signal, SIGKILL);
  EXPECT_EQ(reported_exit_status(verdict), 137);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "SIGKILL");
  EXPECT_CONTAINS(*verdict.diagnosis, "OOM");
  EXPECT_CONTAINS(*verdict.diagnosis, "700.0 MiB");
}

TEST(Classify, death_by_signal_with_leaks_mentions_both) {
  Supervision run = killed_by(SIGABRT);
  run.leaked = {leak(9, "child")};
  const Verdict verdict = classify(run, options_named("t"));
  EXPECT_EQ(verdict.outcome, Outcome::signal);
  EXPECT_EQ(verdict.reraise_signal, SIGABRT);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "SIGABRT");
  EXPECT_CONTAINS(*verdict.diagnosis, "child (pid 9)");
}

TEST(Classify, a_main_process_that_could_not_be_reaped_does_not_pass) {
  const Verdict verdict = classify(Supervision{}, options_named("t"));
  EXPECT_NE(verdict.outcome, Outcome::passed);
  EXPECT_EQ(verdict.exit_code, exit_code::kUsage);
  EXPECT_TRUE(verdict.diagnosis.has_value());
}

// ---- the supervisor stopped the tree -----------------------------------------------------------

TEST(Classify, memory_stop_exits_123_naming_figure_limit_source_and_processes) {
  Supervision run = killed_by(SIGKILL);  // the supervisor's own kill must not look like the OOM killer
  run.stop_reason = StopReason::memory;
  run.peak_memory_bytes = 812 * kMiB;
  run.memory_at_stop_bytes = 800 * kMiB;
  run.processes_at_stop = 3;
  Options options = options_named("order_book");
  options.memory_limit_bytes = 512 * kMiB;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::memory);
  EXPECT_EQ(verdict.exit_code, exit_code::kMemory);
  EXPECT_FALSE(verdict.reraise_signal.has_value());
  EXPECT_EQ(reported_exit_status(verdict), 123);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "order_book");
  EXPECT_CONTAINS(*verdict.diagnosis, "812.0 MiB");
  EXPECT_CONTAINS(*verdict.diagnosis, "512.0 MiB");
  EXPECT_CONTAINS(*verdict.diagnosis, "tree RSS");
  EXPECT_CONTAINS(*verdict.diagnosis, "3 processes");
  EXPECT_CONTAINS(*verdict.diagnosis, "--memory");
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "OOM");
}

TEST(Classify, memory_figure_is_the_larger_of_peak_and_memory_at_stop) {
  Supervision run;
  run.stop_reason = StopReason::memory;
  run.peak_memory_bytes = 300 * kMiB;
  run.memory_at_stop_bytes = 600 * kMiB;
  run.processes_at_stop = 1;
  Options options = options_named("t");
  options.memory_limit_bytes = 512 * kMiB;
  const Verdict verdict = classify(run, options);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "600.0 MiB");
  EXPECT_CONTAINS(*verdict.diagnosis, "1 process)");
}

TEST(Classify, memory_stop_in_cgroup_mode_names_memory_peak) {
  Supervision run;
  run.stop_reason = StopReason::memory;
  run.peak_memory_bytes = 2 * (std::uint64_t{1} << 30);
  run.peak_memory_source = "cgroup-memory-peak";
  run.processes_at_stop = 2;
  Options options = options_named("t");
  options.memory_limit_bytes = std::uint64_t{1} << 30;
  const Verdict verdict = classify(run, options);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "memory.peak");
  EXPECT_CONTAINS(*verdict.diagnosis, "2.00 GiB");
  EXPECT_CONTAINS(*verdict.diagnosis, "1.00 GiB");
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "tree RSS");
}

TEST(Classify, memory_kill_in_cgroup_mode_has_the_sample_mode_shape_with_the_oom_kill_count) {
  Supervision run = killed_by(SIGKILL);
  run.stop_reason = StopReason::memory;
  run.peak_memory_bytes = 200 * kMiB;  // memory.max keeps memory.peak at the budget
  run.memory_at_stop_bytes = 200 * kMiB;
  run.peak_memory_source = "cgroup-memory-peak";
  run.cgroup_oom_kills = 3;
  run.processes_at_stop = 3;
  Options options = options_named("tree");
  options.memory_limit_bytes = 200 * kMiB;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::memory);
  EXPECT_EQ(verdict.exit_code, exit_code::kMemory);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_EQ(*verdict.diagnosis,
            "mmtest: tree killed: memory 200.0 MiB exceeded budget 200.0 MiB (cgroup memory.peak; memory.events "
            "oom_kill 3, 3 processes); raise its MEMORY (--memory) or shrink what it holds");
}

TEST(Classify, a_refused_fork_in_cgroup_mode_is_a_process_limit_stop_that_says_so) {
  Supervision run = killed_by(SIGKILL);
  run.stop_reason = StopReason::process_limit;
  run.processes_at_stop = 16;  // pids.max never lets the tree past the cap
  run.forks_refused = 1;
  Options options = options_named("fork_bomb");
  options.max_processes = 16;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::process_limit);
  EXPECT_EQ(reported_exit_status(verdict), 122);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_EQ(*verdict.diagnosis,
            "mmtest: fork_bomb killed: 16 processes reached the limit of 16 (--max-processes): cgroup pids.max refused "
            "1 fork; a fork loop, or raise the limit");
  run.forks_refused = 5;
  EXPECT_CONTAINS(*classify(run, options).diagnosis, "refused 5 forks;");
}

// pids.max counts threads: one process with many threads reaches it without any fork loop.
TEST(Classify, a_refusal_below_the_process_cap_in_cgroup_mode_blames_threads) {
  Supervision run = killed_by(SIGKILL);
  run.stop_reason = StopReason::process_limit;
  run.processes_at_stop = 1;
  run.tasks_at_stop = 16;
  run.forks_refused = 1;
  Options options = options_named("pool");
  options.max_processes = 16;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::process_limit);
  EXPECT_EQ(reported_exit_status(verdict), 122);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_EQ(*verdict.diagnosis,
            "mmtest: pool killed: 16 tasks (1 process with its threads) reached the limit of 16 (--max-processes); in "
            "cgroup mode pids.max counts threads too and refused 1 new thread or process; raise the limit for a test "
            "with many threads");
  // Several processes, several refusals.
  run.processes_at_stop = 3;
  run.tasks_at_stop = 16;
  run.forks_refused = 4;
  EXPECT_CONTAINS(*classify(run, options).diagnosis,
                  "killed: 16 tasks (3 processes with their threads) reached the limit of 16 (--max-processes); in "
                  "cgroup mode pids.max counts threads too and refused 4 new threads or processes;");
  // As many processes as tasks (a fork loop), or tasks unknown (the tree ended before the stop
  // was seen): the fork-loop diagnosis, as before.
  for (const std::optional<std::uint64_t> tasks : {std::optional<std::uint64_t>{16}, std::optional<std::uint64_t>{}}) {
    run.tasks_at_stop = tasks;
    run.processes_at_stop = 16;
    EXPECT_CONTAINS(*classify(run, options).diagnosis,
                    "16 processes reached the limit of 16 (--max-processes): cgroup pids.max refused 4 forks");
  }
  run.tasks_at_stop.reset();
  run.processes_at_stop = 3;
  EXPECT_CONTAINS(*classify(run, options).diagnosis, "3 processes reached the limit of 16 (--max-processes): cgroup pids.max refused 4 forks");
}

TEST(Classify, process_limit_stop_exits_122_naming_count_and_limit) {
  Supervision run = killed_by(SIGTERM);
  run.stop_reason = StopReason::process_limit;
  run.processes_at_stop = 17;
  Options options = options_named("fork_bomb");
  options.max_processes = 16;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::process_limit);
  EXPECT_EQ(verdict.exit_code, exit_code::kProcessLimit);
  EXPECT_FALSE(verdict.reraise_signal.has_value());
  EXPECT_EQ(reported_exit_status(verdict), 122);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "fork_bomb");
  EXPECT_CONTAINS(*verdict.diagnosis, "17 processes");
  EXPECT_CONTAINS(*verdict.diagnosis, "limit of 16");
  EXPECT_CONTAINS(*verdict.diagnosis, "--max-processes");
}

TEST(Classify, timeout_stop_exits_124_naming_the_timeout) {
  Supervision run = killed_by(SIGTERM);
  run.stop_reason = StopReason::timeout;
  run.processes_at_stop = 2;
  Options options = options_named("hang");
  options.timeout = 2500ms;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::timeout);
  EXPECT_EQ(verdict.exit_code, exit_code::kTimeout);
  EXPECT_FALSE(verdict.reraise_signal.has_value());
  EXPECT_EQ(reported_exit_status(verdict), 124);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "hang");
  EXPECT_CONTAINS(*verdict.diagnosis, "2.5 s");
  EXPECT_CONTAINS(*verdict.diagnosis, "SIGTERM to 2 processes");
  EXPECT_CONTAINS(*verdict.diagnosis, "--timeout");
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "SIGKILL");
}

TEST(Classify, timeout_names_the_processes_that_needed_sigkill_and_the_grace) {
  Supervision run;
  run.stop_reason = StopReason::timeout;
  run.processes_at_stop = 3;
  run.processes_needing_sigkill = 1;
  Options options = options_named("hang");
  options.timeout = 10s;
  options.grace = 250ms;
  const Verdict verdict = classify(run, options);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "10 s");
  EXPECT_CONTAINS(*verdict.diagnosis, "1 ignored it and got SIGKILL");
  EXPECT_CONTAINS(*verdict.diagnosis, "0.25 s grace");
}

TEST(Classify, a_starved_timeout_names_cpu_starvation_not_a_hang) {
  Supervision run = killed_by(SIGTERM);
  run.stop_reason = StopReason::timeout;
  run.processes_at_stop = 1;
  run.wall_time = 8s;
  run.cpu_wait_seconds = 7.2;
  Options options = options_named("busy");
  options.timeout = 8s;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::timeout);
  EXPECT_EQ(verdict.exit_code, exit_code::kTimeout);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_EQ(*verdict.diagnosis,
            "mmtest: busy timed out after 8 s, starved of CPU: it waited 7.2 s (90% of its time) for a CPU that "
            "other processes held; sent SIGTERM to 1 process; run fewer tests at once (ctest -j, PROCESSORS, "
            "MMTEST_CPU_BUDGET) rather than raising its TIMEOUT");
}

// The wait sums every thread's: more than the wall time is said as threads, never as "150% of its time".
TEST(Classify, a_starved_threaded_timeout_says_its_threads_waited) {
  Supervision run = killed_by(SIGTERM);
  run.stop_reason = StopReason::timeout;
  run.processes_at_stop = 1;
  run.wall_time = 8s;
  run.cpu_seconds = 1.0;
  run.cpu_wait_seconds = 12.0;
  Options options = options_named("pool");
  options.timeout = 8s;
  const Verdict verdict = classify(run, options);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "starved of CPU: its threads waited 12.0 s (1.5 times its time) for a CPU");
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "% of its time");
}

TEST(Classify, a_timeout_that_barely_waited_for_a_cpu_is_a_hang) {
  Supervision run = killed_by(SIGTERM);
  run.stop_reason = StopReason::timeout;
  run.processes_at_stop = 1;
  run.wall_time = 8s;
  run.cpu_wait_seconds = 3.9;  // just under half of the wall time
  Options options = options_named("sleepy");
  options.timeout = 8s;
  const Verdict verdict = classify(run, options);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "starved");
  EXPECT_CONTAINS(*verdict.diagnosis, "or find the hang");
}

TEST(Classify, a_timeout_without_scheduling_figures_is_not_called_starved) {
  Supervision run = killed_by(SIGTERM);
  run.stop_reason = StopReason::timeout;
  run.wall_time = 8s;
  Options options = options_named("unknown");
  options.timeout = 8s;
  const Verdict verdict = classify(run, options);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "starved");
}

TEST(Classify, interruption_reraises_the_signal_the_launcher_received) {
  Supervision run = killed_by(SIGTERM);
  run.stop_reason = StopReason::interrupted;
  run.launcher_signal = SIGINT;
  run.wall_time = 1500ms;
  run.processes_at_stop = 4;
  const Verdict verdict = classify(run, options_named("slow"));
  EXPECT_EQ(verdict.outcome, Outcome::interrupted);
  EXPECT_EQ(verdict.reraise_signal, SIGINT);
  EXPECT_EQ(reported_exit_status(verdict), 128 + SIGINT);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "slow");
  EXPECT_CONTAINS(*verdict.diagnosis, "SIGINT");
  EXPECT_CONTAINS(*verdict.diagnosis, "1.5 s");
  EXPECT_CONTAINS(*verdict.diagnosis, "4 processes");
}

TEST(Classify, interruption_without_a_recorded_signal_reraises_sigterm) {
  Supervision run;
  run.stop_reason = StopReason::interrupted;
  const Verdict verdict = classify(run, options_named("t"));
  EXPECT_EQ(verdict.reraise_signal, SIGTERM);
  EXPECT_EQ(reported_exit_status(verdict), 128 + SIGTERM);
}

TEST(Classify, a_stop_reason_outranks_how_the_main_process_ended) {
  Supervision run = exited(0);  // the test exited 0 while the tree was being stopped
  run.stop_reason = StopReason::timeout;
  Options options = options_named("t");
  options.timeout = 1s;
  EXPECT_EQ(classify(run, options).outcome, Outcome::timeout);
  run.stop_reason = StopReason::memory;
  EXPECT_EQ(classify(run, options).outcome, Outcome::memory);
}

// ---- a peak over the budget that nothing stopped ------------------------------------------------

// What a test that ends before the first sample looks like: exit 0, the exact peak from the
// ru_maxrss of its largest process, a budget below it, no stop.
Supervision ended_over_budget(std::uint64_t peak_bytes, const std::string& source = "process-max-rss") {
  Supervision run = exited(0);
  run.peak_memory_bytes = peak_bytes;
  run.peak_memory_source = source;
  return run;
}

Options budget_of(std::uint64_t limit_bytes, const std::string& name = "tiny") {
  Options options = options_named(name);
  options.memory_limit_bytes = limit_bytes;
  return options;
}

TEST(Classify, a_peak_over_the_budget_measured_at_exit_fails_as_memory_with_123) {
  const Verdict verdict = classify(ended_over_budget(4'089'446), budget_of(kMiB));  // 3.9 MiB
  EXPECT_EQ(verdict.outcome, Outcome::memory);
  EXPECT_EQ(verdict.exit_code, exit_code::kMemory);
  EXPECT_FALSE(verdict.reraise_signal.has_value());
  EXPECT_EQ(reported_exit_status(verdict), 123);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_EQ(*verdict.diagnosis,
            "mmtest: tiny exceeded its memory budget: peak 3.9 MiB (largest process, measured at exit) over budget "
            "1.0 MiB; raise its MEMORY (--memory) or shrink what it holds");
}

TEST(Classify, a_peak_one_byte_over_the_budget_is_over_it_and_a_peak_at_it_is_not) {
  EXPECT_EQ(classify(ended_over_budget(64 * kMiB + 1), budget_of(64 * kMiB)).outcome, Outcome::memory);
  const Verdict at_budget = classify(ended_over_budget(64 * kMiB), budget_of(64 * kMiB));
  EXPECT_EQ(at_budget.outcome, Outcome::passed);
  EXPECT_FALSE(at_budget.diagnosis.has_value());
}

TEST(Classify, a_peak_under_the_budget_or_without_a_budget_passes) {
  EXPECT_EQ(classify(ended_over_budget(3 * kMiB), budget_of(64 * kMiB)).outcome, Outcome::passed);
  EXPECT_EQ(classify(ended_over_budget(3 * kMiB), options_named("tiny")).outcome, Outcome::passed);
}

TEST(Classify, the_measured_at_exit_diagnosis_names_each_peak_source_without_saying_killed) {
  const std::pair<std::string, std::string> sources[] = {
      {"process-max-rss", "(largest process, measured at exit)"},
      {"cgroup-memory-peak", "(cgroup memory.peak, measured at exit)"},
      {"tree-rss-sample", "(tree RSS, sampled while it ran)"},
  };
  for (const auto& [source, said] : sources) {
    const Verdict verdict = classify(ended_over_budget(2 * kMiB, source), budget_of(kMiB));
    EXPECT_EQ(verdict.outcome, Outcome::memory) << source;
    ASSERT_TRUE(verdict.diagnosis.has_value());
    EXPECT_CONTAINS(*verdict.diagnosis, "peak 2.0 MiB " + said + " over budget 1.0 MiB");
    EXPECT_NOT_CONTAINS(*verdict.diagnosis, "killed");
  }
}

TEST(Classify, a_peak_over_the_budget_outranks_leaks_and_mentions_them) {
  for (const bool allow_leaks : {false, true}) {
    Supervision run = ended_over_budget(8 * kMiB);
    run.leaked = {leak(812, "sleep")};
    Options options = budget_of(4 * kMiB);
    options.allow_leaks = allow_leaks;
    const Verdict verdict = classify(run, options);
    EXPECT_EQ(verdict.outcome, Outcome::memory) << "allow_leaks " << allow_leaks;
    EXPECT_EQ(verdict.exit_code, exit_code::kMemory);
    ASSERT_TRUE(verdict.diagnosis.has_value());
    EXPECT_CONTAINS(*verdict.diagnosis, "peak 8.0 MiB (largest process, measured at exit) over budget 4.0 MiB");
    EXPECT_CONTAINS(*verdict.diagnosis, "also left 1 process running: sleep (pid 812)");
    EXPECT_CONTAINS(*verdict.diagnosis, "--memory");
  }
}

TEST(Classify, a_test_that_failed_by_itself_keeps_its_code_and_mentions_the_peak_over_budget) {
  Supervision run = ended_over_budget(8 * kMiB);
  run.exit_code = 3;
  const Verdict verdict = classify(run, budget_of(4 * kMiB));
  EXPECT_EQ(verdict.outcome, Outcome::failed);
  EXPECT_EQ(verdict.exit_code, 3);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_EQ(*verdict.diagnosis,
            "mmtest: tiny failed with exit code 3; its peak 8.0 MiB (largest process, measured at exit) was also over "
            "its memory budget 4.0 MiB");
}

TEST(Classify, a_test_that_died_of_a_signal_keeps_it_and_mentions_the_peak_over_budget) {
  Supervision run = ended_over_budget(8 * kMiB);
  run.exit_code.reset();
  run.term_signal = SIGABRT;
  run.leaked = {leak(9, "child")};
  const Verdict verdict = classify(run, budget_of(4 * kMiB));
  EXPECT_EQ(verdict.outcome, Outcome::signal);
  EXPECT_EQ(verdict.reraise_signal, SIGABRT);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "SIGABRT");
  EXPECT_CONTAINS(*verdict.diagnosis, "was also over its memory budget 4.0 MiB");
  EXPECT_CONTAINS(*verdict.diagnosis, "child (pid 9)");
}

TEST(Classify, failures_under_the_budget_do_not_mention_it) {
  Supervision failed = ended_over_budget(2 * kMiB);
  failed.exit_code = 1;
  Supervision crashed = ended_over_budget(2 * kMiB);
  crashed.exit_code.reset();
  crashed.term_signal = SIGSEGV;
  for (const Supervision& run : {failed, crashed}) {
    const Verdict verdict = classify(run, budget_of(4 * kMiB));
    ASSERT_TRUE(verdict.diagnosis.has_value());
    EXPECT_NOT_CONTAINS(*verdict.diagnosis, "budget");
  }
}

TEST(Classify, a_stop_reason_outranks_a_peak_over_the_budget) {
  Supervision run = ended_over_budget(8 * kMiB);
  run.stop_reason = StopReason::timeout;
  run.processes_at_stop = 1;
  Options options = budget_of(4 * kMiB);
  options.timeout = 1s;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::timeout);
  EXPECT_EQ(verdict.exit_code, exit_code::kTimeout);
}

// ---- a run the test reported as skipped (--gtest) ----------------------------------------------

Supervision reported_skipped(int code) {
  Supervision run = exited(code);
  run.reported_all_skipped = true;
  return run;
}

TEST(Classify, a_passing_run_that_skipped_every_test_case_is_skipped_with_exit_0_and_no_diagnosis) {
  const Verdict verdict = classify(reported_skipped(0), options_named("gt.Sample.Skips"));
  EXPECT_EQ(verdict.outcome, Outcome::skipped);
  EXPECT_EQ(verdict.exit_code, 0);
  EXPECT_FALSE(verdict.reraise_signal.has_value());
  EXPECT_EQ(reported_exit_status(verdict), 0);
  EXPECT_FALSE(verdict.diagnosis.has_value());
}

TEST(Classify, a_skip_report_never_hides_a_failure_a_leak_or_a_peak_over_budget) {
  EXPECT_EQ(classify(reported_skipped(1), options_named("t")).outcome, Outcome::failed);
  Supervision crashed = reported_skipped(0);
  crashed.exit_code.reset();
  crashed.term_signal = SIGSEGV;
  EXPECT_EQ(classify(crashed, options_named("t")).outcome, Outcome::signal);
  Supervision leaky = reported_skipped(0);
  leaky.leaked = {leak(812, "sleep")};
  EXPECT_EQ(classify(leaky, options_named("t")).outcome, Outcome::leaked);
  Supervision over_budget = reported_skipped(0);
  over_budget.peak_memory_bytes = 2 * kMiB;
  EXPECT_EQ(classify(over_budget, budget_of(kMiB)).outcome, Outcome::memory);
  Supervision stopped = reported_skipped(0);
  stopped.stop_reason = StopReason::timeout;
  EXPECT_EQ(classify(stopped, options_named("t")).outcome, Outcome::timeout);
}

// ---- --skip-code: a skip told to CTest by exit code ------------------------------------------------

Options skipping_with(int code, const std::string& name = "t") {
  Options options = options_named(name);
  options.skip_code = code;
  return options;
}

TEST(Classify, the_skip_code_is_a_skip_that_keeps_its_exit_code) {
  const Verdict verdict = classify(exited(77), skipping_with(77));
  EXPECT_EQ(verdict.outcome, Outcome::skipped);
  EXPECT_EQ(reported_exit_status(verdict), 77);
  EXPECT_FALSE(verdict.diagnosis.has_value());
  // Another code is a failure as before, and the skip code means nothing without --skip-code.
  EXPECT_EQ(classify(exited(78), skipping_with(77)).outcome, Outcome::failed);
  EXPECT_EQ(classify(exited(77), options_named("t")).outcome, Outcome::failed);
}

TEST(Classify, a_gtest_run_that_skipped_every_case_exits_with_the_skip_code) {
  const Verdict verdict = classify(reported_skipped(0), skipping_with(77, "gt.Sample.Skips"));
  EXPECT_EQ(verdict.outcome, Outcome::skipped);
  EXPECT_EQ(reported_exit_status(verdict), 77);
}

TEST(Classify, a_budget_violation_is_never_a_skip_even_with_the_skip_code) {
  // The test called GTEST_SKIP (or exited with the skip code) after growing past its budget.
  for (const bool by_exit_code : {false, true}) {
    Supervision over = by_exit_code ? exited(77) : reported_skipped(0);
    over.peak_memory_bytes = 5 * kMiB;
    over.peak_memory_source = "process-max-rss";
    Options options = skipping_with(77);
    options.memory_limit_bytes = kMiB;
    const Verdict verdict = classify(over, options);
    EXPECT_EQ(verdict.outcome, Outcome::memory) << by_exit_code;
    EXPECT_EQ(reported_exit_status(verdict), exit_code::kMemory) << by_exit_code;
  }
  Supervision killed = reported_skipped(0);
  killed.exit_code.reset();
  killed.stop_reason = StopReason::memory;
  killed.peak_memory_bytes = 5 * kMiB;
  Options options = skipping_with(77);
  options.memory_limit_bytes = kMiB;
  EXPECT_EQ(reported_exit_status(classify(killed, options)), exit_code::kMemory);
  Supervision leaky = exited(77);
  leaky.leaked = {leak(812, "sleep")};
  EXPECT_EQ(classify(leaky, skipping_with(77)).outcome, Outcome::leaked);
}

TEST(Classify, allowed_leaks_of_a_skipped_run_keep_it_skipped) {
  Supervision run = reported_skipped(0);
  run.leaked = {leak(812, "sleep")};
  Options options = options_named("t");
  options.allow_leaks = true;
  EXPECT_EQ(classify(run, options).outcome, Outcome::skipped);
}

// ---- harness errors and names ------------------------------------------------------------------

TEST(HarnessError, keeps_the_code_and_names_the_test_and_the_cause) {
  const Verdict verdict = harness_error(options_named("order_book"), exit_code::kNotFound, "command not found: foo");
  EXPECT_EQ(verdict.outcome, Outcome::harness_error);
  EXPECT_EQ(verdict.exit_code, 127);
  EXPECT_FALSE(verdict.reraise_signal.has_value());
  EXPECT_EQ(reported_exit_status(verdict), 127);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis, "order_book");
  EXPECT_CONTAINS(*verdict.diagnosis, "command not found: foo");
}

TEST(ReportedExitStatus, is_the_code_or_128_plus_the_signal) {
  Verdict by_code;
  by_code.exit_code = 7;
  EXPECT_EQ(reported_exit_status(by_code), 7);
  Verdict by_signal;
  by_signal.exit_code = 7;
  by_signal.reraise_signal = SIGTERM;
  EXPECT_EQ(reported_exit_status(by_signal), 143);
}

TEST(OutcomeNames, are_the_record_spellings) {
  EXPECT_EQ(to_string(Outcome::passed), "passed");
  EXPECT_EQ(to_string(Outcome::skipped), "skipped");
  EXPECT_EQ(to_string(Outcome::failed), "failed");
  EXPECT_EQ(to_string(Outcome::signal), "signal");
  EXPECT_EQ(to_string(Outcome::timeout), "timeout");
  EXPECT_EQ(to_string(Outcome::memory), "memory");
  EXPECT_EQ(to_string(Outcome::process_limit), "process-limit");
  EXPECT_EQ(to_string(Outcome::leaked), "leaked");
  EXPECT_EQ(to_string(Outcome::interrupted), "interrupted");
  EXPECT_EQ(to_string(Outcome::harness_error), "harness-error");
}

TEST(Diagnosis, is_always_one_line) {
  Supervision leaky = exited(0);
  leaky.leaked = {leak(1, "a"), leak(2, "b")};
  Supervision memory;
  memory.stop_reason = StopReason::memory;
  Supervision over_budget_leaky = leaky;
  over_budget_leaky.peak_memory_bytes = 2 * kMiB;
  Supervision failed_over_budget = over_budget_leaky;
  failed_over_budget.exit_code = 1;
  Options options = options_named("t");
  options.memory_limit_bytes = kMiB;
  for (const Supervision& run : {exited(1), killed_by(SIGKILL), leaky, memory, over_budget_leaky, failed_over_budget}) {
    const Verdict verdict = classify(run, options);
    ASSERT_TRUE(verdict.diagnosis.has_value());
    EXPECT_NOT_CONTAINS(*verdict.diagnosis, "\n");
    EXPECT_TRUE(verdict.diagnosis->starts_with("mmtest: t ")) << *verdict.diagnosis;
  }
}

// ---- a GoogleTest program running mmtest's listener said which case ran -------------------------

// Finished cases A.Small (+1 MiB) and Metrics.Register (+300 MiB), then Book.Replay started at
// 400 MiB and did not end.
record::CaseLog three_cases() {
  record::CaseLog cases;
  cases.finished.push_back({"A.Small", "passed", 0.1, 90 * kMiB, 95 * kMiB, 1 * kMiB, 0});
  cases.finished.push_back({"Metrics.Register", "passed", 0.2, 100 * kMiB, 400 * kMiB, 300 * kMiB, 0});
  cases.running = record::RunningCase{"Book.Replay", 400 * kMiB};
  return cases;
}

TEST(ClassifyCases, a_memory_kill_names_the_running_case_and_the_biggest_grower) {
  Supervision run = killed_by(SIGKILL);
  run.stop_reason = StopReason::memory;
  run.peak_memory_bytes = 420 * kMiB;
  run.memory_at_stop_bytes = 520 * kMiB;
  run.processes_at_stop = 1;
  run.cases = three_cases();
  Options options = options_named("unit_tests");
  options.memory_limit_bytes = 512 * kMiB;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::memory);
  EXPECT_EQ(verdict.diagnosis,
            "mmtest: unit_tests killed: memory 520.0 MiB exceeded budget 512.0 MiB (tree RSS, 1 process) while running "
            "Book.Replay; biggest growth: Metrics.Register +300.0 MiB; raise its MEMORY (--memory) or shrink what it holds");
}

TEST(ClassifyCases, many_small_growths_in_one_suite_are_named_beside_the_biggest_case) {
  Supervision run = killed_by(SIGKILL);
  run.stop_reason = StopReason::memory;
  run.peak_memory_bytes = 420 * kMiB;
  run.memory_at_stop_bytes = 520 * kMiB;
  run.processes_at_stop = 1;
  run.cases.finished.push_back({"Hoard.Big", "passed", 0.1, 90 * kMiB, 200 * kMiB, 110 * kMiB, 0});
  for (int i = 0; i < 80; ++i) {
    run.cases.finished.push_back({"Session/Orders.Place/" + std::to_string(i), "passed", 0.01, 200 * kMiB,
                                  std::nullopt, 270 * 1024, 0});
  }
  Options options = options_named("unit_tests");
  options.memory_limit_bytes = 512 * kMiB;
  const Verdict verdict = classify(run, options);
  ASSERT_TRUE(verdict.diagnosis.has_value());
  EXPECT_CONTAINS(*verdict.diagnosis,
                  "; biggest growth: Hoard.Big +110.0 MiB; by suite: Session/Orders.* 80 of 80 cases grew, +21.1 MiB in "
                  "total, ~270.0 KiB each: memory kept by code every case runs (a global registry or cache?); raise");
}

TEST(ClassifyCases, the_running_case_is_the_biggest_grower_when_it_grew_more_so_far) {
  Supervision run;
  run.stop_reason = StopReason::memory;
  run.memory_at_stop_bytes = 800 * kMiB;  // 400 MiB more than when Book.Replay started
  run.processes_at_stop = 1;
  run.cases = three_cases();
  Options options = options_named("unit_tests");
  options.memory_limit_bytes = 768 * kMiB;
  const Verdict verdict = classify(run, options);
  ASSERT_TRUE(verdict.diagnosis);
  EXPECT_CONTAINS(*verdict.diagnosis, "while running Book.Replay; biggest growth: Book.Replay +400.0 MiB (running); raise");
}

TEST(ClassifyCases, a_timeout_names_the_running_case_and_the_biggest_grower) {
  Supervision run = killed_by(SIGTERM);
  run.stop_reason = StopReason::timeout;
  run.processes_at_stop = 1;
  run.memory_at_stop_bytes = 401 * kMiB;
  run.cases = three_cases();
  Options options = options_named("unit_tests");
  options.timeout = 600s;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::timeout);
  EXPECT_EQ(verdict.diagnosis,
            "mmtest: unit_tests timed out after 600 s while running Book.Replay: sent SIGTERM to 1 process; biggest "
            "growth: Metrics.Register +300.0 MiB; raise its TIMEOUT (--timeout) or find the hang");
}

TEST(ClassifyCases, an_interruption_and_a_crash_name_the_running_case) {
  Supervision interrupted = killed_by(SIGTERM);
  interrupted.stop_reason = StopReason::interrupted;
  interrupted.launcher_signal = SIGTERM;
  interrupted.processes_at_stop = 1;
  interrupted.cases = three_cases();
  const Verdict stopped = classify(interrupted, options_named("unit_tests"));
  ASSERT_TRUE(stopped.diagnosis);
  EXPECT_CONTAINS(*stopped.diagnosis, "mmtest: unit_tests interrupted while running Book.Replay: mmtest-run received SIGTERM");
  EXPECT_CONTAINS(*stopped.diagnosis, "(ctest's own timeout or Ctrl-C?); biggest growth: Metrics.Register +300.0 MiB");

  Supervision crashed = killed_by(SIGKILL);
  crashed.peak_memory_bytes = 6 * 1024 * kMiB;
  crashed.cases = three_cases();
  const Verdict oom = classify(crashed, options_named("unit_tests"));
  ASSERT_TRUE(oom.diagnosis);
  EXPECT_CONTAINS(*oom.diagnosis, "died of signal SIGKILL (Killed) while running Book.Replay; mmtest did not send it");
  EXPECT_CONTAINS(*oom.diagnosis, "; biggest growth: Metrics.Register +300.0 MiB");
}

TEST(ClassifyCases, the_memory_guard_stop_is_explained_with_its_figures) {
  Supervision run = exited(120);
  run.cases = three_cases();
  run.cases.guard = record::MemoryGuardStop{"Book.Replay", 470 * kMiB, 460 * kMiB, 70 * kMiB};
  Options options = options_named("unit_tests");
  options.memory_limit_bytes = 512 * kMiB;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::failed);
  EXPECT_EQ(verdict.exit_code, 120);
  EXPECT_EQ(verdict.diagnosis,
            "mmtest: unit_tests failed with exit code 120 while running Book.Replay: its memory guard stopped it at "
            "470.0 MiB, over its binary limit 460.0 MiB; biggest growth: Metrics.Register +300.0 MiB; free what its test "
            "cases keep, or raise its MEMORY (--memory)");
}

TEST(ClassifyCases, a_peak_over_the_budget_at_exit_names_the_biggest_grower) {
  Supervision run = exited(0);
  run.peak_memory_bytes = 600 * kMiB;
  run.cases = three_cases();
  run.cases.running.reset();
  Options options = options_named("unit_tests");
  options.memory_limit_bytes = 512 * kMiB;
  const Verdict verdict = classify(run, options);
  EXPECT_EQ(verdict.outcome, Outcome::memory);
  ASSERT_TRUE(verdict.diagnosis);
  EXPECT_CONTAINS(*verdict.diagnosis, "over budget 512.0 MiB; biggest growth: Metrics.Register +300.0 MiB; raise its MEMORY");
  EXPECT_NOT_CONTAINS(*verdict.diagnosis, "while running");
}

TEST(ClassifyCases, without_a_case_log_the_diagnoses_keep_their_shapes) {
  Supervision run;
  run.stop_reason = StopReason::memory;
  run.memory_at_stop_bytes = 600 * kMiB;
  run.processes_at_stop = 1;
  Options options = options_named("t");
  options.memory_limit_bytes = 512 * kMiB;
  EXPECT_EQ(classify(run, options).diagnosis,
            "mmtest: t killed: memory 600.0 MiB exceeded budget 512.0 MiB (tree RSS, 1 process); raise its MEMORY "
            "(--memory) or shrink what it holds");
  EXPECT_EQ(classify(exited(3), options).diagnosis, "mmtest: t failed with exit code 3");
}

TEST(ClassifyCases, no_biggest_growth_when_no_case_grew) {
  Supervision run = exited(1);
  run.cases.finished.push_back({"A.Flat", "failed", 0.1, kMiB, kMiB, 0, 0});
  run.cases.running = record::RunningCase{"A.Exits", kMiB};
  EXPECT_EQ(classify(run, options_named("t")).diagnosis, "mmtest: t failed with exit code 1 while running A.Exits");
}

}  // namespace
}  // namespace mmtest::run
