// examples/global-registry, black box: the failure mmtest was built for (an order manager whose
// 104 metric families go into a static registry, made by every one of 308 tests) and its fix
// (the same code registering in mmtest::current_registry()). The programs are built from the
// example's own sources (tests/helpers/CMakeLists.txt); what its README shows is checked here
// against the real programs, run directly and under the real mmtest-run.
#include <algorithm>
#include <regex>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

const std::string kLeak = MMTEST_EXAMPLE_LEAK_PATH;                  // static registry, mmtest::gtest_main
const std::string kLeakWatched = MMTEST_EXAMPLE_LEAK_WATCHED_PATH;   // the same, the static registry watched
const std::string kFixed = MMTEST_EXAMPLE_FIXED_PATH;                // mmtest::current_registry(), watched

constexpr long long kKiB = 1024;
constexpr std::size_t kCases = 308;  // 8 OrderManager.* tests and 300 replayed days

std::size_t count_matches(const std::string& text, const std::regex& pattern) {
  return static_cast<std::size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), pattern), std::sregex_iterator()));
}

class GlobalRegistryExample : public LauncherTest {
 protected:
  // Runs `program` on the cases `filter` selects, directly or (with launcher options) under
  // mmtest-run with a record; the settings of the mmtest-run running this test are removed first.
  RunResult run_example(const std::string& program, const std::string& filter, std::vector<std::string> launcher_options = {}) {
    const std::vector<std::pair<std::string, std::optional<std::string>>> env = {
        {"GTEST_OUTPUT", std::nullopt},           {"MMTEST_CASE_GROWTH_LIMIT", std::nullopt},
        {"MMTEST_BINARY_MEMORY_LIMIT", std::nullopt}, {"MMTEST_RUN_TEST_NAME", std::nullopt},
        {"MMTEST_RUN_MEMORY_BYTES", std::nullopt},    {"MMTEST_RUN_CASES_FILE", std::nullopt}};
    command_ = {program, "--gtest_filter=" + filter, "--tag", tag_};
    if (launcher_options.empty()) return run(command_, {.env = env});
    std::filesystem::remove(record_path_);
    launcher_options.insert(launcher_options.end(), {"--name", "unit_tests", "--result", record_path_.string()});
    return run(launcher(launcher_options, command_), {.env = env});
  }

  // RSS at the start of the last case minus at the start of the 11th, from the record's cases:
  // what the program kept over the last 297 tests (the first ten warm up the allocator).
  static long long kept_over_the_run(const nlohmann::json& cases) {
    if (cases.size() < 11) {
      ADD_FAILURE() << "fewer than 11 cases: " << cases.dump(2);
      return -1;
    }
    return cases.back()["rss_start_bytes"].get<long long>() - cases[10]["rss_start_bytes"].get<long long>();
  }

  std::filesystem::path record_path_ = dir_ / "unit_tests.json";
  std::vector<std::string> command_;
};

TEST_F(GlobalRegistryExample, TheFirstTestThatLeaksIntoTheStaticRegistryFailsNamingItsSeries) {
  const auto result = run_example(kLeakWatched, "OrderManager.*");

  EXPECT_TRUE(result.status.exited_with(1)) << describe(result.status) << "\n" << result.out;
  // The first test of the program: all 104 families are new, and five of its series are named,
  // sorted, with this process's first session in their labels.
  const std::string series_of_session_1 = "\\{session=\"1\",strategy=\"market_maker\"\\}";
  EXPECT_TRUE(std::regex_search(
      result.out,
      std::regex("\\[ RUN      \\] OrderManager\\.StartsWithNoOpenOrders\n[^\n]*order_manager_test\\.cpp:[0-9]+: Failure\n"
                 "(Failed\n)?mmtest: registry 'global' gained 104 families and 104 series in this test that were not "
                 "removed \\(allowed: 0\\): order_manager_acknowledged_in_flight" + series_of_session_1 +
                 ", order_manager_acknowledged_latency_seconds" + series_of_session_1 +
                 ", order_manager_acknowledged_quantity" + series_of_session_1 +
                 ", order_manager_acknowledged_total" + series_of_session_1 +
                 ", order_manager_amend_rejected_in_flight" + series_of_session_1 + " and 99 more\\.")))
      << result.out;
  // The next test finds the families there and adds its own session's series to them.
  EXPECT_TRUE(std::regex_search(
      result.out, std::regex("\\[ RUN      \\] OrderManager\\.SubmitOpensAnOrderAndCountsIt\n[^\n]*: Failure\n(Failed\n)?"
                             "mmtest: registry 'global' gained 104 series in this test that were not removed \\(allowed: "
                             "0\\): order_manager_acknowledged_in_flight\\{session=\"2\",")))
      << result.out;
  // Every one of the eight tests leaks, and fails for it alone.
  EXPECT_EQ(count_matches(result.out, std::regex("\nmmtest: registry 'global' gained ")), 8u) << result.out;
  EXPECT_NE(result.out.find("[  FAILED  ] 8 tests, listed below:"), std::string::npos) << result.out;
  expect_no_survivors();
}

TEST_F(GlobalRegistryExample, TheFixWithTheSameWatchPassesEveryTest) {
  // The same tests and the same watch (the process registry, where the fixed code registers when
  // no test runs): each test registers in its own registry and leaves nothing behind.
  const auto result = run_example(kFixed, "*");

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.out;
  EXPECT_NE(result.out.find("[  PASSED  ] 308 tests."), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("mmtest: registry"), std::string::npos) << result.out;
}

