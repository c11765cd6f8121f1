#pragma once

#include <string_view>

namespace mmtest::run {

// The file, in the test's private TMPDIR, that GTEST_OUTPUT points a GoogleTest program at when
// mmtest-run runs it with --gtest.
inline constexpr std::string_view kGtestReportFile = "mmtest-gtest-report.json";

// True when `json_text` is a GoogleTest JSON report (GTEST_OUTPUT=json:...) in which at least one
// test case ran and every test case that ran was skipped (GTEST_SKIP(): "result": "SKIPPED"), with
// no failure anywhere. Anything else, malformed or empty text included, is false: a report that
// cannot be read never changes an outcome.
bool gtest_report_says_all_skipped(std::string_view json_text);

}  // namespace mmtest::run
