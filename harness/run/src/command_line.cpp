#include <CLI/CLI.hpp>
#include <algorithm>
#include <fmt/format.h>
#include <span>

#include "mmtest/run/ctest_resources.hpp"
#include "mmtest/run/options.hpp"
#include "mmtest/run/units.hpp"

#ifndef MMTEST_VERSION
#define MMTEST_VERSION "unknown"
#endif

namespace mmtest::run {
namespace {

// Raw text of every option, validated after CLI11 has matched names so the errors can say exactly
// which option and value were wrong.
struct RawOptions {
  std::string name;
  std::optional<std::string> memory, timeout, grace, result, cpu_time, max_open_files, max_file_size,
      data_limit, max_processes, limit_mode, cgroup_parent;
  bool core = false, allow_leaks = false, keep_tmp = false, measurements = false, no_measurements = false, gtest = false,
       version = false, pin_cpus = false;
};

EarlyExit usage_error(const std::string& message) {
  return EarlyExit{125, fmt::format("mmtest-run: {} (see mmtest-run --help)\n", message)};
}

template <class T>
std::expected<T, EarlyExit> checked(std::expected<T, std::string> parsed, std::string_view option,
                                    std::string_view value, std::string_view expected_what) {
  if (!parsed) {
    return std::unexpected(usage_error(fmt::format("{}: expected {}, got '{}' (needs {})", option, expected_what, value,
                                                   parsed.error())));
  }
  return *parsed;
}

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash + 1 == path.size()) return path;  // "dir/" keeps its whole name
  return path.substr(slash + 1);
}

// `word` as a POSIX shell reads it back: bare when no shell treats any of its characters
// specially, else in single quotes (a quote inside becomes '\'').
std::string shell_quoted(const std::string& word) {
  constexpr std::string_view kPlain =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=.,:/@%";
  if (!word.empty() && word.find_first_not_of(kPlain) == std::string::npos) return word;
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// "mmtest-run <options> -- <command>", each word quoted for a shell.
std::string suggested_command(std::span<const std::string> options, std::span<const std::string> command) {
  std::string text = "mmtest-run";
  for (const std::string& word : options) text += " " + shell_quoted(word);
  text += " --";
  for (const std::string& word : command) text += " " + shell_quoted(word);
  return text;
}

void define_options(CLI::App& app, RawOptions& raw) {
  app.add_option("--name", raw.name, "Test name used in the diagnosis and the record (default: COMMAND's basename)");
  app.add_option("--memory", raw.memory,
                 "Memory budget of the whole process tree: 512M, 2G, 1.5GiB, bytes (default: CTest's allocation, else none)");
  app.add_option("--timeout", raw.timeout, "Wall-clock limit in seconds, fractions allowed (default: none)");
  app.add_option("--grace", raw.grace, "Seconds between SIGTERM and SIGKILL when stopping the tree (default: 5)");
  app.add_option("--result", raw.result, "Write the JSON result record to FILE (atomically)");
  app.add_flag("--core", raw.core, "Allow core dumps (default: RLIMIT_CORE 0)");
  app.add_option("--cpu-time", raw.cpu_time, "RLIMIT_CPU in seconds, per process");
  app.add_option("--max-open-files", raw.max_open_files, "RLIMIT_NOFILE");
  app.add_option("--max-file-size", raw.max_file_size, "RLIMIT_FSIZE: largest file a process may write");
  app.add_option("--data-limit", raw.data_limit, "RLIMIT_DATA per process (off by default: it breaks sanitizers)");
  app.add_option("--max-processes", raw.max_processes, "Most live processes in the tree, 0 for no cap (default: 1024)");
  app.add_flag("--allow-leaks", raw.allow_leaks, "Processes left alive by the test are killed and reported, but do not fail it");
  app.add_flag("--keep-tmp", raw.keep_tmp, "Keep the test's TMPDIR afterwards");
  app.add_option("--limit-mode", raw.limit_mode, "auto, cgroup or sample (default: auto)");
  app.add_option("--cgroup-parent", raw.cgroup_parent, "Delegated cgroup v2 directory to create test cgroups in");
  app.add_flag("--measurements", raw.measurements,
               "Print <CTestMeasurement> tags for CTest on stderr once the test has ended (add_mm_test sets it)");
  app.add_flag("--no-measurements", raw.no_measurements, "Print no <CTestMeasurement> tags (the default)");
  app.add_flag("--pin-cpus", raw.pin_cpus,
               "Run the test only on the CPUs CTest allocated it (resource mmtest_cpus); a warning without an allocation");
  app.add_flag("--gtest", raw.gtest,
               "COMMAND is a GoogleTest program: a run that skipped every test case (GTEST_SKIP) is recorded as skipped");
  app.add_flag("--version", raw.version, "Print the version and exit");
}

}  // namespace

