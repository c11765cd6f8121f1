// The tests of the order manager: eight of its behaviours and 300 replayed trading days. Every
// one of them makes an OrderManager, as the tests of the bot in mmtest's origin story did, so with
// the static registry (registry_global.cpp) every one leaves 104 series behind.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "order_manager.hpp"

namespace orders {
namespace {

TEST(OrderManager, StartsWithNoOpenOrders) {
  const OrderManager manager("market_maker");
  EXPECT_EQ(manager.open_orders(), 0);
  EXPECT_EQ(manager.metrics().count(Event::submitted), 0.0);
}

TEST(OrderManager, SubmitOpensAnOrderAndCountsIt) {
  OrderManager manager("market_maker");
  manager.submit(Side::buy, 10'050, 7);
  EXPECT_EQ(manager.open_orders(), 1);
  EXPECT_EQ(manager.open_quantity(Side::buy), 7);
  EXPECT_EQ(manager.metrics().count(Event::submitted), 1.0);
  EXPECT_EQ(manager.metrics().in_flight(Event::filled), 1.0);
}

TEST(OrderManager, RejectsANonPositiveQuantityAndCountsIt) {
  OrderManager manager("market_maker");
  EXPECT_THROW(manager.submit(Side::sell, 10'050, 0), std::invalid_argument);
  EXPECT_EQ(manager.open_orders(), 0);
  EXPECT_EQ(manager.metrics().count(Event::rejected), 1.0);
}

TEST(OrderManager, PartialFillKeepsTheRestOpen) {
  OrderManager manager("market_maker");
  const auto id = manager.submit(Side::sell, 10'060, 10);
  manager.fill(id, 4);
  EXPECT_EQ(manager.open_quantity(Side::sell), 6);
  EXPECT_EQ(manager.metrics().count(Event::partially_filled), 1.0);
  EXPECT_EQ(manager.metrics().count(Event::filled), 0.0);
}

TEST(OrderManager, FullFillClosesTheOrder) {
  OrderManager manager("market_maker");
  const auto id = manager.submit(Side::buy, 10'040, 5);
  manager.fill(id, 2);
  manager.fill(id, 3);
  EXPECT_EQ(manager.open_orders(), 0);
  EXPECT_EQ(manager.metrics().count(Event::filled), 1.0);
}

TEST(OrderManager, OverfillIsRefused) {
  OrderManager manager("market_maker");
  const auto id = manager.submit(Side::buy, 10'040, 5);
  EXPECT_THROW(manager.fill(id, 6), std::invalid_argument);
  EXPECT_EQ(manager.open_quantity(Side::buy), 5);
}

TEST(OrderManager, CancelClosesTheOrderAndCountsIt) {
  OrderManager manager("market_maker");
  const auto id = manager.submit(Side::sell, 10'070, 3);
  EXPECT_TRUE(manager.cancel(id));
  EXPECT_EQ(manager.open_orders(), 0);
  EXPECT_EQ(manager.metrics().count(Event::cancelled), 1.0);
}

TEST(OrderManager, CancelOfAnUnknownOrderIsRejected) {
  OrderManager manager("market_maker");
  EXPECT_FALSE(manager.cancel(42));
  EXPECT_EQ(manager.metrics().count(Event::cancel_rejected), 1.0);
}

// A trading day replayed from a seed: orders submitted, partly or fully filled, cancelled, at
// random. Whatever happened, every unit submitted is filled, cancelled or still open.
class Replay : public ::testing::TestWithParam<int> {};

TEST_P(Replay, EveryUnitIsFilledCancelledOrOpen) {
  std::mt19937 random(static_cast<std::uint32_t>(GetParam()));
  std::uniform_int_distribution<long> quantity(1, 100);
  std::uniform_int_distribution<int> action(0, 9);
  OrderManager manager("replay");
  std::vector<std::uint64_t> ids;
  long submitted = 0, filled = 0, cancelled = 0;
  for (int step = 0; step < 200; ++step) {
    const int what = action(random);
    if (what < 5 || ids.empty()) {
      const long units = quantity(random);
      ids.push_back(manager.submit(what % 2 == 0 ? Side::buy : Side::sell, 10'000 + what, units));
      submitted += units;
      continue;
    }
    const std::uint64_t id = ids[static_cast<std::size_t>(random()) % ids.size()];
    const long open = manager.open_quantity(Side::buy) + manager.open_quantity(Side::sell);
    if (what < 8) {
      try {
        manager.fill(id, 1);
        ++filled;
      } catch (const std::invalid_argument&) {
        // Closed already: nothing changed.
      }
    } else if (manager.cancel(id)) {
      cancelled += open - (manager.open_quantity(Side::buy) + manager.open_quantity(Side::sell));
    }
  }
  EXPECT_EQ(submitted, filled + cancelled + manager.open_quantity(Side::buy) + manager.open_quantity(Side::sell));
  EXPECT_EQ(manager.metrics().count(Event::submitted), static_cast<double>(ids.size()));
}

INSTANTIATE_TEST_SUITE_P(Day, Replay, ::testing::Range(1, 301));

}  // namespace
}  // namespace orders
