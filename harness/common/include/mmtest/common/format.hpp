#pragma once

#include <cerrno>
#include <string>
#include <string_view>

namespace mmtest {

// "setrlimit(RLIMIT_CORE, 0): Operation not permitted": a failed call, its arguments and errno.
std::string system_error_message(std::string_view call, int errno_value = errno);

// "SIGTERM" for 15; "signal 77" for numbers without a name.
std::string signal_name(int signal_number);

// Reads a whole small file (such as one under /proc or a cgroup directory); nullopt-like empty
// result with ok=false when it cannot be opened or read.
struct FileText {
  bool ok = false;
  std::string text;
  int error = 0;
};
FileText read_small_file(const std::string& path);

}  // namespace mmtest
