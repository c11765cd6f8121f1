#include "mmtest/run/limits.hpp"

#include <fmt/format.h>

namespace mmtest::run {

std::vector<ResourceLimit> resource_limits(const Options& options) {
  std::vector<ResourceLimit> limits;
  if (!options.allow_core) limits.push_back({RLIMIT_CORE, "RLIMIT_CORE", 0, 0});
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
