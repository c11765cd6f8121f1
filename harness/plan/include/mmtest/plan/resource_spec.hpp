#pragma once

// CTest's resource spec for one ctest run: written by `mmtest plan --spec-file` from the budgets,
// or read from the file the user gave ctest with --resource-spec-file. Memory is one pool of MiB
// slots; each CPU is an id of ten slots (a slot is a tenth of a CPU: a test may hold part of
// one, and a test holding two whole CPUs gets two distinct ids, which the launcher pins to: id
// <i> is the i-th CPU the test may run on), plus the overcommit's slots (cpu_demand.hpp), which
// only fractions of a CPU can use; each GPU an id of one slot.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <span>
#include <string>

namespace mmtest::plan {

// The spec's text: version 1.0, one local entry with the memory pool, the CPU ids (10 +
// `overcommit_tenths` slots each), the idle pool (one id of ten slots per CPU) and the GPU ids.
std::string resource_spec_text(std::uint64_t memory_mib, std::uint64_t cpus, std::span<const std::uint64_t> gpu_ids,
                               std::uint64_t overcommit_tenths = 0);

// Writes the spec whole (two ctest runs in one build tree never read a half-written file).
std::expected<void, std::string> write_resource_spec(const std::filesystem::path& path, std::uint64_t memory_mib,
                                                     std::uint64_t cpus, std::span<const std::uint64_t> gpu_ids,
                                                     std::uint64_t overcommit_tenths = 0);

// What a spec gives mmtest's tests: the most memory slots of any one id (a test's memory comes
// from one id), the number of CPU ids and of GPU ids.
struct SpecBudgets {
  std::uint64_t memory_mib = 0;
  std::uint64_t cpus = 0;
  std::uint64_t cpu_slots = 0;  // the fewest slots of a CPU id: what one CPU is worth
  bool idle_pool = false;       // an mmtest_idle id with slots: tests learned idle can hold one
  std::uint64_t gpus = 0;
};

// Reads the spec given to ctest. A file that cannot be read, is not a version 1 spec or lacks the
// memory or CPU resource is an error, one line naming the file and the fix: CTest would run none
// of mmtest's tests with it.
std::expected<SpecBudgets, std::string> read_given_resource_spec(const std::filesystem::path& path);

// Copies a spec whole (the one given to ctest, to where `mmtest report` reads the run's spec).
std::expected<void, std::string> copy_resource_spec(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace mmtest::plan
