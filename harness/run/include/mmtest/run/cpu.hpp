#pragma once

// CPUs: pinning a test to the CPUs CTest allocated it, and how long a test waited for a CPU.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mmtest/machine/cpus.hpp"

namespace mmtest::run {

// The CPUs allowed, and their list as text, are machine facts: mmtest/machine/cpus.hpp.
using machine::allowed_cpus;
using machine::format_cpu_list;

// ---- pinning ------------------------------------------------------------------------------------

// The CPUs that CTest's CPU ids stand for: id <i> is the i-th allowed CPU, wrapping around when
// the CPU budget counted more CPUs than are allowed (an override). Increasing, each once; empty
// when either list is.
std::vector<int> cpus_for_ids(std::span<const std::uint32_t> ids, std::span<const int> allowed);

// Restricts this process (and so every process it starts afterwards) to `cpus`.
std::expected<void, std::string> pin_to(std::span<const int> cpus);

// ---- waiting for a CPU ---------------------------------------------------------------------------

// /proc/<pid>/schedstat: nanoseconds on a CPU and waiting on a run queue (runnable, not running),
// of the process's main thread; /proc/<pid>/task/<tid>/schedstat, of each of its threads.
struct SchedStat {
  std::uint64_t run_ns = 0;
  std::uint64_t wait_ns = 0;
};

std::optional<SchedStat> parse_schedstat(std::string_view text);
std::optional<SchedStat> read_schedstat(pid_t pid);
// Each thread's figures (tid, figures), at most kMostThreadsRead of them: a thread that has ended
// or cannot be read is left out.
inline constexpr std::size_t kMostThreadsRead = 256;
std::vector<std::pair<pid_t, SchedStat>> read_thread_schedstats(pid_t pid);

// Sums what the threads of one test waited for a CPU: each thread's figure is cumulative, so the
// latest seen per thread counts (keyed by thread id: a process's main thread has its pid).
class CpuWaitTracker {
 public:
  void observe(pid_t pid, const SchedStat& stat);
  bool any() const { return !latest_wait_ns_.empty(); }
  double wait_seconds() const;

 private:
  std::unordered_map<pid_t, std::uint64_t> latest_wait_ns_;
};

// ---- how many CPUs a test keeps busy ----------------------------------------------------------

// The highest rate of CPU use of a test's processes, in CPUs, over windows of at least
// kCpuPeakWindow: fed the tree's cumulative CPU seconds at each sample, it takes the rate over
// each window that has lasted that long, then starts the next one. CPU time is counted in clock
// ticks (10 ms), so shorter windows would be mostly rounding. A cumulative figure that falls (a
// zombie not counted until its parent reaps it) restarts the window. nullopt until one window has
// closed: a test shorter than one window has no peak, only its mean.
inline constexpr double kCpuPeakWindowSeconds = 0.25;

class CpuPeakTracker {
 public:
  void observe(double seconds, double cpu_seconds);
  std::optional<double> peak() const { return peak_; }

 private:
  bool started_ = false;
  double window_start_ = 0;
  double window_cpu_ = 0;
  std::optional<double> peak_;
};

// A test was starved of CPU when it spent at least half of its wall time runnable but waiting for
// a CPU, at least 0.1 s of it, and did not get the CPU time it held: less than 75 % of `cpus_held`
// (the CPUs CTest reserved for it; one when it ran without a reservation; a tenth for a test that
// held none, learned idle) on average. Its times then say more about the machine than about the
// test. A test that kept busy most of what it held waited for its own threads (four threads on two
// CPUs, 1.78 of them busy on average with their starts and ends), not for others; a single thread
// waiting half its time can never use more than half a CPU, so the line does not move for it.
bool is_starved(double cpu_wait_seconds, double wall_seconds, double cpu_seconds, std::optional<double> cpus_held);

}  // namespace mmtest::run
