#include "mmtest/tool/model.hpp"

#include <gtest/gtest.h>

#include "temp_directory.hpp"
#include "fake_records.hpp"
#include "mmtest/tool/history.hpp"
#include "mmtest/tool/output.hpp"
#include "mmtest/tool/report.hpp"

namespace mmtest::tool {
namespace {

using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;
using testing::Fake;
using testing::kMiB;
using testing::write_fake;

RunModel model_of(const std::vector<std::filesystem::path>& folders, std::optional<std::uint64_t> budget = std::nullopt) {
  std::vector<Input> inputs;
  for (const auto& folder : folders) inputs.push_back(resolve_input(folder).value());
  return build_model(inputs, {budget});
}

const TestResult& find(const RunModel& model, const std::string& name) {
  for (const TestResult& test : model.tests) {
    if (test.record.name == name) return test;
  }
  throw std::runtime_error("no test " + name);
}

TEST(Model, concurrent_memory_sums_the_tests_running_at_each_moment) {
  TempDirectory records;
  // a: 0-4 s declares 100, b: 1-3 s declares 200, c: 3.5-5 s declares 300 (a and c overlap 3.5-4).
  write_fake(records.path(), {.name = "a", .start = 0, .wall = 4, .peak_mib = 50, .limit_mib = 100});
  write_fake(records.path(), {.name = "b", .start = 1, .wall = 2, .peak_mib = 150, .limit_mib = 200});
  write_fake(records.path(), {.name = "c", .start = 3.5, .wall = 1.5, .peak_mib = 250, .limit_mib = 300});
  const RunModel model = model_of({records.path()});
  ASSERT_EQ(model.tests.size(), 3u);
  EXPECT_EQ(model.peak_declared.declared_bytes, 400 * kMiB);   // a + c; a + b is 300
  EXPECT_DOUBLE_EQ(model.peak_declared.seconds, 3.5);
  EXPECT_EQ(model.peak_measured.measured_bytes, 300 * kMiB);   // a + c = 50 + 250; a + b = 200
  EXPECT_DOUBLE_EQ(model.run_seconds, 5);
  EXPECT_EQ(model.lanes, 2u);
  EXPECT_EQ(find(model, "a").lane, 0u);
  EXPECT_EQ(find(model, "b").lane, 1u);
  EXPECT_EQ(find(model, "c").lane, 1u);  // b ended at 3 s
  EXPECT_EQ(model.memory.back().declared_bytes, 0u);
  EXPECT_EQ(model.memory.back().measured_bytes, 0u);
}

TEST(Model, memory_samples_shape_the_measured_memory_over_time) {
  TempDirectory records;
  // a holds 10 MiB, then 500 MiB from 2 s on; b runs 0-1 s at 100 MiB: the peak is a's late 500.
  write_fake(records.path(), {.name = "a", .start = 0, .wall = 3, .peak_mib = 500, .limit_mib = 512,
                              .samples_mib = {{0.02, 10}, {2.0, 500}}});
  write_fake(records.path(), {.name = "b", .start = 0, .wall = 1, .peak_mib = 100, .limit_mib = 128,
                              .samples_mib = {{0.02, 100}}});
  const RunModel model = model_of({records.path()});
  EXPECT_EQ(model.peak_measured.measured_bytes, 500 * kMiB);
  EXPECT_DOUBLE_EQ(model.peak_measured.seconds, 2.0);
  // Without samples a test would count its 500 MiB peak from 0 s, beside b's 100.
  const auto steps = memory_steps(find(model, "a").record);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0], (std::pair<double, std::uint64_t>{0.0, 10 * kMiB}));
  EXPECT_EQ(steps[1], (std::pair<double, std::uint64_t>{2.0, 500 * kMiB}));
  EXPECT_EQ(steps[2], (std::pair<double, std::uint64_t>{3.0, 0}));
}

TEST(Model, merged_folders_count_every_test_once_keeping_its_latest_record) {
  TempDirectory shard1, shard2;
  write_fake(shard1.path(), {.name = "only1"});
  write_fake(shard1.path(), {.name = "both", .start = 0, .peak_mib = 11});
  write_fake(shard2.path(), {.name = "both", .start = 5, .peak_mib = 22});
  write_fake(shard2.path(), {.name = "only2", .start = 1});
  const RunModel model = model_of({shard1.path(), shard2.path()});
  ASSERT_EQ(model.tests.size(), 3u);
  EXPECT_EQ(model.duplicates, 1u);
  EXPECT_EQ(find(model, "both").record.peak_memory_bytes, 22 * kMiB);
  EXPECT_EQ(find(model, "both").input, 1u);
  std::size_t counted = 0;
  for (const auto& [outcome, count] : model.outcome_counts()) counted += count;
  EXPECT_EQ(counted, 3u);
}

