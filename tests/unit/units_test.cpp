#include "mmtest/common/units.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace mmtest::run {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kKiB = std::uint64_t{1} << 10;
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
constexpr std::uint64_t kTiB = std::uint64_t{1} << 40;
constexpr std::uint64_t kNotParsed = ~std::uint64_t{0};

std::uint64_t size_of(std::string_view text) {
  const auto parsed = parse_size(text);
  EXPECT_TRUE(parsed.has_value()) << "parse_size('" << text << "') failed: " << (parsed ? "" : parsed.error());
  return parsed.value_or(0);
}

// ---- parse_size ----------------------------------------------------------------------------------

TEST(ParseSize, accepts_binary_units_in_any_case_with_optional_i_and_b) {
  EXPECT_EQ(size_of("512M"), 512 * kMiB);
  EXPECT_EQ(size_of("2g"), 2 * kGiB);
  EXPECT_EQ(size_of("1.5GiB"), 3 * kGiB / 2);
  EXPECT_EQ(size_of("300MiB"), 300 * kMiB);
  EXPECT_EQ(size_of("64kb"), 64 * kKiB);
  EXPECT_EQ(size_of("64KB"), 64 * kKiB);
  EXPECT_EQ(size_of("3Ki"), 3 * kKiB);
  EXPECT_EQ(size_of("1T"), kTiB);
  EXPECT_EQ(size_of("2tib"), 2 * kTiB);
}

TEST(ParseSize, units_are_binary_not_decimal) {
  EXPECT_EQ(size_of("1K"), 1024u);
  EXPECT_EQ(size_of("1M"), 1048576u);
  EXPECT_EQ(size_of("1G"), 1073741824u);
}

TEST(ParseSize, plain_numbers_are_bytes) {
  EXPECT_EQ(size_of("1048576"), 1048576u);
  EXPECT_EQ(size_of("0"), 0u);
  EXPECT_EQ(size_of("7B"), 7u);
  EXPECT_EQ(size_of("7b"), 7u);
}

TEST(ParseSize, fractions_with_a_unit_are_scaled) {
  EXPECT_EQ(size_of("0.5K"), 512u);
  EXPECT_EQ(size_of("2.25M"), 2 * kMiB + kMiB / 4);
  EXPECT_EQ(size_of("0.001G"), 1073742u);  // 1073741.824 bytes, rounded up to a whole byte
  EXPECT_EQ(size_of("1.1K"), 1127u);       // 1126.4 bytes, rounded up, not to the nearest
}

TEST(ParseSize, refuses_whitespace_anywhere_as_the_cmake_side_does) {
  for (const std::string_view spaced : {"  512M ", "\t2G\n", "512 M", " 4096 ", "4096 "}) {
    EXPECT_FALSE(parse_size(spaced).has_value()) << "'" << spaced << "'";
  }
}

TEST(ParseSize, rejects_unknown_units_signs_exponents_and_empty_numbers) {
  for (const std::string_view bad : {"12Q", "-1G", "+1G", "1e99G", "1e3", "", "   ", "1.", ".5G", "G", "M512",
                                     "1GG", "1 G B", "1KiBx", "1iB", "0x10", "1,5G", "inf", "nan"}) {
    const auto parsed = parse_size(bad);
    EXPECT_FALSE(parsed.has_value()) << "'" << bad << "' gave " << parsed.value_or(0);
    if (!parsed) {
      EXPECT_FALSE(parsed.error().empty()) << "'" << bad << "' has no explanation";
    }
  }
}

TEST(ParseSize, the_error_names_what_was_expected) {
  EXPECT_NE(parse_size("12Q").error().find("unit"), std::string::npos) << parse_size("12Q").error();
  EXPECT_NE(parse_size("").error().find("number"), std::string::npos) << parse_size("").error();
}

TEST(ParseSize, rejects_a_fraction_of_a_byte) {
  EXPECT_FALSE(parse_size("1.5").has_value());
  EXPECT_FALSE(parse_size("1.5B").has_value());
}

TEST(ParseSize, rejects_sizes_above_2048_tib) {
  constexpr std::uint64_t kCap = std::uint64_t{1} << 51;  // 2^31 MiB: what CTest's slots can count
  EXPECT_EQ(size_of("2048T"), kCap);
  EXPECT_EQ(size_of("2047.5T"), kCap - kTiB / 2);
  EXPECT_FALSE(parse_size("2049T").has_value());
  EXPECT_FALSE(parse_size("2048.001T").has_value());
  EXPECT_FALSE(parse_size("2251799813685249").has_value());  // 2^51 + 1 bytes
  EXPECT_FALSE(parse_size("99999999999999999999").has_value());
  EXPECT_FALSE(parse_size("16777216T").has_value());         // 2^64: would wrap in a uint64
  EXPECT_NE(parse_size("2049T").error().find("2048T"), std::string::npos) << parse_size("2049T").error();
}

// A 16-digit byte count is read exactly, as an integer.
TEST(ParseSize, plain_byte_counts_are_exact) {
  EXPECT_EQ(size_of("2251799813685247"), (std::uint64_t{1} << 51) - 1);
}

// ---- parse_seconds -------------------------------------------------------------------------------

std::chrono::nanoseconds seconds_of(std::string_view text) {
  const auto parsed = parse_seconds(text);
  EXPECT_TRUE(parsed.has_value()) << "parse_seconds('" << text << "') failed: " << (parsed ? "" : parsed.error());
  return parsed.value_or(-1ns);
}

