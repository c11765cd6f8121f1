#include "mmtest/run/cpu.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

#include "mmtest/common/format.hpp"
#include "mmtest/machine/cpus.hpp"
#include "mmtest/run/proc.hpp"

namespace mmtest::run {

using machine::CpuSet;
std::vector<int> cpus_for_ids(std::span<const std::uint32_t> ids, std::span<const int> allowed) {
  std::vector<int> cpus;
  if (allowed.empty()) return cpus;
  for (const std::uint32_t id : ids) cpus.push_back(allowed[id % allowed.size()]);
  std::ranges::sort(cpus);
  const auto [first, last] = std::ranges::unique(cpus);
  cpus.erase(first, last);
  return cpus;
}

std::expected<void, std::string> pin_to(std::span<const int> cpus) {
  if (cpus.empty()) return std::unexpected(std::string("no CPU to pin to"));
  CpuSet set(*std::ranges::max_element(cpus) + 1);
  for (const int cpu : cpus) CPU_SET_S(static_cast<std::size_t>(cpu), set.bytes, set.set);
  if (::sched_setaffinity(0, set.bytes, set.set) != 0) {
    return std::unexpected(system_error_message(fmt::format("sched_setaffinity(0, {{{}}})", format_cpu_list(cpus))));
  }
  return {};
}

std::optional<SchedStat> parse_schedstat(std::string_view text) {
  // "<run ns> <wait ns> <timeslices>\n"
  SchedStat stat;
  const char* position = text.data();
  const char* const end = text.data() + text.size();
  for (std::uint64_t* field : {&stat.run_ns, &stat.wait_ns}) {
    while (position < end && *position == ' ') ++position;
    const auto [next, error] = std::from_chars(position, end, *field);
    if (error != std::errc{}) return std::nullopt;
    position = next;
  }
  if (position == end || (*position != ' ' && *position != '\n')) return std::nullopt;
  return stat;
}

std::optional<SchedStat> read_schedstat(pid_t pid) {
  const FileText file = read_small_file(fmt::format("/proc/{}/schedstat", pid));
  if (!file.ok) return std::nullopt;
  return parse_schedstat(file.text);
}

std::vector<std::pair<pid_t, SchedStat>> read_thread_schedstats(pid_t pid) {
  std::vector<std::pair<pid_t, SchedStat>> found;
  for (const pid_t tid : thread_ids(pid, kMostThreadsRead)) {
    const FileText file = read_small_file(fmt::format("/proc/{}/task/{}/schedstat", pid, tid));
    if (!file.ok) continue;  // ended meanwhile
    if (const auto stat = parse_schedstat(file.text)) found.emplace_back(tid, *stat);
  }
  return found;
}

void CpuWaitTracker::observe(pid_t pid, const SchedStat& stat) {
  std::uint64_t& latest = latest_wait_ns_[pid];
  latest = std::max(latest, stat.wait_ns);
}

double CpuWaitTracker::wait_seconds() const {
  std::uint64_t total_ns = 0;
  for (const auto& [pid, wait_ns] : latest_wait_ns_) total_ns += wait_ns;
  return static_cast<double>(total_ns) / 1e9;
}

void CpuPeakTracker::observe(double seconds, double cpu_seconds) {
  if (!started_ || cpu_seconds < window_cpu_ || seconds < window_start_) {
    started_ = true;
    window_start_ = seconds;
    window_cpu_ = cpu_seconds;
    return;
  }
  const double elapsed = seconds - window_start_;
  if (elapsed < kCpuPeakWindowSeconds) return;
  const double rate = (cpu_seconds - window_cpu_) / elapsed;
  peak_ = peak_ ? std::max(*peak_, rate) : rate;
  window_start_ = seconds;
  window_cpu_ = cpu_seconds;
}

bool is_starved(double cpu_wait_seconds, double wall_seconds, double cpu_seconds, std::optional<double> cpus_held) {
  constexpr double kStarvedShare = 0.5;
  constexpr double kStarvedMinimumSeconds = 0.1;
  constexpr double kStarvedUse = 0.75;
  // A test learned idle holds no CPU: it is starved when it got less than a tenth.
  const double held = std::max(cpus_held.value_or(1.0), 0.1);
  return cpu_wait_seconds >= kStarvedMinimumSeconds && cpu_wait_seconds >= kStarvedShare * wall_seconds &&
         cpu_seconds < kStarvedUse * held * wall_seconds;
}

}  // namespace mmtest::run
