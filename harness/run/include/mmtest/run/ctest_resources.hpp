#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "mmtest/run/options.hpp"

namespace mmtest::run {

// The CTest resource type that add_mm_test() requests memory on; one slot is one MiB.
inline constexpr std::string_view kMemoryResourceType = "mmtest_memory_mib";

// Sums the slots CTest allocated to this test on the memory resource, from the variables
// CTEST_RESOURCE_GROUP_COUNT, CTEST_RESOURCE_GROUP_<n> and CTEST_RESOURCE_GROUP_<n>_MMTEST_MEMORY_MIB
// ("id:0,slots:512;id:1,slots:64"). nullopt when CTest allocated no memory; an error when the
// variables are present but malformed.
std::expected<std::optional<std::uint64_t>, std::string> ctest_memory_allocation_mib(
    const Environment& environment);

}  // namespace mmtest::run