TEST(Model, classifies_declarations_and_suggests_by_the_documented_rule) {
  TempDirectory records;
  write_fake(records.path(), {.name = "over", .peak_mib = 140, .limit_mib = 128, .outcome = "memory"});
  write_fake(records.path(), {.name = "close", .peak_mib = 120, .limit_mib = 128});
  write_fake(records.path(), {.name = "fits", .peak_mib = 64, .limit_mib = 128});
  write_fake(records.path(), {.name = "oversized", .peak_mib = 42, .limit_mib = 128});
  write_fake(records.path(), {.name = "undeclared", .peak_mib = 42, .limit_mib = std::nullopt});
  // No MEMORY of its own: the 256M default is not a declaration to call oversized, but one over it
  // is exceeded like any other.
  write_fake(records.path(), {.name = "defaulted", .peak_mib = 42, .limit_mib = 256, .memory_declared = false});
  write_fake(records.path(),
             {.name = "over_default", .peak_mib = 300, .limit_mib = 256, .outcome = "memory", .memory_declared = false});
  const RunModel model = model_of({records.path()});
  EXPECT_EQ(find(model, "defaulted").fit, MemoryFit::defaulted);
  EXPECT_EQ(find(model, "defaulted").suggested_memory_bytes, 56 * kMiB);
  EXPECT_EQ(find(model, "over_default").fit, MemoryFit::over);
  EXPECT_EQ(find(model, "over").fit, MemoryFit::over);
  EXPECT_EQ(find(model, "close").fit, MemoryFit::close);
  EXPECT_EQ(find(model, "fits").fit, MemoryFit::fits);
  EXPECT_EQ(find(model, "oversized").fit, MemoryFit::oversized);
  EXPECT_EQ(find(model, "undeclared").fit, MemoryFit::undeclared);
  // 140 × 1.25 = 175 -> 176M; 120 × 1.25 = 150 -> 152M; 42 × 1.25 = 52.5 -> 56M.
  EXPECT_EQ(find(model, "over").suggested_memory_bytes, 176 * kMiB);
  EXPECT_EQ(find(model, "close").suggested_memory_bytes, 152 * kMiB);
  EXPECT_EQ(find(model, "oversized").suggested_memory_bytes, 56 * kMiB);
  EXPECT_FALSE(find(model, "fits").suggested_memory_bytes);
  EXPECT_EQ(model.failures(), 2u);
}

// ---- CPU findings: one rule (judge_cpu), its boundaries, and records that cannot be judged --------

record::Record cpu_record(double wall, double cpu, std::optional<double> held, std::optional<double> wait = std::nullopt,
                          std::optional<double> peak = std::nullopt) {
  return testing::fake({.name = "t", .wall = wall, .cpu = cpu, .cpu_wait = wait, .cpu_peak = peak, .cpus_reserved = held});
}

TEST(CpuFindings, a_test_that_used_more_than_it_held_is_over_and_says_how_long_it_waited) {
  // google/benchmark's user_counters_threads_test: 1.08 CPUs for 9.8 s, declaring 1, 3.2 s waiting.
  const CpuJudgement over = judge_cpu(cpu_record(9.8, 10.584, 1.0, 3.2, 2.01));
  EXPECT_EQ(over.fit, CpuFit::over);
  EXPECT_NEAR(over.mean, 1.08, 1e-9);
  EXPECT_EQ(over.finding,
            "used 1.08 CPUs on average (peak 2.01) but held 1: it took CPU time from the tests beside it, and waited 3.2 s "
            "for a CPU");
  // (10.584 + 3.2) / 9.8 = 1.41: what the hook would learn from this run, to the tenth.
  EXPECT_EQ(over.suggested_tenths, 14u);
  // Without a wait worth saying (under 0.5 s, not starved) and without a peak: neither is mentioned.
  const CpuJudgement quiet = judge_cpu(cpu_record(4, 6, 0.3, 0.49));
  EXPECT_EQ(quiet.fit, CpuFit::over);
  EXPECT_EQ(quiet.finding, "used 1.50 CPUs on average but held 0.3: it took CPU time from the tests beside it");
  EXPECT_EQ(quiet.suggested_tenths, 16u);  // (6 + 0.49) / 4 = 1.62
  EXPECT_NE(judge_cpu(cpu_record(4, 6, 0.3, 0.5)).finding.find(", and waited 0.5 s for a CPU"), std::string::npos);
  // The record's own starved flag says it too.
  record::Record starved = cpu_record(4, 6, 0.3, 0.2);
  starved.starved = true;
  EXPECT_NE(judge_cpu(starved).finding.find(", and waited 0.2 s for a CPU"), std::string::npos);
}

