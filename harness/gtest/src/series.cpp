#include "series.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace mmtest::gtest_detail {
namespace {

void append_escaped(std::string& out, const std::string& value) {
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

std::string counted(std::size_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

}  // namespace

std::string series_name(const std::string& family, const std::vector<prometheus::ClientMetric::Label>& labels) {
  std::string name = family;
  if (labels.empty()) return name;
  name += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) name += ',';
    name += labels[i].name;
    name += "=\"";
    append_escaped(name, labels[i].value);
    name += '"';
  }
  name += '}';
  return name;
}

RegistrySnapshot snapshot(const std::vector<prometheus::MetricFamily>& collected) {
  RegistrySnapshot result;
  for (const prometheus::MetricFamily& family : collected) {
    result.families.insert(family.name);
    for (const prometheus::ClientMetric& metric : family.metric) result.series.insert(series_name(family.name, metric.label));
  }
  return result;
}

RegistryGrowth growth_since(const RegistrySnapshot& before, const std::vector<prometheus::MetricFamily>& after,
                            std::size_t names_wanted) {
  RegistryGrowth growth;
  std::unordered_set<std::string> families_seen;
  for (const prometheus::MetricFamily& family : after) {
    // The same name may come twice (a counter and a gauge family of one name): count it once.
    if (!before.families.contains(family.name) && families_seen.insert(family.name).second) ++growth.families_added;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::string name = series_name(family.name, metric.label);
      if (before.series.contains(name)) continue;
      ++growth.series_added;
      growth.first_series.push_back(std::move(name));
    }
  }
  // The first few in name order, whatever order the registry's hash maps gave.
  const std::size_t kept = std::min(names_wanted, growth.first_series.size());
  std::partial_sort(growth.first_series.begin(), growth.first_series.begin() + static_cast<std::ptrdiff_t>(kept),
                    growth.first_series.end());
  growth.first_series.resize(kept);
  return growth;
}

std::string leak_message(const std::string& registry_name, const RegistryGrowth& growth, std::size_t allowed) {
  std::string names;
  for (std::size_t i = 0; i < growth.first_series.size(); ++i) names += (i == 0 ? "" : ", ") + growth.first_series[i];
  if (growth.series_added > growth.first_series.size()) {
    names += fmt::format(" and {} more", growth.series_added - growth.first_series.size());
  }
  const std::string families =
      growth.families_added > 0 ? counted(growth.families_added, "family", "families") + " and " : std::string{};
  return fmt::format(
      "mmtest: registry '{}' gained {}{} in this test that were not removed (allowed: {}): {}. Register them in "
      "mmtest::registry() or mmtest::current_registry(), remove them before the test ends, or allow it with "
      "mmtest::allow_registry_growth(\"{}\", {})",
      registry_name, families, counted(growth.series_added, "series", "series"), allowed, names, registry_name,
      growth.series_added);
}

}  // namespace mmtest::gtest_detail
