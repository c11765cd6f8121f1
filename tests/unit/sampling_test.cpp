#include "mmtest/run/sampling.hpp"

#include <gtest/gtest.h>

namespace mmtest::run {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
constexpr double kGiBPerSecond = 1024.0 * 1024 * 1024;

const SamplingPolicy kPolicy{};  // 20 ms .. 2 ms, assuming 1 GiB/s

TEST(SamplingPolicy, defaults_match_the_documented_figures) {
  EXPECT_EQ(kPolicy.slowest, 20ms);
  EXPECT_EQ(kPolicy.fastest, 2ms);
  EXPECT_DOUBLE_EQ(kPolicy.assumed_growth_bytes_per_second, kGiBPerSecond);
}

TEST(NextSampleInterval, without_a_limit_samples_at_the_slowest_rate) {
  EXPECT_EQ(next_sample_interval(kPolicy, 0, std::nullopt, 0), 20ms);
  EXPECT_EQ(next_sample_interval(kPolicy, 60 * kGiB, std::nullopt, 100 * kGiBPerSecond), 20ms);
}

TEST(NextSampleInterval, far_from_the_limit_samples_at_the_slowest_rate) {
  EXPECT_EQ(next_sample_interval(kPolicy, 0, 64 * kGiB, 0), 20ms);
  EXPECT_EQ(next_sample_interval(kPolicy, 1 * kGiB, 8 * kGiB, 0), 20ms);
}

TEST(NextSampleInterval, near_or_over_the_limit_samples_at_the_fastest_rate) {
  EXPECT_EQ(next_sample_interval(kPolicy, 512 * kMiB - kMiB, 512 * kMiB, 0), 2ms);
  EXPECT_EQ(next_sample_interval(kPolicy, 512 * kMiB - 1, 512 * kMiB, 0), 2ms);
  EXPECT_EQ(next_sample_interval(kPolicy, 512 * kMiB, 512 * kMiB, 0), 2ms);
  EXPECT_EQ(next_sample_interval(kPolicy, 600 * kMiB, 512 * kMiB, 0), 2ms);
}

TEST(NextSampleInterval, respects_a_custom_policy_range) {
  const SamplingPolicy policy{250ms, 10ms, kGiBPerSecond};
  EXPECT_EQ(next_sample_interval(policy, 0, std::nullopt, 0), 250ms);
  EXPECT_EQ(next_sample_interval(policy, 0, 64 * kGiB, 0), 250ms);
  EXPECT_EQ(next_sample_interval(policy, kGiB, kGiB, 0), 10ms);
}

TEST(NextSampleInterval, a_test_growing_at_the_assumed_rate_cannot_overshoot_half_the_headroom) {
  const std::uint64_t limit = 4 * kGiB;
  for (const std::uint64_t headroom : {8 * kMiB, 10 * kMiB, 20 * kMiB, 36 * kMiB}) {
    const auto interval = next_sample_interval(kPolicy, limit - headroom, limit, 0);
    ASSERT_GT(interval, kPolicy.fastest) << "headroom " << headroom << " should be between the clamps";
    ASSERT_LT(interval, kPolicy.slowest) << "headroom " << headroom << " should be between the clamps";
    const double grown_bytes = std::chrono::duration<double>(interval).count() * kGiBPerSecond;
    EXPECT_LE(grown_bytes, static_cast<double>(headroom) / 2) << "interval " << interval.count() << " ms";
    // ... but not needlessly often: within a millisecond of that bound.
    EXPECT_GT(grown_bytes, static_cast<double>(headroom) / 2 - kGiBPerSecond / 1000) << interval.count() << " ms";
  }
}

TEST(NextSampleInterval, never_lengthens_as_headroom_shrinks) {
  const std::uint64_t limit = 2 * kGiB;
  auto previous = next_sample_interval(kPolicy, 0, limit, 0);
  bool saw_a_change = false;
  for (std::uint64_t rss = 0; rss <= limit; rss += 4 * kMiB) {
    const auto interval = next_sample_interval(kPolicy, rss, limit, 0);
    EXPECT_LE(interval, previous) << "at rss " << rss;
    EXPECT_GE(interval, kPolicy.fastest);
    EXPECT_LE(interval, kPolicy.slowest);
    saw_a_change = saw_a_change || interval != previous;
    previous = interval;
  }
  EXPECT_TRUE(saw_a_change);
  EXPECT_EQ(previous, kPolicy.fastest);
}

TEST(NextSampleInterval, faster_observed_growth_shortens_the_interval) {
  const std::uint64_t limit = 4 * kGiB;
  const std::uint64_t rss = limit - 30 * kMiB;
  const auto at_assumed_rate = next_sample_interval(kPolicy, rss, limit, 0);
  const auto at_four_times = next_sample_interval(kPolicy, rss, limit, 4 * kGiBPerSecond);
  EXPECT_LT(at_four_times, at_assumed_rate);
  EXPECT_GE(at_four_times, kPolicy.fastest);
}

TEST(NextSampleInterval, slower_observed_growth_does_not_lengthen_it) {
  const std::uint64_t limit = 4 * kGiB;
  const std::uint64_t rss = limit - 30 * kMiB;
  const auto at_assumed_rate = next_sample_interval(kPolicy, rss, limit, 0);
  EXPECT_EQ(next_sample_interval(kPolicy, rss, limit, 1.0), at_assumed_rate);
  EXPECT_EQ(next_sample_interval(kPolicy, rss, limit, -kGiBPerSecond), at_assumed_rate);  // shrinking tree
}

// ---- MemorySeries ---------------------------------------------------------------------------------

TEST(MemorySeries, stays_within_its_points_however_long_the_test) {
  MemorySeries series(100, 0.01);
  // An hour of samples every 20 ms: 180,000 samples.
  for (int i = 0; i < 180000; ++i) series.add(i * 0.02, static_cast<std::uint64_t>(i % 1000) * kMiB);
  EXPECT_LE(series.points().size(), 100u);
  EXPECT_GE(series.points().size(), 50u);  // halved at most once past the limit
  EXPECT_DOUBLE_EQ(series.points().front().seconds, 0.0);
  EXPECT_GT(series.points().back().seconds, 3500.0);  // the end of the run is there
}

TEST(MemorySeries, keeps_the_peak_of_what_it_merges) {
  MemorySeries series(10, 0.01);
  for (int i = 0; i < 1000; ++i) series.add(i * 0.02, i == 537 ? 900 * kMiB : 10 * kMiB);
  std::uint64_t largest = 0;
  for (const auto& point : series.points()) largest = std::max(largest, point.bytes);
  EXPECT_EQ(largest, 900 * kMiB);
}

TEST(MemorySeries, keeps_every_sample_of_a_short_test_in_time_order) {
  MemorySeries series(100, 0.01);
  series.add(0.002, 1 * kMiB);
  series.add(0.022, 2 * kMiB);
  series.add(0.042, 3 * kMiB);
  series.add(0.045, 5 * kMiB);  // within 10 ms of the last point: merged, the larger kept
  ASSERT_EQ(series.points().size(), 3u);
  EXPECT_DOUBLE_EQ(series.points()[2].seconds, 0.042);
  EXPECT_EQ(series.points()[2].bytes, 5 * kMiB);
  EXPECT_EQ(series.points()[0].bytes, 1 * kMiB);
}

}  // namespace
}  // namespace mmtest::run
