// The memory budget of the whole process tree, where it comes from, and peak-memory measurement.
#include <cstdio>
#include <regex>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

// "312.4 MiB" / "1.25 GiB" as printed in diagnoses, in bytes.
double size_in_bytes(const std::string& number, const std::string& unit) {
  return std::stod(number) * static_cast<double>(unit == "GiB" ? 1024 * kMiB : kMiB);
}

class MemoryBudget : public LauncherTest {
 protected:
  struct Kill {
    double measured_bytes = 0;
    std::string source;
    int processes = 0;
  };

  // Checks the diagnosis of a memory kill against the budget and returns its figures.
  static Kill expect_memory_kill(const RunResult& result, const std::string& name,
                                 const std::string& budget_text) {
    EXPECT_TRUE(result.status.exited_with(123)) << describe(result.status) << "\n" << result.err;
    const auto match = match_diagnosis(
        result, "mmtest: " + name + " killed: memory ([0-9]+\\.[0-9]) (MiB|GiB) exceeded budget " +
                    regex_escape(budget_text) + R"( \(([^,]+), ([0-9]+) process(es)?\))");
    if (match.empty()) return {};
    const int processes = std::stoi(match[4]);
    EXPECT_EQ(!match[5].empty(), processes != 1) << "singular/plural in: " << match[0];
    return {size_in_bytes(match[1], match[2]), match[3], processes};
  }
};

TEST_F(MemoryBudget, KillsASingleProcessThatExceedsIt) {
  const auto record_path = dir_ / "records" / "hog.json";
  // Without the budget this would pass after holding 400 MiB for 10 s.
  const auto command =
      helper("hog", {"--mib", "400", "--rate-mib-s", "1000", "--hold-ms", "10000"});
  const auto result = run(launcher(
      {"--name", "hog", "--memory", "200M", "--grace", "1", "--result", record_path.string()},
      command));

  const auto kill = expect_memory_kill(result, "hog", "200.0 MiB");
  EXPECT_GE(kill.measured_bytes, 200.0 * kMiB);  // printed rounded to 0.1 MiB
  EXPECT_FALSE(kill.source.empty());
  EXPECT_EQ(kill.processes, 1);
  expect_no_survivors();

  const auto record = read_record(record_path);
  expect_record_basics(record, result, "hog", command);
  EXPECT_EQ(record["outcome"], "memory");
  EXPECT_EQ(record["memory_limit_bytes"], 200 * kMiB);
  EXPECT_GE(record.value("peak_memory_bytes", 0LL), 200 * kMiB);
  EXPECT_TRUE(record["exit_code"].is_null()) << record["exit_code"];
  EXPECT_TRUE(record["signal"] == "SIGTERM" || record["signal"] == "SIGKILL") << record["signal"];
  EXPECT_LT(record.value("wall_seconds", 99.0), 9.0) << "the hog was not stopped early";
  // Written atomically, also when the launcher killed the test: no temporary file left beside it.
  expect_only_file(record_path.parent_path(), "hog.json");
}

TEST_F(MemoryBudget, KillsATreeWhoseChildrenTogetherExceedIt) {
  const auto record_path = dir_ / "tree.json";
  // Each child stays under the budget; only the tree's sum exceeds it. --timeout bounds the run
  // should the budget not be enforced.
  const auto command = helper("children", {"--count", "3", "--mib", "100", "--hold"});
  const auto result = run(launcher(
      {"--name", "tree", "--memory", "200M", "--timeout", "20", "--result", record_path.string()},
      command));

  const auto kill = expect_memory_kill(result, "tree", "200.0 MiB");
  EXPECT_GE(kill.measured_bytes, 200.0 * kMiB);  // printed rounded to 0.1 MiB
  // At least the children that hold memory together; the parent counts too.
  EXPECT_GE(kill.processes, 3);
  EXPECT_LE(kill.processes, 4);
  expect_no_survivors();

  const auto record = read_record(record_path);
  expect_record_basics(record, result, "tree", command);
  EXPECT_EQ(record["outcome"], "memory");
  EXPECT_GE(record.value("peak_memory_bytes", 0LL), 200 * kMiB);
  EXPECT_GE(record.value("max_processes_seen", 0), 3);
  expect_only_file(dir_.path(), "tree.json");
}

// ---- Tests that end before a sample
// --------------------------------------------------------------------------------

