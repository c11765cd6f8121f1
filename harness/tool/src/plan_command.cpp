// `mmtest plan`: the command the ctest-time hook runs before CTest starts any test. With
// --spec-file it first sets the run's budgets (given, or measured on this machine), writes CTest's
// resource spec and names the tests that can never run under it and a -j that would run them one
// at a time. Then it reads the manifest, takes durations from the history (or the last run's
// records), asks the planner (mmtest::plan) for a start order and writes it into CTest's cost
// file, with one summary line. With --cpu-demand-file it also learns each test's CPU demand from
// the history and writes the CPU groups the hook gives the tests whose demand differs from their
// declaration (docs/user-guide.md, "CPUs: declared, learned, calibrated").

#include "mmtest/tool/plan_command.hpp"

#include <unistd.h>

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
#include "mmtest/plan/budget.hpp"
#include "mmtest/plan/cost_file.hpp"
#include "mmtest/plan/cpu_demand.hpp"
#include "mmtest/plan/ctest_invocation.hpp"
#include "mmtest/plan/plan.hpp"
#include "mmtest/plan/resource_spec.hpp"
#include "mmtest/record/environment.hpp"
#include "mmtest/record/record.hpp"
#include "mmtest/tool/commands.hpp"
#include "mmtest/tool/history.hpp"