TEST(CpuFindings, a_test_learned_idle_holds_no_cpu_and_is_over_once_it_uses_a_quarter) {
  // It held a slot of the idle pool (cpus_reserved 0) and then kept a CPU busy.
  const CpuJudgement woke = judge_cpu(cpu_record(2, 2, 0.0));
  EXPECT_EQ(woke.fit, CpuFit::over);
  EXPECT_EQ(woke.finding, "used 1.00 CPUs on average but held no CPU (learned idle): it took CPU time from the tests "
                          "beside it");
  EXPECT_EQ(woke.suggested_tenths, 10u);
  // Still idle: it fits, and holding nothing it is never called idle (that is for held CPUs).
  EXPECT_EQ(judge_cpu(cpu_record(2, 0.02, 0.0)).fit, CpuFit::fits);
  EXPECT_EQ(judge_cpu(cpu_record(2, 0.5, 0.0)).fit, CpuFit::fits);    // 0.25: not above a quarter
  EXPECT_EQ(judge_cpu(cpu_record(2, 0.52, 0.0)).fit, CpuFit::over);  // 0.26
  EXPECT_EQ(held_cpus_text(0), "idle");
  EXPECT_EQ(held_cpus_text(0.3), "0.3");
  EXPECT_EQ(held_cpus_text(2), "2");
}

TEST(CpuFindings, a_test_held_less_on_purpose_says_why_and_suggests_nothing) {
  // Two threads spinning for a set time: held 1, it used 2.2 CPUs. Its earlier runs held 1.8 and
  // were no faster than those that held 1, so the hook chose 1 (plan::learn_demand).
  const record::Record now = cpu_record(1.88, 4.136, 1.0, 0.9, 2.0);
  const auto held_run = [](double held, double wall, double cpu) {
    return plan::CpuUse{.wall_seconds = wall, .cpu_seconds = cpu, .wait_seconds = 0.0, .peak = std::nullopt, .held = held};
  };
  const std::vector<plan::CpuUse> no_faster{held_run(1.0, 1.9, 2.3), held_run(1.8, 1.85, 3.0), held_run(1.8, 1.86, 3.0)};
  CpuJudgement judged = judge_cpu(now);
  ASSERT_EQ(judged.fit, CpuFit::over);
  ASSERT_TRUE(judged.suggested_tenths.has_value());
  explain_held_less(judged, now, no_faster);
  EXPECT_EQ(judged.fit, CpuFit::over);
  EXPECT_EQ(judged.no_faster_at_tenths, 18u);
  EXPECT_FALSE(judged.suggested_tenths.has_value());
  EXPECT_EQ(judged.finding,
            "used 2.20 CPUs on average (peak 2.00) but held 1 on purpose: its earlier runs that held 1.8 were no faster "
            "than those that held 1, so it keeps holding 1 and takes the rest from the tests beside it, and waited 0.9 "
            "s for a CPU");
  // Runs at 1.8 that were faster: more CPUs bought time, so holding 1 was no choice; left as it was.
  const std::vector<plan::CpuUse> faster{held_run(1.0, 1.9, 2.3), held_run(1.8, 1.1, 2.0), held_run(1.8, 1.1, 2.0)};
  CpuJudgement plain = judge_cpu(now);
  explain_held_less(plain, now, faster);
  EXPECT_FALSE(plain.no_faster_at_tenths.has_value());
  EXPECT_EQ(plain.finding, judge_cpu(now).finding);
  EXPECT_EQ(plain.suggested_tenths, judge_cpu(now).suggested_tenths);
  // The rule chose 1 but this run held 1.5 (declared, or learning off): not its choice either.
  const record::Record wider = cpu_record(1.88, 4.136, 1.5, 0.9, 2.0);
  CpuJudgement other = judge_cpu(wider);
  explain_held_less(other, wider, no_faster);
  EXPECT_FALSE(other.no_faster_at_tenths.has_value());
  // No history: nothing to say.
  CpuJudgement alone = judge_cpu(now);
  explain_held_less(alone, now, {});
  EXPECT_EQ(alone.finding, judge_cpu(now).finding);
  // A test that fits is never touched.
  const record::Record fitting = cpu_record(1.88, 1.88, 1.0);
  CpuJudgement fits = judge_cpu(fitting);
  explain_held_less(fits, fitting, no_faster);
  EXPECT_EQ(fits.fit, CpuFit::fits);
  EXPECT_TRUE(fits.finding.empty());
}

