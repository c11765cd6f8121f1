#pragma once

// The budgets one ctest run schedules against, found when it starts (`mmtest plan --spec-file`,
// run by the ctest-time hook): memory in MiB, CPUs and GPUs. Each is given (the environment
// first, then the build tree's cache variable) or measured on this machine (mmtest::machine).
// The rules, and the words that say where a budget came from, are the user guide's: the CMake
// module only passes its cache variables on.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/machine/cgroups.hpp"

namespace mmtest::plan {

// What the user gave; an empty text is "not given".
struct BudgetSettings {
  std::string memory_environment;  // MMTEST_MEMORY_BUDGET when ctest started: a size
  std::string memory_cache;        // the cache variable MMTEST_MEMORY_BUDGET of the build tree
  std::string cpus_environment;    // MMTEST_CPU_BUDGET: a count
  std::string cpus_cache;
  std::string gpus_environment;    // MMTEST_GPUS: a count
};

// The environment's settings, beside the build tree's cache values.
BudgetSettings settings_from_environment(std::string memory_cache, std::string cpus_cache);

// Where the machine is read. The defaults are this process on this machine; tests give a fake one.
struct MachineProbe {
  machine::ProcessView view;
  std::filesystem::path meminfo = "/proc/meminfo";
  std::filesystem::path devices = "/dev";         // NVIDIA GPUs show as nvidia<N> here
  std::optional<std::vector<int>> allowed_cpus;   // unset: this process's affinity
};

// A budget and the words naming its source: "environment variable MMTEST_MEMORY_BUDGET=6G",
// "MemAvailable 22017 MiB - reserve 2048 MiB; no cgroup memory limit".
struct Budget {
  std::uint64_t value = 0;
  std::string source;
};

// A count of CPUs as MMTEST_CPU_BUDGET takes it: digits only, leading zeros allowed, 1 to 999999;
// none otherwise. The CMake side checks the cache variable at configure time by the same rule
// (_mm_cpu_count_error); tests/conformance/units.txt's "cpus" rows are the cases both answer.
std::optional<std::uint64_t> parse_cpu_count(std::string_view text);

// The safety reserve kept off a measured memory figure: 10 %, at least 256 and at most 2048 MiB.
std::uint64_t memory_reserve_mib(std::uint64_t detected_mib);

// First found wins: the environment, the cache (both exact), else the least of MemAvailable and
// what the cgroup limits on the path leave, less the reserve (at least 1 MiB). A malformed given
// budget is an error naming the variable: running unthrottled because of a typo is the silent
// failure mmtest exists to prevent.
std::expected<Budget, std::string> find_memory_budget(const BudgetSettings& settings, const MachineProbe& probe = {});

// First found wins: the environment, the cache, else the CPUs of the affinity lowered to the
// smallest cgroup CPU quota on the path when that is smaller, rounded down but at least 1.
std::expected<Budget, std::string> find_cpu_budget(const BudgetSettings& settings, const MachineProbe& probe = {});

// GPU ids: 0..MMTEST_GPUS-1 when set, else the numbers of the NVIDIA device nodes, in order.
std::expected<std::vector<std::uint64_t>, std::string> find_gpu_ids(const BudgetSettings& settings,
                                                                    const MachineProbe& probe = {});

}  // namespace mmtest::plan
