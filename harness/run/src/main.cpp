// mmtest-run [options] -- COMMAND [ARGS...]
//
// Runs COMMAND under a memory budget, a timeout and rlimits, supervises its whole process tree,
// reaps every descendant and explains every failure in one line on stderr.
//
// Exit-code contract (docs/launcher.md; each mapping has a black-box test):
//   the test's own code    the main process exited by itself (0: passed)
//   death by signal N      the main process died of signal N: mmtest-run re-raises N (shell: 128+N)
//   121                    the test passed but left processes running (they were killed)
//   122                    more live processes than --max-processes (tree killed)
//   123                    memory budget exceeded (tree killed)
//   124                    --timeout reached (tree terminated, then killed)
//   125                    usage or setup error: nothing was run
//   126                    COMMAND is not executable
//   127                    COMMAND was not found
//   signal received        mmtest-run got SIGTERM/SIGINT/SIGHUP: tree stopped, record written, then
//                          mmtest-run dies of that same signal

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mmtest/common/format.hpp"
#include "mmtest/common/units.hpp"
#include "mmtest/record/attempts.hpp"
#include "mmtest/record/case_log.hpp"
#include "mmtest/record/environment.hpp"
#include "mmtest/run/cgroup.hpp"
#include "mmtest/run/classify.hpp"
#include "mmtest/run/cpu.hpp"
#include "mmtest/run/environment_options.hpp"
#include "mmtest/run/exit_codes.hpp"
#include "mmtest/run/gtest_report.hpp"
#include "mmtest/run/limits.hpp"
#include "mmtest/run/make_record.hpp"
#include "mmtest/run/options.hpp"
#include "mmtest/run/spawn.hpp"
#include "mmtest/run/supervisor.hpp"
#include "mmtest/run/tmpdir.hpp"

extern char** environ;