Environment environment_from(char** envp) {
  Environment environment;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return environment;
}

std::string_view to_string(LimitMode mode) {
  switch (mode) {
    case LimitMode::automatic: return "auto";
    case LimitMode::cgroup: return "cgroup";
    case LimitMode::sample: return "sample";
  }
  return "?";
}

std::expected<Options, EarlyExit> parse_command_line(const std::vector<std::string>& args,
                                                      const Environment& environment) {
  CLI::App app{"mmtest-run [OPTIONS] -- COMMAND [ARGS...]\n\n"
               "Runs COMMAND under a memory budget, a timeout and rlimits; supervises and reaps its whole process tree.",
               "mmtest-run"};
  app.footer(
      "Exit codes: the test's own; signal N re-raised; 121 leaked processes; 122 process cap; 123 memory budget;\n"
      "124 timeout; 125 usage or setup error; 126 command not executable; 127 command not found.");
  RawOptions raw;
  define_options(app, raw);
  // Parsing stops at the first word that is neither an option nor an option's value: COMMAND, when
  // the "--" was forgotten. That word and every one after it are left over, in their order.
  app.prefix_command();

  // Split at the first "--": nothing of the command ever reaches CLI11.
  const auto separator = std::ranges::find(args, "--");
  const std::span<const std::string> before_separator(args.begin() + (args.empty() ? 0 : 1), separator);
  std::vector<std::string> launcher_args(before_separator.rbegin(), before_separator.rend());  // CLI11 pops from the back
  try {
    app.parse(launcher_args);
  } catch (const CLI::CallForHelp&) {
    return std::unexpected(EarlyExit{0, app.help()});
  } catch (const CLI::ParseError& error) {
    return std::unexpected(usage_error(error.what()));
  }
  // Left over, in the order given: options CLI11 did not know (each moved aside as it came), then
  // from the first word that is no option on, everything.
  if (const std::vector<std::string> left_over = app.remaining(); !left_over.empty()) {
    const std::string& first = left_over.front();
    if (first.starts_with('-') && first.size() > 1) return std::unexpected(usage_error(fmt::format("unknown option '{}'", first)));
    if (separator != args.end()) {
      return std::unexpected(usage_error(fmt::format(
          "unexpected '{}' before '--': only mmtest-run's options go there, COMMAND and its arguments after it", first)));
    }
    // No unknown option came first, so the left-over words are the tail of the arguments: the
    // command. What precedes them are mmtest-run's options, as the user wrote them.
    const std::size_t command_words = left_over.size();
    return std::unexpected(usage_error(
        fmt::format("missing '--' before COMMAND: write {}",
                    suggested_command(before_separator.first(before_separator.size() - command_words),
                                      before_separator.last(command_words)))));
  }
  if (raw.version) return std::unexpected(EarlyExit{0, fmt::format("mmtest-run {}\n", MMTEST_VERSION)});

  if (separator == args.end()) return std::unexpected(usage_error("missing '--' before COMMAND"));
  Options options;
  options.command.assign(separator + 1, args.end());
  if (options.command.empty() || options.command.front().empty()) {
    return std::unexpected(usage_error("missing COMMAND after '--'"));
  }
  options.name = raw.name.empty() ? basename_of(options.command.front()) : raw.name;

  constexpr std::string_view kSize = "a size like 512M or 2G";
  constexpr std::string_view kSeconds = "seconds like 30 or 0.5";
  constexpr std::string_view kCount = "a whole number";

  if (raw.memory) {
    auto bytes = checked(parse_size(*raw.memory), "--memory", *raw.memory, kSize);
    if (!bytes) return std::unexpected(bytes.error());
    if (*bytes == 0) return std::unexpected(usage_error(fmt::format("--memory: the budget must be above 0, got '{}'", *raw.memory)));
    options.memory_limit_bytes = *bytes;
    options.memory_limit_source = BudgetSource::option;
  } else {
    auto allocation = ctest_memory_allocation_mib(environment);
    if (!allocation) return std::unexpected(usage_error(fmt::format("CTest resource allocation: {}", allocation.error())));
    if (*allocation && **allocation > 0) {
      options.memory_limit_bytes = **allocation * (std::uint64_t{1} << 20);
      options.memory_limit_source = BudgetSource::ctest_allocation;
    }
  }
  if (raw.timeout) {
    auto timeout = checked(parse_seconds(*raw.timeout), "--timeout", *raw.timeout, kSeconds);
    if (!timeout) return std::unexpected(timeout.error());
    if (timeout->count() == 0) return std::unexpected(usage_error(fmt::format("--timeout: must be above 0, got '{}'", *raw.timeout)));
    options.timeout = *timeout;
  }
  if (raw.grace) {
    auto grace = checked(parse_seconds(*raw.grace), "--grace", *raw.grace, kSeconds);
    if (!grace) return std::unexpected(grace.error());
    options.grace = *grace;
  }
  if (raw.result) {
    if (raw.result->empty() || raw.result->find_first_not_of(' ') == std::string::npos) return std::unexpected(usage_error("--result: expected a file path, got ''"));
    options.result_path = *raw.result;
  }
  options.allow_core = raw.core;
  if (raw.cpu_time) {
    auto seconds = checked(parse_count(*raw.cpu_time), "--cpu-time", *raw.cpu_time, "whole seconds");
    if (!seconds) return std::unexpected(seconds.error());
    if (*seconds == 0) return std::unexpected(usage_error(fmt::format("--cpu-time: must be above 0, got '{}'", *raw.cpu_time)));
    options.cpu_time_seconds = *seconds;
  }
  if (raw.max_open_files) {
    auto count = checked(parse_count(*raw.max_open_files), "--max-open-files", *raw.max_open_files, kCount);
    if (!count) return std::unexpected(count.error());
    if (*count < 3) {
      return std::unexpected(usage_error(fmt::format("--max-open-files: must be at least 3 (stdin, stdout, stderr), got '{}'",
                                                     *raw.max_open_files)));
    }
    options.max_open_files = *count;
  }
  if (raw.max_file_size) {
    auto bytes = checked(parse_size(*raw.max_file_size), "--max-file-size", *raw.max_file_size, kSize);
    if (!bytes) return std::unexpected(bytes.error());
    options.max_file_size_bytes = *bytes;
  }
  if (raw.data_limit) {
    auto bytes = checked(parse_size(*raw.data_limit), "--data-limit", *raw.data_limit, kSize);
    if (!bytes) return std::unexpected(bytes.error());
    options.data_limit_bytes = *bytes;
  }
  if (raw.max_processes) {
    auto count = checked(parse_count(*raw.max_processes), "--max-processes", *raw.max_processes, kCount);
    if (!count) return std::unexpected(count.error());
    options.max_processes = *count;
  }
  options.allow_leaks = raw.allow_leaks;
  options.keep_tmp = raw.keep_tmp;
  if (raw.limit_mode) {
    if (*raw.limit_mode == "auto") options.limit_mode = LimitMode::automatic;
    else if (*raw.limit_mode == "cgroup") options.limit_mode = LimitMode::cgroup;
    else if (*raw.limit_mode == "sample") options.limit_mode = LimitMode::sample;
    else return std::unexpected(usage_error(fmt::format("--limit-mode: expected auto, cgroup or sample, got '{}'", *raw.limit_mode)));
  }
  if (raw.cgroup_parent) {
    options.cgroup_parent = *raw.cgroup_parent;
    options.cgroup_parent_source = "--cgroup-parent";
  } else if (const auto variable = environment.find("MMTEST_CGROUP_PARENT");
             variable != environment.end() && !variable->second.empty()) {
    options.cgroup_parent = variable->second;
    options.cgroup_parent_source = "MMTEST_CGROUP_PARENT";
  }
  options.print_measurements = raw.measurements && !raw.no_measurements;
  auto cpus = ctest_cpu_allocation(environment);
  if (!cpus) return std::unexpected(usage_error(fmt::format("CTest resource allocation: {}", cpus.error())));
  options.allocated_cpus = std::move(*cpus);
  options.pin_cpus = raw.pin_cpus;
  options.gtest = raw.gtest;
  return options;
}

}  // namespace mmtest::run
