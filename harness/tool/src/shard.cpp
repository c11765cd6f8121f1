// mmtest shard: weights, the split, and ctest's -I syntax (docs/tool.md, "mmtest shard").
#include "mmtest/tool/shard.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join: in <fmt/format.h> up to fmt 10, only here from fmt 11
#include <nlohmann/json.hpp>
#include <numeric>

#include "mmtest/record/environment.hpp"

namespace mmtest::tool {

std::expected<std::vector<ShardTest>, std::string> parse_ctest_tests(std::string_view show_only_json) {
  using nlohmann::json;
  const json document = json::parse(show_only_json, nullptr, false);
  if (!document.is_object() || !document.contains("tests") || !document["tests"].is_array()) {
    return std::unexpected(std::string("ctest --show-only=json-v1 did not print a test list"));
  }
  std::vector<ShardTest> tests;
  for (const json& test : document["tests"]) {
    ShardTest entry;
    entry.number = tests.size() + 1;
    if (!test.contains("name") || !test["name"].is_string()) return std::unexpected(std::string("a test without a name"));
    entry.name = test["name"].get<std::string>();
    if (test.contains("properties") && test["properties"].is_array()) {
      for (const json& property : test["properties"]) {
        if (!property.is_object() || !property.contains("name") || !property.contains("value")) continue;
        const json& value = property["value"];
        if (property["name"] == "TIMEOUT" && value.is_number()) {
          entry.timeout_seconds = value.get<double>();
        } else if (property["name"] == "RESOURCE_GROUPS" && value.is_array()) {
          std::uint64_t cpu_slots = 0;
          for (const json& group : value) {
            if (!group.is_object() || !group.contains("requirements") || !group["requirements"].is_array()) continue;
            for (const json& requirement : group["requirements"]) {
              const std::string type = requirement.value(".type", "");
              const auto slots = requirement.value("slots", std::uint64_t{0});
              if (type == record::kMemoryResourceType) entry.memory_mib += slots;
              if (type == record::kCpuResourceType) cpu_slots += slots;
            }
          }
          if (cpu_slots > 0) entry.cpus = static_cast<double>(cpu_slots) / record::kCpuSlotsPerCpu;
        }
      }
    }
    tests.push_back(std::move(entry));
  }
  return tests;
}

void weigh(std::vector<ShardTest>& tests, const plan::MeasuredDurations& history, std::uint64_t budget_mib,
           std::size_t machine_cpus) {
  const double memory_per_cpu =
      budget_mib > 0 && machine_cpus > 0 ? static_cast<double>(budget_mib) / static_cast<double>(machine_cpus) : 0;
  for (ShardTest& test : tests) {
    if (const auto it = history.find(test.name); it != history.end()) {
      test.seconds = it->second.wall_seconds;
      test.measured = true;
    } else if (test.timeout_seconds > 0) {
      // add_mm_test sets CTest's TIMEOUT 15 s above the launcher's (grace and margin).
      test.seconds = test.memory_mib > 0 ? std::max(test.timeout_seconds - 15, 1.0) : test.timeout_seconds;
    } else {
      test.seconds = kUnknownTestSeconds;
    }
    double share = test.cpus;
    if (memory_per_cpu > 0) share = std::max(share, static_cast<double>(test.memory_mib) / memory_per_cpu);
    // A test of no measurable time still costs a start.
    test.weight = std::max(test.seconds, 0.001) * share;
  }
}

std::vector<std::size_t> assign_shards(std::span<const ShardTest> tests, std::size_t shards) {
  std::vector<std::size_t> order(tests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::sort(order, [&](std::size_t a, std::size_t b) {
    if (tests[a].weight != tests[b].weight) return tests[a].weight > tests[b].weight;
    return tests[a].name < tests[b].name;
  });
  std::vector<double> load(std::max<std::size_t>(shards, 1), 0);
  std::vector<std::size_t> shard_of(tests.size(), 0);
  for (const std::size_t test : order) {
    const auto lightest = static_cast<std::size_t>(std::ranges::min_element(load) - load.begin());
    shard_of[test] = lightest;
    load[lightest] += tests[test].weight;
  }
  return shard_of;
}

std::string ctest_selection(std::span<const std::size_t> numbers, std::size_t total) {
  if (numbers.empty()) return fmt::format("0,0,0,{}", total + 1);
  return fmt::format("0,0,0,{}", fmt::join(numbers, ","));
}

}  // namespace mmtest::tool
