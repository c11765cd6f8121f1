// Two tests of the application through mmtest::gtest_main: each counts one order, and each sees a
// count of one, because each has its own registry.
#include <prometheus/registry.h>

#include <gtest/gtest.h>

#include "app.hpp"
#include "mmtest/gtest.hpp"

namespace {

double orders_counted() {
  for (const auto& family : mmtest::registry().Collect()) {
    if (family.name == "orders_total") return family.metric.at(0).counter.value;
  }
  return -1;
}

TEST(Consumer, CountsItsOrder) {
  record_order();
  EXPECT_EQ(orders_counted(), 1);
}

TEST(Consumer, CountsItsOrderFromZeroAgain) {
  record_order();
  EXPECT_EQ(orders_counted(), 1);
}

}  // namespace
