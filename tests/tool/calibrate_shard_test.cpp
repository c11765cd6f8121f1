// mmtest calibrate's rule and file, mmtest shard's weights and split: the documented rules
// (docs/tool.md) over figures chosen here, so every expected value is worked out by hand.
#include <gtest/gtest.h>

#include <sstream>

#include <map>
#include <set>

#include "temp_directory.hpp"
#include "mmtest/tool/calibrate.hpp"
#include "mmtest/tool/shard.hpp"

namespace mmtest::tool {
namespace {

using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

PastRun past(const std::string& outcome, double wall, std::uint64_t peak_mib, std::uint64_t limit_mib = 512,
             double timeout = 300) {
  return {"2026-11-22T10:00:00.000Z", outcome, wall, peak_mib * kMiB, limit_mib * kMiB, timeout};
}

TEST(Calibrate, the_95th_percentile_is_by_nearest_rank) {
  // 20 values 1..20: rank ceil(19) = 19th. 10 values: rank ceil(9.5) = 10th, the largest.
  std::vector<double> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(i);
  EXPECT_EQ(percentile_95(twenty), 19);
  EXPECT_EQ(percentile_95({5, 1, 3, 2, 4, 9, 8, 7, 6, 10}), 10);
  EXPECT_EQ(percentile_95({7}), 7);
  EXPECT_EQ(percentile_95({}), 0);
}

TEST(Calibrate, timeouts_are_three_times_the_p95_at_least_ten_seconds_more_rounded_up) {
  EXPECT_EQ(proposed_timeout_seconds(0.01), 15u);   // 10.01 s -> 15
  EXPECT_EQ(proposed_timeout_seconds(4), 15u);      // max(12, 14) = 14 -> 15
  EXPECT_EQ(proposed_timeout_seconds(5), 15u);      // max(15, 15) = 15 exactly
  EXPECT_EQ(proposed_timeout_seconds(21), 90u);     // 63 -> multiple of 30 -> 90
  EXPECT_EQ(proposed_timeout_seconds(19), 60u);     // 57 -> 60 (a multiple of 5 below 60)
  EXPECT_EQ(proposed_timeout_seconds(250), 780u);   // 750 -> multiple of 60 -> 780
}

TEST(Calibrate, proposes_from_the_runs_that_count_and_needs_three_of_them) {
  std::vector<std::pair<std::string, std::vector<PastRun>>> tests;
  // Newest first, as the history gives them: the newest run's MEMORY and TIMEOUT are current.
  tests.push_back({"steady", {past("passed", 2, 100, 256, 60), past("passed", 3, 120), past("failed", 1, 90),
                              past("interrupted", 50, 900), past("skipped", 0, 1)}});
  tests.push_back({"young", {past("passed", 1, 10), past("passed", 1, 10)}});
  const std::vector<Calibration> calibrations = calibrate(tests);
  ASSERT_EQ(calibrations.size(), 2u);
  const Calibration& steady = calibrations[0];
  EXPECT_EQ(steady.name, "steady");
  EXPECT_EQ(steady.runs, 3u);                       // interrupted and skipped do not count
  EXPECT_EQ(steady.peak_p95_bytes, 120 * kMiB);     // of 100, 120, 90: rank 3
  EXPECT_EQ(steady.wall_p95_seconds, 3);
  EXPECT_EQ(steady.memory_bytes, 256 * kMiB);
  EXPECT_EQ(steady.timeout_seconds, 60);
  // 120 MiB x 1.25 = 150 -> multiple of 8 -> 152 MiB; 3 s -> 13 -> 15 s.
  EXPECT_EQ(steady.proposed_memory_bytes, 152 * kMiB);
  EXPECT_EQ(steady.proposed_timeout_seconds, 15u);
  EXPECT_TRUE(steady.changes());
  const Calibration& young = calibrations[1];
  EXPECT_EQ(young.runs, 2u);
  EXPECT_FALSE(young.proposed_memory_bytes);
  EXPECT_FALSE(young.changes());
}

TEST(Calibrate, the_file_lists_tests_with_a_proposal_as_mm_calibrated_calls) {
  std::vector<std::pair<std::string, std::vector<PastRun>>> tests;
  tests.push_back({"b]]odd", {past("passed", 2, 100), past("passed", 2, 100), past("passed", 2, 100)}});
  tests.push_back({"a", {past("passed", 30, 1000), past("passed", 30, 1000), past("passed", 30, 1000)}});
  tests.push_back({"c", {past("passed", 1, 1)}});
  const std::string file = calibration_file(calibrate(tests), "h.sqlite");
  // Sorted by name; 1000 MiB x 1.25 = 1250 -> multiple of 256 -> 1280 MiB = 1.25G; 30 s -> 90 s;
  // 100 MiB -> 125 -> 128M; 2 s -> 12 s -> 15 s.
  EXPECT_NE(file.find("\nmm_calibrated([[a]] MEMORY 1.25G TIMEOUT 90)\nmm_calibrated([=[b]]odd]=] MEMORY 128M TIMEOUT 15)\n"),
            std::string::npos)
      << file;
  EXPECT_EQ(file.find("[[c]]"), std::string::npos);
  EXPECT_NE(file.find("\n# from the history h.sqlite "), std::string::npos) << file;
}

TEST(Calibrate, brackets_keep_any_name_whole) {
  EXPECT_EQ(cmake_bracket("plain"), "[[plain]]");
  EXPECT_EQ(cmake_bracket("a]]b"), "[=[a]]b]=]");
  EXPECT_EQ(cmake_bracket("ends]"), "[=[ends]]=]");
  EXPECT_EQ(cmake_bracket("x]=]y]"), "[==[x]=]y]]==]");
}

TEST(Calibrate, the_table_fits_80_columns) {
  std::vector<std::pair<std::string, std::vector<PastRun>>> tests;
  tests.push_back({std::string(120, 'n'), {past("passed", 12345, 100000), past("passed", 2, 3), past("passed", 2, 3)}});
  const std::string table = render_calibration(calibrate(tests), "build/mmtest/history.sqlite");
  std::size_t start = 0;
  while (start < table.size()) {
    const std::size_t end = table.find('\n', start);
    EXPECT_LE(end - start, 80u) << table.substr(start, end - start);
    start = end + 1;
  }
  EXPECT_NE(table.find("1 would change"), std::string::npos) << table;
}

// A test that declared no MEMORY ran under the 256M default: the default is no declaration to
// bless with "=", and the table says so, while a declared 256M that fits keeps its "=".
TEST(Calibrate, a_default_memory_is_said_as_such_and_never_taken_for_a_declaration) {
  const auto undeclared = [](double wall, std::uint64_t peak_mib) {
    PastRun run = past("passed", wall, peak_mib, 256);
    run.memory_declared = false;
    return run;
  };
  std::vector<std::pair<std::string, std::vector<PastRun>>> tests;
  // p95 peak 200 MiB x 1.25 = 250 -> 256M, the default itself.
  tests.push_back({"bare", {undeclared(1, 200), undeclared(1, 200), undeclared(1, 200)}});
  tests.push_back({"declared", {past("passed", 1, 200, 256), past("passed", 1, 200, 256), past("passed", 1, 200, 256)}});
  const std::vector<Calibration> calibrations = calibrate(tests);
  ASSERT_EQ(calibrations.size(), 2u);
  EXPECT_FALSE(calibrations[0].memory_declared);
  EXPECT_EQ(calibrations[0].proposed_memory_bytes, 256 * kMiB);
  EXPECT_TRUE(calibrations[0].changes()) << "a first declaration is a change";
  EXPECT_TRUE(calibrations[1].memory_declared);
  const std::string table = render_calibration(calibrations, "h.sqlite");
  std::istringstream lines(table);
  std::string line, bare, declared;
  while (std::getline(lines, line)) {
    // The first table's rows (the second, of CPUs, names them again).
    if (line.starts_with("  bare ") && bare.empty()) bare = line;
    if (line.starts_with("  declared ") && declared.empty()) declared = line;
  }
  EXPECT_NE(bare.find(" default    256M "), std::string::npos) << table;
  EXPECT_NE(declared.find(" 256M       = "), std::string::npos) << table;
  EXPECT_NE(table.find("1 declares no MEMORY (\"default\": MMTEST_DEFAULT_MEMORY or 256M applied)"), std::string::npos)
      << table;
}

// ---- calibrate: PROCESSORS ----------------------------------------------------------------------

// A passing run that kept `cpu` CPU-seconds busy and waited `wait` s over `wall` s.
PastRun cpu_run(double wall, double cpu, std::optional<double> wait = std::nullopt, std::optional<double> peak = std::nullopt) {
  PastRun run = past("passed", wall, 10);
  run.cpu_seconds = cpu;
  run.cpu_wait_seconds = wait;
  run.cpu_peak = peak;
  return run;
}

// The name as a view, not a reference: GCC 16 takes a reference bound to a temporary string for a
// dangling result (-Wdangling-reference).
const Calibration& named(const std::vector<Calibration>& calibrations, std::string_view name) {
  for (const Calibration& c : calibrations) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no calibration for " + std::string(name));
}

TEST(CalibrateCpus, proposes_the_median_demand_of_the_last_five_runs_against_the_declaration) {
  CpuDeclarations cpus;
  cpus.tests["threaded"] = {.tenths = 10};
  cpus.tests["pinned"] = {.tenths = 20, .fixed = true};
  cpus.tests["declared_half"] = {.tenths = 5};
  cpus.budget_tenths = 40;
  std::vector<std::pair<std::string, std::vector<PastRun>>> tests;
  // Newest first: means (cpu + wait) / wall of 1.4, 1.5, 9 (one odd run), 1.42, 1.2, then a sixth
  // that is too old to count. Median of the five: 1.42 -> 1.4.
  tests.push_back({"threaded", {cpu_run(10, 12, 2.0, 2.5), cpu_run(10, 15), cpu_run(10, 90), cpu_run(10, 14.2),
                                cpu_run(10, 12), cpu_run(10, 100)}});
  // Not in the manifest: declared 1. Sleeps: 0.02 of a CPU -> the floor, a tenth.
  tests.push_back({"sleeper", {cpu_run(2, 0.04), cpu_run(2, 0.04), cpu_run(2, 0.04)}});
  // Fixed (FIXED_PROCESSORS, PIN_CPUS, performance): never proposed another, whatever it used.
  tests.push_back({"pinned", {cpu_run(5, 0.5), cpu_run(5, 0.5), cpu_run(5, 0.5)}});
  // Uses what it declared.
  tests.push_back({"declared_half", {cpu_run(4, 2), cpu_run(4, 2), cpu_run(4, 2)}});
  // Keeps 8 CPUs busy on a build of 4: at most the budget, or CTest would never run it.
  tests.push_back({"greedy", {cpu_run(1, 8), cpu_run(1, 8), cpu_run(1, 8)}});
  // Three runs, but only two measured CPU time (rows of an older history): too few for a proposal.
  PastRun unmeasured = past("passed", 2, 10);
  tests.push_back({"old", {cpu_run(2, 2), cpu_run(2, 2), unmeasured}});
  const std::vector<Calibration> calibrations = calibrate(tests, cpus);

  const Calibration& threaded = named(calibrations, "threaded");
  ASSERT_TRUE(threaded.cpu_demand);
  EXPECT_EQ(threaded.cpu_demand->runs, 5u);
  EXPECT_NEAR(threaded.cpu_demand->mean, 1.42, 1e-9);
  EXPECT_EQ(threaded.proposed_cpu_tenths, 14u);
  EXPECT_EQ(threaded.declared_cpu_tenths, 10u);
  EXPECT_TRUE(threaded.writes_processors());
  const Calibration& sleeper = named(calibrations, "sleeper");
  EXPECT_EQ(sleeper.declared_cpu_tenths, 10u);
  EXPECT_EQ(sleeper.proposed_cpu_tenths, 1u);
  const Calibration& pinned = named(calibrations, "pinned");
  EXPECT_TRUE(pinned.cpus_fixed);
  EXPECT_FALSE(pinned.proposed_cpu_tenths);
  EXPECT_FALSE(pinned.writes_processors());
  const Calibration& half = named(calibrations, "declared_half");
  EXPECT_EQ(half.proposed_cpu_tenths, 5u);
  EXPECT_TRUE(half.writes_processors()) << "0.5 is not the default: kept in the file";
  EXPECT_EQ(named(calibrations, "greedy").proposed_cpu_tenths, 40u);
  EXPECT_FALSE(named(calibrations, "old").proposed_cpu_tenths);
  EXPECT_TRUE(named(calibrations, "old").proposed_memory_bytes);  // memory needs no CPU figures

  const std::string file = calibration_file(calibrations, "h.sqlite");
  EXPECT_NE(file.find("\nmm_calibrated([[threaded]] MEMORY 24M TIMEOUT 30 PROCESSORS 1.4)\n"), std::string::npos) << file;
  EXPECT_NE(file.find("\nmm_calibrated([[sleeper]] MEMORY 24M TIMEOUT 15 PROCESSORS 0.1)\n"), std::string::npos) << file;
  EXPECT_NE(file.find("\nmm_calibrated([[pinned]] MEMORY 24M TIMEOUT 15)\n"), std::string::npos) << file;
  EXPECT_NE(file.find("\nmm_calibrated([[declared_half]] MEMORY 24M TIMEOUT 15 PROCESSORS 0.5)\n"), std::string::npos) << file;
  EXPECT_NE(file.find("\nmm_calibrated([[greedy]] MEMORY 24M TIMEOUT 15 PROCESSORS 4)\n"), std::string::npos) << file;
  EXPECT_NE(file.find("\nmm_calibrated([[old]] MEMORY 24M TIMEOUT 15)\n"), std::string::npos) << file;

  const std::string table = render_calibration(calibrations, "h.sqlite");
  std::istringstream lines(table);
  std::map<std::string, std::string> cpu_rows;  // the second table's rows, by test
  bool cpu_table = false;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), 80u) << line;
    if (line.find("PROCESSORS  ") != std::string::npos) cpu_table = true;
    if (cpu_table && line.size() > 22) cpu_rows[line.substr(2, line.find(' ', 2) - 2)] = line;
  }
  EXPECT_NE(cpu_rows["threaded"].find("   5      1.42      2.50          1      1.4"), std::string::npos) << table;
  EXPECT_NE(cpu_rows["pinned"].find("          2    fixed"), std::string::npos) << table;
  EXPECT_NE(cpu_rows["declared_half"].find("        0.5        ="), std::string::npos) << table;
  EXPECT_TRUE(cpu_rows["old"].ends_with("        -")) << table;
}

