#include "mmtest/run/limits.hpp"

#include <fmt/format.h>

namespace mmtest::run {

std::vector<ResourceLimit> resource_limits(const Options& options) {
  std::vector<ResourceLimit> limits;
  if (options.allow_core) {
    // Raise the soft limit to the hard one: the launcher's own soft limit may be 0 (AddressSanitizer
    // sets it so in the processes it instruments), and the test asked for its core.
    rlimit current{};
    if (::getrlimit(RLIMIT_CORE, &current) == 0) limits.push_back({RLIMIT_CORE, "RLIMIT_CORE", current.rlim_max, current.rlim_max});
  } else {
    limits.push_back({RLIMIT_CORE, "RLIMIT_CORE", 0, 0});
  }
  if (options.cpu_time_seconds) {
    // SIGXCPU at the soft limit lets the test notice; SIGKILL follows one second later.
    const rlim_t seconds = *options.cpu_time_seconds;
    limits.push_back({RLIMIT_CPU, "RLIMIT_CPU", seconds, seconds + 1});
  }
  if (options.max_open_files) {
    limits.push_back({RLIMIT_NOFILE, "RLIMIT_NOFILE", *options.max_open_files, *options.max_open_files});
  }
  if (options.max_file_size_bytes) {
    limits.push_back({RLIMIT_FSIZE, "RLIMIT_FSIZE", *options.max_file_size_bytes, *options.max_file_size_bytes});
  }
  if (options.data_limit_bytes) {
    limits.push_back({RLIMIT_DATA, "RLIMIT_DATA", *options.data_limit_bytes, *options.data_limit_bytes});
  }
  return limits;
}

std::string describe(const ResourceLimit& limit) {
  return fmt::format("{}, {}", limit.name, limit.soft);
}

}  // namespace mmtest::run
