// Linked into the test programs that watch the registry the order manager registers in when no
// test is running: the static one of registry_global.cpp, or the process registry for
// registry_current.cpp. After each test, mmtest fails the test that left series in it, naming
// them. It runs before main(), so before any test.
#include <mmtest/gtest.hpp>

#include "order_manager.hpp"

namespace {

[[maybe_unused]] const bool kWatched = [] {
  mmtest::watch_registry("global", orders::metrics_registry());
  return true;
}();

}  // namespace
