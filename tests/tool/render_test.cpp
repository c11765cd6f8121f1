#include "mmtest/tool/render.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>

#include "temp_directory.hpp"
#include "fake_records.hpp"

namespace mmtest::tool {
namespace {

using mmtest::test_support::TempDirectory;
using testing::Fake;
using testing::kMiB;
using testing::write_fake;

constexpr const char* kXss = "<img src=x onerror=alert(1)>";

class Render : public ::testing::Test {
 protected:
  Render() {
    write_fake(records_.path(), {.name = "suite.a_very_long_test_name_that_does_not_fit_into_the_name_column_at_all",
                                 .start = 0, .wall = 2, .peak_mib = 300, .limit_mib = 256, .outcome = "memory",
                                 .diagnosis = "mmtest: suite.a_very_long_test_name killed: memory 300.0 MiB exceeded budget "
                                              "256.0 MiB (tree RSS, 1 process); raise its MEMORY (--memory) or shrink what it holds",
                                 .samples_mib = {{0.02, 100}, {1.0, 300}}});
    write_fake(records_.path(), {.name = "light", .start = 0.5, .wall = 1, .peak_mib = 5, .limit_mib = 64});
    write_fake(records_.path(), {.name = kXss, .start = 1, .wall = 1, .peak_mib = 20, .limit_mib = 32,
                                 .outcome = "leaked", .diagnosis = "mmtest: x leaked 1 process", .leaked = {"sleep 1000"}});
    model_ = build_model({resolve_input(records_.path()).value()}, {1024 * kMiB});
  }
  TempDirectory records_;
  RunModel model_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t characters(const std::string& line) {
  std::size_t count = 0;
  for (const char c : line) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

TEST_F(Render, terminal_fits_80_columns_and_puts_failures_before_the_tables) {
  const std::string text = render_terminal(model_, {.color = false});
  for (const std::string& line : lines_of(text)) {
    EXPECT_LE(characters(line), 80u) << line;
    EXPECT_FALSE(line.ends_with(' ')) << line;
  }
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  const auto failures = text.find("Failures (2)");
  const auto tables = text.find("Most memory");
  ASSERT_NE(failures, std::string::npos) << text;
  ASSERT_NE(tables, std::string::npos) << text;
  EXPECT_LT(failures, tables);
  EXPECT_NE(text.find("1 passed, 1 memory, 1 leaked"), std::string::npos) << text;
  EXPECT_NE(text.find("raise its MEMORY"), std::string::npos);  // the diagnosis, wrapped but whole
  EXPECT_NE(text.find("MEMORY exceeded (1)"), std::string::npos);
  EXPECT_NE(text.find("384M"), std::string::npos) << text;        // 300 × 1.25 = 375 -> 384M (32 MiB steps)
  EXPECT_NE(text.find("sleep 1000 (pid 100)"), std::string::npos);
  EXPECT_NE(text.find("declared peak 352.0 MiB"), std::string::npos) << text;  // 256 + 64 + 32
  EXPECT_NE(text.find("budget 1.00 GiB"), std::string::npos) << text;
}

TEST_F(Render, terminal_colours_only_when_asked) {
  EXPECT_NE(render_terminal(model_, {.color = true}).find("\x1b[31m"), std::string::npos);
}

TEST_F(Render, junit_carries_each_test_with_its_figures) {
  pugi::xml_document document;
  ASSERT_TRUE(document.load_string(render_junit(model_).c_str()));
  const pugi::xml_node suites = document.child("testsuites");
  EXPECT_EQ(suites.attribute("tests").as_int(), 3);
  EXPECT_EQ(suites.attribute("failures").as_int(), 2);
  const pugi::xml_node memory_case = suites.find_node([](pugi::xml_node node) {
    return std::string_view(node.name()) == "testcase" && std::string_view(node.attribute("name").value()).starts_with("suite.");
  });
  ASSERT_TRUE(memory_case);
  EXPECT_EQ(std::string(memory_case.child("failure").attribute("type").value()), "memory");
  std::map<std::string, std::string> properties;
  for (const pugi::xml_node property : memory_case.child("properties").children("property")) {
    properties[property.attribute("name").value()] = property.attribute("value").value();
  }
  EXPECT_EQ(properties["peak_memory_bytes"], std::to_string(300 * kMiB));
  EXPECT_EQ(properties["memory_limit_bytes"], std::to_string(256 * kMiB));
  EXPECT_EQ(properties["outcome"], "memory");
  EXPECT_TRUE(properties["diagnosis"].starts_with("mmtest: suite.a_very_long_test_name killed"));
  // The odd name is an attribute value, escaped by the XML writer and read back intact.
  EXPECT_TRUE(suites.find_node([](pugi::xml_node node) { return std::string_view(node.attribute("name").value()) == kXss; }));
}

// Attempts of one ctest run (--repeat): the last one is the result; a pass after a failure is
// flaky, said with the reason of each failed attempt, and JUnit carries Surefire's rerun form.
TEST(RenderAttempts, a_pass_after_a_failure_is_flaky_everywhere_with_the_reason) {
  TempDirectory records;
  const std::string starved = "mmtest: order_book timed out after 5 s, starved of CPU: it waited 4.1 s (82% of its time)";
  write_fake(records.path(), {.name = "order_book", .wall = 5, .outcome = "timeout", .diagnosis = starved,
                              .ctest_run = "run-7", .attempt = 1, .file = "order_book~attempt-1"});
  write_fake(records.path(), {.name = "order_book", .start = 6, .ctest_run = "run-7", .attempt = 2});
  write_fake(records.path(), {.name = "broken", .outcome = "failed", .diagnosis = "mmtest: broken failed with exit code 1",
                              .ctest_run = "run-7", .attempt = 1, .file = "broken~attempt-1"});
  write_fake(records.path(), {.name = "broken", .start = 2, .outcome = "failed",
                              .diagnosis = "mmtest: broken failed with exit code 2", .ctest_run = "run-7", .attempt = 2});
  write_fake(records.path(), {.name = "steady", .ctest_run = "run-7"});
  // ctest --repeat until-fail:3: passed twice, then failed.
  write_fake(records.path(), {.name = "until_fail", .ctest_run = "run-7", .attempt = 1, .file = "until_fail~attempt-1"});
  write_fake(records.path(), {.name = "until_fail", .start = 2, .ctest_run = "run-7", .attempt = 2, .file = "until_fail~attempt-2"});
  write_fake(records.path(), {.name = "until_fail", .start = 4, .outcome = "failed",
                              .diagnosis = "mmtest: until_fail failed with exit code 1", .ctest_run = "run-7", .attempt = 3});
  const RunModel model = build_model({resolve_input(records.path()).value()}, {});

  ASSERT_EQ(model.tests.size(), 4u);  // attempts are not tests of their own
  EXPECT_EQ(model.duplicates, 0u);
  EXPECT_EQ(model.failures(), 2u);
  const auto find = [&](std::string_view name) -> const TestResult& {
    return *std::ranges::find_if(model.tests, [&](const TestResult& t) { return t.record.name == name; });
  };
  EXPECT_TRUE(find("order_book").flaky());
  EXPECT_EQ(find("order_book").record.attempt, 2);
  EXPECT_EQ(attempt_summary(find("order_book")), "passed on attempt 2 of 2; attempt 1: " + starved);
  EXPECT_FALSE(find("broken").flaky());
  EXPECT_EQ(attempt_summary(find("broken")),
            "failed on each of 2 attempts; attempt 1: mmtest: broken failed with exit code 1");
  EXPECT_FALSE(find("steady").flaky());
  EXPECT_FALSE(find("until_fail").flaky());  // a failure, as CTest says
  EXPECT_EQ(attempt_summary(find("until_fail")), "failed on attempt 3 of 3, after 2 that passed");

  const std::string text = render_terminal(model, {.color = false, .width = 400});
  EXPECT_NE(text.find("Flaky (1)\n  order_book\n    flaky: passed on attempt 2 of 2; attempt 1: " + starved), std::string::npos)
      << text;

  pugi::xml_document document;
  ASSERT_TRUE(document.load_string(render_junit(model).c_str()));
  const pugi::xml_node flaky = document.select_node("//testcase[@name='order_book']").node();
  EXPECT_FALSE(flaky.child("failure")) << "a flaky test passed";
  EXPECT_EQ(std::string(flaky.child("flakyFailure").attribute("type").value()), "timeout");
  EXPECT_EQ(std::string(flaky.child("flakyFailure").attribute("message").value()), "attempt 1: " + starved);
  const pugi::xml_node failed = document.select_node("//testcase[@name='broken']").node();
  EXPECT_TRUE(failed.child("failure"));
  EXPECT_EQ(std::string(failed.child("rerunFailure").attribute("message").value()),
            "attempt 1: mmtest: broken failed with exit code 1");
  EXPECT_FALSE(document.select_node("//testcase[@name='steady']").node().child("flakyFailure"));
  EXPECT_EQ(std::string(document.child("testsuites").attribute("failures").value()), "2");

  const std::string html = render_html(model);
  EXPECT_NE(html.find("<h2>Flaky (1)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td>order_book</td><td class=\"n\">2</td><td>passed on attempt 2 of 2; attempt 1: mmtest: order_book timed out"),
            std::string::npos)
      << html;

  const auto trace = nlohmann::json::parse(render_trace(model));
  std::map<std::string, std::string> category;
  for (const auto& event : trace["traceEvents"]) {
    if (event.value("ph", "") == "X") category[event["name"]] = event["cat"];
  }
  EXPECT_EQ(category["order_book"], "flaky");
  EXPECT_EQ(category["broken"], "failed");
  EXPECT_EQ(category["steady"], "passed");
#if MMTEST_TOOL_PROMETHEUS
  const std::string metrics = render_prometheus(model);
  EXPECT_NE(metrics.find("mmtest_test_flaky{test=\"order_book\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mmtest_test_flaky{test=\"broken\"} 0"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mmtest_test_attempts{test=\"broken\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mmtest_run_flaky_tests 1"), std::string::npos) << metrics;
#endif
}

TEST(RenderCases, a_googletest_programs_failed_cases_follow_its_diagnosis_everywhere) {
  TempDirectory records;
  write_fake(records.path(), {.name = "unit_tests", .wall = 2, .outcome = "failed",
                              .diagnosis = "mmtest: unit_tests failed with exit code 1",
                              .cases = {{"Orders.Leak", "failed"}, {"Orders.Fine", "passed"}, {"B.<i>", "failed"}}});
  write_fake(records.path(), {.name = "plain", .start = 0.5});
  const RunModel model = build_model({resolve_input(records.path()).value()}, {});

  const std::vector<std::string> lines = lines_of(render_terminal(model, {.color = false}));
  const auto diagnosis = std::find(lines.begin(), lines.end(), "    mmtest: unit_tests failed with exit code 1");
  ASSERT_NE(diagnosis, lines.end());
  ASSERT_NE(diagnosis + 1, lines.end());
  EXPECT_EQ(*(diagnosis + 1), "    failed test cases: Orders.Leak (7 leaked series), B.<i> (7 leaked series)");

  pugi::xml_document document;
  ASSERT_TRUE(document.load_string(render_junit(model).c_str()));
  std::map<std::string, std::map<std::string, std::string>> properties;
  for (const pugi::xpath_node node : document.select_nodes("//testcase/properties/property")) {
    const std::string test = node.node().parent().parent().attribute("name").value();
    properties[test][node.node().attribute("name").value()] = node.node().attribute("value").value();
  }
  EXPECT_EQ(properties["unit_tests"]["failed_cases"], "failed test cases: Orders.Leak (7 leaked series), B.<i> (7 leaked series)");
  EXPECT_FALSE(properties["plain"].contains("failed_cases"));  // no cases: not a GoogleTest program

  const std::string html = render_html(model);
  EXPECT_NE(html.find("failed test cases: Orders.Leak (7 leaked series), B.&lt;i&gt; (7 leaked series)"),
            std::string::npos);
  EXPECT_EQ(html.find("B.<i>"), std::string::npos);
}

// CPU findings (judge_cpu): listed in the terminal with the fix, tabled in the page with a CPU
// column beside memory, properties in JUnit, gauges in Prometheus; a test that fits, or whose
// record does not say what it held, has none.
TEST(RenderCpu, cpu_findings_and_figures_reach_every_output) {
  TempDirectory records;
  write_fake(records.path(), {.name = "threads", .wall = 9.8, .cpu = 10.584, .cpu_wait = 3.2, .cpu_peak = 2.01,
                              .cpus_reserved = 1});
  write_fake(records.path(), {.name = "sleeper", .start = 1, .wall = 2.2, .cpu = 0.01, .cpu_peak = 0.02, .cpus_reserved = 1});
  write_fake(records.path(), {.name = "honest", .start = 2, .wall = 2, .cpu = 1.9, .cpu_peak = 1.0, .cpus_reserved = 1});
  write_fake(records.path(), {.name = "outside", .start = 3, .wall = 2, .cpu = 8});  // no cpus_reserved: not judged
  const RunModel model = build_model({resolve_input(records.path()).value()}, {});

  const std::string text = render_terminal(model, {.color = false, .width = 400});
  EXPECT_NE(text.find("CPUs used beyond those held (demand above held + 0.25) (1)\n  threads\n    used 1.08 CPUs on average "
                      "(peak 2.01) but held 1: it took CPU time from the tests beside it, and waited 3.2 s for a CPU; "
                      "PROCESSORS 1.4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("CPUs held and not used (demand under a quarter of them) (1)\n  sleeper\n    held 1 CPU for 2.2 s and "
                      "used 0.01 s of it; PROCESSORS 0.1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("FIXED_PROCESSORS to keep a declaration"), std::string::npos) << text;
  EXPECT_EQ(text.find("  honest\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("  outside\n"), std::string::npos) << text;
  for (const std::string& line : lines_of(render_terminal(model, {.color = false}))) EXPECT_LE(characters(line), 80u) << line;
  // Nothing to find, nothing said.
  TempDirectory fine;
  write_fake(fine.path(), {.name = "honest", .wall = 2, .cpu = 1.9, .cpus_reserved = 1});
  const std::string quiet = render_terminal(build_model({resolve_input(fine.path()).value()}, {}), {.color = false});
  EXPECT_EQ(quiet.find("CPUs "), std::string::npos) << quiet;
  EXPECT_EQ(quiet.find("FIXED_PROCESSORS"), std::string::npos) << quiet;

  const std::string html = render_html(model);
  EXPECT_NE(html.find("<h2>CPUs used beyond those held (1)</h2>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><td>threads</td><td class=\"n\">1.08 / 2.01 / 1</td><td class=\"n\">1.4</td><td>used 1.08 CPUs"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<h2>CPUs held and not used (1)</h2>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><td>sleeper</td><td class=\"n\">0.00 / 0.02 / 1</td><td class=\"n\">0.1</td><td>held 1 CPU"),
            std::string::npos)
      << html;
  // The CPU column beside memory in the figure tables, "-" where the record does not say.
  EXPECT_NE(html.find("<th>suggested</th><th>CPUs mean / peak / held</th><th>wall</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"n\">0.95 / 1.00 / 1</td>"), std::string::npos) << html;   // honest
  EXPECT_NE(html.find("<td class=\"n\">4.00 / - / -</td>"), std::string::npos) << html;      // outside
  const auto begin = html.find("<script type=\"application/json\" id=\"mmtest-data\">");
  ASSERT_NE(begin, std::string::npos);
  const auto start = html.find('>', begin) + 1;
  const auto data = nlohmann::json::parse(html.substr(start, html.find("</script>", start) - start));
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& test : data["tests"]) by_name[test["name"]] = test;
  EXPECT_DOUBLE_EQ(by_name["threads"]["cpu_peak"].get<double>(), 2.01);
  EXPECT_DOUBLE_EQ(by_name["threads"]["cpus_reserved"].get<double>(), 1);
  EXPECT_TRUE(by_name["outside"]["cpus_reserved"].is_null());
  EXPECT_TRUE(by_name["honest"]["cpu_finding"].is_null());

  pugi::xml_document document;
  ASSERT_TRUE(document.load_string(render_junit(model).c_str()));
  std::map<std::string, std::map<std::string, std::string>> properties;
  for (const pugi::xpath_node node : document.select_nodes("//testcase/properties/property")) {
    const std::string test = node.node().parent().parent().attribute("name").value();
    properties[test][node.node().attribute("name").value()] = node.node().attribute("value").value();
  }
  EXPECT_EQ(properties["threads"]["cpu_mean"], "1.08");
  EXPECT_EQ(properties["threads"]["cpu_peak"], "2.01");
  EXPECT_EQ(properties["threads"]["cpus_reserved"], "1");
  EXPECT_EQ(properties["threads"]["cpu_fit"], "over");
  EXPECT_EQ(properties["threads"]["suggested_processors"], "1.4");
  EXPECT_TRUE(properties["threads"]["cpu_finding"].starts_with("used 1.08 CPUs on average"));
  EXPECT_EQ(properties["sleeper"]["cpu_fit"], "idle");
  EXPECT_EQ(properties["honest"]["cpu_fit"], "fits");
  EXPECT_FALSE(properties["honest"].contains("suggested_processors"));
  EXPECT_FALSE(properties["honest"].contains("cpu_finding"));
  EXPECT_EQ(properties["outside"]["cpu_fit"], "unjudged");
  EXPECT_FALSE(properties["outside"].contains("cpus_reserved"));
  EXPECT_FALSE(properties["outside"].contains("cpu_peak"));

#if MMTEST_TOOL_PROMETHEUS
  const std::string metrics = render_prometheus(model);
  EXPECT_NE(metrics.find("mmtest_test_cpu_peak{test=\"threads\"} 2.01"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mmtest_test_cpus_reserved{test=\"threads\"} 1"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("mmtest_test_cpus_reserved{test=\"outside\"}"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mmtest_test_cpu_misdeclared{test=\"threads\",what=\"over\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mmtest_test_cpu_misdeclared{test=\"sleeper\",what=\"idle\"} 1"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("mmtest_test_cpu_misdeclared{test=\"honest\""), std::string::npos) << metrics;
#endif
}

TEST_F(Render, trace_has_a_slice_per_test_and_a_memory_counter) {
  const auto trace = nlohmann::json::parse(render_trace(model_));
  std::size_t slices = 0, counters = 0;
  for (const auto& event : trace["traceEvents"]) {
    for (const char* field : {"name", "ph", "pid"}) EXPECT_TRUE(event.contains(field)) << event;
    if (event["ph"] == "X") {
      ++slices;
      EXPECT_TRUE(event["ts"].is_number());
      EXPECT_TRUE(event["dur"].is_number());
      EXPECT_TRUE(event["tid"].is_number());
      if (event["name"] == "light") {
        EXPECT_EQ(event["ts"], 500000);
        EXPECT_EQ(event["dur"], 1000000);
        EXPECT_EQ(event["cat"], "passed");
      }
    }
    if (event["ph"] == "C") {
      ++counters;
      EXPECT_TRUE(event["args"].contains("measured_mib"));
      EXPECT_TRUE(event["args"].contains("declared_mib"));
    }
  }
  EXPECT_EQ(slices, 3u);
  EXPECT_GE(counters, 4u);
}

TEST_F(Render, html_is_self_contained_and_names_stay_text) {
  const std::string html = render_html(model_);
  EXPECT_EQ(html.find(kXss), std::string::npos);  // never raw, in the tables or in the data
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("\\u003cimg src=x onerror=alert(1)\\u003e"), std::string::npos);
  for (const char* external : {"http://", "https://", "src=\"", "<link"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
  // The data the script draws from is the model's.
  const auto begin = html.find("<script type=\"application/json\" id=\"mmtest-data\">");
  ASSERT_NE(begin, std::string::npos);
  const auto start = html.find('>', begin) + 1;
  const auto data = nlohmann::json::parse(html.substr(start, html.find("</script>", start) - start));
  EXPECT_EQ(data["tests"].size(), 3u);
  EXPECT_EQ(data["budget"], 1024 * kMiB);
}

TEST_F(Render, prometheus_has_per_test_and_per_run_metrics) {
  const std::string text = render_prometheus(model_);
  EXPECT_NE(text.find("mmtest_test_peak_memory_bytes{test=\"light\"} 5242880"), std::string::npos) << text;
  EXPECT_NE(text.find("mmtest_test_outcome{outcome=\"memory\",test=\"suite."), std::string::npos) << text;
  EXPECT_NE(text.find("mmtest_run_tests{outcome=\"leaked\"} 1"), std::string::npos);
  EXPECT_NE(text.find("mmtest_run_memory_budget_bytes 1073741824"), std::string::npos);
}

}  // namespace
}  // namespace mmtest::tool
