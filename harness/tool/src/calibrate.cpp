// mmtest calibrate: the rule, the table and the calibration file (docs/tool.md, "mmtest calibrate").
#include "mmtest/tool/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "mmtest/tool/output.hpp"

namespace mmtest::tool {
namespace {

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
  return memory || timeout;
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

std::vector<Calibration> calibrate(const std::vector<std::pair<std::string, std::vector<PastRun>>>& tests) {
  std::vector<Calibration> out;
  out.reserve(tests.size());
  for (const auto& [name, runs] : tests) {
    Calibration calibration;
    calibration.name = name;
    std::vector<double> peaks;
    std::vector<double> walls;
    for (const PastRun& run : runs) {
      if (!counts(run)) continue;
      peaks.push_back(static_cast<double>(run.peak_memory_bytes));
      walls.push_back(run.wall_seconds);
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

std::string render_calibration(std::span<const Calibration> calibrations, const std::string& history) {
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
      "# mmtest calibration: MEMORY and TIMEOUT per test, measured. Written by `mmtest calibrate --write`\n"
      "# from the history {} (the last {} runs of each test, at least {}).\n"
      "# Rule: MEMORY = 95th percentile of the peaks x 1.25 (at least +8 MiB), rounded up;\n"
      "#       TIMEOUT = 3 x the 95th percentile of the wall times (at least +10 s), rounded up.\n"
      "# add_mm_test() reads this file when MMTEST_CALIBRATION_FILE names it: a test listed here gets\n"
      "# these values instead of its MEMORY and TIMEOUT, unless declared with NO_CALIBRATION.\n"
      "# Review it like code; edit or delete lines freely.\n",
      history, kCalibrationRuns, kCalibrationMinRuns);
  for (const Calibration& c : calibrations) {
    if (!c.proposed_memory_bytes) continue;
    out += fmt::format("mm_calibrated({} MEMORY {} TIMEOUT {})\n", cmake_bracket(c.name), cmake_size(*c.proposed_memory_bytes),
                       *c.proposed_timeout_seconds);
  }
  return out;
}

}  // namespace mmtest::tool
