#include "mmtest/plan/ctest_invocation.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <system_error>

#include "mmtest/common/format.hpp"

namespace mmtest::plan {

std::expected<CtestInvocation, std::string> read_invocation(pid_t pid) {
  const std::string process = fmt::format("/proc/{}", pid);
  const FileText cmdline = read_small_file(process + "/cmdline");
  if (!cmdline.ok) return std::unexpected(system_error_message(fmt::format("read({}/cmdline)", process), cmdline.error));
  CtestInvocation invocation;
  std::string_view text = cmdline.text;
  while (!text.empty()) {  // NUL-terminated arguments
    const auto nul = text.find('\0');
    invocation.arguments.emplace_back(text.substr(0, nul));
    if (nul == std::string_view::npos) break;
    text.remove_prefix(nul + 1);
  }
  std::error_code error;
  invocation.working_directory = std::filesystem::read_symlink(process + "/cwd", error);
  if (error) invocation.working_directory = std::filesystem::current_path(error);
  return invocation;
}

std::optional<std::filesystem::path> given_resource_spec(const CtestInvocation& invocation) {
  std::optional<std::filesystem::path> given;
  const std::vector<std::string>& arguments = invocation.arguments;
  for (std::size_t i = 1; i + 1 < arguments.size(); ++i) {
    if (arguments[i] == "--resource-spec-file") given = arguments[++i];
  }
  if (given && given->is_relative()) given = invocation.working_directory / *given;
  return given;
}

bool reads_bad_parallel_level_as_serial(std::string_view ctest_version) {
  unsigned major = 0, minor = 0;
  const char* end = ctest_version.data() + ctest_version.size();
  const auto [after_major, major_error] = std::from_chars(ctest_version.data(), end, major);
  if (major_error != std::errc{} || after_major == end || *after_major != '.') return false;
  std::from_chars(after_major + 1, end, minor);
  return major < 3 || (major == 3 && minor < 29);
}

std::optional<std::string> serial_parallel_level(std::span<const std::string> arguments) {
  std::optional<std::string> last_given;
  bool last_serial = false;
  for (std::size_t i = 1; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    std::string given;
    std::optional<std::string> level;
    if (argument == "-j" || argument == "--parallel") {
      given = argument;
      // The next argument is the level unless it is an option (CTest reads it so).
      if (i + 1 < arguments.size() && !arguments[i + 1].starts_with("-")) {
        level = arguments[++i];
        given += " " + *level;
      }
    } else if (argument.starts_with("-j") && argument.size() > 2) {
      given = argument;
      level = argument.substr(2);
    } else {
      continue;
    }
    // The last -j wins, as in CTest.
    const bool numeric = level && !level->empty() && std::ranges::all_of(*level, [](char c) { return c >= '0' && c <= '9'; });
    last_serial = !numeric || level->find_first_not_of('0') == std::string::npos;
    last_given = std::move(given);
  }
  if (!last_serial) return std::nullopt;
  return last_given;
}

}  // namespace mmtest::plan
