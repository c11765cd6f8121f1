// The example diagnoses of docs/launcher.md ("Diagnoses") are what classify() really prints: each
// example line is produced, to the letter, by a run with the figures it shows, and each kind of
// diagnosis has its example.
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "mmtest/run/classify.hpp"

namespace mmtest::run {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr double kGiB = 0x1p30;

// The lines starting with "mmtest: " in the code block number `block` (0: the first) under "## Diagnoses".
std::set<std::string> documented_diagnoses(int block = 0) {
  std::ifstream file(MMTEST_LAUNCHER_DOC);
  EXPECT_TRUE(file) << "cannot read " << MMTEST_LAUNCHER_DOC;
  std::set<std::string> lines;
  std::string line;
  bool in_section = false, in_block = false;
  int blocks_seen = 0;
  while (std::getline(file, line)) {
    if (line.starts_with("## ")) in_section = line == "## Diagnoses";
    if (!in_section) continue;
    if (line.starts_with("```")) {
      if (in_block && blocks_seen++ == block) break;
      in_block = !in_block;
      continue;
    }
    if (in_block && blocks_seen == block && line.starts_with("mmtest: ")) lines.insert(line);
  }
  return lines;
}

Options named(const std::string& name, const std::string& program) {
  Options options;
  options.name = name;
  options.command = {program};
  return options;
}

std::uint64_t gib(double value) { return static_cast<std::uint64_t>(value * kGiB); }

// One run per kind of diagnosis, with the figures of its example.
std::set<std::string> real_diagnoses() {
  std::set<std::string> lines;
  const auto add = [&](const Verdict& verdict) {
    ASSERT_TRUE(verdict.diagnosis.has_value());
    lines.insert(*verdict.diagnosis);
  };
  {  // killed for memory while sampling
    Supervision run;
    run.stop_reason = StopReason::memory;
    run.memory_at_stop_bytes = gib(2.31);
    run.peak_memory_bytes = gib(2.3);
    run.processes_at_stop = 3;
    Options options = named("replay", "./replay_test");
    options.memory_limit_bytes = 2 * 1024 * kMiB;
    add(classify(run, options));
  }
  {  // killed by the kernel's memory.max in cgroup mode
    Supervision run;
    run.stop_reason = StopReason::memory;
    run.peak_memory_bytes = gib(2.0);
    run.peak_memory_source = "cgroup-memory-peak";
    run.cgroup_oom_kills = 2;
    run.processes_at_stop = 1;
    Options options = named("replay", "./replay_test");
    options.memory_limit_bytes = 2 * 1024 * kMiB;
    add(classify(run, options));
  }
  {  // over the budget, measured at exit
    Supervision run;
    run.exit_code = 0;
    run.peak_memory_bytes = static_cast<std::uint64_t>(3.9 * static_cast<double>(kMiB));
    run.peak_memory_source = "process-max-rss";
    Options options = named("tiny", "./tiny");
    options.memory_limit_bytes = kMiB;
    add(classify(run, options));
  }
  {  // timeout, one survivor of SIGTERM
    Supervision run;
    run.stop_reason = StopReason::timeout;
    run.term_signal = SIGKILL;
    run.processes_at_stop = 4;
    run.processes_needing_sigkill = 1;
    Options options = named("replay", "./replay_test");
    options.timeout = 600s;
    add(classify(run, options));
  }
  {  // timeout of a starved test
    Supervision run;
    run.stop_reason = StopReason::timeout;
    run.term_signal = SIGTERM;
    run.processes_at_stop = 1;
    run.wall_time = 8s;
    run.cpu_wait_seconds = 7.5;
    Options options = named("busy_7", "./busy");
    options.timeout = 8s;
    add(classify(run, options));
  }
  {  // leaked processes
    Supervision run;
    run.exit_code = 0;
    run.leaked = {{123, "sleep", "sleep 600"}, {130, "worker", "worker --serve"}};
    add(classify(run, named("smoke", "./smoke")));
  }
  {  // fork loop, seen by sampling, then refused by cgroup pids.max
    Supervision run;
    run.stop_reason = StopReason::process_limit;
    run.processes_at_stop = 1025;
    add(classify(run, named("forker", "./forker")));
    run.processes_at_stop = 64;
    run.forks_refused = 1;
    Options options = named("forker", "./forker");
    options.max_processes = 64;
    add(classify(run, options));
    // ...and pids.max reached by threads, not processes
    Supervision threads;
    threads.stop_reason = StopReason::process_limit;
    threads.processes_at_stop = 1;
    threads.tasks_at_stop = 1024;
    threads.forks_refused = 1;
    add(classify(threads, named("pool", "./pool")));
  }
  {  // signals
    Supervision run;
    run.term_signal = SIGSEGV;
    add(classify(run, named("parser", "./parser")));
    run.term_signal = SIGKILL;
    run.peak_memory_bytes = gib(6.2);
    add(classify(run, named("parser", "./parser")));
  }
  {  // the test's own failure, once with a peak over its budget
    Supervision run;
    run.exit_code = 3;
    add(classify(run, named("parser", "./parser")));
    run.peak_memory_bytes = 8 * kMiB;
    run.peak_memory_source = "process-max-rss";
    Options options = named("parser", "./parser");
    options.memory_limit_bytes = 4 * kMiB;
    add(classify(run, options));
  }
  {  // the launcher was signalled
    Supervision run;
    run.stop_reason = StopReason::interrupted;
    run.launcher_signal = SIGTERM;
    run.wall_time = 1500s;
    run.processes_at_stop = 2;
    add(classify(run, named("replay", "./replay_test")));
  }
  // The command could not start (the message is resolve_executable()'s).
  add(harness_error(named("replay", "./replay_tset"), 127, "command not found: ./replay_tset"));
  return lines;
}

record::CaseResult finished_case(const std::string& name, double growth_gib) {
  record::CaseResult result;
  result.name = name;
  result.outcome = "passed";
  result.growth_bytes = static_cast<std::int64_t>(gib(growth_gib));
  return result;
}

// The diagnoses of a GoogleTest program that runs mmtest's listener: the running case and the
// biggest grower, with the figures of the second example block.
std::set<std::string> real_case_diagnoses() {
  std::set<std::string> lines;
  const auto add = [&](const Verdict& verdict) {
    ASSERT_TRUE(verdict.diagnosis.has_value());
    lines.insert(*verdict.diagnosis);
  };
  Options options = named("unit_tests", "./unit_tests");
  options.memory_limit_bytes = 2 * 1024 * kMiB;
  options.timeout = 600s;
  const auto with_cases = [](Supervision run) {
    run.cases.finished = {finished_case("Metrics.Register", 1.2), finished_case("Orders.Parse", 0.01)};
    run.cases.running = record::RunningCase{"OrderBook.Replay", gib(1.5)};
    return run;
  };
  {  // the launcher's memory kill: the running case grew 0.81 GiB so far, less than Metrics.Register
    Supervision run;
    run.stop_reason = StopReason::memory;
    run.memory_at_stop_bytes = gib(2.31);
    run.processes_at_stop = 1;
    add(classify(with_cases(run), options));
  }
  {  // the same, the running case the biggest grower
    Supervision run = with_cases({});
    run.stop_reason = StopReason::memory;
    run.memory_at_stop_bytes = gib(2.31);
    run.processes_at_stop = 1;
    run.cases.running->rss_start_bytes = gib(0.5);
    add(classify(run, options));
  }
  {  // a failure after one case hoarded and every case of one suite kept a little: both named
    Supervision run;
    run.exit_code = 1;
    run.cases.finished = {finished_case("Memory.Keeps64MiB", 64.0 / 1024)};
    for (int i = 0; i < 40; ++i) run.cases.finished.push_back(finished_case("Session/Orders.Place/" + std::to_string(i), 272.0 / (1024 * 1024)));
    add(classify(run, options));
  }
  {  // timeout
    Supervision run;
    run.stop_reason = StopReason::timeout;
    run.term_signal = SIGTERM;
    run.processes_at_stop = 1;
    run.memory_at_stop_bytes = gib(1.6);
    add(classify(with_cases(run), options));
  }
  {  // killed by the kernel
    Supervision run;
    run.term_signal = SIGKILL;
    run.peak_memory_bytes = gib(6.2);
    add(classify(with_cases(run), named("unit_tests", "./unit_tests")));
  }
  {  // the listener's memory guard, once with the running case the biggest grower
    Supervision run = with_cases({});
    run.exit_code = 120;
    run.cases.guard = record::MemoryGuardStop{"OrderBook.Replay", gib(1.85), gib(1.8), static_cast<std::int64_t>(gib(0.35))};
    add(classify(run, options));
    run.cases.guard->case_growth_bytes = static_cast<std::int64_t>(gib(1.3));
    add(classify(run, options));
  }
  return lines;
}

TEST(DocumentedDiagnoses, every_example_is_printed_as_shown_and_every_kind_has_one) {
  const std::set<std::string> documented = documented_diagnoses();
  const std::set<std::string> real = real_diagnoses();
  ASSERT_FALSE(documented.empty()) << "no example diagnoses found in " << MMTEST_LAUNCHER_DOC;
  for (const std::string& line : documented) {
    EXPECT_TRUE(real.contains(line)) << "documented but not printed so:\n  " << line;
  }
  for (const std::string& line : real) {
    EXPECT_TRUE(documented.contains(line)) << "printed but not documented:\n  " << line;
  }
}

TEST(DocumentedDiagnoses, every_googletest_example_is_printed_as_shown) {
  const std::set<std::string> documented = documented_diagnoses(1);
  const std::set<std::string> real = real_case_diagnoses();
  ASSERT_GE(documented.size(), 4u) << "the second example block of \"## Diagnoses\" in " << MMTEST_LAUNCHER_DOC
                                   << " has fewer lines than it shows";
  for (const std::string& line : documented) {
    EXPECT_TRUE(real.contains(line)) << "documented but not printed so:\n  " << line;
  }
}

// A diagnosis without its particulars: the test's name, the numbers and the names of leaked
// processes become placeholders, so that examples written for other tests compare.
// Singular and plural, the unit of a size and the clause about processes that ignored SIGTERM
// (present only when some did) are particulars too.
std::string shape(const std::string& line) {
  static const std::regex name("^mmtest: [^ ]+ ");
  static const std::regex process("[^ ,:]+ \\(pid [0-9]+\\)");
  static const std::regex ignored(", [0-9]+ ignored it and got SIGKILL after the [0-9.]+ s grace");
  static const std::regex number("[0-9]+(\\.[0-9]+)?");
  static const std::regex unit("\\b[KMG]iB\\b");
  static const std::regex plural("\\bprocesses\\b");
  static const std::regex running_case(" while running [^ ;:]+");
  static const std::regex growing_case("; biggest growth: [^ ]+ ");
  static const std::regex growing_suite("; by suite: [^ ]+ ");
  std::string text = std::regex_replace(line, name, "mmtest: NAME ");
  text = std::regex_replace(text, running_case, " while running CASE");
  text = std::regex_replace(text, growing_case, "; biggest growth: CASE ");
  text = std::regex_replace(text, growing_suite, "; by suite: SUITE ");
  text = std::regex_replace(text, process, "P (pid 0)");
  text = std::regex_replace(text, ignored, "");
  text = std::regex_replace(text, number, "N");
  text = std::regex_replace(text, unit, "UNIT");
  static const std::regex several_processes("P \\(pid N\\)(, P \\(pid N\\))+");
  text = std::regex_replace(text, several_processes, "P (pid N)");
  return std::regex_replace(text, plural, "process");
}

// Every diagnosis shown anywhere in the README and docs/: a line (or a line of a code block,
// indented or not) that starts with "mmtest: <name> " and is not one of the ctest-time hook's.
std::set<std::string> diagnoses_in_the_docs() {
  static const std::regex diagnosis("^ *(mmtest: [^ ]+ (killed|exceeded|timed out|leaked|died|failed|interrupted|not run)[^`]*)$");
  std::set<std::string> lines;
  std::vector<std::filesystem::path> files{std::filesystem::path(MMTEST_SOURCE_DIR) / "README.md"};
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(MMTEST_SOURCE_DIR) / "docs")) {
    if (entry.path().extension() == ".md") files.push_back(entry.path());
  }
  for (const auto& path : files) {
    std::ifstream file(path);
    std::string line;
    std::smatch match;
    while (std::getline(file, line)) {
      if (std::regex_match(line, match, diagnosis)) lines.insert(match[1].str());
    }
  }
  return lines;
}

TEST(DocumentedDiagnoses, every_diagnosis_shown_in_the_docs_has_the_shape_of_a_real_one) {
  std::set<std::string> real_shapes;
  for (const std::string& line : real_diagnoses()) real_shapes.insert(shape(line));
  for (const std::string& line : real_case_diagnoses()) real_shapes.insert(shape(line));
  const std::set<std::string> shown = diagnoses_in_the_docs();
  EXPECT_GE(shown.size(), 15u) << "fewer examples than README.md and docs/ hold: the search is broken";
  for (const std::string& line : shown) {
    EXPECT_TRUE(real_shapes.contains(shape(line))) << "no real diagnosis has the shape of\n  " << line << "\n  ("
                                                   << shape(line) << ")";
  }
}

}  // namespace
}  // namespace mmtest::run