TEST_F(GlobalRegistryExample, TheMemoryGuardStopsTheLeakingProgramWithABlameTableBeforeTheLaunchersKill) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's shadow memory and quarantine are not the example's memory";
#endif
  const auto result = run_example(kLeak, "*", {"--memory", "96M"});

  ASSERT_TRUE(result.status.exited_with(120)) << describe(result.status) << "\n" << result.err;
  std::smatch stop;
  ASSERT_TRUE(std::regex_search(
      result.err, stop,
      std::regex("mmtest: memory guard: stopped unit_tests at 8[6-9]\\.[0-9] MiB, over its binary limit 86\\.4 MiB \\(90% of "
                 "its budget 96\\.0 MiB from mmtest-run\\), (while running|at the end of) ([^ \n]+)\n"
                 "mmtest: the test cases that grew its memory most, of ([0-9]+) run [^\n]*\n")))
      << result.err;
  const std::string stopped_in = stop[2];
  const std::size_t cases_run = std::stoul(stop[3]);
  // Each test keeps about half a MiB: some 140 of them fill the 86.4 MiB, well before the end.
  EXPECT_GE(cases_run, 100u) << result.err;
  EXPECT_LT(cases_run, kCases) << result.err;
  // Ten rows, every one a test that kept about half a MiB (300 KiB to 1.9 MiB): no single
  // culprit, each one leaks.
  const std::regex row("mmtest: +\\+([3-9][0-9][0-9]\\.[0-9] KiB|1\\.[0-9] MiB)  (OrderManager|Day/Replay)\\.[^ ]+( \\(running\\))?");
  std::size_t rows = 0;
  for (const std::string& line : lines_starting_with(result.err, "mmtest:   ")) rows += std::regex_match(line, row) ? 1 : 0;
  EXPECT_EQ(rows, 10u) << result.err;
  // The launcher's diagnosis, the last line, names the same case.
  EXPECT_TRUE(std::regex_search(result.err, std::regex("\nmmtest: unit_tests failed with exit code 120 while running " +
                                                       regex_escape(stopped_in) +
                                                       ": its memory guard stopped it at 8[6-9]\\.[0-9] MiB, over its binary "
                                                       "limit 86\\.4 MiB; biggest growth: [^\n]+\n$")))
      << result.err;

  const auto record = read_record(record_path_);
  expect_record_basics(record, result, "unit_tests", command_);
  EXPECT_EQ(record["outcome"], "failed");
  ASSERT_TRUE(record["memory_guard"].is_object()) << record.dump(2);
  EXPECT_EQ(record["memory_guard"]["case"], stopped_in);
  EXPECT_LT(record["peak_memory_bytes"].get<long long>(), 96 * kMiB) << "the launcher's budget was never reached";
  ASSERT_EQ(record["cases"].size(), cases_run) << record["cases"].dump(2);
  EXPECT_EQ(record["cases"].back()["name"], stopped_in);
  expect_no_survivors();
}

TEST_F(GlobalRegistryExample, TheFixKeepsMemoryFlatWhereTheLeakClimbs) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's shadow memory and quarantine are not the example's memory";
#endif
  // The whole program in one process, as a shard runs it: the fixed code within 16 MiB (the
  // MEMORY its shards declare in examples/global-registry/CMakeLists.txt), every case passed,
  // nothing left in a registry and no case keeping memory.
  const auto fixed = run_example(kFixed, "*", {"--memory", "64M"});
  ASSERT_TRUE(fixed.status.exited_with(0)) << describe(fixed.status) << "\n" << fixed.err;
  const auto fixed_record = read_record(record_path_);
  EXPECT_LT(fixed_record["peak_memory_bytes"].get<long long>(), 16 * kMiB) << fixed_record.dump(2);
  const auto& fixed_cases = fixed_record["cases"];
  ASSERT_EQ(fixed_cases.size(), kCases) << fixed_cases.dump(2);
  long long largest_growth_after_warm_up = 0;
  for (std::size_t i = 0; i < fixed_cases.size(); ++i) {
    EXPECT_EQ(fixed_cases[i]["outcome"], "passed") << fixed_cases[i].dump();
    EXPECT_EQ(fixed_cases[i]["leaked_series"], 0) << fixed_cases[i].dump();
    if (i >= 10) largest_growth_after_warm_up = std::max(largest_growth_after_warm_up, fixed_cases[i]["growth_bytes"].get<long long>());
  }
  EXPECT_LT(largest_growth_after_warm_up, 256 * kKiB);
  EXPECT_LT(kept_over_the_run(fixed_cases), 2 * kMiB);

  // The leaking code, measured the same way (a budget far above what it reaches, so that the
  // guard stays out of it): the same tests keep about half a MiB each.
  const auto leak = run_example(kLeak, "*", {"--memory", "1G"});
  ASSERT_TRUE(leak.status.exited_with(0)) << describe(leak.status) << "\n" << leak.err;
  const auto leak_record = read_record(record_path_);
  ASSERT_EQ(leak_record["cases"].size(), kCases);
  EXPECT_GT(kept_over_the_run(leak_record["cases"]), 100 * kMiB);
  std::vector<long long> growth;
  for (const auto& test_case : leak_record["cases"]) growth.push_back(test_case["growth_bytes"].get<long long>());
  std::nth_element(growth.begin(), growth.begin() + static_cast<std::ptrdiff_t>(growth.size() / 2), growth.end());
  EXPECT_GT(growth[growth.size() / 2], 400 * kKiB) << "median growth per case";
  expect_no_survivors();
}

}  // namespace
}  // namespace mmtest::launcher_test
