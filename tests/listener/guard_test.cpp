#include "guard.hpp"

#include <gtest/gtest.h>

#include "expect_contains.hpp"

namespace mmtest::gtest_detail {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMiB = std::int64_t{1} << 20;

TEST(TopGrowers, keeps_the_largest_growths_largest_first_and_ignores_shrinking) {
  TopGrowers top(3);
  top.add("a", 5 * kMiB);
  top.add("shrink", -kMiB);
  top.add("flat", 0);
  top.add("b", 9 * kMiB);
  top.add("c", kMiB);
  top.add("d", 7 * kMiB);
  top.add("e", 2 * kMiB);
  const auto& growers = top.largest_first();
  ASSERT_EQ(growers.size(), 3u);
  EXPECT_EQ(growers[0].name, "b");
  EXPECT_EQ(growers[1].name, "d");
  EXPECT_EQ(growers[2].name, "a");
}

BlameFacts facts() {
  BlameFacts facts;
  facts.program = "unit_tests";
  facts.rss_bytes = 1895 * kMiB;
  facts.limit_bytes = 1843 * kMiB;
  facts.limit_origin = "90% of its budget 2.00 GiB from mmtest-run";
  facts.running_case = "OrderBook.Replay";
  facts.running_growth_bytes = 350 * kMiB;
  facts.growers = {{"Metrics.Register", 1229 * kMiB}, {"Metrics.Other", 96 * kMiB}};
  facts.cases_run = 87;
  return facts;
}

TEST(BlameTable, names_the_limit_the_running_case_and_the_growers_largest_first) {
  EXPECT_EQ(blame_table(facts(), 10),
            "mmtest: memory guard: stopped unit_tests at 1.85 GiB, over its binary limit 1.80 GiB (90% of its budget 2.00 GiB "
            "from mmtest-run), while running OrderBook.Replay\n"
            "mmtest: the test cases that grew its memory most, of 88 run (RSS at their end, or now, minus RSS at their start):\n"
            "mmtest:    +1.20 GiB  Metrics.Register\n"
            "mmtest:   +350.0 MiB  OrderBook.Replay (running)\n"
            "mmtest:    +96.0 MiB  Metrics.Other\n"
            "mmtest: exit status 120, before mmtest-run or the kernel kills it: free what these test cases keep, or raise the "
            "limit (MMTEST_BINARY_MEMORY_LIMIT, or the test's MEMORY)\n");
}

// The seed's pattern: one case hoards 110 MiB, and 160 cases each keep ~270 KiB in a global
// registry. The table names the hoarder and, by suite, the slow leak no single case shows.
TEST(BlameTable, lists_the_suites_where_many_cases_grew_after_the_cases) {
  BlameFacts seed = facts();
  seed.running_case.reset();
  seed.running_growth_bytes.reset();
  seed.growers = {{"Hoard.Big", 110 * kMiB}, {"Session/Orders.Place/3", 800 * 1024}};
  record::GrowthBySuite suites;
  suites.add("Hoard.Big", 110 * kMiB);
  for (int i = 0; i < 80; ++i) suites.add("Session/Orders.Place/" + std::to_string(i), 270 * 1024);
  for (int i = 0; i < 80; ++i) suites.add("Session/Risk.Check/" + std::to_string(i), i < 60 ? 280 * 1024 : 0);
  seed.suites = suites.largest(3);
  seed.cases_run = 161;
  const std::string table = blame_table(seed, 10);
  EXPECT_CONTAINS(table, "mmtest:   +110.0 MiB  Hoard.Big\n");
  EXPECT_CONTAINS(table,
                  "mmtest: by test suite (cases that grew, their growth together and each):\n"
                  "mmtest:   Session/Orders.* 80 of 80 cases grew, +21.1 MiB in total, ~270.0 KiB each: memory kept by "
                  "code every case runs (a global registry or cache?)\n"
                  "mmtest:   Session/Risk.* 60 of 80 cases grew, +16.4 MiB in total, ~280.0 KiB each\n");
  EXPECT_EQ(table.find("Hoard.* "), std::string::npos) << "one case is no suite-wide growth";
  // Without suites, no such part.
  EXPECT_EQ(blame_table(facts(), 10).find("by test suite"), std::string::npos);
}

TEST(BlameTable, at_the_end_of_a_case_it_is_counted_once_and_rows_are_limited) {
  BlameFacts ended = facts();
  ended.running_case_ended = true;
  const std::string text = blame_table(ended, 1);
  EXPECT_NE(text.find(", at the end of OrderBook.Replay\n"), std::string::npos) << text;
  EXPECT_NE(text.find("of 87 run"), std::string::npos) << text;
  EXPECT_NE(text.find("+1.20 GiB  Metrics.Register\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Metrics.Other"), std::string::npos) << text;
  EXPECT_EQ(text.find("(running)"), std::string::npos) << text;
}

TEST(BlameTable, says_so_when_no_case_grew) {
  BlameFacts none = facts();
  none.growers.clear();
  none.running_case.reset();
  EXPECT_NE(blame_table(none, 10).find("mmtest: none of the 87 test cases run grew its memory"), std::string::npos);
}

TEST(GuardInterval, is_slow_far_from_the_limit_and_fast_near_it) {
  constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
  EXPECT_EQ(guard_interval(100 * kMiB, 2 * kGiB, 0), 20ms);
  // 30 MiB of headroom at the assumed 1 GiB/s lasts about 29 ms: half of it.
  EXPECT_EQ(guard_interval(2 * kGiB - 30 * kMiB, 2 * kGiB, 0), 14ms);
  // Faster observed growth shortens it.
  EXPECT_EQ(guard_interval(2 * kGiB - 30 * kMiB, 2 * kGiB, 3.0 * kGiB), 4ms);
  EXPECT_EQ(guard_interval(2 * kGiB - kMiB, 2 * kGiB, 0), 1ms);
  EXPECT_EQ(guard_interval(3 * kGiB, 2 * kGiB, 0), 1ms);
}

}  // namespace
}  // namespace mmtest::gtest_detail
