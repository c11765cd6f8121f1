#pragma once

// The renderers of `mmtest report`: each takes the one RunModel and returns the text it writes.
// One file each (render_<what>.cpp); none reads records or computes a figure of its own.

#include <cstddef>
#include <string>

#include "mmtest/tool/model.hpp"

namespace mmtest::tool {

struct TerminalStyle {
  bool color = false;        // ANSI colours: only when stdout is a terminal (and NO_COLOR is unset)
  std::size_t width = 80;    // every line fits, diagnoses are wrapped
  std::size_t top = 5;       // rows of the "most memory" and "longest" tables
  std::size_t list = 10;     // most rows of each declarations list ("and N more")
};

// The summary for a person in a hurry: counts, failures with their diagnoses, then the tables.
std::string render_terminal(const RunModel& model, const TerminalStyle& style);

// JUnit XML with one <testcase> per test and its figures as <property> elements.
std::string render_junit(const RunModel& model);

// Chrome Trace Event Format (JSON object form): tests as complete events ("X") on one thread per
// timeline lane, the run's concurrent memory as counter events ("C").
std::string render_trace(const RunModel& model);

// One self-contained HTML page: the data as JSON in the page, a small script that draws it.
std::string render_html(const RunModel& model);

// Prometheus text exposition format: mmtest_test_* per test, mmtest_run_* per run.
std::string render_prometheus(const RunModel& model);

}  // namespace mmtest::tool
