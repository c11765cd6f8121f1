// The program's own resident memory, from /proc/self: RSS now (statm), its high-water mark
// (VmHWM in status) and resetting that mark (writing "5" to clear_refs). Each reader keeps its
// file open and re-reads it with pread(), which costs about a microsecond for statm.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mmtest::gtest_detail {

// Owns one file descriptor; closes it.
class ProcFile {
 public:
  ProcFile(const char* path, int flags);
  ProcFile(const ProcFile&) = delete;
  ProcFile& operator=(const ProcFile&) = delete;
  ~ProcFile();
  int fd() const { return fd_; }
  int open_error() const { return open_error_; }

 private:
  int fd_ = -1;
  int open_error_ = 0;
};

// RSS in bytes now; nullopt when /proc/self/statm cannot be read.
class RssReader {
 public:
  RssReader();
  std::optional<std::uint64_t> rss_bytes() const;

 private:
  ProcFile statm_;
  std::uint64_t page_bytes_;
};

// The RSS high-water mark and its reset.
//
// The mark is read from getrusage()'s ru_maxrss when that can stand for it: half a microsecond
// instead of eight for /proc/self/status. ru_maxrss is the larger of the mark and the peak of the
// image this program replaced in exec(), a floor no reset lowers (the RSS of whatever forked it: a
// shell, ctest, a large test runner). So after each reset, if ru_maxrss is within kRusageSlackBytes
// of the RSS then, the floor is below the mark and ru_maxrss is the mark (off by at most the slack
// when the floor sits just above it); otherwise VmHWM of /proc/self/status is read.
class PeakTracker {
 public:
  static constexpr std::uint64_t kRusageSlackBytes = 1 << 20;

  PeakTracker();
  // Resets the mark to the RSS now, `rss_bytes`. False, with problem() saying why, when the mark
  // cannot be reset (no writable clear_refs).
  bool reset(std::uint64_t rss_bytes);
  std::optional<std::uint64_t> peak_bytes() const;
  const std::optional<std::string>& problem() const { return problem_; }

 private:
  ProcFile status_;
  ProcFile clear_refs_;
  std::optional<std::string> problem_;
  bool rusage_is_the_mark_ = false;
};

// getrusage(RUSAGE_SELF)'s ru_maxrss in bytes.
std::uint64_t max_rss_bytes();

// Parses "VmHWM:    123456 kB" out of /proc/<pid>/status text; nullopt when absent.
std::optional<std::uint64_t> vm_hwm_bytes(std::string_view status_text);
// Parses the resident field (the second) of /proc/<pid>/statm text, in pages.
std::optional<std::uint64_t> statm_resident_pages(std::string_view statm_text);

}  // namespace mmtest::gtest_detail
