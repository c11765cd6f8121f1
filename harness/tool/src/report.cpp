#include "mmtest/tool/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join: in <fmt/format.h> up to fmt 10, only here from fmt 11

#include "mmtest/tool/commands.hpp"
#include "mmtest/tool/output.hpp"
#include "mmtest/tool/push.hpp"

namespace mmtest::tool {

std::expected<void, std::string> apply_history(RunModel& model, HistoryDb& history) {
  std::vector<const record::Record*> records;
  records.reserve(model.tests.size());
  for (const TestResult& test : model.tests) records.push_back(&test.record);
  // Every attempt is history, the earlier ones of a --repeat too; growth is judged on the last.
  std::vector<const record::Record*> every_attempt = records;
  for (const TestResult& test : model.tests) {
    for (const record::Record& earlier : test.earlier_attempts) every_attempt.push_back(&earlier);
  }
  if (auto added = history.ingest(every_attempt); !added) return std::unexpected(added.error());
  const std::vector<std::vector<PastRun>> earlier_runs = history.earlier_runs(records, kBaselineRuns);
  for (std::size_t i = 0; i < model.tests.size(); ++i) {
    TestResult& test = model.tests[i];
    // A test that used more CPUs than it held may hold less on purpose: the hook's own reading.
    if (test.cpu.fit == CpuFit::over) {
      explain_held_less(test.cpu, test.record, history.cpu_use_before(test.record, plan::kHoldingRuns));
    }
    const auto growth = judge_growth(test.record, earlier_runs[i]);
    if (!growth) continue;
    if (growth->memory) {
      test.regressions.push_back({"memory", static_cast<double>(test.record.peak_memory_bytes), growth->median_peak_bytes,
                                  growth->earlier_runs});
    }
    if (growth->time) {
      test.regressions.push_back({"time", test.record.wall_seconds, growth->median_wall_seconds, growth->earlier_runs});
    }
  }
  model.history = history.path().string();
  return {};
}

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<Input> inputs;
  for (const auto& dir : options.dirs) {
    auto input = resolve_input(dir);
    if (!input) {
      err << fmt::format("mmtest report: {}\n", input.error());
      return exit_code::kNoRecords;
    }
    inputs.push_back(std::move(*input));
  }
  RunModel model = build_model(inputs, {options.budget_bytes});
  for (const std::string& folder : model.unreadable_folders) err << fmt::format("mmtest report: {}\n", folder);
  for (const std::string& problem : model.problems) err << fmt::format("mmtest report: skipped record {}\n", problem);
  if (model.tests.empty()) {
    std::vector<std::string> where;
    for (const Input& input : model.inputs) where.push_back(input.records.string());
    err << fmt::format("mmtest report: no records in {}; run ctest there first (tests declared with add_mm_test write "
                       "them), or give the build directory or records folder\n",
                       fmt::join(where, ", "));
    return exit_code::kNoRecords;
  }

  std::vector<FlakeRate> flakiest;
  if (!options.no_history) {
    std::optional<std::filesystem::path> path;
    if (!options.history.empty()) path = options.history;
    else if (model.inputs.front().build_dir) path = default_history_path(*model.inputs.front().build_dir);
    if (path) {
      auto history = HistoryDb::open(*path);
      if (!history) {
        err << fmt::format("mmtest report: {}\n", history.error());
        return exit_code::kHistoryUnusable;
      }
      if (auto applied = apply_history(model, *history); !applied) {
        err << fmt::format("mmtest report: {}\n", applied.error());
        return exit_code::kHistoryUnusable;
      }
      if (options.flaky) flakiest = history->flake_rates(kFlakeRuns);
    }
  }

  // Every file is rendered from the same model and written atomically: on an error, the files
  // written before it are complete and the one that failed is not there at all.
  const std::pair<const std::string*, std::function<std::string(const RunModel&)>> files[] = {
      {&options.junit, render_junit},
      {&options.trace, render_trace},
      {&options.html, render_html},
#if MMTEST_TOOL_PROMETHEUS
      {&options.prometheus, render_prometheus},
#endif
  };
  const char* flags[] = {"--junit", "--trace", "--html", "--prometheus"};
  for (std::size_t i = 0; i < std::size(files); ++i) {
    if (files[i].first->empty()) continue;
    if (auto written = write_file_atomically(*files[i].first, files[i].second(model)); !written) {
      err << fmt::format("mmtest report: {} {}: not written: {}; choose a writable path\n", flags[i], *files[i].first,
                         written.error());
      return exit_code::kOutputNotWritten;
    }
  }
  if (!options.quiet) out << render_terminal(model, options.style);
  if (options.flaky && !options.quiet) {
    std::erase_if(flakiest, [](const FlakeRate& rate) { return rate.flaky_runs == 0; });
    out << fmt::format("\nFlakiest tests, over the last {} ctest runs of each in {} ({})\n", kFlakeRuns, model.history.value_or("the history"),
                       flakiest.size());
    if (flakiest.empty()) out << "  none: no test failed and then passed within one ctest run\n";
    for (std::size_t i = 0; i < flakiest.size() && i < options.style.list; ++i) {
      const FlakeRate& rate = flakiest[i];
      out << fmt::format("  {:>3.0f}%  {} of {} runs flaky  {}\n", 100 * rate.rate(), rate.flaky_runs, rate.runs, rate.name);
    }
    if (flakiest.size() > options.style.list) out << fmt::format("  ... and {} more\n", flakiest.size() - options.style.list);
  }
#if MMTEST_TOOL_PROMETHEUS
  if (!options.push_url.empty()) {
    if (auto pushed = push_metrics(model, options.push_url, options.push_job); !pushed) {
      err << fmt::format("mmtest report: --push {}: {}\n", options.push_url, pushed.error());
      return exit_code::kPushFailed;
    }
  }
#endif
  // nextest's flaky-result = "fail": a flaky test makes the run fail, once everything is written.
  if (options.fail_on_flaky) {
    const auto flaky = std::ranges::count_if(model.tests, [](const TestResult& test) { return test.flaky(); });
    if (flaky > 0) {
      err << fmt::format("mmtest report: {} flaky test{} (--fail-on-flaky): passed only after a failed attempt\n", flaky,
                         flaky == 1 ? "" : "s");
      return exit_code::kFlaky;
    }
  }
  return exit_code::kDone;
}

}  // namespace mmtest::tool
