#include "case_log.hpp"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <utility>

namespace mmtest::gtest_detail {
namespace {

using nlohmann::json;

template <class T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

// Invalid UTF-8 in a name (GoogleTest names are the user's bytes) is replaced, never thrown on.
std::string line_of(const json& event) { return event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

}  // namespace

std::string program_line(pid_t pid, std::optional<std::uint64_t> binary_limit_bytes,
                         std::optional<std::uint64_t> case_growth_limit_bytes) {
  return line_of({{"event", "program"},
                  {"pid", pid},
                  {"binary_limit_bytes", or_null(binary_limit_bytes)},
                  {"case_growth_limit_bytes", or_null(case_growth_limit_bytes)}});
}

std::string start_line(pid_t pid, const std::string& name, std::uint64_t rss_bytes) {
  return line_of({{"event", "start"}, {"pid", pid}, {"case", name}, {"rss_bytes", rss_bytes}});
}

std::string end_line(pid_t pid, const CaseFigures& figures) {
  return line_of({{"event", "end"},
                  {"pid", pid},
                  {"case", figures.name},
                  {"outcome", figures.outcome},
                  {"wall_seconds", figures.wall_seconds},
                  {"rss_start_bytes", figures.rss_start_bytes},
                  {"peak_rss_bytes", or_null(figures.peak_rss_bytes)},
                  {"growth_bytes", figures.growth_bytes},
                  {"leaked_series", figures.leaked_series}});
}

std::string guard_line(pid_t pid, const std::optional<std::string>& name, std::uint64_t rss_bytes,
                       std::uint64_t limit_bytes, std::optional<std::int64_t> case_growth_bytes) {
  return line_of({{"event", "guard"},
                  {"pid", pid},
                  {"case", or_null(name)},
                  {"rss_bytes", rss_bytes},
                  {"limit_bytes", limit_bytes},
                  {"case_growth_bytes", or_null(case_growth_bytes)}});
}

std::expected<CaseLogFile, std::string> CaseLogFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(fmt::format("open({}): {}", path, ::strerrordesc_np(errno)));
  return CaseLogFile(fd, path);
}

CaseLogFile::CaseLogFile(CaseLogFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

CaseLogFile::~CaseLogFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<void, std::string> CaseLogFile::append(const std::string& line) const {
  ssize_t written;
  do {
    written = ::write(fd_, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  if (written < 0) return std::unexpected(fmt::format("write({}): {}", path_, ::strerrordesc_np(errno)));
  // A short write to a regular file means the disk is full: the line stays incomplete, which
  // readers ignore like the last line of a killed run.
  if (static_cast<std::size_t>(written) != line.size()) {
    return std::unexpected(fmt::format("write({}): wrote {} of {} bytes", path_, written, line.size()));
  }
  return {};
}

}  // namespace mmtest::gtest_detail
