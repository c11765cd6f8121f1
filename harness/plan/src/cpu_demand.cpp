#include "mmtest/plan/cpu_demand.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "mmtest/record/environment.hpp"
#include "replace_file.hpp"

namespace mmtest::plan {

std::optional<std::uint64_t> parse_cpu_tenths(std::string_view text) {
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 6) return std::nullopt;
  if (dot != std::string_view::npos && fraction.size() != 1) return std::nullopt;
  std::uint64_t tenths = 0;
  for (const char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    tenths = tenths * 10 + static_cast<std::uint64_t>(c - '0');
  }
  tenths *= 10;
  if (!fraction.empty()) {
    if (fraction[0] < '0' || fraction[0] > '9') return std::nullopt;
    tenths += static_cast<std::uint64_t>(fraction[0] - '0');
  }
  if (tenths == 0) return std::nullopt;
  return tenths;
}

std::string format_cpu_tenths(std::uint64_t tenths) {
  if (tenths % 10 == 0) return fmt::format("{}", tenths / 10);
  return fmt::format("{}.{}", tenths / 10, tenths % 10);
}

std::optional<LearnedDemand> learn_demand(std::span<const CpuUse> newest_first) {
  std::vector<double> means;
  std::vector<const CpuUse*> counted;
  LearnedDemand learned;
  for (const CpuUse& use : newest_first) {
    if (counted.size() == kHoldingRuns) break;
    if (!(use.wall_seconds > 0)) continue;
    counted.push_back(&use);  // the holdings' evidence: the newest kHoldingRuns
    if (means.size() == kDemandRuns) continue;
    means.push_back((use.cpu_seconds + use.wait_seconds.value_or(0)) / use.wall_seconds);
    if (use.peak) learned.peak = std::max(learned.peak.value_or(0), *use.peak);
  }
  if (means.empty()) return std::nullopt;
  learned.runs = means.size();
  if (means.size() <= 2) {
    learned.mean = *std::ranges::max_element(means);
  } else {
    std::ranges::sort(means);
    const std::size_t middle = means.size() / 2;
    learned.mean = means.size() % 2 == 1 ? means[middle] : (means[middle - 1] + means[middle]) / 2;
  }
  // Nearest tenth, half a tenth down.
  const double scaled = learned.mean * 10;
  const double rounded = std::ceil(scaled - 0.5 - 1e-9);
  learned.idle = learned.mean < kIdleDemand;
  learned.tenths = rounded < 1 ? 1 : static_cast<std::uint64_t>(rounded);
  if (learned.tenths <= 10) return learned;

  // Above one CPU: did holding it buy time?
  const auto median = [](std::vector<double> values) {
    std::ranges::sort(values);
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
  };
  const auto held_tenths = [](const CpuUse* use) {
    return use->held ? static_cast<std::uint64_t>(std::llround(std::max(*use->held, 0.0) * 10)) : 0;
  };
  std::uint64_t most = 0;
  for (const CpuUse* use : counted) most = std::max(most, held_tenths(use));
  std::vector<double> fuller, lesser;
  std::uint64_t lesser_most = 0;
  for (const CpuUse* use : counted) {
    const std::uint64_t held = held_tenths(use);
    if (held == most) {
      fuller.push_back(use->wall_seconds);
    } else if (held >= 10 && held * 5 <= most * 4) {
      lesser.push_back(use->wall_seconds);
      lesser_most = std::max(lesser_most, held);
    }
  }
  if (fuller.empty() || lesser.empty() || lesser_most >= learned.tenths) return learned;
  const double lesser_wall = median(lesser);
  if (lesser_wall < kNoFasterMinSeconds) return learned;
  if (median(fuller) > (1 - kWorthwhileSpeedup) * lesser_wall) {
    learned.no_faster_tenths = learned.tenths;
    learned.fuller_tenths = most;
    learned.tenths = lesser_most;
  }
  return learned;
}

std::uint64_t demand_tenths(std::uint64_t declared_tenths, bool fixed, const std::optional<LearnedDemand>& learned,
                            std::uint64_t budget_tenths, bool idle_pool) {
  if (fixed || !learned) return std::max<std::uint64_t>(declared_tenths, 1);
  if (learned->idle && idle_pool) return 0;
  std::uint64_t tenths = learned->tenths;
  if (budget_tenths > 0) tenths = std::min(tenths, budget_tenths);
  return std::max<std::uint64_t>(tenths, 1);
}

