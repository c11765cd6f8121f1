#include "mmtest/run/make_record.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <set>
#include <string>

#include "mmtest/common/format.hpp"
#include "mmtest/record/attempts.hpp"
#include "temp_directory.hpp"

namespace mmtest::run {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using mmtest::test_support::read_text;
using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// 2026-11-22T10:47:26Z
const std::chrono::system_clock::time_point kStarted{std::chrono::seconds{1795344446}};

RecordContext context() {
  return {kStarted + 123ms, kStarted + 2s + 456ms, "sample", "cgroup v2 not available", "/tmp/mmtest.t.abc123",
          std::nullopt, "", 1};
}

// ---- record::rfc3339 -------------------------------------------------------------------------------------

TEST(Rfc3339, formats_utc_with_milliseconds) {
  EXPECT_EQ(record::rfc3339(kStarted + 123ms), "2026-11-22T10:47:26.123Z");
  EXPECT_EQ(record::rfc3339(kStarted), "2026-11-22T10:47:26.000Z");
}

TEST(Rfc3339, pads_every_field) {
  // 2001-02-03T04:05:06.007Z
  EXPECT_EQ(record::rfc3339(std::chrono::system_clock::time_point{std::chrono::seconds{981173106}} + 7ms),
            "2001-02-03T04:05:06.007Z");
  EXPECT_EQ(record::rfc3339(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(Rfc3339, truncates_below_a_millisecond) {
  EXPECT_EQ(record::rfc3339(kStarted + 999999us), "2026-11-22T10:47:26.999Z");
}

// ---- make_record ---------------------------------------------------------------------------------

TEST(MakeRecord, has_exactly_the_documented_fields) {
  Options options;
  options.name = "t";
  options.command = {"./t"};
  const json record = make_record(options, Supervision{}, Verdict{}, context());
  std::set<std::string> keys;
  for (const auto& [key, value] : record.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"schema_version", "name", "command", "labels", "ctest_run", "attempt", "memory_declared", "outcome", "exit_code", "signal",
                                         "launcher_exit_code", "diagnosis", "wall_seconds", "cpu_seconds",
                                         "peak_memory_bytes", "peak_memory_source", "memory_limit_bytes",
                                         "limit_mode", "limit_mode_reason", "timeout_seconds", "max_processes_seen",
                                         "leaked_processes", "tmpdir", "warnings", "started_at", "finished_at",
                                         "cpu_wait_seconds", "starved", "cpu_peak", "cpus_reserved", "cpus_allocated", "pinned_cpus", "cases",
                                         "memory_guard", "memory_samples"}));
}

TEST(MakeRecord, a_failed_run_with_every_figure_set) {
  Options options;
  options.name = "order_book";
  options.command = {"./order_book", "--gtest_brief=1"};
  options.memory_limit_bytes = 512 * kMiB;
  options.timeout = 2500ms;
  Supervision run;
  run.exit_code = 3;
  run.wall_time = 1250ms;
  run.cpu_seconds = 0.75;
  run.peak_memory_bytes = 300 * kMiB;
  run.peak_memory_source = "tree-rss-sample";
  run.max_processes_seen = 4;
  run.leaked = {{812, "sleep", "sleep 1000"}};
  run.warnings = {"RLIMIT_CORE could not be set"};
  Verdict verdict;
  verdict.outcome = Outcome::failed;
  verdict.exit_code = 3;
  verdict.diagnosis = "mmtest: order_book failed with exit code 3";

  const json record = make_record(options, run, verdict, context());
  EXPECT_EQ(record["schema_version"], record::kRecordSchemaVersion);
  EXPECT_EQ(record["schema_version"], 5);
  EXPECT_EQ(record["name"], "order_book");
  EXPECT_EQ(record["command"], json::array({"./order_book", "--gtest_brief=1"}));
  EXPECT_EQ(record["outcome"], "failed");
  EXPECT_EQ(record["exit_code"], 3);
  EXPECT_TRUE(record["signal"].is_null());
  EXPECT_EQ(record["launcher_exit_code"], 3);
  EXPECT_EQ(record["diagnosis"], "mmtest: order_book failed with exit code 3");
  ASSERT_TRUE(record["wall_seconds"].is_number_float());
  EXPECT_DOUBLE_EQ(record["wall_seconds"].get<double>(), 1.25);
  EXPECT_DOUBLE_EQ(record["cpu_seconds"].get<double>(), 0.75);
  ASSERT_TRUE(record["peak_memory_bytes"].is_number_unsigned());
  EXPECT_EQ(record["peak_memory_bytes"].get<std::uint64_t>(), 300 * kMiB);
  EXPECT_EQ(record["peak_memory_source"], "tree-rss-sample");
  ASSERT_TRUE(record["memory_limit_bytes"].is_number_unsigned());
  EXPECT_EQ(record["memory_limit_bytes"].get<std::uint64_t>(), 512 * kMiB);
  EXPECT_EQ(record["limit_mode"], "sample");
  EXPECT_EQ(record["limit_mode_reason"], "cgroup v2 not available");
  ASSERT_TRUE(record["timeout_seconds"].is_number());
  EXPECT_DOUBLE_EQ(record["timeout_seconds"].get<double>(), 2.5);
  EXPECT_EQ(record["max_processes_seen"], 4);
  EXPECT_EQ(record["leaked_processes"], json::parse(R"([{"pid": 812, "command": "sleep 1000"}])"));
  EXPECT_EQ(record["tmpdir"], "/tmp/mmtest.t.abc123");
  EXPECT_EQ(record["warnings"], json::array({"RLIMIT_CORE could not be set"}));
  EXPECT_EQ(record["started_at"], "2026-11-22T10:47:26.123Z");
  EXPECT_EQ(record["finished_at"], "2026-11-22T10:47:28.456Z");
}

TEST(MakeRecord, a_skipped_run_is_recorded_as_skipped_with_exit_0_and_no_diagnosis) {
  Options options;
  options.name = "gt.Sample.Skips";
  options.command = {"./sample", "--gtest_filter=Sample.Skips"};
  Supervision run;
  run.exit_code = 0;
  run.reported_all_skipped = true;
  Verdict verdict;
  verdict.outcome = Outcome::skipped;
  const json record = make_record(options, run, verdict, context());
  EXPECT_EQ(record["outcome"], "skipped");
  EXPECT_EQ(record["exit_code"], 0);
  EXPECT_EQ(record["launcher_exit_code"], 0);
  EXPECT_TRUE(record["diagnosis"].is_null());
}

TEST(MakeRecord, absent_figures_are_null_and_empty_lists_are_arrays) {
  Options options;
  options.name = "t";
  options.command = {"./t"};
  const json record = make_record(options, Supervision{}, Verdict{}, context());
  EXPECT_TRUE(record["exit_code"].is_null());
  EXPECT_TRUE(record["signal"].is_null());
  EXPECT_TRUE(record["diagnosis"].is_null());
  EXPECT_TRUE(record["memory_limit_bytes"].is_null());
  EXPECT_TRUE(record["timeout_seconds"].is_null());
  EXPECT_TRUE(record["leaked_processes"].is_array());
  EXPECT_TRUE(record["leaked_processes"].empty());
  EXPECT_TRUE(record["warnings"].is_array());
  EXPECT_TRUE(record["warnings"].empty());
  EXPECT_EQ(record["outcome"], "passed");
  EXPECT_EQ(record["launcher_exit_code"], 0);
}

TEST(MakeRecord, death_by_signal_records_its_name_and_the_shell_status) {
  Options options;
  options.name = "crash";
  options.command = {"./crash"};
  Supervision run;
  run.term_signal = SIGSEGV;
  Verdict verdict;
  verdict.outcome = Outcome::signal;
  verdict.reraise_signal = SIGSEGV;
  const json record = make_record(options, run, verdict, context());
  EXPECT_EQ(record["outcome"], "signal");
  EXPECT_EQ(record["signal"], "SIGSEGV");
  EXPECT_TRUE(record["exit_code"].is_null());
  EXPECT_EQ(record["launcher_exit_code"], 128 + SIGSEGV);
}

TEST(MakeRecord, interruption_records_the_signal_the_launcher_received) {
  Options options;
  options.name = "t";
  options.command = {"./t"};
  Supervision run;
  run.term_signal = SIGTERM;  // what the supervisor sent the test
  run.launcher_signal = SIGINT;
  run.stop_reason = StopReason::interrupted;
  Verdict verdict;
  verdict.outcome = Outcome::interrupted;
  verdict.reraise_signal = SIGINT;
  const json record = make_record(options, run, verdict, context());
  EXPECT_EQ(record["outcome"], "interrupted");
  EXPECT_EQ(record["signal"], "SIGINT");
  EXPECT_EQ(record["launcher_exit_code"], 130);
}

TEST(MakeRecord, hyphenated_outcomes_are_spelled_as_documented) {
  Options options;
  options.name = "t";
  options.command = {"./t"};
  Verdict verdict;
  verdict.outcome = Outcome::process_limit;
  verdict.exit_code = 122;
  EXPECT_EQ(make_record(options, Supervision{}, verdict, context())["outcome"], "process-limit");
}

// ---- record::RecordFile ----------------------------------------------------------------------------------

std::vector<std::string> names_in(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) names.push_back(entry.path().filename());
  std::ranges::sort(names);
  return names;
}

TEST(RecordFile, commit_writes_the_json_and_leaves_no_temporary_file) {
  TempDirectory directory;
  const auto path = directory / "record.json";
  auto file = record::RecordFile::open(path);
  ASSERT_TRUE(file.has_value()) << file.error();
  const json record = {{"name", "t"}, {"peak_memory_bytes", 123}, {"signal", nullptr}};
  const auto committed = file->commit(record);
  ASSERT_TRUE(committed.has_value()) << committed.error();
  EXPECT_EQ(json::parse(read_text(path)), record);
  EXPECT_EQ(names_in(directory.path()), (std::vector<std::string>{"record.json"}));
}

TEST(RecordFile, the_old_record_stays_whole_until_commit_replaces_it) {
  TempDirectory directory;
  const auto path = directory / "record.json";
  write_text(path, R"({"name": "old"})");
  auto file = record::RecordFile::open(path);
  ASSERT_TRUE(file.has_value()) << file.error();
  EXPECT_EQ(read_text(path), R"({"name": "old"})");  // opening does not truncate the record
  const std::string temporary = "record.json.tmp." + std::to_string(::getpid());
  EXPECT_TRUE(std::filesystem::exists(directory / temporary));
  ASSERT_TRUE(file->commit({{"name", "new"}}).has_value());
  EXPECT_EQ(json::parse(read_text(path))["name"], "new");
  EXPECT_FALSE(std::filesystem::exists(directory / temporary));
}

TEST(RecordFile, destruction_without_commit_removes_the_temporary_and_keeps_the_old_record) {
  TempDirectory directory;
  const auto path = directory / "record.json";
  write_text(path, "{}");
  {
    auto file = record::RecordFile::open(path);
    ASSERT_TRUE(file.has_value()) << file.error();
    EXPECT_EQ(names_in(directory.path()).size(), 2u);
  }
  EXPECT_EQ(names_in(directory.path()), (std::vector<std::string>{"record.json"}));
  EXPECT_EQ(read_text(path), "{}");
}

TEST(RecordFile, destruction_without_commit_and_without_an_old_record_leaves_nothing) {
  TempDirectory directory;
  { ASSERT_TRUE(record::RecordFile::open(directory / "record.json").has_value()); }
  EXPECT_TRUE(names_in(directory.path()).empty());
}

TEST(RecordFile, a_moved_from_file_does_not_remove_the_temporary) {
  TempDirectory directory;
  const auto path = directory / "record.json";
  auto opened = record::RecordFile::open(path);
  ASSERT_TRUE(opened.has_value()) << opened.error();
  std::optional<record::RecordFile> moved;
  {
    record::RecordFile source = std::move(*opened);
    moved.emplace(std::move(source));
  }  // the moved-from objects are destroyed here
  ASSERT_TRUE(moved->commit({{"name", "t"}}).has_value());
  EXPECT_EQ(json::parse(read_text(path))["name"], "t");
}

TEST(RecordFile, open_creates_missing_parent_directories) {
  TempDirectory directory;
  const auto path = directory / "a" / "b" / "record.json";
  auto file = record::RecordFile::open(path);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->commit(json::object()).has_value());
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
}

