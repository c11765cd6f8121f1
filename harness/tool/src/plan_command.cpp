// `mmtest plan`: the command the ctest-time hook runs before CTest starts any test. It reads the
// manifest, takes durations from the history (or the last run's records), asks the planner
// (mmtest::plan) for a start order and writes it into CTest's cost file, with one summary line.

#include "mmtest/tool/plan_command.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <fmt/format.h>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/common/units.hpp"
#include "mmtest/plan/cost_file.hpp"
#include "mmtest/plan/plan.hpp"
#include "mmtest/record/record.hpp"
#include "mmtest/tool/history.hpp"

namespace mmtest::tool {
namespace {

using namespace mmtest::plan;

struct RawPlanOptions {
  std::optional<std::string> manifest, budget_mib, cpus, cost_data, jobs, search_ms, max_evaluations;
  std::vector<std::string> records;
  std::string history;
};

struct PlanOptions {
  std::filesystem::path manifest;
  std::vector<std::filesystem::path> records;
  std::uint64_t budget_mib = 0;
  std::filesystem::path cost_data;
  std::optional<std::size_t> jobs;
  std::optional<std::size_t> cpus;
  SearchLimits search;  // its defaults unless --search-ms / --max-evaluations
};

struct UsageError {
  std::string message;
};

std::expected<std::uint64_t, UsageError> positive(const std::string& text, std::string_view option, std::string_view what) {
  auto count = parse_count(text);
  if (!count || *count == 0) {
    return std::unexpected(UsageError{fmt::format("{}: expected a positive whole number {}, got '{}'", option, what, text)});
  }
  return *count;
}

std::expected<PlanOptions, UsageError> validate(const RawPlanOptions& raw) {
  if (!raw.manifest) return std::unexpected(UsageError{"missing --manifest FILE"});
  if (!raw.budget_mib) return std::unexpected(UsageError{"missing --budget-mib N"});
  if (!raw.cost_data) return std::unexpected(UsageError{"missing --cost-data FILE"});
  PlanOptions options;
  if (raw.manifest->empty()) return std::unexpected(UsageError{"--manifest: expected a file path, got ''"});
  options.manifest = *raw.manifest;
  for (const std::string& directory : raw.records) {
    if (directory.empty()) return std::unexpected(UsageError{"--records: expected a directory, got ''"});
    options.records.emplace_back(directory);
  }
  auto budget = positive(*raw.budget_mib, "--budget-mib", "of MiB");
  if (!budget) return std::unexpected(budget.error());
  options.budget_mib = *budget;
  if (raw.cost_data->empty()) return std::unexpected(UsageError{"--cost-data: expected a file path, got ''"});
  options.cost_data = *raw.cost_data;
  if (raw.cpus) {
    auto cpus = positive(*raw.cpus, "--cpus", "of CPUs");
    if (!cpus) return std::unexpected(cpus.error());
    options.cpus = static_cast<std::size_t>(*cpus);
  }
  if (raw.jobs) {
    auto jobs = positive(*raw.jobs, "--jobs", "of job slots");
    if (!jobs) return std::unexpected(jobs.error());
    options.jobs = static_cast<std::size_t>(*jobs);
  }
  if (raw.search_ms) {
    auto milliseconds = parse_count(*raw.search_ms);
    if (!milliseconds || *milliseconds > 3'600'000) {
      return std::unexpected(UsageError{fmt::format("--search-ms: expected whole milliseconds up to 3600000, got '{}'", *raw.search_ms)});
    }
    options.search.time = std::chrono::milliseconds{static_cast<std::int64_t>(*milliseconds)};
  }
  if (raw.max_evaluations) {
    auto evaluations = positive(*raw.max_evaluations, "--max-evaluations", "of simulations");
    if (!evaluations) return std::unexpected(evaluations.error());
    options.search.max_evaluations = static_cast<std::size_t>(*evaluations);
  }
  return options;
}

std::string plural(std::size_t count, std::string_view singular, std::string_view several) {
  return fmt::format("{} {}", count, count == 1 ? singular : several);
}

// "; ..." for each kind of manifest entry left out, so that the summary accounts for every test.
std::string left_out_notes(const Selection& selection, std::size_t malformed_lines) {
  std::string notes;
  if (selection.above_budget > 0) {
    notes += fmt::format("; {} above the budget left out (CTest will not run them)",
                         plural(selection.above_budget, "test", "tests"));
  }
  if (selection.unwritable_names > 0) {
    notes += selection.unwritable_names == 1
                 ? std::string("; 1 test with a name CTest's cost file cannot hold keeps its COST property")
                 : fmt::format("; {} tests with names CTest's cost file cannot hold keep their COST property",
                               selection.unwritable_names);
  }
  if (selection.repeated > 0) {
    notes += fmt::format("; {} of a test name skipped (the first one counts)",
                         plural(selection.repeated, "repeated entry", "repeated entries"));
  }
  if (malformed_lines > 0) {
    notes += fmt::format("; {} skipped", plural(malformed_lines, "malformed manifest line", "malformed manifest lines"));
  }
  return notes;
}

// The records of the last run added to the history (before this run overwrites them), then each
// test's median duration over its last runs there. A record that cannot be read is not history:
// the problems are the report's to tell.
std::expected<MeasuredDurations, std::string> durations_from_history(const std::filesystem::path& database,
                                                                     std::span<const std::filesystem::path> records,
                                                                     std::vector<std::string>& unreadable) {
  auto db = HistoryDb::open(database);
  if (!db) return std::unexpected(db.error());
  std::vector<record::Record> all;
  for (const auto& directory : records) {
    record::RecordSet set = record::read_record_directory(directory);
    if (set.unreadable) unreadable.push_back(std::move(*set.unreadable));
    std::ranges::move(set.records, std::back_inserter(all));
  }
  if (auto added = db->ingest(all); !added) return std::unexpected(added.error());
  return db->median_durations(kPlannerRuns);
}

}  // namespace

int plan_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::string program = "mmtest plan";
  CLI::App app{program + " --manifest FILE --budget-mib N --cost-data FILE [--cpus N] [--records DIR]...\n"
               "       [--jobs N] [--search-ms MS] [--max-evaluations N]\n\n"
               "Chooses the order in which CTest starts the tests of the manifest and writes it into CTest's cost\n"
               "file, which CTest reads for tests whose COST is 0 when it runs tests in parallel (-j > 1). When a\n"
               "test needs 1/8 of the budget, the order is searched by simulating CTest's scheduler with the last\n"
               "run's durations (--records), else the timeouts; otherwise tests start by memory x timeout.",
               program};
  app.footer("Exit codes: 0 done (also when there is nothing to plan); 1 manifest unreadable or cost file not written;\n"
             "2 usage error.");
  RawPlanOptions raw;
  app.add_option("--history", raw.history,
                 "History database (SQLite): the records are added to it first, and a test's duration is the\n"
                 "median of its last runs there rather than the last run alone")
      ->type_name("FILE");
  app.add_option("--manifest", raw.manifest, "The tests' memory needs and timeouts, written at configure time")
      ->type_name("FILE");
  app.add_option("--budget-mib", raw.budget_mib, "The memory budget CTest schedules against, in MiB")->type_name("N");
  app.add_option("--cost-data", raw.cost_data,
                 "CTest's cost file to update, Testing/Temporary/CTestCostData.txt; other tests' lines are kept")
      ->type_name("FILE");
  app.add_option("--records", raw.records,
                 "Directory of mmtest-run's JSON records, read only when some test is heavy; repeatable; may not exist")
      ->type_name("DIR")
      ->allow_extra_args(false);
  app.add_option("--cpus", raw.cpus, "The CPU budget CTest schedules against (resource mmtest_cpus; default: no limit)")
      ->type_name("N");
  app.add_option("--jobs", raw.jobs, "CTest's -j: most tests at once (default: no limit)")->type_name("N");
  app.add_option("--search-ms", raw.search_ms, "Time limit of the search in milliseconds (default: 200)")->type_name("MS");
  app.add_option("--max-evaluations", raw.max_evaluations,
                 "Most simulated orders of the search (default: 2000). The first limit reached ends the search;\n"
                 "ended by this one, the same inputs give the same plan")
      ->type_name("N");

