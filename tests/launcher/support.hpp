// Support for the black-box tests of mmtest-run: run the real launcher on the real helper
// program (tests/helpers/), capture what it prints, find every process a scenario started, and read
// the record it wrote. Nothing here mocks the kernel.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmtest::launcher_test {

// Built by CMake: the launcher under test and the helpers that play the test.
inline const std::string kLauncher = MMTEST_RUN_PATH;
inline const std::string kHelper = MMTEST_HELPER_PATH;
// A real GoogleTest program with skipping, passing and failing cases (tests/helpers/).
inline const std::string kGtestHelper = MMTEST_GTEST_HELPER_PATH;

// Generous bound on one launcher run; exceeding it fails the test and kills the launcher.
inline constexpr std::chrono::seconds kRunTimeout{60};
// Bound for waiting on a condition the launcher does not promise to be immediate.
inline constexpr std::chrono::seconds kConditionTimeout{15};

inline constexpr long long kMiB = 1024 * 1024;

// ---- Processes ---------------------------------------------------------------------------------

// How a process ended, from waitpid().
struct ExitStatus {
  int raw = 0;

  bool exited() const;
  int code() const;  // valid when exited()
  bool signaled() const;
  int signal() const;  // valid when signaled()
  bool exited_with(int code) const { return exited() && this->code() == code; }
  bool killed_by(int signal) const { return signaled() && this->signal() == signal; }
  // The 128+N convention for signals, else the exit code.
  int shell_code() const { return signaled() ? 128 + signal() : code(); }
};
std::string describe(ExitStatus status);  // "exit code 3", "signal SIGTERM"
void PrintTo(const ExitStatus& status, std::ostream* out);
std::string signal_name(int signal);  // "SIGTERM"

struct RunResult {
  ExitStatus status;
  std::string out;  // stdout, byte for byte
  std::string err;  // stderr, byte for byte
  std::chrono::duration<double> wall{};
  double cpu_seconds = 0;  // user + system time of the process itself (and whatever it reaped)
  bool timed_out = false;  // killed by the test after kRunTimeout
};

struct RunOptions {
  // Environment changes: a value sets the variable, nullopt removes it. Whatever the test's own
  // environment holds, CTEST_RESOURCE_GROUP* variables are removed first.
  std::vector<std::pair<std::string, std::optional<std::string>>> env = {};
  std::filesystem::path cwd = {};  // empty: inherit
  bool unlimited_core = false;     // raise RLIMIT_CORE to unlimited before exec
};

// A started process with its stdout and stderr captured through pipes. The destructor kills it
// (SIGKILL, by pid) and reaps it if it is still running.
class Process {
 public:
  static Process start(const std::vector<std::string>& argv, const RunOptions& options = {});
  Process(Process&& other) noexcept;
  Process& operator=(Process&&) = delete;
  Process(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }

  // Captures output until a line "ready" arrives on `fifo_fd` (see ReadyFifo); false if the
  // process exits first or `timeout` passes.
  bool wait_ready(int fifo_fd, std::chrono::milliseconds timeout);

  // Captures output until the process exits (bounded by kRunTimeout from start()), then collects
  // what is left in the pipes without waiting for writers that outlived it.
  RunResult finish();

 private:
  Process() = default;
  // One round of the event loop; returns when something happened or `until` passed.
  void pump(std::chrono::steady_clock::time_point until, int extra_fd, bool* extra_readable);
  void drain();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool exited_ = false;
  ExitStatus status_;
  double cpu_seconds_ = 0;
  std::string out_, err_;
  std::chrono::steady_clock::time_point started_, ended_;
};

// Runs argv to completion.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// ---- Files and directories ---------------------------------------------------------------------