TEST(RecordFile, open_fails_clearly_where_nothing_can_be_written) {
  const auto file = record::RecordFile::open("/proc/x/record.json");
  ASSERT_FALSE(file.has_value());
  EXPECT_NE(file.error().find("/proc/x"), std::string::npos) << file.error();
  EXPECT_GT(file.error().size(), std::string("/proc/x").size() + 2) << "the error says why: " << file.error();
}

TEST(RecordFile, open_fails_naming_the_file_when_its_directory_refuses_it) {
  const auto file = record::RecordFile::open("/proc/self/record.json");
  ASSERT_FALSE(file.has_value());
  EXPECT_NE(file.error().find("/proc/self/record.json"), std::string::npos) << file.error();
}

// ---- CPUs ------------------------------------------------------------------------------------------

TEST(MakeRecord, cpu_figures_absent_are_null_and_empty) {
  Options options;
  options.name = "t";
  options.command = {"./t"};
  const json record = make_record(options, Supervision{}, Verdict{}, context());
  EXPECT_TRUE(record["cpu_wait_seconds"].is_null());
  EXPECT_EQ(record["starved"], false);
  EXPECT_EQ(record["cpus_allocated"], json::array());
  EXPECT_TRUE(record["pinned_cpus"].is_null());
  EXPECT_TRUE(record["cpu_peak"].is_null());
  EXPECT_TRUE(record["cpus_reserved"].is_null());
}

