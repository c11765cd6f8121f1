#include "process_memory.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fmt/format.h>

namespace mmtest::gtest_detail {
namespace {

std::optional<std::uint64_t> number_at(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) return std::nullopt;
  return value;
}

// The whole file from offset 0 into `buffer`; the text read, empty on error.
std::string_view read_at_start(int fd, char* buffer, std::size_t size) {
  if (fd < 0) return {};
  ssize_t got;
  do {
    got = ::pread(fd, buffer, size, 0);
  } while (got < 0 && errno == EINTR);
  return got > 0 ? std::string_view(buffer, static_cast<std::size_t>(got)) : std::string_view{};
}

}  // namespace

ProcFile::ProcFile(const char* path, int flags) : fd_(::open(path, flags | O_CLOEXEC)) {
  if (fd_ < 0) open_error_ = errno;
}

ProcFile::~ProcFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::uint64_t> vm_hwm_bytes(std::string_view status_text) {
  const auto at = status_text.find("\nVmHWM:");
  if (at == std::string_view::npos) return std::nullopt;
  const auto kib = number_at(status_text.substr(at + 7));
  if (!kib) return std::nullopt;
  return *kib * 1024;
}

std::optional<std::uint64_t> statm_resident_pages(std::string_view statm_text) {
  const auto space = statm_text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return number_at(statm_text.substr(space + 1));
}

RssReader::RssReader() : statm_("/proc/self/statm", O_RDONLY), page_bytes_(static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE))) {}

std::optional<std::uint64_t> RssReader::rss_bytes() const {
  char buffer[128];
  const auto pages = statm_resident_pages(read_at_start(statm_.fd(), buffer, sizeof buffer));
  if (!pages) return std::nullopt;
  return *pages * page_bytes_;
}

PeakTracker::PeakTracker() : status_("/proc/self/status", O_RDONLY), clear_refs_("/proc/self/clear_refs", O_WRONLY) {
  if (clear_refs_.fd() < 0) {
    problem_ = fmt::format("open(/proc/self/clear_refs): {}", ::strerrordesc_np(clear_refs_.open_error()));
  } else if (status_.fd() < 0) {
    problem_ = fmt::format("open(/proc/self/status): {}", ::strerrordesc_np(status_.open_error()));
  }
}

std::uint64_t max_rss_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

bool PeakTracker::reset(std::uint64_t rss_bytes) {
  if (problem_) return false;
  // "5" resets the peak RSS to the current RSS (proc(5), /proc/pid/clear_refs).
  if (::write(clear_refs_.fd(), "5", 1) != 1) {
    problem_ = fmt::format("write(/proc/self/clear_refs, \"5\"): {}", ::strerrordesc_np(errno));
    return false;
  }
  rusage_is_the_mark_ = max_rss_bytes() <= rss_bytes + kRusageSlackBytes;
  return true;
}

std::optional<std::uint64_t> PeakTracker::peak_bytes() const {
  if (problem_) return std::nullopt;
  if (rusage_is_the_mark_) return max_rss_bytes();
  char buffer[4096];
  // VmHWM sits in the first kilobyte or so of status; a line cut at the buffer's end is not read.
  return vm_hwm_bytes(read_at_start(status_.fd(), buffer, sizeof buffer));
}

}  // namespace mmtest::gtest_detail
