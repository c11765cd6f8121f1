// The launcher's cgroup v2 mode against a real kernel. Runs inside the VM that tests/vm/mmtest-vm
// boots (tests/vm/guest-cgroup-mode prepares the cgroups and sets the variables below); outside
// it every test skips. Same launcher, same helper program as the sampling tests in tests/launcher.
//
//   MMTEST_VM_DELEGATED      a cgroup whose subtree_control enables memory and pids; this program
//                            runs in its child "runner", as a CI job's ctest would
//   MMTEST_VM_NOT_DELEGATED  a cgroup that enables no controller for its children
//   MMTEST_VM_READ_ONLY      MMTEST_VM_DELEGATED seen through a read-only mount of cgroup2
//   MMTEST_VM_USER_DELEGATED a cgroup delegated to uid 65534 the way systemd delegates one, with
//                            a child "runner" owned by that user too
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "../launcher/support.hpp"

namespace mmtest::launcher_test {
namespace {

namespace fs = std::filesystem;

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The test cgroups the launcher left below `parent`: there must be none after a run.
std::vector<std::string> leaves_below(const fs::path& parent) {
  std::vector<std::string> leaves;
  for (const auto& entry : fs::directory_iterator(parent)) {
    if (entry.is_directory() && entry.path().filename().string().starts_with("mmtest-")) {
      leaves.push_back(entry.path().filename().string());
    }
  }
  return leaves;
}

class CgroupMode : public LauncherTest {
 protected:
  void SetUp() override {
    if (delegated_.empty()) GTEST_SKIP() << "not inside mmtest-vm's guest (MMTEST_VM_DELEGATED unset)";
    leaves_before_ = leaves_below(delegated_);
  }
  // Only this test's leftovers: one test that failed must not fail every later one.
  void TearDown() override {
    if (delegated_.empty()) return;
    std::vector<std::string> left = leaves_below(delegated_);
    std::erase_if(left, [&](const std::string& leaf) { return std::ranges::find(leaves_before_, leaf) != leaves_before_.end(); });
    EXPECT_EQ(left, std::vector<std::string>{}) << "a test cgroup was left behind";
  }

  // The launcher with MMTEST_CGROUP_PARENT pointing at `parent` (auto mode).
  RunResult run_under(const fs::path& parent, std::vector<std::string> options, const std::vector<std::string>& command) {
    return run(launcher(std::move(options), command), {.env = {{"MMTEST_CGROUP_PARENT", parent.string()}}});
  }

  // The warnings the launcher printed.
  static std::vector<std::string> warnings(const RunResult& result) {
    return lines_starting_with(result.err, "mmtest: warning: ");
  }

