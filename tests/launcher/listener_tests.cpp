// mmtest::gtest, black box: real GoogleTest programs running mmtest's listener
// (tests/helpers/mmtest_listener_cases.cpp), run directly and under the real mmtest-run. What the
// listener promises is read where a user reads it: the exit status, GoogleTest's output and its
// JSON/XML reports, the blame table on stderr, the launcher's diagnosis and record.
#include <fstream>
#include <regex>
#include <sstream>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

const std::string kListenerHelper = MMTEST_LISTENER_HELPER_PATH;
const std::string kListenerOwnMain = MMTEST_LISTENER_OWN_MAIN_PATH;

// GoogleTest's skip marker, spelled so that no failure message of these tests contains it (CTest
// would read the message as a skip; see gtest_tests.cpp).
const std::string kSkipMarker = std::string("[  SKIPPED") + " ]";

std::string shown(std::string text) {
  for (auto at = text.find(kSkipMarker); at != std::string::npos; at = text.find(kSkipMarker, at)) {
    text.replace(at, kSkipMarker.size(), "[ skipped ]");
  }
  return text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class Listener : public LauncherTest {
 protected:
  // Runs `program` with `filter`, GoogleTest's JSON report into this test's directory, and
  // `env` (the limits of the environment running these tests are removed first).
  RunResult run_cases(const std::string& program, const std::string& filter,
                      std::vector<std::pair<std::string, std::optional<std::string>>> env = {},
                      std::vector<std::string> launcher_options = {}) {
    env.insert(env.begin(), {{"GTEST_OUTPUT", "json:" + report_path_.string()},
                             {"MMTEST_CASE_GROWTH_LIMIT", std::nullopt},
                             {"MMTEST_BINARY_MEMORY_LIMIT", std::nullopt},
                             {"MMTEST_RUN_TEST_NAME", std::nullopt},
                             {"MMTEST_RUN_MEMORY_BYTES", std::nullopt},
                             {"MMTEST_RUN_CASES_FILE", std::nullopt}});
    std::filesystem::remove(report_path_);
    command_ = {program, "--gtest_filter=" + filter, "--tag", tag_};
    if (launcher_options.empty()) return run(command_, {.env = env});
    launcher_options.insert(launcher_options.end(), {"--name", "unit_tests", "--result", record_path_.string()});
    return run(launcher(launcher_options, command_), {.env = env});
  }

  // The report's object for `Suite.Case`; a failed expectation and null if absent.
  nlohmann::json report_case(const std::string& suite_dot_case) const {
    const auto report = nlohmann::json::parse(read_text(report_path_), nullptr, false);
    const auto dot = suite_dot_case.find('.');
    if (report.is_object() && report.contains("testsuites")) {
      for (const auto& suite : report["testsuites"]) {
        if (suite.value("name", "") != suite_dot_case.substr(0, dot)) continue;
        for (const auto& test_case : suite["testsuite"]) {
          if (test_case.value("name", "") == suite_dot_case.substr(dot + 1)) return test_case;
        }
      }
    }
    ADD_FAILURE() << suite_dot_case << " is not in the report " << report_path_ << ":\n" << read_text(report_path_);
    return nullptr;
  }

  static bool failed(const nlohmann::json& test_case) { return test_case.is_object() && test_case.contains("failures"); }

  static std::string failure_text(const nlohmann::json& test_case) {
    std::string text;
    if (!failed(test_case)) return text;
    for (const auto& failure : test_case["failures"]) text += failure.value("failure", "") + "\n";
    return text;
  }

  // A figure GoogleTest's report carries as a RecordProperty string.
  static long long property(const nlohmann::json& test_case, const std::string& key) {
    if (!test_case.is_object() || !test_case.contains(key) || !test_case[key].is_string()) {
      ADD_FAILURE() << "no property " << key << " in " << test_case.dump(2);
      return -1;
    }
    return std::stoll(test_case[key].get<std::string>());
  }

  std::filesystem::path report_path_ = dir_ / "report.json";
  std::filesystem::path record_path_ = dir_ / "unit_tests.json";
  std::vector<std::string> command_;
};

// ---- Isolation ---------------------------------------------------------------------------------

TEST_F(Listener, TwoTestsRegisteringOneFamilyNameWithDifferentLabelsBothPass) {
  for (const std::string& program : {kListenerHelper, kListenerOwnMain}) {
    const auto result = run_cases(program, "Isolation.*:IsolationFixture.*");
    EXPECT_TRUE(result.status.exited_with(0)) << program << ": " << describe(result.status) << "\n" << shown(result.out);
    for (const char* name : {"Isolation.RegistersOrdersForVenueA", "Isolation.RegistersOrdersForVenueB",
                             "Isolation.TheSeamHandsOutTheTestsRegistry",
                             "IsolationFixture.SeesTheTestsRegistryFromConstructionToDestruction"}) {
      const auto test_case = report_case(name);
      EXPECT_FALSE(failed(test_case)) << program << ": " << name << ":\n" << failure_text(test_case);
    }
  }
  expect_no_survivors();
}

TEST_F(Listener, RegistryOutsideATestThrowsNamingTheCall) {
  const auto result = run_cases(kListenerOwnMain, "Outside.*");
  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << shown(result.out);
  EXPECT_NE(result.out.find("main caught: mmtest::registry(): no test is running"), std::string::npos) << shown(result.out);
  EXPECT_FALSE(failed(report_case("Outside.RegistryInSetUpTestSuiteThrowsNamingTheCall")));
}

// ---- Watched registries ------------------------------------------------------------------------

TEST_F(Listener, AWatchedRegistryLeakFailsExactlyTheLeakingTestInOneProcess) {
  const auto result = run_cases(kListenerHelper, "Watched.*:Isolation.RegistersOrdersForVenueA");

  EXPECT_TRUE(result.status.exited_with(1)) << describe(result.status) << "\n" << shown(result.out);
  const auto leaking = report_case("Watched.LeavesThreeSeries");
  ASSERT_TRUE(failed(leaking)) << leaking.dump(2);
  const std::string message = failure_text(leaking);
  EXPECT_NE(message.find("mmtest: registry 'global' gained 1 family and 3 series in this test that were not removed "
                         "(allowed: 0): leaky_total{id=\""),
            std::string::npos)
      << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '{'), 3) << "each of the 3 series named: " << message;
  EXPECT_NE(message.find("mmtest::allow_registry_growth(\"global\", 3)"), std::string::npos) << message;
  EXPECT_EQ(property(leaking, "mmtest_leaked_series"), 3);
  for (const char* neighbour : {"Watched.RemovesWhatItAdds", "Watched.StaysWithinItsAllowance",
                                "Watched.AnExpiredRegistryIsHarmless", "Isolation.RegistersOrdersForVenueA"}) {
    const auto test_case = report_case(neighbour);
    EXPECT_FALSE(failed(test_case)) << neighbour << ":\n" << failure_text(test_case);
  }
}

