// The code under test of this example: a small order manager and the metrics a trading bot keeps
// about it. OrderManagerMetrics registers 104 metric families (26 order events, each with a
// counter, a gauge, a histogram and a summary) in the registry that metrics_registry() returns.
// Two files define that function, and the example builds the same code and the same tests once
// with each (see README.md):
//
//   registry_global.cpp    the anti-pattern: one static registry for the whole process, which
//                          every OrderManager adds its series to and nothing ever empties
//   registry_current.cpp   the fix: mmtest::current_registry(), the process registry in
//                          production and the running test's own registry under mmtest's listener
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace orders {

// Where every OrderManager registers its metrics; never null.
std::shared_ptr<prometheus::Registry> metrics_registry();

// What can happen to an order. Most of them are rare; each still gets its four metrics.
enum class Event : std::size_t {
  submitted, validated, risk_checked, routed, acknowledged, rejected, amended, amend_rejected,
  cancel_requested, cancelled, cancel_rejected, partially_filled, filled, expired, suspended,
  resumed, throttled, retried, timed_out, reconciled, booked, settled, hedged, unwound, replayed,
  dropped,
};
inline constexpr std::size_t kEventCount = 26;

// The metrics of one OrderManager. Every series carries the manager's strategy and session, so
// the series of two managers are distinct.
class OrderManagerMetrics {
 public:
  OrderManagerMetrics(prometheus::Registry& registry, const std::string& strategy, std::uint64_t session);

  // Counts the event, observes the order's quantity and how long after its submission it came.
  void record(Event event, long quantity, std::chrono::steady_clock::duration since_submission);
  void set_in_flight(Event event, long orders);

  double count(Event event) const;
  double in_flight(Event event) const;

 private:
  struct EventMetrics {
    prometheus::Counter* total = nullptr;
    prometheus::Gauge* in_flight = nullptr;
    prometheus::Histogram* latency_seconds = nullptr;
    prometheus::Summary* quantity = nullptr;
  };
  std::array<EventMetrics, kEventCount> events_;
};

enum class Side { buy, sell };

// Keeps the open orders of one strategy and counts what happens to them.
class OrderManager {
 public:
  explicit OrderManager(const std::string& strategy);

  // Opens an order; returns its id. Throws std::invalid_argument for a quantity below 1 or a
  // price below 1 tick (and counts the rejection).
  std::uint64_t submit(Side side, long price_ticks, long quantity);
  // Fills part or all of an open order; a fill of its whole remaining quantity closes it. Throws
  // std::invalid_argument for an unknown order or more than its remaining quantity.
  void fill(std::uint64_t id, long quantity);
  // Closes an open order. Returns false (and counts a rejected cancel) for an unknown one.
  bool cancel(std::uint64_t id);

  long open_orders() const { return static_cast<long>(open_.size()); }
  long open_quantity(Side side) const;
  const OrderManagerMetrics& metrics() const { return metrics_; }

 private:
  struct Order {
    Side side;
    long price_ticks;
    long remaining;
    std::chrono::steady_clock::time_point submitted_at;
  };

  std::shared_ptr<prometheus::Registry> registry_;  // held as long as the metrics registered in it
  OrderManagerMetrics metrics_;
  std::map<std::uint64_t, Order> open_;
  std::uint64_t next_id_ = 1;
};

}  // namespace orders
