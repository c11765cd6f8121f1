#include "support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace mmtest::launcher_test {
namespace {

double cpu_seconds_of(const rusage& usage) {
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

[[noreturn]] void throw_errno(const std::string& call) {
  throw std::runtime_error(call + ": " + std::strerror(errno));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string read_whole_file(const std::string& path) {
  std::string content;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return content;
  char buffer[4096];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) content.append(buffer, got);
  ::close(fd);
  return content;
}

// The environment a launcher run sees: ours, without CTest's resource allocation (a launcher test
// must not inherit a budget by accident), with `changes` applied.
std::vector<std::string> child_environment(const RunOptions& options) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text = *entry;
    if (!text.starts_with("CTEST_RESOURCE_GROUP")) env.emplace_back(text);
  }
  for (const auto& [name, value] : options.env) {
    const std::string prefix = name + "=";
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(prefix); });
    if (value) env.push_back(prefix + *value);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

// ---- ExitStatus --------------------------------------------------------------------------------

bool ExitStatus::exited() const { return WIFEXITED(raw); }
int ExitStatus::code() const { return WEXITSTATUS(raw); }
bool ExitStatus::signaled() const { return WIFSIGNALED(raw); }
int ExitStatus::signal() const { return WTERMSIG(raw); }

std::string signal_name(int signal) {
  const char* abbreviation = sigabbrev_np(signal);
  return abbreviation != nullptr ? std::string("SIG") + abbreviation
                                 : "signal " + std::to_string(signal);
}

std::string describe(ExitStatus status) {
  if (status.exited()) return "exit code " + std::to_string(status.code());
  if (status.signaled()) return "killed by " + signal_name(status.signal());
  return "wait status " + std::to_string(status.raw);
}

void PrintTo(const ExitStatus& status, std::ostream* out) { *out << describe(status); }

// ---- Process -----------------------------------------------------------------------------------

Process Process::start(const std::vector<std::string>& argv, const RunOptions& options) {
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<std::string> env = child_environment(options);
  std::vector<char*> arg_pointers = c_strings(args);
  std::vector<char*> env_pointers = c_strings(env);
  const std::string cwd = options.cwd.string();

  int out[2], err[2], exec_error[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
      pipe2(exec_error, O_CLOEXEC) != 0) {
    throw_errno("pipe2");
  }
  Process process;
  process.started_ = std::chrono::steady_clock::now();
  process.pid_ = fork();
  if (process.pid_ < 0) throw_errno("fork");
  if (process.pid_ == 0) {
    // Signals start at their defaults, whatever the test runner blocked or ignored.
    struct sigaction defaults {};
    defaults.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &defaults, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (options.unlimited_core) {
      const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
      setrlimit(RLIMIT_CORE, &unlimited);
    }
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
      int error = errno;
      (void)!::write(exec_error[1], &error, sizeof error);
      _exit(127);
    }
    execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
    int error = errno;
    (void)!::write(exec_error[1], &error, sizeof error);
    _exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  ::close(exec_error[1]);
  process.out_fd_ = out[0];
  process.err_fd_ = err[0];
  fcntl(process.out_fd_, F_SETFL, O_NONBLOCK);
  fcntl(process.err_fd_, F_SETFL, O_NONBLOCK);

  int error = 0;
  ssize_t got = ::read(exec_error[0], &error, sizeof error);
  ::close(exec_error[0]);
  if (got == sizeof error) {
    errno = error;
    throw_errno("execve(" + argv.front() + ")");  // the destructor reaps the child
  }
  // The raw system call: glibc 2.36's <sys/pidfd.h> lacks extern "C" and cannot be used from C++.
  process.pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, process.pid_, 0));
  if (process.pidfd_ < 0) throw_errno("pidfd_open");
  return process;
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      out_fd_(std::exchange(other.out_fd_, -1)),
      err_fd_(std::exchange(other.err_fd_, -1)),
      exited_(other.exited_),
      status_(other.status_),
      cpu_seconds_(other.cpu_seconds_),
      out_(std::move(other.out_)),
      err_(std::move(other.err_)),
      started_(other.started_),
      ended_(other.ended_) {}

Process::~Process() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close_fd(pidfd_);
  close_fd(out_fd_);
  close_fd(err_fd_);
}

