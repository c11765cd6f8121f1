#pragma once

// Growth by test suite: what the case log says about memory kept by code every case of a suite
// runs. One case that hoards 110 MiB shows in the list of the cases that grew most; 160 cases that
// each keep 270 KiB in a global registry (a slow leak in shared code, what killed the CI this
// project was made for) show nowhere in it, and only here. Header-only: the listener, which uses
// the record library's headers alone, and the launcher both summarise with it.

#include <algorithm>
#include <cstdint>
#include <fmt/format.h>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/common/units.hpp"

namespace mmtest::record {

// The suite of "Suite.Case", "Instance/Suite.Case/3" -> "Instance/Suite" (a parameterised family).
inline std::string_view suite_of(std::string_view case_name) { return case_name.substr(0, case_name.find('.')); }

struct SuiteGrowth {
  std::string suite;
  std::size_t cases = 0;          // cases of the suite that ended
  std::size_t grew = 0;           // of them, those whose RSS grew
  std::int64_t growth_bytes = 0;  // their growth together

  std::int64_t per_case_bytes() const { return grew == 0 ? 0 : growth_bytes / static_cast<std::int64_t>(grew); }
  // Most of the suite's cases grew (at least 4 in 5, and at least 5 cases): memory kept by code
  // every case runs rather than by one case.
  bool steady() const { return cases >= 5 && grew * 5 >= cases * 4; }
};

class GrowthBySuite {
 public:
  // At least this many cases of a suite must have grown for it to be worth a line.
  static constexpr std::size_t kMinGrown = 3;

  void add(std::string_view case_name, std::int64_t growth_bytes) {
    const std::string_view suite = suite_of(case_name);
    auto it = suites_.find(suite);
    if (it == suites_.end()) it = suites_.emplace(std::string(suite), SuiteGrowth{std::string(suite)}).first;
    ++it->second.cases;
    if (growth_bytes > 0) {
      ++it->second.grew;
      it->second.growth_bytes += growth_bytes;
    }
  }

  // The suites where at least kMinGrown cases grew, most growth first, at most `rows`.
  std::vector<SuiteGrowth> largest(std::size_t rows) const {
    std::vector<SuiteGrowth> found;
    for (const auto& [name, suite] : suites_) {
      if (suite.grew >= kMinGrown) found.push_back(suite);
    }
    std::ranges::stable_sort(found, [](const SuiteGrowth& a, const SuiteGrowth& b) { return a.growth_bytes > b.growth_bytes; });
    if (found.size() > rows) found.resize(rows);
    return found;
  }

 private:
  std::map<std::string, SuiteGrowth, std::less<>> suites_;
};

// "Session/Orders.* 80 of 80 cases grew, +21.1 MiB in total, ~270.0 KiB each: memory kept by code
// every case runs (a global registry or cache?)"
inline std::string describe(const SuiteGrowth& suite) {
  std::string text = fmt::format("{}.* {} of {} case{} grew, +{} in total, ~{} each", suite.suite, suite.grew, suite.cases,
                                 suite.cases == 1 ? "" : "s", format_bytes(static_cast<std::uint64_t>(suite.growth_bytes)),
                                 format_bytes(static_cast<std::uint64_t>(suite.per_case_bytes())));
  if (suite.steady()) text += ": memory kept by code every case runs (a global registry or cache?)";
  return text;
}

}  // namespace mmtest::record
