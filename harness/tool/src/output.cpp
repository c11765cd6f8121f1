#include "mmtest/tool/output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include "mmtest/common/format.hpp"
#include "mmtest/common/unique_fd.hpp"
#include "mmtest/common/units.hpp"

namespace mmtest::tool {

std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path temporary = path;
  temporary += fmt::format(".tmp.{}", ::getpid());
  mmtest::UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return std::unexpected(mmtest::system_error_message(fmt::format("open({})", temporary.string())));
  std::string_view rest = content;
  while (!rest.empty()) {
    const ssize_t written = ::write(fd.get(), rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const int error = written < 0 ? errno : ENOSPC;
      ::unlink(temporary.c_str());
      return std::unexpected(mmtest::system_error_message(fmt::format("write({})", temporary.string()), error));
    }
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
  if (::close(fd.release()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return std::unexpected(mmtest::system_error_message(fmt::format("close({})", temporary.string()), error));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return std::unexpected(mmtest::system_error_message(fmt::format("rename({}, {})", temporary.string(), path.string()), error));
  }
  return {};
}

std::string cmake_size(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1 << 20;
  const std::uint64_t mebibytes = (bytes + kMiB - 1) / kMiB;
  if (mebibytes >= 1024 && mebibytes % 1024 == 0) return fmt::format("{}G", mebibytes / 1024);
  if (mebibytes >= 1024 && mebibytes % 256 == 0) return fmt::format("{:g}G", static_cast<double>(mebibytes) / 1024);
  return fmt::format("{}M", mebibytes);
}

std::uint64_t suggested_memory_bytes(std::uint64_t peak_bytes) {
  constexpr std::uint64_t kMiB = 1 << 20;
  const std::uint64_t wanted = std::max(peak_bytes + peak_bytes / 4, peak_bytes + 8 * kMiB);
  const std::uint64_t step = wanted < 256 * kMiB ? 8 * kMiB : wanted < 1024 * kMiB ? 32 * kMiB : 256 * kMiB;
  return (wanted + step - 1) / step * step;
}

std::string mib(std::uint64_t bytes) { return mmtest::format_bytes(bytes); }

}  // namespace mmtest::tool
