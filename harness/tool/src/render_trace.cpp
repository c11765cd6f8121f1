// The run in Chrome's Trace Event Format (the JSON object form Perfetto, chrome://tracing and
// CMake's own --profiling-output read): each test a complete event ("ph": "X") on the thread of
// its timeline lane, the run's concurrent memory a counter track ("ph": "C"). Times in µs.
#include <cmath>
#include <nlohmann/json.hpp>

#include "mmtest/tool/render.hpp"

namespace mmtest::tool {
namespace {

double microseconds(double seconds) { return std::round(seconds * 1e6); }
double mebibytes(std::uint64_t bytes) { return std::round(static_cast<double>(bytes) / (1 << 20) * 10) / 10; }

}  // namespace

std::string render_trace(const RunModel& model) {
  using nlohmann::json;
  constexpr int kPid = 1;
  json events = json::array();
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", kPid}, {"tid", 0}, {"args", {{"name", "mmtest run"}}}});
  for (std::size_t lane = 0; lane < model.lanes; ++lane) {
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", kPid}, {"tid", lane + 1},
                      {"args", {{"name", "lane " + std::to_string(lane + 1)}}}});
  }
  for (const TestResult& test : model.tests) {
    const record::Record& record = test.record;
    json args = {{"outcome", record.outcome},
                 {"peak_memory_bytes", record.peak_memory_bytes},
                 {"memory_limit_bytes", record.memory_limit_bytes ? json(*record.memory_limit_bytes) : json(nullptr)},
                 {"wall_seconds", record.wall_seconds},
                 {"started_at", record.started_at}};
    if (record.diagnosis) args["diagnosis"] = *record.diagnosis;
    if (!test.earlier_attempts.empty()) {
      args["attempt"] = record.attempt;
      args["flaky"] = test.flaky();
      args["attempts"] = attempt_summary(test);
    }
    events.push_back({{"name", record.name},
                      {"cat", test.flaky() ? std::string("flaky") : record.outcome},
                      {"ph", "X"},
                      {"ts", microseconds(test.start_seconds)},
                      {"dur", microseconds(test.end_seconds - test.start_seconds)},
                      {"pid", kPid},
                      {"tid", test.lane + 1},
                      {"args", args}});
  }
  for (const MemoryStep& step : model.memory) {
    json args = {{"declared_mib", mebibytes(step.declared_bytes)}, {"measured_mib", mebibytes(step.measured_bytes)}};
    if (model.budget_bytes) args["budget_mib"] = mebibytes(*model.budget_bytes);
    events.push_back({{"name", "memory"}, {"ph", "C"}, {"ts", microseconds(step.seconds)}, {"pid", kPid}, {"args", args}});
  }
  json trace = {{"traceEvents", std::move(events)},
                {"displayTimeUnit", "ms"},
                {"otherData", {{"generator", "mmtest report"}, {"tests", model.tests.size()}}}};
  return trace.dump(1) + "\n";
}

}  // namespace mmtest::tool
