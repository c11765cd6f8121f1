// mmtest::gtest: every GoogleTest test case gets its own Prometheus registry, and the test case
// that leaks metric series or memory is named, in its own binary, the moment it leaks.
//
// Link mmtest::gtest_main, or keep your own main() and make one call:
//
//   int main(int argc, char** argv) {
//     ::testing::InitGoogleTest(&argc, argv);
//     mmtest::install_gtest_listener();
//     return RUN_ALL_TESTS();
//   }
//
// Then, in a test:
//
//   TEST(OrderBook, CountsOrders) {
//     auto& orders = prometheus::BuildCounter().Name("orders_total").Register(mmtest::registry());
//     ...
//   }
//
// Application code takes mmtest::current_registry() (mmtest/registry.hpp, library mmtest::metrics,
// no GoogleTest dependency): under the listener that is the running test's registry too. Globals
// you cannot change are watched with watch_registry(). Settings come from the environment
// (docs/user-guide.md): MMTEST_CASE_GROWTH_LIMIT, MMTEST_BINARY_MEMORY_LIMIT, and what mmtest-run
// sets (MMTEST_RUN_TEST_NAME, MMTEST_RUN_MEMORY_BYTES, MMTEST_RUN_CASES_FILE). C++17.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "mmtest/registry.hpp"

namespace prometheus {
class Registry;
}

namespace mmtest {

// The exit status of a program that mmtest's memory guard stopped: its RSS passed its binary limit
// (MMTEST_BINARY_MEMORY_LIMIT, by default 90% of the budget mmtest-run gave it). The blame table
// is on stderr and the per-case file says so; mmtest-run explains it in its diagnosis.
inline constexpr int kMemoryGuardExitStatus = 120;

// Appends mmtest's listener to GoogleTest's listeners. Call it once in main(), after
// testing::InitGoogleTest() and before RUN_ALL_TESTS(); later calls do nothing. Reads its settings
// from the environment now and throws std::invalid_argument, naming the variable and its value,
// when one is malformed. mmtest::gtest_main calls it.
void install_gtest_listener();

// The running test's own registry: created just before the test's fixture is constructed,
// destroyed just after it is torn down (unless something still holds the shared_ptr). While the
// test runs it is also mmtest::current_registry(). Called when no test is running (in
// SetUpTestSuite(), a global environment, main()) or without the listener installed: throws
// std::logic_error naming the call and saying why.
prometheus::Registry& registry();
std::shared_ptr<prometheus::Registry> registry_ptr();

struct WatchOptions {
  // Series each test case may add to the registry and leave there without failing.
  std::size_t allowed_series_per_test = 0;
};

// Watches a registry the tests cannot replace, such as a library's global one: after each test
// case, the metric families and series it added and did not remove fail that test case, naming
// the registry, the counts and the first few series (family name and labels). `name` names the
// registry in messages and in allow_registry_growth(); watching under a name already watched
// replaces that watch. A registry that has expired (or expires later) is skipped, harmlessly.
// Throws std::invalid_argument for an empty name.
void watch_registry(const std::string& name, std::weak_ptr<prometheus::Registry> registry, WatchOptions options = {});

// For the running test case only: it may leave up to `series` new series in the registry watched
// as `registry_name` (instead of the watch's allowed_series_per_test). Throws std::logic_error
// outside a running test, std::invalid_argument for a name that is not watched.
void allow_registry_growth(const std::string& registry_name, std::size_t series);

// For the running test case only: it may grow the program's resident memory by up to `bytes`
// (instead of MMTEST_CASE_GROWTH_LIMIT). Throws std::logic_error outside a running test.
void allow_memory_growth(std::uint64_t bytes);

}  // namespace mmtest
