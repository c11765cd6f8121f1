// `mmtest plan`, the command the ctest-time hook runs: its options, its one summary line, its exit
// codes and the cost file it leaves (the planner's logic itself: tests/unit/plan_test.cpp).
#include "mmtest/tool/plan_command.hpp"

#include "mmtest/plan/plan.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "expect_contains.hpp"
#include "plan_fixtures.hpp"
#include "temp_directory.hpp"

namespace mmtest::tool {
namespace {

using mmtest::test_support::read_text;
using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;
using test_support::bench_tests;
using test_support::ctest_order;
using test_support::kBenchBudget;
using test_support::write_records;
using namespace mmtest::plan;  // the expected orders are computed with the planner itself
using Order = std::vector<std::size_t>;

// ---- mmtest plan --------------------------------------------------------------------------------

struct PlanRun {
  int exit_code = -1;
  std::string out, err;
};

PlanRun plan(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  PlanRun run;
  run.exit_code = plan_command(args, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// `_mm_need` line of a test, quoted the way _mm_quote() does.
std::string need_line(const std::string& name, std::uint64_t memory_mib, std::uint64_t timeout_seconds) {
  std::string quoted;
  for (const char c : name) {
    if (c == '\\' || c == '"' || c == '$') quoted += '\\';
    quoted += c;
  }
  return "_mm_need(\"test '" + quoted + "'\" " + std::to_string(memory_mib) + " 0 " + std::to_string(timeout_seconds) +
         ")\n";
}

class RunPlan : public ::testing::Test {
 protected:
  std::vector<std::string> args(const std::string& budget = "2048") const {
    // No time limit in effect: the evaluation cap bounds the search, so the plan is deterministic.
    return {"--manifest", manifest().string(), "--budget-mib", budget, "--cost-data", cost_data().string(),
            "--search-ms", "600000", "--max-evaluations", "200"};
  }
  std::filesystem::path manifest() const { return directory / "manifest.cmake"; }
  std::filesystem::path records() const { return directory / "results"; }
  std::filesystem::path cost_data() const { return directory / "build" / "Testing" / "Temporary" / "CTestCostData.txt"; }
  // What the cost file's directory holds: the file alone once the temporary one is renamed.
  std::vector<std::string> cost_directory_entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(cost_data().parent_path())) {
      names.push_back(entry.path().filename().string());
    }
    std::ranges::sort(names);
    return names;
  }
  TempDirectory directory;
};

TEST_F(RunPlan, usage_errors_exit_2_before_reading_or_writing_anything) {
  write_text(manifest(), need_line("a", 100, 10));
  const auto without = [&](const std::string& option) {
    std::vector<std::string> arguments = args();
    const auto at = std::ranges::find(arguments, option);
    arguments.erase(at, at + 2);
    return arguments;
  };
  const auto with = [&](const std::string& option, const std::string& value) {
    std::vector<std::string> arguments = args();
    if (const auto at = std::ranges::find(arguments, option); at != arguments.end()) *(at + 1) = value;
    else arguments.insert(arguments.end(), {option, value});
    return arguments;
  };
  std::vector<std::string> bogus = args();
  bogus.push_back("--bogus");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {without("--manifest"), "--manifest"},
      {without("--budget-mib"), "--budget-mib"},
      {without("--cost-data"), "--cost-data"},
      {with("--manifest", ""), "--manifest"},
      {with("--budget-mib", "0"), "--budget-mib"},
      {with("--budget-mib", "abc"), "--budget-mib"},
      {with("--cost-data", ""), "--cost-data"},
      {with("--records", ""), "--records"},
      {with("--jobs", "0"), "--jobs"},
      {with("--cpus", "0"), "--cpus"},
      {with("--cpus", "two"), "--cpus"},
      {with("--search-ms", "-1"), "--search-ms"},
      {with("--search-ms", "3600001"), "--search-ms"},
      {with("--max-evaluations", "x"), "--max-evaluations"},
      {with("--max-evaluations", "0"), "--max-evaluations"},
      {with("--output", "plan.cmake"), "--output"},  // the former output channel is gone
      {bogus, "--bogus"},
  };
  for (const auto& [arguments, option] : cases) {
    const PlanRun run = plan(arguments);
    EXPECT_EQ(run.exit_code, 2) << option;
    EXPECT_TRUE(run.err.starts_with("mmtest plan: ")) << run.err;
    EXPECT_TRUE(run.err.ends_with(" (see mmtest plan --help)\n")) << run.err;
    EXPECT_CONTAINS(run.err, option);
    EXPECT_EQ(run.out, "") << option;
  }
  EXPECT_FALSE(std::filesystem::exists(cost_data().parent_path()));
}

TEST_F(RunPlan, help_exits_0_and_names_the_defaults) {
  const PlanRun run = plan({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.err, "");
  EXPECT_CONTAINS(run.out, "--cost-data FILE");
  EXPECT_CONTAINS(run.out, "--records DIR");
  EXPECT_CONTAINS(run.out, "default: 200)");
  EXPECT_CONTAINS(run.out, "default: 2000)");
  EXPECT_EQ(run.out.find("--output"), std::string::npos);
}

TEST_F(RunPlan, an_unreadable_manifest_exits_1_and_leaves_the_cost_file) {
  write_text(cost_data(), "x 1 2\n---\n");
  const PlanRun run = plan(args());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_CONTAINS(run.err, "mmtest plan: cannot read the manifest");
  EXPECT_CONTAINS(run.err, "manifest.cmake");
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(read_text(cost_data()), "x 1 2\n---\n");
}

TEST_F(RunPlan, a_cost_file_that_cannot_be_written_exits_1) {
  write_text(manifest(), need_line("a", 100, 10));
  write_text(directory / "a-file", "");
  std::vector<std::string> arguments = args();
  arguments[5] = (directory / "a-file" / "CTestCostData.txt").string();  // its directory is a file
  PlanRun run = plan(arguments);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.err.starts_with("mmtest plan: cannot write the cost file")) << run.err;
  EXPECT_EQ(run.out, "");

  // A directory where the file should be: unreadable, so not replaced.
  std::filesystem::create_directories(cost_data());
  run = plan(args());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.err.starts_with("mmtest plan: cannot write the cost file")) << run.err;
  EXPECT_CONTAINS(run.err, "CTestCostData.txt");
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(std::filesystem::is_directory(cost_data()));
}

