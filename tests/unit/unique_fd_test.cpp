#include "mmtest/common/unique_fd.hpp"

#include <fcntl.h>

#include <gtest/gtest.h>
#include <type_traits>

namespace mmtest::run {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int open_null() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

static_assert(!std::is_copy_constructible_v<UniqueFd>);
static_assert(!std::is_copy_assignable_v<UniqueFd>);
static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);
static_assert(std::is_nothrow_move_assignable_v<UniqueFd>);

TEST(UniqueFd, closes_on_destruction) {
  int raw = -1;
  {
    UniqueFd fd(open_null());
    raw = fd.get();
    ASSERT_TRUE(fd);
    ASSERT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, default_is_empty) {
  const UniqueFd fd;
  EXPECT_FALSE(fd);
  EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, moving_transfers_ownership) {
  UniqueFd source(open_null());
  const int raw = source.get();
  UniqueFd target(std::move(source));
  EXPECT_EQ(source.get(), -1);  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(target.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, move_assignment_closes_the_old_descriptor) {
  UniqueFd target(open_null());
  const int old_raw = target.get();
  UniqueFd source(open_null());
  const int new_raw = source.get();
  target = std::move(source);
  EXPECT_EQ(target.get(), new_raw);
  EXPECT_FALSE(is_open(old_raw));
  EXPECT_TRUE(is_open(new_raw));
}

TEST(UniqueFd, release_gives_up_ownership) {
  int raw = -1;
  {
    UniqueFd fd(open_null());
    raw = fd.release();
    EXPECT_FALSE(fd);
  }
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

TEST(UniqueFd, reset_closes_and_adopts) {
  UniqueFd fd(open_null());
  const int first = fd.get();
  const int second = open_null();
  fd.reset(second);
  EXPECT_FALSE(is_open(first));
  EXPECT_EQ(fd.get(), second);
  fd.reset();
  EXPECT_FALSE(is_open(second));
  EXPECT_FALSE(fd);
}

}  // namespace
}  // namespace mmtest::run
