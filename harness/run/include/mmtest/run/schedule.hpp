#pragma once

// mmtest-plan: chooses the order in which CTest starts the tests and hands it to CTest through
// CTest's own cost file, Testing/Temporary/CTestCostData.txt.
//
// CTest sorts tests once by decreasing COST and, at the start and whenever a test ends, starts
// every test in that order that fits the free memory (greedy first fit, no look-ahead); with tests
// large against the budget, the order decides the makespan by seconds. COST cannot be changed at
// ctest time once every test is defined, but CTest reads the cost file after reading the tests and
// takes a test's cost from it when the test's COST property is 0 (and only with -j > 1): that file
// is the one channel. The ctest-time hook runs mmtest-plan before CTest reads it.
//
// Without a heavy test (one needing 1/8 of the budget) the order barely matters: tests start by
// memory × timeout. With one, the planner estimates durations (the last run's records, else the
// timeouts), simulates CTest's algorithm, searches for a good order and writes costs on the
// memory × timeout scale, the scale of the COST properties set at configure time, that make
// CTest's sort reproduce it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::run {

// ---- the manifest: what each test needs ---------------------------------------------------------

struct ManifestTest {
  std::string name;
  std::uint64_t memory_mib = 0;
  std::uint64_t timeout_seconds = 0;  // 0: not in the manifest (older manifests have none)
  std::uint64_t cpus = 1;             // PROCESSORS; older manifests have none
};

// The cases of one mm_gtest_discover_tests() call: their names are in the list its discovery
// writes (one "<Suite>.<Case>" per line), known only once ctest has discovered them.
struct CaseTimeout {
  std::string pattern;  // a glob over "<Suite>.<Case>" (glob_matches())
  std::uint64_t seconds = 0;
};

struct CaseList {
  std::string list_file;
  std::string prefix;
  std::string suffix;
  std::uint64_t memory_mib = 0;
  std::uint64_t timeout_seconds = 0;
  std::uint64_t cpus = 1;
  std::vector<CaseTimeout> timeouts;  // CASE_TIMEOUTS: the first match sets a case's timeout
};

struct Manifest {
  std::vector<ManifestTest> tests;      // declaration order
  std::vector<CaseList> case_lists;     // GoogleTest targets, in declaration order
  std::size_t malformed_lines = 0;
};

// Parses the manifest written at configure time: `_mm_need("<subject>" <MiB> <gpus> [<timeout>
// [<cpus> [CASES "<list file>" "<prefix>" "<suffix>" ["<pattern>" <seconds>]...]]])` lines, `#`
// comments and blank lines.
// The timeout (whole seconds) and the CPUs are absent from older manifests. Subjects
// `test '<name>'` are tests; a line with CASES is a GoogleTest target (its case_lists entry);
// other subjects are skipped. Malformed lines are counted and skipped.
Manifest parse_manifest(std::string_view text);
std::expected<Manifest, std::string> read_manifest(const std::filesystem::path& path);

// GoogleTest-style glob: '*' matches any run of characters, '?' any one, others themselves; the
// whole text must match. The same rule as CASE_TIMEOUTS at ctest time (MMTest.cmake).
bool glob_matches(std::string_view pattern, std::string_view text);

// Appends to manifest.tests, after the others, the cases of each case list, named
// <prefix><Suite>.<Case><suffix> with the list's needs (the timeout of its first matching
// pattern, else the list's); disabled cases (DISABLED_ in the suite or
// case name) are left out, as CTest does not run them. Returns how many lists could not be read
// (their target was never discovered yet: its cases are not planned this time).
std::size_t add_listed_cases(Manifest& manifest);

// ---- the history: how long each test took last time ---------------------------------------------

struct Measurement {
  double wall_seconds = 0;
  std::string finished_at;  // RFC 3339 UTC, compares as a string
};

// Test name -> its latest record (by finished_at) among every `*.json` file directly in the
// directories. Missing directories, unreadable files and records without the fields are skipped.
using History = std::map<std::string, Measurement, std::less<>>;
History read_history(std::span<const std::filesystem::path> directories);

// A record's name and measurement, or nullopt when the text is not such a record.
std::optional<std::pair<std::string, Measurement>> parse_record(std::string_view text);

// ---- which tests are planned ---------------------------------------------------------------------

// Whether CTest's cost file can carry a cost for this name. CTest splits each line of the file on
// every ' ' and takes the first part as the name, and reads lines up to one exactly "---" (after
// it come the tests that failed last run): a name that is empty, holds a space, a line break or
// is "---" cannot be written. Such tests keep a COST property set at configure time instead.
bool cost_file_can_hold(std::string_view name);

