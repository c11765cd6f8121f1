#include "series.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <gtest/gtest.h>

namespace mmtest::gtest_detail {
namespace {

TEST(SeriesName, is_the_family_and_its_labels_escaped_like_the_text_format) {
  EXPECT_EQ(series_name("up", {}), "up");
  EXPECT_EQ(series_name("orders_total", {{"side", "buy"}, {"venue", "x"}}), "orders_total{side=\"buy\",venue=\"x\"}");
  EXPECT_EQ(series_name("odd", {{"v", "a\"b\\c\nd"}}), "odd{v=\"a\\\"b\\\\c\\nd\"}");
}

TEST(RegistryGrowth, counts_families_and_series_added_since_the_snapshot) {
  prometheus::Registry registry;
  auto& kept = prometheus::BuildCounter().Name("kept_total").Register(registry);
  kept.Add({{"id", "0"}});
  const RegistrySnapshot before = snapshot(registry.Collect());

  kept.Add({{"id", "1"}});
  auto& latency = prometheus::BuildHistogram().Name("latency_seconds").Register(registry);
  latency.Add({{"venue", "b"}}, prometheus::Histogram::BucketBoundaries{0.1, 1});
  latency.Add({{"venue", "a"}}, prometheus::Histogram::BucketBoundaries{0.1, 1});
  const RegistryGrowth growth = growth_since(before, registry.Collect(), 2);

  EXPECT_EQ(growth.families_added, 1u);
  EXPECT_EQ(growth.series_added, 3u) << "a histogram's buckets are one series";
  EXPECT_EQ(growth.first_series, (std::vector<std::string>{"kept_total{id=\"1\"}", "latency_seconds{venue=\"a\"}"}));
}

TEST(RegistryGrowth, removed_series_are_not_counted_and_replaced_ones_are) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildGauge().Name("g").Register(registry);
  auto& first = family.Add({{"id", "1"}});
  const RegistrySnapshot before = snapshot(registry.Collect());

  auto& added = family.Add({{"id", "2"}});
  family.Remove(&added);
  EXPECT_EQ(growth_since(before, registry.Collect(), 5).series_added, 0u);

  family.Remove(&first);
  family.Add({{"id", "3"}});
  const RegistryGrowth replaced = growth_since(before, registry.Collect(), 5);
  EXPECT_EQ(replaced.series_added, 1u);
  EXPECT_EQ(replaced.families_added, 0u);
}

TEST(LeakMessage, names_registry_counts_allowance_series_and_the_fix) {
  RegistryGrowth growth;
  growth.families_added = 2;
  growth.series_added = 7;
  growth.first_series = {"a{id=\"1\"}", "a{id=\"2\"}"};
  EXPECT_EQ(leak_message("global", growth, 1),
            "mmtest: registry 'global' gained 2 families and 7 series in this test that were not removed (allowed: 1): "
            "a{id=\"1\"}, a{id=\"2\"} and 5 more. Register them in mmtest::registry() or mmtest::current_registry(), remove "
            "them before the test ends, or allow it with mmtest::allow_registry_growth(\"global\", 7)");
  growth.families_added = 0;
  growth.series_added = 1;
  growth.first_series = {"b"};
  EXPECT_EQ(leak_message("lib", growth, 0).substr(0, 82),
            "mmtest: registry 'lib' gained 1 series in this test that were not removed (allowed");
}

}  // namespace
}  // namespace mmtest::gtest_detail
