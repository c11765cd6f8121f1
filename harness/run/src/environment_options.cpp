// mmtest-run --options-from-environment: the options of an adopted project's test, from its
// CTest ENVIRONMENT (environment_options.hpp).
#include "mmtest/run/environment_options.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "mmtest/run/exit_codes.hpp"

namespace mmtest::run {

std::expected<EnvironmentOptions, EarlyExit> apply_environment_options(std::vector<std::string>& args,
                                                                         Environment& environment) {
  if (args.size() < 2 || args[1] != kOptionsFromEnvironmentFlag) return EnvironmentOptions::not_asked;
  const auto variable = environment.find(kRunOptionsVariable);
  if (variable == environment.end() || variable->second.empty()) return EnvironmentOptions::pass_through;
  std::vector<std::string> options;
  std::string_view rest = variable->second;
  while (!rest.empty()) {
    const auto newline = rest.find('\n');
    const std::string_view line = rest.substr(0, newline);
    if (!line.empty()) {
      // Only options: a word that is none would be taken for the command.
      if (!line.starts_with("--") || line == "--") {
        return std::unexpected(EarlyExit{exit_code::kUsage,
                                         fmt::format("mmtest-run: {}: expected one option per line like --memory=256M, got '{}'\n",
                                                     kRunOptionsVariable, line)});
      }
      options.emplace_back(line);
    }
    if (newline == std::string_view::npos) break;
    rest.remove_prefix(newline + 1);
  }
  environment.erase(variable);
  args.erase(args.begin() + 1);
  args.insert(args.begin() + 1, options.begin(), options.end());
  return EnvironmentOptions::applied;
}

int exec_command_after_separator(const std::vector<std::string>& args) {
  const auto separator = std::ranges::find(args, "--");
  if (separator == args.end() || separator + 1 == args.end()) {
    fmt::print(stderr, "mmtest-run: {}: missing '--' before COMMAND\n", kOptionsFromEnvironmentFlag);
    return exit_code::kUsage;
  }
  std::vector<char*> argv;
  for (auto word = separator + 1; word != args.end(); ++word) argv.push_back(const_cast<char*>(word->c_str()));
  argv.push_back(nullptr);
  ::execvp(argv.front(), argv.data());
  const int error = errno;
  fmt::print(stderr, "mmtest-run: execvp({}): {}\n", argv.front(), std::strerror(error));
  return error == ENOENT ? exit_code::kNotFound : exit_code::kNotExecutable;
}

}  // namespace mmtest::run
