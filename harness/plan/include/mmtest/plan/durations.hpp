#pragma once

// How long each test is expected to take: measured in earlier runs (the records of the last run,
// or medians from the history the tool keeps), else estimated from the declared timeouts.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include <functional>

#include "mmtest/plan/manifest.hpp"

namespace mmtest::plan {

// ---- the history: how long each test took last time ---------------------------------------------

struct Measurement {
  double wall_seconds = 0;
  std::string finished_at;  // RFC 3339 UTC, compares as a string
};

// Test name -> its latest record (by finished_at) among every `*.json` file directly in the
// directories. Missing directories, unreadable files and records without the fields are skipped; a
// directory that exists but cannot be listed is skipped and named in `unreadable` (why, too).
// Holds durations however they were measured: the history's medians come in the same map.
using MeasuredDurations = std::map<std::string, Measurement, std::less<>>;
MeasuredDurations read_last_durations(std::span<const std::filesystem::path> directories,
                                      std::vector<std::string>* unreadable = nullptr);

// A record's name and measurement, or nullopt when the text is not such a record.
std::optional<std::pair<std::string, Measurement>> parse_record(std::string_view text);

// ---- durations and the plan ----------------------------------------------------------------------

// Each test's declared timeout in seconds. A test without one (0: a manifest written before
// timeouts were recorded there) gets the median of the others' timeouts, the likeliest value; when
// no test has one, mmtest's built-in default timeout (300 s): any constant then keeps the memory
// order, and that one keeps the costs near the scale of COST properties set at configure time.
std::vector<double> timeout_seconds(std::span<const ManifestTest> tests);

struct Durations {
  std::vector<double> seconds;  // one per test
  std::size_t measured = 0;     // how many come from the history; the others from timeouts
};

// The durations to simulate: a test with a record takes its last wall time; one without takes
// its timeout (timeout_seconds()) × the median over measured tests of wall time / timeout, so that
// new tests are estimated on the scale of the measured ones (tests rarely use their whole
// timeout). Without any measured test, the timeouts as they are.
Durations estimate_durations(std::span<const ManifestTest> tests, const MeasuredDurations& history);

}  // namespace mmtest::plan
