#pragma once

// The record: the JSON file mmtest-run writes for each run of a test (docs/launcher.md, "The
// record"), and everything that reads it back (the mmtest tool, the planner). This library is the
// contract between the two sides: it depends on neither.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/common/unique_fd.hpp"

namespace mmtest::record {

// 5: cpu_peak and cpus_reserved written (4: labels, memory_declared, ctest_run and attempt; 3:
// memory_samples; 2: the four CPU fields). Readers accept every version.
inline constexpr int kRecordSchemaVersion = 5;

// ---- reading: what mmtest (report, plan, history) takes from a record -----------------------------

struct RecordedProcess {
  long pid = 0;
  std::string command;
};

// One point of memory_samples: seconds since the test started, and the largest tree RSS sampled in
// the interval this point stands for.
struct MemoryPoint {
  double seconds = 0;
  std::uint64_t bytes = 0;
};

// One element of `cases` as read back: a test case of a GoogleTest program running mmtest's
// listener. The figures are absent for a case that was still running ("unfinished").
struct RecordedCase {
  std::string name = {};
  std::string outcome = {};  // "passed", "failed", "skipped", "unfinished"
  std::optional<double> wall_seconds = {};
  std::optional<std::int64_t> growth_bytes = {};
  std::optional<std::uint64_t> leaked_series = {};
};

// A record as read back. Required: name, outcome, wall_seconds, peak_memory_bytes, started_at and
// finished_at; every other field has the default below when absent (records of older schema
// versions), and fields this struct does not know are ignored (newer versions, other writers).
struct Record {
  int schema_version = 0;
  std::string name;
  std::vector<std::string> command;
  std::string outcome;
  std::optional<int> exit_code;
  std::optional<std::string> signal;
  int launcher_exit_code = 0;
  std::optional<std::string> diagnosis;
  double wall_seconds = 0;
  double cpu_seconds = 0;
  std::optional<double> cpu_wait_seconds;
  bool starved = false;
  std::optional<double> cpu_peak;       // most CPUs busy over a quarter second (schema 5)
  std::optional<double> cpus_reserved;  // CPUs CTest reserved for the run (schema 5)
  std::uint64_t peak_memory_bytes = 0;
  std::string peak_memory_source;
  std::optional<std::uint64_t> memory_limit_bytes;
  bool memory_declared = true;  // false: the limit is a default the test did not declare (schema 4)
  std::string limit_mode;
  std::optional<double> timeout_seconds;
  std::uint64_t max_processes_seen = 0;
  std::vector<RecordedProcess> leaked_processes;
  std::vector<std::string> warnings;
  std::vector<std::string> labels;
  std::string ctest_run;      // the ctest run's id; empty outside one (records before schema 4)
  int attempt = 1;            // the attempt within that run (record/attempts.hpp)
  std::string started_at;   // RFC 3339 as written
  std::string finished_at;
  double started_unix_seconds = 0;   // the same instants as seconds since 1970-01-01 UTC
  double finished_unix_seconds = 0;
  std::vector<MemoryPoint> memory_samples;
  std::vector<RecordedCase> cases;
};

// Seconds since the epoch of "2026-11-22T10:47:26.123Z" (any number of fraction digits, "Z" only).
std::optional<double> parse_rfc3339(std::string_view text);

// The record in `text`, or why it is not one ("not JSON: ...", "'outcome' is missing", ...).
std::expected<Record, std::string> parse_record_json(std::string_view text);

// The "*.json" files directly in `directory`, sorted by name: the one walk of a records folder,
// for every reader. A directory that does not exist holds none (`missing` is set, so callers can
// say so); one that exists but cannot be listed (not a directory, no permission, an I/O error) is
// an error, "cannot read the records folder <dir>: <why>", never an empty folder.
std::expected<std::vector<std::filesystem::path>, std::string> list_record_files(const std::filesystem::path& directory,
                                                                                 bool* missing = nullptr);

// Every record of list_record_files(directory), parsed, in file-name order. A file that cannot be
// read or is not a record goes to `problems` as "<path>: <why>" and is skipped; a folder that
// cannot be listed sets `unreadable`.
struct RecordSet {
  std::vector<Record> records;
  std::vector<std::string> problems;
  std::optional<std::string> unreadable;
};
RecordSet read_record_directory(const std::filesystem::path& directory, bool* missing = nullptr);

// "2026-11-22T10:47:26.123Z"
std::string rfc3339(std::chrono::system_clock::time_point time);

// ---- writing --------------------------------------------------------------------------------------

// The record file, opened before the test starts so that an unwritable path is a usage error and
// a record can always be written at the end: the JSON goes into "<path>.tmp.<pid>", which is then
// renamed over <path>, so readers see the old record or the whole new one, never half of one.
// The temporary file is removed if nothing is committed.
class RecordFile {
 public:
  static std::expected<RecordFile, std::string> open(const std::filesystem::path& path);
  RecordFile(RecordFile&& other) noexcept;
  RecordFile& operator=(RecordFile&&) = delete;
  ~RecordFile();

  std::expected<void, std::string> commit(const nlohmann::json& record);

 private:
  RecordFile(std::filesystem::path path, std::filesystem::path temporary, UniqueFd fd)
      : path_(std::move(path)), temporary_(std::move(temporary)), fd_(std::move(fd)) {}
  std::filesystem::path path_;
  std::filesystem::path temporary_;
  UniqueFd fd_;
};

}  // namespace mmtest::record
