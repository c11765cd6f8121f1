#include "mmtest/machine/cgroups.hpp"
#include "mmtest/machine/cpus.hpp"
#include "mmtest/machine/memory.hpp"
#include "mmtest/plan/budget.hpp"

#include <sched.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "expect_contains.hpp"
#include "temp_directory.hpp"

namespace mmtest::machine {
namespace {

namespace fs = std::filesystem;
using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;

// ---- fake processes ----------------------------------------------------------------------------

// A fake process, as the CMake test of the old ctest-time module built them: <dir>/proc/cgroup,
// <dir>/proc/mountinfo, and each file at <dir>/sys<path> (the sysroot is <dir>/sys), its content
// followed by a newline as the kernel writes it.
class FakeProcess {
 public:
  FakeProcess(const std::string& cgroup, const std::string& mountinfo,
              std::initializer_list<std::pair<std::string, std::string>> files = {}) {
    write_text(directory_ / "proc" / "cgroup", cgroup);
    write_text(directory_ / "proc" / "mountinfo", mountinfo);
    for (const auto& [path, content] : files) write(path, content);
  }

  void write(const std::string& path, const std::string& content) const { write_text(sys(path), content + "\n"); }

  ProcessView view() const { return {directory_ / "proc", directory_ / "sys"}; }
  fs::path proc() const { return directory_ / "proc"; }
  // An absolute path of the fake machine ("/sys/fs/cgroup/a") where the view finds it.
  fs::path sys(const std::string& path) const { return fs::path((directory_ / "sys").string() + path); }