std::optional<std::uint64_t> parse_cpu_overcommit(std::string_view text) {
  if (text.ends_with('%')) text.remove_suffix(1);
  for (std::uint64_t tenths = 0; tenths <= kMaxOvercommitTenths; ++tenths) {
    if (text == std::to_string(tenths * 10)) return tenths;
  }
  return std::nullopt;
}

std::vector<std::string> cpu_groups(std::uint64_t tenths, std::uint64_t slots_per_cpu, std::uint64_t overcommit_tenths) {
  const std::string_view type = record::kCpuResourceType;
  std::vector<std::string> groups;
  if (tenths == 0) {
    groups.push_back(fmt::format("{}:1", record::kIdleResourceType));
    return groups;
  }
  const std::uint64_t whole = tenths / 10;
  const std::uint64_t rest = tenths % 10;
  if (whole == 1) groups.push_back(fmt::format("{}:{}", type, slots_per_cpu));
  if (whole > 1) groups.push_back(fmt::format("{},{}:{}", whole, type, slots_per_cpu));
  if (rest > 0 && overcommit_tenths > 0 && slots_per_cpu == record::kCpuSlotsPerCpu) {
    for (std::uint64_t left = rest; left > 0; left -= std::min(left, overcommit_tenths)) {
      groups.push_back(fmt::format("{}:{}", type, std::min(left, overcommit_tenths)));
    }
  } else if (rest > 0) {
    const std::uint64_t slots = std::max<std::uint64_t>((rest * slots_per_cpu + 9) / 10, 1);
    groups.push_back(fmt::format("{}:{}", type, slots));
  }
  return groups;
}

std::string cmake_bracket(std::string_view text) {
  std::string equals;
  // Neither inside the text nor with its last ']' may the closing "]=...]" appear.
  const std::string padded = std::string(text) + "]";
  while (padded.find("]" + equals + "]") != std::string::npos) equals += '=';
  return fmt::format("[{}[{}]{}]", equals, text, equals);
}

std::expected<DemandSummary, std::string> apply_cpu_demand(
    std::vector<ManifestTest>& tests, const std::map<std::string, std::vector<CpuUse>, std::less<>>& uses,
    bool learn, std::uint64_t budget_cpus, std::uint64_t slots_per_cpu, std::uint64_t overcommit_tenths, bool idle_pool,
    const std::filesystem::path& file) {
  DemandSummary summary;
  std::string entries;
  std::size_t written = 0;
  for (ManifestTest& test : tests) {
    std::optional<LearnedDemand> learned;
    if (learn && !test.cpus_fixed) {
      if (const auto found = uses.find(test.name); found != uses.end()) learned = learn_demand(found->second);
    }
    const std::uint64_t declared = test.cpu_tenths;
    const std::uint64_t tenths = demand_tenths(declared, test.cpus_fixed, learned, budget_cpus * 10, idle_pool);
    test.cpu_tenths = tenths;
    if (test.cpus_fixed) ++summary.fixed;
    if (learned) {
      ++summary.learned;
      if (learned->no_faster_tenths) ++summary.no_faster;
      if (tenths == 0) {
        ++summary.idle;
      } else {
        summary.least_tenths = std::min(summary.least_tenths, tenths);
        summary.most_tenths = std::max(summary.most_tenths, tenths);
      }
    }
    // What the test holds on this run against what configure time gave it (CMake's groups are
    // those of a spec of ten slots a CPU, unsplit).
    const std::vector<std::string> run_groups =
        cpu_groups(tenths, slots_per_cpu, test.cpus_fixed ? 0 : overcommit_tenths);
    if (run_groups == cpu_groups(declared, record::kCpuSlotsPerCpu)) continue;
    std::string groups;
    for (const std::string& group : run_groups) groups += (groups.empty() ? "" : ";") + group;
    entries += fmt::format("set_property(GLOBAL PROPERTY {} {})\n", cmake_bracket("_MM_CPU_GROUPS " + test.name),
                           cmake_bracket(groups));
    ++written;
  }
  std::string text = fmt::format(
      "# Generated by mmtest plan when ctest starts: the CPU groups of the tests whose demand on this run differs\n"
      "# from the groups declared at configure time (learned from the history, or a spec of {} slots a CPU).\n"
      "set(_MM_CPU_SLOTS {})\nset(_MM_CPU_DEMANDS {})\n{}",
      slots_per_cpu, slots_per_cpu, written, entries);
  if (auto replaced = replace_file(file, text); !replaced) {
    return std::unexpected(fmt::format("cannot write {}: {}", file.string(), replaced.error()));
  }
  return summary;
}

}  // namespace mmtest::plan