void Process::pump(std::chrono::steady_clock::time_point until, int extra_fd,
                   bool* extra_readable) {
  pollfd fds[] = {{out_fd_, POLLIN, 0},
                  {err_fd_, POLLIN, 0},
                  {exited_ ? -1 : pidfd_, POLLIN, 0},
                  {extra_fd, POLLIN, 0}};
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
  const int timeout_ms = static_cast<int>(std::max<long long>(0, left.count()));
  if (::poll(fds, std::size(fds), timeout_ms) < 0) {
    if (errno == EINTR) return;
    throw_errno("poll");
  }
  const std::pair<int*, std::string*> pipes[] = {{&out_fd_, &out_}, {&err_fd_, &err_}};
  for (std::size_t i = 0; i < std::size(pipes); ++i) {
    auto [fd, buffer] = pipes[i];
    if (*fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char chunk[65536];
    ssize_t got = ::read(*fd, chunk, sizeof chunk);
    if (got > 0) buffer->append(chunk, static_cast<std::size_t>(got));
    if (got == 0) close_fd(*fd);
  }
  if (fds[2].revents & POLLIN) {
    int status = 0;
    rusage usage{};
    if (wait4(pid_, &status, WNOHANG, &usage) == pid_) {
      exited_ = true;
      status_.raw = status;
      cpu_seconds_ = cpu_seconds_of(usage);
      ended_ = std::chrono::steady_clock::now();
    }
  }
  if (extra_readable != nullptr) *extra_readable = (fds[3].revents & (POLLIN | POLLHUP)) != 0;
}

void Process::drain() {
  // The process has exited, so all it wrote is in the pipes. A writer that outlived it (a leaked
  // process the launcher failed to kill) must not make the test wait: stop at the first EAGAIN.
  for (auto [fd, buffer] : {std::pair{&out_fd_, &out_}, std::pair{&err_fd_, &err_}}) {
    while (*fd >= 0) {
      char chunk[65536];
      ssize_t got = ::read(*fd, chunk, sizeof chunk);
      if (got > 0) {
        buffer->append(chunk, static_cast<std::size_t>(got));
      } else if (got < 0 && errno == EINTR) {
        continue;
      } else {
        close_fd(*fd);
      }
    }
  }
}

bool Process::wait_ready(int fifo_fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string received;
  while (!exited_ && std::chrono::steady_clock::now() < deadline) {
    bool readable = false;
    pump(deadline, fifo_fd, &readable);
    if (!readable) continue;
    char chunk[256];
    ssize_t got = ::read(fifo_fd, chunk, sizeof chunk);
    if (got > 0) received.append(chunk, static_cast<std::size_t>(got));
    if (received.find("ready\n") != std::string::npos) return true;
    if (got == 0) return false;  // the writer closed without saying ready
  }
  return false;
}

RunResult Process::finish() {
  const auto deadline = started_ + kRunTimeout;
  bool timed_out = false;
  while (!exited_) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ADD_FAILURE() << "pid " << pid_ << " did not finish within " << kRunTimeout.count()
                    << " s; killing it\nstdout so far:\n"
                    << out_ << "\nstderr so far:\n"
                    << err_;
      ::kill(pid_, SIGKILL);
      int status = 0;
      rusage usage{};
      wait4(pid_, &status, 0, &usage);
      exited_ = true;
      status_.raw = status;
      cpu_seconds_ = cpu_seconds_of(usage);
      ended_ = std::chrono::steady_clock::now();
      timed_out = true;
      break;
    }
    pump(deadline, -1, nullptr);
  }
  drain();
  return RunResult{status_, std::move(out_), std::move(err_), ended_ - started_, cpu_seconds_, timed_out};
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  return Process::start(argv, options).finish();
}

// ---- Files and directories ---------------------------------------------------------------------

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mmtest-launcher-test-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp(" + pattern + ")");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

ReadyFifo::ReadyFifo(const std::filesystem::path& path) : path_(path) {
  if (mkfifo(path_.c_str(), 0600) != 0) throw_errno("mkfifo(" + path_.string() + ")");
  fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) throw_errno("open(" + path_.string() + ")");
}

ReadyFifo::~ReadyFifo() { close_fd(fd_); }

nlohmann::json read_record(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) {
    ADD_FAILURE() << "no record at " << path;
    return nullptr;
  }
  try {
    return nlohmann::json::parse(file);
  } catch (const nlohmann::json::exception& error) {
    ADD_FAILURE() << "record " << path << " is not valid JSON: " << error.what();
    return nullptr;
  }
}

// ---- Tags and /proc ----------------------------------------------------------------------------