// A test proposed its declared 1 CPU gets no PROCESSORS (nothing to change); a calibrated value
// already taken by the build stays in the file, so that calibrating twice does not flip it back.
TEST(CalibrateCpus, the_default_cpu_is_left_out_and_a_calibrated_value_is_kept) {
  CpuDeclarations cpus;
  cpus.tests["busy"] = {.tenths = 10};
  cpus.tests["calibrated"] = {.tenths = 3};  // the manifest after an earlier calibration gave 0.3
  cpus.tests["was_two"] = {.tenths = 20};
  std::vector<std::pair<std::string, std::vector<PastRun>>> tests;
  tests.push_back({"busy", {cpu_run(2, 2), cpu_run(2, 1.96), cpu_run(2, 2.08)}});
  tests.push_back({"calibrated", {cpu_run(2, 0.6), cpu_run(2, 0.6), cpu_run(2, 0.6)}});
  tests.push_back({"was_two", {cpu_run(2, 2), cpu_run(2, 2), cpu_run(2, 2)}});
  const std::vector<Calibration> calibrations = calibrate(tests, cpus);
  EXPECT_EQ(named(calibrations, "busy").proposed_cpu_tenths, 10u);
  EXPECT_FALSE(named(calibrations, "busy").writes_processors());
  EXPECT_TRUE(named(calibrations, "calibrated").writes_processors());
  EXPECT_TRUE(named(calibrations, "was_two").writes_processors());  // 1 against a declared 2
  EXPECT_TRUE(named(calibrations, "was_two").changes());
  const std::string file = calibration_file(calibrations, "h.sqlite");
  EXPECT_NE(file.find("mm_calibrated([[busy]] MEMORY 24M TIMEOUT 15)\n"), std::string::npos) << file;
  EXPECT_NE(file.find("mm_calibrated([[calibrated]] MEMORY 24M TIMEOUT 15 PROCESSORS 0.3)\n"), std::string::npos) << file;
  EXPECT_NE(file.find("mm_calibrated([[was_two]] MEMORY 24M TIMEOUT 15 PROCESSORS 1)\n"), std::string::npos) << file;
}

