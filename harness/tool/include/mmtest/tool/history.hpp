#pragma once

// The run history: every record ever ingested, in an SQLite database (docs/tool.md, "History").
// One row per test run, keyed by (name, started_at), so ingesting the same records twice changes
// nothing. Writers take SQLite's write lock for a whole ingest (BEGIN IMMEDIATE) and wait up to
// 30 s for it, so concurrent ctest runs and reports queue rather than fail; a writer killed
// mid-ingest leaves the database as it was before that ingest (SQLite's journal).

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mmtest/record/record.hpp"
#include "mmtest/plan/cpu_demand.hpp"
#include "mmtest/plan/plan.hpp"

struct sqlite3;

namespace mmtest::tool {

// PRAGMA user_version of the database, migrated on open: 1 results without cpu_seconds,
// timeout_seconds and ingested_at; 2 without ctest_run, attempt and memory_declared; 3 without
// cpu_wait_seconds, cpu_peak and cpus_reserved; 4 this version. A newer one is refused.
inline constexpr int kHistorySchemaVersion = 4;

// The layout of version 1, kept to test the migration from it.
extern const char* const kHistorySchemaV1;

// Where the history of a build directory lives unless --history or the environment variable
// MMTEST_HISTORY say otherwise: the MMTEST_HISTORY given at configure time, else
// <build_dir>/mmtest/history.sqlite.
std::filesystem::path default_history_path(const std::filesystem::path& build_dir);

struct PastRun {
  std::string started_at;
  std::string outcome;
  double wall_seconds = 0;
  std::uint64_t peak_memory_bytes = 0;
  std::optional<std::uint64_t> memory_limit_bytes;  // its MEMORY then
  std::optional<double> timeout_seconds;            // its TIMEOUT then
  bool memory_declared = true;                      // false: that MEMORY was a default (record memory_declared)
  // recent_runs() only; null in rows of older schemas:
  std::optional<double> cpu_seconds = {};
  std::optional<double> cpu_wait_seconds = {};
  std::optional<double> cpu_peak = {};       // most CPUs busy over a quarter second
  std::optional<double> cpus_reserved = {};  // CPUs CTest reserved for it
};

// How often a test was flaky (failed, then passed, within one ctest run) over its recent runs.
struct FlakeRate {
  std::string name;
  std::size_t runs = 0;        // ctest runs of the test with an id (records of schema 4 on)
  std::size_t flaky_runs = 0;
  double rate() const { return runs == 0 ? 0 : static_cast<double>(flaky_runs) / static_cast<double>(runs); }
};

// The ctest runs a flake rate looks back over.
inline constexpr std::size_t kFlakeRuns = 20;

class HistoryDb {
 public:
  // Opens (creating the file and its directory when missing), then creates or migrates the
  // schema. Errors are one line naming the path and what to do.
  static std::expected<HistoryDb, std::string> open(const std::filesystem::path& path);
  HistoryDb(HistoryDb&&) noexcept;
  HistoryDb& operator=(HistoryDb&&) noexcept;
  ~HistoryDb();

  // Adds the records not yet there, in one transaction; returns how many were new.
  std::expected<std::size_t, std::string> ingest(std::span<const record::Record> records);
  std::expected<std::size_t, std::string> ingest(std::span<const record::Record* const> records);

  // The runs of `name` that started before `before` (RFC 3339), newest first, at most `count`.
  std::vector<PastRun> earlier_runs(const std::string& name, const std::string& before, std::size_t count);
  // The same for each record's name and start, in one read transaction with one prepared query:
  // a report's 10,000 lookups.
  std::vector<std::vector<PastRun>> earlier_runs(std::span<const record::Record* const> records, std::size_t count);

  // Each test's median wall time over its last `last_runs` runs, leaving out runs that never ran
  // (harness-error) or were interrupted: what the planner simulates with.
  plan::MeasuredDurations median_durations(std::size_t last_runs);

  // Each test's CPU use over its last `last_runs` runs (attempts included), newest first, leaving
  // out runs that never ran or were interrupted and rows without CPU seconds: what the ctest-time
  // hook learns CPU demand from (plan::learn_demand).
  std::map<std::string, std::vector<plan::CpuUse>, std::less<>> cpu_use(std::size_t last_runs);
  // The same for one test as the hook saw it when `record` started: its last `last_runs` runs
  // before that start.
  std::vector<plan::CpuUse> cpu_use_before(const record::Record& record, std::size_t last_runs);

  // Each test's flake rate over its last `last_runs` ctest runs, flakiest first; tests whose
  // records carry no run id are left out.
  std::vector<FlakeRate> flake_rates(std::size_t last_runs);

  // Every test's last `count` runs, newest first (calibration, sharding).
  std::vector<std::pair<std::string, std::vector<PastRun>>> recent_runs(std::size_t count);

  std::size_t row_count();
  int schema_version();
  // "ok", or what SQLite's integrity check found.
  std::string integrity_check();

  const std::filesystem::path& path() const { return path_; }

 private:
  HistoryDb(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

// The regression alarm (docs/tool.md, "Regression alarm"): with at least kMinEarlierRuns earlier
// runs that passed, memory has grown when the peak is above 1.2 × their median and at least 8 MiB
// above it; time when the wall time is above 1.5 × their median and at least 1 s above it.
inline constexpr std::size_t kMinEarlierRuns = 3;
inline constexpr std::size_t kBaselineRuns = 10;
struct Growth {
  bool memory = false;
  bool time = false;
  double median_peak_bytes = 0;
  double median_wall_seconds = 0;
  std::size_t earlier_runs = 0;
};
std::optional<Growth> judge_growth(const record::Record& current, std::span<const PastRun> earlier);

// The planner's duration of a test: the median wall time of its last this many runs.
inline constexpr std::size_t kPlannerRuns = 5;

}  // namespace mmtest::tool
