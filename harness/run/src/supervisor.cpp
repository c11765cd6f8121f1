#include "mmtest/run/supervisor.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>

#include "mmtest/run/cpu.hpp"
#include "mmtest/common/format.hpp"
#include "mmtest/run/process_tree.hpp"
#include "mmtest/run/sampling.hpp"
#include "mmtest/common/unique_fd.hpp"

namespace mmtest::run {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kCleanupSampleInterval{20};   // while draining or terminating
constexpr milliseconds kKillRetryInterval{5};        // re-sweep for processes forked during a kill
constexpr std::chrono::seconds kGiveUpAfter{30};     // unkillable (D state, traced) processes

double cpu_seconds_of_reaped_children() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

class Supervisor {
 public:
  Supervisor(const Options& options, const SupervisorSetup& setup) : options_(options), setup_(setup) {}

  Supervision run();

 private:
  enum class Phase { running, terminating, killing };

  void reap_children();
  void on_main_exit();
  void on_launcher_signal(int signal_number);
  void sample();
  void begin_stop(StopReason reason, int signal_number);
  void escalate_to_kill();
  void kill_everything();
  void read_signals();
  void finish_from_cgroup();
  Clock::time_point next_wakeup() const;

  const Options& options_;
  const SupervisorSetup& setup_;
  const pid_t self_ = ::getpid();
  Supervision result_;

  UniqueFd epoll_;
  Phase phase_ = Phase::running;
  bool main_reaped_ = false;
  bool main_exit_handled_ = false;
  bool no_children_left_ = false;
  Clock::time_point next_sample_{};
  Clock::time_point grace_end_{};
  Clock::time_point next_kill_{};
  Clock::time_point kill_started_{};
  std::optional<Clock::time_point> deadline_;

  std::uint64_t peak_tree_rss_bytes_ = 0;
  std::uint64_t peak_single_max_rss_bytes_ = 0;
  std::uint64_t last_tree_rss_bytes_ = 0;
  Clock::time_point last_sample_time_{};
  double growth_bytes_per_second_ = 0;
  SamplingPolicy policy_;
  CpuWaitTracker cpu_wait_;
  CpuPeakTracker cpu_peak_;
  MemorySeries memory_series_{kMaxMemorySamples};
};

Supervision Supervisor::run() {
  if (options_.timeout) deadline_ = setup_.started + *options_.timeout;
  result_.max_processes_seen = 1;  // the main process, even if it ends before the first sample

  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) result_.warnings.push_back(system_error_message("epoll_create1"));
  for (const int fd : {setup_.signal_fd, setup_.main_pidfd}) {
    if (fd < 0 || !epoll_) continue;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event);
  }

  // The first look comes after the shortest interval: a test that is over by then (most unit
  // tests) never pays for a /proc scan, and its ru_maxrss still gives its exact peak.
  next_sample_ = setup_.started + policy_.fastest;
  while (true) {
    reap_children();
    if (main_reaped_ && !main_exit_handled_) on_main_exit();
    if (no_children_left_) break;

    const auto now = Clock::now();
    if (phase_ == Phase::running && !main_reaped_ && deadline_ && now >= *deadline_) begin_stop(StopReason::timeout, SIGTERM);
    if (phase_ == Phase::terminating && now >= grace_end_) escalate_to_kill();
    if (phase_ != Phase::killing && now >= next_sample_) sample();
    if (phase_ == Phase::killing && now >= next_kill_) kill_everything();
    if (phase_ == Phase::killing && now - kill_started_ > kGiveUpAfter) {
      result_.warnings.push_back(fmt::format("gave up after {} s: some processes of the test could not be reaped",
                                             std::chrono::duration_cast<std::chrono::seconds>(kGiveUpAfter).count()));
      break;
    }

    const auto wait = std::chrono::ceil<milliseconds>(next_wakeup() - Clock::now());
    epoll_event events[4];
    const int ready = epoll_ ? ::epoll_wait(epoll_.get(), events, 4, static_cast<int>(std::max<long>(wait.count(), 0)))
                             : 0;
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.fd == setup_.signal_fd) read_signals();
      // The pidfd only wakes the loop; reap_children() collects the exit status.
    }
  }

  if (setup_.cgroup != nullptr) finish_from_cgroup();
  result_.wall_time = Clock::now() - setup_.started;
  result_.cpu_seconds = cpu_seconds_of_reaped_children();
  if (cpu_wait_.any()) result_.cpu_wait_seconds = cpu_wait_.wait_seconds();
  // A peak over quarter seconds can miss the first and last moments of the run; the record never
  // shows a peak below the run's own mean.
  result_.cpu_peak = cpu_peak_.peak();
  if (result_.cpu_peak && result_.wall_time.count() > 0) {
    result_.cpu_peak = std::max(*result_.cpu_peak, result_.cpu_seconds / std::chrono::duration<double>(result_.wall_time).count());
  }
  result_.memory_samples = memory_series_.points();
  if (result_.peak_memory_source != "cgroup-memory-peak") {
    result_.peak_memory_bytes = std::max(peak_tree_rss_bytes_, peak_single_max_rss_bytes_);
    result_.peak_memory_source = peak_single_max_rss_bytes_ > peak_tree_rss_bytes_ ? "process-max-rss" : "tree-rss-sample";
  }
  return result_;
}

