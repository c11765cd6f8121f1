// Prometheus metrics of a run, built with prometheus-cpp and written by its text serializer:
// mmtest_test_* per test (label "test"), mmtest_run_* for the run.
#include <algorithm>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "mmtest/tool/push.hpp"
#include "mmtest/tool/render.hpp"

namespace mmtest::tool {

std::shared_ptr<prometheus::Registry> build_registry(const RunModel& model) {
  using prometheus::BuildGauge;
  auto registry = std::make_shared<prometheus::Registry>();
  auto& peak = BuildGauge().Name("mmtest_test_peak_memory_bytes").Help("Peak memory of the test's process tree").Register(*registry);
  auto& limit = BuildGauge().Name("mmtest_test_memory_limit_bytes").Help("The test's declared MEMORY (its budget)").Register(*registry);
  auto& wall = BuildGauge().Name("mmtest_test_wall_seconds").Help("Wall time of the test").Register(*registry);
  auto& cpu = BuildGauge().Name("mmtest_test_cpu_seconds").Help("CPU time (user + system) of the test's processes").Register(*registry);
  auto& outcome = BuildGauge().Name("mmtest_test_outcome").Help("1 for the test's outcome (label outcome)").Register(*registry);
  auto& leaked = BuildGauge().Name("mmtest_test_leaked_processes").Help("Processes the test left running").Register(*registry);
  auto& grown = BuildGauge().Name("mmtest_test_regression").Help("1 when the test grew against its history (label what: memory or time)").Register(*registry);
  auto& attempts = BuildGauge().Name("mmtest_test_attempts").Help("Attempts of the test in its ctest run (ctest --repeat)").Register(*registry);
  auto& flaky = BuildGauge().Name("mmtest_test_flaky").Help("1 when the test passed after a failed attempt in its ctest run").Register(*registry);
  auto& cpu_peak = BuildGauge().Name("mmtest_test_cpu_peak").Help("Most CPUs the test's processes kept busy over a quarter second").Register(*registry);
  auto& cpus_reserved = BuildGauge().Name("mmtest_test_cpus_reserved").Help("CPUs CTest reserved for the test (0.3: three tenths of one)").Register(*registry);
  auto& cpu_misdeclared = BuildGauge().Name("mmtest_test_cpu_misdeclared").Help("1 when the test used more CPUs than it held (what=over) or held CPUs it did not use (what=idle)").Register(*registry);
  for (const TestResult& test : model.tests) {
    const record::Record& record = test.record;
    if (record.cpu_peak) cpu_peak.Add({{"test", record.name}}).Set(*record.cpu_peak);
    if (record.cpus_reserved) cpus_reserved.Add({{"test", record.name}}).Set(*record.cpus_reserved);
    if (test.cpu.fit == CpuFit::over || test.cpu.fit == CpuFit::idle) {
      cpu_misdeclared.Add({{"test", record.name}, {"what", to_string(test.cpu.fit)}}).Set(1);
    }
    const prometheus::Labels labels{{"test", record.name}};
    peak.Add(labels).Set(static_cast<double>(record.peak_memory_bytes));
    if (record.memory_limit_bytes) limit.Add(labels).Set(static_cast<double>(*record.memory_limit_bytes));
    wall.Add(labels).Set(record.wall_seconds);
    cpu.Add(labels).Set(record.cpu_seconds);
    outcome.Add({{"test", record.name}, {"outcome", record.outcome}}).Set(1);
    leaked.Add(labels).Set(static_cast<double>(record.leaked_processes.size()));
    for (const Regression& regression : test.regressions) grown.Add({{"test", record.name}, {"what", regression.what}}).Set(1);
    attempts.Add(labels).Set(static_cast<double>(test.earlier_attempts.size() + 1));
    flaky.Add(labels).Set(test.flaky() ? 1 : 0);
  }

  auto& tests = BuildGauge().Name("mmtest_run_tests").Help("Tests of the run by outcome").Register(*registry);
  for (const auto& [name, count] : model.outcome_counts()) tests.Add({{"outcome", name}}).Set(static_cast<double>(count));
  BuildGauge().Name("mmtest_run_seconds").Help("First test's start to last test's end").Register(*registry).Add({}).Set(model.run_seconds);
  BuildGauge().Name("mmtest_run_started_timestamp_seconds").Help("When the run's first test started (Unix time)").Register(*registry).Add({}).Set(model.run_started_unix);
  BuildGauge().Name("mmtest_run_peak_declared_memory_bytes").Help("Most declared MEMORY of tests running at once").Register(*registry).Add({}).Set(static_cast<double>(model.peak_declared.declared_bytes));
  BuildGauge().Name("mmtest_run_peak_measured_memory_bytes").Help("Most measured memory of tests running at once").Register(*registry).Add({}).Set(static_cast<double>(model.peak_measured.measured_bytes));
  if (model.budget_bytes) {
    BuildGauge().Name("mmtest_run_memory_budget_bytes").Help("The memory budget CTest scheduled against").Register(*registry).Add({}).Set(static_cast<double>(*model.budget_bytes));
  }
  std::size_t regressions = 0;
  for (const TestResult& test : model.tests) regressions += test.regressions.empty() ? 0 : 1;
  BuildGauge().Name("mmtest_run_regressions").Help("Tests that grew against their history").Register(*registry).Add({}).Set(static_cast<double>(regressions));
  const auto flaky_tests = std::ranges::count_if(model.tests, [](const TestResult& test) { return test.flaky(); });
  BuildGauge().Name("mmtest_run_flaky_tests").Help("Tests that passed after a failed attempt (ctest --repeat)").Register(*registry).Add({}).Set(static_cast<double>(flaky_tests));
  return registry;
}

std::string render_prometheus(const RunModel& model) {
  const auto registry = build_registry(model);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry->Collect());
  return out.str();
}

}  // namespace mmtest::tool