  const fs::path delegated_ = variable("MMTEST_VM_DELEGATED");
  std::vector<std::string> leaves_before_;
};

// The diagnosis of a memory kill, in either mode: figure, budget, source, processes.
const std::string kMemoryKill =
    R"(mmtest: (\S+) killed: memory ([0-9]+\.[0-9]) (MiB|GiB) exceeded budget 200\.0 MiB \(([^,]+), ([0-9]+) process(es)?\); )"
    R"(raise its MEMORY \(--memory\) or shrink what it holds)";

TEST_F(CgroupMode, AutoUsesTheDelegatedParentAndSaysSoInTheRecord) {
  const auto record_path = dir_ / "auto.json";
  ReadyFifo ready(dir_ / "ready");
  const auto command = helper("hog", {"--mib", "8", "--hold", "--ready", ready.path().string()});
  Process launcher_process = Process::start(
      launcher({"--name", "auto", "--memory", "64M", "--max-processes", "50", "--result", record_path.string()}, command),
      {.env = {{"MMTEST_CGROUP_PARENT", delegated_.string()}}});
  ASSERT_TRUE(launcher_process.wait_ready(ready.fd(), kConditionTimeout)) << "the helper never got ready";

  // While it runs: the helper is in the launcher's own leaf, with the limits written there.
  auto pids = pids_with_tag(tag_);
  std::erase(pids, launcher_process.pid());  // its command line holds the tag too
  ASSERT_EQ(pids.size(), 1u) << describe_processes(pids);
  const std::string leaf_name = "mmtest-" + std::to_string(launcher_process.pid());
  const fs::path leaf = delegated_ / leaf_name;
  const fs::path relative = fs::path("/") / fs::relative(leaf, "/sys/fs/cgroup");
  EXPECT_EQ(read_file("/proc/" + std::to_string(pids.front()) + "/cgroup"), "0::" + relative.string() + "\n");
  EXPECT_EQ(read_file(leaf / "memory.max"), std::to_string(64 * kMiB) + "\n");
  EXPECT_EQ(read_file(leaf / "memory.swap.max"), "0\n");
  EXPECT_EQ(read_file(leaf / "memory.oom.group"), "1\n");
  EXPECT_EQ(read_file(leaf / "pids.max"), "50\n");

  ::kill(launcher_process.pid(), SIGTERM);
  const auto result = launcher_process.finish();
  EXPECT_TRUE(result.status.killed_by(SIGTERM)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(warnings(result).empty()) << result.err;
  expect_no_survivors();
  EXPECT_FALSE(fs::exists(leaf)) << leaf << " was not removed";
  const auto record = read_record(record_path);
  EXPECT_EQ(record["outcome"], "interrupted");
  EXPECT_EQ(record["limit_mode"], "cgroup");
  EXPECT_EQ(record["limit_mode_reason"], "delegated cgroup v2 at " + delegated_.string());
  EXPECT_EQ(record["peak_memory_source"], "cgroup-memory-peak");
  EXPECT_GE(record.value("peak_memory_bytes", 0LL), 8 * kMiB);
}

// The outcome and the diagnosis are those of sample mode; memory.max stops the test with no
// overshoot at all, and the diagnosis counts the kernel's OOM kills.
TEST_F(CgroupMode, MemoryMaxStopsATestOverItsBudgetWithZeroOvershoot) {
  const auto command = helper("hog", {"--mib", "400", "--rate-mib-s", "1000", "--hold-ms", "30000"});
  std::map<std::string, nlohmann::json> records;
  std::map<std::string, std::vector<std::string>> diagnoses;
  for (const std::string mode : {"sample", "auto"}) {
    SCOPED_TRACE(mode);
    const auto record_path = dir_ / (mode + ".json");
    const auto result = run_under(
        delegated_, {"--name", "hog", "--limit-mode", mode, "--memory", "200M", "--grace", "1", "--result", record_path.string()},
        command);
    EXPECT_TRUE(result.status.exited_with(123)) << describe(result.status) << "\n" << result.err;
    diagnoses[mode] = match_diagnosis(result, kMemoryKill);
    records[mode] = read_record(record_path);
    expect_record_basics(records[mode], result, "hog", command);
    expect_no_survivors();
    EXPECT_EQ(records[mode]["outcome"], "memory");
    EXPECT_LT(records[mode].value("wall_seconds", 99.0), 25.0) << "not stopped early";
  }
  ASSERT_EQ(diagnoses["auto"].size(), 7u);
  ASSERT_EQ(diagnoses["sample"].size(), 7u);
  EXPECT_EQ(diagnoses["sample"][4], "tree RSS");
  // oom_kill counts kills, not processes: with memory.oom.group the victim the OOM killer chose
  // is counted, then killed again with its group (Linux 6.1 counts 2 for this one process).
  EXPECT_TRUE(std::regex_match(diagnoses["auto"][4], std::regex("cgroup memory\\.peak; memory\\.events oom_kill [1-9][0-9]*")))
      << diagnoses["auto"][4];
  EXPECT_EQ(diagnoses["auto"][5], "1");

  EXPECT_EQ(records["auto"]["limit_mode"], "cgroup");
  EXPECT_EQ(records["auto"]["peak_memory_source"], "cgroup-memory-peak");
  EXPECT_EQ(records["auto"]["signal"], "SIGKILL");
  const long long cgroup_peak = records["auto"].value("peak_memory_bytes", 0LL);
  const long long sample_peak = records["sample"].value("peak_memory_bytes", 0LL);
  EXPECT_LE(cgroup_peak, 200 * kMiB) << "memory.max let the test past its budget";
  EXPECT_GE(cgroup_peak, 190 * kMiB) << "the test was stopped well before its budget";
  EXPECT_EQ(records["sample"]["limit_mode"], "sample");
  EXPECT_GT(sample_peak, 200 * kMiB);
  std::printf("figure: overshoot at a 200 MiB budget, 1 GiB/s: cgroup %+.1f MiB, sample %+.1f MiB\n",
              static_cast<double>(cgroup_peak - 200 * kMiB) / kMiB, static_cast<double>(sample_peak - 200 * kMiB) / kMiB);
}

TEST_F(CgroupMode, MemoryMaxKillsAWholeTreeTogether) {
  const auto record_path = dir_ / "tree.json";
  const auto command = helper("children", {"--count", "3", "--mib", "100", "--hold"});
  const auto result = run_under(delegated_, {"--name", "tree", "--memory", "200M", "--timeout", "60", "--result", record_path.string()},
                                command);
  EXPECT_TRUE(result.status.exited_with(123)) << describe(result.status) << "\n" << result.err;
  const auto match = match_diagnosis(result, kMemoryKill);
  ASSERT_EQ(match.size(), 7u);
  // memory.oom.group: the kernel kills every process of the leaf (the parent and 3 children), and
  // counts each.
  std::smatch kills;
  ASSERT_TRUE(std::regex_match(match[4], kills, std::regex("cgroup memory\\.peak; memory\\.events oom_kill ([0-9]+)"))) << match[4];
  EXPECT_GE(std::stoi(kills[1]), 4) << match[4];
  expect_no_survivors();
  const auto record = read_record(record_path);
  EXPECT_EQ(record["outcome"], "memory");
  EXPECT_LE(record.value("peak_memory_bytes", 0LL), 200 * kMiB);
}

// memory.peak counts each page once; the sum of RSS counts a page shared by N processes N times.
TEST_F(CgroupMode, MemoryPeakIsExactForAForkedTreeWhereSamplingOvercountsSharedPages) {
  struct Case {
    std::vector<std::string> args;
    double real_mib;
  };
  const Case cases[] = {{{"--count", "4", "--mib", "150", "--hold-ms", "500"}, 600},
                        {{"--count", "4", "--mib", "50", "--shared-mib", "200", "--hold-ms", "500"}, 400}};
  for (const Case& tree : cases) {
    const auto command = helper("children", tree.args);
    std::map<std::string, double> peak_mib;
    for (const std::string mode : {"auto", "sample"}) {
      const auto record_path = dir_ / ("peak-" + mode + ".json");
      const auto result = run_under(delegated_, {"--name", "peak", "--limit-mode", mode, "--result", record_path.string()}, command);
      EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
      const auto record = read_record(record_path);
      EXPECT_EQ(record["limit_mode"], mode == "auto" ? "cgroup" : "sample");
      peak_mib[mode] = static_cast<double>(record.value("peak_memory_bytes", 0LL)) / kMiB;
    }
    EXPECT_NEAR(peak_mib["auto"], tree.real_mib, 0.02 * tree.real_mib) << "memory.peak is off by more than 2%";
    std::printf("figure: children %s: real %.0f MiB, cgroup memory.peak %.1f MiB (%+.2f%%), sample tree RSS %.1f MiB (%+.2f%%)\n",
                tree.args[3].c_str(), tree.real_mib, peak_mib["auto"], 100 * (peak_mib["auto"] / tree.real_mib - 1),
                peak_mib["sample"], 100 * (peak_mib["sample"] / tree.real_mib - 1));
  }
  // The shared case: 4 children each map the parent's 200 MiB; summed RSS sees 5 x 200 + 4 x 50.
}

TEST_F(CgroupMode, SamplingCountsSharedPagesOncePerProcess) {
  const auto command = helper("children", {"--count", "4", "--mib", "50", "--shared-mib", "200", "--hold-ms", "500"});
  const auto record_path = dir_ / "shared.json";
  const auto result = run(launcher({"--name", "shared", "--limit-mode", "sample", "--result", record_path.string()}, command));
  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  // 400 MiB are real; RSS counts the shared 200 MiB in each of the 5 processes: about 1200.
  EXPECT_GT(read_record(record_path).value("peak_memory_bytes", 0LL), 1000 * kMiB);
}

TEST_F(CgroupMode, PidsMaxStopsAForkBomb) {
  const auto record_path = dir_ / "bomb.json";
  const auto command = helper("fork-many", {"--count", "100000"});
  const auto result = run_under(
      delegated_, {"--name", "bomb", "--max-processes", "64", "--timeout", "60", "--grace", "1", "--result", record_path.string()},
      command);
  EXPECT_TRUE(result.status.exited_with(122)) << describe(result.status) << "\n" << result.err;
  match_diagnosis(result,
                  R"(mmtest: bomb killed: ([0-9]+) processes reached the limit of 64 \(--max-processes\): cgroup pids\.max )"
                  R"(refused ([0-9]+) forks?; a fork loop, or raise the limit)");
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "bomb", command);
  EXPECT_EQ(record["outcome"], "process-limit");
  EXPECT_EQ(record["limit_mode"], "cgroup");
  EXPECT_LE(record.value("max_processes_seen", 999), 64) << "pids.max let the tree past the cap";
  const double wall = record.value("wall_seconds", 99.0);
  EXPECT_LT(wall, 30.0) << "the bomb ran on until its timeout";
  std::printf("figure: fork bomb under pids.max 64: stopped after %.2f s, %d processes seen\n", wall,
              record.value("max_processes_seen", 0));
}

// pids.max counts threads: one process starting threads reaches a cap of 16 processes. The stop
// must not be told as a fork loop.
TEST_F(CgroupMode, PidsMaxReachedByThreadsIsBlamedOnThreads) {
  const auto record_path = dir_ / "threads.json";
  const auto command = helper("threads", {"--count", "40"});
  const auto result = run_under(
      delegated_, {"--name", "pool", "--max-processes", "16", "--timeout", "60", "--grace", "1", "--result", record_path.string()},
      command);
  EXPECT_TRUE(result.status.exited_with(122)) << describe(result.status) << "\n" << result.err;
  match_diagnosis(result,
                  R"(mmtest: pool killed: (1[0-9]) tasks \(1 process with its threads\) reached the limit of 16 )"
                  R"(\(--max-processes\); in cgroup mode pids\.max counts threads too and refused ([0-9]+) new threads? or )"
                  R"(process(es)?; raise the limit for a test with many threads)");
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "pool", command);
  EXPECT_EQ(record["outcome"], "process-limit");
  EXPECT_EQ(record["limit_mode"], "cgroup");
  EXPECT_EQ(record.value("max_processes_seen", 0), 1) << "threads were counted as processes";
}

// A launcher killed with SIGKILL cannot remove its leaf, and the setsid grandchild of its test
// (which the main process's death signal does not reach) lives on in it. The next launcher under
// the same parent kills what is left there, removes the leaf and says so in a warning.
TEST_F(CgroupMode, TheNextLauncherRemovesTheLeafOfAKilledOneAndWhatLivesInIt) {
  ReadyFifo ready(dir_ / "ready");
  Process killed = Process::start(launcher({"--name", "victim"}, helper("daemonize", {"--hold", "--ready", ready.path().string()})),
                                  {.env = {{"MMTEST_CGROUP_PARENT", delegated_.string()}}});
  ASSERT_TRUE(killed.wait_ready(ready.fd(), kConditionTimeout)) << "the helper never got ready";
  const fs::path stale = delegated_ / ("mmtest-" + std::to_string(killed.pid()));
  ASSERT_TRUE(fs::exists(stale)) << stale;
  ::kill(killed.pid(), SIGKILL);
  EXPECT_TRUE(killed.finish().status.killed_by(SIGKILL));
  // The launcher is gone; its leaf and the grandchild in it are not.
  ASSERT_TRUE(fs::exists(stale)) << "the kernel removed the leaf itself?";
  ASSERT_TRUE(eventually([&] { return pids_with_tag(tag_).size() == 1; })) << describe_processes(pids_with_tag(tag_));
  EXPECT_EQ(read_file(stale / "cgroup.procs"), std::to_string(pids_with_tag(tag_).front()) + "\n");

  const auto next = run_under(delegated_, {"--name", "next"}, {"/bin/true"});
  EXPECT_TRUE(next.status.exited_with(0)) << describe(next.status) << "\n" << next.err;
  EXPECT_EQ(warnings(next), std::vector<std::string>{"mmtest: warning: next: removed " + stale.string() +
                                                       ", left by a launcher that was killed, and killed the 1 process still in it"})
      << next.err;
  EXPECT_FALSE(fs::exists(stale)) << stale << " is still there";
  EXPECT_TRUE(pids_with_tag(tag_).empty()) << describe_processes(pids_with_tag(tag_));
  // A second run finds nothing left to remove.
  const auto third = run_under(delegated_, {"--name", "third"}, {"/bin/true"});
  EXPECT_TRUE(third.status.exited_with(0)) << describe(third.status) << "\n" << third.err;
  EXPECT_TRUE(warnings(third).empty()) << third.err;
}

TEST_F(CgroupMode, CgroupKillLeavesNothingBehind) {
  // A setsid grandchild that ignores SIGTERM, left behind by a test that passed...
  const auto leaked = run_under(delegated_, {"--name", "leak", "--grace", "1"}, helper("daemonize"));
  EXPECT_TRUE(leaked.status.exited_with(121)) << describe(leaked.status) << "\n" << leaked.err;
  match_diagnosis(leaked, R"(mmtest: leak leaked 1 process: mmtest_helper \(pid [0-9]+\); killed them\..*)");
  expect_no_survivors();
  // ...and one still held by a test that times out.
  const auto record_path = dir_ / "timeout.json";
  const auto timed_out = run_under(delegated_, {"--name", "hang", "--timeout", "2", "--grace", "1", "--result", record_path.string()},
                                   helper("daemonize", {"--hold"}));
  EXPECT_TRUE(timed_out.status.exited_with(124)) << describe(timed_out.status) << "\n" << timed_out.err;
  expect_no_survivors();
  EXPECT_EQ(read_record(record_path)["limit_mode"], "cgroup");
}

// ---- where cgroup mode cannot be used: sampling, and one line saying why --------------------------

class Fallback : public CgroupMode {
 protected:
  // A test over its budget still stopped, by sampling, and one warning line naming `why`.
  void expect_sampling_with_one_line(const RunResult& result, const fs::path& record_path, const std::string& parent,
                                     const std::string& why) {
    EXPECT_TRUE(result.status.exited_with(123)) << describe(result.status) << "\n" << result.err;
    // The diagnosis: the one "mmtest: " line that is not the warning.
    std::vector<std::string> diagnoses;
    for (const std::string& line : lines_starting_with(result.err, "mmtest: ")) {
      if (!line.starts_with("mmtest: warning: ")) diagnoses.push_back(line);
    }
    ASSERT_EQ(diagnoses.size(), 1u) << result.err;
    std::smatch match;
    ASSERT_TRUE(std::regex_match(diagnoses[0], match, std::regex(kMemoryKill))) << diagnoses[0];
    EXPECT_EQ(match[4], "tree RSS");
    const auto lines = warnings(result);
    ASSERT_EQ(lines.size(), 1u) << result.err;
    EXPECT_EQ(lines[0].rfind("mmtest: warning: fallback: MMTEST_CGROUP_PARENT " + parent + ": limits enforced by sampling instead: ", 0), 0u)
        << lines[0];
    EXPECT_NE(lines[0].find(why), std::string::npos) << lines[0];
    const auto record = read_record(record_path);
    EXPECT_EQ(record["limit_mode"], "sample");
    EXPECT_NE(record.value("limit_mode_reason", "").find(why), std::string::npos) << record["limit_mode_reason"];
    expect_no_survivors();
  }

