#include "mmtest/common/units.hpp"

#include <cctype>
#include <fmt/format.h>

namespace mmtest {
namespace {

// 2^31 MiB (2048T): the most the CMake side can hand CTest, whose resource slots are an int.
constexpr std::uint64_t kMaxSizeBytes = std::uint64_t{1} << 51;
constexpr std::uint64_t kMaxSeconds = 999'999'999;
// Fraction digits beyond these change nothing a size or a duration can hold (CMake keeps as many).
constexpr std::size_t kFractionDigits = 9;
constexpr std::uint64_t kFractionScale = 1'000'000'000;

// "digits[.digits]": the whole part and up to nine fraction digits, both exactly, as integers
// (a double would round 2^53 + 1 and 0.1 alike). No sign, no exponent, no space.
struct Decimal {
  std::uint64_t whole = 0;
  std::uint64_t fraction_nanos = 0;  // the fraction × 10^9, truncated
  bool has_fraction = false;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A fraction of 10^9 times a unit of up to 2^40 bytes needs 70 bits on the way.
__extension__ typedef unsigned __int128 Wide;

// Reads a decimal from the front of text; `limit` bounds the whole part.
std::expected<Decimal, std::string> read_decimal(std::string_view& text, std::uint64_t limit, std::string_view too_big) {
  std::size_t i = 0;
  Decimal result;
  std::size_t whole_digits = 0;
  while (i < text.size() && is_digit(text[i])) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (result.whole > (limit - digit) / 10) return std::unexpected(std::string(too_big));
    result.whole = result.whole * 10 + digit;
    ++i;
    ++whole_digits;
  }
  if (whole_digits == 0) return std::unexpected("a number");
  if (i < text.size() && text[i] == '.') {
    ++i;
    std::size_t fraction_digits = 0;
    std::uint64_t scale = kFractionScale;
    while (i < text.size() && is_digit(text[i])) {
      if (fraction_digits < kFractionDigits) {
        scale /= 10;
        result.fraction_nanos += static_cast<std::uint64_t>(text[i] - '0') * scale;
      }
      ++i;
      ++fraction_digits;
    }
    if (fraction_digits == 0) return std::unexpected("a digit after the decimal point");
    result.has_fraction = true;
  }
  text.remove_prefix(i);
  return result;
}

}  // namespace

namespace {

constexpr std::string_view kSizeTooBig = "a size of at most 2048T";

// A size read exactly: its decimal and the bytes of its unit.
struct SizeParts {
  Decimal number;
  std::uint64_t unit_bytes = 1;
};

std::expected<SizeParts, std::string> parse_size_parts(std::string_view text) {
  std::string_view rest = text;
  auto number = read_decimal(rest, kMaxSizeBytes, kSizeTooBig);
  if (!number) return std::unexpected(number.error());

  std::uint64_t unit_bytes = 1;
  if (!rest.empty()) {
    switch (rest.front()) {
      case 'k': case 'K': unit_bytes = std::uint64_t{1} << 10; break;
      case 'm': case 'M': unit_bytes = std::uint64_t{1} << 20; break;
      case 'g': case 'G': unit_bytes = std::uint64_t{1} << 30; break;
      case 't': case 'T': unit_bytes = std::uint64_t{1} << 40; break;
      case 'b': case 'B': break;
      default: return std::unexpected("a unit K, M, G or T");
    }
    const bool has_unit = unit_bytes != 1;
    if (has_unit) rest.remove_prefix(1);
    if (has_unit && !rest.empty() && (rest.front() == 'i' || rest.front() == 'I')) rest.remove_prefix(1);
    if (!rest.empty() && (rest.front() == 'b' || rest.front() == 'B')) rest.remove_prefix(1);
    if (!rest.empty()) return std::unexpected("nothing after the unit");
  }
  if (number->has_fraction && unit_bytes == 1) return std::unexpected("whole bytes");
  if (number->whole > kMaxSizeBytes / unit_bytes) return std::unexpected(std::string(kSizeTooBig));
  return SizeParts{*number, unit_bytes};
}

}  // namespace

std::expected<std::uint64_t, std::string> parse_size(std::string_view text) {
  auto parts = parse_size_parts(text);
  if (!parts) return std::unexpected(parts.error());
  // Exact: the fraction of a unit in bytes, rounded up as the CMake side rounds MEMORY up.
  const Wide fraction_bytes = (Wide{parts->number.fraction_nanos} * parts->unit_bytes + kFractionScale - 1) / kFractionScale;
  const Wide bytes = Wide{parts->number.whole} * parts->unit_bytes + fraction_bytes;
  if (bytes > kMaxSizeBytes) return std::unexpected(std::string(kSizeTooBig));
  return static_cast<std::uint64_t>(bytes);
}

std::expected<std::uint64_t, std::string> parse_size_mib(std::string_view text, MibRounding rounding) {
  auto parts = parse_size_parts(text);
  if (!parts) {
    if (parts.error() == kSizeTooBig) return std::unexpected(fmt::format("expects at most 2^31 MiB (2048T), got '{}'", text));
    return std::unexpected(fmt::format("expects a size like 512M or 2G, got '{}'", text));
  }
  const Decimal& number = parts->number;
  if (number.whole == 0 && number.fraction_nanos == 0) {
    return std::unexpected(fmt::format("expects a size above zero, like 512M or 2G, got '{}'", text));
  }
  // MiB = (whole + fraction / 10^9) * unit / 2^20, rounded once from the exact value.
  const Wide numerator = (Wide{number.whole} * kFractionScale + number.fraction_nanos) * parts->unit_bytes;
  const Wide denominator = Wide{kFractionScale} << 20;
  Wide mib = numerator / denominator;
  if (rounding == MibRounding::up && numerator % denominator != 0) ++mib;
  if (mib > (kMaxSizeBytes >> 20)) return std::unexpected(fmt::format("expects at most 2^31 MiB (2048T), got '{}'", text));
  if (mib == 0) return std::unexpected(fmt::format("expects at least 1 MiB, got '{}'", text));
  return static_cast<std::uint64_t>(mib);
}

std::expected<std::chrono::nanoseconds, std::string> parse_seconds(std::string_view text) {
  constexpr std::string_view kTooBig = "at most 999999999 seconds";
  std::string_view rest = text;
  auto number = read_decimal(rest, kMaxSeconds, kTooBig);
  if (!number) return std::unexpected(number.error());
  if (!rest.empty()) return std::unexpected("plain seconds");
  return std::chrono::seconds{number->whole} + std::chrono::nanoseconds{number->fraction_nanos};
}

std::expected<std::uint64_t, std::string> parse_count(std::string_view text) {
  // Counts are not part of the CMake side's grammar: surrounding white space (an environment
  // variable's trailing newline) is forgiven, as it always was.
  std::string_view rest = text;
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back()))) rest.remove_suffix(1);
  auto number = read_decimal(rest, ~std::uint64_t{0}, "a smaller number");
  if (!number || number->has_fraction || !rest.empty()) return std::unexpected("a whole number");
  return number->whole;
}

std::string format_bytes(std::uint64_t bytes) {
  // The unit is chosen after rounding, so 2^20 - 1 bytes reads "1.0 MiB", not "1024.0 KiB".
  const double value = static_cast<double>(bytes);
  if (value >= 0x1p30 - 0.05 * 0x1p20) return fmt::format("{:.2f} GiB", value / 0x1p30);
  if (value >= 0x1p20 - 0.05 * 0x1p10) return fmt::format("{:.1f} MiB", value / 0x1p20);
  if (bytes >= 1024) return fmt::format("{:.1f} KiB", value / 0x1p10);
  return fmt::format("{} B", bytes);
}

double to_seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

std::string format_seconds(std::chrono::nanoseconds duration) {
  std::string text = fmt::format("{:.3f}", to_seconds(duration));
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + " s";
}

}  // namespace mmtest
