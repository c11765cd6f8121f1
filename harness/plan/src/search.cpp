#include "mmtest/plan/search.hpp"

#include <algorithm>
#include <functional>
#include <random>

namespace mmtest::plan {
namespace {

// ---- search ----------------------------------------------------------------------------------------

// The largest few carry the makespan and keep the search space (10!) within reach; a permutation
// of at most 16 packs into one 64-bit key.
constexpr std::size_t kMaxHeavy = 10;

using Clock = std::chrono::steady_clock;

class OrderSearch {
 public:
  OrderSearch(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
              std::optional<CpuBudget> cpus, const SearchLimits& limits, SearchResult& result)
      : tests_(tests), budget_mib_(budget_mib), cpus_(cpus), simulator_(tests, budget_mib, jobs, cpus), limits_(limits),
        result_(result) {
    if (limits.time) deadline_ = Clock::now() + *limits.time;
  }

  void run() {
    result_.area_makespan_seconds = simulate_order(result_.area_order);
    result_.order = result_.area_order;
    result_.makespan_seconds = result_.area_makespan_seconds;

    for (const std::size_t test : result_.area_order) {
      if (heavy_.size() < kMaxHeavy && is_heavy(tests_[test], budget_mib_, cpus_)) heavy_.push_back(test);
      else others_.push_back(test);
    }
    result_.heavy_tests = heavy_.size();
    if (heavy_.empty()) return;

    std::vector<std::size_t> identity(heavy_.size());
    std::iota(identity.begin(), identity.end(), std::size_t{0});
    // The heavy tests first in area order may be the area order itself: already simulated.
    if (build(identity) == result_.area_order) seen_.emplace(key(identity), result_.area_makespan_seconds);
    permutations_ = 1;
    for (std::size_t k = 2; k <= heavy_.size(); ++k) permutations_ *= k;

    hill_climb(identity);
    std::mt19937 random(1);
    std::vector<std::size_t> shuffled = identity;
    while (!exhausted() && seen_.size() < permutations_) {
      // Fisher-Yates spelled out: std::shuffle's draws differ between standard libraries.
      for (std::size_t i = shuffled.size() - 1; i > 0; --i) std::swap(shuffled[i], shuffled[random() % (i + 1)]);
      hill_climb(shuffled);
    }
  }

 private:
  bool exhausted() const {
    if (limits_.max_evaluations && result_.evaluations >= *limits_.max_evaluations) return true;
    return deadline_ && Clock::now() >= *deadline_;
  }

  double simulate_order(std::span<const std::size_t> order) {
    ++result_.evaluations;
    return simulator_.makespan(order);
  }

  static std::uint64_t key(std::span<const std::size_t> permutation) {
    std::uint64_t packed = 0;
    for (const std::size_t index : permutation) packed = packed << 4 | index;  // kMaxHeavy <= 16
    return packed;
  }

  std::vector<std::size_t> build(std::span<const std::size_t> permutation) const {
    std::vector<std::size_t> order;
    order.reserve(heavy_.size() + others_.size());
    for (const std::size_t index : permutation) order.push_back(heavy_[index]);
    order.insert(order.end(), others_.begin(), others_.end());
    return order;
  }

  // The makespan of this permutation of the heavy tests, simulated at most once; nullopt when the
  // limits forbid simulating it.
  std::optional<double> evaluate(std::span<const std::size_t> permutation) {
    const auto packed = key(permutation);
    if (const auto known = seen_.find(packed); known != seen_.end()) return known->second;
    if (exhausted()) return std::nullopt;
    std::vector<std::size_t> order = build(permutation);
    const double makespan = simulate_order(order);
    seen_.emplace(packed, makespan);
    if (makespan < result_.makespan_seconds) {
      result_.makespan_seconds = makespan;
      result_.order = std::move(order);
    }
    return makespan;
  }

  // First improvement over swapping two heavy tests or moving one elsewhere, until none improves.
  void hill_climb(std::vector<std::size_t> permutation) {
    // Plain values rather than an optional: GCC 12 at -O2 sees an optional read in the lambda as
    // maybe-uninitialized.
    const auto first = evaluate(permutation);
    if (!first) return;
    double current = *first;
    bool out_of_limits = false;
    const std::size_t k = permutation.size();
    while (true) {
      bool improved = false;
      std::vector<std::size_t> neighbour;
      const auto try_neighbour = [&]() -> bool {  // true: stop scanning (improved or out of limits)
        const auto makespan = evaluate(neighbour);
        if (!makespan) {
          out_of_limits = true;
          return true;
        }
        if (*makespan < current) {
          permutation = neighbour;
          current = *makespan;
          improved = true;
          return true;
        }
        return false;
      };
      for (std::size_t i = 0; i < k && !improved && !out_of_limits; ++i) {
        for (std::size_t j = i + 1; j < k; ++j) {
          neighbour = permutation;
          std::swap(neighbour[i], neighbour[j]);
          if (try_neighbour()) break;
        }
      }
      for (std::size_t from = 0; from < k && !improved && !out_of_limits; ++from) {
        for (std::size_t to = 0; to < k; ++to) {
          if (to == from) continue;
          neighbour = permutation;
          const std::size_t moved = neighbour[from];
          neighbour.erase(neighbour.begin() + static_cast<std::ptrdiff_t>(from));
          neighbour.insert(neighbour.begin() + static_cast<std::ptrdiff_t>(to), moved);
          if (try_neighbour()) break;
        }
      }
      if (!improved || out_of_limits) return;
    }
  }

