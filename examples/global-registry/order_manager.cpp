#include "order_manager.hpp"

#include <atomic>
#include <stdexcept>

namespace orders {
namespace {

constexpr std::array<const char*, kEventCount> kEventNames = {
    "submitted", "validated", "risk_checked", "routed", "acknowledged", "rejected", "amended", "amend_rejected",
    "cancel_requested", "cancelled", "cancel_rejected", "partially_filled", "filled", "expired", "suspended",
    "resumed", "throttled", "retried", "timed_out", "reconciled", "booked", "settled", "hedged", "unwound",
    "replayed", "dropped",
};

std::size_t index(Event event) { return static_cast<std::size_t>(event); }

// Each OrderManager is a trading session of its own, numbered in the order they are made.
std::uint64_t next_session() {
  static std::atomic<std::uint64_t> sessions{0};
  return ++sessions;
}

}  // namespace

OrderManagerMetrics::OrderManagerMetrics(prometheus::Registry& registry, const std::string& strategy,
                                         std::uint64_t session) {
  const prometheus::Labels labels{{"strategy", strategy}, {"session", std::to_string(session)}};
  for (std::size_t i = 0; i < kEventCount; ++i) {
    const std::string name = std::string("order_manager_") + kEventNames[i];
    EventMetrics& metrics = events_[i];
    metrics.total = &prometheus::BuildCounter()
                         .Name(name + "_total")
                         .Help(std::string("Orders ") + kEventNames[i])
                         .Register(registry)
                         .Add(labels);
    metrics.in_flight = &prometheus::BuildGauge()
                             .Name(name + "_in_flight")
                             .Help(std::string("Orders waiting to be ") + kEventNames[i])
                             .Register(registry)
                             .Add(labels);
    metrics.latency_seconds =
        &prometheus::BuildHistogram()
             .Name(name + "_latency_seconds")
             .Help(std::string("Time from submission to ") + kEventNames[i])
             .Register(registry)
             .Add(labels, prometheus::Histogram::BucketBoundaries{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5});
    metrics.quantity = &prometheus::BuildSummary()
                            .Name(name + "_quantity")
                            .Help(std::string("Quantity of orders ") + kEventNames[i])
                            .Register(registry)
                            .Add(labels, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}});
  }
}

void OrderManagerMetrics::record(Event event, long quantity, std::chrono::steady_clock::duration since_submission) {
  EventMetrics& metrics = events_[index(event)];
  metrics.total->Increment();
  metrics.latency_seconds->Observe(std::chrono::duration<double>(since_submission).count());
  metrics.quantity->Observe(static_cast<double>(quantity));
}

void OrderManagerMetrics::set_in_flight(Event event, long orders) {
  events_[index(event)].in_flight->Set(static_cast<double>(orders));
}

double OrderManagerMetrics::count(Event event) const { return events_[index(event)].total->Value(); }

double OrderManagerMetrics::in_flight(Event event) const { return events_[index(event)].in_flight->Value(); }

OrderManager::OrderManager(const std::string& strategy)
    : registry_(metrics_registry()), metrics_(*registry_, strategy, next_session()) {}

std::uint64_t OrderManager::submit(Side side, long price_ticks, long quantity) {
  if (quantity < 1 || price_ticks < 1) {
    metrics_.record(Event::rejected, quantity, {});
    throw std::invalid_argument("OrderManager::submit(): quantity and price must be positive");
  }
  const std::uint64_t id = next_id_++;
  open_.emplace(id, Order{side, price_ticks, quantity, std::chrono::steady_clock::now()});
  metrics_.record(Event::submitted, quantity, {});
  metrics_.set_in_flight(Event::filled, open_orders());
  return id;
}

void OrderManager::fill(std::uint64_t id, long quantity) {
  const auto order = open_.find(id);
  if (order == open_.end()) throw std::invalid_argument("OrderManager::fill(): no open order " + std::to_string(id));
  if (quantity < 1 || quantity > order->second.remaining) {
    throw std::invalid_argument("OrderManager::fill(): quantity " + std::to_string(quantity) + " of an order with " +
                                std::to_string(order->second.remaining) + " remaining");
  }
  const auto since_submission = std::chrono::steady_clock::now() - order->second.submitted_at;
  order->second.remaining -= quantity;
  if (order->second.remaining == 0) {
    open_.erase(order);
    metrics_.record(Event::filled, quantity, since_submission);
  } else {
    metrics_.record(Event::partially_filled, quantity, since_submission);
  }
  metrics_.set_in_flight(Event::filled, open_orders());
}

bool OrderManager::cancel(std::uint64_t id) {
  const auto order = open_.find(id);
  if (order == open_.end()) {
    metrics_.record(Event::cancel_rejected, 0, {});
    return false;
  }
  metrics_.record(Event::cancelled, order->second.remaining,
                  std::chrono::steady_clock::now() - order->second.submitted_at);
  open_.erase(order);
  metrics_.set_in_flight(Event::filled, open_orders());
  return true;
}

long OrderManager::open_quantity(Side side) const {
  long quantity = 0;
  for (const auto& [id, order] : open_) {
    if (order.side == side) quantity += order.remaining;
  }
  return quantity;
}

}  // namespace orders