TEST_F(Listener, AWatchedRegistryLeakFailsExactlyTheLeakingTestOnePerProcess) {
  for (const std::string name : {"Watched.RemovesWhatItAdds", "Watched.LeavesThreeSeries", "Watched.StaysWithinItsAllowance",
                                 "Watched.AnExpiredRegistryIsHarmless"}) {
    const auto result = run_cases(kListenerHelper, name);
    const bool leaks = name == "Watched.LeavesThreeSeries";
    EXPECT_TRUE(result.status.exited_with(leaks ? 1 : 0)) << name << ": " << describe(result.status) << "\n" << shown(result.out);
    EXPECT_EQ(failed(report_case(name)), leaks) << name;
  }
}

TEST_F(Listener, TheAllowanceIsHonouredAndExceedingItFailsNamingIt) {
  const auto result = run_cases(kListenerHelper, "Watched.StaysWithinItsAllowance:Watched.GoesOverItsAllowance");

  EXPECT_TRUE(result.status.exited_with(1)) << describe(result.status) << "\n" << shown(result.out);
  const auto within = report_case("Watched.StaysWithinItsAllowance");
  EXPECT_FALSE(failed(within)) << failure_text(within);
  EXPECT_EQ(property(within, "mmtest_leaked_series"), 2) << "allowed, and still counted";
  const auto over = report_case("Watched.GoesOverItsAllowance");
  EXPECT_NE(failure_text(over).find("gained 3 series in this test that were not removed (allowed: 2)"), std::string::npos)
      << failure_text(over);
}