TEST(CalibrateCpus, the_build_tree_gives_declarations_cases_and_the_cpu_budget) {
  TempDirectory build;
  write_text(build / "mmtest" / "manifest.cmake",
             "_mm_need(\"test 'plain'\" 64 0 60 1)\n"
             "_mm_need(\"test 'threads'\" 64 0 60 2.5)\n"
             "_mm_need(\"test 'bench'\" 64 0 60 1 FIXED)\n"
             "_mm_need(\"each test of 'unit' (mm_gtest_discover_tests)\" 64 0 60 0.5 CASES \"" +
                 (build / "unit.list").string() + "\" \"u.\" \"\")\n");
  write_text(build / "unit.list", "Orders.Fill\nDISABLED_Orders.Slow\n");
  write_text(build / "mmtest" / "resource-spec.json",
             R"({"version": {"major": 1, "minor": 0}, "local": [{"mmtest_cpus": [{"id": "0", "slots": 10}, {"id": "1", "slots": 10}]}]})");
  const CpuDeclarations cpus = read_cpu_declarations(build.path());
  EXPECT_FALSE(cpus.problem);
  EXPECT_EQ(cpus.budget_tenths, 20u);
  ASSERT_EQ(cpus.tests.size(), 4u);
  EXPECT_EQ(cpus.tests.at("plain").tenths, 10u);
  EXPECT_EQ(cpus.tests.at("threads").tenths, 25u);
  EXPECT_FALSE(cpus.tests.at("threads").fixed);
  EXPECT_TRUE(cpus.tests.at("bench").fixed);
  EXPECT_EQ(cpus.tests.at("u.Orders.Fill").tenths, 5u);

  TempDirectory empty;
  const CpuDeclarations none = read_cpu_declarations(empty.path());
  ASSERT_TRUE(none.problem);
  EXPECT_NE(none.problem->find("every test taken as declaring 1 CPU"), std::string::npos) << *none.problem;
  EXPECT_FALSE(none.budget_tenths);
  EXPECT_TRUE(none.tests.empty());
  // And the table says so.
  std::vector<std::pair<std::string, std::vector<PastRun>>> tests;
  tests.push_back({"t", {cpu_run(2, 2), cpu_run(2, 2), cpu_run(2, 2)}});
  EXPECT_NE(render_calibration(calibrate(tests, none), "h.sqlite", none.problem).find("every test taken as declaring 1 CPU"),
            std::string::npos);
}

