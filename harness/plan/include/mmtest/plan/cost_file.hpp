#pragma once

// CTest's cost file, Testing/Temporary/CTestCostData.txt: the one channel through which the
// planned order reaches CTest (plan.hpp says why).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::plan {

// ---- CTest's cost file ------------------------------------------------------------------------------

struct CostLine {
  std::string name;  // cost_file_can_hold(name)
  std::uint64_t cost = 0;
};

// The cost file's new text from its current text (empty when there is none). First `planned`, in
// order, as `<name> 0 <cost>` (0 previous runs: CTest averages its next measured time with the
// cost read, weighted by the runs, so 0 keeps a planned cost out of the file's measured times);
// then the current lines before "---" of tests not planned, except lines of fewer than three
// space-separated parts, on which CTest would stop reading the whole file; then "---" and the
// current non-empty lines after it (the tests that failed last run, which CTest starts first).
// Every line ends in '\n'.
std::string merge_cost_data(std::string_view existing, std::span<const CostLine> planned);

// The file's text; empty when it does not exist yet (ctest never ran in this build tree). Any
// other failure to read it is an error: writing then would throw away CTest's data unseen.
std::expected<std::string, std::string> read_cost_file(const std::filesystem::path& path);

// Writes the file beside itself under a name of this process, then renames it over the file: CTest
// never reads half a file, and two ctest runs sharing a build tree never write into each other's
// temporary file; the last rename wins, whole.
std::expected<void, std::string> write_cost_file(const std::filesystem::path& path, const std::string& text);

}  // namespace mmtest::plan
