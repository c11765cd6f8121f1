#include "mmtest/run/spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include "mmtest/run/exit_codes.hpp"
#include "mmtest/run/format.hpp"

namespace mmtest::run {
namespace {

bool is_regular_file(const std::string& path) {
  struct stat info{};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::expected<std::string, ResolveError> check_candidate(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) {
    return std::unexpected(ResolveError{exit_code::kNotFound, fmt::format("command not found: {}", path)});
  }
  if (!is_regular_file(path)) {
    return std::unexpected(ResolveError{exit_code::kNotExecutable, fmt::format("command not executable: {} (not a regular file)", path)});
  }
  if (::access(path.c_str(), X_OK) != 0) {
    return std::unexpected(ResolveError{exit_code::kNotExecutable,
                                        fmt::format("command not executable: {} ({})", path, system_error_message("access(X_OK)"))});
  }
  return path;
}

// What the child leaves for the parent when a step fails; the parent maps step to its text.
// Step numbers: 0 setpgid, 1 prctl, 2 sigprocmask, 3 cgroup, 4 execve, 5+i rlimit i.
enum Step { kSetpgid = 0, kPdeathsig, kSigmask, kCgroup, kExec, kFirstLimit };
struct ChildFailure {
  int step = -1;  // -1: the child reached execve and it succeeded
  int error = 0;
};

// Everything the child reads, prepared by the parent: after vfork the child may not allocate.
struct ChildPlan {
  const char* executable;
  char* const* argv;
  char* const* envp;
  const ResourceLimit* limits;
  std::size_t limit_count;
  const char* oom_score_text;
  std::size_t oom_score_length;
  int cgroup_procs_fd;
  pid_t parent;
};

// The child of vfork: it runs in the parent's memory while the parent is suspended, until
// execve succeeds or it exits. So: raw async-signal-safe calls, no allocation, no return; a failed
// step is written into the parent's ChildFailure, read once the parent resumes.
[[noreturn, gnu::noinline]] void run_child(const ChildPlan& plan, volatile ChildFailure& failure) {
  const auto fail = [&failure](int step) {
    failure.error = errno;
    failure.step = step;
    ::_exit(exit_code::kNotFound);
  };
  if (::setpgid(0, 0) != 0) fail(kSetpgid);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(kPdeathsig);
  if (::getppid() != plan.parent) ::_exit(exit_code::kUsage);  // the launcher died before prctl took hold
  // Dispositions are the child's own (vfork shares memory, not the signal table).
  struct sigaction default_action{};
  default_action.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) ::sigaction(signal_number, &default_action, nullptr);
  sigset_t empty;
  ::sigemptyset(&empty);
  if (::sigprocmask(SIG_SETMASK, &empty, nullptr) != 0) fail(kSigmask);
  // Best effort: a kernel that refuses it still runs the test; the limit that matters is ours.
  const int oom_fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (oom_fd >= 0) {
    [[maybe_unused]] const ssize_t ignored = ::write(oom_fd, plan.oom_score_text, plan.oom_score_length);
    ::close(oom_fd);
  }
  for (std::size_t i = 0; i < plan.limit_count; ++i) {
    const rlimit value{plan.limits[i].soft, plan.limits[i].hard};
    if (::setrlimit(plan.limits[i].resource, &value) != 0) fail(kFirstLimit + static_cast<int>(i));
  }
  if (plan.cgroup_procs_fd >= 0 && ::write(plan.cgroup_procs_fd, "0", 1) != 1) fail(kCgroup);
  ::execve(plan.executable, plan.argv, plan.envp);
  fail(kExec);
  ::_exit(exit_code::kNotFound);  // not reached: fail() exits
}

}  // namespace

std::expected<std::string, ResolveError> resolve_executable(const std::string& command, const Environment& environment) {
  if (command.find('/') != std::string::npos) return check_candidate(command);

  const auto path_variable = environment.find("PATH");
  const std::string search_path = path_variable != environment.end() ? path_variable->second : "/usr/local/bin:/usr/bin:/bin";
  std::optional<ResolveError> not_executable;
  std::string_view rest = search_path;
  while (true) {
    const auto colon = rest.find(':');
    const std::string_view directory = rest.substr(0, colon);
    const std::string candidate = directory.empty() ? command : fmt::format("{}/{}", directory, command);
    auto checked = check_candidate(candidate);
    if (checked) return checked;
    if (checked.error().exit_code == exit_code::kNotExecutable && !not_executable) not_executable = checked.error();
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (not_executable) return std::unexpected(*not_executable);
  return std::unexpected(ResolveError{exit_code::kNotFound, fmt::format("command not found: {} (searched PATH)", command)});
}

std::expected<Child, SpawnError> spawn_child(const SpawnRequest& request) {
  std::vector<char*> argv;
  for (const std::string& argument : request.argv) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& variable : request.environment) envp.push_back(const_cast<char*>(variable.c_str()));
  envp.push_back(nullptr);
  const std::string oom_score_text = std::to_string(request.oom_score_adj);
  const ChildPlan plan{.executable = request.executable.c_str(),
                       .argv = argv.data(),
                       .envp = envp.data(),
                       .limits = request.limits.data(),
                       .limit_count = request.limits.size(),
                       .oom_score_text = oom_score_text.c_str(),
                       .oom_score_length = oom_score_text.size(),
                       .cgroup_procs_fd = request.cgroup_procs_fd,
                       .parent = ::getpid()};

  // vfork, not fork: fork copied the launcher's page tables and turned its pages copy-on-write;
  // the test started about 0.2 ms later (docs/performance.md, the launcher's start-up). The
  // parent resumes once execve has succeeded or the child has exited, so no pipe is needed to
  // learn which. Every signal is blocked meanwhile: the launcher installs no handlers, but none
  // may run on the shared stack; the child restores an empty mask itself.
  sigset_t all;
  sigset_t previous;
  ::sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &previous);
  // volatile: written by the child, in this frame, behind the compiler's back.
  volatile ChildFailure failure;
  const pid_t pid = ::vfork();
  if (pid == 0) run_child(plan, failure);
  const int fork_error = errno;
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return std::unexpected(SpawnError{exit_code::kUsage, system_error_message("vfork()", fork_error)});

  if (failure.step >= 0) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string step;
    switch (failure.step) {
      case kSetpgid: step = "setpgid(0, 0)"; break;
      case kPdeathsig: step = "prctl(PR_SET_PDEATHSIG, SIGKILL)"; break;
      case kSigmask: step = "sigprocmask(SIG_SETMASK, {})"; break;
      case kCgroup: step = "write(cgroup.procs, 0)"; break;
      case kExec: step = fmt::format("execve({})", request.executable); break;
      default: {
        const auto limit = static_cast<std::size_t>(failure.step - kFirstLimit);
        step = limit < request.limits.size() ? fmt::format("setrlimit({})", describe(request.limits[limit])) : "starting the test";
      }
    }
    int code = exit_code::kUsage;
    if (failure.step == kExec) code = failure.error == ENOENT ? exit_code::kNotFound : exit_code::kNotExecutable;
    return std::unexpected(SpawnError{code, system_error_message(step, failure.error)});
  }

  Child child;
  child.pid = pid;
  // Optional: SIGCHLD alone would do on kernels before 5.3. Called by number because glibc 2.36's
  // <sys/pidfd.h> lacks C linkage for C++.
  child.pidfd = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  return child;
}

}  // namespace mmtest::run
