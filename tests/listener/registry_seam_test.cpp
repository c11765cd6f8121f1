// mmtest::metrics (mmtest/registry.hpp), and mmtest::registry() in a program without the listener.
#include <prometheus/registry.h>

#include <gtest/gtest.h>
#include <stdexcept>
#include <thread>

#include "mmtest/gtest.hpp"
#include "mmtest/registry.hpp"

namespace {

TEST(CurrentRegistry, is_the_process_registry_without_a_scope_and_never_null) {
  const auto current = mmtest::current_registry();
  ASSERT_NE(current, nullptr);
  EXPECT_EQ(current, mmtest::process_registry());
  EXPECT_EQ(current, mmtest::current_registry()) << "the same registry every time";
}

TEST(CurrentRegistry, scopes_nest_in_every_thread_and_the_newest_alive_wins) {
  const auto process = mmtest::process_registry();
  auto outer = std::make_shared<prometheus::Registry>();
  auto inner = std::make_shared<prometheus::Registry>();
  {
    mmtest::ScopedRegistry outer_scope(outer);
    EXPECT_EQ(mmtest::current_registry(), outer);
    {
      mmtest::ScopedRegistry inner_scope(inner);
      EXPECT_EQ(mmtest::current_registry(), inner);
      std::shared_ptr<prometheus::Registry> seen;
      std::thread([&] { seen = mmtest::current_registry(); }).join();
      EXPECT_EQ(seen, inner);
    }
    EXPECT_EQ(mmtest::current_registry(), outer);
  }
  EXPECT_EQ(mmtest::current_registry(), process);
}

TEST(CurrentRegistry, an_older_scope_ending_first_leaves_the_newer_one_current) {
  auto older = std::make_unique<mmtest::ScopedRegistry>(std::make_shared<prometheus::Registry>());
  auto newer_registry = std::make_shared<prometheus::Registry>();
  {
    mmtest::ScopedRegistry newer(newer_registry);
    older.reset();
    EXPECT_EQ(mmtest::current_registry(), newer_registry);
  }
  EXPECT_EQ(mmtest::current_registry(), mmtest::process_registry());
}

TEST(CurrentRegistry, the_process_registry_can_be_set_and_null_is_refused) {
  const auto previous = mmtest::process_registry();
  auto served = std::make_shared<prometheus::Registry>();
  mmtest::set_process_registry(served);
  EXPECT_EQ(mmtest::current_registry(), served);
  mmtest::set_process_registry(previous);
  try {
    mmtest::set_process_registry(nullptr);
    FAIL() << "a null registry was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "mmtest::set_process_registry(): the registry is null");
  }
  EXPECT_THROW(mmtest::ScopedRegistry(nullptr), std::invalid_argument);
  EXPECT_EQ(mmtest::process_registry(), previous);
}

TEST(Registry, without_the_listener_throws_naming_the_call_and_the_fix) {
  try {
    mmtest::registry();
    FAIL() << "no exception";
  } catch (const std::logic_error& error) {
    EXPECT_STREQ(error.what(),
                 "mmtest::registry(): mmtest's GoogleTest listener is not installed: link mmtest::gtest_main, or call "
                 "mmtest::install_gtest_listener() in main() after testing::InitGoogleTest()");
  }
  EXPECT_THROW(mmtest::registry_ptr(), std::logic_error);
  EXPECT_THROW(mmtest::allow_memory_growth(1), std::logic_error);
}

}  // namespace