Clock::time_point Supervisor::next_wakeup() const {
  Clock::time_point wake = phase_ == Phase::killing ? next_kill_ : next_sample_;
  if (phase_ == Phase::running && !main_reaped_ && deadline_) wake = std::min(wake, *deadline_);
  if (phase_ == Phase::terminating) wake = std::min(wake, grace_end_);
  return wake;
}

void Supervisor::reap_children() {
  while (true) {
    // Which child has exited, without reaping it yet: a zombie's /proc/<pid>/schedstat still
    // holds its final figures, which reaping throws away.
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0) {
      if (errno == EINTR) continue;
      no_children_left_ = true;  // ECHILD: every descendant has been reaped
      return;
    }
    if (info.si_pid == 0) return;
    if (const auto stat = read_schedstat(info.si_pid)) cpu_wait_.observe(info.si_pid, *stat);
    int status = 0;
    rusage usage{};
    const pid_t pid = ::wait4(info.si_pid, &status, WNOHANG | __WALL, &usage);
    if (pid <= 0) {
      if (pid < 0 && errno == EINTR) continue;
      return;  // cannot happen for a child waitid reported; never spin on it
    }
    peak_single_max_rss_bytes_ = std::max(peak_single_max_rss_bytes_, static_cast<std::uint64_t>(usage.ru_maxrss) * 1024);
    if (pid == setup_.main_pid) {
      main_reaped_ = true;
      // A pidfd stays readable once its process has exited: left in the level-triggered epoll set
      // it would turn every wait into a busy loop while leftovers are being stopped.
      if (epoll_ && setup_.main_pidfd >= 0) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, setup_.main_pidfd, nullptr);
      if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) result_.term_signal = WTERMSIG(status);
    }
  }
}

// The main process is gone. Whatever still lives below the launcher was left behind by the test:
// it is recorded as leaked (unless the tree was already being stopped) and terminated.
void Supervisor::on_main_exit() {
  main_exit_handled_ = true;
  // No children left means no descendants: any live one would hang below a live child or have
  // been re-parented to the launcher. This skips the /proc scan for the common, clean exit.
  if (phase_ != Phase::running || no_children_left_) return;
  const TreeSnapshot tree = snapshot_tree(self_);
  if (tree.live.empty()) return;
  for (const ProcessInfo& process : tree.live) {
    // A process the test killed (SIGKILL sent, say by its TearDown to a helper that is not its
    // child) can still look alive for a moment after the test exits: it is not a leak. It is
    // reaped below with any real leftovers.
    if (kill_pending(process.pid)) continue;
    result_.leaked.push_back({process.pid, process.comm, read_command_line(process.pid, process.comm)});
  }
  signal_each(tree, SIGTERM);
  phase_ = Phase::terminating;
  grace_end_ = Clock::now() + options_.grace;
}