TEST(MakeRecord, cpu_peak_to_the_hundredth_and_the_cpus_reserved_are_written_and_read_back) {
  Options options;
  options.name = "threads";
  options.command = {"./threads"};
  options.cpus_reserved = 1.3;
  Supervision run;
  run.wall_time = 4s;
  run.cpu_peak = 1.981;  // rounded up: a peak is never written below the mean
  const json record = make_record(options, run, Verdict{}, context());
  ASSERT_TRUE(record["cpu_peak"].is_number());
  EXPECT_DOUBLE_EQ(record["cpu_peak"].get<double>(), 1.99);
  EXPECT_DOUBLE_EQ(record["cpus_reserved"].get<double>(), 1.3);
  const auto read = record::parse_record_json(record.dump());
  ASSERT_TRUE(read) << read.error();
  ASSERT_TRUE(read->cpu_peak.has_value());
  EXPECT_DOUBLE_EQ(*read->cpu_peak, 1.99);
  ASSERT_TRUE(read->cpus_reserved.has_value());
  EXPECT_DOUBLE_EQ(*read->cpus_reserved, 1.3);
}

TEST(MakeRecord, a_test_that_waited_most_of_its_time_for_a_cpu_is_starved) {
  Options options;
  options.name = "busy";
  options.command = {"./busy"};
  options.allocated_cpus = {1, 3};
  Supervision run;
  run.wall_time = 8s;
  run.cpu_wait_seconds = 6.5;
  RecordContext pinned = context();
  pinned.pinned_cpus = std::vector<int>{5, 7};
  const json record = make_record(options, run, Verdict{}, pinned);
  ASSERT_TRUE(record["cpu_wait_seconds"].is_number());
  EXPECT_DOUBLE_EQ(record["cpu_wait_seconds"].get<double>(), 6.5);
  EXPECT_EQ(record["starved"], true);
  EXPECT_EQ(record["cpus_allocated"], json::array({1, 3}));
  EXPECT_EQ(record["pinned_cpus"], json::array({5, 7}));
}