namespace mmtest::run {
namespace {

constexpr int kForwardedSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

int usage_error(const std::string& message) {
  fmt::print(stderr, "mmtest-run: {}\n", message);
  return exit_code::kUsage;
}

[[noreturn]] void die_by_signal(int signal_number) {
  std::fflush(stdout);
  std::fflush(stderr);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // the test's crash is the story, not the launcher's core
  ::signal(signal_number, SIG_DFL);
  sigset_t only;
  ::sigemptyset(&only);
  ::sigaddset(&only, signal_number);
  ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
  ::raise(signal_number);
  ::_exit(128 + signal_number);
}

struct LimitModeChoice {
  std::optional<std::filesystem::path> cgroup_parent;  // set when the cgroup mode is in force
  std::string reason;
  std::optional<std::string> warning;                  // a parent was asked for and cannot be used
};

std::expected<LimitModeChoice, std::string> choose_limit_mode(const Options& options) {
  if (options.limit_mode == LimitMode::sample) return LimitModeChoice{std::nullopt, "--limit-mode sample", std::nullopt};
  CgroupProbe probe;
  probe.requested_parent = options.cgroup_parent;
  auto parent = detect_cgroup_delegation(probe);
  if (parent) return LimitModeChoice{*parent, fmt::format("delegated cgroup v2 at {}", parent->string()), std::nullopt};
  if (options.limit_mode == LimitMode::cgroup) {
    return std::unexpected(fmt::format("--limit-mode cgroup: cgroup v2 delegation is not available: {}", parent.error()));
  }
  // Without a parent asked for, the record alone says why: on a machine without delegation every
  // test would print the same line. A parent that was asked for and cannot be used is said aloud.
  std::optional<std::string> warning;
  if (!options.cgroup_parent_source.empty()) {
    warning = fmt::format("{} {}: limits enforced by sampling instead: {}", options.cgroup_parent_source,
                          options.cgroup_parent->string(), parent.error());
  }
  return LimitModeChoice{std::nullopt, fmt::format("cgroup v2 not usable: {}", parent.error()), warning};
}

// Pins mmtest-run, and so the test it starts, to the CPUs CTest allocated (--pin-cpus). Pinning
// that cannot be done is a warning, not a failure: the test runs unpinned and says so.
std::optional<std::vector<int>> pin_to_allocated_cpus(const Options& options, std::vector<std::string>& warnings) {
  if (!options.pin_cpus) return std::nullopt;
  if (options.allocated_cpus.empty()) {
    warnings.push_back("--pin-cpus: not pinned: CTest allocated no CPUs (resource mmtest_cpus) to this test");
    return std::nullopt;
  }
  auto allowed = allowed_cpus();
  if (!allowed) {
    warnings.push_back(fmt::format("--pin-cpus: not pinned: {}", allowed.error()));
    return std::nullopt;
  }
  std::vector<int> cpus = cpus_for_ids(options.allocated_cpus, *allowed);
  // Ids beyond the CPUs allowed here (a CPU budget above them, or a resource spec of another
  // machine) wrap around onto CPUs other ids stand for: pinned, but sharing, which is said.
  std::vector<std::uint32_t> beyond;
  for (const std::uint32_t id : options.allocated_cpus) {
    if (id >= allowed->size()) beyond.push_back(id);
  }
  if (!beyond.empty()) {
    warnings.push_back(fmt::format(
        "--pin-cpus: CTest's CPU id{} {} {} beyond the {} CPU{} this process may use ({}): pinned to {} {}, which other "
        "ids stand for too, so tests pinned there share it; keep MMTEST_CPU_BUDGET (or the resource spec's mmtest_cpus) "
        "at most {}",
        beyond.size() == 1 ? "" : "s", fmt::join(beyond, ", "), beyond.size() == 1 ? "is" : "are", allowed->size(), allowed->size() == 1 ? "" : "s",
        format_cpu_list(*allowed), cpus.size() == 1 ? "CPU" : "CPUs", format_cpu_list(cpus), allowed->size()));
  }
  if (auto pinned = pin_to(cpus); !pinned) {
    warnings.push_back(fmt::format("--pin-cpus: not pinned: {}", pinned.error()));
    return std::nullopt;
  }
  return cpus;
}

// Where a --gtest run's GoogleTest report goes: the test's private TMPDIR, fresh for this run, so
// no stale report can be read. None when the user's environment sets GTEST_OUTPUT: that is theirs.
std::optional<std::filesystem::path> gtest_report_path(const Options& options, const Environment& environment,
                                                       const std::filesystem::path& tmpdir) {
  if (!options.gtest || environment.contains("GTEST_OUTPUT")) return std::nullopt;
  return tmpdir / kGtestReportFile;
}

// What the test learns about its run (mmtest/record/environment.hpp). A value inherited from an
// outer mmtest-run is never passed on: each run sets its own, or none.
using record::kCasesFileVariable;
using record::kMemoryBytesVariable;
using record::kTestNameVariable;

std::vector<std::string> child_environment(const Options& options, const Environment& environment,
                                           const std::filesystem::path& tmpdir,
                                           const std::optional<std::filesystem::path>& gtest_report,
                                           const std::filesystem::path& cases_file) {
  std::vector<std::string> variables;
  for (const auto& [name, value] : environment) {
    if (name != "TMPDIR" && name != kTestNameVariable && name != kMemoryBytesVariable && name != kCasesFileVariable) {
      variables.push_back(name + "=" + value);
    }
  }
  variables.push_back("TMPDIR=" + tmpdir.string());
  if (gtest_report) variables.push_back("GTEST_OUTPUT=json:" + gtest_report->string());
  variables.push_back(fmt::format("{}={}", kTestNameVariable, options.name));
  if (options.memory_limit_bytes) variables.push_back(fmt::format("{}={}", kMemoryBytesVariable, *options.memory_limit_bytes));
  variables.push_back(fmt::format("{}={}", kCasesFileVariable, cases_file.string()));
  return variables;
}

// On stderr: the test's stdout stays exactly what the test wrote, and CTest reads both streams.
void print_measurements(const Supervision& run) {
  fmt::print(stderr,
             "<CTestMeasurement type=\"numeric/double\" name=\"peak_memory_mib\">{:.1f}</CTestMeasurement>\n"
             "<CTestMeasurement type=\"numeric/double\" name=\"cpu_seconds\">{:.3f}</CTestMeasurement>\n",
             static_cast<double>(run.peak_memory_bytes) / 0x1p20, run.cpu_seconds);
}

// MMTEST_CTEST_TIMEOUTS: the test is stopped and its record written; wait, with default signal
// dispositions, until CTest's own TIMEOUT (the launcher's plus the grace and a margin) kills
// mmtest-run, so that CTest reports a timeout rather than exit code 124.
[[noreturn]] void wait_for_ctest_timeout() {
  std::fflush(stdout);
  std::fflush(stderr);
  sigset_t none;
  ::sigemptyset(&none);
  for (const int signal_number : kForwardedSignals) ::signal(signal_number, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  while (true) ::pause();
}

// Writes the record, prints measurements, warnings and the diagnosis, then exits as the contract says.
[[noreturn]] void report_and_exit(const Options& options, const Supervision& run, const Verdict& verdict,
                                  RecordContext context, std::optional<record::RecordFile>& record) {
  context.finished_at = std::chrono::system_clock::now();
  if (record) {
    // A second attempt in the same ctest run (--repeat) keeps the first beside it.
    context.attempt = record::set_aside_earlier_attempt(*options.result_path, context.ctest_run);
    if (auto committed = record->commit(make_record(options, run, verdict, context)); !committed) {
      fmt::print(stderr, "mmtest: warning: could not write the record: {}\n", committed.error());
    }
  }
  if (options.print_measurements && verdict.outcome != Outcome::harness_error) print_measurements(run);
  for (const std::string& warning : run.warnings) fmt::print(stderr, "mmtest: warning: {}: {}\n", options.name, warning);
  if (verdict.diagnosis) fmt::print(stderr, "{}\n", *verdict.diagnosis);
  if (verdict.outcome == Outcome::timeout && options.wait_for_ctest_timeout) wait_for_ctest_timeout();
  if (verdict.reraise_signal) die_by_signal(*verdict.reraise_signal);
  std::fflush(stdout);
  std::exit(verdict.exit_code);
}

int run(int argc, char** argv) {
  Environment environment = environment_from(environ);
  std::vector<std::string> args(argv, argv + argc);
  // An adopted project's test gives its options through its environment (environment_options.hpp).
  const auto from_environment = apply_environment_options(args, environment);
  if (!from_environment) {
    std::fputs(from_environment.error().output.c_str(), stderr);
    return from_environment.error().exit_code;
  }
  if (*from_environment == EnvironmentOptions::pass_through) return exec_command_after_separator(args);
  auto parsed = parse_command_line(args, environment);
  if (!parsed) {
    std::fputs(parsed.error().output.c_str(), parsed.error().exit_code == 0 ? stdout : stderr);
    return parsed.error().exit_code;
  }
  const Options& options = *parsed;
  ::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not kill the supervisor; the child gets SIG_DFL back

  // ---- prepare: everything that can fail as a usage error happens before the test starts ----
  // The record file first: once it is open, every way out writes it (report_and_exit), so that a
  // report never silently misses a test. Only a record that cannot be opened has none.
  std::optional<record::RecordFile> record;
  if (options.result_path) {
    auto opened = record::RecordFile::open(*options.result_path);
    if (!opened) return usage_error(fmt::format("--result: cannot write '{}': {}", options.result_path->string(), opened.error()));
    record.emplace(std::move(*opened));
  }
  RecordContext context;
  context.started_at = std::chrono::system_clock::now();
  if (const auto run = environment.find(record::kCtestRunVariable); run != environment.end()) context.ctest_run = run->second;
  Supervision nothing_ran;
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    report_and_exit(options, nothing_ran,
                    harness_error(options, exit_code::kUsage, system_error_message("prctl(PR_SET_CHILD_SUBREAPER, 1)")),
                    context, record);
  }
  auto mode = choose_limit_mode(options);
  if (!mode) {
    context.limit_mode = "none";
    context.limit_mode_reason = mode.error();
    report_and_exit(options, nothing_ran, harness_error(options, exit_code::kUsage, mode.error()), context, record);
  }

  context.limit_mode = mode->cgroup_parent ? "cgroup" : "sample";
  context.limit_mode_reason = mode->reason;
  std::vector<std::string> setup_warnings;
  if (mode->warning) setup_warnings.push_back(*mode->warning);
  context.pinned_cpus = pin_to_allocated_cpus(options, setup_warnings);
  nothing_ran.warnings = setup_warnings;

  auto executable = resolve_executable(options.command.front(), environment);
  if (!executable) {
    report_and_exit(options, nothing_ran, harness_error(options, executable.error().exit_code, executable.error().message),
                    context, record);
  }
  auto tmpdir = make_test_tmpdir(environment, options.name);
  if (!tmpdir) report_and_exit(options, nothing_ran, harness_error(options, exit_code::kUsage, tmpdir.error()), context, record);
  context.tmpdir = tmpdir->string();

  std::optional<CgroupLeaf> cgroup;
  UniqueFd cgroup_procs;
  if (mode->cgroup_parent) {
    // Before creating its own leaf: one a killed launcher of the same pid left would be in the way.
    for (std::string& removed : remove_stale_leaves(*mode->cgroup_parent, ::getpid())) setup_warnings.push_back(std::move(removed));
    auto leaf = CgroupLeaf::create(*mode->cgroup_parent, fmt::format("mmtest-{}", ::getpid()),
                                   {options.memory_limit_bytes, options.max_processes > 0 ? std::optional(options.max_processes) : std::nullopt});
    auto procs = leaf ? leaf->open_procs() : std::unexpected(leaf.error());
    if (!procs) {
      remove_test_tmpdir(*tmpdir);
      report_and_exit(options, nothing_ran, harness_error(options, exit_code::kUsage, procs.error()), context, record);
    }
    cgroup.emplace(std::move(*leaf));
    cgroup_procs = std::move(*procs);
  }

  // Signals reach the supervisor only through the signalfd: blocked before fork so none is lost.
  sigset_t watched;
  ::sigemptyset(&watched);
  ::sigaddset(&watched, SIGCHLD);
  for (const int signal_number : kForwardedSignals) ::sigaddset(&watched, signal_number);
  ::sigprocmask(SIG_BLOCK, &watched, nullptr);
  UniqueFd signal_fd(::signalfd(-1, &watched, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signal_fd) {
    remove_test_tmpdir(*tmpdir);
    report_and_exit(options, nothing_ran, harness_error(options, exit_code::kUsage, system_error_message("signalfd")), context, record);
  }

  // ---- spawn ----
  SpawnRequest request;
  request.executable = *executable;
  request.argv = options.command;
  const auto gtest_report = gtest_report_path(options, environment, *tmpdir);
  const std::filesystem::path cases_file = *tmpdir / record::kCasesFile;
  request.environment = child_environment(options, environment, *tmpdir, gtest_report, cases_file);
  request.limits = resource_limits(options);
  request.cgroup_procs_fd = cgroup_procs.get();
  const auto started = std::chrono::steady_clock::now();
  auto child = spawn_child(request);
  cgroup_procs.reset();
  if (!child) {
    remove_test_tmpdir(*tmpdir);
    report_and_exit(options, nothing_ran, harness_error(options, child.error().exit_code, child.error().message), context, record);
  }

  // ---- supervise ----
  SupervisorSetup setup;
  setup.main_pid = child->pid;
  setup.main_pidfd = child->pidfd.get();
  setup.signal_fd = signal_fd.get();
  setup.cgroup = cgroup ? &*cgroup : nullptr;
  setup.started = started;
  Supervision result = supervise(options, setup);
  result.warnings.insert(result.warnings.begin(), setup_warnings.begin(), setup_warnings.end());

  // ---- clean up and report ----
  // A missing or unreadable report (the test removed it, or is no GoogleTest program) changes nothing.
  if (gtest_report) result.reported_all_skipped = gtest_report_says_all_skipped(read_small_file(gtest_report->string()).text);
  // Written only by a GoogleTest program running mmtest's listener; absent for anything else.
  result.cases = record::parse_case_log(read_small_file(cases_file.string()).text);
  if (!options.keep_tmp) {
    if (auto problem = remove_test_tmpdir(*tmpdir)) result.warnings.push_back(*problem);
  }
  if (cgroup) {
    if (auto problem = cgroup->remove()) result.warnings.push_back(fmt::format("test cgroup not removed: {}", *problem));
    cgroup.reset();
  }
  report_and_exit(options, result, classify(result, options), context, record);
}

}  // namespace
}  // namespace mmtest::run

int main(int argc, char** argv) { return mmtest::run::run(argc, argv); }
