#include "mmtest/tool/history.hpp"

#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_directory.hpp"
#include "fake_records.hpp"

namespace mmtest::tool {
namespace {

using mmtest::test_support::TempDirectory;
using testing::fake;
using testing::Fake;
using testing::kMiB;

std::vector<record::Record> runs_of(const std::string& prefix, std::size_t count, double day = 0) {
  std::vector<record::Record> records;
  for (std::size_t i = 0; i < count; ++i) records.push_back(fake({.name = prefix + std::to_string(i), .day = day}));
  return records;
}

// Runs `body` in a child process; returns its wait status.
template <typename Body>
int in_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(History, ingesting_the_same_records_twice_changes_nothing) {
  TempDirectory directory;
  auto db = HistoryDb::open(directory / "sub" / "history.sqlite");
  ASSERT_TRUE(db) << db.error();
  const auto records = runs_of("t", 20);
  EXPECT_EQ(db->ingest(records).value(), 20u);
  EXPECT_EQ(db->ingest(records).value(), 0u);
  EXPECT_EQ(db->row_count(), 20u);
  EXPECT_EQ(db->ingest(runs_of("t", 20, 1)).value(), 20u);  // the next day's run of the same tests
  EXPECT_EQ(db->row_count(), 40u);
  EXPECT_EQ(db->schema_version(), kHistorySchemaVersion);
}

TEST(History, migrates_a_version_1_database_keeping_its_rows) {
  TempDirectory directory;
  const auto path = directory / "history.sqlite";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, kHistorySchemaV1, nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "INSERT INTO results VALUES ('old', '2026-11-01T10:00:00.000Z', '2026-11-01T10:00:01.000Z', "
                           "'passed', 1.0, 1048576, NULL)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = HistoryDb::open(path);
  ASSERT_TRUE(db) << db.error();
  EXPECT_EQ(db->schema_version(), 4);  // through every step: 1 -> 2 -> 3 -> 4
  EXPECT_EQ(db->row_count(), 1u);
  EXPECT_EQ(db->ingest(runs_of("new", 3)).value(), 3u);  // the new columns are there
  // Version 3's ctest_run and attempt too: an old row has none and counts for no flake rate.
  EXPECT_TRUE(db->ingest(std::vector{fake({.name = "attempted", .start = 5, .ctest_run = "r1", .attempt = 1})}));
  const std::vector<FlakeRate> rates = db->flake_rates(kFlakeRuns);
  ASSERT_EQ(rates.size(), 1u);
  EXPECT_EQ(rates[0].runs, 1u);
  const auto old = db->earlier_runs("old", "9999", 5);
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].peak_memory_bytes, 1048576u);
  // Version 4's CPU columns: an old row has no CPU seconds and teaches no demand.
  EXPECT_TRUE(db->ingest(std::vector{fake({.name = "busy", .start = 9, .wall = 2, .cpu = 3.0, .cpu_wait = 1.0,
                                           .cpu_peak = 2.0, .cpus_reserved = 1.5})}));
  const auto uses = db->cpu_use(plan::kDemandRuns);
  EXPECT_FALSE(uses.contains("old"));
  ASSERT_TRUE(uses.contains("busy"));
  ASSERT_EQ(uses.at("busy").size(), 1u);
  EXPECT_DOUBLE_EQ(uses.at("busy")[0].cpu_seconds, 3.0);
  EXPECT_EQ(uses.at("busy")[0].wait_seconds, 1.0);
  EXPECT_EQ(uses.at("busy")[0].peak, 2.0);
  const auto recent = db->recent_runs(5);
  const auto busy = std::ranges::find_if(recent, [](const auto& test) { return test.first == "busy"; });
  ASSERT_NE(busy, recent.end());
  EXPECT_EQ(busy->second.at(0).cpus_reserved, 1.5);
  EXPECT_EQ(busy->second.at(0).cpu_peak, 2.0);
  EXPECT_EQ(db->integrity_check(), "ok");
}