TEST(CpuFindings, the_report_reads_the_runs_before_each_record_from_the_history) {
  // The history holds yesterday's runs of the spinner: held 2 and 1, no faster at 2. Today it held
  // 1 and used 2.2; "busy" used 2 holding 1 with no history: an ordinary finding.
  TempDirectory records;
  TempDirectory state;
  auto history = HistoryDb::open(state.path() / "history.sqlite");
  ASSERT_TRUE(history) << history.error();
  const auto spin = [](double start, double day, double held, double wall, double cpu) {
    return Fake{.name = "spinner", .start = start, .wall = wall, .day = day, .cpu = cpu, .cpu_wait = 0.9,
                .cpus_reserved = held};
  };
  ASSERT_TRUE(history->ingest(std::vector{testing::fake(spin(0, -1, 2.0, 1.85, 3.7)), testing::fake(spin(10, -1, 1.0, 1.9, 2.3))}));
  write_fake(records.path(), spin(0, 0, 1.0, 1.88, 4.136));
  write_fake(records.path(), {.name = "busy", .start = 0, .wall = 2, .cpu = 4.0, .cpus_reserved = 1.0});
  RunModel model = model_of({records.path()});
  ASSERT_EQ(find(model, "spinner").cpu.fit, CpuFit::over);
  ASSERT_TRUE(apply_history(model, *history));
  const CpuJudgement& spinner = find(model, "spinner").cpu;
  EXPECT_EQ(spinner.no_faster_at_tenths, 20u);
  EXPECT_NE(spinner.finding.find("held 1 on purpose: its earlier runs that held 2 were no faster than those that held 1"),
            std::string::npos)
      << spinner.finding;
  EXPECT_FALSE(spinner.suggested_tenths.has_value());
  const CpuJudgement& busy = find(model, "busy").cpu;
  EXPECT_EQ(busy.finding, "used 2.00 CPUs on average but held 1: it took CPU time from the tests beside it");
  EXPECT_EQ(busy.suggested_tenths, 20u);
}

TEST(CpuFindings, over_starts_strictly_above_a_quarter_cpu_more_than_held) {
  // The demand, (cpu + wait) / wall, is judged: the motivating test above used 1.08 CPUs holding 1,
  // and wanted 1.41.
  EXPECT_EQ(judge_cpu(cpu_record(4, 5, 1.0)).fit, CpuFit::fits);     // 1.25 = 1 + 0.25
  EXPECT_EQ(judge_cpu(cpu_record(4, 5.04, 1.0)).fit, CpuFit::over);  // 1.26
  EXPECT_EQ(judge_cpu(cpu_record(4, 9, 2.0)).fit, CpuFit::fits);     // 2.25 with 2 held
  EXPECT_EQ(judge_cpu(cpu_record(4, 9.2, 2.0)).fit, CpuFit::over);   // 2.30
  EXPECT_EQ(judge_cpu(cpu_record(4, 3, 0.5)).fit, CpuFit::fits);     // 0.75 = 0.5 + 0.25
  EXPECT_EQ(judge_cpu(cpu_record(4, 3.04, 0.5)).fit, CpuFit::over);  // 0.76
  EXPECT_EQ(judge_cpu(cpu_record(4, 4.2, 1.0, 0.8)).fit, CpuFit::fits);   // (4.2 + 0.8) / 4 = 1.25
  EXPECT_EQ(judge_cpu(cpu_record(4, 4.2, 1.0, 0.84)).fit, CpuFit::over);  // 1.26, using 1.05
  // A test that used less than it held and waited, starved by others, took nothing from anyone.
  const CpuJudgement starved = judge_cpu(cpu_record(4, 3.6, 1.0, 2.0));  // mean 0.9, demand 1.4
  EXPECT_EQ(starved.fit, CpuFit::fits);
  EXPECT_NEAR(starved.demand, 1.4, 1e-9);
  EXPECT_EQ(judge_cpu(cpu_record(4, 4, 1.0, 2.0)).fit, CpuFit::fits);      // mean 1 = held
  EXPECT_EQ(judge_cpu(cpu_record(4, 4.04, 1.0, 2.0)).fit, CpuFit::over);   // mean 1.01
}

