#include "mmtest/tool/commands.hpp"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <functional>
#include <optional>

#include "mmtest/plan/plan.hpp"
#include "mmtest/common/units.hpp"
#include "mmtest/tool/calibrate.hpp"
#include "mmtest/tool/history.hpp"
#include "mmtest/tool/model.hpp"
#include "mmtest/tool/output.hpp"
#include "mmtest/tool/plan_command.hpp"
#include "mmtest/tool/push.hpp"
#include "mmtest/tool/render.hpp"
#include "mmtest/tool/report.hpp"
#include "mmtest/tool/shard.hpp"

extern char** environ;

namespace mmtest::tool {
namespace {

constexpr const char* kDescription =
    "What to do with mmtest's records after (and before) a ctest run.\n\n"
    "  report [DIR...]     summarise a run: terminal, --junit, --trace, --html, --prometheus FILE, --push URL\n"
    "  calibrate [DIR]     propose MEMORY, TIMEOUT and PROCESSORS per test from the history; --write FILE\n"
    "  shard --shards N --index I [DIR]   this CI runner's share of the tests, for ctest -I\n"
    "  plan ...            what the ctest-time hook runs: the budgets, the resource spec, the start order\n\n"
    "mmtest SUBCOMMAND --help describes each.";
constexpr const char* kExitCodes =
    "Exit codes: 0 done; 1 plan: manifest unreadable or cost file not written; 2 usage error; 3 nothing to\n"
    "read (no records, no history, no tests); 4 an output file cannot be written; 5 the history cannot be\n"
    "used; 6 the Pushgateway did not accept the metrics; 7 plan: the run's budgets could not be set; 8 report\n"
    "--fail-on-flaky: a test was flaky.";

int usage_error(std::ostream& err, std::string_view program, std::string_view message) {
  err << fmt::format("{}: {} (see {} --help)\n", program, message, program);
  return exit_code::kUsage;
}

// The history of a build directory: --history, else MMTEST_HISTORY, else the build's default.
std::filesystem::path history_path(const std::string& given, const std::filesystem::path& build_dir) {
  if (!given.empty()) return given;
  if (const char* from_environment = std::getenv("MMTEST_HISTORY"); from_environment != nullptr && *from_environment != '\0') {
    return from_environment;
  }
  return default_history_path(build_dir);
}

// ---- mmtest report --------------------------------------------------------------------------------

struct ReportArgs {
  ReportOptions options;
  std::vector<std::string> dirs;
  std::string budget;
  std::string color = "auto";
};

void add_report_options(CLI::App& app, ReportArgs& args) {
  ReportOptions& options = args.options;
  app.footer(std::string(
      "Summarises the records of a ctest run on the terminal and writes them as other formats.\n"
      "DIR is a build directory (records in DIR/mmtest-results) or a folder of records; several are\n"
      "merged into one report (a test in several counts once: its latest record). Default: '.'.") + "\n\n" +
             "Exit codes: 0 done; 2 usage error; 3 no records; 4 an output file cannot be written;\n"
             "5 the history cannot be used; 6 --push: the Pushgateway did not accept the metrics.");
  app.add_option("DIR", args.dirs, "Build directories or record folders")->type_name("DIR");
  app.add_option("--junit", options.junit, "Write JUnit XML with each test's figures as properties")->type_name("FILE");
  app.add_option("--trace", options.trace, "Write the run in Chrome Trace Event Format (Perfetto, chrome://tracing)")
      ->type_name("FILE");
  app.add_option("--html", options.html, "Write one self-contained HTML page: timeline, memory over time, tables")
      ->type_name("FILE");
  app.add_option("--prometheus", options.prometheus,
                 "Write the Prometheus text format (node_exporter's textfile collector)")
      ->type_name("FILE");
  app.add_option("--push", options.push_url, "Push the metrics to a Pushgateway at URL (http://host:port)")
      ->type_name("URL");
  app.add_option("--push-job", options.push_job, "The Pushgateway job name (default: mmtest)")->type_name("NAME");
  app.add_option("--history", options.history,
                 "History database: the records are added, and tests that grew against it are flagged\n"
                 "(default: MMTEST_HISTORY, else DIR/mmtest/history.sqlite of the first build directory)")
      ->type_name("FILE");
  app.add_flag("--no-history", options.no_history, "Neither read nor write a history");
  app.add_option("--budget", args.budget, "The memory budget to compare against (default: the run's resource spec)")
      ->type_name("SIZE");
  app.add_option("--color", args.color, "auto (only on a terminal, and not with NO_COLOR), always or never")
      ->type_name("WHEN");
  app.add_option("--top", options.style.top, "Rows of the largest-memory and longest tables (default: 5)")->type_name("N");
  app.add_flag("--quiet", options.quiet, "No summary on the terminal (files and --push only)");
  app.add_flag("--flaky", options.flaky,
               "Also list the flakiest tests: how often each failed and then passed within one ctest run, over its\n"
               "last 20 runs in the history");
  app.add_flag("--fail-on-flaky", options.fail_on_flaky,
               "Exit 8 when a test of this run passed only after a failed attempt (ctest --repeat), everything\n"
               "else written first");
}

int report_command(ReportArgs& args, std::ostream& out, std::ostream& err, bool stdout_is_terminal) {
  constexpr std::string_view program = "mmtest report";
  ReportOptions& options = args.options;
  if (args.color == "always") options.style.color = true;
  else if (args.color == "never") options.style.color = false;
  else if (args.color == "auto") options.style.color = stdout_is_terminal && std::getenv("NO_COLOR") == nullptr;
  else return usage_error(err, program, fmt::format("--color: expected auto, always or never, got '{}'", args.color));
  if (!args.budget.empty()) {
    auto bytes = mmtest::parse_size(args.budget);
    if (!bytes) {
      return usage_error(err, program, fmt::format("--budget: expected a size like 512M or 2G, got '{}' ({})", args.budget, bytes.error()));
    }
    options.budget_bytes = *bytes;
  }
  if (options.no_history && !options.history.empty()) return usage_error(err, program, "--history and --no-history exclude each other");
  if (options.no_history && options.flaky) return usage_error(err, program, "--flaky reads the history: leave out --no-history");
  if (!kWithPrometheus && (!options.prometheus.empty() || !options.push_url.empty())) {
    return usage_error(err, program,
                       fmt::format("{}: this mmtest was built without prometheus-cpp; install it (Debian: "
                                   "libprometheus-cpp-dev) and rebuild mmtest, or leave the option out",
                                   options.prometheus.empty() ? "--push" : "--prometheus"));
  }
  if (args.dirs.empty()) args.dirs.emplace_back(".");
  for (const std::string& dir : args.dirs) options.dirs.emplace_back(dir);
  if (const char* from_environment = std::getenv("MMTEST_HISTORY"); options.history.empty() && from_environment != nullptr) {
    options.history = from_environment;
  }
  return run_report(options, out, err);
}

// ---- mmtest calibrate -----------------------------------------------------------------------------

struct CalibrateArgs {
  std::string dir = ".";
  std::string history;
  std::string write;
  bool quiet = false;
};

void add_calibrate_options(CLI::App& app, CalibrateArgs& args) {
  app.footer(std::string(
      "Proposes MEMORY, TIMEOUT and PROCESSORS per test from its last runs in the history (the records\n"
      "in DIR are added first): MEMORY = 95th percentile of the peaks x 1.25 (at least +8 MiB), TIMEOUT = 3 x the\n"
      "95th percentile of the wall times (at least +10 s), both rounded up; at least 3 runs needed.\n"
      "PROCESSORS = the median of (CPU + wait) / wall over the last 5 runs, to the tenth, against the\n"
      "declaration in DIR/mmtest/manifest.cmake (never for FIXED_PROCESSORS, PIN_CPUS or performance).\n"
      "With --write, the calibration file add_mm_test() reads when MMTEST_CALIBRATION_FILE names it.") + "\n\n" +
             "Exit codes: 0 done; 2 usage error; 3 no runs in the history; 4 --write FILE cannot be written;\n"
             "5 the history cannot be used.");
  app.add_option("DIR", args.dir, "Build directory (default: '.')")->type_name("DIR");
  app.add_option("--history", args.history,
                 "History database (default: MMTEST_HISTORY, else DIR/mmtest/history.sqlite)")
      ->type_name("FILE");
  app.add_option("--write", args.write, "Write the calibration file (a CMake script of mm_calibrated() calls)")
      ->type_name("FILE");
  app.add_flag("--quiet", args.quiet, "No table on the terminal");
}

int calibrate_command(const CalibrateArgs& args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view program = "mmtest calibrate";
  const std::filesystem::path path = history_path(args.history, args.dir);
  auto history = HistoryDb::open(path);
  if (!history) {
    err << fmt::format("{}: {}\n", program, history.error());
    return exit_code::kHistoryUnusable;
  }
  // The last run counts too, whether or not anyone reported it.
  if (auto input = resolve_input(args.dir); input) {
    record::RecordSet set = record::read_record_directory(input->records);
    if (set.unreadable) err << fmt::format("{}: {}\n", program, *set.unreadable);
    if (auto added = history->ingest(set.records); !added) {
      err << fmt::format("{}: {}\n", program, added.error());
      return exit_code::kHistoryUnusable;
    }
  }
  const CpuDeclarations cpus = read_cpu_declarations(args.dir);
  const std::vector<Calibration> calibrations = calibrate(history->recent_runs(kCalibrationRuns), cpus);
  if (calibrations.empty()) {
    err << fmt::format("{}: no runs in the history {}; run ctest (and mmtest report) a few times first, or give the "
                       "history with --history FILE\n",
                       program, path.string());
    return exit_code::kNoRecords;
  }
  if (!args.write.empty()) {
    if (auto written = write_file_atomically(args.write, calibration_file(calibrations, path.string())); !written) {
      err << fmt::format("{}: --write {}: not written: {}; choose a writable path\n", program, args.write, written.error());
      return exit_code::kOutputNotWritten;
    }
  }
  if (!args.quiet) out << render_calibration(calibrations, path.string(), cpus.problem);
  return exit_code::kDone;
}

// ---- mmtest shard ---------------------------------------------------------------------------------

struct ShardArgs {
  std::string dir = ".";
  std::size_t shards = 0;
  std::size_t index = 0;
  std::string history;
  std::string output;
  std::string ctest = "ctest";
  bool list = false;
  std::vector<std::string> ctest_args;
};

void add_shard_options(CLI::App& app, ShardArgs& args) {
  app.footer(std::string(
      "Prints this CI runner's share of the build's tests, for `ctest -I`: shard I of N, balanced by\n"
      "each test's duration (median of its last runs in the history, else its timeout) times the CPUs\n"
      "it holds (or its share of the memory budget, if larger). Arguments after '--' select tests as\n"
      "ctest does (-L, -LE, -R, -E); give the same ones to the ctest that runs the shard.") + "\n\n" +
             "Exit codes: 0 done; 2 usage error; 3 ctest found no tests in DIR; 4 --output FILE cannot be\n"
             "written; 5 the history cannot be used.");
  app.add_option("DIR", args.dir, "Build directory (default: '.')")->type_name("DIR");
  app.add_option("--shards", args.shards, "Number of runners (N >= 1)")->type_name("N")->required();
  app.add_option("--index", args.index, "This runner's shard, 1 to N (GitLab's CI_NODE_INDEX)")->type_name("I")->required();
  app.add_option("--history", args.history, "History database (default: MMTEST_HISTORY, else DIR/mmtest/history.sqlite)")
      ->type_name("FILE");
  app.add_option("--output", args.output, "Write the -I argument to FILE (for `ctest -I FILE`) instead of stdout")
      ->type_name("FILE");
  app.add_option("--ctest", args.ctest, "The ctest to list the tests with (default: ctest on PATH)")->type_name("PATH");
  app.add_flag("--list", args.list, "Print the shard's tests, one per line with its estimate, instead");
  app.add_option("CTEST_ARGS", args.ctest_args, "ctest's test selection, after '--'")->type_name("ARG");
  app.positionals_at_end(false);
}

struct Captured {
  int status = -1;  // exit code, or -1 when it did not run or died of a signal
  std::string out = {};
  std::string err = {};
  std::string failure = {};  // why it did not run
};

// Runs argv (no shell), capturing stdout and stderr.
Captured capture(const std::vector<std::string>& argv) {
  Captured result;
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return {.failure = "pipe failed"};
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return {.failure = "pipe failed"};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  std::vector<char*> raw;
  for (const std::string& word : argv) raw.push_back(const_cast<char*>(word.c_str()));
  raw.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, raw[0], &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    result.failure = fmt::format("cannot run {}: {}", argv[0], std::strerror(spawned));
    return result;
  }
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) ::close(fd.fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The first line of text that is not mmtest's own note, for a one-line error.
std::string first_error_line(const std::string& text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (!line.empty() && !line.starts_with("mmtest: ")) return line;
    start = end + 1;
  }
  return "no output";
}

int shard_command(const ShardArgs& args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view program = "mmtest shard";
  if (args.shards < 1) return usage_error(err, program, "--shards: expected 1 or more");
  if (args.index < 1 || args.index > args.shards) {
    return usage_error(err, program, fmt::format("--index: expected 1 to {} (the shards are numbered from 1), got {}",
                                                 args.shards, args.index));
  }
  std::error_code error;
  if (!std::filesystem::is_regular_file(std::filesystem::path(args.dir) / "CTestTestfile.cmake", error)) {
    err << fmt::format("{}: no tests in {}: it has no CTestTestfile.cmake; give the build directory (configure it first)\n",
                       program, args.dir);
    return exit_code::kNoRecords;
  }
  std::vector<std::string> argv{args.ctest, "--test-dir", args.dir, "--show-only=json-v1"};
  argv.insert(argv.end(), args.ctest_args.begin(), args.ctest_args.end());
  const Captured listed = capture(argv);
  if (listed.status != 0) {
    const std::string why = listed.failure.empty() ? first_error_line(listed.err) : listed.failure;
    err << fmt::format("{}: cannot list the tests of {} with {} --show-only=json-v1 ({}); check the build directory and "
                       "the ctest arguments\n",
                       program, args.dir, args.ctest, why);
    return exit_code::kNoRecords;
  }
  auto tests = parse_ctest_tests(listed.out);
  if (!tests) {
    err << fmt::format("{}: cannot list the tests of {}: {}\n", program, args.dir, tests.error());
    return exit_code::kNoRecords;
  }

  // Read the history without adding to it: every runner must see the same history to compute the
  // same split, whatever records its build directory holds.
  plan::MeasuredDurations durations;
  const std::filesystem::path path = history_path(args.history, args.dir);
  if (std::filesystem::exists(path, error)) {
    auto history = HistoryDb::open(path);
    if (!history) {
      err << fmt::format("{}: {}\n", program, history.error());
      return exit_code::kHistoryUnusable;
    }
    durations = history->median_durations(kPlannerRuns);
  }
  const auto spec = std::filesystem::path(args.dir) / "mmtest" / "resource-spec.json";
  const std::uint64_t budget_mib = read_budget(spec).value_or(0) >> 20;
  weigh(*tests, durations, budget_mib, read_cpu_count(spec).value_or(1));
  const std::vector<std::size_t> shard_of = assign_shards(*tests, args.shards);

  std::vector<std::size_t> numbers;
  double mine = 0;
  double total = 0;
  std::size_t measured = 0;
  std::string listing;
  for (std::size_t i = 0; i < tests->size(); ++i) {
    const ShardTest& test = (*tests)[i];
    total += test.weight;
    if (shard_of[i] != args.index - 1) continue;
    numbers.push_back(test.number);
    mine += test.weight;
    measured += test.measured ? 1 : 0;
    listing += fmt::format("{}\t{:.3f}\n", test.name, test.weight);
  }
  const std::string selection = ctest_selection(numbers, tests->size());
  if (!args.output.empty()) {
    if (auto written = write_file_atomically(args.output, selection + "\n"); !written) {
      err << fmt::format("{}: --output {}: not written: {}; choose a writable path\n", program, args.output, written.error());
      return exit_code::kOutputNotWritten;
    }
  }
  if (args.list) out << listing;
  else if (args.output.empty()) out << selection << "\n";
  err << fmt::format("{}: shard {} of {}: {} of {} tests, {:.1f} of {:.1f} CPU-seconds estimated ({} from the history)\n",
                     program, args.index, args.shards, numbers.size(), tests->size(), mine, total, measured);
  return exit_code::kDone;
}

}  // namespace

