#pragma once

// Memory the machine can give without swapping: MemAvailable, the kernel's own estimate.

#include <cstdint>
#include <filesystem>
#include <optional>

namespace mmtest::machine {

// MemAvailable of `meminfo` in MiB (rounded down); none when the file or the line is missing.
std::optional<std::uint64_t> mem_available_mib(const std::filesystem::path& meminfo = "/proc/meminfo");

}  // namespace mmtest::machine
