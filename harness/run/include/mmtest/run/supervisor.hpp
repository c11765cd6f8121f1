#pragma once

#include <sys/types.h>

#include <chrono>

#include "mmtest/run/cgroup.hpp"
#include "mmtest/run/options.hpp"
#include "mmtest/run/supervision.hpp"

namespace mmtest::run {

struct SupervisorSetup {
  pid_t main_pid = -1;
  int main_pidfd = -1;              // may be -1: SIGCHLD alone is enough
  int signal_fd = -1;               // signalfd for SIGCHLD, SIGTERM, SIGINT, SIGHUP (blocked beforehand)
  const CgroupLeaf* cgroup = nullptr;  // set in cgroup mode
  std::chrono::steady_clock::time_point started;
};

// Runs the one event loop (signalfd + pidfd + timeouts) until every process of the test has been
// reaped: samples the tree's memory, enforces the budget, the process cap and the timeout, forwards
// signals mmtest-run receives, and kills whatever the main process leaves behind.
// The launcher must be a child subreaper (PR_SET_CHILD_SUBREAPER) and have no other children.
Supervision supervise(const Options& options, const SupervisorSetup& setup);

}  // namespace mmtest::run
