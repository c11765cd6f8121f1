// What the test sees around it: its output passed through untouched, a private TMPDIR, rlimits.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

class Output : public LauncherTest {};

TEST_F(Output, BinaryFloodPassesThroughByteExact) {
  const std::size_t bytes = 1024 * 1024;
  const auto command = helper("flood", {"--bytes", std::to_string(bytes), "--binary"});
  const auto result = run(launcher({}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_EQ(result.out.size(), bytes);
  EXPECT_TRUE(result.out == flood_pattern(bytes, true)) << "stdout differs from the pattern";
  EXPECT_TRUE(result.err.empty()) << result.err;
  expect_no_survivors();
}

TEST_F(Output, AHundredMegabytesWithoutATrailingNewlineStayExactWithMeasurements) {
  const std::size_t bytes = 100 * 1024 * 1024;
  const auto command = helper("flood", {"--bytes", std::to_string(bytes), "--binary"});
  const auto result = run(launcher({"--measurements"}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err.substr(0, 2000);
  EXPECT_EQ(result.out.size(), bytes);
  EXPECT_TRUE(result.out == flood_pattern(bytes, true)) << "stdout differs from the pattern";
  expect_no_survivors();
}

TEST_F(Output, MeasurementsGoToStderrAfterTheTestsOwnOutput) {
  const std::size_t bytes = 100000;  // text, not ending in a newline
  const auto command = helper("flood", {"--bytes", std::to_string(bytes)});
  const auto result = run(launcher({"--measurements"}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(result.out == flood_pattern(bytes, false)) << "stdout is not exactly the test's output";
  EXPECT_TRUE(std::regex_match(result.err,
                               std::regex("<CTestMeasurement type=\"numeric/double\" name=\"peak_memory_mib\">[0-9.]+"
                                          "</CTestMeasurement>\n<CTestMeasurement type=\"numeric/double\" "
                                          "name=\"cpu_seconds\">[0-9.]+</CTestMeasurement>\n")))
      << "stderr: " << result.err;
  expect_no_survivors();
}

TEST_F(Output, WithoutMeasurementsNothingIsAdded) {
  const auto command = helper("flood", {"--bytes", "10"});
  const auto result = run(launcher({}, command));
  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_EQ(result.out, flood_pattern(10, false));
  EXPECT_EQ(result.err, "");
}

// A reader that stops early: the test gets EPIPE or SIGPIPE as without the launcher, what was
// read is an exact prefix, and the launcher neither hangs nor leaves anything behind.
TEST_F(Output, AReaderThatClosesEarlyGetsAnExactPrefix) {
  const std::size_t bytes = 64 * 1024 * 1024;
  const std::size_t wanted = 200000;
  const auto record_path = dir_ / "early.json";
  const auto command = helper("flood", {"--bytes", std::to_string(bytes), "--binary"});
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  const auto argv = launcher({"--name", "early", "--measurements", "--result", record_path.string()}, command);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string got;
  char buffer[65536];
  while (got.size() < wanted) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  const bool ended = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, kConditionTimeout);
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(ended) << "mmtest-run did not end after its reader went away";
  ASSERT_GE(got.size(), wanted);
  EXPECT_TRUE(got == flood_pattern(bytes, true).substr(0, got.size())) << "what was read is not a prefix";
  const auto record = read_record(record_path);
  // The helper dies of SIGPIPE (default disposition) or reports the failed write.
  EXPECT_TRUE(record["outcome"] == "signal" || record["outcome"] == "failed") << record.dump(2);
  expect_no_survivors();
}

TEST_F(Output, StderrIsPassedThroughAheadOfTheDiagnosis) {
  // The helper's usage error goes to stderr with exit status 2.
  const auto command = helper("exit", {"--code", "not-a-number"});
  const auto result = run(launcher({"--name", "noisy"}, command));

  EXPECT_TRUE(result.status.exited_with(2)) << describe(result.status) << "\n" << result.err;
  const auto own = lines_starting_with(result.err, "mmtest_helper: ");
  ASSERT_EQ(own.size(), 1u) << result.err;
  EXPECT_NE(own.front().find("not-a-number"), std::string::npos);
  EXPECT_FALSE(match_diagnosis(result, "mmtest: noisy failed with exit code 2").empty());
  EXPECT_LT(result.err.find("mmtest_helper: "), result.err.find("mmtest: noisy"));
}

// ---- TMPDIR
// ----------------------------------------------------------------------------------------

class Tmpdir : public LauncherTest {
 protected:
  struct Seen {
    std::string path, mode, entries;
  };

  // What print-tmpdir reported.
  static Seen parse(const std::string& out) {
    std::smatch match;
    if (!std::regex_search(out, match,
                           std::regex("TMPDIR=(.*)\nmode=([0-7]+)\nentries=([0-9]+)\n"))) {
      ADD_FAILURE() << "unexpected print-tmpdir output: " << out;
      return {};
    }
    return {match[1], match[2], match[3]};
  }
};

TEST_F(Tmpdir, IsFreshPrivateAndRemovedAfterwards) {
  const auto record_path = dir_ / "tmp.json";
  const auto command = helper("print-tmpdir");
  const auto first = run(launcher({"--name", "tmp", "--result", record_path.string()}, command));
  const auto second = run(launcher({"--name", "tmp"}, command));

  EXPECT_TRUE(first.status.exited_with(0)) << describe(first.status) << "\n" << first.err;
  const auto seen = parse(first.out);
  EXPECT_EQ(seen.mode, "0700");
  EXPECT_EQ(seen.entries, "0");
  ASSERT_FALSE(seen.path.empty());
  EXPECT_TRUE(std::filesystem::path(seen.path).is_absolute()) << seen.path;
  // The helper left a nested file in it: removal has to be recursive.
  EXPECT_FALSE(std::filesystem::exists(seen.path)) << seen.path << " was left behind";
  const char* own_tmpdir = std::getenv("TMPDIR");
  EXPECT_NE(seen.path, own_tmpdir != nullptr ? own_tmpdir : "/tmp");
  EXPECT_NE(parse(second.out).path, seen.path) << "two runs shared a TMPDIR";

  const auto record = read_record(record_path);
  expect_record_basics(record, first, "tmp", command);
  EXPECT_EQ(record["tmpdir"], seen.path);
}

TEST_F(Tmpdir, IsKeptWithKeepTmp) {
  const auto record_path = dir_ / "kept.json";
  const auto command = helper("print-tmpdir");
  const auto result =
      run(launcher({"--name", "kept", "--keep-tmp", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  const auto seen = parse(result.out);
  ASSERT_FALSE(seen.path.empty());
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(seen.path) / "nested" / "file"))
      << seen.path << " was not kept";
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "kept", command, /*kept_tmpdir=*/true);
  EXPECT_EQ(record["tmpdir"], seen.path);
  std::error_code ignored;
  if (seen.path.find("mmtest") != std::string::npos)
    std::filesystem::remove_all(seen.path, ignored);
}

TEST_F(Tmpdir, IsRemovedAfterATimeoutToo) {
  const auto record_path = dir_ / "timeout.json";
  const auto command = helper("sleep", {"--ms", "30000"});
  const auto result = run(
      launcher({"--name", "slow", "--timeout", "0.5", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(124)) << describe(result.status) << "\n" << result.err;
  const auto record = read_record(record_path);
  ASSERT_TRUE(record.is_object() && record["tmpdir"].is_string()) << record;
  EXPECT_FALSE(std::filesystem::exists(record["tmpdir"].get<std::string>()));
}

// ---- What the test is told about its run
// -------------------------------------------------------------------------

class RunVariables : public LauncherTest {
 protected:
  std::vector<std::string> print_run_variables() const {
    return helper("print-env", {"--names", "MMTEST_RUN_TEST_NAME,MMTEST_RUN_MEMORY_BYTES,MMTEST_RUN_CASES_FILE,TMPDIR"});
  }
  // Values an outer mmtest-run would have set: never passed on.
  const std::vector<std::pair<std::string, std::optional<std::string>>> outer_ = {
      {"MMTEST_RUN_TEST_NAME", "outer"}, {"MMTEST_RUN_MEMORY_BYTES", "1"}, {"MMTEST_RUN_CASES_FILE", "/nonexistent/outer"}};
};

TEST_F(RunVariables, TellTheTestItsNameBudgetAndCasesFileInItsTmpdir) {
  const auto result = run(launcher({"--name", "book replay", "--memory", "64M"}, print_run_variables()), {.env = outer_});

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  std::smatch match;
  ASSERT_TRUE(std::regex_match(result.out, match,
                               std::regex("MMTEST_RUN_TEST_NAME=book replay\n"
                                          "MMTEST_RUN_MEMORY_BYTES=67108864\n"
                                          "MMTEST_RUN_CASES_FILE=(.*)/mmtest-cases\\.jsonl\n"
                                          "TMPDIR=(.*)\n")))
      << result.out;
  EXPECT_EQ(match[1], match[2]) << "the cases file is not in the test's TMPDIR";
  expect_no_survivors();
}

TEST_F(RunVariables, NoBudgetMeansNoBudgetVariableEvenInsideAnotherRun) {
  const auto result = run(launcher({"--name", "free"}, print_run_variables()), {.env = outer_});

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_NE(result.out.find("MMTEST_RUN_TEST_NAME=free\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("MMTEST_RUN_MEMORY_BYTES unset\n"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("/nonexistent/outer"), std::string::npos) << result.out;
}

// ---- Resource limits
// -------------------------------------------------------------------------------

class ResourceLimit : public LauncherTest {};

TEST_F(ResourceLimit, FileSizeLimitStopsAWriteBeyondIt) {
  const auto record_path = dir_ / "fsize.json";
  const auto command = helper("write-file", {"--dir", dir_.path().string(), "--mib", "4"});
  const auto result = run(launcher(
      {"--name", "fsize", "--max-file-size", "1M", "--result", record_path.string()}, command));

  // Either the default action of SIGXFSZ, re-raised, or a failed write() (EFBIG).
  EXPECT_TRUE(result.status.killed_by(SIGXFSZ) ||
              (result.status.exited() && result.status.code() != 0))
      << describe(result.status) << "\n"
      << result.err;
  const std::string line = diagnosis(result);
  EXPECT_TRUE(line.starts_with("mmtest: fsize died of signal SIGXFSZ") ||
              line.starts_with("mmtest: fsize failed with exit code "))
      << line;
  const auto written = dir_ / "mmtest_helper.out";
  ASSERT_TRUE(std::filesystem::exists(written));
  EXPECT_LE(std::filesystem::file_size(written), static_cast<std::uintmax_t>(kMiB));
  expect_no_survivors();
  expect_record_basics(read_record(record_path), result, "fsize", command);
}

TEST_F(ResourceLimit, CpuTimeLimitStopsABusyLoop) {
  const auto record_path = dir_ / "cpu.json";
  const auto command = helper("cpu", {"--ms", "20000"});
  const auto result = run(launcher(
      {"--name", "spin", "--cpu-time", "1", "--timeout", "30", "--result", record_path.string()},
      command));

  // RLIMIT_CPU: SIGXCPU at the soft limit (SIGKILL at a hard limit, if that comes first).
  EXPECT_TRUE(result.status.killed_by(SIGXCPU) || result.status.killed_by(SIGKILL))
      << describe(result.status) << "\n"
      << result.err;
  EXPECT_TRUE(diagnosis(result).starts_with("mmtest: spin died of signal SIG")) << result.err;
  // RLIMIT_CPU, not the 30 s --timeout, must have stopped it (the outcome below says so too); the
  // wall time is generous because a loaded machine (sanitizer builds, -j64) stretches 1 s of CPU.
  EXPECT_LT(result.wall.count(), 29.0);
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "spin", command);
  EXPECT_EQ(record["outcome"], "signal");
  // The record carries the child's CPU time, not the launcher's own (a few ms) nor zero. The kernel
  // enforces RLIMIT_CPU on the scheduler's runtime, while getrusage() reports ticks scaled to it; on
  // the CI's virtual machine that came out at 0.886 s for a 1 s limit, so the lower bound is loose.
  EXPECT_LE(record.value("cpu_seconds", 99.0), 3.0);
  EXPECT_GE(record.value("cpu_seconds", 0.0), 0.5);
}

TEST_F(ResourceLimit, OpenFilesLimitIsApplied) {
  const auto under = run(launcher({"--name", "few", "--max-open-files", "64"},
                                  helper("open-files", {"--count", "40"})));
  const auto over = run(launcher({"--name", "many", "--max-open-files", "64"},
                                 helper("open-files", {"--count", "100"})));

  EXPECT_TRUE(under.status.exited_with(0)) << describe(under.status) << "\n" << under.err;
  EXPECT_TRUE(over.status.exited_with(1)) << describe(over.status) << "\n" << over.err;
  EXPECT_NE(over.err.find("Too many open files"), std::string::npos) << over.err;
  expect_no_survivors();
}

TEST_F(ResourceLimit, DataLimitMakesAllocationFail) {
  const auto command = helper("hog", {"--mib", "300"});
  const auto result = run(launcher({"--name", "data", "--data-limit", "100M"}, command));

  // operator new throws std::bad_alloc, uncaught: std::terminate aborts.
  EXPECT_TRUE(result.status.killed_by(SIGABRT)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(diagnosis(result).starts_with("mmtest: data died of signal SIGABRT")) << result.err;
  expect_no_survivors();
}

}  // namespace
}  // namespace mmtest::launcher_test
