#include "mmtest/common/format.hpp"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <csignal>
#include <fmt/format.h>

#include "mmtest/common/unique_fd.hpp"

namespace mmtest {

std::string system_error_message(std::string_view call, int errno_value) {
  return fmt::format("{}: {}", call, ::strerrordesc_np(errno_value) ? ::strerrordesc_np(errno_value) : "unknown error");
}

std::string signal_name(int signal_number) {
  if (const char* abbreviation = ::sigabbrev_np(signal_number)) return fmt::format("SIG{}", abbreviation);
  return fmt::format("signal {}", signal_number);
}

FileText read_small_file(const std::string& path) {
  FileText result;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    result.error = errno;
    return result;
  }
  char buffer[4096];
  while (true) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      result.error = errno;
      return result;
    }
    if (got == 0) break;
    result.text.append(buffer, static_cast<std::size_t>(got));
  }
  result.ok = true;
  return result;
}

}  // namespace mmtest