// ---- Memory per test case ------------------------------------------------------------------------

TEST_F(Listener, PeakAndGrowthOfEachCaseAreWithinTenPercentOfWhatItTouched) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer keeps freed memory in its quarantine and adds shadow memory";
#endif
  const auto within_ten_percent = [](long long bytes, long long expected) {
    return std::abs(static_cast<double>(bytes - expected)) <= static_cast<double>(expected) / 10;
  };
  // Started once from this process as it is, once while it holds 384 MiB: a program forked from a
  // large process starts with that process's RSS as the floor of its getrusage() peak, which the
  // per-case peak must not report.
  for (const bool from_a_large_parent : {false, true}) {
    SCOPED_TRACE(from_a_large_parent ? "started from a process holding 384 MiB" : "started from this process");
    std::vector<char> ballast;
    if (from_a_large_parent) ballast.assign(384 * kMiB, 'b');
    // The 256 MiB case runs first: the 64 MiB case's peak is its own only if the mark was reset.
    const auto result = run_cases(kListenerHelper, "Memory.TouchesAndFrees256MiB:Memory.Keeps64MiB");
    EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << shown(result.out);

    const auto freed = report_case("Memory.TouchesAndFrees256MiB");
    const long long freed_peak = property(freed, "mmtest_peak_rss_bytes") - property(freed, "mmtest_rss_start_bytes");
    EXPECT_TRUE(within_ten_percent(freed_peak, 256 * kMiB)) << "peak above the start: " << freed_peak << " bytes";
    EXPECT_LE(std::abs(property(freed, "mmtest_growth_bytes")), 64 * kMiB / 10) << "it freed what it touched";

    const auto kept = report_case("Memory.Keeps64MiB");
    const long long kept_peak = property(kept, "mmtest_peak_rss_bytes") - property(kept, "mmtest_rss_start_bytes");
    EXPECT_TRUE(within_ten_percent(kept_peak, 64 * kMiB)) << "peak above the start: " << kept_peak << " bytes";
    EXPECT_TRUE(within_ten_percent(property(kept, "mmtest_growth_bytes"), 64 * kMiB)) << property(kept, "mmtest_growth_bytes");
  }
}

TEST_F(Listener, GrowthOverThePerCaseLimitFailsThatCaseUnlessAllowed) {
  const auto result = run_cases(kListenerHelper, "Memory.Keeps64MiB:Memory.Keeps10MiBAndAllowsIt:Isolation.RegistersOrdersForVenueA",
                                {{"MMTEST_CASE_GROWTH_LIMIT", "4M"}});

  EXPECT_TRUE(result.status.exited_with(1)) << describe(result.status) << "\n" << shown(result.out);
  const auto over = report_case("Memory.Keeps64MiB");
  EXPECT_TRUE(std::regex_search(failure_text(over),
                                std::regex("mmtest: this test grew the program's memory by 6[0-9]\\.[0-9] MiB \\(RSS .* at its "
                                           "start, .* at its end\\), over its limit 4\\.0 MiB \\(MMTEST_CASE_GROWTH_LIMIT=4M\\)")))
      << failure_text(over);
  const auto allowed = report_case("Memory.Keeps10MiBAndAllowsIt");
  EXPECT_FALSE(failed(allowed)) << failure_text(allowed);
  EXPECT_FALSE(failed(report_case("Isolation.RegistersOrdersForVenueA")));
}

