// The timeout ends the whole tree: SIGTERM, the grace period, then SIGKILL, escaped sessions too.
#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

class Timeout : public LauncherTest {
 protected:
  static void expect_timeout_diagnosis(const RunResult& result, const std::string& name) {
    EXPECT_TRUE(result.status.exited_with(124)) << describe(result.status) << "\n" << result.err;
    EXPECT_FALSE(
        match_diagnosis(result, "mmtest: " + name + " timed out after 1(\\.0+)? s").empty());
  }
};

TEST_F(Timeout, KillsChildThatIgnoresSigtermAfterTheGrace) {
  const auto record_path = dir_ / "stubborn.json";
  const auto command = helper("ignore-term");
  const auto result = run(launcher(
      {"--name", "stubborn", "--timeout", "1", "--grace", "0.5", "--result", record_path.string()},
      command));

  expect_timeout_diagnosis(result, "stubborn");
  // SIGTERM at 1 s is ignored, SIGKILL follows 0.5 s later: not sooner, and not much later.
  EXPECT_GE(result.wall.count(), 1.45);
  EXPECT_LE(result.wall.count(), 10.0);  // generous for loaded machines; without SIGKILL it never ends
  expect_no_survivors();

  const auto record = read_record(record_path);
  expect_record_basics(record, result, "stubborn", command);
  EXPECT_EQ(record["outcome"], "timeout");
  EXPECT_EQ(record["timeout_seconds"], 1);
  EXPECT_EQ(record["signal"], "SIGKILL");
  EXPECT_TRUE(record["exit_code"].is_null()) << record["exit_code"];
  EXPECT_GE(record.value("wall_seconds", 0.0), 1.45);
  // Written atomically, also on a timeout: no temporary file left beside it.
  expect_only_file(dir_.path(), "stubborn.json");
}

TEST_F(Timeout, KillsSetsidGrandchildThatIgnoresSigterm) {
  const auto record_path = dir_ / "escaped.json";
  // The main process sleeps; its grandchild left the process group and session and ignores TERM.
  const auto command = helper("daemonize", {"--hold"});
  const auto result = run(launcher(
      {"--name", "escaped", "--timeout", "1", "--grace", "0.5", "--result", record_path.string()},
      command));

  expect_timeout_diagnosis(result, "escaped");
  EXPECT_GT(printed_pid(result.out, "grandchild"), 0) << "helper output: " << result.out;
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "escaped", command);
  EXPECT_EQ(record["outcome"], "timeout");
  EXPECT_LE(result.wall.count(), 10.0);
}

TEST_F(Timeout, CooperativeProcessEndsOnSigtermWithoutWaitingForTheGrace) {
  const auto record_path = dir_ / "sleeper.json";
  const auto command = helper("sleep", {"--ms", "30000"});
  const auto result = run(launcher(
      {"--name", "sleeper", "--timeout", "1", "--grace", "20", "--result", record_path.string()},
      command));

  expect_timeout_diagnosis(result, "sleeper");
  EXPECT_LE(result.wall.count(), 15.0) << "the launcher waited for the 20 s grace period";
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "sleeper", command);
  EXPECT_EQ(record["outcome"], "timeout");
  EXPECT_EQ(record["signal"], "SIGTERM");
}

TEST_F(Timeout, FractionalTimeoutIsHonoured) {
  const auto record_path = dir_ / "quick.json";
  const auto command = helper("sleep", {"--ms", "30000"});
  const auto result = run(launcher(
      {"--name", "quick", "--timeout", "0.3", "--grace", "0.2", "--result", record_path.string()},
      command));

  EXPECT_TRUE(result.status.exited_with(124)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: quick timed out after 0\\.30* s").empty());
  EXPECT_GE(result.wall.count(), 0.29);
  EXPECT_LE(result.wall.count(), 10.0);  // the test sleeps 30 s if the timeout does not fire
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "quick", command);
  EXPECT_DOUBLE_EQ(record.value("timeout_seconds", 0.0), 0.3);
}

TEST_F(Timeout, FastTestIsNotAffected) {
  const auto command = helper("sleep", {"--ms", "100"});
  const auto result = run(launcher({"--name", "fast", "--timeout", "30"}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(lines_starting_with(result.err, "mmtest: ").empty()) << result.err;
  EXPECT_LE(result.wall.count(), 25.0);  // well below the 30 s timeout
}

}  // namespace
}  // namespace mmtest::launcher_test