TEST(MakeRecord, a_test_waiting_for_its_own_threads_while_using_what_it_held_is_not_starved) {
  Options options;
  options.name = "four_threads";
  options.command = {"./four_threads"};
  options.cpus_reserved = 1.7;
  Supervision run;
  run.wall_time = 870ms;
  run.cpu_seconds = 1.6;
  run.cpu_wait_seconds = 0.44;
  EXPECT_EQ(make_record(options, run, Verdict{}, context())["starved"], false);
  options.cpus_reserved = 2.0;
  run.cpu_seconds = 1.0;  // held two, got a little over one: others took the rest
  EXPECT_EQ(make_record(options, run, Verdict{}, context())["starved"], true);
}

TEST(MakeRecord, a_test_that_waited_little_is_not_starved) {
  Options options;
  options.name = "calm";
  options.command = {"./calm"};
  Supervision run;
  run.wall_time = 8s;
  run.cpu_wait_seconds = 3.9;  // under half of its wall time
  EXPECT_EQ(make_record(options, run, Verdict{}, context())["starved"], false);
}

TEST(MakeRecord, cases_and_memory_guard_are_empty_and_null_without_a_case_log) {
  Options options;
  options.name = "t";
  options.command = {"./t"};
  const json record = make_record(options, Supervision{}, Verdict{}, context());
  EXPECT_EQ(record["cases"], json::array());
  EXPECT_TRUE(record["memory_guard"].is_null());
}