// ---- shard ---------------------------------------------------------------------------------------

TEST(Shard, reads_names_numbers_memory_cpus_and_timeouts_from_ctest) {
  const auto tests = parse_ctest_tests(R"({"kind":"ctestInfo","tests":[
    {"name":"heavy","properties":[{"name":"RESOURCE_GROUPS","value":[
        {"requirements":[{".type":"mmtest_memory_mib","slots":2048}]},
        {"requirements":[{".type":"mmtest_cpus","slots":10}]},{"requirements":[{".type":"mmtest_cpus","slots":10}]}]},
      {"name":"TIMEOUT","value":615.0}]},
    {"name":"plain","properties":[{"name":"LABELS","value":["unit"]}]},
    {"name":"half","properties":[{"name":"RESOURCE_GROUPS","value":[
        {"requirements":[{".type":"mmtest_memory_mib","slots":64}]},{"requirements":[{".type":"mmtest_cpus","slots":5}]}]}]}]})");
  ASSERT_TRUE(tests) << tests.error();
  ASSERT_EQ(tests->size(), 3u);
  EXPECT_EQ((*tests)[0].name, "heavy");
  EXPECT_EQ((*tests)[0].number, 1u);
  EXPECT_EQ((*tests)[0].memory_mib, 2048u);
  EXPECT_DOUBLE_EQ((*tests)[0].cpus, 2.0);
  EXPECT_EQ((*tests)[0].timeout_seconds, 615);
  EXPECT_EQ((*tests)[1].number, 2u);
  EXPECT_EQ((*tests)[1].memory_mib, 0u);
  EXPECT_DOUBLE_EQ((*tests)[1].cpus, 1.0);
  EXPECT_DOUBLE_EQ((*tests)[2].cpus, 0.5);  // five slots of ten: half a CPU
  EXPECT_FALSE(parse_ctest_tests("not json"));
}

