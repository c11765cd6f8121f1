#include "mmtest/run/tmpdir.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>

#include <cctype>
#include <fmt/format.h>

#include "mmtest/common/format.hpp"

namespace mmtest::run {

std::expected<std::filesystem::path, std::string> make_test_tmpdir(const Environment& environment, std::string_view test_name) {
  const auto tmpdir = environment.find("TMPDIR");
  const std::string base = tmpdir != environment.end() && !tmpdir->second.empty() ? tmpdir->second : "/tmp";
  std::string safe_name;
  for (const char c : test_name.substr(0, 48)) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    safe_name.push_back(keep ? c : '_');
  }
  std::string pattern = fmt::format("{}/mmtest.{}.XXXXXX", base, safe_name);
  if (::mkdtemp(pattern.data()) == nullptr) {
    return std::unexpected(system_error_message(fmt::format("mkdtemp({})", pattern)));
  }
  return std::filesystem::path(pattern);
}

std::optional<std::string> remove_test_tmpdir(const std::filesystem::path& directory) {
  // Most tests leave their TMPDIR empty: one rmdir then, where remove_all costs eight calls.
  if (::rmdir(directory.c_str()) == 0 || errno == ENOENT) return std::nullopt;
  std::error_code error;
  std::filesystem::remove_all(directory, error);
  if (error) return fmt::format("could not remove TMPDIR {}: {}", directory.string(), error.message());
  return std::nullopt;
}

}  // namespace mmtest::run
