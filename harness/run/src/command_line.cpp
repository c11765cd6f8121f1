// The launcher's command line, parsed with glibc's getopt_long. Every test pays for this parse:
// CLI11, which the mmtest tool uses, cost mmtest-run about 0.13 ms per start (docs/performance.md,
// the launcher's start-up); getopt_long builds nothing and allocates nothing.
#include <getopt.h>

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <span>

#include "mmtest/run/ctest_resources.hpp"
#include "mmtest/run/options.hpp"
#include "mmtest/common/units.hpp"

#ifndef MMTEST_VERSION
#define MMTEST_VERSION "unknown"
#endif

namespace mmtest::run {
namespace {

// Raw text of every option, validated after all of them are read so the errors can say exactly
// which option and value were wrong.
struct RawOptions {
  std::optional<std::string> name, memory, timeout, grace, result, cpu_time, max_open_files, max_file_size,
      data_limit, max_processes, limit_mode, cgroup_parent, skip_code, labels;
  bool core = false, allow_leaks = false, keep_tmp = false, measurements = false, no_measurements = false, gtest = false,
       version = false, pin_cpus = false, help = false, memory_default = false;
};

// One option: its long name, its field, and the line of --help that describes it. A flag has a
// `flag` field, an option taking a value a `value` field.
struct OptionSpec {
  const char* name;
  std::optional<std::string> RawOptions::* value = nullptr;
  bool RawOptions::* flag = nullptr;
  const char* help = "";
  const char* value_name = "";  // in --help: "--memory SIZE"
};

constexpr std::array kOptions{
    OptionSpec{"name", &RawOptions::name, nullptr, "Test name used in the diagnosis and the record (default: COMMAND's basename)", "NAME"},
    OptionSpec{"memory", &RawOptions::memory, nullptr,
               "Memory budget of the whole process tree: 512M, 2G, 1.5GiB, bytes (default: CTest's allocation, else none)", "SIZE"},
    OptionSpec{"timeout", &RawOptions::timeout, nullptr, "Wall-clock limit in seconds, fractions allowed (default: none)", "SECONDS"},
    OptionSpec{"grace", &RawOptions::grace, nullptr, "Seconds between SIGTERM and SIGKILL when stopping the tree (default: 5)", "SECONDS"},
    OptionSpec{"result", &RawOptions::result, nullptr, "Write the JSON result record to FILE (atomically)", "FILE"},
    OptionSpec{"core", nullptr, &RawOptions::core, "Allow core dumps (default: RLIMIT_CORE 0)"},
    OptionSpec{"cpu-time", &RawOptions::cpu_time, nullptr, "RLIMIT_CPU in seconds, per process", "SECONDS"},
    OptionSpec{"max-open-files", &RawOptions::max_open_files, nullptr, "RLIMIT_NOFILE", "N"},
    OptionSpec{"max-file-size", &RawOptions::max_file_size, nullptr, "RLIMIT_FSIZE: largest file a process may write", "SIZE"},
    OptionSpec{"data-limit", &RawOptions::data_limit, nullptr, "RLIMIT_DATA per process (off by default: it breaks sanitizers)", "SIZE"},
    OptionSpec{"max-processes", &RawOptions::max_processes, nullptr, "Most live processes in the tree, 0 for no cap (default: 1024)", "N"},
    OptionSpec{"allow-leaks", nullptr, &RawOptions::allow_leaks,
               "Processes left alive by the test are killed and reported, but do not fail it"},
    OptionSpec{"keep-tmp", nullptr, &RawOptions::keep_tmp, "Keep the test's TMPDIR afterwards"},
    OptionSpec{"limit-mode", &RawOptions::limit_mode, nullptr, "auto, cgroup or sample (default: auto)", "MODE"},
    OptionSpec{"cgroup-parent", &RawOptions::cgroup_parent, nullptr, "Delegated cgroup v2 directory to create test cgroups in", "DIR"},
    OptionSpec{"measurements", nullptr, &RawOptions::measurements,
               "Print <CTestMeasurement> tags for CTest on stderr once the test has ended (add_mm_test sets it)"},
    OptionSpec{"no-measurements", nullptr, &RawOptions::no_measurements, "Print no <CTestMeasurement> tags (the default)"},
    OptionSpec{"pin-cpus", nullptr, &RawOptions::pin_cpus,
               "Run the test only on the CPUs CTest allocated it (resource mmtest_cpus); a warning without an allocation"},
    OptionSpec{"gtest", nullptr, &RawOptions::gtest,
               "COMMAND is a GoogleTest program: a run that skipped every test case (GTEST_SKIP) is recorded as skipped"},
    OptionSpec{"memory-default", nullptr, &RawOptions::memory_default,
               "--memory is a default, not the test's own MEMORY: the record says so, and reports list it apart"},
    OptionSpec{"labels", &RawOptions::labels, nullptr,
               "The test's CTest labels, comma-separated, for the record (add_mm_test passes them)", "LIST"},
    OptionSpec{"skip-code", &RawOptions::skip_code, nullptr,
               "The exit code that means skipped (CTest's SKIP_RETURN_CODE): recorded as skipped; a --gtest run that "
               "skipped every case exits with it", "N"},
    OptionSpec{"version", nullptr, &RawOptions::version, "Print the version and exit"},
    OptionSpec{"help", nullptr, &RawOptions::help, "Print this help and exit (also -h)"},
};

bool takes_value(const OptionSpec& spec) { return spec.flag == nullptr; }

std::string help_text() {
  std::string text =
      "Usage: mmtest-run [OPTIONS] -- COMMAND [ARGS...]\n\n"
      "Runs COMMAND under a memory budget, a timeout and rlimits; supervises and reaps its whole process tree.\n\n"
      "Options:\n";
  for (const OptionSpec& spec : kOptions) {
    const std::string left = takes_value(spec) ? fmt::format("--{} {}", spec.name, spec.value_name) : fmt::format("--{}", spec.name);
    text += fmt::format("  {:<26}  {}\n", left, spec.help);
  }
  text +=
      "\nExit codes: the test's own; signal N re-raised; 121 leaked processes; 122 process cap; 123 memory budget;\n"
      "124 timeout; 125 usage or setup error; 126 command not executable; 127 command not found.\n";
  return text;
}

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

// A flag's value in the --flag=VALUE form, as CLI11 (mmtest's other parser) reads it.
std::optional<bool> flag_value(std::string_view text) {
  for (const std::string_view yes : {"1", "true", "on", "yes", "enable"}) {
    if (text == yes) return true;
  }
  for (const std::string_view no : {"0", "false", "off", "no", "disable"}) {
    if (text == no) return false;
  }
  return std::nullopt;
}

// Reads the words before "--" into `raw`. Returns the index of the first word that is no option
// (the command, when "--" was forgotten), or the words' count when every word was an option.
std::expected<std::size_t, EarlyExit> read_options(std::span<const std::string> words, RawOptions& raw) {
  std::array<option, kOptions.size() + 1> table{};
  for (std::size_t i = 0; i < kOptions.size(); ++i) {
    table[i] = option{kOptions[i].name, takes_value(kOptions[i]) ? required_argument : optional_argument, nullptr,
                      static_cast<int>(i)};
  }
  // getopt_long wants argv as mutable C strings; with "+" it never reorders them.
  std::vector<std::string> copies(words.begin(), words.end());
  std::vector<char*> argv{const_cast<char*>("mmtest-run")};
  for (std::string& word : copies) argv.push_back(word.data());
  argv.push_back(nullptr);
  const int argc = static_cast<int>(argv.size() - 1);

  // "+": stop at the first word that is no option; ":": report a missing value as ':'.
  opterr = 0;
  optind = 0;  // glibc: start afresh (this parser may run more than once in a process)
  while (true) {
    const int word = optind == 0 ? 1 : optind;  // the word this call reads
    int index = -1;
    const int found = getopt_long(argc, argv.data(), "+:h", table.data(), &index);
    if (found == -1) break;
    const std::string given = word < argc ? argv[static_cast<std::size_t>(word)] : "";
    const std::string given_name = given.substr(0, given.find('='));
    if (found == 'h') {
      raw.help = true;
      continue;
    }
    if (found == '?') return std::unexpected(usage_error(fmt::format("unknown option '{}'", given_name)));
    if (found == ':') return std::unexpected(usage_error(fmt::format("{}: expected a value after it", given_name)));
    const OptionSpec& spec = kOptions[static_cast<std::size_t>(found)];
    const std::string full_name = fmt::format("--{}", spec.name);
    // getopt_long also takes unambiguous abbreviations (--mem); mmtest-run does not, so that a
    // script keeps its meaning when options are added.
    if (given_name != full_name) return std::unexpected(usage_error(fmt::format("unknown option '{}'", given_name)));
    if (spec.flag != nullptr) {
      bool value = true;
      if (optarg != nullptr) {
        const auto parsed = flag_value(optarg);
        if (!parsed) {
          return std::unexpected(usage_error(fmt::format("{}: expected no value or one of true, false, 1, 0, on, off, yes, no, got '{}'",
                                                         full_name, optarg)));
        }
        value = *parsed;
      }
      raw.*spec.flag = value;
      continue;
    }
    std::optional<std::string>& value = raw.*spec.value;
    if (value) return std::unexpected(usage_error(fmt::format("{} given more than once", full_name)));
    value = optarg;
  }
  return static_cast<std::size_t>(optind - 1);
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
  RawOptions raw;
  // Split at the first "--": nothing of the command ever reaches the option parser.
  const auto separator = std::ranges::find(args, "--");
  const std::span<const std::string> before_separator(args.begin() + (args.empty() ? 0 : 1), separator);
  auto first_word = read_options(before_separator, raw);
  if (!first_word) return std::unexpected(first_word.error());
  if (raw.help) return std::unexpected(EarlyExit{0, help_text()});
  // Words left over from the first that is no option on, in the order given.
  if (*first_word < before_separator.size()) {
    const std::string& first = before_separator[*first_word];
    if (separator != args.end()) {
      return std::unexpected(usage_error(fmt::format(
          "unexpected '{}' before '--': only mmtest-run's options go there, COMMAND and its arguments after it", first)));
    }
    // The left-over words are the tail of the arguments: the command. What precedes them are
    // mmtest-run's options, as the user wrote them.
    return std::unexpected(usage_error(fmt::format("missing '--' before COMMAND: write {}",
                                                   suggested_command(before_separator.first(*first_word),
                                                                     before_separator.subspan(*first_word)))));
  }
  if (raw.version) return std::unexpected(EarlyExit{0, fmt::format("mmtest-run {}\n", MMTEST_VERSION)});

  if (separator == args.end()) return std::unexpected(usage_error("missing '--' before COMMAND"));
  Options options;
  options.command.assign(separator + 1, args.end());
  if (options.command.empty() || options.command.front().empty()) {
    return std::unexpected(usage_error("missing COMMAND after '--'"));
  }
  options.name = raw.name.value_or("").empty() ? basename_of(options.command.front()) : *raw.name;

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
  if (raw.skip_code) {
    // 1..255 like any exit code, but not one of mmtest-run's own: 121..127 say what it did.
    const auto code = parse_count(*raw.skip_code);
    if (!code || *code < 1 || *code > 255 || (*code >= 121 && *code <= 127)) {
      return std::unexpected(usage_error(fmt::format(
          "--skip-code: expected an exit code from 1 to 255 other than mmtest-run's own 121 to 127, got '{}'",
          *raw.skip_code)));
    }
    options.skip_code = static_cast<int>(*code);
  }
  if (raw.labels) {
    std::string_view rest = *raw.labels;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view label = rest.substr(0, comma);
      if (label.empty()) {
        return std::unexpected(usage_error(fmt::format(
            "--labels: expected labels separated by commas, like unit,integration, got '{}'", *raw.labels)));
      }
      options.labels.emplace_back(label);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  // A default needs a budget to be one: a record must not say "not declared" of no limit at all.
  if (raw.memory_default && !options.memory_limit_bytes) {
    return std::unexpected(usage_error(
        "--memory-default says the memory budget is a default, but there is none: give --memory (or run under "
        "CTest's resource allocation)"));
  }
  options.memory_is_default = raw.memory_default;
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
  // MMTEST_CTEST_TIMEOUTS: a test mmtest-run stopped at its timeout waits, record written, for
  // CTest's own TIMEOUT, so that CTest sees a timeout (ctest --repeat after-timeout:N).
  if (const auto variable = environment.find(kCtestTimeoutsVariable); variable != environment.end()) {
    const std::string& value = variable->second;
    if (value == "1" || value == "ON" || value == "on" || value == "true" || value == "yes") {
      options.wait_for_ctest_timeout = true;
    } else if (!value.empty() && value != "0" && value != "OFF" && value != "off" && value != "false" && value != "no") {
      return std::unexpected(usage_error(fmt::format("{}: expected 1 or 0 (on or off), got '{}'", kCtestTimeoutsVariable, value)));
    }
  }
  options.print_measurements = raw.measurements && !raw.no_measurements;
  auto cpus = ctest_cpu_allocation(environment);
  if (!cpus) return std::unexpected(usage_error(fmt::format("CTest resource allocation: {}", cpus.error())));
  options.allocated_cpus = std::move(*cpus);
  auto reserved = ctest_cpus_reserved(environment);
  if (!reserved) return std::unexpected(usage_error(fmt::format("CTest resource allocation: {}", reserved.error())));
  options.cpus_reserved = *reserved;
  options.pin_cpus = raw.pin_cpus;
  options.gtest = raw.gtest;
  return options;
}

}  // namespace mmtest::run