TEST(CpuFindings, a_test_that_held_cpus_it_did_not_use_is_idle) {
  // google/benchmark's options_benchmarks: held a CPU 2.2 s using 0.01 s of it.
  const CpuJudgement idle = judge_cpu(cpu_record(2.2, 0.01, 1.0));
  EXPECT_EQ(idle.fit, CpuFit::idle);
  EXPECT_EQ(idle.finding, "held 1 CPU for 2.2 s and used 0.01 s of it");
  EXPECT_EQ(idle.suggested_tenths, 1u);  // never below a tenth
  EXPECT_EQ(judge_cpu(cpu_record(3, 0.3, 2.0)).finding, "held 2 CPUs for 3.0 s and used 0.30 s of it");
  // A quarter of what it held is the line: 0.25 of 1 fits, 0.24 is idle.
  EXPECT_EQ(judge_cpu(cpu_record(4, 1, 1.0)).fit, CpuFit::fits);
  EXPECT_EQ(judge_cpu(cpu_record(4, 0.96, 1.0)).fit, CpuFit::idle);
  // Half a CPU held is worth a finding, less is not.
  EXPECT_EQ(judge_cpu(cpu_record(4, 0, 0.5)).fit, CpuFit::idle);
  EXPECT_EQ(judge_cpu(cpu_record(4, 0, 0.5)).finding, "held 0.5 CPU for 4.0 s and used 0.00 s of it");
  EXPECT_EQ(judge_cpu(cpu_record(4, 0, 0.4)).fit, CpuFit::fits);
  // A test that waited for the CPU it held is not idle by choice: the wait counts as demand.
  EXPECT_EQ(judge_cpu(cpu_record(4, 0.2, 1.0, 1.8)).fit, CpuFit::fits);  // (0.2 + 1.8) / 4 = 0.5
  const CpuJudgement waiting = judge_cpu(cpu_record(4, 0.2, 1.0, 0.7));  // 0.225
  EXPECT_EQ(waiting.fit, CpuFit::idle);
  EXPECT_EQ(waiting.suggested_tenths, 2u);
}

TEST(CpuFindings, short_tests_and_records_that_do_not_say_what_was_held_are_not_judged) {
  EXPECT_EQ(judge_cpu(cpu_record(1.0, 3, 1.0)).fit, CpuFit::over);        // a second is enough
  EXPECT_EQ(judge_cpu(cpu_record(0.99, 3, 1.0)).fit, CpuFit::unjudged);   // under it, the mean says little
  EXPECT_EQ(judge_cpu(cpu_record(0.99, 0, 1.0)).fit, CpuFit::unjudged);
  EXPECT_EQ(judge_cpu(cpu_record(10, 30, std::nullopt)).fit, CpuFit::unjudged);  // outside ctest
  EXPECT_EQ(judge_cpu(cpu_record(10, 0, std::nullopt)).fit, CpuFit::unjudged);
  EXPECT_EQ(judge_cpu(cpu_record(0, 0, 1.0)).mean, 0);
  // Records of schema 4 and 1, as mmtest-run wrote them: no cpus_reserved (nor cpu_peak; schema 1
  // no cpu_wait_seconds nor starved either), however busy they were.
  nlohmann::json old = testing::fake_record({.name = "old", .wall = 10, .cpu = 40});
  old["schema_version"] = 4;
  old.erase("cpus_reserved");
  old.erase("cpu_peak");
  const CpuJudgement four = judge_cpu(record::parse_record_json(old.dump()).value());
  EXPECT_EQ(four.fit, CpuFit::unjudged);
  EXPECT_TRUE(four.finding.empty());
  EXPECT_FALSE(four.suggested_tenths);
  old["schema_version"] = 1;
  old.erase("cpu_wait_seconds");
  EXPECT_EQ(judge_cpu(record::parse_record_json(old.dump()).value()).fit, CpuFit::unjudged);
  EXPECT_EQ(judge_cpu(record::parse_record_json(old.dump()).value()).mean, 4);
}

