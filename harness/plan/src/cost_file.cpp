#include "mmtest/plan/cost_file.hpp"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <unordered_set>

#include "mmtest/common/format.hpp"
#include "replace_file.hpp"

namespace mmtest::plan {

// ---- CTest's cost file -----------------------------------------------------------------------------

std::string merge_cost_data(std::string_view existing, std::span<const CostLine> planned) {
  std::unordered_set<std::string_view> planned_names;
  std::string text;
  for (const CostLine& line : planned) {
    planned_names.insert(line.name);
    text += fmt::format("{} 0 {}\n", line.name, line.cost);
  }
  // CTest reads lines with std::getline, so a line is everything up to '\n', '\r' included.
  std::string failed;
  bool in_failed = false;
  for (std::size_t pos = 0; pos < existing.size();) {
    const std::size_t newline = existing.find('\n', pos);
    const std::size_t end = newline == std::string_view::npos ? existing.size() : newline;
    const std::string_view line = existing.substr(pos, end - pos);
    pos = end + 1;
    if (in_failed) {
      if (!line.empty()) fmt::format_to(std::back_inserter(failed), "{}\n", line);
    } else if (line == "---") {
      in_failed = true;
    } else if (std::ranges::count(line, ' ') >= 2 && !planned_names.contains(line.substr(0, line.find(' ')))) {
      // At least three parts when split on every ' ': a shorter line would end CTest's reading.
      fmt::format_to(std::back_inserter(text), "{}\n", line);
    }
  }
  text += "---\n";
  text += failed;
  return text;
}

// ---- the cost file ---------------------------------------------------------------------------------

// The file's text; empty when it does not exist yet (ctest never ran in this build tree).
std::expected<std::string, std::string> read_cost_file(const std::filesystem::path& path) {
  const FileText file = read_small_file(path.string());
  if (file.ok) return file.text;
  if (file.error == ENOENT) return std::string{};
  // Anything else (permissions, a directory): writing now would throw away CTest's data unseen.
  return std::unexpected(system_error_message(fmt::format("read({})", path.string()), file.error));
}

// Replaced whole (replace_file.hpp): CTest never reads half a file, and two ctest runs sharing a
// build tree never write into each other's temporary file; the last rename wins.
std::expected<void, std::string> write_cost_file(const std::filesystem::path& path, const std::string& text) {
  return replace_file(path, text);
}

}  // namespace mmtest::plan
