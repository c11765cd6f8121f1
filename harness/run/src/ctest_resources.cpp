#include "mmtest/run/ctest_resources.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "mmtest/common/units.hpp"

namespace mmtest::run {
namespace {

std::string upper(std::string_view text) {
  std::string result(text);
  std::ranges::transform(result, result.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return result;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

const std::string* lookup(const Environment& environment, const std::string& key) {
  const auto found = environment.find(key);
  return found == environment.end() ? nullptr : &found->second;
}

struct Allocation {
  std::string_view id;
  std::uint64_t slots = 0;
};

// Every "id:<id>,slots:<n>" entry CTest allocated to this test on resource `type`, over all
// groups. Empty without CTest's variables.
std::expected<std::vector<Allocation>, std::string> allocations(const Environment& environment, std::string_view type) {
  std::vector<Allocation> found;
  const std::string* count_text = lookup(environment, "CTEST_RESOURCE_GROUP_COUNT");
  if (count_text == nullptr) return found;
  const auto count = parse_count(*count_text);
  if (!count) return std::unexpected(fmt::format("CTEST_RESOURCE_GROUP_COUNT='{}' is not a number", *count_text));

  for (std::uint64_t group = 0; group < *count; ++group) {
    const std::string group_key = fmt::format("CTEST_RESOURCE_GROUP_{}", group);
    const std::string* types = lookup(environment, group_key);
    if (types == nullptr) return std::unexpected(fmt::format("{} is missing (CTEST_RESOURCE_GROUP_COUNT={})", group_key, *count));
    const auto type_names = split(*types, ',');
    if (std::ranges::find(type_names, type) == type_names.end()) continue;

    const std::string key = fmt::format("{}_{}", group_key, upper(type));
    const std::string* allocation = lookup(environment, key);
    if (allocation == nullptr) return std::unexpected(fmt::format("{} is missing", key));
    for (std::string_view entry : split(*allocation, ';')) {
      if (entry.empty()) continue;
      // entry: "id:<id>,slots:<n>"
      const auto comma = entry.find(",slots:");
      if (!entry.starts_with("id:") || comma == std::string_view::npos) {
        return std::unexpected(fmt::format("{}='{}' is not id:<id>,slots:<n>", key, *allocation));
      }
      const auto slots = parse_count(entry.substr(comma + 7));
      if (!slots) return std::unexpected(fmt::format("{}='{}' has a bad slot count", key, *allocation));
      found.push_back({entry.substr(3, comma - 3), *slots});
    }
  }
  return found;
}

}  // namespace

std::expected<std::optional<std::uint64_t>, std::string> ctest_memory_allocation_mib(
    const Environment& environment) {
  auto memory = allocations(environment, kMemoryResourceType);
  if (!memory) return std::unexpected(memory.error());
  if (memory->empty()) return std::nullopt;
  std::uint64_t total_mib = 0;
  for (const Allocation& allocation : *memory) total_mib += allocation.slots;
  return total_mib;
}

std::expected<std::optional<double>, std::string> ctest_cpus_reserved(const Environment& environment) {
  auto cpus = allocations(environment, kCpuResourceType);
  if (!cpus) return std::unexpected(cpus.error());
  if (cpus->empty()) {
    auto idle = allocations(environment, kIdleResourceType);
    if (!idle) return std::unexpected(idle.error());
    if (idle->empty()) return std::nullopt;
    return 0.0;
  }
  std::uint64_t slots_per_cpu = record::kCpuSlotsPerCpu;
  if (const auto variable = environment.find(record::kCpuSlotsVariable); variable != environment.end()) {
    const auto given = parse_count(variable->second);
    if (!given || *given == 0) {
      return std::unexpected(
          fmt::format("{}='{}' is not a positive whole number of slots", record::kCpuSlotsVariable, variable->second));
    }
    slots_per_cpu = *given;
  }
  std::uint64_t slots = 0;
  for (const Allocation& allocation : *cpus) slots += allocation.slots;
  return static_cast<double>(slots) / static_cast<double>(slots_per_cpu);
}

std::expected<std::vector<std::uint32_t>, std::string> ctest_cpu_allocation(const Environment& environment) {
  auto cpus = allocations(environment, kCpuResourceType);
  if (!cpus) return std::unexpected(cpus.error());
  std::vector<std::uint32_t> ids;
  for (const Allocation& allocation : *cpus) {
    const auto id = parse_count(allocation.id);
    if (!id || *id > UINT32_MAX) {
      return std::unexpected(fmt::format("{} id '{}' is not a CPU index (a whole number)", kCpuResourceType, allocation.id));
    }
    ids.push_back(static_cast<std::uint32_t>(*id));
  }
  std::ranges::sort(ids);
  const auto [first, last] = std::ranges::unique(ids);
  ids.erase(first, last);
  return ids;
}

}  // namespace mmtest::run