TEST(CpuFindings, the_model_judges_every_test) {
  TempDirectory records;
  write_fake(records.path(), {.name = "threads", .wall = 9.8, .cpu = 10.584, .cpu_wait = 3.2, .cpu_peak = 2.01, .cpus_reserved = 1});
  write_fake(records.path(), {.name = "sleeper", .wall = 2.2, .cpu = 0.01, .cpus_reserved = 1});
  write_fake(records.path(), {.name = "honest", .wall = 2, .cpu = 1.9, .cpus_reserved = 1});
  const RunModel model = model_of({records.path()});
  EXPECT_EQ(find(model, "threads").cpu.fit, CpuFit::over);
  EXPECT_EQ(find(model, "sleeper").cpu.fit, CpuFit::idle);
  EXPECT_EQ(find(model, "honest").cpu.fit, CpuFit::fits);
  EXPECT_EQ(find(model, "honest").cpu.finding, "");
  EXPECT_EQ(std::string(to_string(CpuFit::idle)), "idle");
}

TEST(Suggestion, rounds_to_readable_sizes) {
  EXPECT_EQ(suggested_memory_bytes(1 * kMiB), 16 * kMiB);        // at least 8 MiB of headroom
  EXPECT_EQ(suggested_memory_bytes(400 * kMiB), 512 * kMiB);     // 500 -> a multiple of 32 MiB
  EXPECT_EQ(suggested_memory_bytes(1000 * kMiB), 1280 * kMiB);   // 1250 -> a multiple of 256 MiB
  EXPECT_EQ(cmake_size(1280 * kMiB), "1.25G");
  EXPECT_EQ(cmake_size(2048 * kMiB), "2G");
  EXPECT_EQ(cmake_size(56 * kMiB), "56M");
}

TEST(Model, a_build_directory_gives_its_records_and_the_budget_of_its_resource_spec) {
  TempDirectory build;
  write_fake(build / "mmtest-results", {.name = "t"});
  write_text(build / "mmtest" / "resource-spec.json",
             R"({"version": {"major": 1, "minor": 0}, "local": [{"mmtest_memory_mib": [{"id": "0", "slots": 1500}]}]})");
  const RunModel model = model_of({build.path()});
  EXPECT_EQ(model.tests.size(), 1u);
  EXPECT_EQ(model.budget_bytes, 1500 * kMiB);
  EXPECT_EQ(model_of({build.path()}, 99 * kMiB).budget_bytes, 99 * kMiB);  // --budget wins
}

TEST(Model, corrupt_records_are_named_and_skipped) {
  TempDirectory records;
  write_fake(records.path(), {.name = "good"});
  write_text(records / "truncated.json", R"({"name": "truncated", "outc)");
  const RunModel model = model_of({records.path()});
  EXPECT_EQ(model.tests.size(), 1u);
  ASSERT_EQ(model.problems.size(), 1u);
  EXPECT_EQ(model.problems[0], (records / "truncated.json").string() + ": not JSON (truncated or corrupt)");
}

TEST(FailedCases, names_the_failed_cases_with_their_leaked_series_and_counts_the_rest) {
  record::Record record;
  EXPECT_EQ(failed_cases_summary(record), "");  // not a GoogleTest program
  record.cases = {{.name = "A.passes", .outcome = "passed", .leaked_series = 0},
                  {.name = "Orders.Leak", .outcome = "failed", .leaked_series = 104},
                  {.name = "B.fails", .outcome = "failed", .leaked_series = 0}};
  EXPECT_EQ(failed_cases_summary(record), "failed test cases: Orders.Leak (104 leaked series), B.fails");
  record.cases.push_back({.name = "C.fails", .outcome = "failed"});
  record.cases.push_back({.name = "D.fails", .outcome = "failed"});
  record.cases.push_back({.name = "E.running", .outcome = "unfinished"});
  EXPECT_EQ(failed_cases_summary(record), "failed test cases: Orders.Leak (104 leaked series), B.fails, C.fails and 1 more");
  EXPECT_EQ(failed_cases_summary(record, 1), "failed test cases: Orders.Leak (104 leaked series) and 3 more");
  record.cases = {{.name = "Only.one", .outcome = "failed"}};
  EXPECT_EQ(failed_cases_summary(record), "failed test case: Only.one");
}

TEST(ResolveInput, a_missing_directory_is_one_line_naming_it) {
  EXPECT_EQ(resolve_input("/nonexistent/build").error(),
            "/nonexistent/build: no such directory; give a build directory or a folder of mmtest records");
}

}  // namespace
}  // namespace mmtest::tool
