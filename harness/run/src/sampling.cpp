#include "mmtest/run/sampling.hpp"

#include <algorithm>

namespace mmtest::run {

std::chrono::milliseconds next_sample_interval(const SamplingPolicy& policy, std::uint64_t tree_rss_bytes,
                                               std::optional<std::uint64_t> limit_bytes,
                                               double observed_growth_bytes_per_second) {
  if (!limit_bytes) return policy.slowest;
  if (tree_rss_bytes >= *limit_bytes) return policy.fastest;
  const double headroom_bytes = static_cast<double>(*limit_bytes - tree_rss_bytes);
  const double rate = std::max(observed_growth_bytes_per_second, policy.assumed_growth_bytes_per_second);
  const double milliseconds = headroom_bytes / rate * 1000.0 / 2.0;
  const double clamped = std::clamp(milliseconds, static_cast<double>(policy.fastest.count()),
                                    static_cast<double>(policy.slowest.count()));
  return std::chrono::milliseconds{static_cast<long>(clamped)};
}

std::chrono::milliseconds next_sample_interval_for_processes(const SamplingPolicy& policy, std::size_t live_processes,
                                                             std::uint64_t max_processes) {
  if (max_processes == 0 || live_processes * 2 < max_processes) return policy.slowest;
  return policy.fastest;
}

}  // namespace mmtest::run
