#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::record {

// The per-case results file: mmtest-run points MMTEST_RUN_CASES_FILE at it, in the test's private
// TMPDIR, and a GoogleTest program running mmtest's listener (mmtest::gtest) appends one JSON
// object per line to it, each line with a single write(2) on an O_APPEND descriptor:
//
//   {"event":"program","pid":P,...}                   the listener is running (first line)
//   {"event":"start","pid":P,"case":"S.N","rss_bytes":R}
//   {"event":"end","pid":P,"case":"S.N","outcome":"passed","wall_seconds":W,"rss_start_bytes":R0,
//    "peak_rss_bytes":H|null,"growth_bytes":G,"leaked_series":L}
//   {"event":"guard","pid":P,"case":"S.N"|null,"rss_bytes":R,"limit_bytes":B,"case_growth_bytes":G|null}
//                                                     the listener's memory guard stopped the run
//
// A kill leaves at most one incomplete last line, which is ignored like any line that does not
// parse. Only lines of the first pid seen count: a GoogleTest program started by the test would
// otherwise mix its cases in (the listener also removes the variable from its own environment).
inline constexpr std::string_view kCasesFile = "mmtest-cases.jsonl";

struct CaseResult {
  std::string name;                      // "Suite.Case"
  std::string outcome;                   // "passed", "failed", "skipped"
  double wall_seconds = 0;
  std::uint64_t rss_start_bytes = 0;     // the program's RSS when the case started
  std::optional<std::uint64_t> peak_rss_bytes;  // its RSS high-water mark during the case
  std::int64_t growth_bytes = 0;         // RSS at its end minus RSS at its start
  std::uint64_t leaked_series = 0;       // series added to watched registries and not removed
};

// A case that started and did not end: the run stopped while it was running.
struct RunningCase {
  std::string name;
  std::uint64_t rss_start_bytes = 0;
};

// The listener's memory guard stopped the program (it exits with status 120).
struct MemoryGuardStop {
  std::optional<std::string> case_name;  // the case running, or just ended, when it fired
  std::uint64_t rss_bytes = 0;
  std::uint64_t limit_bytes = 0;
  std::optional<std::int64_t> case_growth_bytes;  // that case's growth so far
};

struct CaseLog {
  std::vector<CaseResult> finished;      // in the order they ended
  std::optional<RunningCase> running;
  std::optional<MemoryGuardStop> guard;

  bool empty() const { return finished.empty() && !running && !guard; }
};

// Reads the file's text. Never fails: what cannot be read is left out.
CaseLog parse_case_log(std::string_view text);

// The case that grew memory most, for a diagnosis: the largest positive growth among the finished
// cases and, when `running_growth_bytes` is given, the running case's growth so far.
struct BiggestGrowth {
  std::string name;
  std::int64_t growth_bytes = 0;
  bool running = false;
};
std::optional<BiggestGrowth> biggest_growth(const CaseLog& log, std::optional<std::int64_t> running_growth_bytes);

}  // namespace mmtest::record