  const std::vector<std::string> hog_ = helper("hog", {"--mib", "400", "--rate-mib-s", "1000", "--hold-ms", "30000"});
};

TEST_F(Fallback, ANonDelegatedParentFallsBackToSampling) {
  const std::string parent = variable("MMTEST_VM_NOT_DELEGATED");
  const auto record_path = dir_ / "nd.json";
  const auto result = run_under(parent, {"--name", "fallback", "--memory", "200M", "--result", record_path.string()}, hog_);
  expect_sampling_with_one_line(result, record_path, parent, "does not enable memory and pids for its children");
}

TEST_F(Fallback, AReadOnlyHierarchyFallsBackToSampling) {
  const std::string parent = variable("MMTEST_VM_READ_ONLY");
  const auto record_path = dir_ / "ro.json";
  const auto result = run_under(parent, {"--name", "fallback", "--memory", "200M", "--result", record_path.string()}, hog_);
  expect_sampling_with_one_line(result, record_path, parent, "is on a read-only file system");
}

// Runs the launcher as uid 65534 from `runner` (a cgroup it is moved into first, as root).
std::vector<std::string> as_nobody_in(const fs::path& runner, const std::vector<std::string>& command) {
  std::vector<std::string> argv{"/bin/sh", "-c",
                                "echo $$ > \"$0/cgroup.procs\" && exec setpriv --reuid=65534 --regid=65534 --clear-groups -- \"$@\"",
                                runner.string()};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

TEST_F(Fallback, AParentOfAnotherUserFallsBackToSampling) {
  fs::permissions(dir_.path(), fs::perms::all);  // the records are written by uid 65534
  const auto record_path = dir_ / "other-user.json";
  const auto result = run(as_nobody_in(variable("MMTEST_VM_USER_DELEGATED") + "/runner",
                                       launcher({"--name", "fallback", "--memory", "200M", "--result", record_path.string()}, hog_)),
                          {.env = {{"MMTEST_CGROUP_PARENT", delegated_.string()}}});
  expect_sampling_with_one_line(result, record_path, delegated_.string(), "is not delegated to this user");
}

TEST_F(CgroupMode, AParentDelegatedToTheUserIsUsedWithoutRoot) {
  fs::permissions(dir_.path(), fs::perms::all);
  const fs::path user_delegated = variable("MMTEST_VM_USER_DELEGATED");
  const auto record_path = dir_ / "user.json";
  const auto command = helper("hog", {"--mib", "400", "--rate-mib-s", "1000", "--hold-ms", "30000"});
  const auto result = run(as_nobody_in(user_delegated / "runner",
                                       launcher({"--name", "hog", "--memory", "200M", "--result", record_path.string()}, command)),
                          {.env = {{"MMTEST_CGROUP_PARENT", user_delegated.string()}}});
  EXPECT_TRUE(result.status.exited_with(123)) << describe(result.status) << "\n" << result.err;
  const auto match = match_diagnosis(result, kMemoryKill);
  if (match.size() == 7) {
    EXPECT_TRUE(match[4].starts_with("cgroup memory.peak; memory.events oom_kill ")) << match[4];
  }
  EXPECT_TRUE(warnings(result).empty()) << result.err;
  const auto record = read_record(record_path);
  EXPECT_EQ(record["limit_mode"], "cgroup");
  EXPECT_LE(record.value("peak_memory_bytes", 0LL), 200 * kMiB);
  expect_no_survivors();
  EXPECT_EQ(leaves_below(user_delegated), std::vector<std::string>{});
}

// Without a parent asked for, the launcher's own cgroup (below the root, holding processes) cannot
// be used: the record says why, and no line is printed (every test of a run would print it).
TEST_F(CgroupMode, TheOwnCgroupBelowTheRootFallsBackSilently) {
  const auto record_path = dir_ / "own.json";
  const auto result = run(launcher({"--name", "own", "--result", record_path.string()}, helper("exit", {"--code", "0"})),
                          {.env = {{"MMTEST_CGROUP_PARENT", std::nullopt}}});
  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(warnings(result).empty()) << result.err;
  const auto record = read_record(record_path);
  EXPECT_EQ(record["limit_mode"], "sample");
  EXPECT_NE(record.value("limit_mode_reason", "").find("the launcher's own cgroup"), std::string::npos) << record["limit_mode_reason"];
  EXPECT_NE(record.value("limit_mode_reason", "").find("holds processes"), std::string::npos) << record["limit_mode_reason"];
}

}  // namespace
}  // namespace mmtest::launcher_test
