#include "replace_file.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <fstream>
#include <system_error>

#include "mmtest/common/format.hpp"

namespace mmtest::plan {

std::expected<void, std::string> replace_file(const std::filesystem::path& path, const std::string& text) {
  if (const auto parent = path.parent_path(); !parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) return std::unexpected(fmt::format("create_directories({}): {}", parent.string(), error.message()));
  }
  std::filesystem::path temporary = path;
  temporary += fmt::format(".mmtest.{}.tmp", ::getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return std::unexpected(system_error_message(fmt::format("open({})", temporary.string())));
    file << text;
    file.close();
    if (!file) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return std::unexpected(fmt::format("write({}) failed", temporary.string()));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return std::unexpected(fmt::format("rename({}, {}): {}", temporary.string(), path.string(), error.message()));
  }
  return {};
}

}  // namespace mmtest::plan