void Supervisor::on_launcher_signal(int signal_number) {
  const bool first = !result_.launcher_signal;
  result_.launcher_signal = signal_number;
  result_.stop_reason = StopReason::interrupted;  // ctest or the user gave up on the test: say so
  if (phase_ == Phase::running) {
    begin_stop(StopReason::interrupted, signal_number);
  } else if (phase_ == Phase::terminating && !first) {
    escalate_to_kill();  // asked twice: no more grace
  }
}

void Supervisor::sample() {
  const auto now = Clock::now();
  const TreeSnapshot tree = snapshot_tree(self_, Scan::walk);

  if (last_sample_time_ != Clock::time_point{} && tree.rss_bytes > last_tree_rss_bytes_) {
    const double seconds = std::chrono::duration<double>(now - last_sample_time_).count();
    if (seconds > 0) growth_bytes_per_second_ = static_cast<double>(tree.rss_bytes - last_tree_rss_bytes_) / seconds;
  } else {
    growth_bytes_per_second_ = 0;
  }
  last_tree_rss_bytes_ = tree.rss_bytes;
  last_sample_time_ = now;
  peak_tree_rss_bytes_ = std::max(peak_tree_rss_bytes_, tree.rss_bytes);
  memory_series_.add(std::chrono::duration<double>(now - setup_.started).count(), tree.rss_bytes);
  result_.max_processes_seen = std::max(result_.max_processes_seen, tree.live.size());
  std::uint64_t live_cpu_ticks = 0;
  for (const ProcessInfo& process : tree.live) {
    // Every thread's wait: a test of four threads on one CPU waits three CPUs' worth, which its
    // main thread alone would hide (the learned demand of a threaded test starts from a run
    // where others held the CPUs).
    if (process.threads > 1) {
      for (const auto& [tid, stat] : read_thread_schedstats(process.pid)) cpu_wait_.observe(tid, stat);
    } else if (const auto stat = read_schedstat(process.pid)) {
      cpu_wait_.observe(process.pid, *stat);
    }
    live_cpu_ticks += process.cpu_ticks;
  }
  // The tree's CPU time so far: its live processes (their reaped children included) and what the
  // launcher itself has reaped.
  static const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  cpu_peak_.observe(std::chrono::duration<double>(now - setup_.started).count(),
                    static_cast<double>(live_cpu_ticks) / ticks_per_second + cpu_seconds_of_reaped_children());

  const bool over_memory = options_.memory_limit_bytes && setup_.cgroup == nullptr && tree.rss_bytes > *options_.memory_limit_bytes;
  // In cgroup mode pids.max refuses the fork that would exceed the cap, so the tree never grows
  // past it: a refusal is what says the cap was hit. A fork loop that handles the error would
  // otherwise run on until its timeout.
  const std::uint64_t forks_refused = setup_.cgroup != nullptr && options_.max_processes > 0 ? setup_.cgroup->forks_refused() : 0;
  const bool over_processes =
      (options_.max_processes > 0 && tree.live.size() > options_.max_processes) || forks_refused > 0;
  if (over_memory || over_processes) {
    if (result_.stop_reason == StopReason::none) {
      result_.stop_reason = over_memory ? StopReason::memory : StopReason::process_limit;
      result_.memory_at_stop_bytes = tree.rss_bytes;
      result_.processes_at_stop = tree.live.size();
      result_.forks_refused = forks_refused;
      if (forks_refused > 0) {
        // Read together once the cap is reached (no task can be added any more): the tree walk
        // above may predate the last forks of a fork loop.
        result_.tasks_at_stop = setup_.cgroup->tasks();
        if (const auto in_cgroup = setup_.cgroup->processes()) result_.processes_at_stop = *in_cgroup;
      }
    }
    phase_ = Phase::killing;
    kill_started_ = now;
    kill_everything();
    return;
  }

  const milliseconds interval =
      phase_ == Phase::running
          ? std::min(next_sample_interval(policy_, tree.rss_bytes, options_.memory_limit_bytes, growth_bytes_per_second_),
                     next_sample_interval_for_processes(policy_, tree.live.size(), options_.max_processes))
          : kCleanupSampleInterval;
  next_sample_ = now + interval;
}

