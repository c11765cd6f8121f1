#pragma once

// Names that cross from one part of mmtest to another, each defined once: what mmtest-run tells
// the test it starts (docs/launcher.md, "What the test is told"), which mmtest's GoogleTest listener
// reads, and the CTest resource types the tests request. A value inherited from an outer
// mmtest-run is never passed on: each run sets its own, or none.

#include <string_view>

namespace mmtest::record {

// The test's name, as --name gave it.
inline constexpr std::string_view kTestNameVariable = "MMTEST_RUN_TEST_NAME";
// Its memory budget in bytes, when it has one (--memory).
inline constexpr std::string_view kMemoryBytesVariable = "MMTEST_RUN_MEMORY_BYTES";
// The case log to append to (case_log.hpp): <the test's private TMPDIR>/kCasesFile.
inline constexpr std::string_view kCasesFileVariable = "MMTEST_RUN_CASES_FILE";

// The ctest run's id (record/attempts.hpp), set by the ctest-time hook in ctest's environment
// and so every test's; each ctest invocation sets its own.
inline constexpr std::string_view kCtestRunVariable = "MMTEST_CTEST_RUN";

// The CTest resource types mmtest's tests request (RESOURCE_GROUPS, cmake/internal/Resources.cmake)
// and the ctest-time resource spec offers: memory, one slot per MiB; CPUs, one id per CPU of
// kCpuSlotsPerCpu slots each (a test may hold a tenth of a CPU), id <i> standing for the i-th CPU
// of the test's affinity. CTest hands a test its share
// in CTEST_RESOURCE_GROUP_<n>_<TYPE IN UPPER CASE>, which mmtest-run reads; the tool reads the spec.
// tests/conformance/names.txt holds these names too, and both sides are tested against it
// (launcher_unit_tests' Conformance cases; tests/cmake/check-conformance.cmake): neither can
// rename one alone.
inline constexpr std::string_view kMemoryResourceType = "mmtest_memory_mib";
inline constexpr std::string_view kCpuResourceType = "mmtest_cpus";
// Tests seen to leave their CPU idle (a learned demand under a tenth of a CPU: they sleep,
// wait for I/O or a server) hold no CPU but one slot of this pool, one id of kCpuSlotsPerCpu slots
// per CPU of the budget: as many of them run at once as the floor of a tenth each used to allow,
// without keeping a CPU-bound test waiting.
inline constexpr std::string_view kIdleResourceType = "mmtest_idle";
// GPUs, one id per GPU of one slot each (the name CTest's own documentation uses).
inline constexpr std::string_view kGpuResourceType = "gpus";

// The slots of each CPU id in the spec mmtest writes: a slot is a tenth of a CPU.
inline constexpr unsigned kCpuSlotsPerCpu = 10;
// The slots per CPU id of this run's spec, set by the ctest-time hook in ctest's environment
// when it differs from kCpuSlotsPerCpu (a spec given to ctest with --resource-spec-file), so that
// mmtest-run can tell the CPUs a test held from the slots CTest gave it.
inline constexpr std::string_view kCpuSlotsVariable = "MMTEST_CPU_SLOTS";

}  // namespace mmtest::record
