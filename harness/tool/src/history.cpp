#include "mmtest/tool/history.hpp"

#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>

#include "mmtest/common/format.hpp"
#include "mmtest/common/statistics.hpp"
#include "mmtest/record/record.hpp"

namespace mmtest::tool {
namespace {

const char* const kSchemaCurrent = R"sql(
CREATE TABLE results (
  name TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  wall_seconds REAL NOT NULL,
  peak_memory_bytes INTEGER NOT NULL,
  memory_limit_bytes INTEGER,
  cpu_seconds REAL,
  timeout_seconds REAL,
  ingested_at TEXT,
  ctest_run TEXT,
  attempt INTEGER,
  memory_declared INTEGER,
  cpu_wait_seconds REAL,
  cpu_peak REAL,
  cpus_reserved REAL,
  PRIMARY KEY (name, started_at)
) WITHOUT ROWID;
PRAGMA user_version = 4;
)sql";

// One migration per version step: migrations[v - 1] takes version v to v + 1.
const char* const kMigrations[] = {
    R"sql(
ALTER TABLE results ADD COLUMN cpu_seconds REAL;
ALTER TABLE results ADD COLUMN timeout_seconds REAL;
ALTER TABLE results ADD COLUMN ingested_at TEXT;
PRAGMA user_version = 2;
)sql",
    R"sql(
ALTER TABLE results ADD COLUMN ctest_run TEXT;
ALTER TABLE results ADD COLUMN attempt INTEGER;
ALTER TABLE results ADD COLUMN memory_declared INTEGER;
PRAGMA user_version = 3;
)sql",
    R"sql(
ALTER TABLE results ADD COLUMN cpu_wait_seconds REAL;
ALTER TABLE results ADD COLUMN cpu_peak REAL;
ALTER TABLE results ADD COLUMN cpus_reserved REAL;
PRAGMA user_version = 4;
)sql",
};
static_assert(std::size(kMigrations) == kHistorySchemaVersion - 1);

// Runs whose wall time says how long the test takes: all but those that never ran and those a
// person or ctest interrupted. A timeout or a memory kill is what the test costs while it fails so.
constexpr const char* kTimedRuns = "NOT IN ('harness-error', 'interrupted')";

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { ok_ = sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) == SQLITE_OK; }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return ok_; }
  sqlite3_stmt* get() const { return statement_; }
  void text(int index, const std::string& value) { sqlite3_bind_text(statement_, index, value.c_str(), static_cast<int>(value.size()), SQLITE_TRANSIENT); }
  void real(int index, std::optional<double> value) {
    if (value) sqlite3_bind_double(statement_, index, *value);
    else sqlite3_bind_null(statement_, index);
  }
  void integer(int index, std::optional<std::uint64_t> value) {
    if (value) sqlite3_bind_int64(statement_, index, static_cast<sqlite3_int64>(*value));
    else sqlite3_bind_null(statement_, index);
  }
  void integer(int index, std::int64_t value) { sqlite3_bind_int64(statement_, index, value); }
  int step() { return sqlite3_step(statement_); }
  void reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  std::string column_text(int column) const {
    const unsigned char* text = sqlite3_column_text(statement_, column);
    return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
  }

 private:
  sqlite3_stmt* statement_ = nullptr;
  bool ok_ = false;
};

std::string what_to_do(const std::filesystem::path& path) {
  return fmt::format("make it writable or choose another history with --history FILE (or MMTEST_HISTORY); "
                     "a corrupt one can be deleted: {} is a cache of records", path.string());
}

std::string error_of(sqlite3* db, const std::filesystem::path& path, std::string_view doing) {
  return fmt::format("history {}: {}: {}; {}", path.string(), doing, db ? sqlite3_errmsg(db) : "out of memory", what_to_do(path));
}

bool exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

std::string now_rfc3339() { return record::rfc3339(std::chrono::system_clock::now()); }

// Test hook (history_test): SIGKILL this process after that many rows of an ingest, inside its
// transaction, to prove a writer killed mid-ingest leaves the database as it was.
std::optional<std::size_t> kill_after_rows() {
  const char* value = std::getenv("MMTEST_TESTING_KILL_INGEST_AFTER");
  if (value == nullptr || *value == '\0') return std::nullopt;
  return static_cast<std::size_t>(std::strtoull(value, nullptr, 10));
}

}  // namespace

