// mmtest-plan --manifest FILE --budget-mib N --cost-data FILE [--records DIR]...
//             [--jobs N] [--search-ms MS] [--max-evaluations N]
//
// Run by the ctest-time hook before CTest reads its cost file (Testing/Temporary/CTestCostData.txt):
// writes there a cost for each test of the manifest, so that CTest, which takes a test's cost from
// that file when its COST property is 0, starts the tests in the order planned. With a test needing
// 1/8 of the memory budget, that order is the one that finishes soonest when CTest's scheduler is
// simulated with the last run's durations; otherwise memory × timeout. Other tests' lines and the
// failed-tests section of the file are kept. All logic is in schedule.cpp.

#include <iostream>
#include <string>
#include <vector>

#include "mmtest/run/schedule.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return mmtest::run::run_plan(args, std::cout, std::cerr);
}