TEST(History, cpu_use_is_the_newest_runs_first_without_interrupted_ones) {
  TempDirectory directory;
  auto db = HistoryDb::open(directory / "history.sqlite");
  ASSERT_TRUE(db) << db.error();
  std::vector<record::Record> records;
  for (int run = 0; run < 8; ++run) {
    records.push_back(fake({.name = "t", .start = static_cast<double>(run), .wall = 1, .cpu = 0.1 * run}));
  }
  records.push_back(fake({.name = "t", .start = 20, .outcome = "interrupted", .cpu = 5.0}));
  ASSERT_TRUE(db->ingest(records));
  const auto uses = db->cpu_use(3);
  ASSERT_EQ(uses.at("t").size(), 3u);
  EXPECT_DOUBLE_EQ(uses.at("t")[0].cpu_seconds, 0.7);  // the newest that ran to an end
  EXPECT_DOUBLE_EQ(uses.at("t")[2].cpu_seconds, 0.5);
}

TEST(History, refuses_a_database_of_a_newer_schema_in_one_line) {
  TempDirectory directory;
  const auto path = directory / "history.sqlite";
  {
    auto db = HistoryDb::open(path);
    ASSERT_TRUE(db);
    ASSERT_EQ(db->ingest(runs_of("t", 2)).value(), 2u);
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  const auto refused = HistoryDb::open(path);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "history " + path.string() +
                                 ": written by a newer mmtest (schema version 7, this one knows up to 4); use that mmtest, "
                                 "or another history with --history FILE");
  EXPECT_EQ(refused.error().find('\n'), std::string::npos);
}

TEST(History, a_tests_cpu_use_before_a_run_is_what_the_hook_read_when_it_started) {
  const TempDirectory directory;
  auto db = HistoryDb::open(directory / "history.sqlite");
  ASSERT_TRUE(db) << db.error();
  const auto spin = [](double start, double held, double wall, double cpu, std::string outcome = "passed") {
    return fake({.name = "spinner", .start = start, .wall = wall, .outcome = std::move(outcome), .cpu = cpu,
                 .cpu_wait = 0.5, .cpus_reserved = held});
  };
  const std::vector<record::Record> records{spin(0, 1.8, 1.85, 3.0), spin(10, 1.0, 1.88, 2.3),
                                            spin(15, 1.0, 0.4, 0.3, "interrupted"), spin(20, 1.0, 1.9, 2.4),
                                            spin(30, 1.0, 1.87, 2.2),
                                            fake({.name = "other", .start = 25, .wall = 3, .cpu = 9.0})};
  ASSERT_TRUE(db->ingest(records));
  // Before the run at 30 s: the three timed runs, newest first; not the interrupted one, not the
  // run itself, not another test's.
  const std::vector<plan::CpuUse> before = db->cpu_use_before(records[4], plan::kDemandRuns);
  ASSERT_EQ(before.size(), 3u);
  EXPECT_DOUBLE_EQ(before[0].cpu_seconds, 2.4);
  EXPECT_DOUBLE_EQ(before[1].cpu_seconds, 2.3);
  EXPECT_DOUBLE_EQ(before[2].cpu_seconds, 3.0);
  EXPECT_EQ(before[2].held, 1.8);
  EXPECT_EQ(before[2].wait_seconds, 0.5);
  EXPECT_DOUBLE_EQ(before[2].wall_seconds, 1.85);
  EXPECT_EQ(db->cpu_use_before(records[4], 2).size(), 2u);
  EXPECT_TRUE(db->cpu_use_before(records[0], plan::kDemandRuns).empty());
}