// The reported case: a program that touches 2 MiB and exits, under a 1 MiB budget. Whether or not
// a sample happened to see it while it ran, every run must fail as memory with a record that
// agrees with itself; a run the sampler did not stop is judged on the exact peak after it ended.
TEST_F(MemoryBudget, HoldsForATestThatEndsBeforeASampleEveryTime) {
  constexpr int kRuns = 30;
  const std::regex measured_at_exit(
      R"(mmtest: tiny exceeded its memory budget: peak ([0-9]+\.[0-9]) MiB )"
      R"(\((largest process, measured at exit|cgroup memory\.peak, measured at exit|tree RSS, sampled while it ran)\))"
      R"( over budget 1\.0 MiB; raise its MEMORY \(--memory\) or shrink what it holds)");
  const std::regex killed(
      R"(mmtest: tiny killed: memory ([0-9]+\.[0-9]) MiB exceeded budget 1\.0 MiB \([^,]+, [0-9]+ process(es)?\); )"
      R"(raise its MEMORY \(--memory\) or shrink what it holds)");
  const auto command = helper("hog", {"--mib", "2"});
  int judged_at_exit = 0;
  for (int i = 0; i < kRuns; ++i) {
    SCOPED_TRACE("run " + std::to_string(i + 1) + " of " + std::to_string(kRuns));
    const auto record_path = dir_ / ("tiny-" + std::to_string(i) + ".json");
    const auto result =
        run(launcher({"--name", "tiny", "--memory", "1M", "--result", record_path.string()}, command));

    EXPECT_TRUE(result.status.exited_with(123)) << describe(result.status) << "\n" << result.err;
    const auto record = read_record(record_path);
    expect_record_basics(record, result, "tiny", command);  // the diagnosis too, as printed
    EXPECT_EQ(record["outcome"], "memory");
    EXPECT_EQ(record["memory_limit_bytes"], kMiB);
    const long long peak_bytes = record.value("peak_memory_bytes", 0LL);
    EXPECT_GT(peak_bytes, kMiB) << "a memory verdict with the peak under the budget";

    const std::string line = diagnosis(result);
    std::smatch match;
    if (std::regex_match(line, match, measured_at_exit)) {
      ++judged_at_exit;
      // The test ended by itself: its own exit code is kept in the record.
      EXPECT_EQ(record["exit_code"], 0);
      EXPECT_TRUE(record["signal"].is_null()) << record["signal"];
      // The figure printed is the record's peak, rounded to 0.1 MiB.
      EXPECT_NEAR(std::stod(match[1]), static_cast<double>(peak_bytes) / kMiB, 0.051) << line;
    } else {
      EXPECT_TRUE(std::regex_match(line, killed)) << "neither a kill nor a peak measured at exit: " << line;
    }
    expect_no_survivors();
  }
  // Which way each run went depends on timing; both must hold. Shown for whoever reads the log.
  std::printf("%d of %d runs ended before the sampler stopped them\n", judged_at_exit, kRuns);
}