TEST(Shard, weights_are_seconds_times_cpus_or_memory_share) {
  std::vector<ShardTest> tests(4);
  tests[0] = {.name = "measured", .number = 1, .memory_mib = 100, .cpus = 1, .timeout_seconds = 315};
  tests[1] = {.name = "declared", .number = 2, .memory_mib = 100, .cpus = 1, .timeout_seconds = 75};
  tests[2] = {.name = "big", .number = 3, .memory_mib = 4096, .cpus = 1, .timeout_seconds = 0};
  tests[3] = {.name = "wide", .number = 4, .memory_mib = 0, .cpus = 4, .timeout_seconds = 30};
  plan::MeasuredDurations history;
  history["measured"] = {2.0, "2026-11-22T10:00:00.000Z"};
  history["big"] = {10.0, "2026-11-22T10:00:00.000Z"};
  // Budget 8192 MiB over 4 CPUs: 2048 MiB per CPU.
  weigh(tests, history, 8192, 4);
  EXPECT_TRUE(tests[0].measured);
  EXPECT_DOUBLE_EQ(tests[0].weight, 2.0);        // 2 s x 1 CPU
  EXPECT_FALSE(tests[1].measured);
  EXPECT_DOUBLE_EQ(tests[1].weight, 60.0);       // timeout 75 - 15 s, 1 CPU
  EXPECT_DOUBLE_EQ(tests[2].weight, 20.0);       // 10 s x 4096 / 2048
  EXPECT_DOUBLE_EQ(tests[3].weight, 120.0);      // a plain test's TIMEOUT as it is: 30 s x 4 CPUs
}