TEST(History, a_writer_killed_mid_ingest_leaves_the_database_as_it_was) {
  TempDirectory directory;
  const auto path = directory / "history.sqlite";
  ASSERT_EQ(HistoryDb::open(path)->ingest(runs_of("before", 10)).value(), 10u);
  const int status = in_child([&] {
    ::setenv("MMTEST_TESTING_KILL_INGEST_AFTER", "50", 1);
    auto db = HistoryDb::open(path);
    if (!db) return 3;
    (void)db->ingest(runs_of("killed", 200));
    return 4;  // not reached: SIGKILL after 50 rows
  });
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  auto db = HistoryDb::open(path);
  ASSERT_TRUE(db) << db.error();
  EXPECT_EQ(db->integrity_check(), "ok");
  EXPECT_EQ(db->row_count(), 10u);  // none of the killed ingest's 50 rows
  EXPECT_EQ(db->ingest(runs_of("killed", 200)).value(), 200u);
}

TEST(History, concurrent_writers_queue_and_lose_nothing) {
  TempDirectory directory;
  const auto path = directory / "history.sqlite";
  constexpr int kWriters = 4;
  std::vector<pid_t> children;
  for (int writer = 0; writer < kWriters; ++writer) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      auto db = HistoryDb::open(path);  // the first ones race to create the schema
      if (!db) ::_exit(3);
      for (int round = 0; round < 5; ++round) {
        auto own = runs_of("w" + std::to_string(writer) + "r" + std::to_string(round) + "_", 60);
        auto shared = runs_of("shared", 20);
        if (!db->ingest(own) || !db->ingest(shared)) ::_exit(4);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  auto db = HistoryDb::open(path);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->row_count(), static_cast<std::size_t>(kWriters * 5 * 60 + 20));
  EXPECT_EQ(db->integrity_check(), "ok");
}

TEST(History, an_unwritable_path_is_one_line_naming_it) {
  if (::geteuid() == 0) {
    // root writes anywhere: a path below a regular file cannot be created by anyone.
    TempDirectory directory;
    mmtest::test_support::write_text(directory / "file", "x");
    const auto refused = HistoryDb::open(directory / "file" / "history.sqlite");
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().starts_with("history " + (directory / "file" / "history.sqlite").string() + ": cannot create "))
        << refused.error();
    EXPECT_NE(refused.error().find("--history FILE"), std::string::npos);
    return;
  }
  TempDirectory directory;
  ::chmod(directory.path().c_str(), 0500);
  const auto refused = HistoryDb::open(directory / "history.sqlite");
  ::chmod(directory.path().c_str(), 0700);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("--history FILE"), std::string::npos);
}

TEST(History, medians_of_the_last_runs_give_the_planner_steady_durations) {
  TempDirectory directory;
  auto db = HistoryDb::open(directory / "history.sqlite");
  ASSERT_TRUE(db);
  // A test flaky in time: 1 s, 9 s, 1 s, 1 s, 9 s. The last run alone says 9 s; the median 1 s.
  const double walls[] = {1, 9, 1, 1, 9};
  for (int day = 0; day < 5; ++day) ASSERT_TRUE(db->ingest(std::vector{fake({.name = "flaky", .wall = walls[day], .day = double(day)})}));
  ASSERT_TRUE(db->ingest(std::vector{fake({.name = "killed", .wall = 60, .outcome = "interrupted"})}));
  const plan::MeasuredDurations history = db->median_durations(kPlannerRuns);
  ASSERT_TRUE(history.contains("flaky"));
  EXPECT_DOUBLE_EQ(history.at("flaky").wall_seconds, 1.0);
  EXPECT_FALSE(history.contains("killed"));  // interrupted by ctest or a person: not the test's duration
}

