#include "mmtest/run/limits.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

namespace mmtest::run {
namespace {

std::optional<ResourceLimit> find(const std::vector<ResourceLimit>& limits, int resource) {
  const auto found = std::ranges::find(limits, resource, &ResourceLimit::resource);
  if (found == limits.end()) return std::nullopt;
  return *found;
}

TEST(ResourceLimits, by_default_only_core_dumps_are_off) {
  const auto limits = resource_limits(Options{});
  ASSERT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits[0].resource, RLIMIT_CORE);
  EXPECT_STREQ(limits[0].name, "RLIMIT_CORE");
  EXPECT_EQ(limits[0].soft, 0u);
  EXPECT_EQ(limits[0].hard, 0u);
}

TEST(ResourceLimits, core_option_raises_the_core_limit_to_its_hard_limit) {
  rlimit current{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &current), 0);
  Options options;
  options.allow_core = true;
  const auto core = find(resource_limits(options), RLIMIT_CORE);
  ASSERT_TRUE(core.has_value());
  EXPECT_EQ(core->soft, current.rlim_max);
  EXPECT_EQ(core->hard, current.rlim_max);
}

TEST(ResourceLimits, cpu_time_sets_a_soft_limit_with_one_second_of_notice) {
  Options options;
  options.cpu_time_seconds = 30;
  const auto cpu = find(resource_limits(options), RLIMIT_CPU);
  ASSERT_TRUE(cpu.has_value());
  EXPECT_STREQ(cpu->name, "RLIMIT_CPU");
  EXPECT_EQ(cpu->soft, 30u);
  EXPECT_EQ(cpu->hard, 31u);
}

TEST(ResourceLimits, max_open_files_sets_nofile) {
  Options options;
  options.max_open_files = 64;
  const auto nofile = find(resource_limits(options), RLIMIT_NOFILE);
  ASSERT_TRUE(nofile.has_value());
  EXPECT_STREQ(nofile->name, "RLIMIT_NOFILE");
  EXPECT_EQ(nofile->soft, 64u);
  EXPECT_EQ(nofile->hard, 64u);
}

TEST(ResourceLimits, max_file_size_sets_fsize_in_bytes) {
  Options options;
  options.max_file_size_bytes = std::uint64_t{1} << 30;
  const auto fsize = find(resource_limits(options), RLIMIT_FSIZE);
  ASSERT_TRUE(fsize.has_value());
  EXPECT_STREQ(fsize->name, "RLIMIT_FSIZE");
  EXPECT_EQ(fsize->soft, rlim_t{1} << 30);
  EXPECT_EQ(fsize->hard, rlim_t{1} << 30);
}

TEST(ResourceLimits, data_limit_sets_data_in_bytes) {
  Options options;
  options.data_limit_bytes = std::uint64_t{3} << 30;
  const auto data = find(resource_limits(options), RLIMIT_DATA);
  ASSERT_TRUE(data.has_value());
  EXPECT_STREQ(data->name, "RLIMIT_DATA");
  EXPECT_EQ(data->soft, rlim_t{3} << 30);
  EXPECT_EQ(data->hard, rlim_t{3} << 30);
}

TEST(ResourceLimits, every_option_together_gives_one_limit_each) {
  Options options;
  options.cpu_time_seconds = 1;
  options.max_open_files = 2;
  options.max_file_size_bytes = 3;
  options.data_limit_bytes = 4;
  const auto limits = resource_limits(options);
  EXPECT_EQ(limits.size(), 5u);
  for (const int resource : {RLIMIT_CORE, RLIMIT_CPU, RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_DATA}) {
    EXPECT_EQ(std::ranges::count(limits, resource, &ResourceLimit::resource), 1) << resource;
  }
}

TEST(ResourceLimits, never_limit_the_address_space_or_process_count) {
  Options everything;
  everything.memory_limit_bytes = std::uint64_t{1} << 30;  // the budget is enforced by sampling/cgroup
  everything.cpu_time_seconds = 1;
  everything.max_open_files = 2;
  everything.max_file_size_bytes = 3;
  everything.data_limit_bytes = 4;
  everything.max_processes = 5;
  Options with_core = everything;
  with_core.allow_core = true;
  for (const Options& options : {Options{}, everything, with_core}) {
    const auto limits = resource_limits(options);
    EXPECT_FALSE(find(limits, RLIMIT_AS).has_value());
    EXPECT_FALSE(find(limits, RLIMIT_NPROC).has_value());  // per user, not per tree: the supervisor counts
    EXPECT_FALSE(find(limits, RLIMIT_RSS).has_value());
  }
}

TEST(Describe, names_the_limit_and_its_soft_value) {
  EXPECT_EQ(describe({RLIMIT_CORE, "RLIMIT_CORE", 0, 0}), "RLIMIT_CORE, 0");
  EXPECT_EQ(describe({RLIMIT_NOFILE, "RLIMIT_NOFILE", 64, 128}), "RLIMIT_NOFILE, 64");
}

}  // namespace
}  // namespace mmtest::run