TEST(MakeRecord, cases_carry_each_finished_case_and_the_unfinished_one) {
  Options options;
  options.name = "unit_tests";
  options.command = {"./unit_tests"};
  Supervision run;
  run.exit_code = 120;
  run.cases.finished.push_back({"Metrics.Register", "failed", 0.5, 10 * kMiB, 300 * kMiB, 250 * kMiB, 101});
  run.cases.finished.push_back({"Metrics.Shrink", "passed", 0.25, 260 * kMiB, std::nullopt, -5 * std::int64_t{kMiB}, 0});
  run.cases.running = record::RunningCase{"Book.Replay", 255 * kMiB};
  run.cases.guard = record::MemoryGuardStop{"Book.Replay", 470 * kMiB, 460 * kMiB, 215 * std::int64_t{kMiB}};
  const json record = make_record(options, run, classify(run, options), context());

  ASSERT_EQ(record["cases"].size(), 3u);
  EXPECT_EQ(record["cases"][0], (json{{"name", "Metrics.Register"},
                                      {"outcome", "failed"},
                                      {"wall_seconds", 0.5},
                                      {"rss_start_bytes", 10 * kMiB},
                                      {"peak_rss_bytes", 300 * kMiB},
                                      {"growth_bytes", 250 * kMiB},
                                      {"leaked_series", 101}}));
  EXPECT_TRUE(record["cases"][1]["peak_rss_bytes"].is_null());
  EXPECT_EQ(record["cases"][1]["growth_bytes"], -5 * std::int64_t{kMiB});
  EXPECT_EQ(record["cases"][2], (json{{"name", "Book.Replay"},
                                      {"outcome", "unfinished"},
                                      {"wall_seconds", nullptr},
                                      {"rss_start_bytes", 255 * kMiB},
                                      {"peak_rss_bytes", nullptr},
                                      {"growth_bytes", nullptr},
                                      {"leaked_series", nullptr}}));
  EXPECT_EQ(record["memory_guard"], (json{{"case", "Book.Replay"},
                                          {"rss_bytes", 470 * kMiB},
                                          {"limit_bytes", 460 * kMiB},
                                          {"case_growth_bytes", 215 * kMiB}}));
}

TEST(MakeRecord, memory_samples_are_seconds_and_bytes_pairs_rounded_to_the_millisecond) {
  Options options;
  options.name = "t";
  options.command = {"./t"};
  Supervision run;
  run.memory_samples = {{0.0204567, 5 * kMiB}, {0.5, 7 * kMiB}};
  const json record = make_record(options, run, Verdict{}, context());
  EXPECT_EQ(record["memory_samples"], json::parse("[[0.02, 5242880], [0.5, 7340032]]"));
}

// ---- the reading side ----------------------------------------------------------------------------

json written_record() {
  Options options;
  options.name = "order_book";
  options.command = {"./order_book"};
  options.labels = {"integration", "nightly"};
  options.memory_is_default = true;
  options.memory_limit_bytes = 512 * kMiB;
  Supervision run;
  run.exit_code = 0;
  run.wall_time = 1250ms;
  run.peak_memory_bytes = 300 * kMiB;
  run.leaked = {{812, "sleep", "sleep 1000"}};
  run.memory_samples = {{0.02, 100 * kMiB}, {0.04, 300 * kMiB}};
  Verdict verdict;
  verdict.outcome = Outcome::leaked;
  verdict.diagnosis = "mmtest: order_book leaked 1 process";
  return make_record(options, run, verdict, context());
}

TEST(ParseRecord, reads_back_what_make_record_writes) {
  const auto record = record::parse_record_json(written_record().dump(2));
  ASSERT_TRUE(record) << record.error();
  EXPECT_EQ(record->schema_version, 5);
  EXPECT_EQ(record->name, "order_book");
  EXPECT_EQ(record->labels, (std::vector<std::string>{"integration", "nightly"}));
  EXPECT_FALSE(record->memory_declared);
  EXPECT_EQ(record->command, std::vector<std::string>{"./order_book"});
  EXPECT_EQ(record->outcome, "leaked");
  EXPECT_EQ(record->exit_code, 0);
  EXPECT_EQ(record->diagnosis, "mmtest: order_book leaked 1 process");
  EXPECT_DOUBLE_EQ(record->wall_seconds, 1.25);
  EXPECT_EQ(record->peak_memory_bytes, 300 * kMiB);
  EXPECT_EQ(record->memory_limit_bytes, 512 * kMiB);
  ASSERT_EQ(record->leaked_processes.size(), 1u);
  EXPECT_EQ(record->leaked_processes[0].pid, 812);
  EXPECT_EQ(record->leaked_processes[0].command, "sleep 1000");
  ASSERT_EQ(record->memory_samples.size(), 2u);
  EXPECT_DOUBLE_EQ(record->memory_samples[1].seconds, 0.04);
  EXPECT_EQ(record->memory_samples[1].bytes, 300 * kMiB);
  EXPECT_EQ(record->started_at, "2026-11-22T10:47:26.123Z");
  EXPECT_DOUBLE_EQ(record->started_unix_seconds, 1795344446.123);
  EXPECT_NEAR(record->finished_unix_seconds - record->started_unix_seconds, 2.333, 1e-6);
}