TEST_F(RunPlan, nothing_to_plan_is_success_and_leaves_the_cost_file) {
  write_text(manifest(),
             "# no tests\n_mm_need(\"each test of 'u' (mm_gtest_discover_tests)\" 1 0)\n" + need_line("huge", 4096, 10));
  PlanRun run = plan(args());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out,
            "mmtest: no test to plan for the 2048 MiB budget; cost file left as it was; 1 test above the budget left out "
            "(CTest will not run them)\n");
  EXPECT_FALSE(std::filesystem::exists(cost_data()));

  write_text(cost_data(), "huge 1 2\nbroken\n---\nf\n");
  run = plan(args());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(read_text(cost_data()), "huge 1 2\nbroken\n---\nf\n");
}

TEST_F(RunPlan, a_records_folder_that_cannot_be_read_is_named_in_the_summary) {
  write_text(manifest(), need_line("a", 100, 10) + need_line("b", 50, 100));
  write_text(records(), "a file where the records folder should be");
  const std::string why = "cannot read the records folder " + records().string() + ": Not a directory";
  std::vector<std::string> arguments = args("1000");
  arguments.insert(arguments.end(), {"--records", records().string()});
  PlanRun run = plan(arguments);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "mmtest: start order of 2 tests planned for the 1000 MiB budget: largest first (durations: 0 "
                     "measured, 2 from timeouts); " + why + "\n");
  // The same through the history, which `mmtest plan --history` adds the records to first.
  arguments.insert(arguments.end(), {"--history", (directory / "history.sqlite").string()});
  run = plan(arguments);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_CONTAINS(run.out, "; " + why);
}

