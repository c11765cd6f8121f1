// --gtest: a GoogleTest program whose every test case that ran was skipped (GTEST_SKIP()) is
// recorded as skipped, read from the JSON report GoogleTest writes into the test's TMPDIR; the
// test's output passes through untouched and a GTEST_OUTPUT of the user's own is left alone.
#include <fstream>
#include <sstream>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

// GoogleTest's skip marker, spelled so that no failure message of these tests contains it: CTest
// reads "[  SKIPPED ]" in a test's output as "this test skipped" (gtest_discover_tests sets that
// SKIP_REGULAR_EXPRESSION), which would turn a failure that prints the helper's output into a skip.
const std::string kSkipMarker = std::string("[  SKIPPED") + " ]";

// The helper's output as failure messages show it: with the marker defused.
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

class GtestOption : public LauncherTest {
 protected:
  // The GoogleTest helper running the cases `filter` selects, tagged like every helper.
  std::vector<std::string> gtest_helper(const std::string& filter) const {
    return {kGtestHelper, "--gtest_filter=" + filter, "--tag", tag_};
  }

  // Runs the helper under mmtest-run with `options` and a record; whatever GTEST_OUTPUT the
  // environment running these tests has is removed first unless `env` sets one.
  RunResult run_gtest(std::vector<std::string> options, const std::string& filter,
                      std::vector<std::pair<std::string, std::optional<std::string>>> env = {}) {
    options.insert(options.end(), {"--name", "gt", "--result", record_path_.string()});
    env.insert(env.begin(), {"GTEST_OUTPUT", std::nullopt});
    command_ = gtest_helper(filter);
    return run(launcher(options, command_), {.env = env});
  }

  nlohmann::json record_of(const RunResult& result, bool kept_tmpdir = false) const {
    const auto record = read_record(record_path_);
    expect_record_basics(record, result, "gt", command_, kept_tmpdir);
    expect_no_survivors();
    return record;
  }

  static void expect_silent_exit_0(const RunResult& result) {
    EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << shown(result.err);
    EXPECT_TRUE(lines_starting_with(result.err, "mmtest").empty()) << shown(result.err);
  }

  std::filesystem::path record_path_ = dir_ / "gt.json";
  std::vector<std::string> command_;
};

TEST_F(GtestOption, RecordsARunThatSkippedItsTestCaseAsSkipped) {
  const auto result = run_gtest({"--gtest"}, "Skipping.Always");

  expect_silent_exit_0(result);  // CTest sees the skip in the output, through its own regex
  EXPECT_NE(result.out.find(kSkipMarker + " Skipping.Always"), std::string::npos) << shown(result.out);
  const auto record = record_of(result);
  EXPECT_EQ(record["outcome"], "skipped");
  EXPECT_EQ(record["exit_code"], 0);
  EXPECT_TRUE(record["diagnosis"].is_null()) << record["diagnosis"];
}

TEST_F(GtestOption, RecordsTestCasesSkippedInTheBodyAndInSetUpAsSkipped) {
  const auto result = run_gtest({"--gtest"}, "Skipping.*:SkippingFixture.*:Passing.DISABLED_Never");

  expect_silent_exit_0(result);
  EXPECT_EQ(record_of(result)["outcome"], "skipped");
}

TEST_F(GtestOption, RecordsAPassingRunAsPassed) {
  const auto result = run_gtest({"--gtest"}, "Passing.*");

  expect_silent_exit_0(result);
  EXPECT_EQ(record_of(result)["outcome"], "passed");
}

TEST_F(GtestOption, RecordsARunThatSkippedSomeTestCasesAndPassedOthersAsPassed) {
  const auto result = run_gtest({"--gtest"}, "Skipping.Always:Passing.Always");

  expect_silent_exit_0(result);
  EXPECT_EQ(record_of(result)["outcome"], "passed");
}

