#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::run {

// What one /proc/<pid>/stat line tells the supervisor.
struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';             // R, S, D, T, Z, X, ...
  std::uint64_t rss_bytes = 0;  // resident set, shared pages included
  std::uint64_t start_time_ticks = 0;  // when it started, in clock ticks after boot: with the pid,
                                       // tells this process from a later one given the same pid
  std::uint64_t cpu_ticks = 0;  // CPU time of all its threads and of its reaped children (utime,
                                // stime, cutime, cstime), in clock ticks (sysconf(_SC_CLK_TCK))
  std::uint64_t threads = 1;    // num_threads
  std::string comm;             // kernel's short name (at most 15 characters)

  bool is_live() const { return state != 'Z' && state != 'X' && state != 'x'; }
};

// Parses the text of /proc/<pid>/stat. The command name may contain spaces and parentheses,
// so fields are counted from the last ')'. nullopt when the text is malformed.
std::optional<ProcessInfo> parse_proc_stat(std::string_view text, std::uint64_t page_size_bytes);

// Every process currently visible in /proc (processes, not threads). Processes that vanish
// while being read are skipped.
std::vector<ProcessInfo> read_all_processes();

// The thread ids of pid (/proc/<pid>/task; its main thread's is pid), at most `most`; none once
// it has exited.
std::vector<pid_t> thread_ids(pid_t pid, std::size_t most = SIZE_MAX);

// The processes below root (not root itself), found by following parent links.
std::vector<ProcessInfo> descendants_of(pid_t root, std::span<const ProcessInfo> processes);

// The processes below root found by following /proc/<pid>/task/<tid>/children down from root:
// the cost grows with the size of the tree, not with the number of processes on the machine.
// The kernel documents these files as dependable only for a frozen tree: a process forked or
// re-parented during the walk may be missed. Good for sampling; use read_all_processes() where
// missing one matters. nullopt when the kernel has no such files (CONFIG_PROC_CHILDREN off).
std::optional<std::vector<ProcessInfo>> walk_descendants(pid_t root);

// Whether the text of /proc/<pid>/status shows SIGKILL pending (its SigPnd or ShdPnd mask): the
// process has been killed and is on its way out, though /proc still shows it running or sleeping.
bool kill_pending_in_status(std::string_view status_text);
// The same for a live pid; false when its status cannot be read (it is gone, or never existed).
bool kill_pending(pid_t pid);

// The command line of pid, arguments joined by spaces; the comm name in brackets when the
// command line is empty (kernel threads, zombies) or unreadable.
std::string read_command_line(pid_t pid, std::string_view fallback_comm);

}  // namespace mmtest::run
