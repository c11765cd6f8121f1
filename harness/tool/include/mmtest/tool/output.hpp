#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace mmtest::tool {

// Writes `content` to `path` atomically: into "<path>.tmp.<pid>" in the same directory, then
// renamed over `path`. A reader sees the old file or the whole new one; on any error nothing is
// left behind and the error names the path and the call.
std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path, std::string_view content);

// A MEMORY value a person reads and CMake accepts: "48M", "1.5G", "2G".
std::string cmake_size(std::uint64_t bytes);

// The suggested MEMORY for a measured peak (docs/tool.md, "Suggestions"): peak × 1.25, at least
// peak + 8 MiB, rounded up to a multiple of 8 MiB below 256 MiB, of 32 MiB below 1 GiB and of
// 256 MiB from there.
std::uint64_t suggested_memory_bytes(std::uint64_t peak_bytes);

// "123.4 MiB" / "2.31 GiB": the launcher's format.
std::string mib(std::uint64_t bytes);

}  // namespace mmtest::tool