struct Selection {
  std::vector<ManifestTest> tests;  // the tests to plan, in manifest order
  std::size_t above_budget = 0;     // need more memory or CPUs than the budget: never start (CTest
                                    // reports them Not Run), nothing to order
  std::size_t unwritable_names = 0; // cost_file_can_hold() is false
  std::size_t repeated = 0;         // a later entry of a name already seen (the first is kept)
};

Selection select_tests(std::span<const ManifestTest> tests, std::uint64_t budget_mib,
                       std::optional<std::size_t> cpus = std::nullopt);

// ---- simulating CTest ----------------------------------------------------------------------------

struct SimTest {
  std::uint64_t memory_mib = 0;
  double seconds = 0;
  std::uint64_t cpus = 1;
};

// Replays CTest's start rule for one order: at time 0 and whenever tests end (all endings of one
// instant first), walk `order` and start every not-yet-started test whose memory and CPUs fit into
// what is free (with `cpus`: the CPU budget; without, CPUs do not limit) and, with `jobs`, that
// finds a free slot. `order` holds indices into `tests`; tests not in
// it are not run, and a test above the budget never starts and is left out. Durations are rounded
// to microseconds so that endings at the same instant coincide exactly. Returns the makespan in
// seconds. Reuses its buffers, so simulating many orders of the same tests allocates nothing.
class Simulator {
 public:
  Simulator(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
            std::optional<std::size_t> cpus = std::nullopt);
  double makespan(std::span<const std::size_t> order);

 private:
  void start_fitting(std::int64_t now);
  std::size_t first_fitting(std::size_t node, std::size_t low, std::size_t high, std::size_t from) const;
  void set_waiting_need(std::size_t position, std::uint64_t memory_mib, std::uint64_t cpus);
  bool fits(std::size_t test) const { return memory_[test] <= free_mib_ && cpus_[test] <= free_cpus_; }

  std::vector<std::uint64_t> memory_;
  std::vector<std::uint64_t> cpus_;
  std::vector<std::int64_t> ticks_;
  std::uint64_t budget_mib_;
  std::size_t jobs_;
  std::uint64_t cpu_budget_;
  // State of one run.
  std::span<const std::size_t> order_;
  std::size_t leaves_ = 1;
  // Segment trees over the positions of order_: the smallest memory and CPU needs still waiting
  // in each range (UINT64_MAX once started), so that finding the next test that fits skips whole
  // ranges of waiting tests that are too large.
  std::vector<std::uint64_t> waiting_need_;
  std::vector<std::uint64_t> waiting_cpus_;
  std::uint64_t free_mib_ = 0;
  std::uint64_t free_cpus_ = 0;
  std::size_t free_slots_ = 0;
  std::vector<std::pair<std::int64_t, std::size_t>> running_;  // min-heap of (end tick, test)
};

double simulate(std::span<const SimTest> tests, std::span<const std::size_t> order, std::uint64_t budget_mib,
                std::optional<std::size_t> jobs = std::nullopt, std::optional<std::size_t> cpus = std::nullopt);

// ---- searching an order ---------------------------------------------------------------------------

// Both limits apply, whichever comes first. The evaluation cap makes the plan of a typical suite
// the same on every run (2000 simulations take well under 200 ms for a few hundred tests); the
// time limit bounds what a suite of thousands of tests costs every ctest run.
struct SearchLimits {
  std::optional<std::chrono::milliseconds> time = std::chrono::milliseconds{200};  // nullopt: no limit
  std::optional<std::size_t> max_evaluations = 2000;                               // nullopt: no limit
};

struct SearchResult {
  std::vector<std::size_t> order;        // indices into the tests, the best order found
  double makespan_seconds = 0;           // simulated, of `order`
  std::vector<std::size_t> area_order;   // memory × duration descending: the starting point
  double area_makespan_seconds = 0;      // simulated, of `area_order`
  std::size_t heavy_tests = 0;           // how many tests were permuted
  std::size_t evaluations = 0;           // simulations run
};

// Heavy: memory at least 1/8 of the budget (memory × 8 >= budget), or, with a CPU budget, more than
// one CPU and at least half of the budget. Only heavy tests are permuted by the search, and
// without one mmtest-plan does not search at all.
bool is_heavy(std::uint64_t memory_mib, std::uint64_t budget_mib);
bool is_heavy(const SimTest& test, std::uint64_t budget_mib, std::optional<std::size_t> cpus);

// Largest area first: without a CPU budget, memory × duration; with one, the test's dominant
// share (the larger of memory / budget and CPUs / CPU budget) × duration, so that tests that
// compete for CPUs start longest first. Ties by memory descending, then by index.
std::vector<std::size_t> area_order(std::span<const SimTest> tests, std::uint64_t budget_mib = 1,
                                    std::optional<std::size_t> cpus = std::nullopt);