TEST_F(GtestOption, RecordsARunThatSkippedOneTestCaseAndFailedAnotherAsFailed) {
  const auto result = run_gtest({"--gtest"}, "Skipping.Always:Failing.Always");

  EXPECT_TRUE(result.status.exited_with(1)) << describe(result.status) << "\n" << shown(result.err);
  const auto record = record_of(result);
  EXPECT_EQ(record["outcome"], "failed");
  EXPECT_EQ(record["exit_code"], 1);
}

TEST_F(GtestOption, PointsGtestOutputIntoTheTestsOwnTmpdir) {
  // --keep-tmp, below this test's directory, to look at the report afterwards.
  const auto result = run_gtest({"--gtest", "--keep-tmp"}, "Environment.PrintsGtestOutput:Skipping.Always",
                                {{"TMPDIR", dir_.path().string()}});

  expect_silent_exit_0(result);
  const auto record = record_of(result, /*kept_tmpdir=*/true);
  const std::filesystem::path tmpdir = record.value("tmpdir", "");
  const auto report = tmpdir / "mmtest-gtest-report.json";
  EXPECT_NE(result.out.find("GTEST_OUTPUT=json:" + report.string() + "\n"), std::string::npos) << shown(result.out);
  EXPECT_NE(read_text(report).find(R"("result": "SKIPPED")"), std::string::npos) << "no report at " << report;
  EXPECT_EQ(record["outcome"], "passed") << "one of the two test cases completed";
}

TEST_F(GtestOption, LeavesTheUsersGtestOutputAlone) {
  const auto users_report = dir_ / "mine.json";
  const std::string users_value = "json:" + users_report.string();
  const auto result = run_gtest({"--gtest"}, "Environment.PrintsGtestOutput:Skipping.Always",
                                {{"GTEST_OUTPUT", users_value}});

  expect_silent_exit_0(result);
  EXPECT_NE(result.out.find("GTEST_OUTPUT=" + users_value + "\n"), std::string::npos) << shown(result.out);
  EXPECT_NE(read_text(users_report).find(R"("name": "PrintsGtestOutput")"), std::string::npos)
      << "GoogleTest did not write the user's report " << users_report;
  EXPECT_EQ(record_of(result)["outcome"], "passed");
}

TEST_F(GtestOption, WithTheUsersGtestOutputASkippedRunIsRecordedAsPassed) {
  // The launcher reads only the report it asked for; the user's is theirs (documented).
  const auto result = run_gtest({"--gtest"}, "Skipping.Always", {{"GTEST_OUTPUT", "json:" + (dir_ / "mine.json").string()}});

  expect_silent_exit_0(result);
  EXPECT_EQ(record_of(result)["outcome"], "passed");
}

TEST_F(GtestOption, WithoutItGtestOutputIsNotSetAndASkippedRunIsRecordedAsPassed) {
  const auto result = run_gtest({}, "Environment.PrintsGtestOutput:Skipping.Always");

  expect_silent_exit_0(result);
  EXPECT_NE(result.out.find("GTEST_OUTPUT unset\n"), std::string::npos) << shown(result.out);
  EXPECT_EQ(record_of(result)["outcome"], "passed");

  const auto skipped_only = run_gtest({}, "Skipping.Always");
  expect_silent_exit_0(skipped_only);
  EXPECT_EQ(record_of(skipped_only)["outcome"], "passed");
}

TEST_F(GtestOption, ACommandThatWritesNoReportIsJudgedAsWithoutIt) {
  const auto command = helper("exit", {"--code", "0"});
  const auto result = run(launcher({"--gtest", "--name", "plain", "--result", record_path_.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << shown(result.err);
  EXPECT_TRUE(lines_starting_with(result.err, "mmtest").empty()) << "no warning, no error: " << shown(result.err);
  const auto record = read_record(record_path_);
  expect_record_basics(record, result, "plain", command);
  EXPECT_EQ(record["outcome"], "passed");
  EXPECT_EQ(record["warnings"], nlohmann::json::array());
}

}  // namespace
}  // namespace mmtest::launcher_test
