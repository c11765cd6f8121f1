// What the record's memory time series (MemorySeries, harness/run/src/sampling.cpp) costs the
// launcher per sample, beside what the sample itself costs: reading one process's
// /proc/<pid>/stat, the least a sample of the smallest tree reads. bench/memory-series.sh builds
// and runs this.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "mmtest/run/sampling.hpp"

int main() {
  using Clock = std::chrono::steady_clock;
  constexpr int kSamples = 10'000'000;
  // A test of 10 M samples 2 ms apart (5.6 hours): the series merges its points 17 times.
  mmtest::run::MemorySeries series;
  const auto series_start = Clock::now();
  for (int i = 0; i < kSamples; ++i) series.add(i * 0.002, static_cast<std::uint64_t>(i % 977) << 20);
  const double series_ns = std::chrono::duration<double, std::nano>(Clock::now() - series_start).count() / kSamples;

  constexpr int kReads = 200'000;
  char buffer[4096];
  const auto read_start = Clock::now();
  for (int i = 0; i < kReads; ++i) {
    const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::read(fd, buffer, sizeof buffer) <= 0) return 1;
    ::close(fd);
  }
  const double read_ns = std::chrono::duration<double, std::nano>(Clock::now() - read_start).count() / kReads;
  std::printf("| MemorySeries::add, per sample (%d samples, %zu points kept) | %.1f ns |\n", kSamples,
              series.points().size(), series_ns);
  std::printf("| reading /proc/self/stat once, the least a sample reads | %.0f ns |\n", read_ns);
  std::printf("| the series' share of the smallest sample | %.2f %% |\n", 100 * series_ns / (series_ns + read_ns));
  return 0;
}
