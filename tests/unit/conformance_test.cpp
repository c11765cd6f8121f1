// What the CMake module decides at configure and ctest time and the C++ side decides again, each
// against one table that the CMake side is tested against too (tests/cmake/check-conformance.cmake):
// the size and seconds grammar of mmtest::common (tests/conformance/units.txt) and the planner's
// rules about names (tests/conformance/names.txt).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mmtest/common/units.hpp"
#include "mmtest/plan/manifest.hpp"
#include "mmtest/plan/plan.hpp"

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
    } else {
      ADD_FAILURE() << where << ": unknown kind";
    }
  }
}

TEST(Conformance, the_planner_decides_about_names_as_the_table_says) {
  std::size_t counted = 0;
  for (const auto& [line, fields] : read_lines(MMTEST_NAMES_TABLE)) {
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

}  // namespace
}  // namespace mmtest