TEST_F(RunPlan, without_heavy_tests_orders_by_measured_durations) {
  // Budget 1000: none needs 125 MiB. By the timeouts the order would be b, a, c.
  write_text(manifest(), need_line("a", 100, 10) + need_line("b", 50, 100) + need_line("has space", 10, 10) +
                             need_line("c", 120, 5) + need_line("a", 1, 1) + "_mm_need(broken\n");
  write_records(records(), {{"a", 50}, {"b", 0.1}, {"c", 900}});
  std::vector<std::string> arguments = args("1000");
  arguments.insert(arguments.end(), {"--records", records().string()});
  const PlanRun run = plan(arguments);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out,
            "mmtest: start order of 3 tests planned for the 1000 MiB budget: largest first (durations: 3 measured, 0 "
            "from timeouts); 1 test with a name CTest's cost file cannot hold keeps its COST property; 1 repeated entry "
            "of a test name skipped (the first one counts); 1 malformed manifest line skipped\n");
  // By memory × measured duration: c 108000, a 5000, b 5; costs on the MiB × timeout scale.
  EXPECT_EQ(read_text(cost_data()), "c 0 5002\na 0 5001\nb 0 5000\n---\n");
  EXPECT_EQ(cost_directory_entries(), (std::vector<std::string>{"CTestCostData.txt"}));
}

TEST_F(RunPlan, plans_the_cases_of_a_discovered_googletest_target) {
  write_text(directory / "unit_list.txt", "Book.Fast1\nBook.Fast2\nReplay.Slow\nBook.Fast3\n");
  write_text(manifest(), "_mm_need(\"each test of 'unit' (mm_gtest_discover_tests)\" 64 0 60 1 CASES \"" +
                             (directory / "unit_list.txt").string() + "\" \"u.\" \"\")\n" +
                             "_mm_need(\"each test of 'other' (mm_gtest_discover_tests)\" 64 0 60 1 CASES \"" +
                             (directory / "missing_list.txt").string() + "\" \"\" \"\")\n");
  write_records(records(), {{"u.Book.Fast1", 0.003}, {"u.Book.Fast2", 0.004}, {"u.Replay.Slow", 1.2}, {"u.Book.Fast3", 0.002}});
  std::vector<std::string> arguments = args("20000");
  arguments.insert(arguments.end(), {"--records", records().string(), "--cpus", "2"});
  const PlanRun run = plan(arguments);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "mmtest: start order of 4 tests planned for the 20000 MiB budget and 2 CPUs: largest first (durations: 4 "
            "measured, 0 from timeouts); the cases of 1 GoogleTest target not planned (not discovered yet)\n");
  EXPECT_EQ(read_text(cost_data()), "u.Replay.Slow 0 3843\nu.Book.Fast2 0 3842\nu.Book.Fast1 0 3841\nu.Book.Fast3 0 3840\n---\n");
}

