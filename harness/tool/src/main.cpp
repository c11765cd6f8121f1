// mmtest SUBCOMMAND ...: what to do with mmtest's records after (and before) a ctest run.
//
//   mmtest report [DIR...]   summary on the terminal; --junit/--trace/--html/--prometheus FILE, --push URL
//   mmtest plan ...          the start-order planner the ctest-time hook runs
//
// Exit-code contract (docs/tool.md; each mapping has a test):
//   0  done
//   1  mmtest plan: the manifest cannot be read or the cost file cannot be written
//   2  usage error: unknown subcommand or option, bad value; nothing was read or written
//   3  no records: a directory given holds no readable record
//   4  an output file (--html, --junit, --trace, --prometheus) cannot be written; none is left half-written
//   5  the history database cannot be used: written by a newer mmtest, not writable, corrupt
//   6  --push: the Pushgateway did not accept the metrics (unreachable, refused)
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "mmtest/tool/commands.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return mmtest::tool::run_tool(args, std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1);
}
