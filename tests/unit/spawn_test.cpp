#include "mmtest/run/spawn.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mmtest/run/exit_codes.hpp"
#include "expect_contains.hpp"
#include "temp_directory.hpp"

namespace mmtest::run {
namespace {

namespace fs = std::filesystem;
using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;

// Directories a/, b/, c/ holding programs named "tool" in various states.
class ResolveExecutable : public ::testing::Test {
 protected:
  fs::path make_program(const std::string& directory, const std::string& name = "tool") {
    const fs::path path = directory_ / directory / name;
    write_text(path, "#!/bin/sh\nexit 0\n");
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    return path;
  }
  fs::path make_plain_file(const std::string& directory, const std::string& name = "tool") {
    const fs::path path = directory_ / directory / name;
    write_text(path, "not a program\n");
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path;
  }
  Environment path_of(std::initializer_list<std::string> directories) const {
    std::string search_path;
    for (const std::string& directory : directories) {
      search_path += (search_path.empty() ? "" : ":") + (directory_ / directory).string();
    }
    return {{"PATH", search_path}};
  }

  TempDirectory directory_;
};

TEST_F(ResolveExecutable, an_absolute_path_is_taken_as_it_is) {
  const fs::path program = make_program("a");
  const auto resolved = resolve_executable(program.string(), {{"PATH", "/nonexistent"}});
  ASSERT_TRUE(resolved.has_value()) << resolved.error().message;
  EXPECT_EQ(*resolved, program.string());
}

TEST_F(ResolveExecutable, a_path_with_a_slash_is_not_searched_in_path) {
  make_program("a");
  const auto resolved = resolve_executable("a/tool", path_of({"a"}));
  // Relative to the working directory, where there is no a/tool.
  ASSERT_FALSE(resolved.has_value()) << "resolved to " << *resolved;
  EXPECT_EQ(resolved.error().exit_code, exit_code::kNotFound);
}

TEST_F(ResolveExecutable, a_bare_name_is_searched_in_path_order) {
  const fs::path first = make_program("a");
  const fs::path second = make_program("b");
  EXPECT_EQ(resolve_executable("tool", path_of({"a", "b"})).value_or(""), first.string());
  EXPECT_EQ(resolve_executable("tool", path_of({"b", "a"})).value_or(""), second.string());
}

TEST_F(ResolveExecutable, directories_without_the_program_are_skipped) {
  const fs::path program = make_program("c");
  fs::create_directories(directory_ / "a");
  EXPECT_EQ(resolve_executable("tool", path_of({"missing", "a", "c"})).value_or(""), program.string());
}

TEST_F(ResolveExecutable, a_non_executable_match_is_skipped_for_a_later_executable_one) {
  make_plain_file("a");
  fs::create_directories(directory_ / "b" / "tool");  // a directory of that name
  const fs::path program = make_program("c");
  EXPECT_EQ(resolve_executable("tool", path_of({"a", "b", "c"})).value_or(""), program.string());
}

TEST_F(ResolveExecutable, not_found_anywhere_exits_127_naming_the_command) {
  fs::create_directories(directory_ / "a");
  const auto resolved = resolve_executable("no_such_tool", path_of({"a", "b"}));
  ASSERT_FALSE(resolved.has_value()) << "resolved to " << *resolved;
  EXPECT_EQ(resolved.error().exit_code, exit_code::kNotFound);
  EXPECT_EQ(resolved.error().exit_code, 127);
  EXPECT_CONTAINS(resolved.error().message, "command not found: no_such_tool");
}

TEST_F(ResolveExecutable, a_missing_absolute_path_exits_127_naming_it) {
  const std::string missing = (directory_ / "nowhere" / "tool").string();
  const auto resolved = resolve_executable(missing, {});
  ASSERT_FALSE(resolved.has_value());
  EXPECT_EQ(resolved.error().exit_code, exit_code::kNotFound);
  EXPECT_CONTAINS(resolved.error().message, "command not found: " + missing);
}

TEST_F(ResolveExecutable, a_non_executable_file_exits_126_naming_it) {
  const fs::path file = make_plain_file("a");
  const auto by_path = resolve_executable(file.string(), {});
  ASSERT_FALSE(by_path.has_value());
  EXPECT_EQ(by_path.error().exit_code, exit_code::kNotExecutable);
  EXPECT_EQ(by_path.error().exit_code, 126);
  EXPECT_CONTAINS(by_path.error().message, file.string());
  EXPECT_CONTAINS(by_path.error().message, "not executable");

  const auto by_name = resolve_executable("tool", path_of({"a", "b"}));
  ASSERT_FALSE(by_name.has_value());
  EXPECT_EQ(by_name.error().exit_code, exit_code::kNotExecutable);
  EXPECT_CONTAINS(by_name.error().message, file.string());
}

TEST_F(ResolveExecutable, a_directory_exits_126) {
  fs::create_directories(directory_ / "a" / "tool");
  const auto by_path = resolve_executable((directory_ / "a" / "tool").string(), {});
  ASSERT_FALSE(by_path.has_value());
  EXPECT_EQ(by_path.error().exit_code, exit_code::kNotExecutable);
  EXPECT_CONTAINS(by_path.error().message, "not a regular file");

  const auto by_name = resolve_executable("tool", path_of({"a"}));
  ASSERT_FALSE(by_name.has_value());
  EXPECT_EQ(by_name.error().exit_code, exit_code::kNotExecutable);
}

TEST_F(ResolveExecutable, a_symlink_to_a_program_resolves) {
  const fs::path program = make_program("a", "real");
  fs::create_directories(directory_ / "b");
  fs::create_symlink(program, directory_ / "b" / "tool");
  EXPECT_EQ(resolve_executable("tool", path_of({"b"})).value_or(""), (directory_ / "b" / "tool").string());
}

TEST(ResolveExecutableDefaults, without_path_the_standard_directories_are_searched) {
  const auto resolved = resolve_executable("sh", {});
  ASSERT_TRUE(resolved.has_value()) << resolved.error().message;
  EXPECT_TRUE(*resolved == "/usr/local/bin/sh" || *resolved == "/usr/bin/sh" || *resolved == "/bin/sh") << *resolved;
}

}  // namespace
}  // namespace mmtest::run
