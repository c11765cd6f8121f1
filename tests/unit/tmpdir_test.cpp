#include "mmtest/run/tmpdir.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <string>

#include "expect_contains.hpp"
#include "temp_directory.hpp"

namespace mmtest::run {
namespace {

namespace fs = std::filesystem;
using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;

// The directory is removed even when an assertion fails halfway.
struct RemoveAfterwards {
  fs::path path;
  ~RemoveAfterwards() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};

TEST(MakeTestTmpdir, is_private_and_below_tmpdir) {
  TempDirectory base;
  const auto made = make_test_tmpdir({{"TMPDIR", base.path().string()}}, "order_book");
  ASSERT_TRUE(made.has_value()) << made.error();
  EXPECT_EQ(made->parent_path(), base.path());
  EXPECT_TRUE(fs::is_directory(*made));
  struct stat info{};
  ASSERT_EQ(::stat(made->c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0700u);
  const std::string name = made->filename();
  EXPECT_TRUE(name.starts_with("mmtest.order_book.")) << name;
  EXPECT_EQ(name.size(), std::string("mmtest.order_book.").size() + 6) << name;
}

TEST(MakeTestTmpdir, each_call_makes_a_new_directory) {
  TempDirectory base;
  const Environment environment{{"TMPDIR", base.path().string()}};
  const auto first = make_test_tmpdir(environment, "t");
  const auto second = make_test_tmpdir(environment, "t");
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_NE(*first, *second);
}

TEST(MakeTestTmpdir, the_name_keeps_only_safe_characters) {
  TempDirectory base;
  const auto made = make_test_tmpdir({{"TMPDIR", base.path().string()}}, "Suite/Case.param-1_x: *$ ../é");
  ASSERT_TRUE(made.has_value()) << made.error();
  EXPECT_EQ(made->parent_path(), base.path()) << "a '/' in the name escaped the base: " << *made;
  const std::string name = made->filename();
  EXPECT_TRUE(name.starts_with("mmtest.Suite_Case.param-1_x_____..___.")) << name;
  for (const char c : name) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') << name;
  }
}

TEST(MakeTestTmpdir, a_long_name_is_shortened) {
  TempDirectory base;
  const auto made = make_test_tmpdir({{"TMPDIR", base.path().string()}}, std::string(300, 'x'));
  ASSERT_TRUE(made.has_value()) << made.error();  // a 300-character file name would be refused
  EXPECT_LT(made->filename().string().size(), 255u);
}

TEST(MakeTestTmpdir, falls_back_to_tmp_without_tmpdir) {
  for (const Environment& environment : {Environment{}, Environment{{"TMPDIR", ""}}}) {
    const auto made = make_test_tmpdir(environment, "fallback");
    ASSERT_TRUE(made.has_value()) << made.error();
    RemoveAfterwards cleanup{*made};
    EXPECT_EQ(made->parent_path(), fs::path("/tmp"));
  }
}

TEST(MakeTestTmpdir, a_missing_base_is_an_error_naming_it) {
  TempDirectory base;
  const auto made = make_test_tmpdir({{"TMPDIR", (base / "missing").string()}}, "t");
  ASSERT_FALSE(made.has_value()) << "made " << *made;
  EXPECT_CONTAINS(made.error(), "mkdtemp");
  EXPECT_CONTAINS(made.error(), (base / "missing").string());
}

TEST(RemoveTestTmpdir, removes_everything_inside) {
  TempDirectory base;
  const auto made = make_test_tmpdir({{"TMPDIR", base.path().string()}}, "t");
  ASSERT_TRUE(made.has_value()) << made.error();
  write_text(*made / "file", "data");
  write_text(*made / "nested" / "deeper" / "file", "data");
  fs::permissions(*made / "nested" / "deeper" / "file", fs::perms::none);
  EXPECT_EQ(remove_test_tmpdir(*made), std::nullopt);
  EXPECT_FALSE(fs::exists(*made));
  EXPECT_TRUE(fs::exists(base.path())) << "the base must stay";
}

TEST(RemoveTestTmpdir, removes_an_empty_directory) {
  TempDirectory base;
  const auto made = make_test_tmpdir({{"TMPDIR", base.path().string()}}, "t");
  ASSERT_TRUE(made.has_value()) << made.error();
  EXPECT_EQ(remove_test_tmpdir(*made), std::nullopt);
  EXPECT_FALSE(fs::exists(*made));
}

TEST(RemoveTestTmpdir, a_symlink_left_in_its_place_is_removed_not_followed) {
  TempDirectory base;
  const auto made = make_test_tmpdir({{"TMPDIR", base.path().string()}}, "t");
  ASSERT_TRUE(made.has_value()) << made.error();
  const fs::path elsewhere = base / "elsewhere";
  write_text(elsewhere / "keep", "data");
  fs::remove(*made);
  fs::create_directory_symlink(elsewhere, *made);
  EXPECT_EQ(remove_test_tmpdir(*made), std::nullopt);
  EXPECT_FALSE(fs::exists(fs::symlink_status(*made)));
  EXPECT_TRUE(fs::exists(elsewhere / "keep")) << "what the symlink pointed to must stay";
}

TEST(RemoveTestTmpdir, an_already_removed_directory_is_fine) {
  TempDirectory base;
  EXPECT_EQ(remove_test_tmpdir(base / "gone"), std::nullopt);
}

}  // namespace
}  // namespace mmtest::run