// A fresh private directory, removed recursively by the destructor.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A FIFO the helper reports readiness on (its --ready option), opened O_RDONLY|O_NONBLOCK before
// the launcher starts so that the helper's non-blocking open for writing succeeds.
class ReadyFifo {
 public:
  explicit ReadyFifo(const std::filesystem::path& path);
  ReadyFifo(const ReadyFifo&) = delete;
  ReadyFifo& operator=(const ReadyFifo&) = delete;
  ~ReadyFifo();
  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// The JSON record at `path`; a failed expectation and a null value if missing or malformed.
nlohmann::json read_record(const std::filesystem::path& path);

// ---- Tags and /proc ----------------------------------------------------------------------------

// A tag unique to this test and call: "mmtest-tag-<Suite>.<Test>-<pid>-<counter>".
std::string unique_tag();

// Every live process (not this one) that has `tag` as one whole argument in /proc/PID/cmdline.
std::vector<pid_t> pids_with_tag(const std::string& tag);

// "pid 123: mmtest_helper hog --mib ..." per process, for failure messages.
std::string describe_processes(const std::vector<pid_t>& pids);

// SIGKILLs every process with `tag` until none is left (bounded by kConditionTimeout).
void kill_tagged(const std::string& tag);

// Polls `condition` every 10 ms until it holds or `bound` passes; returns its last value.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds bound = kConditionTimeout);

// ---- Text --------------------------------------------------------------------------------------

// The pid the helper printed as "<what> pid N" (daemonize, spawn-sleeper); -1 if absent.
pid_t printed_pid(const std::string& out, const std::string& what);

// `text` with every regex special character escaped.
std::string regex_escape(std::string_view text);

// Lines of `text` (without '\n') that start with `prefix`.
std::vector<std::string> lines_starting_with(std::string_view text, std::string_view prefix);

// The byte at `index` of the helper's flood pattern; mirrors flood_byte() in the helper.
char flood_byte(std::size_t index, std::size_t total, bool binary);
std::string flood_pattern(std::size_t total, bool binary);

// ---- The fixture -------------------------------------------------------------------------------

// Base of every launcher test: a private directory, a unique tag, and cleanup of any process a
// failing launcher left behind (so that one broken case does not poison the next ones).
class LauncherTest : public ::testing::Test {
 protected:
  LauncherTest();
  ~LauncherTest() override;

  // {helper, mode, args..., "--tag", tag}
  std::vector<std::string> helper(std::string mode, std::vector<std::string> args = {}) const;

  // {launcher, options..., "--", command...}
  static std::vector<std::string> launcher(std::vector<std::string> options,
                                           const std::vector<std::string>& command);

  // The one diagnosis line ("mmtest: ...") on stderr; a failed expectation unless exactly one.
  static std::string diagnosis(const RunResult& result);

  // Matches the diagnosis line against `required`, a regex of what the contract fixes, which may be
  // followed by further explanation (": sent SIGTERM...", "; raise its MEMORY..."). Returns the
  // sub-matches of `required` (0: the whole line), or a failed expectation and an empty vector.
  static std::vector<std::string> match_diagnosis(const RunResult& result,
                                                  const std::string& required);

  // Expects that no process with this test's tag is alive, immediately.
  void expect_no_survivors() const;

  // Checks the fields every record has, given the run that wrote it: name, command, launcher exit
  // code, schema, timestamps, diagnosis (same text as stderr's), and, unless `kept_tmpdir`, that
  // the test's TMPDIR is gone.
  static void expect_record_basics(const nlohmann::json& record, const RunResult& result,
                                   const std::string& name, const std::vector<std::string>& command,
                                   bool kept_tmpdir = false);

  // Expects that `dir` holds exactly one entry named `file`: the record was renamed into place,
  // no temporary sibling is left behind.
  static void expect_only_file(const std::filesystem::path& dir, const std::string& file);

  TempDir dir_;
  std::string tag_ = unique_tag();
};

// ---- Implementation of the template ------------------------------------------------------------

void sleep_briefly();  // 10 ms

template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    sleep_briefly();
  }
  return true;
}

}  // namespace mmtest::launcher_test
