#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace mmtest::run {

// How often the supervisor samples the tree's memory. Far from the budget it looks every 20 ms (a
// sample walks the test's tree: tens of microseconds for a small one), often enough to catch brief
// peaks shared by several processes; near the budget it looks often enough that a test allocating
// at the assumed rate cannot overshoot by more than half the remaining headroom between samples.
struct SamplingPolicy {
  std::chrono::milliseconds slowest{20};
  std::chrono::milliseconds fastest{2};
  double assumed_growth_bytes_per_second = 1024.0 * 1024 * 1024;  // 1 GiB/s unless faster is observed
};

std::chrono::milliseconds next_sample_interval(const SamplingPolicy& policy, std::uint64_t tree_rss_bytes,
                                               std::optional<std::uint64_t> limit_bytes,
                                               double observed_growth_bytes_per_second);

// The same idea for the process cap: a tree past half of --max-processes is sampled at the fastest
// rate, because a fork loop doubles quickly. max_processes 0 means no cap.
std::chrono::milliseconds next_sample_interval_for_processes(const SamplingPolicy& policy, std::size_t live_processes,
                                                             std::uint64_t max_processes);

// The tree's memory over time, in at most `max_points` points whatever the test's length: the
// record's memory_samples. Each point holds the time of the first sample it covers and the largest
// tree RSS among the samples it covers, so peaks survive. Samples closer than the bucket width to
// the last point's start merge into it; when the points would exceed max_points, neighbours merge
// pairwise and the width doubles. O(1) per sample amortised; no allocation after construction.
inline constexpr std::size_t kMaxMemorySamples = 100;  // the record's memory_samples hold at most this many

class MemorySeries {
 public:
  struct Point {
    double seconds = 0;        // since the test started
    std::uint64_t bytes = 0;   // largest tree RSS sampled within the point's interval
  };

  explicit MemorySeries(std::size_t max_points = kMaxMemorySamples, double first_bucket_seconds = 0.01);
  void add(double seconds, std::uint64_t bytes);
  const std::vector<Point>& points() const { return points_; }

 private:
  std::size_t max_points_;
  double bucket_seconds_;
  std::vector<Point> points_;
};

}  // namespace mmtest::run
