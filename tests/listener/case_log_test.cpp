#include "case_log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mmtest/record/case_log.hpp"

namespace mmtest::gtest_detail {
namespace {

TEST(CaseLogLines, are_one_json_object_each_ending_in_a_newline) {
  EXPECT_EQ(program_line(42, 1000, std::nullopt),
            R"({"event":"program","pid":42,"binary_limit_bytes":1000,"case_growth_limit_bytes":null})" "\n");
  EXPECT_EQ(start_line(42, "A.B", 7), R"({"event":"start","pid":42,"case":"A.B","rss_bytes":7})" "\n");
  CaseFigures figures{"A.B", "passed", 0.25, 10, std::nullopt, -3, 0};
  EXPECT_EQ(end_line(42, figures), R"({"event":"end","pid":42,"case":"A.B","outcome":"passed","wall_seconds":0.25,)"
                                   R"("rss_start_bytes":10,"peak_rss_bytes":null,"growth_bytes":-3,"leaked_series":0})" "\n");
  EXPECT_EQ(guard_line(42, std::nullopt, 9, 8, std::nullopt),
            R"({"event":"guard","pid":42,"case":null,"rss_bytes":9,"limit_bytes":8,"case_growth_bytes":null})" "\n");
}

// Whatever the name, each line is valid JSON and the name comes back as it was (or with invalid
// UTF-8 replaced).
TEST(CaseLogLines, names_are_escaped) {
  for (const std::string& name : {std::string("quote\"back\\slash"), std::string("tab\tnew\nline\x01"),
                                 std::string("caf\xc3\xa9/\xe2\x82\xac"), std::string("Param/Case.Run/0")}) {
    const auto parsed = nlohmann::json::parse(start_line(1, name, 1));
    EXPECT_EQ(parsed["case"], name);
  }
  EXPECT_EQ(nlohmann::json::parse(start_line(1, std::string("bad\xff"), 1))["case"], "bad\xef\xbf\xbd");
}

// The contract between the listener and mmtest-run: what one writes, the other reads back.
TEST(CaseLogLines, read_back_by_the_launcher_give_the_same_figures) {
  CaseFigures figures;
  figures.name = "Odd \"name\"/3";
  figures.outcome = "failed";
  figures.wall_seconds = 0.5;
  figures.rss_start_bytes = 1000;
  figures.peak_rss_bytes = 5000;
  figures.growth_bytes = -300;
  figures.leaked_series = 4;
  const std::string text = program_line(42, std::nullopt, 64) + start_line(42, figures.name, 1000) + end_line(42, figures) +
                           start_line(42, "Next.Case", 700) +
                           guard_line(42, std::string("Next.Case"), 9000, 8000, 8300);
  const record::CaseLog log = record::parse_case_log(text);

  ASSERT_EQ(log.finished.size(), 1u);
  const record::CaseResult& read = log.finished[0];
  EXPECT_EQ(read.name, figures.name);
  EXPECT_EQ(read.outcome, "failed");
  EXPECT_DOUBLE_EQ(read.wall_seconds, 0.5);
  EXPECT_EQ(read.rss_start_bytes, 1000u);
  EXPECT_EQ(read.peak_rss_bytes, 5000u);
  EXPECT_EQ(read.growth_bytes, -300);
  EXPECT_EQ(read.leaked_series, 4u);
  ASSERT_TRUE(log.running);
  EXPECT_EQ(log.running->name, "Next.Case");
  EXPECT_EQ(log.running->rss_start_bytes, 700u);
  ASSERT_TRUE(log.guard);
  EXPECT_EQ(log.guard->case_name, "Next.Case");
  EXPECT_EQ(log.guard->rss_bytes, 9000u);
  EXPECT_EQ(log.guard->limit_bytes, 8000u);
  EXPECT_EQ(log.guard->case_growth_bytes, 8300);
}

}  // namespace
}  // namespace mmtest::gtest_detail
