#pragma once

// Options a test gives mmtest-run through its environment, for tests whose command line mmtest
// cannot write itself: those of a project adopted with MMTestAdopt.cmake. Their command is
// `mmtest-run --options-from-environment -- COMMAND...`, or COMMAND behind a target's
// TEST_LAUNCHER or CROSSCOMPILING_EMULATOR of that form, and each test's CTest ENVIRONMENT
// property holds its own options (name, memory, timeout, record...), set when the project's
// configure ends, once every property of the test is known.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/run/options.hpp"

namespace mmtest::run {

// The first word after the launcher's name that asks for the environment's options.
inline constexpr std::string_view kOptionsFromEnvironmentFlag = "--options-from-environment";
// The variable: one option per line ("--name=a b", "--memory=256M", ...). Removed from the
// environment the test's processes get, so that a ctest run inside the test starts afresh.
inline constexpr std::string_view kRunOptionsVariable = "MMTEST_RUN_OPTIONS";

enum class EnvironmentOptions {
  not_asked,     // no --options-from-environment: the command line is mmtest-run's own
  applied,       // the flag was replaced by the variable's options
  pass_through,  // the flag without the variable: run the command as it is, unsupervised
};

// Replaces `args[1]`, when it is --options-from-environment, by the lines of MMTEST_RUN_OPTIONS
// and removes the variable from `environment`. Without the variable (a custom command that runs
// a target whose emulator is the launcher, or a test run by hand) it returns pass_through: the
// command after "--" should then run as if mmtest-run were not there.
std::expected<EnvironmentOptions, EarlyExit> apply_environment_options(std::vector<std::string>& args,
                                                                         Environment& environment);

// Replaces this process with the command after "--" of `args`, searching PATH as execvp does.
// Returns only when that fails, with exit code 127 (not found) or 126 (not executable) and a
// message on stderr.
int exec_command_after_separator(const std::vector<std::string>& args);

}  // namespace mmtest::run
