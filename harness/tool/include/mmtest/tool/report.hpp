#pragma once

// `mmtest report`: read the inputs once into a RunModel (with the history), then hand it to each
// renderer asked for.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "mmtest/tool/history.hpp"
#include "mmtest/tool/model.hpp"
#include "mmtest/tool/render.hpp"

namespace mmtest::tool {

struct ReportOptions {
  std::vector<std::filesystem::path> dirs;
  std::string junit, trace, html, prometheus;  // empty: not written
  std::string push_url;
  std::string push_job = "mmtest";
  std::string history;                         // empty: the default of the first build directory
  bool no_history = false;
  std::optional<std::uint64_t> budget_bytes;
  bool quiet = false;
  bool flaky = false;          // --flaky: the flakiest tests over their recent runs (the history)
  bool fail_on_flaky = false;  // --fail-on-flaky: exit 8 when a test of this run is flaky
  TerminalStyle style;
};

// Adds the model's records to the history, then flags each test that grew against its earlier
// runs there (judge_growth()).
std::expected<void, std::string> apply_history(RunModel& model, HistoryDb& history);

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace mmtest::tool