// A run is flaky when its last attempt passed after a failed one; the rate is over the test's last
// runs that carry an id.
TEST(History, the_flake_rate_counts_runs_that_failed_then_passed) {
  TempDirectory directory;
  auto db = HistoryDb::open(directory / "history.sqlite");
  ASSERT_TRUE(db);
  std::vector<record::Record> records;
  const auto attempt = [&](std::string name, std::string run, int number, std::string outcome, double start) {
    records.push_back(fake({.name = std::move(name), .start = start, .outcome = std::move(outcome), .ctest_run = std::move(run),
                            .attempt = number}));
  };
  attempt("order_book", "r1", 1, "timeout", 0);  // r1: failed, then passed: flaky
  attempt("order_book", "r1", 2, "passed", 10);
  attempt("order_book", "r2", 1, "passed", 100);  // r2: passed at once
  attempt("order_book", "r3", 1, "failed", 200);  // r3: failed twice: a failure, not flaky
  attempt("order_book", "r3", 2, "failed", 210);
  attempt("order_book", "r4", 1, "memory", 300);  // r4: failed, failed, passed: flaky
  attempt("order_book", "r4", 2, "failed", 310);
  attempt("order_book", "r4", 3, "passed", 320);
  attempt("steady", "r1", 1, "passed", 0);
  attempt("steady", "r2", 1, "passed", 100);
  records.push_back(fake({.name = "no_id", .outcome = "failed"}));  // before schema 4: no run id
  ASSERT_TRUE(db->ingest(records));

  const std::vector<FlakeRate> rates = db->flake_rates(kFlakeRuns);
  ASSERT_EQ(rates.size(), 2u);
  EXPECT_EQ(rates[0].name, "order_book");
  EXPECT_EQ(rates[0].runs, 4u);
  EXPECT_EQ(rates[0].flaky_runs, 2u);
  EXPECT_DOUBLE_EQ(rates[0].rate(), 0.5);
  EXPECT_EQ(rates[1].name, "steady");
  EXPECT_EQ(rates[1].flaky_runs, 0u);
  // Only the last runs count: of the last two (r3, r4), one was flaky.
  const std::vector<FlakeRate> recent = db->flake_rates(2);
  EXPECT_EQ(recent[0].runs, 2u);
  EXPECT_EQ(recent[0].flaky_runs, 1u);
}

TEST(History, keeps_whether_memory_was_declared_for_calibrate) {
  TempDirectory directory;
  auto db = HistoryDb::open(directory / "history.sqlite");
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->ingest(std::vector{fake({.name = "bare", .limit_mib = 256, .memory_declared = false}),
                                     fake({.name = "declared", .limit_mib = 64})}));
  const auto runs = db->recent_runs(5);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].first, "bare");
  EXPECT_FALSE(runs[0].second.front().memory_declared);
  EXPECT_TRUE(runs[1].second.front().memory_declared);
}

TEST(RegressionAlarm, fires_on_a_test_that_grew_and_not_on_a_stable_or_new_one) {
  std::vector<PastRun> earlier;
  for (int i = 0; i < 5; ++i) earlier.push_back({"", "passed", 2.0 + 0.05 * i, (100 + i) * kMiB, std::nullopt, std::nullopt});
  const auto stable = judge_growth(fake({.name = "t", .wall = 2.1, .peak_mib = 105}), earlier);
  ASSERT_TRUE(stable);
  EXPECT_FALSE(stable->memory);
  EXPECT_FALSE(stable->time);
  const auto grown = judge_growth(fake({.name = "t", .wall = 4.0, .peak_mib = 130}), earlier);
  ASSERT_TRUE(grown);
  EXPECT_TRUE(grown->memory);  // 130 > 1.2 × 102 and 28 MiB more
  EXPECT_TRUE(grown->time);    // 4.0 > 1.5 × 2.1 and 1.9 s more
  EXPECT_DOUBLE_EQ(grown->median_peak_bytes, 102.0 * kMiB);
  EXPECT_EQ(grown->earlier_runs, 5u);
  // Small tests: 20% but under 8 MiB, 50% but under 1 s, is noise.
  std::vector<PastRun> small;
  for (int i = 0; i < 5; ++i) small.push_back({"", "passed", 0.1, 10 * kMiB, std::nullopt, std::nullopt});
  const auto tiny = judge_growth(fake({.name = "t", .wall = 0.5, .peak_mib = 17}), small);
  EXPECT_FALSE(tiny->memory);
  EXPECT_FALSE(tiny->time);
  // Fewer than three earlier passed runs: no judgement.
  earlier.resize(2);
  EXPECT_FALSE(judge_growth(fake({.name = "t", .peak_mib = 500}), earlier));
}

}  // namespace
}  // namespace mmtest::tool