  std::span<const SimTest> tests_;
  std::uint64_t budget_mib_;
  std::optional<CpuBudget> cpus_;
  Simulator simulator_;
  SearchLimits limits_;
  SearchResult& result_;
  std::optional<Clock::time_point> deadline_;
  std::vector<std::size_t> heavy_;   // tests permuted, in area order
  std::vector<std::size_t> others_;  // every other test, in area order
  std::unordered_map<std::uint64_t, double> seen_;
  std::size_t permutations_ = 1;
};

// Smallest integer >= value that a float holds exactly: CTest reads COST into a float.
std::uint64_t exact_in_float(std::uint64_t value) {
  constexpr std::uint64_t kExactUpTo = std::uint64_t{1} << 24;
  if (value <= kExactUpTo) return value;
  const std::uint64_t step = std::uint64_t{1} << (std::bit_width(value) - 24);
  return (value + step - 1) & ~(step - 1);
}

}  // namespace

// ---- simulation ------------------------------------------------------------------------------------

Simulator::Simulator(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     std::optional<CpuBudget> cpus)
    : budget_mib_(budget_mib),
      jobs_(jobs.value_or(SIZE_MAX)),
      cpu_budget_(cpus ? cpus->tenths : UINT64_MAX),
      whole_budget_(cpus ? cpus->whole : UINT64_MAX) {
  memory_.reserve(tests.size());
  cpus_.reserve(tests.size());
  whole_.reserve(tests.size());
  ticks_.reserve(tests.size());
  for (const SimTest& test : tests) {
    memory_.push_back(test.memory_mib);
    cpus_.push_back(cpus ? test.cpus : 0);  // without a CPU budget, CPUs never limit
    whole_.push_back(cpus ? test.cpus / 10 : 0);
    const double seconds = std::isfinite(test.seconds) ? std::clamp(test.seconds, 0.0, 1e9) : 0.0;
    ticks_.push_back(std::llround(seconds * 1e6));
  }
}

void Simulator::set_waiting_need(std::size_t position, std::uint64_t memory_mib, std::uint64_t cpus) {
  std::size_t node = leaves_ + position;
  waiting_need_[node] = memory_mib;
  waiting_cpus_[node] = cpus;
  for (node /= 2; node > 0; node /= 2) {
    waiting_need_[node] = std::min(waiting_need_[2 * node], waiting_need_[2 * node + 1]);
    waiting_cpus_[node] = std::min(waiting_cpus_[2 * node], waiting_cpus_[2 * node + 1]);
  }
}

// The first position >= from whose waiting test fits into free_mib_ and free_cpus_, within the
// node covering [low, high); order_.size() when there is none. A range is skipped when its
// smallest memory or CPU need does not fit; the two smallest may belong to different tests, so a
// leaf is checked itself.
std::size_t Simulator::first_fitting(std::size_t node, std::size_t low, std::size_t high, std::size_t from) const {
  if (high <= from || waiting_need_[node] > free_mib_ || waiting_cpus_[node] > free_cpus_) return order_.size();
  if (high - low == 1) return low < order_.size() && fits(order_[low]) ? low : order_.size();
  const std::size_t middle = low + (high - low) / 2;
  const std::size_t left = first_fitting(2 * node, low, middle, from);
  return left != order_.size() ? left : first_fitting(2 * node + 1, middle, high, from);
}

double Simulator::makespan(std::span<const std::size_t> order) {
  order_ = order;
  leaves_ = std::bit_ceil(std::max<std::size_t>(order.size(), 1));
  waiting_need_.assign(2 * leaves_, UINT64_MAX);
  waiting_cpus_.assign(2 * leaves_, UINT64_MAX);
  for (std::size_t position = 0; position < order.size(); ++position) {
    // A test above the budget never fits, so it never starts (CTest reports it Not Run).
    waiting_need_[leaves_ + position] = memory_[order[position]];
    waiting_cpus_[leaves_ + position] = cpus_[order[position]];
  }
  for (std::size_t node = leaves_ - 1; node > 0; --node) {
    waiting_need_[node] = std::min(waiting_need_[2 * node], waiting_need_[2 * node + 1]);
    waiting_cpus_[node] = std::min(waiting_cpus_[2 * node], waiting_cpus_[2 * node + 1]);
  }
  free_mib_ = budget_mib_;
  free_cpus_ = cpu_budget_;
  free_whole_ = whole_budget_;
  free_slots_ = jobs_;
  running_.clear();

  std::int64_t now = 0;
  start_fitting(now);
  while (!running_.empty()) {
    now = running_.front().first;
    while (!running_.empty() && running_.front().first == now) {
      std::ranges::pop_heap(running_, std::greater<>{});
      free_mib_ += memory_[running_.back().second];
      free_cpus_ += cpus_[running_.back().second];
      free_whole_ += whole_[running_.back().second];
      ++free_slots_;
      running_.pop_back();
    }
    start_fitting(now);
  }
  return static_cast<double>(now) / 1e6;
}

void Simulator::start_fitting(std::int64_t now) {
  // CTest's walk from the start of the order, starting each waiting test that fits; the tree
  // jumps over those that do not. Free memory only shrinks during a walk, so a test skipped once
  // stays skipped and each search can begin after the last test started.
  for (std::size_t from = 0; free_slots_ > 0;) {
    const std::size_t position = first_fitting(1, 0, leaves_, from);
    if (position == order_.size()) return;
    const std::size_t test = order_[position];
    free_mib_ -= memory_[test];
    free_cpus_ -= cpus_[test];
    free_whole_ -= whole_[test];
    --free_slots_;
    running_.emplace_back(now + ticks_[test], test);
    std::ranges::push_heap(running_, std::greater<>{});
    set_waiting_need(position, UINT64_MAX, UINT64_MAX);
    from = position + 1;
  }
}

double simulate(std::span<const SimTest> tests, std::span<const std::size_t> order, std::uint64_t budget_mib,
                std::optional<std::size_t> jobs, std::optional<CpuBudget> cpus) {
  return Simulator(tests, budget_mib, jobs, cpus).makespan(order);
}

// ---- search ----------------------------------------------------------------------------------------

bool is_heavy(std::uint64_t memory_mib, std::uint64_t budget_mib) {
  return memory_mib >= budget_mib / 8 + (budget_mib % 8 != 0);  // memory × 8 >= budget, overflow-free
}

bool is_heavy(const SimTest& test, std::uint64_t budget_mib, std::optional<CpuBudget> cpus) {
  if (is_heavy(test.memory_mib, budget_mib)) return true;
  return cpus && test.cpus > 10 && test.cpus * 2 >= cpus->whole * 10;  // more than one CPU, half the CPUs
}

std::vector<std::size_t> area_order(std::span<const SimTest> tests, std::uint64_t budget_mib,
                                    std::optional<CpuBudget> cpus) {
  // Without a CPU budget the memory share alone, which orders as memory × duration.
  const auto area = [&](const SimTest& test) {
    double share = static_cast<double>(test.memory_mib) / static_cast<double>(std::max<std::uint64_t>(budget_mib, 1));
    if (cpus) {
      share = std::max(share, static_cast<double>(test.cpus) / static_cast<double>(std::max<std::uint64_t>(cpus->tenths, 1)));
    }
    return share * test.seconds;
  };
  std::vector<std::size_t> order(tests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::stable_sort(order, [&](std::size_t a, std::size_t b) {
    const double area_a = area(tests[a]);
    const double area_b = area(tests[b]);
    if (area_a != area_b) return area_a > area_b;
    return tests[a].memory_mib > tests[b].memory_mib;
  });
  return order;
}

SearchResult search_order(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                          const SearchLimits& limits, std::optional<CpuBudget> cpus) {
  SearchResult result;
  result.area_order = area_order(tests, budget_mib, cpus);
  OrderSearch search(tests, budget_mib, jobs, cpus, limits, result);
  search.run();
  return result;
}

std::vector<std::uint64_t> order_costs(std::span<const SimTest> tests, std::span<const std::size_t> order) {
  std::vector<std::uint64_t> costs(order.size());
  std::uint64_t next = 0;
  for (std::size_t position = order.size(); position-- > 0;) {
    const SimTest& test = tests[order[position]];
    const double area = std::ceil(static_cast<double>(test.memory_mib) * test.seconds);
    // 2^62 keeps the arithmetic below in range; no real test gets near it.
    const std::uint64_t ceiled = std::isfinite(area) && area > 0 ? static_cast<std::uint64_t>(std::min(area, 0x1p62)) : 0;
    next = exact_in_float(std::max(ceiled, next + 1));
    costs[position] = next;
  }
  return costs;
}

}  // namespace mmtest::plan
