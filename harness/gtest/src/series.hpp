// What a watched registry holds, and what a test case added to it. Pure: works on what
// prometheus::Registry::Collect() returns.
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

namespace mmtest::gtest_detail {

// `orders_total{side="buy",venue="x"}`: a family name and one series' labels, values escaped as
// in Prometheus' text format. Collect() gives the labels sorted by name.
std::string series_name(const std::string& family, const std::vector<prometheus::ClientMetric::Label>& labels);

struct RegistrySnapshot {
  std::unordered_set<std::string> families;
  std::unordered_set<std::string> series;
};

RegistrySnapshot snapshot(const std::vector<prometheus::MetricFamily>& collected);

struct RegistryGrowth {
  std::size_t families_added = 0;
  std::size_t series_added = 0;
  std::vector<std::string> first_series;  // the first few added, in name order
};

// What `after` holds that `before` did not: families by name, series by name and labels. Series
// removed and others added in their place still count as added.
RegistryGrowth growth_since(const RegistrySnapshot& before, const std::vector<prometheus::MetricFamily>& after,
                            std::size_t names_wanted);

// The failure of a test case that left series in a watched registry, e.g.
// "mmtest: registry 'global' gained 1 family and 3 series in this test that were not removed
// (allowed: 0): orders_total{venue="a"}, ... ; ...".
std::string leak_message(const std::string& registry_name, const RegistryGrowth& growth, std::size_t allowed);

}  // namespace mmtest::gtest_detail
