// mmtest calibrate: the rule, the table and the calibration file (docs/tool.md, "mmtest calibrate").
#include "mmtest/tool/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "mmtest/plan/manifest.hpp"
#include "mmtest/tool/model.hpp"
#include "mmtest/tool/output.hpp"

namespace mmtest::tool {
namespace {

// A proposal's PROCESSORS is what the ctest-time hook would hold: the runs it reads must be here.
static_assert(plan::kHoldingRuns <= kCalibrationRuns);

bool counts(const PastRun& run) {
  return run.outcome != "skipped" && run.outcome != "harness-error" && run.outcome != "interrupted";
}

std::string seconds_text(double seconds) { return seconds < 100 ? fmt::format("{:.1f} s", seconds) : fmt::format("{:.0f} s", seconds); }

std::string timeout_text(std::optional<double> seconds) {
  if (!seconds) return "-";
  return fmt::format("{:g} s", *seconds);
}

// The end of a long name matters most: keep it.
std::string cut(const std::string& name, std::size_t width) {
  if (name.size() <= width) return name;
  return "..." + name.substr(name.size() - (width - 3));
}

}  // namespace

bool Calibration::changes() const {
  const bool memory =
      proposed_memory_bytes && (!memory_declared || !memory_bytes || *memory_bytes != *proposed_memory_bytes);
  const bool timeout = proposed_timeout_seconds &&
                       (!timeout_seconds || std::abs(*timeout_seconds - static_cast<double>(*proposed_timeout_seconds)) > 1e-9);
  return memory || timeout || (proposed_cpu_tenths && *proposed_cpu_tenths != declared_cpu_tenths);
}

bool Calibration::writes_processors() const {
  return proposed_cpu_tenths && (*proposed_cpu_tenths != 10 || declared_cpu_tenths != 10);
}

CpuDeclarations read_cpu_declarations(const std::filesystem::path& build_dir) {
  CpuDeclarations out;
  if (const auto cpus = read_cpu_count(build_dir / "mmtest" / "resource-spec.json")) out.budget_tenths = *cpus * 10;
  const std::filesystem::path path = build_dir / "mmtest" / "manifest.cmake";
  auto manifest = plan::read_manifest(path);
  if (!manifest) {
    out.problem = fmt::format("{}; every test taken as declaring 1 CPU", manifest.error());
    return out;
  }
  plan::add_listed_cases(*manifest);  // a list not written yet: its cases count as 1 CPU
  for (const plan::ManifestTest& test : manifest->tests) out.tests[test.name] = {test.cpu_tenths, test.cpus_fixed};
  return out;
}

double percentile_95(std::vector<double> values) {
  if (values.empty()) return 0;
  std::ranges::sort(values);
  // Nearest rank: ceil(0.95 n), 1-based; integer arithmetic so that 20 runs give the 19th.
  const std::size_t rank = (values.size() * 95 + 99) / 100;
  return values[std::max<std::size_t>(rank, 1) - 1];
}

std::uint64_t proposed_timeout_seconds(double wall_p95_seconds) {
  const double wanted = std::max(3 * wall_p95_seconds, wall_p95_seconds + 10);
  const double step = wanted < 60 ? 5 : wanted < 600 ? 30 : 60;
  return static_cast<std::uint64_t>(std::ceil(wanted / step - 1e-9) * step);
}

std::vector<Calibration> calibrate(const std::vector<std::pair<std::string, std::vector<PastRun>>>& tests,
                                   const CpuDeclarations& cpus) {
  std::vector<Calibration> out;
  out.reserve(tests.size());
  for (const auto& [name, runs] : tests) {
    Calibration calibration;
    calibration.name = name;
    std::vector<double> peaks;
    std::vector<double> walls;
    std::vector<plan::CpuUse> uses;  // newest first, as learn_demand takes them
    for (const PastRun& run : runs) {
      if (!counts(run)) continue;
      peaks.push_back(static_cast<double>(run.peak_memory_bytes));
      walls.push_back(run.wall_seconds);
      if (run.cpu_seconds) {
        uses.push_back({run.wall_seconds, *run.cpu_seconds, run.cpu_wait_seconds, run.cpu_peak, run.cpus_reserved});
      }
    }
    if (const auto declared = cpus.tests.find(name); declared != cpus.tests.end()) {
      calibration.declared_cpu_tenths = declared->second.tenths;
      calibration.cpus_fixed = declared->second.fixed;
    }
    calibration.cpu_demand = plan::learn_demand(uses);
    if (calibration.cpu_demand && calibration.cpu_demand->runs >= kCalibrationMinRuns && !calibration.cpus_fixed) {
      calibration.proposed_cpu_tenths = plan::demand_tenths(calibration.declared_cpu_tenths, false, calibration.cpu_demand,
                                                            cpus.budget_tenths.value_or(0), /*idle_pool=*/false);
    }
    if (!runs.empty()) {
      calibration.memory_bytes = runs.front().memory_limit_bytes;
      calibration.timeout_seconds = runs.front().timeout_seconds;
      calibration.memory_declared = runs.front().memory_declared;
    }
    calibration.runs = peaks.size();
    calibration.peak_p95_bytes = static_cast<std::uint64_t>(percentile_95(peaks));
    calibration.wall_p95_seconds = percentile_95(walls);
    if (calibration.runs >= kCalibrationMinRuns) {
      calibration.proposed_memory_bytes = suggested_memory_bytes(calibration.peak_p95_bytes);
      calibration.proposed_timeout_seconds = proposed_timeout_seconds(calibration.wall_p95_seconds);
    }
    out.push_back(std::move(calibration));
  }
  std::ranges::sort(out, {}, &Calibration::name);
  return out;
}

std::string render_calibration(std::span<const Calibration> calibrations, const std::string& history,
                               const std::optional<std::string>& cpu_problem) {
  std::string out = fmt::format("mmtest calibrate: {} tests in {}\n", calibrations.size(), history);
  out += fmt::format("  MEMORY = p95 of the peaks x 1.25 (+8 MiB at least), TIMEOUT = 3 x p95 of the\n"
                     "  wall times (+10 s at least), rounded up; the last {} runs, at least {} needed\n\n",
                     kCalibrationRuns, kCalibrationMinRuns);
  out += fmt::format("  {:<20} {:>4} {:>10} {:>7} {:>7} {:>8} {:>7} {:>7}\n", "test", "runs", "peak p95", "MEMORY",
                     "propose", "wall p95", "TIMEOUT", "propose");
  std::size_t changing = 0;
  std::size_t too_few = 0;
  for (const Calibration& c : calibrations) {
    // A default is no declaration to judge: said as such, so that "=" never blesses it.
    const std::string memory = !c.memory_declared ? "default" : c.memory_bytes ? cmake_size(*c.memory_bytes) : "-";
    std::string memory_proposal = "-";
    std::string timeout_proposal = "-";
    if (c.proposed_memory_bytes) {
      memory_proposal = c.memory_declared && c.memory_bytes == c.proposed_memory_bytes ? "=" : cmake_size(*c.proposed_memory_bytes);
      const bool same = c.timeout_seconds && std::abs(*c.timeout_seconds - static_cast<double>(*c.proposed_timeout_seconds)) < 1e-9;
      timeout_proposal = same ? "=" : fmt::format("{}", *c.proposed_timeout_seconds);
    } else {
      ++too_few;
    }
    if (c.changes()) ++changing;
    out += fmt::format("  {:<20} {:>4} {:>10} {:>7} {:>7} {:>8} {:>7} {:>7}\n", cut(c.name, 20), c.runs,
                       mib(c.peak_p95_bytes), memory, memory_proposal, seconds_text(c.wall_p95_seconds),
                       timeout_text(c.timeout_seconds), timeout_proposal);
  }
  // CPUs in a table of their own: beside the memory and time columns they would not fit 80.
  out += fmt::format("\n  PROCESSORS = median of (CPU + wait) / wall over the last {} runs, to the tenth\n"
                     "  (at least 0.1), at most the build's CPUs; \"fixed\": held as declared\n\n",
                     plan::kDemandRuns);
  out += fmt::format("  {:<20} {:>4} {:>9} {:>9} {:>10} {:>8}\n", "test", "runs", "CPUs mean", "CPUs peak", "PROCESSORS",
                     "propose");
  for (const Calibration& c : calibrations) {
    const std::string mean = c.cpu_demand ? fmt::format("{:.2f}", c.cpu_demand->mean) : "-";
    const std::string peak = c.cpu_demand && c.cpu_demand->peak ? fmt::format("{:.2f}", *c.cpu_demand->peak) : "-";
    std::string proposal = "-";
    if (c.cpus_fixed) {
      proposal = "fixed";
    } else if (c.proposed_cpu_tenths) {
      proposal = *c.proposed_cpu_tenths == c.declared_cpu_tenths ? "=" : plan::format_cpu_tenths(*c.proposed_cpu_tenths);
    }
    out += fmt::format("  {:<20} {:>4} {:>9} {:>9} {:>10} {:>8}\n", cut(c.name, 20), c.cpu_demand ? c.cpu_demand->runs : 0,
                       mean, peak, plan::format_cpu_tenths(c.declared_cpu_tenths), proposal);
  }
  if (cpu_problem) out += fmt::format("  {}\n", *cpu_problem);
  const auto undeclared = std::ranges::count_if(calibrations, [](const Calibration& c) { return !c.memory_declared; });
  out += fmt::format("\n  {} would change, {} unchanged, {} with too few runs (\"=\": as declared)\n", changing,
                     calibrations.size() - changing - too_few, too_few);
  if (undeclared > 0) {
    out += fmt::format("  {} declare{} no MEMORY (\"default\": MMTEST_DEFAULT_MEMORY or 256M applied): the proposal is its first "
                       "declaration\n",
                       undeclared, undeclared == 1 ? "s" : "");
  }
  return out;
}

std::string cmake_bracket(const std::string& name) {
  std::string equals;
  while (name.find("]" + equals + "]") != std::string::npos || name.ends_with("]" + equals)) equals += '=';
  return fmt::format("[{}[{}]{}]", equals, name, equals);
}

std::string calibration_file(std::span<const Calibration> calibrations, const std::string& history) {
  std::string out = fmt::format(
      "# mmtest calibration: MEMORY, TIMEOUT and PROCESSORS per test, measured. Written by `mmtest calibrate --write`\n"
      "# from the history {} (the last {} runs of each test, at least {}).\n"
      "# Rule: MEMORY = 95th percentile of the peaks x 1.25 (at least +8 MiB), rounded up;\n"
      "#       TIMEOUT = 3 x the 95th percentile of the wall times (at least +10 s), rounded up;\n"
      "#       PROCESSORS = the median of (CPU + wait) / wall over the last {} runs, to the tenth, written\n"
      "#       unless it is the default 1 CPU and the declaration; never for a fixed declaration.\n"
      "# add_mm_test() reads this file when MMTEST_CALIBRATION_FILE names it: a test listed here gets\n"
      "# these values instead of its MEMORY and TIMEOUT (and PROCESSORS, unless the call gives one),\n"
      "# unless declared with NO_CALIBRATION.\n"
      "# Review it like code; edit or delete lines freely.\n",
      history, kCalibrationRuns, kCalibrationMinRuns, plan::kDemandRuns);
  for (const Calibration& c : calibrations) {
    if (!c.proposed_memory_bytes) continue;
    const std::string processors = c.writes_processors() ? " PROCESSORS " + plan::format_cpu_tenths(*c.proposed_cpu_tenths) : "";
    out += fmt::format("mm_calibrated({} MEMORY {} TIMEOUT {}{})\n", cmake_bracket(c.name), cmake_size(*c.proposed_memory_bytes),
                       *c.proposed_timeout_seconds, processors);
  }
  return out;
}

}  // namespace mmtest::tool
