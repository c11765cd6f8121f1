#include "mmtest/run/process_tree.hpp"

#include <signal.h>

namespace mmtest::run {

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
  std::size_t signalled = 0;
  for (const ProcessInfo& process : tree.live) {
    if (::kill(process.pid, signal_number) == 0) ++signalled;
    if (signal_number != SIGKILL && signal_number != SIGCONT) ::kill(process.pid, SIGCONT);
  }
  return signalled;
}

}  // namespace mmtest::run
