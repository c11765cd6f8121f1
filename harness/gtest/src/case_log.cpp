#include "case_log.hpp"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <utility>

namespace mmtest::gtest_detail {
namespace {

// The lines are made by hand rather than through a JSON object: they are written for every test
// case, and this is several times faster (bench/gtest-listener.sh).
void append_string(std::string& out, std::string_view text) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    // GoogleTest names are the user's bytes: invalid UTF-8 is replaced, never written as it is.
    out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

template <class T>
void append_number_or_null(std::string& out, const std::optional<T>& value) {
  if (value) fmt::format_to(std::back_inserter(out), "{}", *value);
  else out += "null";
}

}  // namespace

std::string program_line(pid_t pid, std::optional<std::uint64_t> binary_limit_bytes,
                         std::optional<std::uint64_t> case_growth_limit_bytes) {
  std::string line = fmt::format(R"({{"event":"program","pid":{},"binary_limit_bytes":)", pid);
  append_number_or_null(line, binary_limit_bytes);
  line += R"(,"case_growth_limit_bytes":)";
  append_number_or_null(line, case_growth_limit_bytes);
  line += "}\n";
  return line;
}

std::string start_line(pid_t pid, const std::string& name, std::uint64_t rss_bytes) {
  std::string line = fmt::format(R"({{"event":"start","pid":{},"case":)", pid);
  append_string(line, name);
  fmt::format_to(std::back_inserter(line), R"(,"rss_bytes":{}}})" "\n", rss_bytes);
  return line;
}

std::string end_line(pid_t pid, const CaseFigures& figures) {
  std::string line = fmt::format(R"({{"event":"end","pid":{},"case":)", pid);
  append_string(line, figures.name);
  line += R"(,"outcome":)";
  append_string(line, figures.outcome);
  fmt::format_to(std::back_inserter(line), R"(,"wall_seconds":{},"rss_start_bytes":{},"peak_rss_bytes":)",
                 figures.wall_seconds, figures.rss_start_bytes);
  append_number_or_null(line, figures.peak_rss_bytes);
  fmt::format_to(std::back_inserter(line), R"(,"growth_bytes":{},"leaked_series":{}}})" "\n", figures.growth_bytes,
                 figures.leaked_series);
  return line;
}

std::string guard_line(pid_t pid, const std::optional<std::string>& name, std::uint64_t rss_bytes,
                       std::uint64_t limit_bytes, std::optional<std::int64_t> case_growth_bytes) {
  std::string line = fmt::format(R"({{"event":"guard","pid":{},"case":)", pid);
  if (name) append_string(line, *name);
  else line += "null";
  fmt::format_to(std::back_inserter(line), R"(,"rss_bytes":{},"limit_bytes":{},"case_growth_bytes":)", rss_bytes, limit_bytes);
  append_number_or_null(line, case_growth_bytes);
  line += "}\n";
  return line;
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
