#include "mmtest/run/process_tree.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include "mmtest/common/format.hpp"
#include "mmtest/common/unique_fd.hpp"

namespace mmtest::run {
namespace {

// <sys/pidfd.h> lacks C linkage for C++ (spawn.cpp), so the system calls are made directly.
int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int send_signal(int pidfd, int signal_number) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0));
}

// Whether the process behind `pid` (held by an open pidfd) is the one `seen` describes.
bool same_process(const ProcessInfo& seen) {
  const FileText stat = read_small_file(fmt::format("/proc/{}/stat", seen.pid));
  if (!stat.ok) return false;
  const auto now = parse_proc_stat(stat.text, 1);
  return now && now->start_time_ticks == seen.start_time_ticks;
}

}  // namespace

TreeSnapshot snapshot_tree(pid_t supervisor, Scan scan) {
  std::optional<std::vector<ProcessInfo>> descendants;
  if (scan == Scan::walk) descendants = walk_descendants(supervisor);
  if (!descendants) descendants = descendants_of(supervisor, read_all_processes());
  TreeSnapshot tree;
  for (ProcessInfo& process : *descendants) {
    if (!process.is_live()) continue;
    tree.rss_bytes += process.rss_bytes;
    tree.live.push_back(std::move(process));
  }
  return tree;
}

std::size_t signal_each(const TreeSnapshot& tree, int signal_number) {
  const bool and_continue = signal_number != SIGKILL && signal_number != SIGCONT;
  std::size_t signalled = 0;
  for (const ProcessInfo& process : tree.live) {
    const UniqueFd pidfd(open_pidfd(process.pid));
    if (!pidfd) {
      if (errno != ENOSYS) continue;  // ESRCH: gone, and reaped
      if (::kill(process.pid, signal_number) == 0) ++signalled;
      if (and_continue) ::kill(process.pid, SIGCONT);
      continue;
    }
    if (!same_process(process)) continue;  // the pid now belongs to another process
    if (send_signal(pidfd.get(), signal_number) == 0) ++signalled;
    if (and_continue) send_signal(pidfd.get(), SIGCONT);
  }
  return signalled;
}

}  // namespace mmtest::run
