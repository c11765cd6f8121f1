#pragma once

// `mmtest calibrate`: MEMORY, TIMEOUT and PROCESSORS per test from its recent runs in the history,
// by one documented rule (docs/tool.md, "mmtest calibrate"), as a table and as the calibration
// file that add_mm_test() reads (MMTEST_CALIBRATION_FILE).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mmtest/tool/history.hpp"

namespace mmtest::tool {

// The runs a proposal needs at least, and how many of the latest it looks at.
inline constexpr std::size_t kCalibrationMinRuns = 3;
inline constexpr std::size_t kCalibrationRuns = 20;

struct Calibration {
  std::string name;
  std::size_t runs = 0;                      // runs that count (not skipped, harness-error, interrupted)
  std::uint64_t peak_p95_bytes = 0;          // 95th percentile (nearest rank) of their peaks
  double wall_p95_seconds = 0;               // the same of their wall times
  std::optional<std::uint64_t> memory_bytes;   // its MEMORY in the latest run
  std::optional<double> timeout_seconds;       // its TIMEOUT in the latest run
  bool memory_declared = true;                 // false: that MEMORY was a default, not the test's own
  std::optional<std::uint64_t> proposed_memory_bytes;  // unset with fewer than kCalibrationMinRuns runs
  std::optional<std::uint64_t> proposed_timeout_seconds;
  // CPUs, in tenths: as declared in the build's manifest (1 CPU for a test not there), and the
  // demand learned from the runs (plan::learn_demand over the newest plan::kDemandRuns that counted
  // and measured CPU time), at most the build's CPU budget; unset with fewer than
  // kCalibrationMinRuns such runs, and for a fixed declaration, which is never proposed another.
  std::uint64_t declared_cpu_tenths = 10;
  bool cpus_fixed = false;                   // FIXED_PROCESSORS, PIN_CPUS or a performance test
  std::optional<plan::LearnedDemand> cpu_demand;
  std::optional<std::uint64_t> proposed_cpu_tenths;
  bool changes() const;                      // a proposal differs from the current value
  // PROCESSORS goes into the calibration file: proposed, and either not the 1 CPU every test holds
  // by default or not what the test declares. (A value the file gave is the manifest's declaration
  // on the next calibration, so "differs from the declaration" alone would drop it again.)
  bool writes_processors() const;
};

// What the build tree says about CPUs: each test's declared PROCESSORS (its manifest,
// mmtest/manifest.cmake, GoogleTest cases from their lists) and the CPU budget of its resource
// spec (mmtest/resource-spec.json). `problem` says why the manifest could not be read.
struct CpuDeclarations {
  struct Declared {
    std::uint64_t tenths = 10;
    bool fixed = false;
  };
  std::map<std::string, Declared, std::less<>> tests;
  std::optional<std::uint64_t> budget_tenths;
  std::optional<std::string> problem;
};
CpuDeclarations read_cpu_declarations(const std::filesystem::path& build_dir);

// The 95th percentile by nearest rank: the smallest value at least 95 % of the values do not exceed.
double percentile_95(std::vector<double> values);

// TIMEOUT for a 95th-percentile wall time: 3 × it, at least it + 10 s, rounded up to a multiple of
// 5 s below 60 s, of 30 s below 600 s and of 60 s from there.
std::uint64_t proposed_timeout_seconds(double wall_p95_seconds);

// One Calibration per test of `tests` (each test's runs newest first, as HistoryDb::recent_runs()),
// the CPUs judged against `cpus` (a test missing there declared 1 CPU, not fixed).
std::vector<Calibration> calibrate(const std::vector<std::pair<std::string, std::vector<PastRun>>>& tests,
                                   const CpuDeclarations& cpus = {});

// The table for the terminal, in 80 columns.
std::string render_calibration(std::span<const Calibration> calibrations, const std::string& history,
                               const std::optional<std::string>& cpu_problem = std::nullopt);

// The calibration file: a CMake script of mm_calibrated() calls, one per test with a proposal,
// in name order, so that it reads well in version control.
std::string calibration_file(std::span<const Calibration> calibrations, const std::string& history);

// `name` as a CMake bracket argument ([=[...]=] with enough '='), which keeps every character.
std::string cmake_bracket(const std::string& name);

}  // namespace mmtest::tool