TEST_F(MemoryBudget, ATestWellUnderItPasses) {
  const auto record_path = dir_ / "small.json";
  const auto command = helper("hog", {"--mib", "2"});
  const auto result =
      run(launcher({"--name", "small", "--memory", "64M", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_TRUE(lines_starting_with(result.err, "mmtest: ").empty()) << result.err;
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "small", command);
  EXPECT_EQ(record["outcome"], "passed");
  EXPECT_TRUE(record["diagnosis"].is_null()) << record["diagnosis"];
  const long long peak_bytes = record.value("peak_memory_bytes", 0LL);
  EXPECT_GE(peak_bytes, 2 * kMiB) << "the 2 MiB the helper touched were not measured";
  EXPECT_LT(peak_bytes, 64 * kMiB);
}

TEST_F(MemoryBudget, TheRecordKeepsTheTreesMemoryOverTimeInAtMost100Points) {
  const auto record_path = dir_ / "ramp.json";
  // 3 s: 150 samples at the slowest rate, more than the 100 points the record keeps.
  const auto command = helper("hog", {"--mib", "120", "--rate-mib-s", "60", "--hold-ms", "1000"});
  const auto result =
      run(launcher({"--name", "ramp", "--memory", "1G", "--result", record_path.string()}, command));
  ASSERT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "ramp", command);
  const auto& samples = record["memory_samples"];
  ASSERT_GE(samples.size(), 20u) << samples;
  EXPECT_LE(samples.size(), 100u);
  double previous_seconds = -1;
  std::uint64_t largest = 0;
  for (const auto& point : samples) {
    ASSERT_EQ(point.size(), 2u);
    EXPECT_GT(point[0].get<double>(), previous_seconds) << samples;
    previous_seconds = point[0].get<double>();
    largest = std::max(largest, point[1].get<std::uint64_t>());
  }
  EXPECT_LE(previous_seconds, record["wall_seconds"].get<double>());
  EXPECT_GE(previous_seconds, 2.0) << "the last point is near the end of the run";
  // The ramp: early points hold less than the late ones, the largest is the measured peak.
  EXPECT_LT(samples[0][1].get<std::uint64_t>(), 60 * kMiB);
  EXPECT_GE(largest, 120 * kMiB);
  EXPECT_LE(largest, record["peak_memory_bytes"].get<std::uint64_t>());
}

// What CTest puts in the environment of a test with
// RESOURCE_GROUPS "mmtest_memory_mib:120" "mmtest_memory_mib:130".
const std::vector<std::pair<std::string, std::optional<std::string>>> kTwoGroups{
    {"CTEST_RESOURCE_GROUP_COUNT", "2"},
    {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
    {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:120"},
    {"CTEST_RESOURCE_GROUP_1", "mmtest_memory_mib"},
    {"CTEST_RESOURCE_GROUP_1_MMTEST_MEMORY_MIB", "id:0,slots:130"},
};

TEST_F(MemoryBudget, ComesFromCtestResourceGroupsSummedOverGroups) {
  const auto record_path = dir_ / "ctest.json";
  const auto command =
      helper("hog", {"--mib", "400", "--rate-mib-s", "1000", "--hold-ms", "10000"});
  const auto result = run(launcher({"--name", "ctest", "--result", record_path.string()}, command),
                          {.env = kTwoGroups});

  const auto kill = expect_memory_kill(result, "ctest", "250.0 MiB");
  EXPECT_GE(kill.measured_bytes, 250.0 * kMiB);  // printed rounded to 0.1 MiB
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "ctest", command);
  EXPECT_EQ(record["outcome"], "memory");
  EXPECT_EQ(record["memory_limit_bytes"], 250 * kMiB);
}

TEST_F(MemoryBudget, OptionOverridesCtestResourceGroups) {
  const auto record_path = dir_ / "override.json";
  // 300 MiB: over the 250 MiB of the groups, well under the 1 GiB of --memory.
  const auto command = helper("hog", {"--mib", "300", "--hold-ms", "200"});
  const auto result = run(
      launcher({"--name", "override", "--memory", "1G", "--result", record_path.string()}, command),
      {.env = kTwoGroups});

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  expect_no_survivors();
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "override", command);
  EXPECT_EQ(record["outcome"], "passed");
  EXPECT_EQ(record["memory_limit_bytes"], 1024 * kMiB);
}

// ---- Size spellings
// --------------------------------------------------------------------------------

struct SizeSpelling {
  std::string label;
  std::string text;
  long long bytes;
  friend void PrintTo(const SizeSpelling& size, std::ostream* out) { *out << size.text; }
};

class MemoryOption : public LauncherTest, public ::testing::WithParamInterface<SizeSpelling> {};

TEST_P(MemoryOption, AcceptsSizeSpelling) {
  const auto record_path = dir_ / "size.json";
  const auto command = helper("exit", {"--code", "0"});
  const auto result =
      run(launcher({"--memory", GetParam().text, "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "mmtest_helper", command);
  EXPECT_EQ(record["memory_limit_bytes"], GetParam().bytes) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(Sizes, MemoryOption,
                         ::testing::Values(SizeSpelling{"PlainBytes", "104857600", 100 * kMiB},
                                           SizeSpelling{"Megabytes", "512M", 512 * kMiB},
                                           SizeSpelling{"LowercaseGigabytes", "2g", 2048 * kMiB},
                                           SizeSpelling{"FractionalGibibytes", "1.5GiB",
                                                        1536 * kMiB},
                                           SizeSpelling{"Mebibytes", "300MiB", 300 * kMiB},
                                           SizeSpelling{"MixedCaseMegabytes", "256mB", 256 * kMiB},
                                           SizeSpelling{"Terabytes", "1T", 1024LL * 1024 * kMiB}),
                         [](const auto& test_param) { return test_param.param.label; });

// ---- Peak memory
// -----------------------------------------------------------------------------------

class PeakMemory : public LauncherTest {
 protected:
  void expect_peak_near(const std::vector<std::string>& command, double expected_bytes,
                        double tolerance) {
    const auto record_path = dir_ / "peak.json";
    const auto result =
        run(launcher({"--name", "peak", "--result", record_path.string()}, command));

    EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
    expect_no_survivors();
    const auto record = read_record(record_path);
    expect_record_basics(record, result, "peak", command);
    const auto peak_bytes = static_cast<double>(record.value("peak_memory_bytes", 0LL));
    EXPECT_NEAR(peak_bytes / kMiB, expected_bytes / kMiB, tolerance * expected_bytes / kMiB)
        << "peak_memory_bytes (in MiB) is off by more than " << tolerance * 100 << "%";
    EXPECT_TRUE(record["memory_limit_bytes"].is_null()) << record["memory_limit_bytes"];
    EXPECT_TRUE(record["peak_memory_source"].is_string() &&
                !record["peak_memory_source"].get<std::string>().empty())
        << record["peak_memory_source"];
  }
};

TEST_F(PeakMemory, OfASingleProcessIsWithin3Percent) {
  expect_peak_near(helper("hog", {"--mib", "300", "--hold-ms", "300"}), 300.0 * kMiB, 0.03);
}

TEST_F(PeakMemory, OfFourChildrenHeldTogetherIsWithin10Percent) {
  expect_peak_near(helper("children", {"--count", "4", "--mib", "150", "--hold-ms", "500"}),
                   600.0 * kMiB, 0.10);
}

}  // namespace
}  // namespace mmtest::launcher_test