TEST(ParseRecord, reads_back_the_cases_of_a_googletest_program) {
  Options options;
  options.name = "unit_tests";
  options.command = {"./unit_tests"};
  Supervision run;
  run.exit_code = 1;
  run.cases.finished.push_back({"Metrics.Register", "failed", 0.5, 10 * kMiB, 300 * kMiB, 250 * kMiB, 101});
  run.cases.finished.push_back({"Metrics.Shrink", "passed", 0.25, 260 * kMiB, std::nullopt, -5 * std::int64_t{kMiB}, 0});
  run.cases.running = record::RunningCase{"Book.Replay", 255 * kMiB};
  const auto record = record::parse_record_json(make_record(options, run, classify(run, options), context()).dump());
  ASSERT_TRUE(record) << record.error();
  ASSERT_EQ(record->cases.size(), 3u);
  EXPECT_EQ(record->cases[0].name, "Metrics.Register");
  EXPECT_EQ(record->cases[0].outcome, "failed");
  EXPECT_EQ(record->cases[0].wall_seconds, 0.5);
  EXPECT_EQ(record->cases[0].growth_bytes, 250 * std::int64_t{kMiB});
  EXPECT_EQ(record->cases[0].leaked_series, 101u);
  EXPECT_EQ(record->cases[1].outcome, "passed");
  EXPECT_EQ(record->cases[1].growth_bytes, -5 * std::int64_t{kMiB});
  EXPECT_EQ(record->cases[1].leaked_series, 0u);
  EXPECT_EQ(record->cases[2].name, "Book.Replay");
  EXPECT_EQ(record->cases[2].outcome, "unfinished");
  EXPECT_FALSE(record->cases[2].wall_seconds);
  EXPECT_FALSE(record->cases[2].growth_bytes);
  EXPECT_FALSE(record->cases[2].leaked_series);
}

TEST(ParseRecord, tolerates_unknown_fields_and_older_records_without_optional_ones) {
  json document = written_record();
  document["a_later_field"] = json::array({{{"name", "A.b"}}});  // a field of a newer writer
  document.erase("memory_samples");                       // schema 2 had none
  document.erase("cpu_wait_seconds");
  document["schema_version"] = 2;
  const auto record = record::parse_record_json(document.dump());
  ASSERT_TRUE(record) << record.error();
  EXPECT_TRUE(record->memory_samples.empty());
  EXPECT_FALSE(record->cpu_wait_seconds);
  EXPECT_EQ(record->schema_version, 2);
}

TEST(ParseRecord, names_what_is_wrong) {
  const std::string full = written_record().dump();
  EXPECT_EQ(record::parse_record_json(full.substr(0, full.size() / 2)).error(), "not JSON (truncated or corrupt)");
  EXPECT_EQ(record::parse_record_json("").error(), "empty file");
  EXPECT_EQ(record::parse_record_json("[1]").error(), "not a JSON object");
  json no_name = written_record();
  no_name.erase("name");
  EXPECT_EQ(record::parse_record_json(no_name.dump()).error(), "'name' is missing");
  json text_peak = written_record();
  text_peak["peak_memory_bytes"] = "300M";
  EXPECT_EQ(record::parse_record_json(text_peak.dump()).error(), "'peak_memory_bytes' is not a whole number");
  json bad_time = written_record();
  bad_time["started_at"] = "yesterday";
  EXPECT_EQ(record::parse_record_json(bad_time.dump()).error(), "'started_at' is not an RFC 3339 UTC time: 'yesterday'");
  json bad_samples = written_record();
  bad_samples["memory_samples"] = json::array({json::array({0.1})});
  EXPECT_EQ(record::parse_record_json(bad_samples.dump()).error(), "'memory_samples' holds a point that is not [seconds, bytes]");
  json bad_cases = written_record();
  bad_cases["cases"] = "A.b";
  EXPECT_EQ(record::parse_record_json(bad_cases.dump()).error(), "'cases' is not an array");
  bad_cases["cases"] = json::array({{{"name", "A.b"}}});
  EXPECT_EQ(record::parse_record_json(bad_cases.dump()).error(), "'cases' holds an element without a string 'name' and 'outcome'");
}

