// The size and seconds grammar of mmtest::common against tests/conformance/units.txt, the table
// the CMake module's grammar is tested against too (tests/cmake/check-conformance.cmake).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mmtest/common/units.hpp"

namespace mmtest {
namespace {

struct Case {
  int line = 0;
  std::string kind, input, expected;
};

std::vector<Case> read_table() {
  std::ifstream file(MMTEST_CONFORMANCE_TABLE);
  EXPECT_TRUE(file) << "cannot open " << MMTEST_CONFORMANCE_TABLE;
  std::vector<Case> cases;
  std::string text;
  for (int line = 1; std::getline(file, text); ++line) {
    if (text.empty() || text.front() == '#') continue;
    const auto first = text.find('\t');
    const auto second = text.find('\t', first + 1);
    EXPECT_TRUE(first != std::string::npos && second != std::string::npos) << "line " << line << ": " << text;
    if (first == std::string::npos || second == std::string::npos) continue;
    cases.push_back({line, text.substr(0, first), text.substr(first + 1, second - first - 1), text.substr(second + 1)});
  }
  return cases;
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

}  // namespace
}  // namespace mmtest
