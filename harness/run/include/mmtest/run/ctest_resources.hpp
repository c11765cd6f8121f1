#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "mmtest/record/environment.hpp"
#include "mmtest/run/options.hpp"

namespace mmtest::run {

// The CTest resource types (mmtest/record/environment.hpp).
using record::kCpuResourceType;
using record::kIdleResourceType;
using record::kMemoryResourceType;

// Sums the slots CTest allocated to this test on the memory resource, from the variables
// CTEST_RESOURCE_GROUP_COUNT, CTEST_RESOURCE_GROUP_<n> and CTEST_RESOURCE_GROUP_<n>_MMTEST_MEMORY_MIB
// ("id:0,slots:512;id:1,slots:64"). nullopt when CTest allocated no memory; an error when the
// variables are present but malformed.
std::expected<std::optional<std::uint64_t>, std::string> ctest_memory_allocation_mib(
    const Environment& environment);

// The CPU ids CTest allocated to this test on the CPU resource, in increasing order, each once
// however many slots of it were given; empty when CTest allocated none. An error when the
// variables are malformed or an id is not a whole number.
std::expected<std::vector<std::uint32_t>, std::string> ctest_cpu_allocation(const Environment& environment);

// The CPUs CTest reserved for this test: the slots it allocated on the CPU resource over the
// slots each CPU id has (kCpuSlotsVariable, else record::kCpuSlotsPerCpu): 0.3 for three slots of
// ten; 0 for a test that holds a slot of the idle pool and no CPU (learned idle). nullopt when
// CTest allocated neither; an error when the variables are malformed.
std::expected<std::optional<double>, std::string> ctest_cpus_reserved(const Environment& environment);

}  // namespace mmtest::run
