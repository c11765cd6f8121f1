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
#include "mmtest/common/format.hpp"

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

// What the child reports through the pipe when a step fails; the parent maps step to its text.
struct ChildFailure {
  int step;
  int error;
};

void report_and_exit(int pipe_fd, int step) {
  const ChildFailure failure{step, errno};
  [[maybe_unused]] const ssize_t ignored = ::write(pipe_fd, &failure, sizeof failure);
  ::_exit(exit_code::kNotFound);
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
  // Everything the child needs is prepared here: after fork it may not allocate.
  std::vector<char*> argv;
  for (const std::string& argument : request.argv) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& variable : request.environment) envp.push_back(const_cast<char*>(variable.c_str()));
  envp.push_back(nullptr);
  const std::string oom_score_text = std::to_string(request.oom_score_adj);

  // Step numbers the child may report: 0 setpgid, 1 prctl, 2 sigprocmask, 3 cgroup, 4 execve, 5+i rlimit i.
  enum Step { kSetpgid = 0, kPdeathsig, kSigmask, kCgroup, kExec, kFirstLimit };
  std::vector<std::string> step_text = {
      "setpgid(0, 0)", "prctl(PR_SET_PDEATHSIG, SIGKILL)", "sigprocmask(SIG_SETMASK, {})",
      "write(cgroup.procs, 0)", fmt::format("execve({})", request.executable)};
  for (const ResourceLimit& limit : request.limits) step_text.push_back(fmt::format("setrlimit({})", describe(limit)));

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return std::unexpected(SpawnError{exit_code::kUsage, system_error_message("pipe2(O_CLOEXEC)")});
  }
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);

  const pid_t parent = ::getpid();
  // fork, not vfork, although vfork starts the test about 0.1 ms sooner: a vfork child execs from
  // the launcher's own memory, and the kernel keeps that memory's peak as the child's ru_maxrss,
  // which is the peak mmtest reports for a test that ends before the first sample. /bin/true read
  // 1.5 MiB instead of 0.9, and a cmake -P script 51 MiB under a sanitized launcher.
  const pid_t pid = ::fork();
  if (pid < 0) return std::unexpected(SpawnError{exit_code::kUsage, system_error_message("fork()")});

  if (pid == 0) {
    // Child: async-signal-safe calls only.
    const int report = write_end.get();
    if (::setpgid(0, 0) != 0) report_and_exit(report, kSetpgid);
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) report_and_exit(report, kPdeathsig);
    if (::getppid() != parent) ::_exit(exit_code::kUsage);  // the launcher died before prctl took hold
    struct sigaction default_action{};
    default_action.sa_handler = SIG_DFL;
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) ::sigaction(signal_number, &default_action, nullptr);
    sigset_t empty;
    ::sigemptyset(&empty);
    if (::sigprocmask(SIG_SETMASK, &empty, nullptr) != 0) report_and_exit(report, kSigmask);
    // Best effort: a kernel that refuses it still runs the test; the limit that matters is ours.
    const int oom_fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (oom_fd >= 0) {
      [[maybe_unused]] const ssize_t ignored = ::write(oom_fd, oom_score_text.data(), oom_score_text.size());
      ::close(oom_fd);
    }
    for (std::size_t i = 0; i < request.limits.size(); ++i) {
      const rlimit value{request.limits[i].soft, request.limits[i].hard};
      if (::setrlimit(request.limits[i].resource, &value) != 0) report_and_exit(report, kFirstLimit + static_cast<int>(i));
    }
    if (request.cgroup_procs_fd >= 0 && ::write(request.cgroup_procs_fd, "0", 1) != 1) report_and_exit(report, kCgroup);
    ::execve(request.executable.c_str(), argv.data(), envp.data());
    report_and_exit(report, kExec);
  }

  // Parent.
  ::setpgid(pid, pid);  // also here, so the group exists whichever side runs first
  write_end.reset();
  ChildFailure failure{};
  ssize_t got;
  do {
    got = ::read(read_end.get(), &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof failure)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const std::string& step = failure.step >= 0 && static_cast<std::size_t>(failure.step) < step_text.size()
                                  ? step_text[static_cast<std::size_t>(failure.step)]
                                  : step_text.front();
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