TEST(Shard, shards_are_disjoint_cover_every_test_and_balance_within_the_heaviest_test) {
  std::vector<ShardTest> tests;
  // Weights 1..40 with a few heavy ones.
  for (int i = 1; i <= 40; ++i) {
    ShardTest test;
    test.name = "t" + std::to_string(i);
    test.number = static_cast<std::size_t>(i);
    test.weight = (i % 7 == 0) ? 30.0 * i : i;
    tests.push_back(test);
  }
  for (std::size_t shards : {1u, 3u, 4u, 7u}) {
    const std::vector<std::size_t> shard_of = assign_shards(tests, shards);
    ASSERT_EQ(shard_of.size(), tests.size());
    std::vector<double> load(shards, 0);
    double heaviest = 0;
    for (std::size_t i = 0; i < tests.size(); ++i) {
      ASSERT_LT(shard_of[i], shards);  // each test in exactly one shard
      load[shard_of[i]] += tests[i].weight;
      heaviest = std::max(heaviest, tests[i].weight);
    }
    const auto [lightest, heaviest_shard] = std::ranges::minmax(load);
    EXPECT_LE(heaviest_shard - lightest, heaviest) << shards << " shards";
  }
  // Equal weights: the same split whatever order ctest listed them in.
  std::vector<ShardTest> same(6);
  for (std::size_t i = 0; i < same.size(); ++i) same[i] = {.name = std::string(1, char('a' + i)), .number = i + 1, .weight = 1};
  std::vector<ShardTest> reversed(same.rbegin(), same.rend());
  const auto forward = assign_shards(same, 4);
  const auto backward = assign_shards(reversed, 4);
  for (std::size_t i = 0; i < same.size(); ++i) EXPECT_EQ(forward[i], backward[same.size() - 1 - i]) << same[i].name;
}

TEST(Shard, the_selection_is_ctest_i_syntax_and_an_empty_shard_selects_nothing) {
  const std::vector<std::size_t> numbers{3, 7, 12};
  EXPECT_EQ(ctest_selection(numbers, 20), "0,0,0,3,7,12");
  EXPECT_EQ(ctest_selection({}, 20), "0,0,0,21");
}

}  // namespace
}  // namespace mmtest::tool
