#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mmtest/record/case_log.hpp"
#include "mmtest/run/sampling.hpp"

namespace mmtest::run {

// Why the supervisor stopped the tree before the test ended by itself; the first reason wins.
enum class StopReason { none, memory, process_limit, timeout, interrupted };

struct LeakedProcess {
  pid_t pid = 0;
  std::string comm;      // short kernel name, for the diagnosis
  std::string command;   // full command line, for the record
};

// Everything the supervisor observed about one run: pure facts, no interpretation.
struct Supervision {
  // How the main process ended (exactly one is set, unless it could not be reaped).
  std::optional<int> exit_code;
  std::optional<int> term_signal;

  StopReason stop_reason = StopReason::none;
  std::optional<int> launcher_signal;            // SIGTERM/SIGINT/SIGHUP received by mmtest-run

  std::uint64_t peak_memory_bytes = 0;
  std::string peak_memory_source = "tree-rss-sample";
  std::uint64_t memory_at_stop_bytes = 0;        // tree memory when the supervisor stopped the tree
  std::size_t processes_at_stop = 0;             // live processes in the tree at that moment
  std::size_t max_processes_seen = 0;
  // Cgroup mode only: memory.events oom_kill of the test's leaf (processes the kernel's OOM killer
  // ended at memory.max), and pids.events max (forks pids.max refused).
  std::optional<std::uint64_t> cgroup_oom_kills;
  std::uint64_t forks_refused = 0;
  // Cgroup mode, process-limit stops: pids.current (processes and their threads) when the
  // refusal was seen, with processes_at_stop then counted from cgroup.procs. pids.max counts
  // threads, so it can be reached with few processes.
  std::optional<std::uint64_t> tasks_at_stop;

  std::vector<LeakedProcess> leaked;             // alive when the main process exited
  std::size_t processes_needing_sigkill = 0;     // survived SIGTERM and the grace period

  // What the test said about itself, read by main() after the run (--gtest: GoogleTest's JSON
  // report): it ran test cases and skipped every one of them.
  bool reported_all_skipped = false;
  // What a GoogleTest program running mmtest's listener wrote about its test cases (the per-case
  // file in the TMPDIR, read by main() after the run): which case was running when the run ended,
  // each finished case's figures, and whether its own memory guard stopped it.
  record::CaseLog cases;

  std::chrono::nanoseconds wall_time{0};
  double cpu_seconds = 0;
  // Time the test's threads were runnable but waiting for a CPU, summed, from each thread's
  // schedstat; nullopt when the kernel does not provide it.
  std::optional<double> cpu_wait_seconds;
  // The most CPUs the test's processes kept busy over any quarter of a second (CpuPeakTracker);
  // nullopt for a test shorter than that.
  std::optional<double> cpu_peak;
  std::vector<std::string> warnings;             // limits that could not be enforced, cleanup trouble
  std::vector<MemorySeries::Point> memory_samples;  // the tree's RSS over time, bounded (MemorySeries)
};

}  // namespace mmtest::run
