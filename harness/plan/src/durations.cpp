#include "mmtest/plan/durations.hpp"

#include <algorithm>
#include <iterator>

#include "mmtest/common/format.hpp"
#include "mmtest/common/statistics.hpp"
#include "mmtest/record/record.hpp"

namespace mmtest::plan {

// ---- history ---------------------------------------------------------------------------------------

std::optional<std::pair<std::string, Measurement>> parse_record(std::string_view text) {
  auto record = record::parse_record_json(text);
  if (!record) return std::nullopt;
  return std::pair{std::move(record->name), Measurement{record->wall_seconds, std::move(record->finished_at)}};
}

MeasuredDurations read_last_durations(std::span<const std::filesystem::path> directories,
                                      std::vector<std::string>* unreadable) {
  std::vector<std::filesystem::path> files;
  for (const auto& directory : directories) {
    auto listed = record::list_record_files(directory);
    if (!listed) {
      if (unreadable != nullptr) unreadable->push_back(std::move(listed.error()));
      continue;
    }
    std::ranges::move(*listed, std::back_inserter(files));
  }
  // Sorted so that records finished at the same instant resolve the same way on every run.
  std::ranges::sort(files);
  MeasuredDurations history;
  for (const auto& path : files) {
    const FileText file = read_small_file(path.string());
    if (!file.ok) continue;
    auto record = parse_record(file.text);
    if (!record) continue;
    auto [it, inserted] = history.try_emplace(record->first, record->second);
    if (!inserted && it->second.finished_at < record->second.finished_at) it->second = std::move(record->second);
  }
  return history;
}

// ---- durations and the plan ------------------------------------------------------------------------

std::vector<double> timeout_seconds(std::span<const ManifestTest> tests) {
  // mmtest's built-in default timeout (_MM_BUILTIN_TIMEOUT_SECONDS in MMTest.cmake).
  constexpr double kDefaultTimeoutSeconds = 300;
  std::vector<double> declared;
  for (const ManifestTest& test : tests) {
    if (test.timeout_seconds > 0) declared.push_back(static_cast<double>(test.timeout_seconds));
  }
  const double missing = declared.empty() ? kDefaultTimeoutSeconds : median(declared);
  std::vector<double> seconds;
  seconds.reserve(tests.size());
  for (const ManifestTest& test : tests) {
    seconds.push_back(test.timeout_seconds > 0 ? static_cast<double>(test.timeout_seconds) : missing);
  }
  return seconds;
}

Durations estimate_durations(std::span<const ManifestTest> tests, const MeasuredDurations& history) {
  const std::vector<double> timeouts = timeout_seconds(tests);
  Durations durations;
  durations.seconds = timeouts;
  std::vector<bool> measured(tests.size(), false);
  std::vector<double> fractions;  // wall time / timeout of each measured test; timeouts are > 0
  for (std::size_t i = 0; i < tests.size(); ++i) {
    const auto record = history.find(tests[i].name);
    if (record == history.end()) continue;
    measured[i] = true;
    durations.seconds[i] = record->second.wall_seconds;
    fractions.push_back(record->second.wall_seconds / timeouts[i]);
  }
  durations.measured = fractions.size();
  if (fractions.empty()) return durations;
  // Timeouts are generous by a factor that is much the same across a suite: an unmeasured test
  // scaled by the typical factor competes fairly with measured ones, where its raw timeout would
  // make it look many times longer than any of them.
  const double fraction = median(fractions);
  for (std::size_t i = 0; i < tests.size(); ++i) {
    if (!measured[i]) durations.seconds[i] = timeouts[i] * fraction;
  }
  return durations;
}

}  // namespace mmtest::plan
