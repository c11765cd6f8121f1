#include "mmtest/run/ctest_resources.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "mmtest/run/units.hpp"

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

}  // namespace

std::expected<std::optional<std::uint64_t>, std::string> ctest_memory_allocation_mib(
    const Environment& environment) {
  const std::string* count_text = lookup(environment, "CTEST_RESOURCE_GROUP_COUNT");
  if (count_text == nullptr) return std::nullopt;
  const auto count = parse_count(*count_text);
  if (!count) return std::unexpected(fmt::format("CTEST_RESOURCE_GROUP_COUNT='{}' is not a number", *count_text));

  std::optional<std::uint64_t> total_mib;
  for (std::uint64_t group = 0; group < *count; ++group) {
    const std::string group_key = fmt::format("CTEST_RESOURCE_GROUP_{}", group);
    const std::string* types = lookup(environment, group_key);
    if (types == nullptr) return std::unexpected(fmt::format("{} is missing (CTEST_RESOURCE_GROUP_COUNT={})", group_key, *count));
    const auto type_names = split(*types, ',');
    if (std::ranges::find(type_names, kMemoryResourceType) == type_names.end()) continue;

    const std::string key = fmt::format("{}_{}", group_key, upper(kMemoryResourceType));
    const std::string* allocation = lookup(environment, key);
    if (allocation == nullptr) return std::unexpected(fmt::format("{} is missing", key));
    for (std::string_view entry : split(*allocation, ';')) {
      if (entry.empty()) continue;
      // entry: "id:<id>,slots:<n>"
      const auto slots_at = entry.find("slots:");
      if (slots_at == std::string_view::npos) return std::unexpected(fmt::format("{}='{}' has no slots", key, *allocation));
      const auto slots = parse_count(entry.substr(slots_at + 6));
      if (!slots) return std::unexpected(fmt::format("{}='{}' has a bad slot count", key, *allocation));
      total_mib = total_mib.value_or(0) + *slots;
    }
  }
  return total_mib;
}

}  // namespace mmtest::run
