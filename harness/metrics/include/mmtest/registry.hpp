// mmtest::metrics: "the current registry", the one seam application code needs so that its
// Prometheus metrics are isolated per test without a hand-made static singleton.
//
//   auto registry = mmtest::current_registry();            // where this code registers
//   auto& orders = prometheus::BuildCounter().Name("orders_total").Register(*registry);
//
// In production the current registry is the process registry: one registry, created on first
// use, or the one handed to set_process_registry() (the registry an Exposer serves, say). While a
// GoogleTest test runs under mmtest's listener (mmtest::gtest), it is that test's own registry,
// created before the test's fixture and destroyed after it. This header and its library do not
// depend on GoogleTest. C++17.
#pragma once

#include <memory>

namespace prometheus {
class Registry;
}

namespace mmtest {

// The registry to register metrics in now: the innermost ScopedRegistry's while one is alive,
// else the process registry. Never null. Thread-safe.
std::shared_ptr<prometheus::Registry> current_registry();

// The process registry: the one set by set_process_registry(), else one created on first use.
// Never null. Thread-safe.
std::shared_ptr<prometheus::Registry> process_registry();

// Makes `registry` the process registry. Code that already took the previous one keeps it, so
// call this early in main(). Throws std::invalid_argument for a null registry.
void set_process_registry(std::shared_ptr<prometheus::Registry> registry);

// Makes `registry` the current registry from construction to destruction, in every thread; the
// previous one is current again afterwards. Scopes nest: the newest one alive is current, also
// when an older one ends first. mmtest's GoogleTest listener opens one around each test; a test
// without the listener can open its own. Throws std::invalid_argument for a null registry.
class ScopedRegistry {
 public:
  explicit ScopedRegistry(std::shared_ptr<prometheus::Registry> registry);
  ~ScopedRegistry();
  ScopedRegistry(const ScopedRegistry&) = delete;
  ScopedRegistry& operator=(const ScopedRegistry&) = delete;

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace mmtest
