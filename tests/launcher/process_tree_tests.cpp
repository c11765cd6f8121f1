// Processes that outlive the test (leaks) and trees that grow too large (the process cap).
#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

class Leaks : public LauncherTest {
 protected:
  // The record lists exactly the process `pid`, a copy of the helper.
  static void expect_leaked_exactly(const nlohmann::json& record, pid_t pid) {
    const auto& leaked = record["leaked_processes"];
    ASSERT_TRUE(leaked.is_array()) << leaked;
    ASSERT_EQ(leaked.size(), 1u) << leaked;
    EXPECT_EQ(leaked[0]["pid"], pid) << leaked;
    EXPECT_NE(leaked[0].value("command", "").find("mmtest_helper"), std::string::npos) << leaked;
  }
};

TEST_F(Leaks, EscapedDaemonIsNamedKilledAndFailsTheTest) {
  const auto record_path = dir_ / "daemon.json";
  // The main process exits 0 once its setsid grandchild (stdio on /dev/null, TERM ignored) runs.
  const auto command = helper("daemonize");
  const auto result = run(
      launcher({"--name", "daemon", "--grace", "0.5", "--result", record_path.string()}, command));

  const pid_t grandchild = printed_pid(result.out, "grandchild");
  ASSERT_GT(grandchild, 0) << "helper output: " << result.out << "\n" << result.err;
  EXPECT_TRUE(result.status.exited_with(121)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: daemon leaked 1 process: mmtest_helper \\(pid " +
                                           std::to_string(grandchild) + "\\)")
                   .empty());
  expect_no_survivors();

  const auto record = read_record(record_path);
  expect_record_basics(record, result, "daemon", command);
  EXPECT_EQ(record["outcome"], "leaked");
  EXPECT_EQ(record["exit_code"], 0);
  expect_leaked_exactly(record, grandchild);
}

TEST_F(Leaks, WaitingOutTheGraceForALeakCostsNoCpu) {
  // The leaked grandchild ignores SIGTERM, so the launcher waits the whole 2 s grace before its
  // SIGKILL. It must sleep through it: a pidfd left readable in its event loop once the main
  // process is gone made it spin, burning about as much CPU as the grace lasted.
  const auto result = run(launcher({"--name", "patient", "--grace", "2"}, helper("daemonize")));

  EXPECT_TRUE(result.status.exited_with(121)) << describe(result.status) << "\n" << result.err;
  EXPECT_GE(result.wall.count(), 1.9) << "the grace was not waited out";
  EXPECT_LT(result.cpu_seconds, 0.5) << "launcher CPU over a " << result.wall.count() << " s run";
  expect_no_survivors();
}

TEST_F(Leaks, ChildStillHoldingStdoutIsALeak) {
  const auto record_path = dir_ / "sleeper.json";
  const auto command = helper("spawn-sleeper");
  const auto result =
      run(launcher({"--name", "sleeper", "--result", record_path.string()}, command));

  const pid_t sleeper = printed_pid(result.out, "sleeper");
  ASSERT_GT(sleeper, 0) << "helper output: " << result.out << "\n" << result.err;
  EXPECT_TRUE(result.status.exited_with(121)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: sleeper leaked 1 process: mmtest_helper \\(pid " +
                                           std::to_string(sleeper) + "\\)")
                   .empty());
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "sleeper", command);
  EXPECT_EQ(record["outcome"], "leaked");
  expect_leaked_exactly(record, sleeper);
}

TEST_F(Leaks, AllowLeaksPassesButStillRecordsAndKillsTheLeak) {
  const auto record_path = dir_ / "allowed.json";
  const auto command = helper("spawn-sleeper");
  const auto result = run(
      launcher({"--name", "allowed", "--allow-leaks", "--result", record_path.string()}, command));

  const pid_t sleeper = printed_pid(result.out, "sleeper");
  ASSERT_GT(sleeper, 0) << "helper output: " << result.out << "\n" << result.err;
  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "allowed", command);
  EXPECT_EQ(record["outcome"], "passed");
  expect_leaked_exactly(record, sleeper);
}

TEST_F(Leaks, ChildrenReapedByTheTestAreNotLeaks) {
  const auto record_path = dir_ / "tidy.json";
  // The parent holds its three children 300 ms, then kills and reaps them before exiting.
  const auto command = helper("children", {"--count", "3", "--mib", "1", "--hold-ms", "300"});
  const auto result = run(launcher({"--name", "tidy", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(lines_starting_with(result.err, "mmtest: ").empty()) << result.err;
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "tidy", command);
  EXPECT_EQ(record["leaked_processes"], nlohmann::json::array());
  EXPECT_EQ(record.value("max_processes_seen", 0), 4) << "the parent and its three children";
}

// ---- The process cap
// -----------------------------------------------------------------------------

class ProcessLimit : public LauncherTest {};

TEST_F(ProcessLimit, ForkBombIsKilledAboveTheCap) {
  const auto record_path = dir_ / "bomb.json";
  // 200 sleeping children against a cap of 50; --timeout bounds the run should the cap not hold.
  const auto command = helper("fork-many", {"--count", "200", "--hold"});
  const auto result = run(launcher({"--name", "bomb", "--max-processes", "50", "--timeout", "20",
                                    "--result", record_path.string()},
                                   command));

  EXPECT_TRUE(result.status.exited_with(122)) << describe(result.status) << "\n" << result.err;
  const auto match = match_diagnosis(
      result,
      R"(mmtest: bomb killed: ([0-9]+) processes exceeded the limit of 50 \(--max-processes\))");
  if (!match.empty()) {
    EXPECT_GT(std::stoi(match[1]), 50) << match[0];
  }
  expect_no_survivors();

  const auto record = read_record(record_path);
  expect_record_basics(record, result, "bomb", command);
  EXPECT_EQ(record["outcome"], "process-limit");
  EXPECT_GT(record.value("max_processes_seen", 0), 50);
  EXPECT_LE(record.value("max_processes_seen", 0), 201);
}

TEST_F(ProcessLimit, TreeAtTheCapIsAllowed) {
  // The main process and 9 children: 10 processes, exactly the cap.
  const auto command = helper("children", {"--count", "9", "--mib", "1", "--hold-ms", "300"});
  const auto record_path = dir_ / "ten.json";
  const auto result = run(launcher(
      {"--name", "ten", "--max-processes", "10", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "ten", command);
  EXPECT_LE(record.value("max_processes_seen", 0), 10);
}

}  // namespace
}  // namespace mmtest::launcher_test