std::string unique_tag() {
  static std::atomic<int> counter{0};
  std::string test = "no-test";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    test = std::string(info->test_suite_name()) + "." + info->name();
  }
  std::replace_if(
      test.begin(), test.end(),
      [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '.'; }, '_');
  return "mmtest-tag-" + test + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

std::vector<pid_t> pids_with_tag(const std::string& tag) {
  std::vector<pid_t> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) throw_errno("opendir(/proc)");
  while (const dirent* entry = readdir(proc)) {
    const std::string_view name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string_view::npos) continue;
    const pid_t pid = std::stoi(std::string(name));
    if (pid == getpid()) continue;
    const std::string cmdline = read_whole_file("/proc/" + std::string(name) + "/cmdline");
    std::string_view rest = cmdline;
    while (!rest.empty()) {
      const auto end = rest.find('\0');
      if (rest.substr(0, end) == tag) {
        pids.push_back(pid);
        break;
      }
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }
  closedir(proc);
  return pids;
}

std::string describe_processes(const std::vector<pid_t>& pids) {
  std::ostringstream text;
  for (pid_t pid : pids) {
    std::string cmdline = read_whole_file("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    std::string stat = read_whole_file("/proc/" + std::to_string(pid) + "/stat");
    // Fields after the command name: state, ppid.
    const auto close_paren = stat.rfind(')');
    std::string state = close_paren == std::string::npos ? "?" : stat.substr(close_paren + 2, 8);
    text << "  pid " << pid << " [" << state << "]: " << cmdline << "\n";
  }
  return text.str();
}

void kill_tagged(const std::string& tag) {
  const bool gone = eventually([&] {
    const auto pids = pids_with_tag(tag);
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    return pids.empty();
  });
  if (!gone) ADD_FAILURE() << "could not kill processes tagged " << tag;
}

void sleep_briefly() { std::this_thread::sleep_for(std::chrono::milliseconds(10)); }

// ---- Text --------------------------------------------------------------------------------------

pid_t printed_pid(const std::string& out, const std::string& what) {
  std::smatch match;
  if (!std::regex_search(out, match, std::regex(what + " pid ([0-9]+)"))) return -1;
  return std::stoi(match[1]);
}

std::string regex_escape(std::string_view text) {
  static const std::string_view special = R"(\^$.|?*+()[]{})";
  std::string escaped;
  for (char c : text) {
    if (special.find(c) != std::string_view::npos) escaped.push_back('\\');
    escaped.push_back(c);
  }
  return escaped;
}

std::vector<std::string> lines_starting_with(std::string_view text, std::string_view prefix) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    if (line.starts_with(prefix)) lines.emplace_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

char flood_byte(std::size_t index, std::size_t total, bool binary) {
  if (!binary) return index % 64 == 63 ? '\n' : static_cast<char>('a' + (index / 64) % 26);
  auto byte = static_cast<unsigned char>((index + index / 256) % 256);
  if (index + 1 == total && byte == '\n') byte = 0;
  return static_cast<char>(byte);
}

std::string flood_pattern(std::size_t total, bool binary) {
  std::string pattern(total, '\0');
  for (std::size_t i = 0; i < total; ++i) pattern[i] = flood_byte(i, total, binary);
  return pattern;
}

// ---- The fixture -------------------------------------------------------------------------------

LauncherTest::LauncherTest() = default;

LauncherTest::~LauncherTest() { kill_tagged(tag_); }

std::vector<std::string> LauncherTest::helper(std::string mode,
                                              std::vector<std::string> args) const {
  std::vector<std::string> command{kHelper, std::move(mode)};
  command.insert(command.end(), args.begin(), args.end());
  command.insert(command.end(), {"--tag", tag_});
  return command;
}

std::vector<std::string> LauncherTest::launcher(std::vector<std::string> options,
                                                const std::vector<std::string>& command) {
  std::vector<std::string> argv{kLauncher};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

std::string LauncherTest::diagnosis(const RunResult& result) {
  const auto lines = lines_starting_with(result.err, "mmtest: ");
  EXPECT_EQ(lines.size(), 1u) << "expected exactly one diagnosis line on stderr:\n" << result.err;
  return lines.empty() ? std::string() : lines.front();
}

std::vector<std::string> LauncherTest::match_diagnosis(const RunResult& result,
                                                       const std::string& required) {
  const std::string line = diagnosis(result);
  const std::regex shape("(?:" + required + ")(?:[:;,]? .*)?");
  std::smatch match;
  if (!std::regex_match(line, match, shape)) {
    ADD_FAILURE() << "the diagnosis does not match\n  " << required << "\nstderr:\n" << result.err;
    return {};
  }
  std::vector<std::string> groups;
  for (const auto& group : match) groups.push_back(group.str());
  return groups;
}

void LauncherTest::expect_no_survivors() const {
  const auto pids = pids_with_tag(tag_);
  EXPECT_TRUE(pids.empty()) << "processes of this test survived the launcher:\n"
                            << describe_processes(pids);
}

void LauncherTest::expect_record_basics(const nlohmann::json& record, const RunResult& result,
                                        const std::string& name,
                                        const std::vector<std::string>& command, bool kept_tmpdir) {
  ASSERT_TRUE(record.is_object()) << record;
  for (const char* field : {"name",
                            "command",
                            "labels",
                            "memory_declared",
                            "outcome",
                            "exit_code",
                            "signal",
                            "launcher_exit_code",
                            "wall_seconds",
                            "cpu_seconds",
                            "peak_memory_bytes",
                            "peak_memory_source",
                            "memory_limit_bytes",
                            "limit_mode",
                            "limit_mode_reason",
                            "leaked_processes",
                            "max_processes_seen",
                            "tmpdir",
                            "timeout_seconds",
                            "diagnosis",
                            "started_at",
                            "finished_at",
                            "schema_version",
                            "cpu_wait_seconds",
                            "starved",
                            "cpus_allocated",
                            "cpu_peak",
                            "cpus_reserved",
                            "pinned_cpus",
                            "cases",
                            "memory_guard",
                            "memory_samples"}) {
    EXPECT_TRUE(record.contains(field)) << "record lacks '" << field << "': " << record.dump(2);
  }
  EXPECT_EQ(record.value("schema_version", 0), 5);
  EXPECT_TRUE(record["memory_samples"].is_array());
  EXPECT_LE(record["memory_samples"].size(), 100u);
  EXPECT_EQ(record.value("name", ""), name);
  EXPECT_EQ(record.value("command", nlohmann::json()), nlohmann::json(command));
  EXPECT_EQ(record.value("launcher_exit_code", -1), result.status.shell_code())
      << "launcher ended with " << describe(result.status);
  static const std::set<std::string> outcomes{"passed",        "skipped", "failed",
                                              "signal",        "timeout", "memory",
                                              "process-limit", "leaked",  "interrupted",
                                              "harness-error"};
  EXPECT_TRUE(outcomes.contains(record.value("outcome", ""))) << record["outcome"];

  static const std::regex rfc3339(
      R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
  for (const char* field : {"started_at", "finished_at"}) {
    EXPECT_TRUE(std::regex_match(record.value(field, ""), rfc3339))
        << field << " is not RFC 3339: " << record[field];
  }
  const double wall_seconds = record.value("wall_seconds", -1.0);
  EXPECT_GE(wall_seconds, 0.0);
  EXPECT_LE(wall_seconds, result.wall.count() + 0.1) << "record's wall time exceeds the run's";

  // The diagnosis in the record tells the same story as the line on stderr: the last "mmtest: "
  // one, as the launcher prints it after everything the test wrote (the test may be a program
  // that prints "mmtest: " lines of its own, like mmtest's GoogleTest listener).
  const auto lines = lines_starting_with(result.err, "mmtest: ");
  if (lines.empty()) {
    EXPECT_TRUE(record["diagnosis"].is_null()) << record["diagnosis"];
  } else if (!record["diagnosis"].is_string()) {
    ADD_FAILURE() << "the record has no diagnosis, stderr has: " << lines.back();
  } else {
    std::string text = record["diagnosis"];
    if (text.starts_with("mmtest: ")) text.erase(0, 8);
    EXPECT_EQ(text, lines.back().substr(8));
  }

  if (record["tmpdir"].is_string() && !kept_tmpdir) {
    const std::filesystem::path tmpdir = record["tmpdir"].get<std::string>();
    EXPECT_FALSE(std::filesystem::exists(tmpdir)) << "the test's TMPDIR was left behind";
  }
}

void LauncherTest::expect_only_file(const std::filesystem::path& dir, const std::string& file) {
  std::vector<std::string> entries;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    entries.push_back(entry.path().filename());
  }
  EXPECT_FALSE(error) << dir << ": " << error.message();
  EXPECT_EQ(entries, std::vector<std::string>{file}) << "in " << dir;
}

}  // namespace mmtest::launcher_test
