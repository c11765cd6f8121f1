#pragma once

// Simulating CTest's start rule for one order, and searching for an order that ends soonest.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::plan {

// ---- simulating CTest ----------------------------------------------------------------------------

// A CPU budget in tenths of a CPU, as each test's demand: `tenths` in all, of which whole CPUs
// (a test's demand in tens, each a group of a whole CPU id) at most `whole`, the CPU ids. Without
// an overcommit the first bounds the second; with one (cpu_demand.hpp) the ids have room beyond
// their ten that only fractions fill, so `tenths` is larger than `whole` tens. Implicit from the
// tenths alone: the budget of `tenths / 10` CPUs without overcommit.
struct CpuBudget {
  std::uint64_t tenths = 0;
  std::uint64_t whole = 0;
  CpuBudget(std::uint64_t budget_tenths) : tenths(budget_tenths), whole(budget_tenths / 10) {}  // NOLINT
  CpuBudget(std::uint64_t budget_tenths, std::uint64_t whole_cpus) : tenths(budget_tenths), whole(whole_cpus) {}
};

struct SimTest {
  std::uint64_t memory_mib = 0;
  double seconds = 0;
  std::uint64_t cpus = 10;  // in tenths of a CPU, as is every CPU budget below
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
            std::optional<CpuBudget> cpus = std::nullopt);
  double makespan(std::span<const std::size_t> order);

 private:
  void start_fitting(std::int64_t now);
  std::size_t first_fitting(std::size_t node, std::size_t low, std::size_t high, std::size_t from) const;
  void set_waiting_need(std::size_t position, std::uint64_t memory_mib, std::uint64_t cpus);
  bool fits(std::size_t test) const {
    return memory_[test] <= free_mib_ && cpus_[test] <= free_cpus_ && whole_[test] <= free_whole_;
  }

  std::vector<std::uint64_t> memory_;
  std::vector<std::uint64_t> cpus_;
  std::vector<std::uint64_t> whole_;  // the whole CPUs of cpus_, each an id of its own
  std::vector<std::int64_t> ticks_;
  std::uint64_t budget_mib_;
  std::size_t jobs_;
  std::uint64_t cpu_budget_;
  std::uint64_t whole_budget_;
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
  std::uint64_t free_whole_ = 0;
  std::size_t free_slots_ = 0;
  std::vector<std::pair<std::int64_t, std::size_t>> running_;  // min-heap of (end tick, test)
};

double simulate(std::span<const SimTest> tests, std::span<const std::size_t> order, std::uint64_t budget_mib,
                std::optional<std::size_t> jobs = std::nullopt, std::optional<CpuBudget> cpus = std::nullopt);

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
// without one the planner does not search at all.
bool is_heavy(std::uint64_t memory_mib, std::uint64_t budget_mib);
bool is_heavy(const SimTest& test, std::uint64_t budget_mib, std::optional<CpuBudget> cpus);

// Largest area first: without a CPU budget, memory × duration; with one, the test's dominant
// share (the larger of memory / budget and CPUs / CPU budget) × duration, so that tests that
// compete for CPUs start longest first. Ties by memory descending, then by index.
std::vector<std::size_t> area_order(std::span<const SimTest> tests, std::uint64_t budget_mib = 1,
                                    std::optional<CpuBudget> cpus = std::nullopt);

// Searches orders of the heavy tests (is_heavy(), the 10 largest by
// memory × duration), put first and followed by every other test in area order: hill climbing
// over swaps and moves from the area order, then from shuffled orders (fixed seed) while the limits
// allow. The plain area order competes too. Among equal makespans the first found is kept, so the
// result is deterministic under max_evaluations. Every test must fit the budget.
SearchResult search_order(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                          const SearchLimits& limits = {}, std::optional<CpuBudget> cpus = std::nullopt);

// COST for each position of `order` such that sorting by decreasing COST gives back `order`:
// strictly decreasing integers on the MiB·s scale, each at least ceil(memory × seconds) and at
// least 1. CTest stores COST as a float, so above 2^24 each value is rounded up to one a float
// holds exactly, keeping them distinct after CTest reads them.
std::vector<std::uint64_t> order_costs(std::span<const SimTest> tests, std::span<const std::size_t> order);

}  // namespace mmtest::plan
