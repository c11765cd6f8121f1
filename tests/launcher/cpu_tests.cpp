// CPUs: --pin-cpus pins the test to the CPUs CTest allocated, and a test that timed out while
// other processes held its CPU is called starved, not hung.
#include <sched.h>

#include <string>
#include <utility>
#include <vector>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

using Env = std::vector<std::pair<std::string, std::optional<std::string>>>;

// What CTest sets for RESOURCE_GROUPS "mmtest_memory_mib:64;mmtest_cpus:10" (one whole CPU, the
// ten slots of an id of mmtest's spec) when it hands out CPU id `id`.
Env ctest_cpu(const std::string& id) {
  return {{"CTEST_RESOURCE_GROUP_COUNT", "2"},
          {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
          {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:64"},
          {"CTEST_RESOURCE_GROUP_1", "mmtest_cpus"},
          {"CTEST_RESOURCE_GROUP_1_MMTEST_CPUS", "id:" + id + ",slots:10"}};
}

// The CPUs this test process may run on, increasing.
std::vector<int> my_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

// "0-1,4" as the helper's affinity mode prints it, from a list.
std::string cpu_list(const std::vector<int>& cpus) {
  std::string list;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t last = i;
    while (last + 1 < cpus.size() && cpus[last + 1] == cpus[last] + 1) ++last;
    if (!list.empty()) list += ',';
    list += last > i ? std::to_string(cpus[i]) + "-" + std::to_string(cpus[last]) : std::to_string(cpus[i]);
    i = last + 1;
  }
  return list;
}

class Cpus : public LauncherTest {};

TEST_F(Cpus, PinCpusRunsTheTestOnTheCpuCtestAllocated) {
  const std::vector<int> mine = my_cpus();
  ASSERT_FALSE(mine.empty());
  const int expected = mine[1 % mine.size()];  // id 1 is the second allowed CPU
  const auto record_path = dir_ / "pinned.json";
  const auto command = helper("affinity");
  const auto result =
      run(launcher({"--name", "pinned", "--pin-cpus", "--result", record_path.string()}, command), {.env = ctest_cpu("1")});

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_EQ(lines_starting_with(result.out, "affinity "), std::vector<std::string>{"affinity " + std::to_string(expected)})
      << result.out;
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "pinned", command);
  EXPECT_EQ(record["cpus_allocated"], nlohmann::json::array({1}));
  EXPECT_EQ(record["pinned_cpus"], nlohmann::json::array({expected}));
  EXPECT_EQ(record["warnings"], nlohmann::json::array());
  expect_no_survivors();
}

TEST_F(Cpus, WithoutPinCpusTheAllocationIsRecordedButTheTestMayUseEveryCpu) {
  const std::vector<int> mine = my_cpus();
  const auto record_path = dir_ / "free.json";
  const auto command = helper("affinity");
  const auto result = run(launcher({"--name", "free", "--result", record_path.string()}, command), {.env = ctest_cpu("0")});

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_EQ(lines_starting_with(result.out, "affinity "), std::vector<std::string>{"affinity " + cpu_list(mine)})
      << result.out;
  const auto record = read_record(record_path);
  EXPECT_EQ(record["cpus_allocated"], nlohmann::json::array({0}));
  EXPECT_TRUE(record["pinned_cpus"].is_null()) << record["pinned_cpus"];
}

TEST_F(Cpus, PinCpusToAnIdBeyondTheAllowedCpusPinsButSaysTheCpuIsShared) {
  // A CPU budget above the CPUs this process may use gives CTest ids with no CPU of their own.
  const std::vector<int> mine = my_cpus();
  ASSERT_FALSE(mine.empty());
  const std::uint32_t id = static_cast<std::uint32_t>(mine.size()) + 1;
  const int expected = mine[id % mine.size()];
  const auto record_path = dir_ / "beyond.json";
  const auto command = helper("affinity");
  const auto result = run(launcher({"--name", "beyond", "--pin-cpus", "--result", record_path.string()}, command),
                          {.env = ctest_cpu(std::to_string(id))});

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_EQ(lines_starting_with(result.out, "affinity "), std::vector<std::string>{"affinity " + std::to_string(expected)});
  const std::string warning = "--pin-cpus: CTest's CPU id " + std::to_string(id) + " is beyond the " +
                              std::to_string(mine.size()) + " CPU" + (mine.size() == 1 ? "" : "s") +
                              " this process may use (" + cpu_list(mine) + "): pinned to CPU " + std::to_string(expected) +
                              ", which other ids stand for too, so tests pinned there share it; keep MMTEST_CPU_BUDGET "
                              "(or the resource spec's mmtest_cpus) at most " + std::to_string(mine.size());
  EXPECT_EQ(lines_starting_with(result.err, "mmtest: warning: "),
            std::vector<std::string>{"mmtest: warning: beyond: " + warning})
      << result.err;
  const auto record = read_record(record_path);
  EXPECT_EQ(record["outcome"], "passed");
  EXPECT_EQ(record["warnings"], nlohmann::json::array({warning}));
  EXPECT_EQ(record["pinned_cpus"], nlohmann::json::array({expected}));
}