void Supervisor::begin_stop(StopReason reason, int signal_number) {
  const TreeSnapshot tree = snapshot_tree(self_);
  if (result_.stop_reason == StopReason::none || reason == StopReason::interrupted) result_.stop_reason = reason;
  result_.memory_at_stop_bytes = tree.rss_bytes;
  result_.processes_at_stop = tree.live.size();
  signal_each(tree, signal_number);
  phase_ = Phase::terminating;
  grace_end_ = Clock::now() + options_.grace;
}

void Supervisor::escalate_to_kill() {
  const TreeSnapshot tree = snapshot_tree(self_);
  result_.processes_needing_sigkill = tree.live.size();
  phase_ = Phase::killing;
  kill_started_ = Clock::now();
  kill_everything();
}

// SIGKILL to every process of the test, again and again until all are reaped: a process that
// forks between two sweeps is caught by the next one, and a process with SIGKILL pending cannot
// fork any more, so the sweeps converge.
void Supervisor::kill_everything() {
  if (setup_.cgroup != nullptr) setup_.cgroup->kill_all();
  // The process group catches members forked since the snapshot. Only while the main process is
  // unreaped: after that its pid (the group id) could belong to an unrelated process.
  if (!main_reaped_) ::kill(-setup_.main_pid, SIGKILL);
  signal_each(snapshot_tree(self_), SIGKILL);
  next_kill_ = Clock::now() + kKillRetryInterval;
}

void Supervisor::read_signals() {
  signalfd_siginfo info{};
  while (::read(setup_.signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    const int signal_number = static_cast<int>(info.ssi_signo);
    if (signal_number == SIGCHLD) continue;  // reap_children() runs on every turn of the loop
    on_launcher_signal(signal_number);
  }
}

// In cgroup mode the kernel enforces memory.max and kills the whole group (memory.oom.group);
// the exact peak and the OOM kill are read back from the leaf.
void Supervisor::finish_from_cgroup() {
  if (const auto peak = setup_.cgroup->memory_peak_bytes()) {
    result_.peak_memory_bytes = *peak;
    result_.peak_memory_source = "cgroup-memory-peak";
  }
  const MemoryEvents events = setup_.cgroup->memory_events();
  result_.cgroup_oom_kills = events.oom_kill;
  if ((events.oom_kill > 0 || events.oom_group_kill > 0) && result_.stop_reason == StopReason::none) {
    result_.stop_reason = StopReason::memory;
    result_.memory_at_stop_bytes = result_.peak_memory_bytes;
    result_.processes_at_stop = result_.max_processes_seen;
  }
  // A fork refused between the last sample and the end of the tree: the cap was hit all the same.
  if (options_.max_processes > 0 && result_.stop_reason == StopReason::none) {
    if (const std::uint64_t refused = setup_.cgroup->forks_refused(); refused > 0) {
      result_.stop_reason = StopReason::process_limit;
      result_.forks_refused = refused;
      result_.processes_at_stop = result_.max_processes_seen;
    }
  }
}

}  // namespace

Supervision supervise(const Options& options, const SupervisorSetup& setup) {
  return Supervisor(options, setup).run();
}

}  // namespace mmtest::run
