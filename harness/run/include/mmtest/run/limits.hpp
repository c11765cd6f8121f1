#pragma once

#include <sys/resource.h>

#include <string>
#include <vector>

#include "mmtest/run/options.hpp"

namespace mmtest::run {

struct ResourceLimit {
  int resource;          // RLIMIT_*
  const char* name;      // "RLIMIT_CORE", for error messages
  rlim_t soft;
  rlim_t hard;
};

// The rlimits the test process starts with: RLIMIT_CORE 0, or with --core raised to its hard limit;
// and whatever --cpu-time, --max-open-files, --max-file-size and --data-limit ask for. RLIMIT_AS is
// never set: it breaks sanitizers and programs that reserve address space.
std::vector<ResourceLimit> resource_limits(const Options& options);

std::string describe(const ResourceLimit& limit);  // "RLIMIT_CORE, 0"

}  // namespace mmtest::run
