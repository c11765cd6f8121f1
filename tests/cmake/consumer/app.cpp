// The application side: registers its metric where mmtest::current_registry() says, with no test
// framework in sight.
#include "app.hpp"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "mmtest/registry.hpp"

void record_order() {
  prometheus::BuildCounter().Name("orders_total").Help("orders seen").Register(*mmtest::current_registry()).Add({}).Increment();
}