TEST(ParseRfc3339, is_the_inverse_of_rfc3339) {
  EXPECT_DOUBLE_EQ(record::parse_rfc3339(record::rfc3339(kStarted + 123ms)).value_or(-1), 1795344446.123);
  EXPECT_DOUBLE_EQ(record::parse_rfc3339("1970-01-01T00:00:00Z").value_or(-1), 0.0);
  EXPECT_DOUBLE_EQ(record::parse_rfc3339("2001-02-03T04:05:06.5Z").value_or(-1), 981173106.5);
  EXPECT_FALSE(record::parse_rfc3339("2001-02-30T04:05:06Z"));
  EXPECT_FALSE(record::parse_rfc3339("2001-02-03 04:05:06Z"));
  EXPECT_FALSE(record::parse_rfc3339("2001-02-03T04:05:06+01:00"));
}

TEST(ReadRecordDirectory, skips_and_names_every_file_that_is_not_a_record) {
  TempDirectory directory;
  write_text(directory / "a.json", written_record().dump());
  const std::string full = written_record().dump();
  write_text(directory / "b.json", full.substr(0, 40));
  write_text(directory / "c.json.tmp.77", full);
  bool missing = true;
  const record::RecordSet set = record::read_record_directory(directory.path(), &missing);
  EXPECT_FALSE(missing);
  ASSERT_EQ(set.records.size(), 1u);
  ASSERT_EQ(set.problems.size(), 1u);
  EXPECT_EQ(set.problems[0], (directory / "b.json").string() + ": not JSON (truncated or corrupt)");
  record::read_record_directory(directory / "none", &missing);
  EXPECT_TRUE(missing);
}

TEST(ReadRecordDirectory, a_folder_that_cannot_be_listed_is_named_not_taken_for_an_empty_one) {
  // A path that exists but is no directory cannot be listed, even by root (who reads any mode).
  TempDirectory directory;
  write_text(directory / "results", "not a folder");
  bool missing = true;
  const auto listed = record::list_record_files(directory / "results", &missing);
  ASSERT_FALSE(listed.has_value());
  EXPECT_FALSE(missing);
  EXPECT_EQ(listed.error(), "cannot read the records folder " + (directory / "results").string() + ": Not a directory");
  const record::RecordSet set = record::read_record_directory(directory / "results");
  EXPECT_TRUE(set.records.empty());
  ASSERT_TRUE(set.unreadable.has_value());
  EXPECT_EQ(*set.unreadable, listed.error());
  // A folder that does not exist is no error: nothing has run there yet.
  const auto none = record::list_record_files(directory / "none", &missing);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(missing);
  EXPECT_FALSE(record::read_record_directory(directory / "none").unreadable.has_value());
}

TEST(ReadRecordDirectory, many_files_read_on_several_threads_keep_file_order_and_every_problem) {
  // Enough files for two threads or more (one per 256 files): each record is named after its
  // file, and every 100th file is cut short, so a lost, doubled or misplaced result changes what
  // is compared below. Not many more: sanitized, each parse's memory stays in quarantine.
  TempDirectory directory;
  json record = written_record();
  std::vector<std::string> expected_names;
  std::vector<std::string> expected_problems;
  for (int i = 0; i < 700; ++i) {
    const std::string file = fmt::format("t{:04}.json", i);
    record["name"] = fmt::format("test_{}", i);
    if (i % 100 == 7) {
      write_text(directory / file, record.dump().substr(0, 50));
      expected_problems.push_back((directory / file).string() + ": not JSON (truncated or corrupt)");
    } else {
      write_text(directory / file, record.dump());
      expected_names.push_back(fmt::format("test_{}", i));
    }
  }
  const record::RecordSet set = record::read_record_directory(directory.path());
  std::vector<std::string> names;
  for (const record::Record& read : set.records) names.push_back(read.name);
  EXPECT_EQ(names, expected_names);
  EXPECT_EQ(set.problems, expected_problems);
}

// ---- attempts within one ctest run -----------------------------------------------------------------


void write_json(const std::filesystem::path& path, const nlohmann::json& fields) { write_text(path, fields.dump()); }

TEST(Attempts, the_kept_attempt_sits_beside_the_record_with_a_name_no_test_has) {
  EXPECT_EQ(record::attempt_path("/r/order_book.replay-1.json", 1), "/r/order_book.replay-1~attempt-1.json");
  EXPECT_EQ(record::attempt_path("/r/t.json", 12), "/r/t~attempt-12.json");
}