namespace mmtest::tool {
namespace {

using namespace mmtest::plan;

struct RawPlanOptions {
  std::optional<std::string> manifest, budget_mib, cpus, cost_data, jobs, search_ms, max_evaluations;
  std::optional<std::string> spec_file, cache_budget, cache_cpus, ctest_version, cpu_demand_file, learn_cpu;
  std::optional<std::string> cpu_overcommit;
  std::vector<std::string> records;
  std::string history;
  bool budgets_only = false;
};

struct PlanOptions {
  std::optional<std::filesystem::path> spec_file;  // set the budgets and write the spec first
  std::optional<std::filesystem::path> cpu_demand_file;  // learn CPU demand, write the hook's groups
  bool learn_cpu = true;                                 // MMTEST_LEARN_CPU (environment, else cache)
  std::uint64_t overcommit_tenths = kDefaultOvercommitTenths;  // MMTEST_CPU_OVERCOMMIT, likewise
  std::string cache_budget, cache_cpus;           // the build tree's MMTEST_MEMORY_BUDGET, MMTEST_CPU_BUDGET
  std::optional<std::string> ctest_version;       // the parent process is this ctest
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

// CMake's truth values for a switch the user sets: ON/OFF, 1/0, TRUE/FALSE, YES/NO (any case).
std::optional<bool> parse_switch(std::string_view text) {
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "on" || lower == "1" || lower == "true" || lower == "yes") return true;
  if (lower == "off" || lower == "0" || lower == "false" || lower == "no") return false;
  return std::nullopt;
}

std::expected<PlanOptions, UsageError> validate(const RawPlanOptions& raw) {
  PlanOptions options;
  if (raw.spec_file && raw.spec_file->empty()) return std::unexpected(UsageError{"--spec-file: expected a file path, got ''"});
  if (raw.spec_file) options.spec_file = *raw.spec_file;
  if (raw.spec_file || raw.budgets_only) {
    if (raw.budget_mib || raw.cpus) {
      return std::unexpected(UsageError{fmt::format("{} sets the budgets itself: leave out --budget-mib and --cpus",
                                                    raw.budgets_only ? "--budgets" : "--spec-file")});
    }
  }
  if (raw.cpu_demand_file) {
    if (raw.cpu_demand_file->empty()) return std::unexpected(UsageError{"--cpu-demand-file: expected a file path, got ''"});
    if (!raw.spec_file) return std::unexpected(UsageError{"--cpu-demand-file needs --spec-file: the groups follow the spec"});
    options.cpu_demand_file = *raw.cpu_demand_file;
  }
  // MMTEST_LEARN_CPU: the environment's when ctest starts, else the build tree's (--learn-cpu).
  const char* learn_environment = std::getenv("MMTEST_LEARN_CPU");
  const std::optional<std::string> learn = (learn_environment != nullptr && *learn_environment != '\0')
                                               ? std::optional<std::string>(learn_environment)
                                               : raw.learn_cpu;
  if (learn && !learn->empty()) {
    const auto on = parse_switch(*learn);
    if (!on) {
      return std::unexpected(UsageError{fmt::format("MMTEST_LEARN_CPU{}: expected ON or OFF (1 or 0), got '{}'",
                                                    learn_environment != nullptr && *learn_environment != '\0'
                                                        ? " (environment)"
                                                        : "",
                                                    *learn)});
    }
    options.learn_cpu = *on;
  }
  // MMTEST_CPU_OVERCOMMIT: likewise (--cpu-overcommit).
  const char* overcommit_environment = std::getenv("MMTEST_CPU_OVERCOMMIT");
  const bool overcommit_from_environment = overcommit_environment != nullptr && *overcommit_environment != '\0';
  const std::optional<std::string> overcommit =
      overcommit_from_environment ? std::optional<std::string>(overcommit_environment) : raw.cpu_overcommit;
  if (overcommit && !overcommit->empty()) {
    const auto tenths = parse_cpu_overcommit(*overcommit);
    if (!tenths) {
      return std::unexpected(UsageError{fmt::format(
          "MMTEST_CPU_OVERCOMMIT{}: expected 0, 10, 20 or 30 (per cent of a CPU that tests holding fractions of a CPU may "
          "add on each CPU), got '{}'",
          overcommit_from_environment ? " (environment)" : "", *overcommit)});
    }
    options.overcommit_tenths = *tenths;
  }
  options.cache_budget = raw.cache_budget.value_or("");
  options.cache_cpus = raw.cache_cpus.value_or("");
  options.ctest_version = raw.ctest_version;
  if (raw.budgets_only) return options;  // nothing else is read
  if (!raw.manifest) return std::unexpected(UsageError{"missing --manifest FILE"});
  if (!raw.budget_mib && !raw.spec_file) return std::unexpected(UsageError{"missing --budget-mib N (or --spec-file FILE)"});
  if (!raw.cost_data) return std::unexpected(UsageError{"missing --cost-data FILE"});
  if (raw.manifest->empty()) return std::unexpected(UsageError{"--manifest: expected a file path, got ''"});
  options.manifest = *raw.manifest;
  for (const std::string& directory : raw.records) {
    if (directory.empty()) return std::unexpected(UsageError{"--records: expected a directory, got ''"});
    options.records.emplace_back(directory);
  }
  if (raw.budget_mib) {
    auto budget = positive(*raw.budget_mib, "--budget-mib", "of MiB");
    if (!budget) return std::unexpected(budget.error());
    options.budget_mib = *budget;
  }
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

// What the history knows: each test's median duration over its last runs, and its CPU use.
struct Learned {
  MeasuredDurations durations;
  std::map<std::string, std::vector<CpuUse>, std::less<>> cpu_use;
};

// The records of the last run added to the history (before this run overwrites them), then what
// it knows. A record that cannot be read is not history: the problems are the report's to tell.
std::expected<Learned, std::string> learn_from_history(const std::filesystem::path& database,
                                                       std::span<const std::filesystem::path> records,
                                                       std::vector<std::string>& unreadable, bool cpu_use) {
  auto db = HistoryDb::open(database);
  if (!db) return std::unexpected(db.error());
  std::vector<record::Record> all;
  for (const auto& directory : records) {
    record::RecordSet set = record::read_record_directory(directory);
    if (set.unreadable) unreadable.push_back(std::move(*set.unreadable));
    std::ranges::move(set.records, std::back_inserter(all));
  }
  if (auto added = db->ingest(all); !added) return std::unexpected(added.error());
  Learned learned;
  learned.durations = db->median_durations(kPlannerRuns);
  if (cpu_use) learned.cpu_use = db->cpu_use(kHoldingRuns);
  return learned;
}


// The budgets of this run, where each came from, and what a user raises to fit a test.
struct RunBudgets {
  std::uint64_t memory_mib = 0;
  std::string memory_source;
  std::uint64_t cpus = 0;
  std::string cpu_source;
  std::uint64_t cpu_slots = record::kCpuSlotsPerCpu;  // slots of one CPU in the spec
  std::uint64_t overcommit_tenths = 0;                // slots of each CPU id beyond a CPU's
  bool idle_pool = true;                              // the spec has the pool of tests learned idle
  std::uint64_t gpus = 0;
  std::string memory_fix;
  std::string cpu_fix;
};

// Sets the run's budgets: from the spec given to the parent ctest (--resource-spec-file), copied
// to the spec file, else given by MMTEST_* or measured, and written there. Prints the budget line
// and the -j trap's line. With `print_only` (--budgets) prints the budgets and writes nothing.
std::expected<RunBudgets, std::string> set_budgets(const PlanOptions& options, bool print_only, std::ostream& out) {
  std::optional<CtestInvocation> ctest;
  if (options.ctest_version) {
    // Not knowing ctest's command line costs the two checks below, never the budget.
    if (auto read = read_invocation(::getppid())) ctest = std::move(*read);
  }
  const std::optional<std::filesystem::path> given = ctest ? given_resource_spec(*ctest) : std::nullopt;
  RunBudgets budgets;
  if (!given) {
    const BudgetSettings settings = settings_from_environment(options.cache_budget, options.cache_cpus);
    auto memory = find_memory_budget(settings);
    if (!memory) return std::unexpected(memory.error());
    auto cpus = find_cpu_budget(settings);
    if (!cpus) return std::unexpected(cpus.error());
    budgets = {memory->value,
               memory->source,
               cpus->value,
               cpus->source,
               record::kCpuSlotsPerCpu,
               options.overcommit_tenths,
               true,
               0,
               "raise MMTEST_MEMORY_BUDGET",
               "raise MMTEST_CPU_BUDGET"};
    if (print_only) {
      out << fmt::format("mmtest: memory budget {} MiB ({}), {} CPU(s) ({})\n", budgets.memory_mib,
                         budgets.memory_source, budgets.cpus, budgets.cpu_source);
      return budgets;
    }
    auto gpu_ids = find_gpu_ids(settings);
    if (!gpu_ids) return std::unexpected(gpu_ids.error());
    budgets.gpus = gpu_ids->size();
    if (auto written =
            write_resource_spec(*options.spec_file, budgets.memory_mib, budgets.cpus, *gpu_ids, budgets.overcommit_tenths);
        !written) {
      return std::unexpected(
          fmt::format("mmtest: cannot write the resource spec {}: {}", options.spec_file->string(), written.error()));
    }
    const std::string overcommit =
        budgets.overcommit_tenths > 0 ? fmt::format(" + {} % for fractions", budgets.overcommit_tenths * 10) : "";
    out << fmt::format("mmtest: memory budget {} MiB ({}), {} CPU(s) ({}){}, {} GPU(s); resource spec {}\n",
                       budgets.memory_mib, budgets.memory_source, budgets.cpus, budgets.cpu_source, overcommit,
                       budgets.gpus, options.spec_file->string());
  } else {
    // The spec CTest schedules by is the user's: plan against it, name the tests it can never
    // run, and keep a copy where `mmtest report` and `mmtest shard` read the run's spec.
    auto spec = read_given_resource_spec(*given);
    if (!spec) return std::unexpected(spec.error());
    const std::string source = fmt::format("the resource spec {} given to ctest", given->string());
    budgets = {spec->memory_mib,
               source,
               spec->cpus,
               source,
               spec->cpu_slots,
               0,
               spec->idle_pool,
               spec->gpus,
               fmt::format("raise {} in {}", record::kMemoryResourceType, given->string()),
               fmt::format("add {} ids to {}", record::kCpuResourceType, given->string())};
    if (print_only) return budgets;
    if (auto copied = copy_resource_spec(*given, *options.spec_file); !copied) {
      return std::unexpected(
          fmt::format("mmtest: cannot copy the resource spec {} to {}: {}", given->string(), options.spec_file->string(), copied.error()));
    }
    out << fmt::format("mmtest: memory budget {} MiB, {} CPU(s), {} GPU(s) from the resource spec {} given to ctest "
                       "(--resource-spec-file), not measured; copied to {} for mmtest report\n",
                       budgets.memory_mib, budgets.cpus, budgets.gpus, given->string(), options.spec_file->string());
  }
  if (ctest && reads_bad_parallel_level_as_serial(*options.ctest_version)) {
    if (const auto level = serial_parallel_level(ctest->arguments)) {
      out << fmt::format("mmtest: CTest {} reads '{}' as 0 and runs one test at a time; for every CPU, leave -j out of "
                         "'ctest --preset <name>' (its preset sets the jobs) or give a number, e.g. '-j {}' (this run's "
                         "CPU budget); '-j 1' runs one at a time on purpose\n",
                         *options.ctest_version, *level, budgets.cpus);
    }
  }
  return budgets;
}

// One line for each declaration that can never run under the budgets: CTest reports it Not Run.
void name_unrunnable(std::span<const Declaration> declarations, const RunBudgets& budgets, std::ostream& out) {
  for (const Declaration& declared : declarations) {
    if (declared.cpu_tenths > budgets.cpus * 10) {
      out << fmt::format("mmtest: {} needs {} CPUs but the CPU budget is {} ({}): it cannot run here and CTest will "
                         "report it as Not Run; lower its PROCESSORS or {}\n",
                         declared.subject, format_cpu_tenths(declared.cpu_tenths), budgets.cpus, budgets.cpu_source,
                         budgets.cpu_fix);
    }
    if (declared.memory_mib > budgets.memory_mib) {
      out << fmt::format("mmtest: {} needs {} MiB but the memory budget is {} MiB ({}): it cannot run here and CTest "
                         "will report it as Not Run; lower its MEMORY or {}\n",
                         declared.subject, declared.memory_mib, budgets.memory_mib, budgets.memory_source,
                         budgets.memory_fix);
    }
    if (declared.gpus > budgets.gpus) {
      out << fmt::format("mmtest: {} needs {} GPU(s) but {} were found: it cannot run here and CTest will report it "
                         "as Not Run; set MMTEST_GPUS if GPUs are present\n",
                         declared.subject, declared.gpus, budgets.gpus);
    }
  }
}

}  // namespace

int plan_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::string program = "mmtest plan";
  CLI::App app{program + " --manifest FILE (--spec-file FILE | --budget-mib N [--cpus N]) --cost-data FILE\n"
               "       [--records DIR]... [--history FILE] [--jobs N] [--search-ms MS] [--max-evaluations N]\n"
               "       " + program + " --budgets [--cache-budget SIZE] [--cache-cpus N]\n\n"
               "Chooses the order in which CTest starts the tests of the manifest and writes it into CTest's cost\n"
               "file, which CTest reads for tests whose COST is 0 when it runs tests in parallel (-j > 1). When a\n"
               "test needs 1/8 of the budget, the order is searched by simulating CTest's scheduler with the last\n"
               "run's durations (--records), else the timeouts; otherwise tests start by memory x timeout.",
               program};
  app.footer("Exit codes: 0 done (also when there is nothing to plan); 1 manifest unreadable or cost file not written\n"
             "(the spec is written); 2 usage error; 7 the budgets could not be set (nothing written; ctest must stop).");
  RawPlanOptions raw;
  app.add_option("--spec-file", raw.spec_file,
                 "Set the run's budgets first and write CTest's resource spec here: from the spec given to ctest\n"
                 "(--resource-spec-file, copied), else MMTEST_MEMORY_BUDGET / MMTEST_CPU_BUDGET / MMTEST_GPUS, the\n"
                 "cache values below, or measured on this machine; names the tests that can never run. Replaces\n"
                 "--budget-mib and --cpus")
      ->type_name("FILE");
  app.add_option("--cache-budget", raw.cache_budget, "The build tree's cache variable MMTEST_MEMORY_BUDGET (a size)")
      ->type_name("SIZE");
  app.add_option("--cache-cpus", raw.cache_cpus, "The build tree's cache variable MMTEST_CPU_BUDGET (a count)")
      ->type_name("N");
  app.add_option("--ctest-version", raw.ctest_version,
                 "This runs in the hook of a ctest of this version, its parent process: its command line is read\n"
                 "for --resource-spec-file and for a -j that runs the tests one at a time")
      ->type_name("VERSION");
  app.add_option("--cpu-demand-file", raw.cpu_demand_file,
                 "With --spec-file: learn each test's CPU demand from the history (--history) and write here the\n"
                 "CPU groups of the tests whose demand differs from their declaration, for the ctest-time hook")
      ->type_name("FILE");
  app.add_option("--learn-cpu", raw.learn_cpu,
                 "The build tree's MMTEST_LEARN_CPU: OFF holds every test's CPUs as declared (the environment\n"
                 "variable MMTEST_LEARN_CPU, when set, wins)")
      ->type_name("ON|OFF");
  app.add_option("--cpu-overcommit", raw.cpu_overcommit,
                 "The build tree's MMTEST_CPU_OVERCOMMIT: 0, 10, 20 or 30 (default), per cent of a CPU that\n"
                 "fractions of a CPU may add on each CPU of the spec mmtest writes (the environment variable\n"
                 "MMTEST_CPU_OVERCOMMIT, when set, wins)")
      ->type_name("PERCENT");
  app.add_flag("--budgets", raw.budgets_only, "Print the memory and CPU budgets ctest would get here; write nothing");
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
  PlanOptions options = *validated;