int run_tool(std::span<const std::string> args, std::ostream& out, std::ostream& err, bool stdout_is_terminal) {
  CLI::App app{kDescription, "mmtest"};
  app.footer(kExitCodes);
  app.set_version_flag("--version", std::string("mmtest ") + MMTEST_VERSION);
  app.require_subcommand(1, 1);

  ReportArgs report_args;
  CLI::App* report = app.add_subcommand("report", "Summarise a run: terminal, HTML, trace, JUnit, Prometheus");
  add_report_options(*report, report_args);
  CalibrateArgs calibrate_args;
  CLI::App* calibrate_app = app.add_subcommand("calibrate", "Propose MEMORY, TIMEOUT and PROCESSORS per test from the history");
  add_calibrate_options(*calibrate_app, calibrate_args);
  ShardArgs shard_args;
  CLI::App* shard = app.add_subcommand("shard", "This CI runner's share of the tests, for ctest -I");
  add_shard_options(*shard, shard_args);
  // plan keeps its own parser (plan_command.cpp): everything after the word
  // goes to it, --help included.
  CLI::App* plan = app.add_subcommand("plan", "What the ctest-time hook runs: the budgets, the resource spec, the start order");
  plan->prefix_command();
  plan->set_help_flag();

  // The subcommand a usage error is about, for the message's prefix.
  std::string program = "mmtest";
  if (!args.empty()) {
    for (const CLI::App* sub : {report, calibrate_app, shard, plan}) {
      if (args.front() == sub->get_name()) program = "mmtest " + sub->get_name();
    }
    if (program == "mmtest" && !args.front().starts_with("-")) {
      return usage_error(err, "mmtest",
                         fmt::format("unknown subcommand '{}'; expected report, calibrate, shard or plan", args.front()));
    }
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes a reversed vector
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    const CLI::App* asked = &app;
    for (const CLI::App* sub : {report, calibrate_app, shard}) {
      if (sub->parsed()) asked = sub;
    }
    out << asked->help();
    return exit_code::kDone;
  } catch (const CLI::CallForVersion& version) {
    out << version.what() << "\n";
    return exit_code::kDone;
  } catch (const CLI::ParseError& error) {
    if (program == "mmtest" && args.empty()) {
      err << app.help();
      return exit_code::kUsage;
    }
    std::string message = error.what();
    std::ranges::replace(message, '\n', ' ');
    return usage_error(err, program, message);
  }
  if (report->parsed()) return report_command(report_args, out, err, stdout_is_terminal);
  if (calibrate_app->parsed()) return calibrate_command(calibrate_args, out, err);
  if (shard->parsed()) return shard_command(shard_args, out, err);
  const std::vector<std::string> rest = plan->remaining();
  return plan_command(rest, out, err);
}

}  // namespace mmtest::tool
