#pragma once

// The one model of a run that every renderer of `mmtest report` takes: records read once, merged
// over every input folder, with every derived figure computed here. Renderers (terminal, JUnit,
// trace, HTML, Prometheus) format; none re-reads records or recomputes a figure.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mmtest/plan/cpu_demand.hpp"
#include "mmtest/record/record.hpp"

namespace mmtest::tool {

// Where records come from: a build directory (records in <dir>/mmtest-results, the budget in
// <dir>/mmtest/resource-spec.json) or a folder of records.
struct Input {
  std::filesystem::path given;          // as the user wrote it
  std::filesystem::path records;        // the folder of *.json records
  std::optional<std::filesystem::path> build_dir;
};

// How a test's measured peak compares with its declared MEMORY (docs/tool.md, "Suggestions").
enum class MemoryFit {
  undeclared,  // no memory_limit_bytes in the record
  over,        // peak above MEMORY
  close,       // peak at least 90% of MEMORY
  fits,
  oversized,   // peak under a third of MEMORY
  defaulted,   // no MEMORY declared: the default applied and was not exceeded (record memory_declared)
};
const char* to_string(MemoryFit fit);

// How the CPUs a test used compare with the CPUs CTest reserved for it (docs/tool.md, "CPUs
// mis-declared"). Judged on its record: `unjudged` when the record cannot tell (no cpus_reserved:
// outside ctest or a record before schema 5; or shorter than kCpuJudgedWallSeconds, where the
// mean says little).
enum class CpuFit {
  unjudged,
  fits,
  over,  // used more than it held, and wanted more still: demand above held + kCpuOverMargin
  idle,  // held at least kCpuIdleMinHeld and wanted under kCpuIdleShare of it
};
const char* to_string(CpuFit fit);

inline constexpr double kCpuJudgedWallSeconds = 1.0;  // shorter tests are not judged
inline constexpr double kCpuOverMargin = 0.25;        // CPUs above what it held
inline constexpr double kCpuIdleMinHeld = 0.5;        // less held is not worth a finding
inline constexpr double kCpuIdleShare = 0.25;         // of what it held
inline constexpr double kCpuWaitedSeconds = 0.5;      // a wait worth saying (or the record's `starved`)

struct CpuJudgement {
  CpuFit fit = CpuFit::unjudged;
  double mean = 0;                      // cpu_seconds / wall_seconds: the CPUs kept busy on average
  // (cpu_seconds + cpu_wait_seconds) / wall_seconds: the CPUs it kept busy or waited for, what the
  // ctest-time hook learns its demand from (plan::learn_demand); the mean without a wait measured.
  double demand = 0;
  std::optional<double> peak;           // the record's cpu_peak
  std::optional<double> held;           // the record's cpus_reserved
  // PROCESSORS for over and idle, in tenths: the demand the ctest-time hook would learn from this
  // run alone (plan::learn_demand: (cpu + wait) / wall, to the nearest tenth, at least one).
  std::optional<std::uint64_t> suggested_tenths;
  // For over and idle: "used 1.08 CPUs on average (peak 2.01) but held 1: it took CPU time from the
  // tests beside it, and waited 3.2 s for a CPU", "held 1 CPU for 2.2 s and used 0.01 s of it".
  std::string finding;
  // Over on purpose (explain_held_less): the most its earlier runs held, which bought it no time.
  std::optional<std::uint64_t> no_faster_at_tenths;
};

// The one rule of CPU findings, on the demand, as the hook learns it, so that a finding is what the
// next run will change: over when the demand is above held + kCpuOverMargin and the mean above
// held (it did take more than it held: a test that only waited, starved by others, is not over);
// idle when held is at least kCpuIdleMinHeld and the demand under kCpuIdleShare of it (a test
// that waited for a CPU is not idle). Both only for a wall time of at least kCpuJudgedWallSeconds
// and a record that says what was held (cpus_reserved: records of schema 5 run by ctest).
CpuJudgement judge_cpu(const record::Record& record);

// An over finding of a test that held less than it uses on purpose: its runs before this one (the
// history, newest first, as the ctest-time hook read it) show that holding more bought it no time
// (plan::learn_demand's no_faster rule), and it held what the rule chose. The finding then says so,
// and suggests no PROCESSORS: the next run holds the same. Anything else is left as it is.
void explain_held_less(CpuJudgement& judgement, const record::Record& record,
                       std::span<const plan::CpuUse> earlier_newest_first);

// The CPUs a test held as CTest counts them, tenths of a CPU ("1", "0.3"), or kHeldIdleText for a
// test that held a slot of the idle pool and no CPU (learned idle).
inline constexpr std::string_view kHeldIdleText = "idle";
std::string held_cpus_text(double held);

// "learned from the next run on; or declare PROCESSORS <x>, or FIXED_PROCESSORS ...": what to do
// about a CPU finding, said once under the findings by every renderer.
inline constexpr const char* kCpuFindingFix =
    "The ctest-time hook holds the CPUs a test was seen to use from its next run on; or declare the "
    "suggested PROCESSORS (mmtest calibrate --write proposes it), or add FIXED_PROCESSORS to keep a "
    "declaration as it is";

struct TestResult;
// "passed on attempt 2 of 3; attempt 1: mmtest: t timed out after 5 s, starved of CPU ...": the
// attempts of a test within one ctest run and why each earlier one failed.
std::string attempt_summary(const TestResult& test);

// A test whose peak memory or wall time grew against its recent history (history.hpp).
struct Regression {
  std::string what;          // "memory" or "time"
  double current = 0;        // bytes or seconds
  double baseline = 0;       // median of the earlier runs
  std::size_t earlier_runs = 0;
};

struct TestResult {
  record::Record record;
  std::size_t input = 0;         // index into RunModel::inputs
  double start_seconds = 0;      // since the run's first start
  double end_seconds = 0;
  std::size_t lane = 0;          // a row of the timeline where it overlaps no other test
  MemoryFit fit = MemoryFit::undeclared;
  std::optional<std::uint64_t> suggested_memory_bytes;  // set for over, close, oversized and defaulted
  CpuJudgement cpu;
  std::vector<Regression> regressions;
  // The earlier attempts of the test in the same ctest run (--repeat), by attempt number; the
  // record above is the last one, the test's result.
  std::vector<record::Record> earlier_attempts;
  bool failed() const;           // any outcome but passed and skipped
  bool flaky() const;            // passed (or skipped) after an attempt that failed
};

// The concurrent memory of the run as a step function: from `seconds` on, until the next step.
struct MemoryStep {
  double seconds = 0;
  std::uint64_t declared_bytes = 0;   // sum of MEMORY of the tests running
  std::uint64_t measured_bytes = 0;   // sum of their measured memory (memory_steps())
};

struct RunModel {
  std::vector<Input> inputs;
  std::vector<TestResult> tests;          // by start time, then name
  std::vector<std::string> problems;      // "<file>: <why>" for every record skipped
  std::vector<std::string> unreadable_folders;  // "cannot read the records folder <dir>: <why>"
  std::size_t duplicates = 0;             // records of a name already taken from a later run
  double run_started_unix = 0;            // first start
  double run_seconds = 0;                 // first start to last end
  std::size_t lanes = 0;
  std::optional<std::uint64_t> budget_bytes;
  std::string budget_source;              // "build/ci/mmtest/resource-spec.json", "--budget"
  std::vector<MemoryStep> memory;         // concurrent memory over the run
  MemoryStep peak_declared;               // the step with the most declared memory
  MemoryStep peak_measured;               // the step with the most measured memory
  std::optional<std::string> history;     // the history database used, if any

