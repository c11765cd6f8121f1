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
class PeakTracker {
 public:
  PeakTracker();
  // False, with problem() saying why, when the mark cannot be reset (no writable clear_refs).
  bool reset();
  std::optional<std::uint64_t> peak_bytes() const;
  const std::optional<std::string>& problem() const { return problem_; }

 private:
  ProcFile status_;
  ProcFile clear_refs_;
  std::optional<std::string> problem_;
};

// Parses "VmHWM:    123456 kB" out of /proc/<pid>/status text; nullopt when absent.
std::optional<std::uint64_t> vm_hwm_bytes(std::string_view status_text);
// Parses the resident field (the second) of /proc/<pid>/statm text, in pages.
std::optional<std::uint64_t> statm_resident_pages(std::string_view statm_text);

}  // namespace mmtest::gtest_detail