TEST_F(Listener, AMalformedLimitStopsTheProgramBeforeAnyTestNamingTheVariable) {
  const auto result = run_cases(kListenerHelper, "Isolation.*", {{"MMTEST_CASE_GROWTH_LIMIT", "12Q"}});
  EXPECT_TRUE(result.status.exited_with(2)) << describe(result.status) << "\n" << shown(result.out);
  EXPECT_EQ(result.err,
            "mmtest::install_gtest_listener(): environment variable MMTEST_CASE_GROWTH_LIMIT expects a size like 64M or 1G, "
            "or off, got '12Q' (needs a unit K, M, G or T)\n");
  EXPECT_EQ(result.out.find("[ RUN"), std::string::npos) << shown(result.out);

  const auto own_main = run_cases(kListenerOwnMain, "Isolation.*", {{"MMTEST_BINARY_MEMORY_LIMIT", "0"}});
  EXPECT_TRUE(own_main.status.exited_with(3)) << describe(own_main.status);
  EXPECT_NE(own_main.err.find("environment variable MMTEST_BINARY_MEMORY_LIMIT expects a size above zero, or off, got '0'"),
            std::string::npos)
      << own_main.err;
}

TEST_F(Listener, DeathTestsWorkWithTheGuardThreadRunning) {
  const auto result = run_cases(kListenerHelper, "Death.*:Isolation.RegistersOrdersForVenueA",
                                {{"MMTEST_BINARY_MEMORY_LIMIT", "4G"}});
  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << shown(result.out) << result.err;
  EXPECT_FALSE(failed(report_case("Death.ExitsInAChild")));
  EXPECT_FALSE(failed(report_case("Isolation.RegistersOrdersForVenueA")));
}

