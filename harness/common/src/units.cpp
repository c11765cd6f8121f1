#include "mmtest/common/units.hpp"

#include <cctype>
#include <cmath>
#include <fmt/format.h>

namespace mmtest {
namespace {

constexpr std::uint64_t kMaxSizeBytes = std::uint64_t{1} << 62;

// "digits[.digits]": the whole part exactly as an integer, the fraction as a double.
struct Decimal {
  std::uint64_t whole = 0;
  double fraction = 0;
  bool has_fraction = false;
};

// Reads a decimal from the front of text; no sign, no exponent.
std::expected<Decimal, std::string> read_decimal(std::string_view& text) {
  std::size_t i = 0;
  Decimal result;
  std::size_t whole_digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (result.whole > (kMaxSizeBytes - digit) / 10) return std::unexpected("a smaller number");
    result.whole = result.whole * 10 + digit;
    ++i;
    ++whole_digits;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    double scale = 0.1;
    std::size_t fraction_digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      result.fraction += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++fraction_digits;
    }
    if (fraction_digits == 0) return std::unexpected("a digit after the decimal point");
    result.has_fraction = true;
  }
  if (whole_digits == 0) return std::unexpected("a number");
  text.remove_prefix(i);
  return result;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

}  // namespace

std::expected<std::uint64_t, std::string> parse_size(std::string_view text) {
  std::string_view rest = trim(text);
  auto number = read_decimal(rest);
  if (!number) return std::unexpected(number.error());
  rest = trim(rest);

  double multiplier = 1;
  bool has_unit = false;
  if (!rest.empty()) {
    switch (std::tolower(static_cast<unsigned char>(rest.front()))) {
      case 'k': multiplier = 0x1p10; break;
      case 'm': multiplier = 0x1p20; break;
      case 'g': multiplier = 0x1p30; break;
      case 't': multiplier = 0x1p40; break;
      case 'b': break;
      default: return std::unexpected("a unit K, M, G or T");
    }
    has_unit = multiplier != 1;
    if (has_unit) rest.remove_prefix(1);
    if (has_unit && !rest.empty() && std::tolower(static_cast<unsigned char>(rest.front())) == 'i') {
      rest.remove_prefix(1);
    }
    if (!rest.empty() && std::tolower(static_cast<unsigned char>(rest.front())) == 'b') rest.remove_prefix(1);
    if (!rest.empty()) return std::unexpected("nothing after the unit");
  }
  if (number->has_fraction && !has_unit) return std::unexpected("whole bytes");

  // Exact integer arithmetic for the whole part; the fraction of a unit is rounded to a byte.
  const auto unit_bytes = static_cast<std::uint64_t>(multiplier);
  if (number->whole > kMaxSizeBytes / unit_bytes) return std::unexpected("a size below 4 EiB");
  const std::uint64_t bytes =
      number->whole * unit_bytes + static_cast<std::uint64_t>(std::llround(number->fraction * multiplier));
  if (bytes > kMaxSizeBytes) return std::unexpected("a size below 4 EiB");
  return bytes;
}

std::expected<std::chrono::nanoseconds, std::string> parse_seconds(std::string_view text) {
  std::string_view rest = trim(text);
  auto number = read_decimal(rest);
  if (!number) return std::unexpected(number.error());
  if (!rest.empty()) return std::unexpected("plain seconds");
  constexpr std::uint64_t kMaxSeconds = 1'000'000'000;
  if (number->whole > kMaxSeconds || (number->whole == kMaxSeconds && number->fraction > 0)) {
    return std::unexpected("at most 1000000000 seconds");
  }
  return std::chrono::seconds{number->whole} + std::chrono::nanoseconds{std::llround(number->fraction * 1e9)};
}

std::expected<std::uint64_t, std::string> parse_count(std::string_view text) {
  std::string_view rest = trim(text);
  auto number = read_decimal(rest);
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
