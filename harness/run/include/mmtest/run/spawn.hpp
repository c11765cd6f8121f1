#pragma once

#include <sys/types.h>

#include <expected>
#include <string>
#include <vector>

#include "mmtest/run/limits.hpp"
#include "mmtest/run/options.hpp"
#include "mmtest/common/unique_fd.hpp"

namespace mmtest::run {

// Where COMMAND lives: a path containing '/' is taken as it is, a bare name is searched in PATH.
struct ResolveError {
  int exit_code;        // exit_code::kNotFound or kNotExecutable
  std::string message;  // "command not found: foo"
};
std::expected<std::string, ResolveError> resolve_executable(const std::string& command, const Environment& environment);

struct SpawnRequest {
  std::string executable;                  // resolved path, exec'd directly (never through a shell)
  std::vector<std::string> argv;
  std::vector<std::string> environment;    // "NAME=value"
  std::vector<ResourceLimit> limits;
  int oom_score_adj = 1000;                // the kernel's OOM killer picks the test, not ctest
  int cgroup_procs_fd = -1;                // when >= 0: the child writes itself into this cgroup.procs
};

struct SpawnError {
  int exit_code;        // kNotFound / kNotExecutable for exec failures, kUsage for setup failures
  std::string message;  // the failing call, its arguments and errno
};

struct Child {
  pid_t pid = -1;
  UniqueFd pidfd;
};

// Forks and execs the test. The child gets its own process group, PR_SET_PDEATHSIG(SIGKILL), a
// high oom_score_adj, the rlimits, an empty signal mask and default signal dispositions. After
// fork the child only makes async-signal-safe calls; a failure before or in execve reaches the
// parent through a close-on-exec pipe, so the returned error names the exact step.
std::expected<Child, SpawnError> spawn_child(const SpawnRequest& request);

}  // namespace mmtest::run
