#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "mmtest/common/format.hpp"
#include "mmtest/record/record.hpp"

namespace mmtest::record {

std::string rfc3339(std::chrono::system_clock::time_point time) {
  // Calendar arithmetic in <chrono>, not gmtime_r(): glibc loads /etc/localtime on the first call
  // of any of its time conversions, which every test would pay for.
  using namespace std::chrono;
  const auto milliseconds_since_epoch = floor<milliseconds>(time);
  const auto day = floor<days>(milliseconds_since_epoch);
  const year_month_day date{day};
  const hh_mm_ss clock{milliseconds_since_epoch - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), clock.hours().count(),
                     clock.minutes().count(), clock.seconds().count(), clock.subseconds().count());
}

std::expected<RecordFile, std::string> RecordFile::open(const std::filesystem::path& path) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error) return std::unexpected(fmt::format("cannot create {}: {}", path.parent_path().string(), error.message()));
  std::filesystem::path temporary = path;
  temporary += fmt::format(".tmp.{}", ::getpid());
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return std::unexpected(system_error_message(fmt::format("open({})", temporary.string())));
  return RecordFile(path, std::move(temporary), std::move(fd));
}

RecordFile::RecordFile(RecordFile&& other) noexcept
    : path_(std::move(other.path_)), temporary_(std::move(other.temporary_)), fd_(std::move(other.fd_)) {
  other.temporary_.clear();
}

RecordFile::~RecordFile() {
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

std::expected<void, std::string> RecordFile::commit(const nlohmann::json& record) {
  const std::string text = record.dump(2) + "\n";
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t written = ::write(fd_.get(), rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return std::unexpected(system_error_message(fmt::format("write({})", temporary_.string())));
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
  fd_.reset();
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
    return std::unexpected(system_error_message(fmt::format("rename({}, {})", temporary_.string(), path_.string())));
  }
  temporary_.clear();
  return {};
}

}  // namespace mmtest::record
