#include "mmtest/run/make_record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <fmt/format.h>

#include "mmtest/run/cpu.hpp"
#include "mmtest/common/format.hpp"
#include "mmtest/common/units.hpp"

namespace mmtest::run {

nlohmann::json make_record(const Options& options, const Supervision& run, const Verdict& verdict,
                           const RecordContext& context) {
  using nlohmann::json;
  const auto or_null = [](const auto& optional) -> json { return optional ? json(*optional) : json(nullptr); };

  json leaked = json::array();
  for (const LeakedProcess& process : run.leaked) leaked.push_back({{"pid", process.pid}, {"command", process.command}});

  std::optional<std::string> signal;
  if (verdict.outcome == Outcome::interrupted && run.launcher_signal) signal = signal_name(*run.launcher_signal);
  else if (run.term_signal) signal = signal_name(*run.term_signal);

  json cases = json::array();
  for (const record::CaseResult& result : run.cases.finished) {
    cases.push_back({{"name", result.name},
                     {"outcome", result.outcome},
                     {"wall_seconds", result.wall_seconds},
                     {"rss_start_bytes", result.rss_start_bytes},
                     {"peak_rss_bytes", or_null(result.peak_rss_bytes)},
                     {"growth_bytes", result.growth_bytes},
                     {"leaked_series", result.leaked_series}});
  }
  if (run.cases.running) {
    cases.push_back({{"name", run.cases.running->name},
                     {"outcome", "unfinished"},
                     {"wall_seconds", nullptr},
                     {"rss_start_bytes", run.cases.running->rss_start_bytes},
                     {"peak_rss_bytes", nullptr},
                     {"growth_bytes", nullptr},
                     {"leaked_series", nullptr}});
  }
  json memory_guard = nullptr;
  if (const auto& guard = run.cases.guard) {
    memory_guard = {{"case", or_null(guard->case_name)},
                    {"rss_bytes", guard->rss_bytes},
                    {"limit_bytes", guard->limit_bytes},
                    {"case_growth_bytes", or_null(guard->case_growth_bytes)}};
  }

  // [seconds since start, bytes]: compact, and the order of the two is documented.
  json samples = json::array();
  for (const MemorySeries::Point& point : run.memory_samples) {
    samples.push_back(json::array({std::round(point.seconds * 1000) / 1000, point.bytes}));
  }

  std::optional<double> timeout_seconds;
  if (options.timeout) timeout_seconds = to_seconds(*options.timeout);

  return json{
      {"schema_version", record::kRecordSchemaVersion},
      {"name", options.name},
      {"command", options.command},
      {"labels", options.labels},
      {"ctest_run", context.ctest_run.empty() ? json(nullptr) : json(context.ctest_run)},
      {"attempt", context.attempt},
      {"outcome", to_string(verdict.outcome)},
      {"exit_code", or_null(run.exit_code)},
      {"signal", or_null(signal)},
      {"launcher_exit_code", reported_exit_status(verdict)},
      {"diagnosis", or_null(verdict.diagnosis)},
      {"wall_seconds", to_seconds(run.wall_time)},
      {"cpu_seconds", run.cpu_seconds},
      {"cpu_wait_seconds", or_null(run.cpu_wait_seconds)},
      {"starved", run.cpu_wait_seconds &&
                      is_starved(*run.cpu_wait_seconds, to_seconds(run.wall_time), run.cpu_seconds, options.cpus_reserved)},
      {"cpu_peak", run.cpu_peak ? json(std::ceil(*run.cpu_peak * 100) / 100) : json(nullptr)},  // up: never below the mean
      {"cpus_reserved", or_null(options.cpus_reserved)},
      {"cpus_allocated", options.allocated_cpus},
      {"pinned_cpus", or_null(context.pinned_cpus)},
      {"peak_memory_bytes", run.peak_memory_bytes},
      {"peak_memory_source", run.peak_memory_source},
      {"memory_limit_bytes", or_null(options.memory_limit_bytes)},
      {"memory_declared", !options.memory_is_default},
      {"limit_mode", context.limit_mode},
      {"limit_mode_reason", context.limit_mode_reason},
      {"timeout_seconds", or_null(timeout_seconds)},
      {"max_processes_seen", run.max_processes_seen},
      {"leaked_processes", leaked},
      {"tmpdir", context.tmpdir},
      {"warnings", run.warnings},
      {"cases", cases},
      {"memory_guard", memory_guard},
      {"started_at", record::rfc3339(context.started_at)},
      {"finished_at", record::rfc3339(context.finished_at)},
      {"memory_samples", samples},
  };
}

}  // namespace mmtest::run