// The seed's pattern under the launcher: one case hoards 64 MiB and forty cases of one family each
// keep 270 KiB (more under a sanitizer's redzones: ~317 KiB each measured). The diagnosis names
// the hoarder and, by suite, the slow leak no single case shows.
TEST_F(Listener, ADiagnosisNamesTheHoarderAndTheSuiteWhoseCasesAllGrew) {
  const auto result = run_cases(kListenerHelper, "Watched.LeavesThreeSeries:Memory.Keeps64MiB:Session/Orders.*", {},
                                {"--memory", "1G"});
  ASSERT_TRUE(result.status.exited_with(1)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(std::regex_search(
      result.err,
      std::regex("(^|\n)mmtest: unit_tests failed with exit code 1; biggest growth: Memory\\.Keeps64MiB \\+6[0-9]\\.[0-9] MiB; "
                 "by suite: Session/Orders\\.\\* (3[2-9]|40) of 40 cases grew, \\+[0-9.]+ MiB in total, ~[0-9]+\\.[0-9] "
                 "KiB each: memory kept by code every case runs \\(a global registry or cache\\?\\)\n")))
      << result.err;
  expect_no_survivors();
}

// ---- The binary guard --------------------------------------------------------------------------

TEST_F(Listener, TheBinaryGuardStopsTheRunWithABlameTableBeforeTheLaunchersKill) {
  const auto result =
      run_cases(kListenerHelper, "Memory.Keeps64MiB:Memory.GrowsUntilStopped", {}, {"--memory", "512M"});

  ASSERT_TRUE(result.status.exited_with(120)) << describe(result.status) << "\n" << result.err;
  // The blame table: the limit and where it came from, the running case, the growers largest first.
  EXPECT_TRUE(std::regex_search(
      result.err, std::regex("mmtest: memory guard: stopped unit_tests at 46[0-9]\\.[0-9] MiB, over its binary limit 460\\.8 MiB "
                             "\\(90% of its budget 512\\.0 MiB from mmtest-run\\), while running Memory\\.GrowsUntilStopped\n"
                             "mmtest: the test cases that grew its memory most, of 2 run .*\n"
                             "mmtest: +\\+[0-9.]+ MiB  Memory\\.GrowsUntilStopped \\(running\\)\n"
                             "mmtest: +\\+6[0-9]\\.[0-9] MiB  Memory\\.Keeps64MiB\n"
                             "mmtest: exit status 120, before mmtest-run or the kernel kills it")))
      << result.err;
  // The launcher explains the stop, and its record has the cases and the guard.
  EXPECT_TRUE(std::regex_search(
      result.err, std::regex("\nmmtest: unit_tests failed with exit code 120 while running Memory\\.GrowsUntilStopped: its "
                             "memory guard stopped it at 46[0-9]\\.[0-9] MiB, over its binary limit 460\\.8 MiB; biggest "
                             "growth: Memory\\.GrowsUntilStopped \\+[0-9.]+ MiB \\(running\\); free what its test cases keep, "
                             "or raise its MEMORY \\(--memory\\)\n$")))
      << result.err;
  const auto record = read_record(record_path_);
  expect_record_basics(record, result, "unit_tests", command_);
  EXPECT_EQ(record["outcome"], "failed");
  ASSERT_TRUE(record["memory_guard"].is_object()) << record.dump(2);
  EXPECT_EQ(record["memory_guard"]["case"], "Memory.GrowsUntilStopped");
  EXPECT_EQ(record["memory_guard"]["limit_bytes"], 512 * kMiB * 90 / 100);
  EXPECT_GT(record["memory_guard"]["rss_bytes"].get<long long>(), 512 * kMiB * 90 / 100);
  EXPECT_LT(record["peak_memory_bytes"].get<long long>(), 512 * kMiB) << "the launcher's budget was never reached";
  ASSERT_EQ(record["cases"].size(), 2u) << record["cases"].dump(2);
  EXPECT_EQ(record["cases"][0]["name"], "Memory.Keeps64MiB");
  EXPECT_EQ(record["cases"][1]["name"], "Memory.GrowsUntilStopped");
  EXPECT_EQ(record["cases"][1]["outcome"], "unfinished");
  expect_no_survivors();
}

TEST_F(Listener, TheBinaryGuardWorksWithoutTheLauncherGivenALimit) {
  const auto result = run_cases(kListenerHelper, "Isolation.RegistersOrdersForVenueA:Memory.Keeps64MiB:Memory.Keeps10MiBAndAllowsIt",
                                {{"MMTEST_BINARY_MEMORY_LIMIT", "48M"}});

  ASSERT_TRUE(result.status.exited_with(120)) << describe(result.status) << "\n" << result.err;
  // The sampling thread may see the case cross the limit, or the check at its end does.
  EXPECT_TRUE(std::regex_search(result.err, std::regex("mmtest: memory guard: stopped mmtest_listener_helper at [0-9.]+ MiB, over "
                                                       "its binary limit 48\\.0 MiB \\(MMTEST_BINARY_MEMORY_LIMIT=48M\\), "
                                                       "(while running|at the end of) Memory\\.Keeps64MiB\n")))
      << result.err;
  EXPECT_EQ(result.out.find("RUN      ] Memory.Keeps10MiBAndAllowsIt"), std::string::npos) << "the run went on after the guard fired";
}

// ---- The launcher names the running case -------------------------------------------------------

TEST_F(Listener, TheLaunchersMemoryKillNamesTheRunningCase) {
  const auto result = run_cases(kListenerHelper, "Memory.Keeps64MiB:Memory.GrowsUntilStopped",
                                {{"MMTEST_BINARY_MEMORY_LIMIT", "off"}}, {"--memory", "256M"});

  EXPECT_TRUE(result.status.exited_with(123)) << describe(result.status) << "\n" << result.err;
  match_diagnosis(result, "mmtest: unit_tests killed: memory [0-9.]+ MiB exceeded budget 256\\.0 MiB \\(tree RSS, 1 process\\) "
                          "while running Memory\\.GrowsUntilStopped; biggest growth: Memory\\.GrowsUntilStopped "
                          "\\+[0-9.]+ MiB \\(running\\); raise its MEMORY");
  EXPECT_EQ(result.err.find("memory guard"), std::string::npos) << "the guard was off: " << result.err;
  const auto record = read_record(record_path_);
  EXPECT_EQ(record["outcome"], "memory");
  EXPECT_TRUE(record["memory_guard"].is_null());
  expect_no_survivors();
}

TEST_F(Listener, TheLaunchersTimeoutNamesTheRunningCaseAndTheBiggestGrower) {
  const auto result = run_cases(kListenerHelper, "Memory.Keeps64MiB:Hang.Forever", {}, {"--timeout", "1"});

  EXPECT_TRUE(result.status.exited_with(124)) << describe(result.status) << "\n" << result.err;
  match_diagnosis(result, "mmtest: unit_tests timed out after 1 s while running Hang\\.Forever: sent SIGTERM to 1 process; "
                          "biggest growth: Memory\\.Keeps64MiB \\+6[0-9]\\.[0-9] MiB; raise its TIMEOUT");
  expect_no_survivors();
}

// ---- Per-case figures in GoogleTest's reports and in the launcher's record -----------------------

TEST_F(Listener, ReportsAndTheRecordCarryTheSameFiguresForEveryCase) {
  const auto xml_path = dir_ / "report.xml";
  const auto result =
      run_cases(kListenerHelper, "Memory.Keeps64MiB:Watched.LeavesThreeSeries:Skipping.Always", {}, {"--memory", "1G"});
  EXPECT_TRUE(result.status.exited_with(1)) << describe(result.status) << "\n" << shown(result.err);

  const auto record = read_record(record_path_);
  expect_record_basics(record, result, "unit_tests", command_);
  ASSERT_EQ(record["cases"].size(), 3u) << record["cases"].dump(2);
  // In the order GoogleTest runs them: the order of their definitions.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Watched.LeavesThreeSeries", "failed"}, {"Memory.Keeps64MiB", "passed"}, {"Skipping.Always", "skipped"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& in_record = record["cases"][i];
    const auto in_report = report_case(expected[i].first);
    EXPECT_EQ(in_record["name"], expected[i].first);
    EXPECT_EQ(in_record["outcome"], expected[i].second);
    EXPECT_GE(in_record["wall_seconds"].get<double>(), 0.0);
    EXPECT_EQ(in_record["rss_start_bytes"].get<long long>(), property(in_report, "mmtest_rss_start_bytes"));
    EXPECT_EQ(in_record["peak_rss_bytes"].get<long long>(), property(in_report, "mmtest_peak_rss_bytes"));
    EXPECT_EQ(in_record["growth_bytes"].get<long long>(), property(in_report, "mmtest_growth_bytes"));
    EXPECT_EQ(in_record["leaked_series"].get<long long>(), property(in_report, "mmtest_leaked_series"));
  }
  EXPECT_EQ(record["cases"][0]["leaked_series"], 3);
  EXPECT_GT(record["cases"][1]["growth_bytes"].get<long long>(), 60 * kMiB);

  // The XML report has them too.
  const auto xml = run_cases(kListenerHelper, "Memory.Keeps64MiB", {{"GTEST_OUTPUT", "xml:" + xml_path.string()}});
  EXPECT_TRUE(xml.status.exited_with(0)) << describe(xml.status);
  const std::string text = read_text(xml_path);
  for (const char* property_name : {"mmtest_rss_start_bytes", "mmtest_peak_rss_bytes", "mmtest_growth_bytes",
                                    "mmtest_leaked_series"}) {
    EXPECT_TRUE(std::regex_search(text, std::regex(std::string("<property name=\"") + property_name + "\" value=\"-?[0-9]+\"/>")))
        << property_name << " not in:\n" << text;
  }
}

}  // namespace
}  // namespace mmtest::launcher_test
