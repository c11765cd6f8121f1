#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace mmtest {

// The size and seconds grammar. The CMake module checks the same grammar at configure time
// (cmake/internal/Units.cmake); tests/conformance/units.txt is the one table of cases both are
// tested against. No space anywhere, no sign, no exponent.

// Parses a memory size: plain bytes ("1048576") or a number with a binary unit K, M, G or T,
// optionally followed by "i" and/or "B", case-insensitive ("512M", "2g", "1.5GiB", "300MiB", "64kb").
// Fractions are allowed with a unit and rounded up to a whole byte. At most 2^51 bytes (2048T, the
// 2^31 MiB CTest's resource slots can count). The error is a short phrase suitable after
// "expected a size like 512M or 2G, got '...'".
std::expected<std::uint64_t, std::string> parse_size(std::string_view text);

// A size in whole MiB, as the CMake module counts MEMORY (rounded up: a need) and a budget (rounded
// down), from the exact value. Zero, and below 1 MiB once rounded, are refused. The error completes
// "<what> <error>": "expects a size like 512M or 2G, got '12Q'" (the CMake side's words).
enum class MibRounding { up, down };
std::expected<std::uint64_t, std::string> parse_size_mib(std::string_view text, MibRounding rounding);

// Parses a duration in seconds: a non-negative decimal number, fraction allowed ("0.5", "600";
// nanoseconds kept). At most 999999999 seconds.
std::expected<std::chrono::nanoseconds, std::string> parse_seconds(std::string_view text);

// Parses a non-negative integer count ("1024", blanks around it forgiven), exactly, up to 2^64 - 1.
std::expected<std::uint64_t, std::string> parse_count(std::string_view text);

// "812.0 MiB" below 1 GiB, "2.31 GiB" above; "0 B" .. "1023 B" and KiB for small values.
std::string format_bytes(std::uint64_t bytes);

// "2.5 s", "600 s", "0.25 s": seconds with up to three significant decimals, no trailing zeros.
std::string format_seconds(std::chrono::nanoseconds duration);

double to_seconds(std::chrono::nanoseconds duration);

}  // namespace mmtest