// Searches orders of the heavy tests (is_heavy(), the 10 largest by
// memory × duration), put first and followed by every other test in area order: hill climbing
// over swaps and moves from the area order, then from shuffled orders (fixed seed) while the limits
// allow. The plain area order competes too. Among equal makespans the first found is kept, so the
// result is deterministic under max_evaluations. Every test must fit the budget.
SearchResult search_order(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                          const SearchLimits& limits = {}, std::optional<std::size_t> cpus = std::nullopt);

// COST for each position of `order` such that sorting by decreasing COST gives back `order`:
// strictly decreasing integers on the MiB·s scale, each at least ceil(memory × seconds) and at
// least 1. CTest stores COST as a float, so above 2^24 each value is rounded up to one a float
// holds exactly, keeping them distinct after CTest reads them.
std::vector<std::uint64_t> order_costs(std::span<const SimTest> tests, std::span<const std::size_t> order);

// ---- durations and the plan ----------------------------------------------------------------------

// Each test's declared timeout in seconds. A test without one (0: a manifest written before
// timeouts were recorded there) gets the median of the others' timeouts, the likeliest value; when
// no test has one, mmtest's built-in default timeout (300 s): any constant then keeps the memory
// order, and that one keeps the costs near the scale of COST properties set at configure time.
std::vector<double> timeout_seconds(std::span<const ManifestTest> tests);

struct Durations {
  std::vector<double> seconds;  // one per test
  std::size_t measured = 0;     // how many come from the history; the others from timeouts
};

// The durations to simulate: a test with a record takes its last wall time; one without takes
// its timeout (timeout_seconds()) × the median over measured tests of wall time / timeout, so that
// new tests are estimated on the scale of the measured ones (tests rarely use their whole
// timeout). Without any measured test, the timeouts as they are.
Durations estimate_durations(std::span<const ManifestTest> tests, const History& history);

struct OrderPlan {
  std::vector<std::size_t> order;      // indices into the tests, the order CTest should start them
  std::vector<std::uint64_t> costs;    // cost of each position of `order`, memory × timeout scale
  std::optional<SearchResult> search;  // set when there were heavy tests to search over
  std::size_t measured = 0;            // durations from the history
};

// The start order of `tests`, each of which must fit the budgets, over estimate_durations() of
// the history in `records` (none given: the timeouts). Without a heavy test: area order (with a
// CPU budget, that is longest first). With one: search_order(). Either way the costs are
// order_costs() of memory × timeout, the scale of the COST properties CTest sorts the planned
// tests among, applied to the order found.
OrderPlan plan_order(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     const SearchLimits& limits, std::span<const std::filesystem::path> records,
                     std::optional<std::size_t> cpus = std::nullopt);
// The same over a history already read (nullopt: the timeouts alone).
OrderPlan plan_order_from(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     const SearchLimits& limits, const std::optional<History>& history,
                     std::optional<std::size_t> cpus = std::nullopt);

// ---- CTest's cost file ------------------------------------------------------------------------------

struct CostLine {
  std::string name;  // cost_file_can_hold(name)
  std::uint64_t cost = 0;
};

// The cost file's new text from its current text (empty when there is none). First `planned`, in
// order, as `<name> 0 <cost>` (0 previous runs: CTest averages its next measured time with the
// cost read, weighted by the runs, so 0 keeps a planned cost out of the file's measured times);
// then the current lines before "---" of tests not planned, except lines of fewer than three
// space-separated parts, on which CTest would stop reading the whole file; then "---" and the
// current non-empty lines after it (the tests that failed last run, which CTest starts first).
// Every line ends in '\n'.
std::string merge_cost_data(std::string_view existing, std::span<const CostLine> planned);

// ---- the command ------------------------------------------------------------------------------------

// mmtest-plan's whole command line (arguments after the program name); writes the summary line
// to `out`, errors to `err`, returns the exit code: 0 done (also when there is nothing to plan),
// 1 manifest unreadable or cost file not written, 2 usage error (nothing read or written).
// What the program around run_plan() adds: its name for messages, and where a --history option
// takes durations from. mmtest-plan has no history (the option is absent); `mmtest plan` adds the
// records to its SQLite history and returns each test's median duration there, or why it cannot.
struct PlanHooks {
  std::string program = "mmtest-plan";
  std::function<std::expected<History, std::string>(const std::filesystem::path& database,
                                                     std::span<const std::filesystem::path> records)>
      history;
};
int run_plan(std::span<const std::string> args, std::ostream& out, std::ostream& err, const PlanHooks& hooks = {});

}  // namespace mmtest::run
