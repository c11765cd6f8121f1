#include "mmtest/run/gtest_report.hpp"

#include <nlohmann/json.hpp>

namespace mmtest::run {

// GoogleTest 1.12 writes, per test case that matched the filter,
//   {"name": ..., "status": "RUN" | "NOTRUN", "result": "COMPLETED" | "SKIPPED" | "SUPPRESSED",
//    "failures": [...] only when it failed}
// inside {"testsuites": [{"name": ..., "testsuite": [...]}, ...]}, with a top-level "failures"
// count; a failure outside any test (a global environment) is a test suite of its own.
bool gtest_report_says_all_skipped(std::string_view json_text) {
  const nlohmann::json report = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!report.is_object() || !report.contains("testsuites") || !report["testsuites"].is_array()) return false;
  const auto failures = report.find("failures");
  if (failures != report.end() && *failures != 0) return false;
  std::size_t skipped = 0;
  for (const nlohmann::json& suite : report["testsuites"]) {
    if (!suite.is_object() || !suite.contains("testsuite") || !suite["testsuite"].is_array()) return false;
    for (const nlohmann::json& test_case : suite["testsuite"]) {
      if (!test_case.is_object()) return false;
      if (test_case.contains("failures")) return false;
      const auto status = test_case.find("status");
      if (status == test_case.end() || !status->is_string()) return false;
      if (*status != "RUN") continue;  // filtered in but not run: disabled
      const auto result = test_case.find("result");
      if (result == test_case.end() || *result != "SKIPPED") return false;
      ++skipped;
    }
  }
  return skipped > 0;
}

}  // namespace mmtest::run
