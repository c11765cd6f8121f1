#include "mmtest/tool/commands.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fmt/format.h>
#include <functional>
#include <optional>

#include "mmtest/run/schedule.hpp"
#include "mmtest/run/units.hpp"
#include "mmtest/tool/history.hpp"
#include "mmtest/tool/model.hpp"
#include "mmtest/tool/output.hpp"
#include "mmtest/tool/render.hpp"
#include "mmtest/tool/report.hpp"

namespace mmtest::tool {
namespace {

constexpr const char* kUsage =
    "mmtest SUBCOMMAND [OPTIONS]\n\n"
    "What to do with mmtest's records after (and before) a ctest run.\n\n"
    "Subcommands:\n"
    "  report [DIR...]   summarise a run: terminal, --junit, --trace, --html, --prometheus FILE, --push URL\n"
    "  plan ...          the start-order planner the ctest-time hook runs (see mmtest plan --help)\n\n"
    "mmtest SUBCOMMAND --help describes each. Exit codes: 0 done; 1 plan: manifest unreadable or cost file\n"
    "not written; 2 usage error; 3 no records; 4 an output file cannot be written; 5 the history cannot be\n"
    "used; 6 the Pushgateway did not accept the metrics.\n";

int usage_error(std::ostream& err, std::string_view program, std::string_view message) {
  err << fmt::format("{}: {} (see {} --help)\n", program, message, program);
  return exit_code::kUsage;
}

// CLI11 reads a reversed vector; its errors become one usage line.
template <typename Run>
int parse_and_run(CLI::App& app, std::span<const std::string> args, std::ostream& out, std::ostream& err,
                  std::string_view program, Run&& run) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return exit_code::kDone;
  } catch (const CLI::ParseError& error) {
    return usage_error(err, program, error.what());
  }
  return run();
}

// ---- mmtest plan ----------------------------------------------------------------------------------

int plan_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  run::PlanHooks hooks;
  hooks.program = "mmtest plan";
  hooks.history = [](const std::filesystem::path& database,
                     std::span<const std::filesystem::path> records) -> std::expected<run::History, std::string> {
    auto db = HistoryDb::open(database);
    if (!db) return std::unexpected(db.error());
    // The records of the last run, before this run overwrites them (the problems are the
    // report's to tell; a record that cannot be read is not history).
    std::vector<run::Record> all;
    for (const auto& directory : records) {
      run::RecordSet set = run::read_record_directory(directory);
      std::ranges::move(set.records, std::back_inserter(all));
    }
    if (auto added = db->ingest(all); !added) return std::unexpected(added.error());
    return db->median_durations(kPlannerRuns);
  };
  return run::run_plan(args, out, err, hooks);
}

// ---- mmtest report --------------------------------------------------------------------------------

int report_command(std::span<const std::string> args, std::ostream& out, std::ostream& err, bool stdout_is_terminal) {
  constexpr std::string_view program = "mmtest report";
  CLI::App app{"mmtest report [DIR...] [OPTIONS]\n\n"
               "Summarises the records of a ctest run on the terminal and writes them as other formats.\n"
               "DIR is a build directory (records in DIR/mmtest-results) or a folder of records; several are\n"
               "merged into one report (a test in several counts once: its latest record). Default: '.'.",
               "mmtest report"};
  app.footer("Exit codes: 0 done; 2 usage error; 3 no records; 4 an output file cannot be written;\n"
             "5 the history cannot be used; 6 --push: the Pushgateway did not accept the metrics.");
  ReportOptions options;
  std::vector<std::string> dirs;
  std::string budget;
  std::string color = "auto";
  app.add_option("DIR", dirs, "Build directories or record folders")->type_name("DIR");
  app.add_option("--junit", options.junit, "Write JUnit XML with each test's figures as properties")->type_name("FILE");
  app.add_option("--trace", options.trace, "Write the run in Chrome Trace Event Format (Perfetto, chrome://tracing)")
      ->type_name("FILE");
  app.add_option("--html", options.html, "Write one self-contained HTML page: timeline, memory over time, tables")
      ->type_name("FILE");
  app.add_option("--prometheus", options.prometheus,
                 "Write the Prometheus text format (node_exporter's textfile collector)")
      ->type_name("FILE");
  app.add_option("--push", options.push_url, "Push the metrics to a Pushgateway at URL (http://host:port)")
      ->type_name("URL");
  app.add_option("--push-job", options.push_job, "The Pushgateway job name (default: mmtest)")->type_name("NAME");
  app.add_option("--history", options.history,
                 "History database: the records are added, and tests that grew against it are flagged\n"
                 "(default: MMTEST_HISTORY, else DIR/mmtest/history.sqlite of the first build directory)")
      ->type_name("FILE");
  app.add_flag("--no-history", options.no_history, "Neither read nor write a history");
  app.add_option("--budget", budget, "The memory budget to compare against (default: the run's resource spec)")
      ->type_name("SIZE");
  app.add_option("--color", color, "auto (only on a terminal, and not with NO_COLOR), always or never")
      ->type_name("WHEN");
  app.add_option("--top", options.style.top, "Rows of the largest-memory and longest tables (default: 5)")->type_name("N");
  app.add_flag("--quiet", options.quiet, "No summary on the terminal (files and --push only)");

  return parse_and_run(app, args, out, err, program, [&]() -> int {
    if (color == "always") options.style.color = true;
    else if (color == "never") options.style.color = false;
    else if (color == "auto") options.style.color = stdout_is_terminal && std::getenv("NO_COLOR") == nullptr;
    else return usage_error(err, program, fmt::format("--color: expected auto, always or never, got '{}'", color));
    if (!budget.empty()) {
      auto bytes = run::parse_size(budget);
      if (!bytes) return usage_error(err, program, fmt::format("--budget: expected a size like 512M or 2G, got '{}' ({})", budget, bytes.error()));
      options.budget_bytes = *bytes;
    }
    if (options.no_history && !options.history.empty()) return usage_error(err, program, "--history and --no-history exclude each other");
    if (dirs.empty()) dirs.emplace_back(".");
    for (const std::string& dir : dirs) options.dirs.emplace_back(dir);
    if (const char* from_environment = std::getenv("MMTEST_HISTORY"); options.history.empty() && from_environment != nullptr) {
      options.history = from_environment;
    }
    return run_report(options, out, err);
  });
}

}  // namespace

int run_tool(std::span<const std::string> args, std::ostream& out, std::ostream& err, bool stdout_is_terminal) {
  if (args.empty()) {
    err << kUsage;
    return exit_code::kUsage;
  }
  const std::string& command = args.front();
  const auto rest = args.subspan(1);
  if (command == "--help" || command == "-h" || command == "help") {
    out << kUsage;
    return exit_code::kDone;
  }
  if (command == "--version") {
    out << "mmtest " << MMTEST_VERSION << "\n";
    return exit_code::kDone;
  }
  if (command == "report") return report_command(rest, out, err, stdout_is_terminal);
  if (command == "plan") return plan_command(rest, out, err);
  return usage_error(err, "mmtest", fmt::format("unknown subcommand '{}'; expected report or plan", command));
}

}  // namespace mmtest::tool
