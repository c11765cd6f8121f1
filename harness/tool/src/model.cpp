#include "mmtest/tool/model.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join: in <fmt/format.h> up to fmt 10, only here from fmt 11
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>

#include "mmtest/common/format.hpp"
#include "mmtest/plan/cpu_demand.hpp"
#include "mmtest/record/environment.hpp"
#include "mmtest/tool/output.hpp"

namespace mmtest::tool {
namespace {

std::size_t outcome_rank(std::string_view outcome) {
  for (std::size_t i = 0; i < std::size(kOutcomes); ++i) {
    if (outcome == kOutcomes[i]) return i;
  }
  return std::size(kOutcomes);
}

MemoryFit fit_of(const record::Record& record) {
  if (!record.memory_limit_bytes || *record.memory_limit_bytes == 0) return MemoryFit::undeclared;
  const std::uint64_t limit = *record.memory_limit_bytes;
  const std::uint64_t peak = record.peak_memory_bytes;
  if (peak > limit) return MemoryFit::over;
  // Not a declaration that is wrong but one that is missing: its own finding, never "oversized".
  if (!record.memory_declared) return MemoryFit::defaulted;
  if (peak * 10 >= limit * 9) return MemoryFit::close;
  if (peak * 3 < limit) return MemoryFit::oversized;
  return MemoryFit::fits;
}

// Interval partitioning: each test takes the lowest lane free at its start.
std::size_t assign_lanes(std::vector<TestResult>& tests) {
  std::vector<double> lane_free_at;
  for (TestResult& test : tests) {
    std::size_t lane = 0;
    while (lane < lane_free_at.size() && lane_free_at[lane] > test.start_seconds) ++lane;
    if (lane == lane_free_at.size()) lane_free_at.push_back(0);
    lane_free_at[lane] = test.end_seconds;
    test.lane = lane;
  }
  return lane_free_at.size();
}

// The sums over running tests, as a step function over the whole run (a sweep over deltas).
void concurrent_memory(RunModel& model) {
  struct Delta {
    double seconds;
    std::int64_t declared;
    std::int64_t measured;
  };
  std::vector<Delta> deltas;
  for (const TestResult& test : model.tests) {
    const auto declared = static_cast<std::int64_t>(test.record.memory_limit_bytes.value_or(0));
    deltas.push_back({test.start_seconds, declared, 0});
    deltas.push_back({test.end_seconds, -declared, 0});
    std::int64_t previous = 0;
    for (const auto& [offset, bytes] : memory_steps(test.record)) {
      const double at = std::min(test.start_seconds + offset, test.end_seconds);
      const auto value = static_cast<std::int64_t>(bytes);
      deltas.push_back({at, 0, value - previous});
      previous = value;
    }
  }
  // Endings before beginnings at the same instant: a test that starts as another ends does not
  // overlap it.
  std::ranges::stable_sort(deltas, [](const Delta& a, const Delta& b) {
    if (a.seconds != b.seconds) return a.seconds < b.seconds;
    return a.declared + a.measured < b.declared + b.measured;
  });
  std::int64_t declared = 0;
  std::int64_t measured = 0;
  for (std::size_t i = 0; i < deltas.size(); ++i) {
    declared += deltas[i].declared;
    measured += deltas[i].measured;
    if (i + 1 < deltas.size() && deltas[i + 1].seconds == deltas[i].seconds) continue;
    const MemoryStep step{deltas[i].seconds, static_cast<std::uint64_t>(std::max<std::int64_t>(declared, 0)),
                          static_cast<std::uint64_t>(std::max<std::int64_t>(measured, 0))};
    if (!model.memory.empty() && model.memory.back().declared_bytes == step.declared_bytes &&
        model.memory.back().measured_bytes == step.measured_bytes) {
      continue;
    }
    model.memory.push_back(step);
    if (step.declared_bytes > model.peak_declared.declared_bytes) model.peak_declared = step;
    if (step.measured_bytes > model.peak_measured.measured_bytes) model.peak_measured = step;
  }
}

}  // namespace

const char* to_string(MemoryFit fit) {
  switch (fit) {
    case MemoryFit::undeclared: return "undeclared";
    case MemoryFit::over: return "over";
    case MemoryFit::close: return "close";
    case MemoryFit::fits: return "fits";
    case MemoryFit::oversized: return "oversized";
    case MemoryFit::defaulted: return "default";
  }
  return "?";
}

const char* to_string(CpuFit fit) {
  switch (fit) {
    case CpuFit::unjudged: return "unjudged";
    case CpuFit::fits: return "fits";
    case CpuFit::over: return "over";
    case CpuFit::idle: return "idle";
  }
  return "?";
}

namespace {
// "used 1.08 CPUs on average (peak 2.01) but held 1: it took CPU time from the tests beside it, and
// waited 3.2 s for a CPU"; held less on purpose (no_faster_at_tenths), why instead of the first part.
std::string over_finding(const CpuJudgement& judgement, const record::Record& record) {
  std::string finding = fmt::format("used {:.2f} CPUs on average", judgement.mean);
  if (record.cpu_peak) finding += fmt::format(" (peak {:.2f})", *record.cpu_peak);
  const std::string held_text = held_cpus_text(judgement.held.value_or(0));
  if (judgement.no_faster_at_tenths) {
    finding += fmt::format(
        " but held {} on purpose: its earlier runs that held {} were no faster than those that held {}, so it keeps "
        "holding {} and takes the rest from the tests beside it",
        held_text, plan::format_cpu_tenths(*judgement.no_faster_at_tenths), held_text, held_text);
  } else {
    finding += fmt::format(" but held {}: it took CPU time from the tests beside it",
                           held_text == kHeldIdleText ? "no CPU (learned idle)" : held_text);
  }
  const double waited = record.cpu_wait_seconds.value_or(0);
  if (record.starved || waited >= kCpuWaitedSeconds) finding += fmt::format(", and waited {:.1f} s for a CPU", waited);
  return finding;
}
}  // namespace

CpuJudgement judge_cpu(const record::Record& record) {
  CpuJudgement judgement;
  judgement.mean = record.wall_seconds > 0 ? record.cpu_seconds / record.wall_seconds : 0;
  judgement.demand =
      record.wall_seconds > 0 ? (record.cpu_seconds + record.cpu_wait_seconds.value_or(0)) / record.wall_seconds : 0;
  judgement.peak = record.cpu_peak;
  judgement.held = record.cpus_reserved;
  if (!record.cpus_reserved || !(record.wall_seconds >= kCpuJudgedWallSeconds)) return judgement;
  const double held = *record.cpus_reserved;
  if (judgement.demand > held + kCpuOverMargin && judgement.mean > held) {
    judgement.fit = CpuFit::over;
  } else if (held >= kCpuIdleMinHeld && judgement.demand < held * kCpuIdleShare) {
    judgement.fit = CpuFit::idle;
  } else {
    judgement.fit = CpuFit::fits;
    return judgement;
  }
  const plan::CpuUse use{record.wall_seconds, record.cpu_seconds, record.cpu_wait_seconds, record.cpu_peak,
                         record.cpus_reserved};
  if (const auto learned = plan::learn_demand(std::span(&use, 1))) judgement.suggested_tenths = learned->tenths;
  const std::string held_text = held_cpus_text(held);
  if (judgement.fit == CpuFit::over) {
    judgement.finding = over_finding(judgement, record);
  } else {
    judgement.finding = fmt::format("held {} CPU{} for {:.1f} s and used {:.2f} s of it", held_text, held > 1 ? "s" : "",
                                    record.wall_seconds, record.cpu_seconds);
  }
  return judgement;
}

void explain_held_less(CpuJudgement& judgement, const record::Record& record,
                       std::span<const plan::CpuUse> earlier_newest_first) {
  if (judgement.fit != CpuFit::over || !judgement.held) return;
  const auto held = static_cast<std::uint64_t>(std::llround(std::max(*judgement.held, 0.0) * 10));
  const auto learned = plan::learn_demand(earlier_newest_first);
  if (!learned || !learned->no_faster_tenths || learned->tenths != held) return;
  judgement.no_faster_at_tenths = learned->fuller_tenths;
  judgement.suggested_tenths.reset();
  judgement.finding = over_finding(judgement, record);
}

std::string held_cpus_text(double held) {
  const auto tenths = static_cast<std::uint64_t>(std::llround(std::max(held, 0.0) * 10));
  return tenths == 0 ? std::string(kHeldIdleText) : plan::format_cpu_tenths(tenths);
}

namespace {
bool failed_outcome(std::string_view outcome) { return outcome != "passed" && outcome != "skipped"; }
}  // namespace

bool TestResult::failed() const { return failed_outcome(record.outcome); }

bool TestResult::flaky() const {
  return !failed() && std::ranges::any_of(earlier_attempts, [](const record::Record& earlier) {
    return failed_outcome(earlier.outcome);
  });
}

std::string attempt_summary(const TestResult& test) {
  const std::size_t attempts = test.earlier_attempts.size() + 1;
  const auto passed = static_cast<std::size_t>(std::ranges::count_if(
      test.earlier_attempts, [](const record::Record& earlier) { return !failed_outcome(earlier.outcome); }));
  std::string text;
  if (!test.failed()) {
    text = fmt::format("{} on attempt {} of {}", test.record.outcome, test.record.attempt, attempts);
  } else if (passed == 0) {
    text = fmt::format("failed on each of {} attempts", attempts);
  } else {
    // ctest --repeat until-fail: passes, then the failure that ended the repeats.
    text = fmt::format("failed on attempt {} of {}, after {} that passed", test.record.attempt, attempts, passed);
  }
  for (const record::Record& earlier : test.earlier_attempts) {
    if (!failed_outcome(earlier.outcome)) continue;
    const std::string why = earlier.diagnosis.value_or(
        earlier.exit_code ? fmt::format("exit code {}", *earlier.exit_code) : earlier.outcome);
    text += fmt::format("; attempt {}: {}", earlier.attempt, why);
  }
  return text;
}

std::vector<std::pair<std::string, std::size_t>> RunModel::outcome_counts() const {
  std::map<std::pair<std::size_t, std::string>, std::size_t> counts;
  for (const TestResult& test : tests) ++counts[{outcome_rank(test.record.outcome), test.record.outcome}];
  std::vector<std::pair<std::string, std::size_t>> out;
  for (const auto& [key, count] : counts) out.emplace_back(key.second, count);
  return out;
}

std::size_t RunModel::failures() const {
  return static_cast<std::size_t>(std::ranges::count_if(tests, [](const TestResult& test) { return test.failed(); }));
}

namespace {
// Indices of the `count` tests with the largest `key`, largest first; ties keep record order.
template <class Key>
std::vector<std::size_t> top_by(const std::vector<TestResult>& tests, std::size_t count, Key key) {
  std::vector<std::size_t> order(tests.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::ranges::stable_sort(order, [&](std::size_t a, std::size_t b) { return key(tests[a].record) > key(tests[b].record); });
  order.resize(std::min(count, order.size()));
  return order;
}
}  // namespace

std::vector<std::size_t> RunModel::top_by_memory(std::size_t count) const {
  return top_by(tests, count, [](const record::Record& record) { return record.peak_memory_bytes; });
}

std::vector<std::size_t> RunModel::top_by_wall(std::size_t count) const {
  return top_by(tests, count, [](const record::Record& record) { return record.wall_seconds; });
}

std::vector<std::pair<double, std::uint64_t>> memory_steps(const record::Record& record) {
  std::vector<std::pair<double, std::uint64_t>> steps;
  if (record.memory_samples.empty()) {
    steps.emplace_back(0.0, record.peak_memory_bytes);
  } else {
    for (const record::MemoryPoint& point : record.memory_samples) {
      const double at = steps.empty() ? 0.0 : std::clamp(point.seconds, steps.back().first, record.wall_seconds);
      if (!steps.empty() && at == steps.back().first) {
        steps.back().second = std::max(steps.back().second, point.bytes);
      } else {
        steps.emplace_back(at, point.bytes);
      }
    }
  }
  steps.emplace_back(std::max(record.wall_seconds, steps.back().first), 0);
  return steps;
}

std::string failed_cases_summary(const record::Record& record, std::size_t named) {
  std::vector<std::string> names;
  std::size_t failed = 0;
  for (const record::RecordedCase& test_case : record.cases) {
    if (test_case.outcome != "failed") continue;
    if (++failed > named) continue;
    names.push_back(test_case.leaked_series.value_or(0) > 0
                        ? fmt::format("{} ({} leaked series)", test_case.name, *test_case.leaked_series)
                        : test_case.name);
  }
  if (failed == 0) return {};
  std::string text = fmt::format("failed test case{}: {}", failed == 1 ? "" : "s", fmt::join(names, ", "));
  if (failed > named) text += fmt::format(" and {} more", failed - named);
  return text;
}

std::expected<Input, std::string> resolve_input(const std::filesystem::path& given) {
  std::error_code error;
  if (!std::filesystem::is_directory(given, error)) {
    return std::unexpected(fmt::format("{}: no such directory; give a build directory or a folder of mmtest records",
                                       given.string()));
  }
  Input input;
  input.given = given;
  if (std::filesystem::is_directory(given / "mmtest-results", error) || std::filesystem::is_directory(given / "mmtest", error)) {
    input.build_dir = given;
    input.records = given / "mmtest-results";
  } else {
    input.records = given;
  }
  return input;
}

namespace {
// The entries of one resource in a resource spec's first "local" group (the spec the ctest-time
// hook writes: {"version": ..., "local": [{"<resource>": [{"id": ..., "slots": ...}, ...]}]}), or
// an empty array when the file, the group or the resource is missing.
nlohmann::json spec_resource(const std::filesystem::path& resource_spec, std::string_view resource) {
  const mmtest::FileText file = mmtest::read_small_file(resource_spec.string());
  if (!file.ok) return nlohmann::json::array();
  const auto spec = nlohmann::json::parse(file.text, nullptr, false);
  if (!spec.is_object()) return nlohmann::json::array();
  const auto local = spec.find("local");
  if (local == spec.end() || !local->is_array() || local->empty() || !(*local)[0].is_object()) return nlohmann::json::array();
  const auto entries = (*local)[0].find(std::string(resource));
  if (entries == (*local)[0].end() || !entries->is_array()) return nlohmann::json::array();
  return *entries;
}
}  // namespace

std::optional<std::uint64_t> read_budget(const std::filesystem::path& resource_spec) {
  std::uint64_t mebibytes = 0;
  for (const auto& pool : spec_resource(resource_spec, record::kMemoryResourceType)) {
    if (pool.is_object() && pool.contains("slots") && pool["slots"].is_number_unsigned()) mebibytes += pool["slots"].get<std::uint64_t>();
  }
  if (mebibytes == 0) return std::nullopt;
  return mebibytes << 20;
}

std::optional<std::size_t> read_cpu_count(const std::filesystem::path& resource_spec) {
  const nlohmann::json cpus = spec_resource(resource_spec, record::kCpuResourceType);
  if (cpus.empty()) return std::nullopt;
  return cpus.size();
}

RunModel build_model(std::vector<Input> inputs, const ModelOptions& options) {
  RunModel model;
  model.inputs = std::move(inputs);
  std::unordered_map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < model.inputs.size(); ++i) {
    record::RecordSet set = record::read_record_directory(model.inputs[i].records);
    if (set.unreadable) model.unreadable_folders.push_back(std::move(*set.unreadable));
    for (std::string& problem : set.problems) model.problems.push_back(std::move(problem));
    for (record::Record& record : set.records) {
      const auto [it, inserted] = by_name.try_emplace(record.name, model.tests.size());
      if (!inserted && !record.ctest_run.empty() && record.ctest_run == model.tests[it->second].record.ctest_run &&
          record.attempt != model.tests[it->second].record.attempt) {
        // Another attempt of the test in the same ctest run: the last one is the result.
        TestResult& kept = model.tests[it->second];
        if (record.attempt > kept.record.attempt) std::swap(kept.record, record);
        kept.earlier_attempts.push_back(std::move(record));
        std::ranges::sort(kept.earlier_attempts, {}, &record::Record::attempt);
        continue;
      }
      if (!inserted) {
        ++model.duplicates;
        TestResult& kept = model.tests[it->second];
        if (record.finished_at > kept.record.finished_at) {
          if (record.ctest_run != kept.record.ctest_run) kept.earlier_attempts.clear();  // another run's
          kept.record = std::move(record);
          kept.input = i;
        }
        continue;
      }
      TestResult test;
      test.record = std::move(record);
      test.input = i;
      model.tests.push_back(std::move(test));
    }
  }

