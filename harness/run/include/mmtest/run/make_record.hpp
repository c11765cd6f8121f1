#pragma once

// The launcher's side of the record: the JSON it writes from what it was asked (Options), what it
// observed (Supervision) and how it judged it (Verdict). The format and the atomic file are the
// record library's (mmtest/record/record.hpp).

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mmtest/record/record.hpp"
#include "mmtest/run/classify.hpp"
#include "mmtest/run/options.hpp"
#include "mmtest/run/supervision.hpp"

namespace mmtest::run {

struct RecordContext {
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point finished_at;
  std::string limit_mode;          // "sample" or "cgroup"
  std::string limit_mode_reason;   // why that mode was chosen
  std::string tmpdir;
  std::optional<std::vector<int>> pinned_cpus;  // the CPUs the test ran on when --pin-cpus took effect
  std::string ctest_run;           // the ctest run's id (record/attempts.hpp); empty outside one
  int attempt = 1;                 // this test's attempt within that run
};

// The JSON result record (docs/launcher.md, "The record").
nlohmann::json make_record(const Options& options, const Supervision& run, const Verdict& verdict,
                           const RecordContext& context);

}  // namespace mmtest::run
