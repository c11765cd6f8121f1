#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mmtest/run/classify.hpp"
#include "mmtest/run/options.hpp"
#include "mmtest/run/supervision.hpp"
#include "mmtest/run/unique_fd.hpp"

namespace mmtest::run {

inline constexpr int kRecordSchemaVersion = 2;

struct RecordContext {
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point finished_at;
  std::string limit_mode;          // "sample" or "cgroup"
  std::string limit_mode_reason;   // why that mode was chosen
  std::string tmpdir;
  std::optional<std::vector<int>> pinned_cpus;  // the CPUs the test ran on when --pin-cpus took effect
};

// The JSON result record (docs/launcher.md, "The record").
nlohmann::json make_record(const Options& options, const Supervision& run, const Verdict& verdict,
                           const RecordContext& context);

// "2026-11-22T10:47:26.123Z"
std::string rfc3339(std::chrono::system_clock::time_point time);

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

}  // namespace mmtest::run
