#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mmtest/run/options.hpp"
#include "mmtest/run/supervision.hpp"

namespace mmtest::run {

enum class Outcome { passed, skipped, failed, signal, timeout, memory, process_limit, leaked, interrupted, harness_error };

std::string_view to_string(Outcome outcome);

// What mmtest-run reports and how it exits.
struct Verdict {
  Outcome outcome = Outcome::passed;
  int exit_code = 0;                      // used when reraise_signal is empty
  std::optional<int> reraise_signal;      // die by this signal so the caller sees it
  std::optional<std::string> diagnosis;   // the one line for stderr, for every outcome but passed and skipped
};

// Turns the facts into the outcome, the exit code of the contract (exit_codes.hpp) and the
// one-line diagnosis that names the test, the cause, the measured figure, the limit and a fix.
//
// Which story wins, first match:
//   1. the tree was stopped (memory, process limit, timeout, interruption): that reason;
//   2. the main process died of a signal, or exited non-zero: the test's own failure, which also
//      mentions a peak over the memory budget and leaked processes;
//   3. the measured peak is over the memory budget although nothing stopped the tree (the test
//      ended before a sample saw it): memory, exit 123, also mentioning leaked processes;
//   4. processes were left behind (unless allowed): leaked;
//   5. the test reported that it skipped every test case it ran: skipped, exit 0;
//   6. passed.
// So a record never says passed or skipped with a peak above its budget.
//
// When a GoogleTest program running mmtest's listener left a case log (run.cases), the diagnosis
// also says which test case was running (" while running <case>") and which grew memory most
// ("; biggest growth: <case> +<size>"), and a stop by the listener's memory guard is explained.
Verdict classify(const Supervision& run, const Options& options);

// For failures before the test could start (command not found, setup errors).
Verdict harness_error(const Options& options, int exit_code, std::string_view message);

// The launcher's exit status as a shell would see it: the code, or 128+N for a re-raised signal.
int reported_exit_status(const Verdict& verdict);

}  // namespace mmtest::run
