// GoogleTest cases for the example: each becomes its own CTest test through
// mm_gtest_discover_tests(), with its own memory budget, timeout and result record.
#include <gtest/gtest.h>

#include <map>

namespace {

// A minimal order book: price level -> total quantity.
class OrderBook {
 public:
  void add(long price, long quantity) { levels_[price] += quantity; }
  void cancel(long price, long quantity) {
    auto level = levels_.find(price);
    if (level == levels_.end()) return;
    level->second -= quantity;
    if (level->second <= 0) levels_.erase(level);
  }
  long best_bid() const { return levels_.empty() ? 0 : levels_.rbegin()->first; }
  long quantity_at(long price) const {
    auto level = levels_.find(price);
    return level == levels_.end() ? 0 : level->second;
  }

 private:
  std::map<long, long> levels_;
};

}  // namespace

TEST(OrderBook, EmptyHasNoBestBid) { EXPECT_EQ(OrderBook{}.best_bid(), 0); }

TEST(OrderBook, BestBidIsHighestPrice) {
  OrderBook book;
  book.add(100, 5);
  book.add(102, 1);
  book.add(101, 7);
  EXPECT_EQ(book.best_bid(), 102);
}

TEST(OrderBook, QuantitiesAccumulate) {
  OrderBook book;
  book.add(100, 5);
  book.add(100, 3);
  EXPECT_EQ(book.quantity_at(100), 8);
}

TEST(OrderBook, CancelRemovesEmptyLevel) {
  OrderBook book;
  book.add(100, 5);
  book.cancel(100, 5);
  EXPECT_EQ(book.quantity_at(100), 0);
  EXPECT_EQ(book.best_bid(), 0);
}