const char* const kHistorySchemaV1 = R"sql(
CREATE TABLE results (
  name TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  wall_seconds REAL NOT NULL,
  peak_memory_bytes INTEGER NOT NULL,
  memory_limit_bytes INTEGER,
  PRIMARY KEY (name, started_at)
) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

std::filesystem::path default_history_path(const std::filesystem::path& build_dir) {
  // MMTEST_HISTORY given at configure time: MMTest.cmake leaves the path there.
  const mmtest::FileText configured = mmtest::read_small_file((build_dir / "mmtest" / "history-path").string());
  if (configured.ok) {
    std::string path = configured.text;
    while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
    if (!path.empty()) return path;
  }
  return build_dir / "mmtest" / "history.sqlite";
}

std::expected<HistoryDb, std::string> HistoryDb::open(const std::filesystem::path& path) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return std::unexpected(fmt::format("history {}: cannot create {}: {}; {}", path.string(), path.parent_path().string(),
                                       error.message(), what_to_do(path)));
  }
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  HistoryDb db(path, raw);
  if (opened != SQLITE_OK) return std::unexpected(error_of(raw, path, "cannot open"));
  sqlite3_busy_timeout(raw, 30000);
  sqlite3_extended_result_codes(raw, 1);

  // Create or migrate under the write lock, so two first runs do not both create the table.
  if (!exec(raw, "BEGIN IMMEDIATE")) return std::unexpected(error_of(raw, path, "cannot lock"));
  const int version = db.schema_version();
  if (version < 0) {
    exec(raw, "ROLLBACK");
    return std::unexpected(error_of(raw, path, "not an SQLite database"));
  }
  if (version > kHistorySchemaVersion) {
    exec(raw, "ROLLBACK");
    return std::unexpected(fmt::format(
        "history {}: written by a newer mmtest (schema version {}, this one knows up to {}); use that mmtest, or "
        "another history with --history FILE",
        path.string(), version, kHistorySchemaVersion));
  }
  bool ok = true;
  if (version == 0) {
    ok = exec(raw, kSchemaCurrent);
  } else {
    for (int from = version; ok && from < kHistorySchemaVersion; ++from) ok = exec(raw, kMigrations[from - 1]);
  }
  ok = ok && exec(raw, "CREATE INDEX IF NOT EXISTS results_by_name ON results (name, started_at)");
  if (!ok) {
    std::string message = error_of(raw, path, version == 0 ? "cannot create the tables" : "cannot migrate");
    exec(raw, "ROLLBACK");
    return std::unexpected(std::move(message));
  }
  if (!exec(raw, "COMMIT")) {
    std::string message = error_of(raw, path, "cannot write");
    exec(raw, "ROLLBACK");
    return std::unexpected(std::move(message));
  }
  return db;
}

HistoryDb::HistoryDb(HistoryDb&& other) noexcept : path_(std::move(other.path_)), db_(std::exchange(other.db_, nullptr)) {}

