// The per-case results file mmtest-run reads (docs/launcher.md, "What the test is told"): one JSON
// object per line, each line appended with one write(2) on an O_APPEND descriptor so that a kill
// can leave at most the last line incomplete.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace mmtest::gtest_detail {

struct CaseFigures {
  std::string name;
  std::string outcome;  // passed, failed, skipped
  double wall_seconds = 0;
  std::uint64_t rss_start_bytes = 0;
  std::optional<std::uint64_t> peak_rss_bytes;
  std::int64_t growth_bytes = 0;
  std::uint64_t leaked_series = 0;
};

// Each line ends in '\n'.
std::string program_line(pid_t pid, std::optional<std::uint64_t> binary_limit_bytes,
                         std::optional<std::uint64_t> case_growth_limit_bytes);
std::string start_line(pid_t pid, const std::string& name, std::uint64_t rss_bytes);
std::string end_line(pid_t pid, const CaseFigures& figures);
std::string guard_line(pid_t pid, const std::optional<std::string>& name, std::uint64_t rss_bytes,
                       std::uint64_t limit_bytes, std::optional<std::int64_t> case_growth_bytes);

class CaseLogFile {
 public:
  // Opens (creating) `path` for appending; the error names the call and errno.
  static std::expected<CaseLogFile, std::string> open(const std::string& path);
  CaseLogFile(CaseLogFile&& other) noexcept;
  CaseLogFile& operator=(CaseLogFile&&) = delete;
  ~CaseLogFile();

  // One write(2); the error names the file and errno. Safe to call from any thread.
  std::expected<void, std::string> append(const std::string& line) const;

 private:
  CaseLogFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace mmtest::gtest_detail
