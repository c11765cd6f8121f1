#include "mmtest/record/case_log.hpp"

#include <gtest/gtest.h>
#include <string>

namespace mmtest::record {
namespace {

constexpr std::int64_t kMiB = std::int64_t{1} << 20;

std::string start(const std::string& name, std::int64_t rss, int pid = 7) {
  return R"({"event":"start","pid":)" + std::to_string(pid) + R"(,"case":")" + name + R"(","rss_bytes":)" +
         std::to_string(rss) + "}\n";
}

std::string end(const std::string& name, std::int64_t growth, int pid = 7, const std::string& outcome = "passed") {
  return R"({"event":"end","pid":)" + std::to_string(pid) + R"(,"case":")" + name + R"(","outcome":")" + outcome +
         R"(","wall_seconds":0.25,"rss_start_bytes":1000,"peak_rss_bytes":5000,"growth_bytes":)" +
         std::to_string(growth) + R"(,"leaked_series":3})" + "\n";
}

const std::string kProgram = "{\"event\":\"program\",\"pid\":7}\n";

TEST(CaseLog, an_empty_or_missing_file_says_nothing) {
  EXPECT_TRUE(parse_case_log("").empty());
  EXPECT_TRUE(parse_case_log("not json\n").empty());
}

TEST(CaseLog, finished_cases_keep_their_figures_in_order) {
  const CaseLog log = parse_case_log(kProgram + start("A.One", 100) + end("A.One", 2 * kMiB) + start("A.Two", 200) +
                                     end("A.Two", -kMiB, 7, "failed"));
  ASSERT_EQ(log.finished.size(), 2u);
  EXPECT_FALSE(log.running);
  EXPECT_FALSE(log.guard);
  EXPECT_EQ(log.finished[0].name, "A.One");
  EXPECT_EQ(log.finished[0].outcome, "passed");
  EXPECT_DOUBLE_EQ(log.finished[0].wall_seconds, 0.25);
  EXPECT_EQ(log.finished[0].rss_start_bytes, 1000u);
  EXPECT_EQ(log.finished[0].peak_rss_bytes, 5000u);
  EXPECT_EQ(log.finished[0].growth_bytes, 2 * kMiB);
  EXPECT_EQ(log.finished[0].leaked_series, 3u);
  EXPECT_EQ(log.finished[1].name, "A.Two");
  EXPECT_EQ(log.finished[1].outcome, "failed");
  EXPECT_EQ(log.finished[1].growth_bytes, -kMiB);
}

TEST(CaseLog, a_start_without_its_end_is_the_running_case) {
  const CaseLog log = parse_case_log(kProgram + start("A.One", 100) + end("A.One", 0) + start("Book.Replay", 4096));
  ASSERT_TRUE(log.running);
  EXPECT_EQ(log.running->name, "Book.Replay");
  EXPECT_EQ(log.running->rss_start_bytes, 4096u);
  EXPECT_EQ(log.finished.size(), 1u);
}

TEST(CaseLog, an_incomplete_last_line_is_ignored) {
  const std::string whole = kProgram + start("A.One", 100);
  const std::string cut_end = end("A.One", kMiB);
  const CaseLog log = parse_case_log(whole + cut_end.substr(0, cut_end.size() - 1));  // no newline: cut by a kill
  ASSERT_TRUE(log.running);
  EXPECT_EQ(log.running->name, "A.One");
  EXPECT_TRUE(log.finished.empty());
  // Even a complete object without its newline is not trusted.
  EXPECT_TRUE(parse_case_log(whole + R"({"event":"end","pid":7,"case":"A.One","outcome":"passed"})").finished.empty());
}

TEST(CaseLog, garbage_lines_and_lines_of_other_processes_are_skipped) {
  const CaseLog log = parse_case_log(kProgram + "garbage\n[1,2]\n{\"event\":\"start\"}\n" + start("Child.Case", 1, 99) +
                                     start("A.One", 100) + end("Child.Case", 50 * kMiB, 99) + end("A.One", kMiB));
  ASSERT_EQ(log.finished.size(), 1u);
  EXPECT_EQ(log.finished[0].name, "A.One");
  EXPECT_FALSE(log.running);
}

TEST(CaseLog, the_guard_event_is_read) {
  const CaseLog log = parse_case_log(
      kProgram + start("A.Grow", 100) +
      R"({"event":"guard","pid":7,"case":"A.Grow","rss_bytes":900,"limit_bytes":800,"case_growth_bytes":700})" + "\n");
  ASSERT_TRUE(log.guard);
  EXPECT_EQ(log.guard->case_name, "A.Grow");
  EXPECT_EQ(log.guard->rss_bytes, 900u);
  EXPECT_EQ(log.guard->limit_bytes, 800u);
  EXPECT_EQ(log.guard->case_growth_bytes, 700);
  ASSERT_TRUE(log.running);
}

TEST(BiggestGrowth, is_the_largest_positive_growth_of_a_finished_case) {
  const CaseLog log =
      parse_case_log(kProgram + start("A.Small", 0) + end("A.Small", kMiB) + start("A.Big", 0) + end("A.Big", 9 * kMiB) +
                     start("A.Shrink", 0) + end("A.Shrink", -20 * kMiB));
  const auto biggest = biggest_growth(log, std::nullopt);
  ASSERT_TRUE(biggest);
  EXPECT_EQ(biggest->name, "A.Big");
  EXPECT_EQ(biggest->growth_bytes, 9 * kMiB);
  EXPECT_FALSE(biggest->running);
}

TEST(BiggestGrowth, the_running_case_wins_with_a_larger_growth_so_far) {
  const CaseLog log = parse_case_log(kProgram + start("A.Big", 0) + end("A.Big", 9 * kMiB) + start("A.Hog", 0));
  const auto smaller = biggest_growth(log, 5 * kMiB);
  ASSERT_TRUE(smaller);
  EXPECT_EQ(smaller->name, "A.Big");
  const auto larger = biggest_growth(log, 50 * kMiB);
  ASSERT_TRUE(larger);
  EXPECT_EQ(larger->name, "A.Hog");
  EXPECT_EQ(larger->growth_bytes, 50 * kMiB);
  EXPECT_TRUE(larger->running);
}

TEST(BiggestGrowth, none_when_nothing_grew) {
  const CaseLog log = parse_case_log(kProgram + start("A.Flat", 0) + end("A.Flat", 0) + start("A.Shrink", 0) +
                                     end("A.Shrink", -kMiB));
  EXPECT_FALSE(biggest_growth(log, std::nullopt));
  EXPECT_FALSE(biggest_growth(log, -5));
}

}  // namespace
}  // namespace mmtest::record
