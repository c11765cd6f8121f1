#include "settings.hpp"

#include <fmt/format.h>

#include "mmtest/common/units.hpp"

namespace mmtest::gtest_detail {
namespace {

std::optional<std::string_view> value_of(const Getenv& getenv, std::string_view name) {
  const char* value = getenv(std::string(name).c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string_view(value);
}

// A limit: a size above zero, or "off". Unset or empty: nullopt, and the caller's default applies.
std::expected<std::optional<std::uint64_t>, std::string> limit_from(const Getenv& getenv, std::string_view name,
                                                                     bool* off) {
  const auto text = value_of(getenv, name);
  if (!text) return std::nullopt;
  if (*text == "off") {
    *off = true;
    return std::nullopt;
  }
  const auto bytes = mmtest::parse_size(*text);
  if (!bytes) {
    return std::unexpected(fmt::format("environment variable {} expects a size like 64M or 1G, or off, got '{}' (needs {})",
                                       name, *text, bytes.error()));
  }
  if (*bytes == 0) {
    return std::unexpected(fmt::format("environment variable {} expects a size above zero, or off, got '{}'", name, *text));
  }
  return *bytes;
}

}  // namespace

std::expected<Settings, std::string> read_settings(const Getenv& getenv, std::string_view program_name) {
  Settings settings;
  settings.program = std::string(value_of(getenv, kTestNameVariable).value_or(program_name));
  if (const auto file = value_of(getenv, kCasesFileVariable)) settings.cases_file = std::string(*file);

  bool growth_off = false;
  auto growth = limit_from(getenv, kCaseGrowthLimitVariable, &growth_off);
  if (!growth) return std::unexpected(growth.error());
  if (*growth) {
    settings.case_growth_limit_bytes = **growth;
    settings.case_growth_limit_origin = fmt::format("{}={}", kCaseGrowthLimitVariable, *value_of(getenv, kCaseGrowthLimitVariable));
  }

  bool binary_off = false;
  auto binary = limit_from(getenv, kBinaryLimitVariable, &binary_off);
  if (!binary) return std::unexpected(binary.error());
  if (*binary) {
    settings.binary_limit_bytes = **binary;
    settings.binary_limit_origin = fmt::format("{}={}", kBinaryLimitVariable, *value_of(getenv, kBinaryLimitVariable));
  } else if (!binary_off) {
    if (const auto budget_text = value_of(getenv, kMemoryBytesVariable)) {
      const auto budget = mmtest::parse_count(*budget_text);
      if (!budget || *budget == 0) {
        return std::unexpected(fmt::format("environment variable {} (set by mmtest-run) expects a number of bytes above "
                                           "zero, got '{}'",
                                           kMemoryBytesVariable, *budget_text));
      }
      settings.binary_limit_bytes = *budget / 100 * kDefaultBinaryLimitPercent + *budget % 100 * kDefaultBinaryLimitPercent / 100;
      settings.binary_limit_origin =
          fmt::format("{}% of its budget {} from mmtest-run", kDefaultBinaryLimitPercent, mmtest::format_bytes(*budget));
    }
  }
  return settings;
}

}  // namespace mmtest::gtest_detail
