#pragma once

#include <expected>
#include <memory>
#include <string>

#include "mmtest/tool/model.hpp"

namespace prometheus {
class Registry;
}

#ifndef MMTEST_TOOL_PROMETHEUS
#define MMTEST_TOOL_PROMETHEUS 1
#endif

namespace mmtest::tool {

// Whether this build has prometheus-cpp, hence --prometheus and --push (cmake/Dependencies.cmake).
// Without it, the two functions below are not built and `mmtest report` refuses both options.
inline constexpr bool kWithPrometheus = MMTEST_TOOL_PROMETHEUS != 0;

// The metrics of a run (docs/tool.md, "Prometheus"): what --prometheus writes and --push sends.
std::shared_ptr<prometheus::Registry> build_registry(const RunModel& model);

// Pushes the run's metrics to the Pushgateway at `url` (http://host:port, an optional path
// prefix allowed) under job `job`, replacing that job's previous push. The error says why in one
// phrase ("cannot connect (is the Pushgateway running there?)", "HTTP 400").
std::expected<void, std::string> push_metrics(const RunModel& model, const std::string& url, const std::string& job);

}  // namespace mmtest::tool