HistoryDb& HistoryDb::operator=(HistoryDb&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    path_ = std::move(other.path_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

HistoryDb::~HistoryDb() { sqlite3_close_v2(db_); }

int HistoryDb::schema_version() {
  Statement statement(db_, "PRAGMA user_version");
  if (!statement.ok() || statement.step() != SQLITE_ROW) return -1;
  return sqlite3_column_int(statement.get(), 0);
}

std::expected<std::size_t, std::string> HistoryDb::ingest(std::span<const record::Record> records) {
  std::vector<const record::Record*> pointers;
  pointers.reserve(records.size());
  for (const record::Record& record : records) pointers.push_back(&record);
  return ingest(pointers);
}

std::expected<std::size_t, std::string> HistoryDb::ingest(std::span<const record::Record* const> records) {
  if (!exec(db_, "BEGIN IMMEDIATE")) return std::unexpected(error_of(db_, path_, "cannot lock"));
  Statement insert(db_,
                   "INSERT OR IGNORE INTO results (name, started_at, finished_at, outcome, wall_seconds, "
                   "peak_memory_bytes, memory_limit_bytes, cpu_seconds, timeout_seconds, ingested_at, ctest_run, "
                   "attempt, memory_declared, cpu_wait_seconds, cpu_peak, cpus_reserved) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
  if (!insert.ok()) {
    std::string message = error_of(db_, path_, "cannot prepare");
    exec(db_, "ROLLBACK");
    return std::unexpected(std::move(message));
  }
  const std::string now = now_rfc3339();
  const auto kill_after = kill_after_rows();
  std::size_t added = 0;
  std::size_t rows = 0;
  for (const record::Record* const pointer : records) {
    const record::Record& record = *pointer;
    insert.text(1, record.name);
    insert.text(2, record.started_at);
    insert.text(3, record.finished_at);
    insert.text(4, record.outcome);
    insert.real(5, record.wall_seconds);
    insert.integer(6, std::optional<std::uint64_t>(record.peak_memory_bytes));
    insert.integer(7, record.memory_limit_bytes);
    insert.real(8, record.cpu_seconds);
    insert.real(9, record.timeout_seconds);
    insert.text(10, now);
    if (record.ctest_run.empty()) {
      sqlite3_bind_null(insert.get(), 11);
    } else {
      insert.text(11, record.ctest_run);
    }
    insert.integer(12, std::int64_t{record.attempt});
    insert.integer(13, std::int64_t{record.memory_declared ? 1 : 0});
    insert.real(14, record.cpu_wait_seconds);
    insert.real(15, record.cpu_peak);
    insert.real(16, record.cpus_reserved);
    if (insert.step() != SQLITE_DONE) {
      std::string message = error_of(db_, path_, "cannot write");
      insert.reset();
      exec(db_, "ROLLBACK");
      return std::unexpected(std::move(message));
    }
    added += static_cast<std::size_t>(sqlite3_changes(db_));
    insert.reset();
    if (kill_after && ++rows == *kill_after) ::raise(SIGKILL);
  }
  if (!exec(db_, "COMMIT")) {
    std::string message = error_of(db_, path_, "cannot write");
    exec(db_, "ROLLBACK");
    return std::unexpected(std::move(message));
  }
  return added;
}

namespace {
std::optional<double> optional_real(const Statement& query, int column) {
  if (sqlite3_column_type(query.get(), column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(query.get(), column);
}

// The columns wall_seconds, cpu_seconds, cpu_wait_seconds, cpu_peak, cpus_reserved from `first` on.
plan::CpuUse cpu_use_of(const Statement& query, int first) {
  return {sqlite3_column_double(query.get(), first), sqlite3_column_double(query.get(), first + 1),
          optional_real(query, first + 2), optional_real(query, first + 3), optional_real(query, first + 4)};
}

constexpr const char* kEarlierRuns =
    "SELECT started_at, outcome, wall_seconds, peak_memory_bytes FROM results "
    "WHERE name = ?1 AND started_at < ?2 ORDER BY started_at DESC LIMIT ?3";

void read_earlier_runs(Statement& query, const std::string& name, const std::string& before, std::size_t count,
                       std::vector<PastRun>& runs) {
  query.text(1, name);
  query.text(2, before);
  query.integer(3, static_cast<std::int64_t>(count));
  while (query.step() == SQLITE_ROW) {
    runs.push_back({query.column_text(0), query.column_text(1), sqlite3_column_double(query.get(), 2),
                    static_cast<std::uint64_t>(sqlite3_column_int64(query.get(), 3)), std::nullopt, std::nullopt});
  }
  query.reset();
}
}  // namespace

std::vector<PastRun> HistoryDb::earlier_runs(const std::string& name, const std::string& before, std::size_t count) {
  std::vector<PastRun> runs;
  Statement query(db_, kEarlierRuns);
  if (query.ok()) read_earlier_runs(query, name, before, count, runs);
  return runs;
}

std::vector<std::vector<PastRun>> HistoryDb::earlier_runs(std::span<const record::Record* const> records, std::size_t count) {
  std::vector<std::vector<PastRun>> runs(records.size());
  Statement query(db_, kEarlierRuns);
  if (!query.ok()) return runs;
  // One read transaction: SQLite otherwise takes and drops its shared lock for every query.
  const bool in_transaction = exec(db_, "BEGIN");
  for (std::size_t i = 0; i < records.size(); ++i) {
    read_earlier_runs(query, records[i]->name, records[i]->started_at, count, runs[i]);
  }
  if (in_transaction) exec(db_, "COMMIT");
  return runs;
}

std::vector<std::pair<std::string, std::vector<PastRun>>> HistoryDb::recent_runs(std::size_t count) {
  std::vector<std::pair<std::string, std::vector<PastRun>>> tests;
  Statement query(db_,
                  "SELECT name, started_at, outcome, wall_seconds, peak_memory_bytes, memory_limit_bytes, "
                  "timeout_seconds, memory_declared, cpu_seconds, cpu_wait_seconds, cpu_peak, cpus_reserved FROM ("
                  "  SELECT *, ROW_NUMBER() OVER (PARTITION BY name ORDER BY started_at DESC) AS age FROM results"
                  ") WHERE age <= ?1 ORDER BY name, started_at DESC");
  if (!query.ok()) return tests;
  query.integer(1, static_cast<std::int64_t>(count));
  while (query.step() == SQLITE_ROW) {
    std::string name = query.column_text(0);
    if (tests.empty() || tests.back().first != name) tests.emplace_back(std::move(name), std::vector<PastRun>{});
    PastRun run{query.column_text(1), query.column_text(2), sqlite3_column_double(query.get(), 3),
                static_cast<std::uint64_t>(sqlite3_column_int64(query.get(), 4)), std::nullopt, std::nullopt};
    if (sqlite3_column_type(query.get(), 5) != SQLITE_NULL) {
      run.memory_limit_bytes = static_cast<std::uint64_t>(sqlite3_column_int64(query.get(), 5));
    }
    if (sqlite3_column_type(query.get(), 6) != SQLITE_NULL) run.timeout_seconds = sqlite3_column_double(query.get(), 6);
    // Rows from before schema 3 (and records before schema 4) count as declared.
    if (sqlite3_column_type(query.get(), 7) != SQLITE_NULL) run.memory_declared = sqlite3_column_int64(query.get(), 7) != 0;
    run.cpu_seconds = optional_real(query, 8);
    run.cpu_wait_seconds = optional_real(query, 9);
    run.cpu_peak = optional_real(query, 10);
    run.cpus_reserved = optional_real(query, 11);
    tests.back().second.push_back(std::move(run));
  }
  return tests;
}

std::vector<FlakeRate> HistoryDb::flake_rates(std::size_t last_runs) {
  // Every attempt of the runs that have an id, newest run first per test; a run is flaky when its
  // last attempt passed (or skipped) after an attempt that failed.
  std::vector<FlakeRate> rates;
  Statement query(db_,
                  "SELECT name, ctest_run, attempt, outcome, started_at FROM results WHERE ctest_run IS NOT NULL "
                  "ORDER BY name, ctest_run, attempt");
  if (!query.ok()) return rates;
  struct Run {
    std::string last_start;
    bool failed_attempt = false;
    bool last_passed = false;
  };
  std::string name, run_id;
  std::vector<Run> runs;
  const auto finish_test = [&] {
    if (runs.empty()) return;
    std::ranges::sort(runs, [](const Run& a, const Run& b) { return a.last_start > b.last_start; });
    if (runs.size() > last_runs) runs.resize(last_runs);
    FlakeRate rate{name, runs.size(), 0};
    for (const Run& run : runs) rate.flaky_runs += run.failed_attempt && run.last_passed ? 1 : 0;
    rates.push_back(std::move(rate));
    runs.clear();
  };
  while (query.step() == SQLITE_ROW) {
    std::string row_name = query.column_text(0);
    std::string row_run = query.column_text(1);
    const std::string outcome = query.column_text(3);
    const bool passed = outcome == "passed" || outcome == "skipped";
    if (row_name != name) {
      finish_test();
      name = std::move(row_name);
      run_id.clear();
    }
    if (runs.empty() || row_run != run_id) {
      runs.push_back({});
      run_id = std::move(row_run);
    }
    Run& run = runs.back();
    // Attempts in order: the last row of a run is its last attempt.
    if (!run.last_passed && !run.last_start.empty()) run.failed_attempt = true;
    run.last_passed = passed;
    run.last_start = std::max(run.last_start, query.column_text(4));
  }
  finish_test();
  std::ranges::stable_sort(rates, [](const FlakeRate& a, const FlakeRate& b) {
    return a.rate() != b.rate() ? a.rate() > b.rate() : a.flaky_runs > b.flaky_runs;
  });
  return rates;
}

plan::MeasuredDurations HistoryDb::median_durations(std::size_t last_runs) {
  plan::MeasuredDurations history;
  const std::string sql = fmt::format(
      "SELECT name, wall_seconds, finished_at FROM ("
      "  SELECT name, wall_seconds, finished_at,"
      "         ROW_NUMBER() OVER (PARTITION BY name ORDER BY started_at DESC) AS age"
      "  FROM results WHERE outcome {}"
      ") WHERE age <= ?1 ORDER BY name",
      kTimedRuns);
  Statement query(db_, sql.c_str());
  if (!query.ok()) return history;
  query.integer(1, static_cast<std::int64_t>(last_runs));
  std::string name;
  std::vector<double> walls;
  std::string latest;
  const auto flush = [&] {
    if (!walls.empty()) history.emplace(name, plan::Measurement{median(walls), latest});
    walls.clear();
    latest.clear();
  };
  while (query.step() == SQLITE_ROW) {
    std::string row_name = query.column_text(0);
    if (row_name != name) {
      flush();
      name = std::move(row_name);
    }
    walls.push_back(sqlite3_column_double(query.get(), 1));
    latest = std::max(latest, query.column_text(2));
  }
  flush();
  return history;
}

std::map<std::string, std::vector<plan::CpuUse>, std::less<>> HistoryDb::cpu_use(std::size_t last_runs) {
  std::map<std::string, std::vector<plan::CpuUse>, std::less<>> uses;
  // Attempts count as runs: each is a full measurement of the test's appetite. Rows without CPU
  // seconds (schema 1) say nothing.
  const std::string sql = fmt::format(
      "SELECT name, wall_seconds, cpu_seconds, cpu_wait_seconds, cpu_peak, cpus_reserved FROM ("
      "  SELECT name, wall_seconds, cpu_seconds, cpu_wait_seconds, cpu_peak, cpus_reserved,"
      "         ROW_NUMBER() OVER (PARTITION BY name ORDER BY started_at DESC) AS age"
      "  FROM results WHERE outcome {} AND cpu_seconds IS NOT NULL"
      ") WHERE age <= ?1 ORDER BY name, age",
      kTimedRuns);
  Statement query(db_, sql.c_str());
  if (!query.ok()) return uses;
  query.integer(1, static_cast<std::int64_t>(last_runs));
  std::vector<plan::CpuUse>* current = nullptr;
  std::string current_name;
  while (query.step() == SQLITE_ROW) {
    std::string name = query.column_text(0);
    if (current == nullptr || name != current_name) {
      current = &uses[name];
      current_name = std::move(name);
    }
    current->push_back(cpu_use_of(query, 1));
  }
  return uses;
}

std::vector<plan::CpuUse> HistoryDb::cpu_use_before(const record::Record& record, std::size_t last_runs) {
  std::vector<plan::CpuUse> uses;
  const std::string sql = fmt::format(
      "SELECT wall_seconds, cpu_seconds, cpu_wait_seconds, cpu_peak, cpus_reserved FROM results "
      "WHERE name = ?1 AND started_at < ?2 AND outcome {} AND cpu_seconds IS NOT NULL "
      "ORDER BY started_at DESC LIMIT ?3",
      kTimedRuns);
  Statement query(db_, sql.c_str());
  if (!query.ok()) return uses;
  query.text(1, record.name);
  query.text(2, record.started_at);
  query.integer(3, static_cast<std::int64_t>(last_runs));
  while (query.step() == SQLITE_ROW) uses.push_back(cpu_use_of(query, 0));
  return uses;
}

std::size_t HistoryDb::row_count() {
  Statement query(db_, "SELECT COUNT(*) FROM results");
  if (!query.ok() || query.step() != SQLITE_ROW) return 0;
  return static_cast<std::size_t>(sqlite3_column_int64(query.get(), 0));
}

std::string HistoryDb::integrity_check() {
  Statement query(db_, "PRAGMA integrity_check");
  if (!query.ok()) return sqlite3_errmsg(db_);
  std::string result;
  while (query.step() == SQLITE_ROW) {
    if (!result.empty()) result += "; ";
    result += query.column_text(0);
  }
  return result;
}

std::optional<Growth> judge_growth(const record::Record& current, std::span<const PastRun> earlier) {
  std::vector<double> peaks;
  std::vector<double> walls;
  for (const PastRun& run : earlier) {
    if (run.outcome != "passed") continue;
    peaks.push_back(static_cast<double>(run.peak_memory_bytes));
    walls.push_back(run.wall_seconds);
  }
  if (peaks.size() < kMinEarlierRuns) return std::nullopt;
  Growth growth;
  growth.earlier_runs = peaks.size();
  growth.median_peak_bytes = median(peaks);
  growth.median_wall_seconds = median(walls);
  const auto peak = static_cast<double>(current.peak_memory_bytes);
  constexpr double kMinMemoryGrowthBytes = 8.0 * (1 << 20);
  growth.memory = peak > growth.median_peak_bytes * 1.2 && peak - growth.median_peak_bytes >= kMinMemoryGrowthBytes;
  growth.time = current.wall_seconds > growth.median_wall_seconds * 1.5 && current.wall_seconds - growth.median_wall_seconds >= 1.0;
  return growth;
}

}  // namespace mmtest::tool