  if (options.budget_bytes) {
    model.budget_bytes = options.budget_bytes;
    model.budget_source = "--budget";
  } else {
    for (const Input& input : model.inputs) {
      if (!input.build_dir) continue;
      const auto spec = *input.build_dir / "mmtest" / "resource-spec.json";
      if (auto budget = read_budget(spec)) {
        model.budget_bytes = budget;
        model.budget_source = spec.string();
        break;
      }
    }
  }

  if (model.tests.empty()) return model;
  model.run_started_unix = model.tests.front().record.started_unix_seconds;
  for (const TestResult& test : model.tests) model.run_started_unix = std::min(model.run_started_unix, test.record.started_unix_seconds);
  for (TestResult& test : model.tests) {
    test.start_seconds = test.record.started_unix_seconds - model.run_started_unix;
    // The end is the start plus the wall time, measured on a monotonic clock from the same
    // moment: the finished_at stamp is taken later, after the record's other work, and only to
    // the millisecond.
    test.end_seconds = test.start_seconds + test.record.wall_seconds;
    model.run_seconds = std::max(model.run_seconds, test.end_seconds);
    test.fit = fit_of(test.record);
    if (test.fit == MemoryFit::over || test.fit == MemoryFit::close || test.fit == MemoryFit::oversized ||
        test.fit == MemoryFit::defaulted) {
      test.suggested_memory_bytes = suggested_memory_bytes(test.record.peak_memory_bytes);
    }
    test.cpu = judge_cpu(test.record);
  }
  std::ranges::stable_sort(model.tests, [](const TestResult& a, const TestResult& b) {
    if (a.start_seconds != b.start_seconds) return a.start_seconds < b.start_seconds;
    return a.record.name < b.record.name;
  });
  model.lanes = assign_lanes(model.tests);
  concurrent_memory(model);
  return model;
}

}  // namespace mmtest::tool
