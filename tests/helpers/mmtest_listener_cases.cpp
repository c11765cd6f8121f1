// The test cases of mmtest_listener_helper and mmtest_listener_own_main: GoogleTest programs
// running mmtest's listener (mmtest::gtest), which the black-box tests in
// tests/launcher/listener_tests.cpp run directly and under mmtest-run, picking cases with
// --gtest_filter. Every case is named after what it does:
//
//   Isolation.RegistersOrdersForVenueA / ...VenueB
//                          register the family "orders_total" with different constant labels in
//                          mmtest::registry(): in one shared registry the second would throw
//   Isolation.TheSeamHandsOutTheTestsRegistry
//                          mmtest::current_registry() is the test's registry, in any thread
//   IsolationFixture.SeesTheTestsRegistryFromConstructionToDestruction
//   Outside.RegistryInSetUpTestSuiteThrowsNamingTheCall
//   Watched.LeavesThreeSeries        leaves 3 series in the watched registry "global": fails
//   Watched.RemovesWhatItAdds        adds a family and removes it: passes
//   Watched.StaysWithinItsAllowance  allows 2 and leaves 2: passes
//   Watched.GoesOverItsAllowance     allows 2 and leaves 3: fails
//   Watched.AnExpiredRegistryIsHarmless
//   Memory.TouchesAndFrees256MiB     allocates and writes 256 MiB, then frees it
//   Memory.Keeps64MiB                allocates and writes 64 MiB and keeps it
//   Memory.Keeps10MiBAndAllowsIt     keeps 10 MiB after mmtest::allow_memory_growth(32 MiB)
//   Memory.GrowsUntilStopped         writes 1 MiB every 2 ms (0.5 GiB/s), up to 2 GiB, then fails
//   Session/Orders.Place/0 ... /39   each keeps 270 KiB in a global cache: the slow leak of code
//                                    every case runs (what the seed's global registry did)
//   Hang.Forever                     waits for a signal, forever
//   Skipping.Always                  GTEST_SKIP()
//   Death.ExitsInAChild              a death test: the statement exits 3 in a forked child
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mmtest/gtest.hpp"

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// A library's global registry that the tests cannot replace.
std::shared_ptr<prometheus::Registry> global_registry() {
  static const auto registry = std::make_shared<prometheus::Registry>();
  return registry;
}

// Watched before main(): with gtest_main and with an own main() alike.
const bool kGlobalWatched = [] {
  mmtest::watch_registry("global", global_registry());
  return true;
}();

// Allocates `bytes` and writes every page, so that all of it is resident.
char* touched(std::size_t bytes) {
  auto* memory = static_cast<char*>(std::malloc(bytes));
  if (memory == nullptr) throw std::bad_alloc();
  std::memset(memory, 0x5a, bytes);
  // The compiler may not drop the allocation, the writes or a free() that follows: they are what
  // the tests measure.
  asm volatile("" : : "r"(memory) : "memory");
  return memory;
}

// Never destroyed: the memory stays reachable through it until the process ends, so that
// LeakSanitizer (the asan preset) sees memory kept on purpose, not a leak.
std::vector<char*>& kept() {
  static auto* memory = new std::vector<char*>;
  return *memory;
}

// Series with labels never used before in this process, so that every run leaves new ones.
int next_id() {
  static std::atomic<int> id{0};
  return ++id;
}

void add_series(prometheus::Registry& registry, const std::string& family, int count) {
  auto& counters = prometheus::BuildCounter().Name(family).Help("added by a test").Register(registry);
  for (int i = 0; i < count; ++i) counters.Add({{"id", std::to_string(next_id())}}).Increment();
}

}  // namespace

// ---- Isolation ----------------------------------------------------------------------------------

TEST(Isolation, RegistersOrdersForVenueA) {
  auto& family = prometheus::BuildCounter().Name("orders_total").Help("orders").Labels({{"venue", "a"}}).Register(mmtest::registry());
  family.Add({}).Increment();
  EXPECT_EQ(mmtest::registry().Collect().size(), 1u);
}

TEST(Isolation, RegistersOrdersForVenueB) {
  auto& family = prometheus::BuildCounter().Name("orders_total").Help("orders").Labels({{"venue", "b"}}).Register(mmtest::registry());
  family.Add({}).Increment();
  EXPECT_EQ(mmtest::registry().Collect().size(), 1u);
}

