#pragma once

// The subcommands of `mmtest`, each a function of its arguments and two streams, so tests call
// them directly; main() only adds argv and whether stdout is a terminal.

#include <ostream>
#include <span>
#include <string>

namespace mmtest::tool {

namespace exit_code {
inline constexpr int kDone = 0;
inline constexpr int kPlanFailed = 1;
inline constexpr int kUsage = 2;
inline constexpr int kNoRecords = 3;
inline constexpr int kOutputNotWritten = 4;
inline constexpr int kHistoryUnusable = 5;
inline constexpr int kPushFailed = 6;
inline constexpr int kNoBudget = 7;  // plan: the run's budgets could not be set; ctest must stop
inline constexpr int kFlaky = 8;     // report --fail-on-flaky: a test passed only after a failed attempt
}  // namespace exit_code

// The whole command line after the program name.
int run_tool(std::span<const std::string> args, std::ostream& out, std::ostream& err, bool stdout_is_terminal);

}  // namespace mmtest::tool
