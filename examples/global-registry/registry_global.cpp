// The anti-pattern this example is about: a registry for the whole process, made once and never
// emptied. Every OrderManager adds its 104 series to it, and they stay until the process exits:
// in a test program, each test that makes an OrderManager leaves them behind for the next one.
// LeakSanitizer sees nothing wrong: the memory is still reachable.
#include "order_manager.hpp"

namespace orders {

std::shared_ptr<prometheus::Registry> metrics_registry() {
  static const auto registry = std::make_shared<prometheus::Registry>();
  return registry;
}

}  // namespace orders