  const auto usage_error = [&err, &program](std::string_view message) {
    err << fmt::format("{}: {} (see {} --help)\n", program, message, program);
    return 2;
  };
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes a reversed vector
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ParseError& error) {
    return usage_error(error.what());
  }
  auto validated = validate(raw);
  if (!validated) return usage_error(validated.error().message);
  const PlanOptions& options = *validated;

  auto manifest = read_manifest(options.manifest);
  if (!manifest) {
    err << fmt::format("{}: cannot read the manifest: {}\n", program, manifest.error());
    return 1;
  }
  const std::size_t unlisted = add_listed_cases(*manifest);
  const Selection selection = select_tests(manifest->tests, options.budget_mib, options.cpus);
  std::string notes = left_out_notes(selection, manifest->malformed_lines);
  if (unlisted > 0) {
    notes += fmt::format("; the cases of {} not planned (not discovered yet)",
                         plural(unlisted, "GoogleTest target", "GoogleTest targets"));
  }
  if (selection.tests.empty()) {
    // Nothing of ours to put in the file: CTest's own content stays as it is.
    out << fmt::format("mmtest: no test to plan for the {} MiB budget; cost file left as it was{}\n", options.budget_mib,
                       notes);
    return 0;
  }

  std::optional<MeasuredDurations> history;
  std::vector<std::string> unreadable;  // records folders that exist but could not be listed
  if (!raw.history.empty()) {
    auto from_history = durations_from_history(raw.history, options.records, unreadable);
    if (from_history) {
      history = std::move(*from_history);
      notes += "; durations from the history";
    } else {
      notes += fmt::format("; history not used ({})", from_history.error());
    }
  }
  if (!history && !options.records.empty()) history = read_last_durations(options.records, &unreadable);
  // Never zero records without a word: a folder that could not be read is named in the line.
  for (const std::string& why : unreadable) notes += fmt::format("; {}", why);
  const OrderPlan plan =
      plan_order_from(selection.tests, options.budget_mib, options.jobs, options.search, history, options.cpus);
  std::vector<CostLine> lines;
  lines.reserve(plan.order.size());
  for (std::size_t position = 0; position < plan.order.size(); ++position) {
    lines.push_back({selection.tests[plan.order[position]].name, plan.costs[position]});
  }
  const auto not_written = [&](const std::string& message) {
    err << fmt::format("{}: cannot write the cost file '{}': {}\n", program, options.cost_data.string(), message);
    return 1;
  };
  auto existing = read_cost_file(options.cost_data);
  if (!existing) return not_written(existing.error());
  if (auto written = write_cost_file(options.cost_data, merge_cost_data(*existing, lines)); !written) {
    return not_written(written.error());
  }

  const std::string tests = plural(plan.order.size(), "test", "tests");
  std::string budgets = fmt::format("the {} MiB budget", options.budget_mib);
  if (options.cpus) budgets += fmt::format(" and {} CPU{}", *options.cpus, *options.cpus == 1 ? "" : "s");
  if (options.jobs) budgets += fmt::format(" and -j {}", *options.jobs);
  const std::string durations =
      fmt::format("durations: {} measured, {} from timeouts", plan.measured, plan.order.size() - plan.measured);
  if (!plan.search) {
    out << fmt::format("mmtest: start order of {} planned for {}: largest first ({}){}\n", tests, budgets, durations,
                       notes);
    return 0;
  }
  const SearchResult& search = *plan.search;
  out << fmt::format("mmtest: start order of {} planned for {}: {} ordered by simulating CTest ({}), "
                     "{:.1f} s against {:.1f} s largest first{}\n",
                     tests, budgets, plural(search.heavy_tests, "heavy test", "heavy tests"), durations,
                     search.makespan_seconds, search.area_makespan_seconds, notes);
  return 0;
}

}  // namespace mmtest::tool
