#pragma once

// The manifest: what each test needs, written at configure time by the CMake module (one
// `_mm_need(...)` line per test or GoogleTest target), read by the planner at ctest time.

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

// ---- the manifest: what each test needs ---------------------------------------------------------

struct ManifestTest {
  std::string name;
  std::uint64_t memory_mib = 0;
  std::uint64_t timeout_seconds = 0;  // 0: not in the manifest (older manifests have none)
  std::uint64_t cpu_tenths = 10;      // PROCESSORS in tenths of a CPU; older manifests have none
  bool cpus_fixed = false;            // FIXED: held as declared, never learned (cpu_demand.hpp)
};

// The cases of one mm_gtest_discover_tests() call: their names are in the list its discovery
// writes (one "<Suite>.<Case>" per line), known only once ctest has discovered them.
struct CaseTimeout {
  std::string pattern;  // a glob over "<Suite>.<Case>" (glob_matches())
  std::uint64_t seconds = 0;
};

struct CaseList {
  std::string list_file;
  std::string prefix;
  std::string suffix;
  std::uint64_t memory_mib = 0;
  std::uint64_t timeout_seconds = 0;
  std::uint64_t cpu_tenths = 10;
  bool cpus_fixed = false;
  std::vector<CaseTimeout> timeouts;  // CASE_TIMEOUTS: the first match sets a case's timeout
};

// One line of the manifest as declared: a test, or every case of a GoogleTest target. The subject
// completes "mmtest: <subject> needs 4096 MiB but the memory budget is ...".
struct Declaration {
  std::string subject;  // "test 'replay'", "each test of 'unit' (mm_gtest_discover_tests)"
  std::uint64_t memory_mib = 0;
  std::uint64_t gpus = 0;
  std::uint64_t cpu_tenths = 10;
};

struct Manifest {
  std::vector<Declaration> declarations;  // every well-formed line, in order
  std::vector<ManifestTest> tests;      // declaration order
  std::vector<CaseList> case_lists;     // GoogleTest targets, in declaration order
  std::size_t malformed_lines = 0;
};

// Parses the manifest written at configure time: `_mm_need("<subject>" <MiB> <gpus> [<timeout>
// [<cpus> [FIXED] [CASES "<list file>" "<prefix>" "<suffix>" ["<pattern>" <seconds>]...]]])`
// lines, `#` comments and blank lines. <cpus> is PROCESSORS ("2", "0.5": parse_cpu_tenths());
// FIXED says it is held as declared on every run.
// The timeout (whole seconds) and the CPUs are absent from older manifests. Subjects
// `test '<name>'` are tests; a line with CASES is a GoogleTest target (its case_lists entry);
// other subjects are skipped. Malformed lines are counted and skipped.
Manifest parse_manifest(std::string_view text);
std::expected<Manifest, std::string> read_manifest(const std::filesystem::path& path);

// A case GoogleTest does not run: its suite or name (after a parameterised prefix "Instance/")
// starts with DISABLED_. The CMake side's rule is _mm_case_disabled (cmake/internal/Names.cmake);
// tests/conformance/names.txt holds the cases both answer.
bool is_disabled_case(std::string_view suite_dot_case);

// GoogleTest-style glob: '*' matches any run of characters, '?' any one, others themselves; the
// whole text must match. The same rule as CASE_TIMEOUTS at ctest time (_mm_glob_regex in
// cmake/internal/Names.cmake), both tested against tests/conformance/names.txt.
bool glob_matches(std::string_view pattern, std::string_view text);

// Appends to manifest.tests, after the others, the cases of each case list, named
// <prefix><Suite>.<Case><suffix> with the list's needs (the timeout of its first matching
// pattern, else the list's); disabled cases (DISABLED_ in the suite or
// case name) are left out, as CTest does not run them. Returns how many lists could not be read
// (their target was never discovered yet: its cases are not planned this time).
std::size_t add_listed_cases(Manifest& manifest);

}  // namespace mmtest::plan