TEST_F(RunPlan, plans_the_bench_suite_into_the_cost_file) {
  // The bench suite, every test declaring 60 s, under names CTest's file can hold (odd ones
  // included); plus a test above the budget, one whose name has a space and one without a record.
  const std::vector<SimTest> bench = bench_tests();
  std::vector<std::string> names;
  for (std::size_t i = 0; i < bench.size(); ++i) names.push_back("t" + std::to_string(i));
  names[0] = "odd]=]name";
  names[1] = "it's\"quoted\"$x;y\ttab";
  std::string text = "# mmtest manifest\n";
  std::vector<std::pair<std::string, double>> measured;
  for (std::size_t i = 0; i < bench.size(); ++i) {
    text += need_line(names[i], bench[i].memory_mib, 60);
    measured.emplace_back(names[i], bench[i].seconds);
  }
  text += need_line("huge", 4096, 60) + need_line("has space", 900, 60) + need_line("unmeasured", 1, 60);
  write_text(manifest(), text);
  measured.emplace_back("has space", 1);
  write_records(records(), measured);
  // t5 is planned: its line is replaced. "broken" would stop CTest's reading: dropped.
  write_text(cost_data(), "t5 3 4.5\nforeign 2 7.25\nbroken\n---\nt3\n\nother_failed\n");
  std::vector<std::string> arguments = args();
  arguments.insert(arguments.end(), {"--records", records().string(), "--records", (directory / "missing").string()});

  const PlanRun run = plan(arguments);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out,
            "mmtest: start order of 33 tests planned for the 2048 MiB budget: 8 heavy tests ordered by simulating CTest "
            "(durations: 32 measured, 1 from timeouts), 16.0 s against 17.0 s largest first; 1 test above "
            "the budget left out (CTest will not run them); 1 test with a name CTest's cost file cannot hold keeps its "
            "COST property\n");

  const std::string written = read_text(cost_data());
  const std::vector<std::string> lines = lines_of(written);
  ASSERT_EQ(lines.size(), 33u + 4u) << written;
  // The planned tests first: names mapped back to their index (32: "unmeasured"), costs parsed.
  std::vector<SimTest> estimated = bench;
  estimated.push_back({1, 1.75});  // 60 s × the median wall time / timeout of the others (1.75 / 60)
  std::vector<SimTest> declared;
  for (const SimTest& test : estimated) declared.push_back({test.memory_mib, 60});
  names.push_back("unmeasured");
  Order order;
  std::vector<std::uint64_t> costs;
  for (std::size_t i = 0; i < 33; ++i) {
    const auto name_end = lines[i].rfind(" 0 ");
    ASSERT_NE(name_end, std::string::npos) << lines[i];
    const auto index = std::ranges::find(names, lines[i].substr(0, name_end)) - names.begin();
    ASSERT_LT(static_cast<std::size_t>(index), names.size()) << lines[i];
    order.push_back(static_cast<std::size_t>(index));
    costs.push_back(std::stoull(lines[i].substr(name_end + 3)));
  }
  Order sorted = order;
  std::ranges::sort(sorted);
  Order all(33);
  std::iota(all.begin(), all.end(), std::size_t{0});
  EXPECT_EQ(sorted, all);                                      // each planned test once
  EXPECT_EQ(simulate(estimated, order, kBenchBudget), 16.0);  // the order found, not the area order
  EXPECT_EQ(costs, order_costs(declared, order));             // memory × timeout scale, decreasing
  for (std::size_t i = 1; i < costs.size(); ++i) EXPECT_GT(costs[i - 1], costs[i]) << "at " << i;
  EXPECT_EQ(ctest_order(order, costs), order);
  const SearchResult expected = search_order(estimated, kBenchBudget, std::nullopt, SearchLimits{std::nullopt, 200});
  EXPECT_EQ(order, expected.order);
  // Then the other tests' lines, the separator and the failed tests.
  EXPECT_EQ(std::vector<std::string>(lines.begin() + 33, lines.end()),
            (std::vector<std::string>{"foreign 2 7.25", "---", "t3", "other_failed"}));
  EXPECT_EQ(cost_directory_entries(), (std::vector<std::string>{"CTestCostData.txt"}));

  // Run again on its own output: the planned lines are replaced, not repeated.
  const PlanRun again = plan(arguments);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, run.out);
  EXPECT_EQ(read_text(cost_data()), written);
}

TEST_F(RunPlan, the_jobs_limit_reaches_the_simulation_and_the_summary) {
  // a is heavy (200 × 8 >= 1000) and measured at 2 s, a fifth of its timeout; b is estimated at a
  // fifth of 30 s. Side by side they would take 6 s; in one slot, 8 s.
  write_text(manifest(), need_line("a", 200, 10) + need_line("b", 100, 30));
  write_records(records(), {{"a", 2}});
  std::vector<std::string> arguments = args("1000");
  arguments.insert(arguments.end(), {"--jobs", "1", "--records", records().string()});
  const PlanRun run = plan(arguments);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "mmtest: start order of 2 tests planned for the 1000 MiB budget and -j 1: 1 heavy test ordered by simulating "
            "CTest (durations: 1 measured, 1 from timeouts), 8.0 s against 8.0 s largest first\n");
  EXPECT_EQ(read_text(cost_data()), "b 0 3000\na 0 2000\n---\n");
}

TEST_F(RunPlan, heavy_tests_without_records_are_simulated_with_their_timeouts) {
  write_text(manifest(), need_line("a", 600, 10) + need_line("b", 500, 30) + need_line("c", 100, 5));
  const PlanRun run = plan(args("1000"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // a and b do not fit together: 10 + 30 s; c runs beside them.
  EXPECT_EQ(run.out,
            "mmtest: start order of 3 tests planned for the 1000 MiB budget: 2 heavy tests ordered by simulating CTest "
            "(durations: 0 measured, 3 from timeouts), 40.0 s against 40.0 s largest first\n");
  EXPECT_EQ(read_text(cost_data()), "b 0 15000\na 0 6000\nc 0 500\n---\n");
}

}  // namespace
}  // namespace mmtest::tool