TEST(Attempts, an_earlier_attempt_of_the_same_run_is_kept_and_numbered) {
  TempDirectory dir;
  const auto path = dir.path() / "t.json";
  write_json(path, {{"name", "t"}, {"ctest_run", "run-1"}, {"attempt", 1}, {"outcome", "timeout"}});
  EXPECT_EQ(record::set_aside_earlier_attempt(path, "run-1"), 2);
  EXPECT_FALSE(std::filesystem::exists(path));
  const auto kept = read_small_file(record::attempt_path(path, 1).string());
  ASSERT_TRUE(kept.ok);
  EXPECT_NE(kept.text.find("\"timeout\""), std::string::npos) << kept.text;
  // The third attempt finds the second.
  write_json(path, {{"name", "t"}, {"ctest_run", "run-1"}, {"attempt", 2}, {"outcome", "failed"}});
  EXPECT_EQ(record::set_aside_earlier_attempt(path, "run-1"), 3);
  EXPECT_TRUE(std::filesystem::exists(record::attempt_path(path, 2)));
  EXPECT_TRUE(std::filesystem::exists(record::attempt_path(path, 1)));
}

TEST(Attempts, another_run_no_run_or_no_record_starts_at_attempt_1_and_moves_nothing) {
  TempDirectory dir;
  const auto path = dir.path() / "t.json";
  EXPECT_EQ(record::set_aside_earlier_attempt(path, "run-1"), 1);  // no record yet
  write_json(path, {{"name", "t"}, {"ctest_run", "run-0"}, {"attempt", 3}, {"outcome", "passed"}});
  EXPECT_EQ(record::set_aside_earlier_attempt(path, "run-1"), 1);  // the last ctest run's
  EXPECT_EQ(record::set_aside_earlier_attempt(path, ""), 1);       // mmtest-run outside a hooked ctest
  write_json(path, {{"name", "t"}, {"outcome", "passed"}});      // a record without a run id
  EXPECT_EQ(record::set_aside_earlier_attempt(path, "run-1"), 1);
  write_text(path, "not json");
  EXPECT_EQ(record::set_aside_earlier_attempt(path, "run-1"), 1);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(record::attempt_path(path, 1)));
  EXPECT_FALSE(std::filesystem::exists(record::attempt_path(path, 3)));
}

TEST(Attempts, a_new_run_removes_the_attempts_an_earlier_run_kept) {
  TempDirectory dir;
  const auto path = dir.path() / "t.json";
  write_json(path, {{"name", "t"}, {"ctest_run", "run-0"}, {"attempt", 3}, {"outcome", "passed"}});
  write_json(record::attempt_path(path, 1), {{"name", "t"}, {"ctest_run", "run-0"}, {"attempt", 1}});
  write_json(record::attempt_path(path, 2), {{"name", "t"}, {"ctest_run", "run-0"}, {"attempt", 2}});
  write_json(dir.path() / "other~attempt-1.json", {{"name", "other"}});  // another test's
  // Outside a hooked ctest nothing is touched.
  EXPECT_EQ(record::set_aside_earlier_attempt(path, ""), 1);
  EXPECT_TRUE(std::filesystem::exists(record::attempt_path(path, 1)));
  EXPECT_EQ(record::set_aside_earlier_attempt(path, "run-1"), 1);
  EXPECT_FALSE(std::filesystem::exists(record::attempt_path(path, 1)));
  EXPECT_FALSE(std::filesystem::exists(record::attempt_path(path, 2)));
  EXPECT_TRUE(std::filesystem::exists(path));  // overwritten by the new record itself, not here
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "other~attempt-1.json"));
}

TEST(Attempts, make_record_writes_the_run_and_the_attempt_and_they_read_back) {
  Options options;
  options.name = "t";
  options.command = {"./t"};
  RecordContext with_run = context();
  with_run.ctest_run = "20261206T120000Z-0a1b2c3d";
  with_run.attempt = 2;
  const json written = make_record(options, Supervision{}, Verdict{}, with_run);
  EXPECT_EQ(written["ctest_run"], "20261206T120000Z-0a1b2c3d");
  EXPECT_EQ(written["attempt"], 2);
  const auto back = record::parse_record_json(written.dump());
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->ctest_run, "20261206T120000Z-0a1b2c3d");
  EXPECT_EQ(back->attempt, 2);
  // Outside a hooked ctest: no run, attempt 1.
  const json plain = make_record(options, Supervision{}, Verdict{}, context());
  EXPECT_TRUE(plain["ctest_run"].is_null());
  EXPECT_EQ(plain["attempt"], 1);
}

}  // namespace
}  // namespace mmtest::run
