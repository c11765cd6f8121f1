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

MemorySeries::MemorySeries(std::size_t max_points, double first_bucket_seconds)
    : max_points_(std::max<std::size_t>(max_points, 2)), bucket_seconds_(first_bucket_seconds) {
  points_.reserve(max_points_ + 1);
}

void MemorySeries::add(double seconds, std::uint64_t bytes) {
  if (!points_.empty() && seconds < points_.back().seconds + bucket_seconds_) {
    points_.back().bytes = std::max(points_.back().bytes, bytes);
    return;
  }
  points_.push_back({seconds, bytes});
  if (points_.size() <= max_points_) return;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < points_.size(); i += 2) {
    Point merged = points_[i];
    if (i + 1 < points_.size()) merged.bytes = std::max(merged.bytes, points_[i + 1].bytes);
    points_[kept++] = merged;
  }
  points_.resize(kept);
  bucket_seconds_ *= 2;
}

}  // namespace mmtest::run