  // Counts by outcome, in the order of kOutcomes; outcomes the launcher does not know come last.
  std::vector<std::pair<std::string, std::size_t>> outcome_counts() const;
  std::size_t failures() const;
  // Indices into tests: the `count` largest by peak memory / by wall time.
  std::vector<std::size_t> top_by_memory(std::size_t count) const;
  std::vector<std::size_t> top_by_wall(std::size_t count) const;
};

// The outcomes of docs/launcher.md, in the order reports list them.
inline constexpr const char* kOutcomes[] = {"passed", "skipped", "failed", "signal", "timeout", "memory",
                                            "process-limit", "leaked", "interrupted", "harness-error"};

// A test's measured memory over [start, end] as steps (seconds since the test started, bytes):
// with memory_samples, each point's value from its time until the next point, the first from 0;
// without, its peak over the whole run. Always ends with {wall_seconds, 0}.
std::vector<std::pair<double, std::uint64_t>> memory_steps(const record::Record& record);

// The failed GoogleTest cases of a record (its `cases`), at most `named` of them by name, each
// with the series it leaked: "failed test cases: A.b (104 leaked series), C.d and 5 more".
// Empty when none failed.
std::string failed_cases_summary(const record::Record& record, std::size_t named = 3);

// Resolves a command-line argument: a build directory when it holds mmtest-results/ or
// mmtest/, else a records folder. The error is one line naming the path and what to do.
std::expected<Input, std::string> resolve_input(const std::filesystem::path& given);

struct ModelOptions {
  std::optional<std::uint64_t> budget_bytes;   // --budget: wins over the resource spec
};

// Reads every input's records (problems are kept, the files skipped), merges them (a name in
// several inputs counts once: its latest record by finished_at), and derives every figure.
RunModel build_model(std::vector<Input> inputs, const ModelOptions& options);

// The memory budget in a resource spec written by the ctest-time hook, in bytes.
std::optional<std::uint64_t> read_budget(const std::filesystem::path& resource_spec);
// The number of CPU ids (mmtest_cpus) in it.
std::optional<std::size_t> read_cpu_count(const std::filesystem::path& resource_spec);

}  // namespace mmtest::tool
