#pragma once

#include <ostream>
#include <span>
#include <string>

namespace mmtest::tool {

// `mmtest plan`'s whole command line (the arguments after "plan"): the lines for the user (the
// budgets, the tests that can never run, the -j trap, the plan) go to `out`, errors to `err`.
// Exit code: 0 done (also when there is nothing to plan), 1 manifest unreadable or cost file not
// written (the spec, when asked for, is written), 2 usage error (nothing read or written), 7 the
// budgets could not be set (nothing written: ctest must not run the tests). See docs/tool.md,
// "mmtest plan".
int plan_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace mmtest::tool
