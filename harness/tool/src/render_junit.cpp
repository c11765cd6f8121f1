// JUnit XML, written with pugixml: one <testsuite> per input folder, one <testcase> per test with
// mmtest's figures as <property> elements (CTest's own JUnit carries none).
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join: in <fmt/format.h> up to fmt 10, only here from fmt 11
#include <pugixml.hpp>
#include <sstream>

#include "mmtest/plan/cpu_demand.hpp"
#include "mmtest/tool/render.hpp"

namespace mmtest::tool {
namespace {

void property(pugi::xml_node properties, const char* name, const std::string& value) {
  pugi::xml_node node = properties.append_child("property");
  node.append_attribute("name") = name;
  node.append_attribute("value") = value.c_str();
}

std::string seconds(double value) { return fmt::format("{:.3f}", value); }

}  // namespace

std::string render_junit(const RunModel& model) {
  pugi::xml_document document;
  pugi::xml_node declaration = document.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";

  std::size_t failures = 0, errors = 0, skipped = 0;
  pugi::xml_node suites = document.append_child("testsuites");
  suites.append_attribute("name") = "mmtest";
  std::vector<pugi::xml_node> suite_of(model.inputs.size());
  std::vector<std::array<std::size_t, 4>> suite_counts(model.inputs.size());  // tests, failures, errors, skipped
  std::vector<double> suite_seconds(model.inputs.size());
  for (std::size_t i = 0; i < model.inputs.size(); ++i) {
    suite_of[i] = suites.append_child("testsuite");
    suite_of[i].append_attribute("name") = model.inputs[i].given.string().c_str();
  }
  for (const TestResult& test : model.tests) {
    const record::Record& record = test.record;
    pugi::xml_node testcase = suite_of[test.input].append_child("testcase");
    testcase.append_attribute("name") = record.name.c_str();
    testcase.append_attribute("classname") = "mmtest";
    testcase.append_attribute("time") = seconds(record.wall_seconds).c_str();
    pugi::xml_node properties = testcase.append_child("properties");
    property(properties, "outcome", record.outcome);
    property(properties, "peak_memory_bytes", std::to_string(record.peak_memory_bytes));
    property(properties, "memory_limit_bytes", record.memory_limit_bytes ? std::to_string(*record.memory_limit_bytes) : "");
    property(properties, "memory_fit", to_string(test.fit));
    if (test.suggested_memory_bytes) property(properties, "suggested_memory_bytes", std::to_string(*test.suggested_memory_bytes));
    property(properties, "cpu_seconds", seconds(record.cpu_seconds));
    property(properties, "cpu_mean", fmt::format("{:.2f}", test.cpu.mean));
    if (test.cpu.peak) property(properties, "cpu_peak", fmt::format("{:.2f}", *test.cpu.peak));
    if (test.cpu.held) property(properties, "cpus_reserved", fmt::format("{:g}", *test.cpu.held));
    property(properties, "cpu_fit", to_string(test.cpu.fit));
    if (test.cpu.suggested_tenths) property(properties, "suggested_processors", plan::format_cpu_tenths(*test.cpu.suggested_tenths));
    if (!test.cpu.finding.empty()) property(properties, "cpu_finding", test.cpu.finding);
    property(properties, "timeout_seconds", record.timeout_seconds ? seconds(*record.timeout_seconds) : "");
    property(properties, "labels", fmt::format("{}", fmt::join(record.labels, ";")));
    property(properties, "leaked_processes", std::to_string(record.leaked_processes.size()));
    property(properties, "diagnosis", record.diagnosis.value_or(""));
    if (!record.cases.empty()) property(properties, "failed_cases", failed_cases_summary(record, record.cases.size()));
    if (!test.earlier_attempts.empty()) {
      property(properties, "attempts", std::to_string(test.earlier_attempts.size() + 1));
      property(properties, "flaky", test.flaky() ? "true" : "false");
      property(properties, "attempt_summary", attempt_summary(test));
    }
    for (const Regression& regression : test.regressions) {
      property(properties, regression.what == "memory" ? "regression_memory" : "regression_time",
               fmt::format("{:.6g} against median {:.6g} of {} runs", regression.current, regression.baseline, regression.earlier_runs));
    }

    auto& counts = suite_counts[test.input];
    ++counts[0];
    suite_seconds[test.input] += record.wall_seconds;
    const std::string message = record.diagnosis.value_or(record.outcome);
    if (record.outcome == "skipped") {
      testcase.append_child("skipped");
      ++counts[3];
      ++skipped;
    } else if (record.outcome == "harness-error") {
      pugi::xml_node error = testcase.append_child("error");
      error.append_attribute("type") = record.outcome.c_str();
      error.append_attribute("message") = message.c_str();
      error.text() = message.c_str();
      ++counts[2];
      ++errors;
    } else if (test.failed()) {
      pugi::xml_node failure = testcase.append_child("failure");
      failure.append_attribute("type") = record.outcome.c_str();
      failure.append_attribute("message") = message.c_str();
      failure.text() = message.c_str();
      ++counts[1];
      ++failures;
    }
    // The earlier attempts of the ctest run (--repeat) in the rerun form CI servers read (Maven
    // Surefire's): beside a pass, each failed attempt is a flakyFailure (the test is flaky, not
    // failed); beside a failure, each earlier one is a rerunFailure.
    for (const record::Record& earlier : test.earlier_attempts) {
      if (earlier.outcome == "passed" || earlier.outcome == "skipped") continue;
      const std::string why = earlier.diagnosis.value_or(earlier.outcome);
      pugi::xml_node rerun = testcase.append_child(test.failed() ? "rerunFailure" : "flakyFailure");
      rerun.append_attribute("type") = earlier.outcome.c_str();
      rerun.append_attribute("message") = fmt::format("attempt {}: {}", earlier.attempt, why).c_str();
      rerun.append_child("system-err").text() = why.c_str();
    }
  }
  for (std::size_t i = 0; i < suite_of.size(); ++i) {
    suite_of[i].append_attribute("tests") = static_cast<unsigned long long>(suite_counts[i][0]);
    suite_of[i].append_attribute("failures") = static_cast<unsigned long long>(suite_counts[i][1]);
    suite_of[i].append_attribute("errors") = static_cast<unsigned long long>(suite_counts[i][2]);
    suite_of[i].append_attribute("skipped") = static_cast<unsigned long long>(suite_counts[i][3]);
    suite_of[i].append_attribute("time") = seconds(suite_seconds[i]).c_str();
  }
  suites.append_attribute("tests") = static_cast<unsigned long long>(model.tests.size());
  suites.append_attribute("failures") = static_cast<unsigned long long>(failures);
  suites.append_attribute("errors") = static_cast<unsigned long long>(errors);
  suites.append_attribute("skipped") = static_cast<unsigned long long>(skipped);
  suites.append_attribute("time") = seconds(model.run_seconds).c_str();
  std::ostringstream out;
  document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace mmtest::tool