  std::optional<RunBudgets> run_budgets;
  if (raw.budgets_only || options.spec_file) {
    auto set = set_budgets(options, raw.budgets_only, out);
    if (!set) {
      err << set.error() << "\n";
      return exit_code::kNoBudget;
    }
    if (raw.budgets_only) return exit_code::kDone;
    run_budgets = std::move(*set);
    options.budget_mib = run_budgets->memory_mib;
    options.cpus = static_cast<std::size_t>(run_budgets->cpus);
  }

  auto manifest = read_manifest(options.manifest);
  if (!manifest) {
    err << fmt::format("{}: cannot read the manifest: {}\n", program, manifest.error());
    return 1;
  }
  if (run_budgets) name_unrunnable(manifest->declarations, *run_budgets, out);
  const std::size_t unlisted = add_listed_cases(*manifest);

  std::optional<MeasuredDurations> history;
  std::map<std::string, std::vector<CpuUse>, std::less<>> cpu_use;
  std::vector<std::string> unreadable;  // records folders that exist but could not be listed
  std::string history_note;
  if (!raw.history.empty()) {
    auto learned = learn_from_history(raw.history, options.records, unreadable,
                                      options.cpu_demand_file.has_value() && options.learn_cpu);
    if (learned) {
      history = std::move(learned->durations);
      cpu_use = std::move(learned->cpu_use);
      history_note = "; durations from the history";
    } else {
      history_note = fmt::format("; history not used ({})", learned.error());
    }
  }
  // Each test's CPU demand on this run (learned, or as declared) before it is planned with it.
  if (options.cpu_demand_file && run_budgets) {
    auto demand = apply_cpu_demand(manifest->tests, cpu_use, options.learn_cpu, run_budgets->cpus,
                                   run_budgets->cpu_slots, run_budgets->overcommit_tenths, run_budgets->idle_pool,
                                   *options.cpu_demand_file);
    if (!demand) {
      err << fmt::format("{}: the CPU demand of this run: {}\n", program, demand.error());
      return 1;
    }
    if (demand->learned > 0) {
      std::string fixed;
      if (demand->fixed > 0) {
        fixed = fmt::format("; {} held as declared (FIXED_PROCESSORS, PIN_CPUS or performance)",
                            plural(demand->fixed, "test", "tests"));
      }
      std::string held;
      if (demand->idle < demand->learned) {
        held = demand->least_tenths == demand->most_tenths
                   ? format_cpu_tenths(demand->least_tenths)
                   : fmt::format("{} to {}", format_cpu_tenths(demand->least_tenths), format_cpu_tenths(demand->most_tenths));
        held += " CPU(s) each";
        if (demand->idle > 0) held += fmt::format(", {} idle (no CPU held)", demand->idle);
        if (demand->no_faster > 0) {
          held += fmt::format(", {} held less than {} use{}: more bought no time", demand->no_faster,
                              demand->no_faster == 1 ? "it" : "they", demand->no_faster == 1 ? "s" : "");
        }
      } else {
        held = "all idle (no CPU held)";
      }
      out << fmt::format("mmtest: CPU demand of {} learned from their last runs: {}{}\n",
                         plural(demand->learned, "test", "tests"), held, fixed);
    }
  }
  const std::optional<std::size_t> cpu_tenths_budget =
      options.cpus ? std::optional<std::size_t>(*options.cpus * 10) : std::nullopt;
  const Selection selection = select_tests(manifest->tests, options.budget_mib, cpu_tenths_budget);
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
  notes += history_note;
  if (!history && !options.records.empty()) history = read_last_durations(options.records, &unreadable);
  // Never zero records without a word: a folder that could not be read is named in the line.
  for (const std::string& why : unreadable) notes += fmt::format("; {}", why);
  // The simulation's CPUs: every tenth of the ids, overcommit included, of which whole CPUs one an id.
  std::optional<CpuBudget> cpu_budget;
  if (options.cpus) {
    const std::uint64_t overcommit = run_budgets ? run_budgets->overcommit_tenths : 0;
    cpu_budget = CpuBudget(*options.cpus * (10 + overcommit), *options.cpus);
  }
  const OrderPlan plan =
      plan_order_from(selection.tests, options.budget_mib, options.jobs, options.search, history, cpu_budget);
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