TEST_F(Cpus, PinCpusWithoutAnAllocationWarnsAndRunsUnpinned) {
  const std::vector<int> mine = my_cpus();
  const auto record_path = dir_ / "unallocated.json";
  const auto command = helper("affinity");
  const auto result = run(launcher({"--name", "unallocated", "--pin-cpus", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_EQ(lines_starting_with(result.out, "affinity "), std::vector<std::string>{"affinity " + cpu_list(mine)});
  const std::string warning = "--pin-cpus: not pinned: CTest allocated no CPUs (resource mmtest_cpus) to this test";
  EXPECT_EQ(lines_starting_with(result.err, "mmtest: warning: "),
            std::vector<std::string>{"mmtest: warning: unallocated: " + warning})
      << result.err;
  const auto record = read_record(record_path);
  EXPECT_EQ(record["outcome"], "passed");
  EXPECT_EQ(record["warnings"], nlohmann::json::array({warning}));
  EXPECT_TRUE(record["pinned_cpus"].is_null());
}

// cpu_peak: two threads spinning at once keep about two CPUs busy; a test that sleeps keeps none.
TEST_F(Cpus, TwoSpinningThreadsPeakNearTwoCpusAndASleeperNearNone) {
  if (my_cpus().size() < 2) GTEST_SKIP() << "needs two CPUs to run two threads at once";
  const auto spinner_path = dir_ / "spinner.json";
  const auto spinner = run(launcher({"--name", "spinner", "--result", spinner_path.string()},
                                    helper("cpu", {"--ms", "1500", "--threads", "2"})));
  EXPECT_TRUE(spinner.status.exited_with(0)) << describe(spinner.status) << "\n" << spinner.err;
  const auto busy = read_record(spinner_path);
  ASSERT_TRUE(busy["cpu_peak"].is_number()) << busy.dump(2);
  const double peak = busy["cpu_peak"].get<double>();
  const double mean = busy["cpu_seconds"].get<double>() / busy["wall_seconds"].get<double>();
  EXPECT_GT(busy["cpu_seconds"].get<double>(), 2.9);
  // The peak is at least the mean, and never above the two threads. Other tests may hold a CPU meanwhile: only when the two threads had both CPUs most
  // of the time (a mean above 1.2, which no single thread reaches) must the peak show it.
  EXPECT_GE(peak, mean) << busy.dump(2);
  EXPECT_LT(peak, 2.3) << busy.dump(2);
  if (mean > 1.2) {
    EXPECT_GT(peak, 1.3) << busy.dump(2);
  }

  const auto sleeper_path = dir_ / "sleeper.json";
  const auto sleeper = run(launcher({"--name", "sleeper", "--result", sleeper_path.string()}, helper("sleep", {"--ms", "800"})));
  EXPECT_TRUE(sleeper.status.exited_with(0)) << describe(sleeper.status) << "\n" << sleeper.err;
  const auto idle = read_record(sleeper_path);
  ASSERT_TRUE(idle["cpu_peak"].is_number()) << idle.dump(2);
  EXPECT_LT(idle["cpu_peak"].get<double>(), 0.2) << idle.dump(2);
  EXPECT_TRUE(idle["cpus_reserved"].is_null()) << "outside CTest nothing is reserved";
  expect_no_survivors();
}

TEST_F(Cpus, TheCpusReservedAreTheSlotsOverTenACpu) {
  const auto record_path = dir_ / "tenths.json";
  const auto result = run(launcher({"--name", "tenths", "--result", record_path.string()}, helper("exit", {"--code", "0"})),
                          {.env = {{"CTEST_RESOURCE_GROUP_COUNT", "2"},
                                   {"CTEST_RESOURCE_GROUP_0", "mmtest_cpus"},
                                   {"CTEST_RESOURCE_GROUP_0_MMTEST_CPUS", "id:0,slots:10"},
                                   {"CTEST_RESOURCE_GROUP_1", "mmtest_cpus"},
                                   {"CTEST_RESOURCE_GROUP_1_MMTEST_CPUS", "id:1,slots:4"}}});
  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  const auto record = read_record(record_path);
  ASSERT_TRUE(record["cpus_reserved"].is_number()) << record.dump(2);
  EXPECT_DOUBLE_EQ(record["cpus_reserved"].get<double>(), 1.4);
  EXPECT_TRUE(record["cpu_peak"].is_null()) << "a test shorter than a quarter second has no peak";
}

TEST_F(Cpus, AMalformedCpuAllocationIsAUsageError) {
  const auto result = run(launcher({"--name", "bad", "--pin-cpus"}, helper("affinity")), {.env = ctest_cpu("first")});
  EXPECT_TRUE(result.status.exited_with(125)) << describe(result.status) << "\n" << result.err;
  EXPECT_NE(result.err.find("mmtest_cpus id 'first' is not a CPU index"), std::string::npos) << result.err;
  EXPECT_TRUE(lines_starting_with(result.out, "affinity ").empty()) << "the test ran: " << result.out;
}

// Three busy processes share the test's one CPU: the test gets about a quarter of it, so it waits
// for a CPU about three quarters of its time, well over the half that makes it starved.
TEST_F(Cpus, ATimeoutWhileOthersHeldTheCpuIsCalledStarved) {
  const int cpu = my_cpus().front();  // id 0 below stands for this CPU
  const std::string competitor_tag = unique_tag();
  std::vector<Process> competitors;
  for (int i = 0; i < 3; ++i) {
    competitors.push_back(Process::start(
        {kHelper, "cpu", "--ms", "120000", "--on-cpu", std::to_string(cpu), "--tag", competitor_tag}));
  }
  const auto record_path = dir_ / "starved.json";
  const auto command = helper("cpu", {"--ms", "60000"});
  const auto result = run(launcher({"--name", "starved", "--pin-cpus", "--timeout", "1.5", "--grace", "1", "--result",
                                    record_path.string()},
                                   command),
                          {.env = ctest_cpu("0")});
  kill_tagged(competitor_tag);

  EXPECT_TRUE(result.status.exited_with(124)) << describe(result.status) << "\n" << result.err;
  const auto parts = match_diagnosis(
      result, "mmtest: starved timed out after 1\\.5 s, starved of CPU: it waited ([0-9.]+) s \\(([0-9]+)% of its time\\) "
              "for a CPU that other processes held");
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "starved", command);
  EXPECT_EQ(record["outcome"], "timeout");
  EXPECT_EQ(record["starved"], true);
  EXPECT_EQ(record["pinned_cpus"], nlohmann::json::array({cpu}));
  ASSERT_TRUE(record["cpu_wait_seconds"].is_number()) << record.dump(2);
  EXPECT_GE(record["cpu_wait_seconds"].get<double>(), 0.5 * record["wall_seconds"].get<double>());
  // The figure on the line is the record's.
  if (parts.size() == 3) {
    EXPECT_NEAR(std::stod(parts[1]), record["cpu_wait_seconds"].get<double>(), 0.051);
  }
  expect_no_survivors();
}

// Four threads on the one CPU the test holds: each waits while the other three run, about three
// times the wall time in all. The main thread alone waits at most the wall time, so a figure of
// one and a half times the wall time or more counts every thread. Its own threads' waits do not
// make it starved: that takes getting under 75 % of the CPU it holds, which here only other
// processes on that CPU can cause (the suite's other tests, run in parallel, may).
TEST_F(Cpus, EveryThreadsWaitForACpuCounts) {
  const int cpu = my_cpus().front();
  const auto record_path = dir_ / "threads.json";
  const auto command = helper("cpu", {"--ms", "300", "--threads", "4"});
  const auto result =
      run(launcher({"--name", "threads", "--pin-cpus", "--result", record_path.string()}, command), {.env = ctest_cpu("0")});
  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  const auto record = read_record(record_path);
  EXPECT_EQ(record["pinned_cpus"], nlohmann::json::array({cpu}));
  ASSERT_TRUE(record["cpu_wait_seconds"].is_number()) << record.dump(2);
  EXPECT_GE(record["cpu_wait_seconds"].get<double>(), 1.5 * record["wall_seconds"].get<double>()) << record.dump(2);
  const bool got_its_cpu = record["cpu_seconds"].get<double>() >= 0.75 * record["wall_seconds"].get<double>();
  EXPECT_EQ(record["starved"], !got_its_cpu) << record.dump(2);
  expect_no_survivors();
}

// A test that sleeps until its timeout wants no CPU: however busy the machine, it is a hang.
TEST_F(Cpus, ATimeoutOfASleepingTestIsAHangEvenOnABusyCpu) {
  const int cpu = my_cpus().front();
  const std::string competitor_tag = unique_tag();
  std::vector<Process> competitors;
  for (int i = 0; i < 3; ++i) {
    competitors.push_back(Process::start(
        {kHelper, "cpu", "--ms", "120000", "--on-cpu", std::to_string(cpu), "--tag", competitor_tag}));
  }
  const auto record_path = dir_ / "sleeper.json";
  const auto command = helper("sleep", {"--ms", "60000"});
  const auto result = run(launcher({"--name", "sleeper", "--pin-cpus", "--timeout", "1", "--result", record_path.string()},
                                   command),
                          {.env = ctest_cpu("0")});
  kill_tagged(competitor_tag);

  EXPECT_TRUE(result.status.exited_with(124)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(match_diagnosis(result, "mmtest: sleeper timed out after 1 s: sent SIGTERM to 1 process; raise its TIMEOUT").empty());
  const auto record = read_record(record_path);
  EXPECT_EQ(record["starved"], false);
  ASSERT_TRUE(record["cpu_wait_seconds"].is_number()) << record.dump(2);
  EXPECT_LT(record["cpu_wait_seconds"].get<double>(), 0.5);
  expect_no_survivors();
}

}  // namespace
}  // namespace mmtest::launcher_test