 private:
  TempDirectory directory_;
};

const std::string kV2Mount = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
const std::string kV1Mounts =
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
const std::string kUnifiedMount = "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

// ---- parse_mountinfo_line ------------------------------------------------------------------------

TEST(ParseMountinfoLine, reads_root_mount_point_type_and_super_options) {
  const auto mount = parse_mountinfo_line("30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate");
  ASSERT_TRUE(mount.has_value());
  EXPECT_EQ(mount->root, "/");
  EXPECT_EQ(mount->mount_point, "/sys/fs/cgroup");
  EXPECT_EQ(mount->fstype, "cgroup2");
  EXPECT_EQ(mount->super_options, "rw,nsdelegate");
}

TEST(ParseMountinfoLine, optional_fields_before_the_separator_are_skipped) {
  const auto one = parse_mountinfo_line(
      "35 25 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->mount_point, "/sys/fs/cgroup/memory");
  EXPECT_EQ(one->fstype, "cgroup");
  EXPECT_EQ(one->super_options, "rw,memory");

  const auto several = parse_mountinfo_line(
      "40 30 0:26 /docker/c0ffee /sys/fs/cgroup ro shared:4 master:2 propagate_from:1 unbindable - cgroup2 cgroup2 "
      "rw");
  ASSERT_TRUE(several.has_value());
  EXPECT_EQ(several->root, "/docker/c0ffee");
  EXPECT_EQ(several->mount_point, "/sys/fs/cgroup");
  EXPECT_EQ(several->fstype, "cgroup2");
  EXPECT_EQ(several->super_options, "rw");
}

TEST(ParseMountinfoLine, octal_escapes_are_decoded) {
  const auto mount =
      parse_mountinfo_line("50 23 0:40 /a\\040b /mnt/with\\040space\\011tab\\134slash rw - tmpfs my\\040source rw");
  ASSERT_TRUE(mount.has_value());
  EXPECT_EQ(mount->root, "/a b");
  EXPECT_EQ(mount->mount_point, "/mnt/with space\ttab\\slash");
  EXPECT_EQ(mount->fstype, "tmpfs");
  EXPECT_EQ(mount->super_options, "rw");

  const auto at_the_end = parse_mountinfo_line("50 23 0:40 / /mnt/end\\040 rw - tmpfs tmpfs rw");
  ASSERT_TRUE(at_the_end.has_value());
  EXPECT_EQ(at_the_end->mount_point, "/mnt/end ");

  const auto not_octal = parse_mountinfo_line("50 23 0:40 / /mnt/a\\09x\\1 rw - tmpfs tmpfs rw");
  ASSERT_TRUE(not_octal.has_value());
  EXPECT_EQ(not_octal->mount_point, "/mnt/a\\09x\\1");  // kept as written
}

TEST(ParseMountinfoLine, lines_that_are_not_mounts_are_none) {
  for (const char* line : {"", "garbage", "30 23 0:26 / /sys/fs/cgroup rw,nosuid cgroup2 cgroup2 rw",  // no separator
                           "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2",  // no super options
                           "30 23 0:26 / /sys/fs/cgroup - cgroup2 cgroup2 rw",  // no options
                           "- cgroup2 cgroup2 rw"}) {
    EXPECT_FALSE(parse_mountinfo_line(line).has_value()) << "'" << line << "'";
  }
}

// ---- cgroup_levels -------------------------------------------------------------------------------

std::vector<std::pair<CgroupVersion, fs::path>> levels_of(std::string_view controller, const FakeProcess& process) {
  std::vector<std::pair<CgroupVersion, fs::path>> levels;
  for (const CgroupLevel& level : cgroup_levels(controller, process.view()))
    levels.emplace_back(level.version, level.directory);
  return levels;
}

TEST(CgroupLevels, from_the_own_cgroup_up_to_the_mount_root) {
  const FakeProcess process("0::/ci/job/test\n", kV2Mount);
  EXPECT_EQ(levels_of("memory", process), (std::vector<std::pair<CgroupVersion, fs::path>>{
                                              {CgroupVersion::v2, process.sys("/sys/fs/cgroup/ci/job/test")},
                                              {CgroupVersion::v2, process.sys("/sys/fs/cgroup/ci/job")},
                                              {CgroupVersion::v2, process.sys("/sys/fs/cgroup/ci")},
                                              {CgroupVersion::v2, process.sys("/sys/fs/cgroup")}}));
}

TEST(CgroupLevels, the_root_cgroup_is_one_level) {
  const FakeProcess process("0::/\n", kV2Mount);
  EXPECT_EQ(levels_of("memory", process),
            (std::vector<std::pair<CgroupVersion, fs::path>>{{CgroupVersion::v2, process.sys("/sys/fs/cgroup")}}));
}

TEST(CgroupLevels, a_hybrid_host_has_the_v1_hierarchy_of_the_controller_and_the_v2_one) {
  const FakeProcess process("4:memory:/a\n1:cpu:/b\n0::/a\n", kV1Mounts + kUnifiedMount);
  EXPECT_EQ(levels_of("memory", process), (std::vector<std::pair<CgroupVersion, fs::path>>{
                                              {CgroupVersion::v1, process.sys("/sys/fs/cgroup/memory/a")},
                                              {CgroupVersion::v1, process.sys("/sys/fs/cgroup/memory")},
                                              {CgroupVersion::v2, process.sys("/sys/fs/cgroup/unified/a")},
                                              {CgroupVersion::v2, process.sys("/sys/fs/cgroup/unified")}}));
  EXPECT_EQ(levels_of("cpu", process), (std::vector<std::pair<CgroupVersion, fs::path>>{
                                           {CgroupVersion::v1, process.sys("/sys/fs/cgroup/cpu/b")},
                                           {CgroupVersion::v1, process.sys("/sys/fs/cgroup/cpu")},
                                           {CgroupVersion::v2, process.sys("/sys/fs/cgroup/unified/a")},
                                           {CgroupVersion::v2, process.sys("/sys/fs/cgroup/unified")}}));
}

TEST(CgroupLevels, a_container_mount_ends_at_its_root) {
  const FakeProcess process("0::/docker/c0ffee/inner\n",
                            "40 30 0:26 /docker/c0ffee /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n");
  EXPECT_EQ(levels_of("memory", process),
            (std::vector<std::pair<CgroupVersion, fs::path>>{{CgroupVersion::v2, process.sys("/sys/fs/cgroup/inner")},
                                                             {CgroupVersion::v2, process.sys("/sys/fs/cgroup")}}));
}

TEST(CgroupLevels, none_without_the_proc_files_or_a_visible_mount) {
  TempDirectory empty;
  EXPECT_TRUE(cgroup_levels("memory", {empty / "proc", empty / "sys"}).empty());
  // /docker/c0 is not inside the mounted /docker/c.
  EXPECT_TRUE(levels_of("memory",
                        FakeProcess("0::/docker/c0\n", "40 30 0:26 /docker/c /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"))
                  .empty());
  // cpuacct alone is not the cpu controller; a v1 hierarchy is not the v2 one.
  EXPECT_TRUE(levels_of("cpu", FakeProcess("2:cpuacct:/x\n",
                                           "36 31 0:33 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"))
                  .empty());
  EXPECT_TRUE(levels_of("memory", FakeProcess("0::/a\n", kV1Mounts)).empty());
}

// ---- cgroup_v2_home ------------------------------------------------------------------------------

TEST(CgroupV2Home, found_through_mountinfo_at_a_non_standard_mount) {
  const FakeProcess process(
      "12:memory:/user.slice/user-1000.slice\n1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"
      "0::/user.slice/user-1000.slice/session-2.scope\n",
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" + kV1Mounts + kUnifiedMount);
  const auto home = cgroup_v2_home(process.view());
  ASSERT_TRUE(home.has_value()) << home.error();
  EXPECT_EQ(home->mount_point, process.sys("/sys/fs/cgroup/unified"));
  EXPECT_EQ(home->own, process.sys("/sys/fs/cgroup/unified/user.slice/user-1000.slice/session-2.scope"));
}

TEST(CgroupV2Home, the_root_cgroup_is_the_mount_point_and_a_last_line_needs_no_newline) {
  const FakeProcess process("3:cpu:/a\n0::/", kV2Mount);
  const auto home = cgroup_v2_home(process.view());
  ASSERT_TRUE(home.has_value()) << home.error();
  EXPECT_EQ(home->mount_point, process.sys("/sys/fs/cgroup"));
  EXPECT_EQ(home->own, home->mount_point);
}

TEST(CgroupV2Home, a_container_mount_root_is_taken_off_the_own_path) {
  const std::string container = "40 30 0:26 /docker/c0ffee /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n";
  const FakeProcess at_the_root("0::/docker/c0ffee\n", container);
  const auto home = cgroup_v2_home(at_the_root.view());
  ASSERT_TRUE(home.has_value()) << home.error();
  EXPECT_EQ(home->mount_point, at_the_root.sys("/sys/fs/cgroup"));
  EXPECT_EQ(home->own, at_the_root.sys("/sys/fs/cgroup"));

  const FakeProcess below("0::/docker/c0ffee/tests\n", container);
  const auto below_home = cgroup_v2_home(below.view());
  ASSERT_TRUE(below_home.has_value()) << below_home.error();
  EXPECT_EQ(below_home->own, below.sys("/sys/fs/cgroup/tests"));
}

TEST(CgroupV2Home, the_first_mount_the_cgroup_is_visible_through_and_escaped_mount_points) {
  const FakeProcess process("0::/ci/job\n",
                            "40 30 0:26 /docker/other /mnt/other rw - cgroup2 cgroup2 rw\n"
                            "41 30 0:26 / /mnt/cgroup\\040two rw - cgroup2 cgroup2 rw\n" +
                                kV2Mount);
  const auto home = cgroup_v2_home(process.view());
  ASSERT_TRUE(home.has_value()) << home.error();
  EXPECT_EQ(home->mount_point, process.sys("/mnt/cgroup two"));
  EXPECT_EQ(home->own, process.sys("/mnt/cgroup two/ci/job"));
}

TEST(CgroupV2Home, without_a_sysroot_the_mount_point_is_as_mountinfo_says) {
  TempDirectory directory;
  write_text(directory / "cgroup", "0::/user.slice\n");
  write_text(directory / "mountinfo", kV2Mount);
  const auto home = cgroup_v2_home({directory.path(), {}});
  ASSERT_TRUE(home.has_value()) << home.error();
  EXPECT_EQ(home->mount_point, fs::path("/sys/fs/cgroup"));
  EXPECT_EQ(home->own, fs::path("/sys/fs/cgroup/user.slice"));
}

TEST(CgroupV2Home, no_0_line_is_an_error_naming_the_file) {
  // Lines that only look like the v2 one: another id with no controllers, a 0:: inside a path.
  for (const std::string cgroup : {"", "12:memory:/a\n1:name=systemd:/0::/fake\n", "10::/only-looks-similar\n"}) {
    const FakeProcess process(cgroup, kV2Mount);
    const auto home = cgroup_v2_home(process.view());
    ASSERT_FALSE(home.has_value()) << "'" << cgroup << "' gave " << home->own;
    EXPECT_EQ(home.error(), "no cgroup v2 entry (0::) in " + (process.proc() / "cgroup").string());
  }
}

TEST(CgroupV2Home, an_unreadable_cgroup_file_is_an_error_naming_it) {
  TempDirectory empty;
  const auto home = cgroup_v2_home({empty / "proc", {}});
  ASSERT_FALSE(home.has_value());
  EXPECT_CONTAINS(home.error(), "read(" + (empty / "proc" / "cgroup").string() + ")");
  EXPECT_CONTAINS(home.error(), "No such file or directory");
}

TEST(CgroupV2Home, no_cgroup2_mount_is_an_error) {
  const FakeProcess process("4:memory:/a\n0::/a\n", kV1Mounts);
  const auto home = cgroup_v2_home(process.view());
  ASSERT_FALSE(home.has_value());
  EXPECT_EQ(home.error(),
            "no cgroup v2 file system is mounted (none in " + (process.proc() / "mountinfo").string() + ")");
}

TEST(CgroupV2Home, a_cgroup_no_mount_shows_is_an_error) {
  const FakeProcess process("0::/docker/c0\n", "40 30 0:26 /docker/c /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n");
  const auto home = cgroup_v2_home(process.view());
  ASSERT_FALSE(home.has_value());
  EXPECT_EQ(home.error(), "this process's cgroup v2 /docker/c0 is not visible through any cgroup2 mount of " +
                              (process.proc() / "mountinfo").string());
}

// ---- cgroup_v2_mount_point -----------------------------------------------------------------------

TEST(CgroupV2MountPoint, the_mount_of_the_hierarchys_root_wins_over_an_earlier_subtree) {
  const FakeProcess process("0::/a\n",
                            "40 30 0:26 /docker/c /mnt/sub rw - cgroup2 cgroup2 rw\n" + kV1Mounts + kUnifiedMount);
  EXPECT_EQ(cgroup_v2_mount_point(process.view()), process.sys("/sys/fs/cgroup/unified"));
}

TEST(CgroupV2MountPoint, a_subtree_mount_when_there_is_no_other) {
  const FakeProcess process("0::/\n", "40 30 0:26 /docker/c /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n");
  EXPECT_EQ(cgroup_v2_mount_point(process.view()), process.sys("/sys/fs/cgroup"));
}

TEST(CgroupV2MountPoint, none_mounted_is_an_error_naming_mountinfo) {
  const FakeProcess v1("4:memory:/\n", kV1Mounts);
  const auto mount_point = cgroup_v2_mount_point(v1.view());
  ASSERT_FALSE(mount_point.has_value());
  EXPECT_EQ(mount_point.error(),
            "no cgroup v2 file system is mounted (none in " + (v1.proc() / "mountinfo").string() + ")");

  TempDirectory empty;
  const auto unreadable = cgroup_v2_mount_point({empty / "proc", {}});
  ASSERT_FALSE(unreadable.has_value());
  EXPECT_CONTAINS(unreadable.error(), (empty / "proc" / "mountinfo").string());
}

// ---- cgroup limits on fake trees (the old CMake test's cases) ------------------------------------

// The limit of a fake process: free, limit and used MiB and the limit's file.
void expect_limit(const FakeProcess& process, std::uint64_t free_mib, const std::string& file, std::uint64_t limit_mib,
                  std::uint64_t used_mib) {
  const auto limit = cgroup_memory_limit(process.view());
  ASSERT_TRUE(limit.has_value());
  EXPECT_EQ(limit->free_mib, free_mib);
  EXPECT_EQ(limit->limit_mib, limit_mib);
  EXPECT_EQ(limit->used_mib, used_mib);
  EXPECT_EQ(limit->file, process.sys(file));
}

TEST(CgroupMemoryLimit, v2_parent_the_parents_limit_is_smaller_and_max_is_none) {
  const FakeProcess process("0::/ci/job/test\n", kV2Mount,
                            {{"/sys/fs/cgroup/ci/job/test/memory.max", "max"},
                             {"/sys/fs/cgroup/ci/job/memory.max", "4294967296"},
                             {"/sys/fs/cgroup/ci/memory.max", "8589934592"}});
  expect_limit(process, 4096, "/sys/fs/cgroup/ci/job/memory.max", 4096, 0);
}

TEST(CgroupMemoryLimit, v2_none_nothing_limited) {
  const FakeProcess process("0::/user.slice\n", kV2Mount, {{"/sys/fs/cgroup/user.slice/memory.max", "max"}});
  EXPECT_FALSE(cgroup_memory_limit(process.view()).has_value());
}

TEST(CgroupMemoryLimit, v1_own_the_limit_is_on_the_own_group_and_2_to_the_63_is_none) {
  const FakeProcess process("4:memory:/runner/abc\n1:cpu:/\n", kV1Mounts,
                            {{"/sys/fs/cgroup/memory/runner/abc/memory.limit_in_bytes", "1073741824"},
                             {"/sys/fs/cgroup/memory/runner/memory.limit_in_bytes", "9223372036854771712"},
                             {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712"}});
  expect_limit(process, 1024, "/sys/fs/cgroup/memory/runner/abc/memory.limit_in_bytes", 1024, 0);
}

TEST(CgroupMemoryLimit, v1_none) {
  const FakeProcess process("4:memory:/runner/abc\n", kV1Mounts,
                            {{"/sys/fs/cgroup/memory/runner/abc/memory.limit_in_bytes", "9223372036854771712"}});
  EXPECT_FALSE(cgroup_memory_limit(process.view()).has_value());
}

TEST(CgroupMemoryLimit, v2_container_the_mount_root_is_the_own_path) {
  const FakeProcess process("0::/docker/c0ffee\n", "40 30 0:26 /docker/c0ffee /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n",
                            {{"/sys/fs/cgroup/memory.max", "2147483648"}});
  expect_limit(process, 2048, "/sys/fs/cgroup/memory.max", 2048, 0);
}

TEST(CgroupMemoryLimit, hybrid_the_smaller_of_v1_and_v2_wins) {
  const FakeProcess process("4:memory:/a\n0::/a\n", kV1Mounts + kUnifiedMount,
                            {{"/sys/fs/cgroup/memory/a/memory.limit_in_bytes", "3221225472"},
                             {"/sys/fs/cgroup/unified/a/memory.max", "2147483648"}});
  expect_limit(process, 2048, "/sys/fs/cgroup/unified/a/memory.max", 2048, 0);
}

// Usage is taken off each limit: the job's parent has the larger limit but leaves less.
TEST(CgroupMemoryLimit, v2_used_current_less_inactive_file_and_the_least_free_wins) {
  const FakeProcess process(
      "0::/ci/job\n", kV2Mount,
      {{"/sys/fs/cgroup/ci/job/memory.max", "4294967296"},
       {"/sys/fs/cgroup/ci/job/memory.current", "1610612736"},
       {"/sys/fs/cgroup/ci/job/memory.stat", "anon 1073741824\nfile 536870912\ninactive_file 536870912\nactive_file 0"},
       {"/sys/fs/cgroup/ci/memory.max", "5368709120"},
       {"/sys/fs/cgroup/ci/memory.current", "3221225472"}});
  // job: 4096 - (1536 - 512) = 3072 MiB; ci: 5120 - 3072 = 2048 MiB, the least: ci wins.
  expect_limit(process, 2048, "/sys/fs/cgroup/ci/memory.max", 5120, 3072);
}

TEST(CgroupMemoryLimit, v1_used_usage_less_total_inactive_file_rounded_up) {
  const FakeProcess process(
      "4:memory:/runner/abc\n", kV1Mounts,
      {{"/sys/fs/cgroup/memory/runner/abc/memory.limit_in_bytes", "2147483648"},
       {"/sys/fs/cgroup/memory/runner/abc/memory.usage_in_bytes", "314572801"},
       {"/sys/fs/cgroup/memory/runner/abc/memory.stat", "cache 104857600\ntotal_inactive_file 104857600"}});
  expect_limit(process, 1847, "/sys/fs/cgroup/memory/runner/abc/memory.limit_in_bytes", 2048, 201);
}

TEST(CgroupMemoryLimit, v2_over_more_in_use_than_the_limit_leaves_zero) {
  const FakeProcess process(
      "0::/a\n", kV2Mount,
      {{"/sys/fs/cgroup/a/memory.max", "1073741824"}, {"/sys/fs/cgroup/a/memory.current", "1207959552"}});
  expect_limit(process, 0, "/sys/fs/cgroup/a/memory.max", 1024, 1152);
}

TEST(CgroupMemoryLimit, the_limit_is_rounded_down_and_v2_reads_inactive_file_not_the_v1_key) {
  const FakeProcess process("0::/a\n", kV2Mount,
                            {{"/sys/fs/cgroup/a/memory.max", "1073741823"},  // 1 byte short of 1024 MiB
                             {"/sys/fs/cgroup/a/memory.current", "104857600"},
                             {"/sys/fs/cgroup/a/memory.stat", "total_inactive_file 104857600\ninactive_filex 1"}});
  expect_limit(process, 923, "/sys/fs/cgroup/a/memory.max", 1023, 100);
}

TEST(CgroupMemoryLimit, none_without_a_cgroup) {
  TempDirectory empty;
  EXPECT_FALSE(cgroup_memory_limit({empty / "proc", empty / "sys"}).has_value());
}

// ---- CPU quotas on fake trees (the old CMake test's cases) ---------------------------------------

TEST(CgroupCpuQuota, v2_cpu_max_is_none_and_the_parents_is_the_least) {
  const FakeProcess process("0::/ci/job/test\n", kV2Mount,
                            {{"/sys/fs/cgroup/ci/job/test/cpu.max", "max 100000"},
                             {"/sys/fs/cgroup/ci/job/cpu.max", "150000 100000"},
                             {"/sys/fs/cgroup/ci/cpu.max", "400000 100000"}});
  const auto quota = cgroup_cpu_quota(process.view());
  ASSERT_TRUE(quota.has_value());
  EXPECT_EQ(quota->millicpus, 1500u);
  EXPECT_EQ(quota->file, process.sys("/sys/fs/cgroup/ci/job/cpu.max"));
}

TEST(CgroupCpuQuota, v2_cpu_none) {
  const FakeProcess process("0::/user.slice\n", kV2Mount, {{"/sys/fs/cgroup/user.slice/cpu.max", "max 100000"}});
  EXPECT_FALSE(cgroup_cpu_quota(process.view()).has_value());
}

TEST(CgroupCpuQuota, v1_cpu_mounted_with_cpuacct_minus_1_is_none_and_any_period) {
  const FakeProcess process("2:cpu,cpuacct:/runner/abc\n",
                            "36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n",
                            {{"/sys/fs/cgroup/cpu,cpuacct/runner/abc/cpu.cfs_quota_us", "300000"},
                             {"/sys/fs/cgroup/cpu,cpuacct/runner/abc/cpu.cfs_period_us", "50000"},
                             {"/sys/fs/cgroup/cpu,cpuacct/runner/cpu.cfs_quota_us", "-1"},
                             {"/sys/fs/cgroup/cpu,cpuacct/runner/cpu.cfs_period_us", "100000"}});
  const auto quota = cgroup_cpu_quota(process.view());
  ASSERT_TRUE(quota.has_value());
  EXPECT_EQ(quota->millicpus, 6000u);
  EXPECT_EQ(quota->file, process.sys("/sys/fs/cgroup/cpu,cpuacct/runner/abc/cpu.cfs_quota_us"));
}

TEST(CgroupCpuQuota, v1_cpuacct_only_is_not_the_cpu_controller) {
  const FakeProcess process("2:cpuacct:/x\n", "36 31 0:33 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n",
                            {{"/sys/fs/cgroup/cpuacct/x/cpu.cfs_quota_us", "100000"},
                             {"/sys/fs/cgroup/cpuacct/x/cpu.cfs_period_us", "100000"}});
  EXPECT_FALSE(cgroup_cpu_quota(process.view()).has_value());
}

TEST(CgroupCpuQuota, malformed_or_zero_period_files_are_no_quota) {
  const FakeProcess process("0::/a/b/c\n", kV2Mount,
                            {{"/sys/fs/cgroup/a/b/c/cpu.max", "150000"},
                             {"/sys/fs/cgroup/a/b/cpu.max", "150000 0"},
                             {"/sys/fs/cgroup/a/cpu.max", "15x 100000"}});
  EXPECT_FALSE(cgroup_cpu_quota(process.view()).has_value());
}

// ---- The CPU budget on fake trees (the old CMake test's cases, through mmtest::plan) -------------
// The affinity is given (MachineProbe::allowed_cpus) where the CMake test wrote Cpus_allowed_list.

plan::Budget cpu_budget_of(const FakeProcess& process, std::vector<int> allowed) {
  plan::MachineProbe probe;
  probe.view = process.view();
  probe.allowed_cpus = std::move(allowed);
  const auto budget = plan::find_cpu_budget({}, probe);
  if (!budget) {
    ADD_FAILURE() << budget.error();
    return {};
  }
  return *budget;
}

TEST(CpuBudgetOnFakeTrees, affinity_only) {
  const FakeProcess process("0::/a\n", kV2Mount, {{"/sys/fs/cgroup/a/cpu.max", "max 100000"}});
  const plan::Budget budget = cpu_budget_of(process, {0, 1, 4, 5, 6, 7});
  EXPECT_EQ(budget.value, 6u);
  EXPECT_EQ(budget.source, "affinity 0-1,4-7; no cgroup CPU quota");
}

// A quota of 1.5 CPUs on 6 allowed CPUs: rounded down to 1.
TEST(CpuBudgetOnFakeTrees, quota_smaller) {
  const FakeProcess process("0::/a\n", kV2Mount, {{"/sys/fs/cgroup/a/cpu.max", "150000 100000"}});
  const plan::Budget budget = cpu_budget_of(process, {0, 1, 4, 5, 6, 7});
  EXPECT_EQ(budget.value, 1u);
  EXPECT_EQ(budget.source,
            "cgroup CPU quota 1.5 CPUs in " + process.sys("/sys/fs/cgroup/a/cpu.max").string() + "; affinity 0-1,4-7");
}

// Half a CPU still counts as one.
TEST(CpuBudgetOnFakeTrees, quota_half) {
  const FakeProcess process("0::/a\n", kV2Mount, {{"/sys/fs/cgroup/a/cpu.max", "50000 100000"}});
  const plan::Budget budget = cpu_budget_of(process, {3});
  EXPECT_EQ(budget.value, 1u);
  EXPECT_EQ(budget.source,
            "affinity 3; cgroup CPU quota 0.5 CPUs in " + process.sys("/sys/fs/cgroup/a/cpu.max").string());
}

// A quota above the allowed CPUs does not raise the count.
TEST(CpuBudgetOnFakeTrees, quota_larger) {
  const FakeProcess process("0::/a\n", kV2Mount, {{"/sys/fs/cgroup/a/cpu.max", "800000 100000"}});
  const plan::Budget budget = cpu_budget_of(process, {0, 1, 2, 3});
  EXPECT_EQ(budget.value, 4u);
  EXPECT_EQ(budget.source,
            "affinity 0-3; cgroup CPU quota 8 CPUs in " + process.sys("/sys/fs/cgroup/a/cpu.max").string());
}

// Thousandths are shown without trailing zeros, and a whole quota equal to the CPUs keeps the affinity first.
TEST(CpuBudgetOnFakeTrees, the_quota_is_shown_in_thousandths_without_trailing_zeros) {
  const FakeProcess process("0::/a\n", kV2Mount, {{"/sys/fs/cgroup/a/cpu.max", "205000 100000"}});
  const plan::Budget budget = cpu_budget_of(process, {0, 1});
  EXPECT_EQ(budget.value, 2u);
  EXPECT_EQ(budget.source,
            "affinity 0-1; cgroup CPU quota 2.05 CPUs in " + process.sys("/sys/fs/cgroup/a/cpu.max").string());

  const FakeProcess small("0::/a\n", kV2Mount, {{"/sys/fs/cgroup/a/cpu.max", "1000 100000"}});
  const plan::Budget hundredth = cpu_budget_of(small, {0, 1});
  EXPECT_EQ(hundredth.value, 1u);
  EXPECT_EQ(hundredth.source,
            "cgroup CPU quota 0.01 CPUs in " + small.sys("/sys/fs/cgroup/a/cpu.max").string() + "; affinity 0-1");
}

TEST(CpuBudgetOnFakeTrees, the_environment_then_the_cache) {
  const FakeProcess process("0::/a\n", kV2Mount, {{"/sys/fs/cgroup/a/cpu.max", "150000 100000"}});
  plan::MachineProbe probe;
  probe.view = process.view();
  probe.allowed_cpus = std::vector<int>{0, 1};
  plan::BudgetSettings settings;
  settings.cpus_environment = "007";
  settings.cpus_cache = "3";
  const auto from_environment = plan::find_cpu_budget(settings, probe);
  ASSERT_TRUE(from_environment.has_value()) << from_environment.error();
  EXPECT_EQ(from_environment->value, 7u);
  EXPECT_EQ(from_environment->source, "environment variable MMTEST_CPU_BUDGET=007");
  settings.cpus_environment = "";
  const auto from_cache = plan::find_cpu_budget(settings, probe);
  ASSERT_TRUE(from_cache.has_value()) << from_cache.error();
  EXPECT_EQ(from_cache->value, 3u);
  EXPECT_EQ(from_cache->source, "cache variable MMTEST_CPU_BUDGET=3");
}

// ---- The budget: environment first, exactly as given; else measured on this machine -------------

TEST(MemoryBudgetGiven, the_environment_then_the_cache_exactly_as_given) {
  plan::BudgetSettings settings;
  settings.memory_environment = "6G";
  settings.memory_cache = "3G";
  const auto from_environment = plan::find_memory_budget(settings);
  ASSERT_TRUE(from_environment.has_value()) << from_environment.error();
  EXPECT_EQ(from_environment->value, 6144u);
  EXPECT_EQ(from_environment->source, "environment variable MMTEST_MEMORY_BUDGET=6G");
  settings.memory_environment = "";
  const auto from_cache = plan::find_memory_budget(settings);
  ASSERT_TRUE(from_cache.has_value()) << from_cache.error();
  EXPECT_EQ(from_cache->value, 3072u);
  EXPECT_EQ(from_cache->source, "cache variable MMTEST_MEMORY_BUDGET=3G");
}

// Measured on this machine: MemAvailable (or a cgroup limit) minus a reserve of 10 %, 256..2048 MiB.
TEST(MemoryBudgetOfThisMachine, measured_on_this_machine_is_the_figure_less_the_reserve) {
  const auto budget = plan::find_memory_budget({});
  ASSERT_TRUE(budget.has_value()) << budget.error();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(budget->source, match,
                                std::regex("^(MemAvailable|cgroup limit) ([0-9]+) MiB.* - reserve ([0-9]+) MiB")))
      << budget->source;
  const std::uint64_t detected = std::stoull(match[2].str());
  const std::uint64_t reserve = std::stoull(match[3].str());
  EXPECT_GE(reserve, 256u) << budget->source;
  EXPECT_LE(reserve, 2048u) << budget->source;
  EXPECT_EQ(reserve, plan::memory_reserve_mib(detected)) << budget->source;
  EXPECT_EQ(budget->value, detected > reserve ? detected - reserve : 1) << budget->source;
}

// ---- MemAvailable --------------------------------------------------------------------------------

TEST(MemAvailable, read_from_meminfo_in_mib_rounded_down) {
  TempDirectory directory;
  write_text(directory / "meminfo",
             "MemTotal:       32768000 kB\nMemFree:         1024000 kB\nMemAvailable:   22545408 kB\nBuffers: 1 kB\n");
  EXPECT_EQ(mem_available_mib(directory / "meminfo"), 22017u);
  write_text(directory / "meminfo", "MemAvailable: 2047 kB");  // no newline; 1.999 MiB
  EXPECT_EQ(mem_available_mib(directory / "meminfo"), 1u);
}

TEST(MemAvailable, none_without_the_file_or_the_line) {
  TempDirectory directory;
  EXPECT_EQ(mem_available_mib(directory / "missing"), std::nullopt);
  write_text(directory / "meminfo", "MemTotal:       32768000 kB\nMemFree:         1024000 kB\n");
  EXPECT_EQ(mem_available_mib(directory / "meminfo"), std::nullopt);
  write_text(directory / "meminfo", "MemAvailable:   lots kB\n");
  EXPECT_EQ(mem_available_mib(directory / "meminfo"), std::nullopt);
}

TEST(MemAvailable, this_machine_has_some) {
  const auto mib = mem_available_mib();
  ASSERT_TRUE(mib.has_value()) << "no MemAvailable in /proc/meminfo";
  EXPECT_GT(*mib, 0u);
}

// ---- CPUs ----------------------------------------------------------------------------------------

TEST(FormatCpuList, ranges_like_the_kernel_writes_them) {
  EXPECT_EQ(format_cpu_list(std::vector<int>{0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(format_cpu_list(std::vector<int>{0, 1, 4, 5, 6, 7}), "0-1,4-7");
  EXPECT_EQ(format_cpu_list(std::vector<int>{5}), "5");
  EXPECT_EQ(format_cpu_list(std::vector<int>{1, 3, 5}), "1,3,5");
  EXPECT_EQ(format_cpu_list(std::vector<int>{}), "");
}

TEST(CpuSet, sized_for_the_count_and_all_clear) {
  const CpuSet cpus(2048);
  EXPECT_EQ(cpus.count, 2048);
  EXPECT_EQ(cpus.bytes, CPU_ALLOC_SIZE(2048));
  EXPECT_EQ(CPU_COUNT_S(cpus.bytes, cpus.set), 0);
}

TEST(AllowedCpus, match_what_the_kernel_reports_for_this_process) {
  const auto allowed = allowed_cpus();
  ASSERT_TRUE(allowed.has_value()) << allowed.error();
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(allowed->size(), static_cast<std::size_t>(CPU_COUNT(&set)));
  for (const int cpu : *allowed) EXPECT_TRUE(CPU_ISSET(cpu, &set)) << cpu;
  EXPECT_TRUE(std::ranges::is_sorted(*allowed));
}

}  // namespace
}  // namespace mmtest::machine
