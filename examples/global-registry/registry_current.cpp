// The fix: register where mmtest::current_registry() says. In production that is the process
// registry (the one an Exposer serves, given to mmtest::set_process_registry() in main()); while a
// test runs under mmtest's GoogleTest listener it is that test's own registry, destroyed after the
// test, with everything registered in it.
#include <mmtest/registry.hpp>

#include "order_manager.hpp"

namespace orders {

std::shared_ptr<prometheus::Registry> metrics_registry() { return mmtest::current_registry(); }

}  // namespace orders
