#pragma once

// Attempts: a test CTest runs more than once within one ctest run (--repeat until-pass:N,
// until-fail:N, after-timeout:N) leaves one record per attempt. The ctest-time hook gives each
// ctest run an id (kCtestRunVariable, record field "ctest_run"); mmtest-run numbers the attempts
// of its test within that run ("attempt") and keeps the earlier ones beside the record, as
// <record without .json>~attempt-<n>.json. A later ctest run overwrites the record as before:
// the hook has added it to the history by then.

#include <filesystem>
#include <string_view>

#include "mmtest/record/environment.hpp"  // kCtestRunVariable

namespace mmtest::record {

// Where attempt `attempt` of the record at `record` is kept once a later attempt replaces it.
// '~' never occurs in the record names add_mm_test makes ([A-Za-z0-9._-]).
std::filesystem::path attempt_path(const std::filesystem::path& record, int attempt);

// Before attempt n + 1 of a test writes its record at `record`: when the record there belongs to
// the same ctest run, moves it to attempt_path(record, n) and returns n + 1. Otherwise returns 1:
// with a run id, the attempts an earlier run kept beside the record are removed (the ctest-time
// hook has added them to the history by then); without one (mmtest-run outside a hooked ctest)
// nothing is touched.
int set_aside_earlier_attempt(const std::filesystem::path& record, std::string_view ctest_run);

}  // namespace mmtest::record
