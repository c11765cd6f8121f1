#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::run {

// The environment variable that turns wait_for_ctest_timeout on (docs/launcher.md).
inline constexpr std::string_view kCtestTimeoutsVariable = "MMTEST_CTEST_TIMEOUTS";

enum class LimitMode { automatic, cgroup, sample };

// Where the memory budget came from, for the record and the diagnosis.
enum class BudgetSource { none, option, ctest_allocation };

struct Options {
  std::string name;                           // test name used in diagnoses and the record
  std::vector<std::string> command;           // COMMAND and its arguments, never empty
  std::optional<std::uint64_t> memory_limit_bytes;
  BudgetSource memory_limit_source = BudgetSource::none;
  std::optional<std::chrono::nanoseconds> timeout;
  std::chrono::nanoseconds grace = std::chrono::seconds{5};
  std::optional<std::filesystem::path> result_path;
  bool allow_core = false;
  std::optional<std::uint64_t> cpu_time_seconds;
  std::optional<std::uint64_t> max_open_files;
  std::optional<std::uint64_t> max_file_size_bytes;
  std::optional<std::uint64_t> data_limit_bytes;
  std::uint64_t max_processes = 1024;         // 0: no cap
  bool allow_leaks = false;
  bool keep_tmp = false;
  LimitMode limit_mode = LimitMode::automatic;
  std::optional<std::filesystem::path> cgroup_parent;
  // Who asked for cgroup_parent: "--cgroup-parent" or "MMTEST_CGROUP_PARENT" (the environment
  // variable, which reaches every test of a ctest run); empty when none did.
  std::string cgroup_parent_source;
  bool print_measurements = false;           // <CTestMeasurement> tags on stderr (--measurements)
  bool pin_cpus = false;                      // pin the test to the CPUs CTest allocated it
  std::vector<std::uint32_t> allocated_cpus;  // CTest's CPU ids for this test (kCpuResourceType)
  std::optional<double> cpus_reserved;        // the CPUs those ids' slots add up to; nullopt: none
  // COMMAND is a GoogleTest program: its JSON report tells a skipped run from a pass.
  bool gtest = false;
  // --skip-code: the test's exit code that means "skipped" (CTest's SKIP_RETURN_CODE), so that the
  // record and CTest agree; a --gtest run that skipped every case exits with it too.
  std::optional<int> skip_code;
  std::vector<std::string> labels;  // --labels: the test's CTest labels, for the record
  // --memory-default: the budget is a default (MMTEST_DEFAULT_MEMORY or the built-in one), not a
  // MEMORY the test declared; "memory_declared": false in the record.
  bool memory_is_default = false;
  // MMTEST_CTEST_TIMEOUTS=1: after a timeout (record written, tree stopped) wait to be killed by
  // CTest's own TIMEOUT, so that CTest reports a timeout and --repeat after-timeout repeats it.
  bool wait_for_ctest_timeout = false;
};

// What parse_command_line() wants main() to do besides running a test.
struct EarlyExit {
  int exit_code;         // 0 for --help/--version, exit_code::kUsage for mistakes
  std::string output;    // printed to stdout when exit_code is 0, else to stderr
};

using Environment = std::map<std::string, std::string, std::less<>>;

Environment environment_from(char** envp);

// Parses mmtest-run's arguments. Everything after the first "--" is the command, untouched.
// The environment supplies the CTest resource allocation when --memory is absent, and
// MMTEST_CGROUP_PARENT when --cgroup-parent is absent.
std::expected<Options, EarlyExit> parse_command_line(const std::vector<std::string>& args,
                                                      const Environment& environment);

std::string_view to_string(LimitMode mode);

}  // namespace mmtest::run
