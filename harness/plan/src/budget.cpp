#include "mmtest/plan/budget.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <system_error>
#include <thread>

#include "mmtest/common/units.hpp"
#include "mmtest/machine/cpus.hpp"
#include "mmtest/machine/memory.hpp"

namespace mmtest::plan {
namespace {

constexpr std::uint64_t kReservePercent = 10;
constexpr std::uint64_t kReserveMinMib = 256;
constexpr std::uint64_t kReserveMaxMib = 2048;
constexpr std::size_t kMaxCpuDigits = 6;  // 1 to 999999 CPUs

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// "1.5", "8", "0.25": thousandths of a CPU, trailing zeros off.
std::string format_millicpus(std::uint64_t millicpus) {
  std::string text = fmt::format("{}", millicpus / 1000);
  if (const std::uint64_t fraction = millicpus % 1000; fraction != 0) {
    std::string digits = fmt::format("{:03}", fraction);
    while (digits.back() == '0') digits.pop_back();
    text += "." + digits;
  }
  return text;
}

}  // namespace

std::optional<std::uint64_t> parse_cpu_count(std::string_view text) {
  if (text.empty() || text.size() > kMaxCpuDigits || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint64_t count = 0;
  for (const char c : text) count = count * 10 + static_cast<std::uint64_t>(c - '0');
  if (count == 0) return std::nullopt;
  return count;
}

BudgetSettings settings_from_environment(std::string memory_cache, std::string cpus_cache) {
  BudgetSettings settings;
  settings.memory_environment = environment("MMTEST_MEMORY_BUDGET");
  settings.memory_cache = std::move(memory_cache);
  settings.cpus_environment = environment("MMTEST_CPU_BUDGET");
  settings.cpus_cache = std::move(cpus_cache);
  settings.gpus_environment = environment("MMTEST_GPUS");
  return settings;
}

std::uint64_t memory_reserve_mib(std::uint64_t detected_mib) {
  return std::clamp(detected_mib * kReservePercent / 100, kReserveMinMib, kReserveMaxMib);
}

std::expected<Budget, std::string> find_memory_budget(const BudgetSettings& settings, const MachineProbe& probe) {
  for (const auto& [value, what] : {std::pair{&settings.memory_environment, "environment variable"},
                                    std::pair{&settings.memory_cache, "cache variable"}}) {
    if (value->empty()) continue;
    auto mib = parse_size_mib(*value, MibRounding::down);
    if (!mib) return std::unexpected(fmt::format("mmtest: {} MMTEST_MEMORY_BUDGET {}", what, mib.error()));
    return Budget{*mib, fmt::format("{} MMTEST_MEMORY_BUDGET={}", what, *value)};
  }

  // Without MemAvailable (not Linux, or a /proc without it) the cgroup limit alone can say.
  const std::optional<std::uint64_t> available = machine::mem_available_mib(probe.meminfo);
  const std::optional<machine::MemoryLimit> cgroup = machine::cgroup_memory_limit(probe.view);
  std::uint64_t detected = available.value_or(0);
  std::string detail = available ? fmt::format("MemAvailable {} MiB", *available) : "MemAvailable unknown";
  std::string other = "no cgroup memory limit";
  if (cgroup) {
    // A cgroup's limit is not what is free in it: what its processes use already is taken off.
    other = fmt::format("cgroup limit {} MiB in {}, {} MiB in use", cgroup->limit_mib, cgroup->file.string(), cgroup->used_mib);
    if (!available || cgroup->free_mib < *available) {
      detected = cgroup->free_mib;
      std::swap(detail, other);
    }
  }
  const std::uint64_t reserve = memory_reserve_mib(detected);
  const std::uint64_t budget = detected > reserve ? detected - reserve : 1;
  return Budget{std::max<std::uint64_t>(budget, 1), fmt::format("{} - reserve {} MiB; {}", detail, reserve, other)};
}

std::expected<Budget, std::string> find_cpu_budget(const BudgetSettings& settings, const MachineProbe& probe) {
  for (const auto& [value, what] : {std::pair{&settings.cpus_environment, "environment variable"},
                                    std::pair{&settings.cpus_cache, "cache variable"}}) {
    if (value->empty()) continue;
    const auto count = parse_cpu_count(*value);
    if (!count) {
      return std::unexpected(
          fmt::format("mmtest: {} MMTEST_CPU_BUDGET expects a count of CPUs like 4 (1 to 999999), got '{}'", what, *value));
    }
    return Budget{*count, fmt::format("{} MMTEST_CPU_BUDGET={}", what, *value)};
  }

  std::vector<int> allowed;
  if (probe.allowed_cpus) {
    allowed = *probe.allowed_cpus;
  } else if (auto mine = machine::allowed_cpus()) {
    allowed = std::move(*mine);
  }
  std::uint64_t count = allowed.size();
  std::string affinity = fmt::format("affinity {}", machine::format_cpu_list(allowed));
  if (count == 0) {  // no affinity to read: the logical cores
    count = std::max(1u, std::thread::hardware_concurrency());
    affinity = fmt::format("{} logical cores", count);
  }
  const std::optional<machine::CpuQuota> quota = machine::cgroup_cpu_quota(probe.view);
  if (!quota) return Budget{count, fmt::format("{}; no cgroup CPU quota", affinity)};
  const std::string quota_words =
      fmt::format("cgroup CPU quota {} CPUs in {}", format_millicpus(quota->millicpus), quota->file.string());
  // A partial CPU would run a test at a fraction of its speed: whole CPUs, at least one.
  const std::uint64_t whole = std::max<std::uint64_t>(quota->millicpus / 1000, 1);
  if (whole < count) return Budget{whole, fmt::format("{}; {}", quota_words, affinity)};
  return Budget{count, fmt::format("{}; {}", affinity, quota_words)};
}

std::expected<std::vector<std::uint64_t>, std::string> find_gpu_ids(const BudgetSettings& settings,
                                                                    const MachineProbe& probe) {
  std::vector<std::uint64_t> ids;
  if (!settings.gpus_environment.empty()) {
    const std::string& text = settings.gpus_environment;
    const auto count = parse_count(text);
    if (!count || text.find_first_not_of("0123456789") != std::string::npos || *count > 4096) {
      return std::unexpected(fmt::format("mmtest: environment variable MMTEST_GPUS expects a count like 2, got '{}'", text));
    }
    for (std::uint64_t id = 0; id < *count; ++id) ids.push_back(id);
    return ids;
  }
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(probe.devices, error)) {
    const std::string name = entry.path().filename().string();
    constexpr std::string_view kPrefix = "nvidia";
    if (!name.starts_with(kPrefix) || name.size() == kPrefix.size()) continue;
    const std::string_view digits = std::string_view(name).substr(kPrefix.size());
    if (digits.find_first_not_of("0123456789") != std::string_view::npos || digits.size() > 6) continue;
    ids.push_back(*parse_count(digits));
  }
  std::ranges::sort(ids);
  return ids;
}

}  // namespace mmtest::plan
