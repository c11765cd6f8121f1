#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "mmtest/run/proc.hpp"

namespace mmtest::run {

// One look at every live process below the supervisor. Because the supervisor is a child
// subreaper, orphaned descendants (double-forked, setsid daemons) re-attach below it, so this
// view contains every process the test started that is still alive.
struct TreeSnapshot {
  std::vector<ProcessInfo> live;    // zombies excluded
  std::uint64_t rss_bytes = 0;      // sum of the live processes' RSS
};

// How to find the tree: `complete` reads every process on the machine and misses nothing alive;
// `walk` follows the kernel's children lists down from the supervisor, costs in proportion to the
// tree, and may miss a process forked during the walk (it falls back to `complete` on kernels
// without those lists). Sampling walks; stopping, killing and leak detection are complete.
enum class Scan { complete, walk };

TreeSnapshot snapshot_tree(pid_t supervisor, Scan scan = Scan::complete);

// Sends signal_number to every live process in the snapshot, then SIGCONT so that a stopped
// process acts on it. Returns how many processes were signalled.
//
// A pid read from /proc can be reaped and given to an unrelated process before the signal is
// sent. So each process is signalled through a pidfd, which stays bound to the process it was
// opened for, and only after checking, with the pidfd open, that the pid still has the start
// time the snapshot saw: a process that ended meanwhile is skipped, never a stranger signalled.
// Kernels without pidfd_open (before 5.3) get kill(2), as before.
std::size_t signal_each(const TreeSnapshot& tree, int signal_number);

}  // namespace mmtest::run