TEST(ParseSeconds, accepts_whole_and_fractional_seconds) {
  EXPECT_EQ(seconds_of("600"), 600s);
  EXPECT_EQ(seconds_of("0.5"), 500ms);
  EXPECT_EQ(seconds_of("2.345"), 2345ms);
  EXPECT_EQ(seconds_of("0.001"), 1ms);
  EXPECT_EQ(seconds_of("0.000000001"), 1ns);
  EXPECT_EQ(seconds_of("0"), 0ns);
}

TEST(ParseSeconds, accepts_up_to_999999999_seconds) {
  EXPECT_EQ(seconds_of("999999999"), std::chrono::seconds{999'999'999});
  EXPECT_EQ(seconds_of("999999999.5"), std::chrono::seconds{999'999'999} + 500ms);
  EXPECT_FALSE(parse_seconds("1000000000").has_value());
  EXPECT_FALSE(parse_seconds("1000000001").has_value());
}

TEST(ParseSeconds, rejects_signs_exponents_units_and_non_numbers) {
  for (const std::string_view bad : {"-1", "+1", "1e3", "inf", "nan", "", " ", " 30\n", "30 ", "1.", ".5", "5s", "1m", "1:30", "abc"}) {
    const auto parsed = parse_seconds(bad);
    EXPECT_FALSE(parsed.has_value()) << "'" << bad << "' gave " << parsed.value_or(0ns).count() << " ns";
    if (!parsed) {
      EXPECT_FALSE(parsed.error().empty());
    }
  }
}

// ---- parse_count ---------------------------------------------------------------------------------

TEST(ParseCount, accepts_non_negative_integers) {
  EXPECT_EQ(parse_count("1024").value_or(kNotParsed), 1024u);
  EXPECT_EQ(parse_count("0").value_or(kNotParsed), 0u);
  EXPECT_EQ(parse_count(" 7 ").value_or(kNotParsed), 7u);
}

TEST(ParseCount, rejects_fractions_signs_units_and_words) {
  for (const std::string_view bad : {"1.5", "1.", "-1", "+1", "", "abc", "12k", "1e3", "3 4"}) {
    EXPECT_FALSE(parse_count(bad).has_value()) << "'" << bad << "' gave " << parse_count(bad).value_or(0);
  }
}

// 18-digit counts would come back rounded through a double (123456789012345678 -> ...680).
TEST(ParseCount, large_counts_are_exact) {
  EXPECT_EQ(parse_count("123456789012345678").value_or(kNotParsed), 123456789012345678u);
}

// ---- format_bytes --------------------------------------------------------------------------------

TEST(FormatBytes, uses_bytes_below_one_kib) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1), "1 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
}

TEST(FormatBytes, switches_unit_at_each_power_of_1024) {
  EXPECT_EQ(format_bytes(kKiB), "1.0 KiB");
  EXPECT_EQ(format_bytes(kMiB), "1.0 MiB");
  EXPECT_EQ(format_bytes(kGiB), "1.00 GiB");
}

TEST(FormatBytes, never_prints_1024_of_a_unit_after_rounding) {
  // The unit is chosen after rounding: one byte short of a MiB would otherwise read "1024.0 KiB".
  EXPECT_EQ(format_bytes(kMiB - 1), "1.0 MiB");
  EXPECT_EQ(format_bytes(kGiB - 1), "1.00 GiB");
  // Values that round below 1024 stay in the smaller unit.
  EXPECT_EQ(format_bytes(kMiB - 60), "1023.9 KiB");
  EXPECT_EQ(format_bytes(kGiB - 60 * kKiB), "1023.9 MiB");
}

TEST(FormatBytes, shows_one_decimal_below_a_gib_and_two_above) {
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(812 * kMiB), "812.0 MiB");
  EXPECT_EQ(format_bytes(512 * kMiB + kMiB / 2), "512.5 MiB");
  EXPECT_EQ(format_bytes(2480343613), "2.31 GiB");
  EXPECT_EQ(format_bytes(3 * kTiB), "3072.00 GiB");
}

// ---- format_seconds ------------------------------------------------------------------------------

TEST(FormatSeconds, drops_trailing_zeros_and_a_bare_decimal_point) {
  EXPECT_EQ(format_seconds(2500ms), "2.5 s");
  EXPECT_EQ(format_seconds(600s), "600 s");
  EXPECT_EQ(format_seconds(10s), "10 s");
  EXPECT_EQ(format_seconds(250ms), "0.25 s");
  EXPECT_EQ(format_seconds(100ms), "0.1 s");
  EXPECT_EQ(format_seconds(0ns), "0 s");
}

TEST(FormatSeconds, keeps_at_most_three_decimals) {
  EXPECT_EQ(format_seconds(1ms), "0.001 s");
  EXPECT_EQ(format_seconds(1234ms), "1.234 s");
  EXPECT_EQ(format_seconds(1234600us), "1.235 s");
  EXPECT_EQ(format_seconds(1ns), "0 s");
}

TEST(ToSeconds, converts_nanoseconds_to_fractional_seconds) {
  EXPECT_DOUBLE_EQ(to_seconds(1500ms), 1.5);
  EXPECT_DOUBLE_EQ(to_seconds(0ns), 0.0);
  EXPECT_DOUBLE_EQ(to_seconds(1ns), 1e-9);
}

}  // namespace
}  // namespace mmtest::run