TEST(Isolation, TheSeamHandsOutTheTestsRegistry) {
  EXPECT_EQ(mmtest::current_registry(), mmtest::registry_ptr());
  EXPECT_NE(mmtest::current_registry(), mmtest::process_registry());
  std::shared_ptr<prometheus::Registry> seen_by_thread;
  std::thread([&] { seen_by_thread = mmtest::current_registry(); }).join();
  EXPECT_EQ(seen_by_thread, mmtest::registry_ptr());
}

class IsolationFixture : public ::testing::Test {
 protected:
  IsolationFixture() : at_construction_(mmtest::registry_ptr()) {}
  ~IsolationFixture() override {
    // Still the test's own registry while the fixture is destroyed.
    if (mmtest::registry_ptr() != at_construction_) std::abort();
  }
  std::shared_ptr<prometheus::Registry> at_construction_;
};

TEST_F(IsolationFixture, SeesTheTestsRegistryFromConstructionToDestruction) {
  EXPECT_EQ(mmtest::registry_ptr(), at_construction_);
  EXPECT_EQ(mmtest::current_registry(), at_construction_);
}

class Outside : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      mmtest::registry();
      message_ = "no exception";
    } catch (const std::logic_error& error) {
      message_ = error.what();
    }
  }
  static inline std::string message_;
};

TEST_F(Outside, RegistryInSetUpTestSuiteThrowsNamingTheCall) {
  EXPECT_EQ(message_.rfind("mmtest::registry(): no test is running", 0), 0u) << message_;
}

// ---- Watched registries -------------------------------------------------------------------------

TEST(Watched, LeavesThreeSeries) { add_series(*global_registry(), "leaky_total", 3); }

TEST(Watched, RemovesWhatItAdds) {
  auto& family = prometheus::BuildCounter().Name("tidy_total").Help("removed again").Register(*global_registry());
  family.Add({{"id", std::to_string(next_id())}}).Increment();
  global_registry()->Remove(family);
}

TEST(Watched, StaysWithinItsAllowance) {
  mmtest::allow_registry_growth("global", 2);
  add_series(*global_registry(), "allowed_total", 2);
}

TEST(Watched, GoesOverItsAllowance) {
  mmtest::allow_registry_growth("global", 2);
  add_series(*global_registry(), "allowed_total", 3);
}

TEST(Watched, AnExpiredRegistryIsHarmless) {
  auto registry = std::make_shared<prometheus::Registry>();
  mmtest::watch_registry("short-lived", registry);
  add_series(*registry, "gone_total", 1);
  registry.reset();
}

// ---- Memory ------------------------------------------------------------------------------------

TEST(Memory, TouchesAndFrees256MiB) { std::free(touched(256 * kMiB)); }

TEST(Memory, Keeps64MiB) { kept().push_back(touched(64 * kMiB)); }

TEST(Memory, Keeps10MiBAndAllowsIt) {
  mmtest::allow_memory_growth(32 * kMiB);
  kept().push_back(touched(10 * kMiB));
}

TEST(Memory, GrowsUntilStopped) {
  for (std::size_t total = 0; total < 2048 * kMiB; total += kMiB) {
    kept().push_back(touched(kMiB));
    const timespec pace{0, 2'000'000};
    ::nanosleep(&pace, nullptr);
  }
  FAIL() << "grew 2 GiB and nothing stopped it";
}

// Forty cases of one parameterised family, each keeping 270 KiB, written: no single one stands out.
class Orders : public ::testing::TestWithParam<int> {};
TEST_P(Orders, Place) { kept().push_back(touched(270 * 1024)); }
INSTANTIATE_TEST_SUITE_P(Session, Orders, ::testing::Range(0, 40));

// ---- Others ------------------------------------------------------------------------------------

TEST(Hang, Forever) {
  while (true) ::pause();
}

TEST(Skipping, Always) { GTEST_SKIP() << "skipped on purpose"; }

TEST(Death, ExitsInAChild) {
  EXPECT_EXIT(
      {
        mmtest::registry();  // the child runs inside the test: its registry is there
        std::exit(3);
      },
      ::testing::ExitedWithCode(3), "");
}

