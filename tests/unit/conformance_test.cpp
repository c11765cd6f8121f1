// What the CMake module decides at configure and ctest time and the C++ side decides again, each
// against one table that the CMake side is tested against too (tests/cmake/check-conformance.cmake):
// the size and seconds grammar of mmtest::common (tests/conformance/units.txt), the planner's
// rules about names and the CTest resource type names of mmtest::record
// (tests/conformance/names.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expect_contains.hpp"
#include "mmtest/common/units.hpp"
#include "mmtest/plan/budget.hpp"
#include "mmtest/plan/cpu_demand.hpp"
#include "mmtest/plan/manifest.hpp"
#include "mmtest/plan/plan.hpp"
#include "mmtest/record/environment.hpp"

namespace mmtest {
namespace {

struct Case {
  int line = 0;
  std::string kind, input, expected;
};

// The TAB-separated fields of each line that is not blank or a comment.
std::vector<std::pair<int, std::vector<std::string>>> read_lines(const char* path) {
  std::ifstream file(path);
  EXPECT_TRUE(file) << "cannot open " << path;
  std::vector<std::pair<int, std::vector<std::string>>> lines;
  std::string text;
  for (int line = 1; std::getline(file, text); ++line) {
    if (text.empty() || text.front() == '#') continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab; (tab = text.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(text.substr(start, tab - start));
    }
    fields.push_back(text.substr(start));
    lines.emplace_back(line, std::move(fields));
  }
  return lines;
}

std::vector<Case> read_table() {
  std::vector<Case> cases;
  for (auto& [line, fields] : read_lines(MMTEST_CONFORMANCE_TABLE)) {
    EXPECT_EQ(fields.size(), 3u) << "line " << line;
    if (fields.size() == 3) cases.push_back({line, fields[0], fields[1], fields[2]});
  }
  return cases;
}

// "\n" and "\r" in the names table stand for the characters.
std::string unescape(std::string text) {
  for (const auto& [escaped, plain] : {std::pair{"\\n", "\n"}, std::pair{"\\r", "\r"}}) {
    for (std::size_t at; (at = text.find(escaped)) != std::string::npos;) text.replace(at, 2, plain);
  }
  return text;
}

TEST(Conformance, the_table_has_cases_of_both_kinds) {
  std::size_t sizes = 0, seconds = 0;
  for (const Case& c : read_table()) {
    sizes += c.kind == "size";
    seconds += c.kind == "seconds";
  }
  EXPECT_GE(sizes, 20u);
  EXPECT_GE(seconds, 10u);
}

TEST(Conformance, parse_size_and_parse_seconds_answer_as_the_table_says) {
  for (const Case& c : read_table()) {
    const std::string where = "line " + std::to_string(c.line) + ": " + c.kind + " '" + c.input + "'";
    if (c.kind == "size") {
      const auto parsed = parse_size(c.input);
      if (c.expected == "error") {
        EXPECT_FALSE(parsed.has_value()) << where << " gave " << parsed.value_or(0);
      } else {
        ASSERT_TRUE(parsed.has_value()) << where << ": " << parsed.error();
        EXPECT_EQ(std::to_string(*parsed), c.expected) << where;
      }
    } else if (c.kind == "seconds") {
      const auto parsed = parse_seconds(c.input);
      if (c.expected == "error") {
        EXPECT_FALSE(parsed.has_value()) << where << " gave " << parsed.value_or(std::chrono::nanoseconds{0}).count();
      } else {
        ASSERT_TRUE(parsed.has_value()) << where << ": " << parsed.error();
        EXPECT_EQ(std::to_string(parsed->count()), c.expected) << where;
      }
    } else if (c.kind == "cpus" || c.kind == "overcommit") {
      // A number or nothing: CPUs, or the overcommit's tenths of a CPU.
      const auto number = c.kind == "cpus" ? plan::parse_cpu_count(c.input) : plan::parse_cpu_overcommit(c.input);
      if (c.expected == "error") {
        EXPECT_FALSE(number.has_value()) << where << " gave " << number.value_or(0);
      } else {
        ASSERT_TRUE(number.has_value()) << where;
        EXPECT_EQ(std::to_string(*number), c.expected) << where;
      }
    } else if (c.kind == "processors") {
      const auto tenths = plan::parse_cpu_tenths(c.input);
      if (c.expected == "error") {
        EXPECT_FALSE(tenths.has_value()) << where << " gave " << tenths.value_or(0);
      } else {
        ASSERT_TRUE(tenths.has_value()) << where;
        std::string answer = std::to_string(*tenths);
        for (const std::string& group : plan::cpu_groups(*tenths, 10)) answer += " " + group;
        EXPECT_EQ(answer, c.expected) << where;
        // And back: the manifest carries the demand as format_cpu_tenths() writes it.
        EXPECT_EQ(plan::parse_cpu_tenths(plan::format_cpu_tenths(*tenths)), tenths) << where;
      }
    } else {
      ADD_FAILURE() << where << ": unknown kind";
    }
  }
}

// The whole MiB the CMake side counts, in C++ (parse_size_mib, which the ctest-time budget uses):
// the same rule tests/cmake/check-conformance.cmake applies to _mm_size_to_mib.
TEST(Conformance, parse_size_mib_rounds_as_the_cmake_side_does) {
  constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
  std::size_t checked = 0;
  for (const Case& c : read_table()) {
    if (c.kind != "size") continue;
    const std::string where = "line " + std::to_string(c.line) + ": size '" + c.input + "'";
    const auto up = parse_size_mib(c.input, MibRounding::up);
    const auto down = parse_size_mib(c.input, MibRounding::down);
    if (c.expected == "error" || c.expected == "0") {
      EXPECT_FALSE(up.has_value()) << where;
      EXPECT_FALSE(down.has_value()) << where;
      if (c.expected == "0" && !up) {
        EXPECT_CONTAINS(up.error(), "above zero");
      }
      continue;
    }
    const std::uint64_t bytes = std::stoull(c.expected);
    ASSERT_TRUE(up.has_value()) << where << ": " << up.error();
    EXPECT_EQ(*up, (bytes + kMiB - 1) / kMiB) << where;
    // Rounded down: whole units only, as the CMake check (the table's bytes have a fraction of a
    // unit rounded up to whole bytes; both sides round a budget down from the exact value).
    if (c.input.find('.') != std::string::npos) {
      // nothing to compare with the bytes
    } else if (bytes < kMiB) {
      EXPECT_FALSE(down.has_value()) << where << " below 1 MiB rounded down must be refused";
    } else {
      ASSERT_TRUE(down.has_value()) << where << ": " << down.error();
      EXPECT_EQ(*down, bytes / kMiB) << where;
    }
    ++checked;
  }
  EXPECT_GE(checked, 15u);
}

TEST(Conformance, the_planner_decides_about_names_as_the_table_says) {
  std::size_t counted = 0;
  for (const auto& [line, fields] : read_lines(MMTEST_NAMES_TABLE)) {
    if (fields[0] == "resource") continue;  // the test below
    const std::string where = "line " + std::to_string(line) + ": " + fields[0];
    ASSERT_GE(fields.size(), 3u) << where;
    const bool want = fields.back() == "yes";
    ASSERT_TRUE(fields.back() == "yes" || fields.back() == "no") << where;
    const std::string first = unescape(fields[1]);
    if (fields[0] == "cost-file-name") {
      EXPECT_EQ(plan::cost_file_can_hold(first), want) << where << " '" << fields[1] << "'";
    } else if (fields[0] == "disabled") {
      EXPECT_EQ(plan::is_disabled_case(first), want) << where << " '" << fields[1] << "'";
    } else if (fields[0] == "glob") {
      ASSERT_EQ(fields.size(), 4u) << where;
      EXPECT_EQ(plan::glob_matches(first, unescape(fields[2])), want)
          << where << " '" << fields[1] << "' over '" << fields[2] << "'";
    } else {
      ADD_FAILURE() << where << ": unknown kind";
    }
    ++counted;
  }
  EXPECT_GE(counted, 40u);
}

// The CTest resource types the tests request and the spec offers: the CMake module's names
// (cmake/internal/Resources.cmake) are checked against the same rows, so a name changed on one
// side only fails one of the two tests.
TEST(Conformance, the_resource_type_names_are_those_of_the_table) {
  const std::vector<std::pair<std::string, std::string_view>> types = {
      {"memory", record::kMemoryResourceType},
      {"cpu", record::kCpuResourceType},
      {"idle", record::kIdleResourceType},
      {"gpu", record::kGpuResourceType},
  };
  std::vector<std::string> seen;
  for (const auto& [line, fields] : read_lines(MMTEST_NAMES_TABLE)) {
    if (fields[0] != "resource") continue;
    const std::string where = "line " + std::to_string(line);
    ASSERT_EQ(fields.size(), 3u) << where;
    bool known = false;
    for (const auto& [kind, name] : types) {
      if (fields[1] != kind) continue;
      known = true;
      EXPECT_EQ(name, fields[2]) << where << ": the " << kind << " resource type";
    }
    EXPECT_TRUE(known) << where << ": unknown resource '" << fields[1] << "'";
    seen.push_back(fields[1]);
  }
  // Each type exactly once: a row left out would check nothing.
  for (const auto& [kind, name] : types) {
    EXPECT_EQ(std::count(seen.begin(), seen.end(), kind), 1) << "rows of the " << kind << " resource type";
  }
}

}  // namespace
}  // namespace mmtest
