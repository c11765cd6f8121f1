#pragma once

// What mmtest-run tells the test it starts (docs/launcher.md, "What the test is told"), and so
// what mmtest's GoogleTest listener reads: one definition for the side that sets the variables and
// the side that reads them. A value inherited from an outer mmtest-run is never passed on: each
// run sets its own, or none.

#include <string_view>

namespace mmtest::record {

// The test's name, as --name gave it.
inline constexpr std::string_view kTestNameVariable = "MMTEST_RUN_TEST_NAME";
// Its memory budget in bytes, when it has one (--memory).
inline constexpr std::string_view kMemoryBytesVariable = "MMTEST_RUN_MEMORY_BYTES";
// The case log to append to (case_log.hpp): <the test's private TMPDIR>/kCasesFile.
inline constexpr std::string_view kCasesFileVariable = "MMTEST_RUN_CASES_FILE";

}  // namespace mmtest::record
