#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "mmtest/run/options.hpp"

namespace mmtest::run {

// Creates the test's private TMPDIR (mode 0700) below the launcher's own $TMPDIR, else /tmp:
// "<base>/mmtest.<name>.XXXXXX", the name reduced to letters, digits, '-', '_' and '.'.
std::expected<std::filesystem::path, std::string> make_test_tmpdir(const Environment& environment, std::string_view test_name);

// Removes it with everything inside; returns an error message when something stayed behind.
std::optional<std::string> remove_test_tmpdir(const std::filesystem::path& directory);

}  // namespace mmtest::run
