#include "mmtest/run/gtest_report.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mmtest::run {
namespace {

// What GoogleTest 1.12.1 writes for `--gtest_filter=Skipping.Always` with
// GTEST_OUTPUT=json:FILE, where the test calls GTEST_SKIP() (tests/helpers/mmtest_gtest_helper.cpp).
constexpr std::string_view kOneSkipped = R"({
  "tests": 1,
  "failures": 0,
  "disabled": 0,
  "errors": 0,
  "timestamp": "2026-11-30T03:34:33Z",
  "time": "0s",
  "name": "AllTests",
  "testsuites": [
    {
      "name": "Skipping",
      "tests": 1,
      "failures": 0,
      "disabled": 0,
      "errors": 0,
      "timestamp": "2026-11-30T03:34:33Z",
      "time": "0s",
      "testsuite": [
        {
          "name": "Always",
          "file": "\/src\/tests\/helpers\/mmtest_gtest_helper.cpp",
          "line": 17,
          "status": "RUN",
          "result": "SKIPPED",
          "timestamp": "2026-11-30T03:34:33Z",
          "time": "0s",
          "classname": "Skipping"
        }
      ]
    }
  ]
}
)";

// One test case of a report, in the shape above.
std::string test_case(const std::string& name, const std::string& status, const std::string& result,
                      bool failed = false) {
  std::string text = R"({"name": ")" + name + R"(", "status": ")" + status + R"(", "result": ")" + result + '"';
  if (failed) text += R"(, "failures": [{"failure": "x.cpp:3\nFailed", "type": ""}])";
  return text + "}";
}

std::string report(const std::string& cases, int failures = 0) {
  return R"({"tests": 1, "failures": )" + std::to_string(failures) +
         R"(, "name": "AllTests", "testsuites": [{"name": "S", "testsuite": [)" + cases + "]}]}";
}

TEST(GtestReport, a_run_whose_only_test_case_was_skipped_is_all_skipped) {
  EXPECT_TRUE(gtest_report_says_all_skipped(kOneSkipped));
}

TEST(GtestReport, several_test_cases_all_skipped_are_all_skipped) {
  EXPECT_TRUE(gtest_report_says_all_skipped(
      report(test_case("A", "RUN", "SKIPPED") + "," + test_case("B", "RUN", "SKIPPED"))));
}

TEST(GtestReport, one_completed_test_case_among_skipped_ones_is_a_pass) {
  EXPECT_FALSE(gtest_report_says_all_skipped(
      report(test_case("A", "RUN", "SKIPPED") + "," + test_case("B", "RUN", "COMPLETED"))));
  EXPECT_FALSE(gtest_report_says_all_skipped(report(test_case("A", "RUN", "COMPLETED"))));
}

TEST(GtestReport, disabled_test_cases_that_did_not_run_do_not_count) {
  EXPECT_TRUE(gtest_report_says_all_skipped(
      report(test_case("A", "RUN", "SKIPPED") + "," + test_case("DISABLED_B", "NOTRUN", "SUPPRESSED"))));
  EXPECT_FALSE(gtest_report_says_all_skipped(report(test_case("DISABLED_B", "NOTRUN", "SUPPRESSED"))))
      << "nothing ran, so nothing was skipped";
}

TEST(GtestReport, a_run_of_no_test_case_is_not_skipped) {
  EXPECT_FALSE(gtest_report_says_all_skipped(R"({"tests": 0, "failures": 0, "name": "AllTests", "testsuites": []})"));
}

TEST(GtestReport, any_failure_is_not_skipped) {
  EXPECT_FALSE(gtest_report_says_all_skipped(report(test_case("A", "RUN", "SKIPPED", /*failed=*/true))));
  EXPECT_FALSE(gtest_report_says_all_skipped(report(test_case("A", "RUN", "SKIPPED"), /*failures=*/1)));
  // A failure outside any test (a global environment) is reported as a nameless test case.
  const std::string environment_failed = R"({"failures": 0, "testsuites": [{"name": "S", "testsuite": [)" +
                                         test_case("A", "RUN", "SKIPPED") + R"(]}, {"name": "", "testsuite": [)" +
                                         test_case("", "RUN", "COMPLETED", /*failed=*/true) + "]}]}";
  EXPECT_FALSE(gtest_report_says_all_skipped(environment_failed));
}

TEST(GtestReport, what_is_not_a_readable_report_changes_nothing) {
  for (const std::string_view text : {std::string_view{}, std::string_view{"not json"},
                                      kOneSkipped.substr(0, kOneSkipped.size() / 2),  // cut short while written
                                      std::string_view{"[]"}, std::string_view{R"({"testsuites": 3})"},
                                      std::string_view{R"({"testsuites": [{"testsuite": [{"result": "SKIPPED"}]}]})"},
                                      std::string_view{R"({"testsuites": [{"testsuite": [{"status": "RUN"}]}]})"},
                                      std::string_view{R"({"failures": "0", "testsuites": [{"testsuite": [{"status": "RUN", "result": "SKIPPED"}]}]})"}}) {
    EXPECT_FALSE(gtest_report_says_all_skipped(text)) << text;
  }
}

}  // namespace
}  // namespace mmtest::run
