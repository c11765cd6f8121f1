// How the test's end becomes the launcher's end: exit codes, signals, commands that cannot run.
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <sys/resource.h>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

class ExitCode : public LauncherTest {};

TEST_F(ExitCode, ZeroIsAPassWithACompleteRecordAndNoDiagnosis) {
  const auto record_path = dir_ / "records" / "nested" / "zero.json";  // parents do not exist
  const auto command = helper("exit", {"--code", "0"});
  const auto result = run(launcher({"--name", "zero", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(lines_starting_with(result.err, "mmtest: ").empty()) << result.err;
  expect_no_survivors();

  const auto record = read_record(record_path);
  expect_record_basics(record, result, "zero", command);
  EXPECT_EQ(record["outcome"], "passed");
  EXPECT_EQ(record["exit_code"], 0);
  EXPECT_TRUE(record["signal"].is_null()) << record["signal"];
  EXPECT_TRUE(record["memory_limit_bytes"].is_null()) << record["memory_limit_bytes"];
  EXPECT_TRUE(record["timeout_seconds"].is_null()) << record["timeout_seconds"];
  EXPECT_EQ(record["leaked_processes"], nlohmann::json::array());
  EXPECT_GT(record.value("peak_memory_bytes", 0LL), 0);
  EXPECT_GE(record.value("cpu_seconds", -1.0), 0.0);
  // Even a run too short for the first sample had its main process.
  EXPECT_GE(record.value("max_processes_seen", 0), 1);
  // No cgroup v2 delegation on the test machines: auto falls back to sampling, and says why.
  EXPECT_EQ(record["limit_mode"], "sample");
  EXPECT_TRUE(record["limit_mode_reason"].is_string() &&
              !record["limit_mode_reason"].get<std::string>().empty())
      << record["limit_mode_reason"];
  EXPECT_TRUE(record["peak_memory_source"].is_string()) << record["peak_memory_source"];
  expect_only_file(record_path.parent_path(), "zero.json");
}

TEST_F(ExitCode, NonZeroIsPassedThroughAndExplained) {
  const auto record_path = dir_ / "three.json";
  const auto command = helper("exit", {"--code", "3"});
  const auto result = run(launcher({"--name", "three", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(3)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: three failed with exit code 3").empty());
  expect_no_survivors();

  const auto record = read_record(record_path);
  expect_record_basics(record, result, "three", command);
  EXPECT_EQ(record["outcome"], "failed");
  EXPECT_EQ(record["exit_code"], 3);
  EXPECT_TRUE(record["signal"].is_null()) << record["signal"];
}

TEST_F(ExitCode, NameDefaultsToTheCommandsBasename) {
  const auto record_path = dir_ / "record.json";
  const auto command = helper("exit", {"--code", "7"});
  const auto result = run(launcher({"--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(7)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: mmtest_helper failed with exit code 7").empty());
  expect_no_survivors();
  expect_record_basics(read_record(record_path), result, "mmtest_helper", command);
}

// ---- Signals
// -------------------------------------------------------------------------------------

class Signal : public LauncherTest {
 protected:
  // The helper raises `signal`; the caller of the launcher must see a death by that signal.
  void expect_death_reraised(int signal) {
    const std::string name = signal_name(signal);
    const auto record_path = dir_ / "record.json";
    const auto work = dir_ / "cwd";
    std::filesystem::create_directory(work);
    const auto command = helper("kill-self", {"--signal", name});
    // RLIMIT_CORE starts unlimited: only the launcher's default of 0 keeps cores away.
    const auto result =
        run(launcher({"--name", "crash", "--result", record_path.string()}, command),
            {.cwd = work, .unlimited_core = true});

    EXPECT_TRUE(result.status.killed_by(signal)) << describe(result.status) << "\n" << result.err;
    EXPECT_FALSE(match_diagnosis(result, "mmtest: crash died of signal " + name).empty());
    expect_no_survivors();

    const auto record = read_record(record_path);
    expect_record_basics(record, result, "crash", command);
    EXPECT_EQ(record["outcome"], "signal");
    EXPECT_EQ(record["signal"], name);
    EXPECT_TRUE(record["exit_code"].is_null()) << record["exit_code"];
    EXPECT_EQ(record["launcher_exit_code"], 128 + signal);

    for (const auto& entry : std::filesystem::directory_iterator(work)) {
      ADD_FAILURE() << "core dumped without --core: " << entry.path();
    }
  }
};

TEST_F(Signal, SegfaultIsReRaisedWithoutACoreDump) { expect_death_reraised(SIGSEGV); }

TEST_F(Signal, AbortIsReRaisedWithoutACoreDump) { expect_death_reraised(SIGABRT); }

TEST_F(Signal, KillIsReRaised) { expect_death_reraised(SIGKILL); }

TEST_F(Signal, CoreOptionAllowsTheTestToDumpCore) {
  std::ifstream pattern_file("/proc/sys/kernel/core_pattern");
  std::string pattern;
  std::getline(pattern_file, pattern);
  if (pattern.empty() || pattern.front() == '|' || pattern.find('/') != std::string::npos) {
    GTEST_SKIP() << "core_pattern '" << pattern << "' does not dump into the working directory";
  }
  rlimit core{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &core), 0);
  if (core.rlim_max == 0) {
    // Raising a hard limit takes CAP_SYS_RESOURCE, which a sandbox may withhold even from root.
    const rlimit one_page{4096, 4096};
    if (::setrlimit(RLIMIT_CORE, &one_page) != 0) {
      GTEST_SKIP() << "the hard RLIMIT_CORE is 0 here and cannot be raised (an mmtest-run without --core "
                      "around this test sets it so): no process below can dump core";
    }
    const rlimit none{0, 0};
    ::setrlimit(RLIMIT_CORE, &none);
  }
  const auto work = dir_ / "cwd";
  std::filesystem::create_directory(work);
  const auto result = run(launcher({"--name", "dump", "--core", "--no-measurements"},
                                   helper("kill-self", {"--signal", "SIGSEGV"})),
                          {.cwd = work, .unlimited_core = true});

  EXPECT_TRUE(result.status.killed_by(SIGSEGV)) << describe(result.status) << "\n" << result.err;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(work)) {
    files.push_back(entry.path().filename());
  }
  EXPECT_EQ(files.size(), 1u) << "expected the test's core file (pattern '" << pattern << "')";
  expect_no_survivors();
}

// ---- Commands that cannot run
// ---------------------------------------------------------------------

class NotRun : public LauncherTest {};

TEST_F(NotRun, MissingCommandIs127WithARecord) {
  const auto record_path = dir_ / "record.json";
  const std::string missing = (dir_ / "no-such-dir" / "no-such-command").string();
  const std::vector<std::string> command{missing, "--tag", tag_};
  const auto result = run(launcher({"--name", "ghost", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(127)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(
      match_diagnosis(result, "mmtest: ghost not run: command not found: " + regex_escape(missing))
          .empty());
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "ghost", command);
  EXPECT_TRUE(record["exit_code"].is_null()) << record["exit_code"];
}

TEST_F(NotRun, CommandMissingFromPathIs127) {
  const auto record_path = dir_ / "record.json";
  const std::string missing = "mmtest-no-such-command-anywhere";
  const std::vector<std::string> command{missing, "--tag", tag_};
  const auto result = run(launcher({"--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(127)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(
      match_diagnosis(result, "mmtest: " + missing + " not run: command not found: " + missing)
          .empty());
  expect_record_basics(read_record(record_path), result, missing, command);
}

TEST_F(NotRun, NonExecutableFileIs126WithARecord) {
  const auto record_path = dir_ / "record.json";
  const auto script = dir_ / "not-executable.sh";
  const auto witness = dir_ / "script-ran";
  std::ofstream(script) << "#!/bin/sh\ntouch '" << witness.string() << "'\n";
  std::filesystem::permissions(script, std::filesystem::perms(0644));
  const std::vector<std::string> command{script.string(), "--tag", tag_};
  const auto result =
      run(launcher({"--name", "noexec", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(126)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: noexec not run: command not executable: " +
                                           regex_escape(script.string()) + " \\(.+\\)")
                   .empty());
  EXPECT_FALSE(std::filesystem::exists(witness)) << "the file was run anyway";
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "noexec", command);
  EXPECT_TRUE(record["exit_code"].is_null()) << record["exit_code"];
}

// Passes every check before the start (a regular file with the execute bit) and is refused by
// execve itself: the failure happens in the started child and must come back to the launcher.
TEST_F(NotRun, ExecveRefusalIs126NamingExecveAndItsError) {
  const auto record_path = dir_ / "record.json";
  const auto bogus = dir_ / "bogus-binary";
  std::ofstream(bogus, std::ios::binary) << "\x7f" "ELF but not really an executable";
  std::filesystem::permissions(bogus, std::filesystem::perms(0755));
  const std::vector<std::string> command{bogus.string(), "--tag", tag_};
  const auto result = run(launcher({"--name", "bogus", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(126)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: bogus not run: execve\\(" + regex_escape(bogus.string()) +
                                           "\\): " + regex_escape(std::strerror(ENOEXEC)))
                   .empty());
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "bogus", command);  // and the TMPDIR made for it is gone
  EXPECT_EQ(record["outcome"], "harness-error");
  EXPECT_TRUE(record["exit_code"].is_null()) << record["exit_code"];
}

// A limit the kernel refuses to set (above fs.nr_open, even for root) fails in the child before
// execve: the launcher names the call and its value, exits 125, and the command never runs.
TEST_F(NotRun, RefusedRlimitIs125NamingTheLimitAndNothingRuns) {
  const auto record_path = dir_ / "record.json";
  std::uint64_t nr_open = 0;
  std::ifstream("/proc/sys/fs/nr_open") >> nr_open;
  ASSERT_GT(nr_open, 0u) << "cannot read /proc/sys/fs/nr_open";
  const std::string too_many = std::to_string(nr_open + 1);
  const auto witness = dir_ / "ran";
  const std::vector<std::string> command{"/usr/bin/touch", witness.string(), tag_};
  const auto result =
      run(launcher({"--name", "nofile", "--max-open-files", too_many, "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(125)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: nofile not run: setrlimit\\(RLIMIT_NOFILE, " + too_many +
                                           "\\): " + regex_escape(std::strerror(EPERM)))
                   .empty());
  EXPECT_FALSE(std::filesystem::exists(witness)) << "the command ran although its limit could not be set";
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "nofile", command);
  EXPECT_EQ(record["outcome"], "harness-error");
}

// ---- How the command is started
// -------------------------------------------------------------------

class Command : public LauncherTest {};

TEST_F(Command, WithoutSlashIsSearchedInPath) {
  const auto helper_dir = std::filesystem::path(kHelper).parent_path();
  auto command = helper("exit", {"--code", "5"});
  command.front() = "mmtest_helper";
  const auto result =
      run(launcher({"--name", "via-path"}, command),
          {.env = {{"PATH", "/nonexistent:" + helper_dir.string() + ":/usr/bin:/bin"}}});

  EXPECT_TRUE(result.status.exited_with(5)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: via-path failed with exit code 5").empty());
}

TEST_F(Command, ArgumentsArriveVerbatimWithoutAShell) {
  const std::vector<std::string> command{
      "/usr/bin/printf", "[%s]\\n", "a b", "$HOME", "*", ";", "", "'q'", tag_};
  const auto result = run(launcher({"--no-measurements"}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_EQ(result.out, "[a b]\n[$HOME]\n[*]\n[;]\n[]\n['q']\n[" + tag_ + "]\n");
}

}  // namespace
}  // namespace mmtest::launcher_test
