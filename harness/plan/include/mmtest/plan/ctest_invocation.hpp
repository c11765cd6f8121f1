#pragma once

// The ctest that runs the hook: its command line says whether the user gave a resource spec
// (--resource-spec-file, which then wins over the budgets mmtest would measure) and whether a -j
// makes an older CTest run one test at a time.

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::plan {

struct CtestInvocation {
  std::vector<std::string> arguments;         // argv, the program first
  std::filesystem::path working_directory;    // where relative paths on the command line start
};

// The command line and working directory of a process, from /proc/<pid>/cmdline and cwd; the
// error names what could not be read.
std::expected<CtestInvocation, std::string> read_invocation(pid_t pid);

// The file given with --resource-spec-file (the last one counts), absolute (relative to the working
// directory); none when there is none. CTest then schedules by it and not by the spec mmtest writes.
std::optional<std::filesystem::path> given_resource_spec(const CtestInvocation& invocation);

// Whether the ctest of this version takes a missing, 0 or non-numeric -j level ('-j', '-j0',
// '-j auto') as 0 and runs serially without a word: CTest before 3.29 does; 3.29 and later take
// those as every CPU or refuse them themselves.
bool reads_bad_parallel_level_as_serial(std::string_view ctest_version);

// The last -j / --parallel on the command line, as given ("-j auto", "-j0"), when it makes such a
// CTest run one test at a time; none when it does not or there is none.
std::optional<std::string> serial_parallel_level(std::span<const std::string> arguments);

}  // namespace mmtest::plan
