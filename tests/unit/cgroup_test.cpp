#include "mmtest/run/cgroup.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mmtest/common/format.hpp"
#include "mmtest/machine/cgroups.hpp"
#include "expect_contains.hpp"
#include "temp_directory.hpp"

namespace mmtest::run {
namespace {

namespace fs = std::filesystem;
using mmtest::test_support::read_text;
using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;

// The launcher's own cgroup v2 (the 0:: line of /proc/self/cgroup, found through mountinfo) is
// mmtest::machine's cgroup_v2_home: tests/unit/machine_test.cpp.

// ---- parse_controllers and parse_memory_events ---------------------------------------------------

TEST(ParseControllers, splits_on_any_whitespace) {
  using Set = std::set<std::string, std::less<>>;
  EXPECT_EQ(parse_controllers("cpuset cpu io memory pids\n"), (Set{"cpu", "cpuset", "io", "memory", "pids"}));
  EXPECT_EQ(parse_controllers("  memory\tpids \n"), (Set{"memory", "pids"}));
  EXPECT_EQ(parse_controllers("memory"), (Set{"memory"}));
  EXPECT_TRUE(parse_controllers("").empty());
  EXPECT_TRUE(parse_controllers("\n").empty());
}

TEST(ParseMemoryEvents, reads_each_counter_and_ignores_unknown_keys) {
  const MemoryEvents events = parse_memory_events(
      "low 9\nhigh 5\nmax 17\noom 2\noom_kill 3\noom_group_kill 1\nsock_throttled 8\n");
  EXPECT_EQ(events.high, 5u);
  EXPECT_EQ(events.max, 17u);
  EXPECT_EQ(events.oom, 2u);
  EXPECT_EQ(events.oom_kill, 3u);
  EXPECT_EQ(events.oom_group_kill, 1u);
}

TEST(ParsePidsEventsMax, reads_the_max_counter_wherever_it_is) {
  EXPECT_EQ(parse_pids_events_max("max 7\n"), 7u);
  EXPECT_EQ(parse_pids_events_max("other 2\nmax 3"), 3u);
  EXPECT_EQ(parse_pids_events_max("max 0\n"), 0u);
  EXPECT_EQ(parse_pids_events_max(""), 0u);
  EXPECT_EQ(parse_pids_events_max("maximum 9\n"), 0u);
}

TEST(ParseMemoryEvents, missing_counters_and_empty_text_are_zero) {
  const MemoryEvents events = parse_memory_events("oom_kill 4");
  EXPECT_EQ(events.oom_kill, 4u);
  EXPECT_EQ(events.oom, 0u);
  EXPECT_EQ(events.max, 0u);
  const MemoryEvents none = parse_memory_events("");
  EXPECT_EQ(none.high + none.max + none.oom + none.oom_kill + none.oom_group_kill, 0u);
}

// ---- detect_cgroup_delegation on a fake tree -----------------------------------------------------

// The lines of a fake /proc/self/mountinfo: the cgroup2 mount, and a v1 hierarchy beside it as a
// systemd host has, which the cgroup2 search must pass over.
constexpr const char* kV2Mount =
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
constexpr const char* kV1Memory =
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:15 - cgroup cgroup rw,memory\n";

// A fake process view (proc/cgroup, proc/mountinfo) and, below its sysroot, a cgroup2 mount at
// /sys/fs/cgroup laid out like a delegated cgroup v2 subtree.
class FakeCgroupTree : public ::testing::Test {
 protected:
  fs::path proc_self() const { return directory_ / "proc"; }
  fs::path sysroot() const { return directory_ / "sysroot"; }
  fs::path root() const { return sysroot() / "sys/fs/cgroup"; }

  static void make_cgroup(const fs::path& path, const std::string& controllers = "cpuset cpu io memory pids\n",
                          const std::string& subtree_control = "memory pids\n") {
    write_text(path / "cgroup.controllers", controllers);
    write_text(path / "cgroup.subtree_control", subtree_control);
    write_text(path / "cgroup.procs", "");
  }

  // Writes the fake proc files and returns a probe reading them (mountinfo's mount points are
  // taken below the sysroot, so the cgroup2 mount is root()).
  CgroupProbe probe(const std::string& proc_self_cgroup = "5:cpu:/elsewhere\n0::/user.slice/me\n",
                    const std::string& mountinfo = std::string(kV1Memory) + kV2Mount) const {
    write_text(proc_self() / "cgroup", proc_self_cgroup);
    write_text(proc_self() / "mountinfo", mountinfo);
    CgroupProbe result;
    result.view.proc_self = proc_self();
    result.view.sysroot = sysroot();
    result.require_cgroup2_filesystem = false;
    return result;
  }

  std::string error_of(const CgroupProbe& probe_value) const {
    const auto detected = detect_cgroup_delegation(probe_value);
    if (detected) {
      ADD_FAILURE() << "expected an error, got " << *detected;
      return "";
    }
    return detected.error();
  }

  TempDirectory directory_;
};

TEST_F(FakeCgroupTree, the_launchers_own_cgroup_when_it_is_delegated) {
  make_cgroup(root() / "user.slice" / "me");
  const auto detected = detect_cgroup_delegation(probe());
  ASSERT_TRUE(detected.has_value()) << detected.error();
  EXPECT_EQ(*detected, root() / "user.slice" / "me");
}

TEST_F(FakeCgroupTree, the_root_cgroup_itself) {
  make_cgroup(root());
  make_cgroup(root() / "user.slice" / "me", "cpu\n", "");  // must not be taken
  const auto detected = detect_cgroup_delegation(probe("0::/\n"));
  ASSERT_TRUE(detected.has_value()) << detected.error();
  EXPECT_TRUE(fs::equivalent(*detected, root())) << *detected;
}

// On a hybrid host the cgroup2 hierarchy is mounted at /sys/fs/cgroup/unified, below a tmpfs
// holding the v1 hierarchies: the own cgroup is found there, not assumed at /sys/fs/cgroup.
TEST_F(FakeCgroupTree, the_own_cgroup_is_found_through_mountinfo_on_a_hybrid_host) {
  const fs::path unified = root() / "unified";
  make_cgroup(unified / "user.slice" / "me");
  make_cgroup(root() / "user.slice" / "me", "cpu\n", "");  // where a fixed /sys/fs/cgroup would look
  const auto detected = detect_cgroup_delegation(
      probe("4:cpu:/user.slice/me\n0::/user.slice/me\n",
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" + std::string(kV1Memory) +
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"));
  ASSERT_TRUE(detected.has_value()) << detected.error();
  EXPECT_EQ(*detected, unified / "user.slice" / "me");
}

// Inside a container the cgroup2 mount's root is the container's cgroup: the own cgroup is the
// mount point itself.
TEST_F(FakeCgroupTree, the_own_cgroup_of_a_container_is_its_mount_point) {
  make_cgroup(root());
  const auto detected = detect_cgroup_delegation(
      probe("0::/docker/c0ffee\n", "40 30 0:26 /docker/c0ffee /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"));
  ASSERT_TRUE(detected.has_value()) << detected.error();
  EXPECT_EQ(*detected, root());
}

TEST_F(FakeCgroupTree, a_relative_requested_parent_is_below_the_root) {
  make_cgroup(root() / "user.slice" / "me", "cpu\n", "");  // the own cgroup would not do
  make_cgroup(root() / "delegated" / "tests");
  CgroupProbe request = probe();
  request.requested_parent = "delegated/tests";
  const auto detected = detect_cgroup_delegation(request);
  ASSERT_TRUE(detected.has_value()) << detected.error();
  EXPECT_EQ(*detected, root() / "delegated" / "tests");
}

// A relative parent is below the hierarchy's root, wherever mountinfo says it is mounted; a
// subtree mount (root /docker/c) is passed over for the mount of the whole hierarchy, even when
// the launcher's own cgroup is found through the subtree.
TEST_F(FakeCgroupTree, a_relative_requested_parent_is_below_the_mount_of_the_hierarchys_root) {
  make_cgroup(root() / "unified" / "delegated" / "tests");
  make_cgroup(sysroot() / "mnt" / "sub" / "delegated" / "tests", "cpu\n", "");
  CgroupProbe request = probe("0::/docker/c/job\n",
                              "50 23 0:38 /docker/c /mnt/sub rw - cgroup2 cgroup2 rw\n"
                              "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  request.requested_parent = "delegated/tests";
  const auto detected = detect_cgroup_delegation(request);
  ASSERT_TRUE(detected.has_value()) << detected.error();
  EXPECT_EQ(*detected, root() / "unified" / "delegated" / "tests");
}

TEST_F(FakeCgroupTree, a_relative_requested_parent_without_a_cgroup2_mount_is_an_error) {
  make_cgroup(root() / "delegated");
  CgroupProbe request = probe("4:memory:/\n", kV1Memory);
  request.requested_parent = "delegated";
  const std::string error = error_of(request);
  EXPECT_CONTAINS(error, "no cgroup v2 file system is mounted");
  EXPECT_CONTAINS(error, (proc_self() / "mountinfo").string());
}

TEST_F(FakeCgroupTree, an_absolute_requested_parent_is_taken_as_it_is) {
  const fs::path elsewhere = directory_ / "elsewhere" / "tests";
  make_cgroup(elsewhere);
  CgroupProbe request = probe("");  // no 0:: line needed when the parent is given
  request.requested_parent = elsewhere;
  const auto detected = detect_cgroup_delegation(request);
  ASSERT_TRUE(detected.has_value()) << detected.error();
  EXPECT_EQ(*detected, elsewhere);
}

TEST_F(FakeCgroupTree, an_absolute_requested_parent_reads_neither_proc_file) {
  const fs::path elsewhere = directory_ / "elsewhere" / "tests";
  make_cgroup(elsewhere);
  CgroupProbe request = probe();
  fs::remove(proc_self() / "cgroup");
  fs::remove(proc_self() / "mountinfo");
  request.requested_parent = elsewhere;
  const auto detected = detect_cgroup_delegation(request);
  ASSERT_TRUE(detected.has_value()) << detected.error();
  EXPECT_EQ(*detected, elsewhere);
}

TEST_F(FakeCgroupTree, no_0_line_and_no_requested_parent_is_an_error) {
  make_cgroup(root());
  const std::string error = error_of(probe("12:cpu:/\n1:name=systemd:/\n"));
  EXPECT_CONTAINS(error, "0::");
  EXPECT_CONTAINS(error, (proc_self() / "cgroup").string());
}

TEST_F(FakeCgroupTree, no_proc_cgroup_file_is_an_error_naming_it) {
  make_cgroup(root());
  const CgroupProbe request = probe();
  fs::remove(proc_self() / "cgroup");
  const std::string error = error_of(request);
  EXPECT_CONTAINS(error, "read(" + (proc_self() / "cgroup").string() + ")");
  EXPECT_CONTAINS(error, "No such file or directory");
}

TEST_F(FakeCgroupTree, no_cgroup2_mount_is_an_error) {
  make_cgroup(root() / "user.slice" / "me");
  const std::string error = error_of(probe("4:cpu:/user.slice/me\n0::/user.slice/me\n", kV1Memory));
  EXPECT_CONTAINS(error, "no cgroup v2 file system is mounted");
  EXPECT_CONTAINS(error, (proc_self() / "mountinfo").string());
}

TEST_F(FakeCgroupTree, an_own_cgroup_outside_the_mounted_subtree_is_an_error) {
  make_cgroup(root());
  const std::string error =
      error_of(probe("0::/docker/other\n", "40 30 0:26 /docker/c0ffee /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"));
  EXPECT_CONTAINS(error, "/docker/other");
  EXPECT_CONTAINS(error, "not visible");
}

TEST_F(FakeCgroupTree, missing_memory_controller_is_an_error_listing_what_there_is) {
  make_cgroup(root() / "user.slice" / "me", "cpu io pids\n");
  const std::string error = error_of(probe());
  EXPECT_CONTAINS(error, (root() / "user.slice" / "me").string());
  EXPECT_CONTAINS(error, "memory");
  EXPECT_CONTAINS(error, "has: cpu io pids");
}

TEST_F(FakeCgroupTree, missing_pids_controller_is_an_error) {
  make_cgroup(root() / "user.slice" / "me", "cpu memory\n", "memory\n");
  const std::string error = error_of(probe());
  EXPECT_CONTAINS(error, "pids");
  EXPECT_CONTAINS(error, "has: cpu memory");
}

// A hybrid host's cgroup2 mount: the controllers are bound to the v1 hierarchies.
TEST_F(FakeCgroupTree, a_cgroup2_mount_without_controllers_is_an_error) {
  make_cgroup(root() / "unified", "", "");
  const std::string error = error_of(probe(
      "4:cpu:/\n0::/\n", std::string(kV1Memory) + "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"));
  EXPECT_CONTAINS(error, (root() / "unified").string() + " lacks the memory and pids controllers (has: none)");
}

// A controller is in one hierarchy at a time: memory or pids in a v1 hierarchy rules cgroup v2 out,
// which /proc/self/cgroup says alone (mountinfo, which costs a launcher start more, is not read).
TEST_F(FakeCgroupTree, memory_or_pids_held_by_cgroup_v1_is_refused_from_proc_self_cgroup_alone) {
  make_cgroup(root() / "a");
  for (const std::string line : {"4:memory:/a", "8:pids:/a", "3:cpu,memory:/a"}) {
    CgroupProbe request = probe("1:name=systemd:/a\n" + line + "\n0::/a\n");
    fs::remove(proc_self() / "mountinfo");
    const std::string error = error_of(request);
    const std::string controller = line.find("pids") != std::string::npos ? "pids" : "memory";
    EXPECT_CONTAINS(error, "the " + controller + " controller is held by a cgroup v1 hierarchy (" + line + " in " +
                               (proc_self() / "cgroup").string() + "), so cgroup v2 cannot offer it");
  }
}

TEST_F(FakeCgroupTree, controllers_not_enabled_for_children_is_an_error) {
  make_cgroup(root() / "user.slice" / "me", "cpu memory pids\n", "pids\n");
  const std::string error = error_of(probe());
  EXPECT_CONTAINS(error, (root() / "user.slice" / "me").string());
  EXPECT_CONTAINS(error, "cgroup.subtree_control: pids");
  EXPECT_CONTAINS(error, "--cgroup-parent");
}

// What a real kernel shows: a cgroup that holds processes (the launcher's own, below the root)
// cannot enable controllers for children, so the message says to give a parent instead.
TEST_F(FakeCgroupTree, the_own_cgroup_below_the_root_is_said_to_hold_processes) {
  make_cgroup(root() / "user.slice" / "me", "cpu memory pids\n", "");
  const std::string error = error_of(probe());
  EXPECT_CONTAINS(error, "the launcher's own cgroup");
  EXPECT_CONTAINS(error, "holds processes");
  EXPECT_CONTAINS(error, "MMTEST_CGROUP_PARENT");
}

TEST_F(FakeCgroupTree, the_root_cgroup_that_enables_nothing_is_not_said_to_hold_processes) {
  make_cgroup(root(), "cpu memory pids\n", "");
  const std::string error = error_of(probe("0::/\n"));
  EXPECT_CONTAINS(error, "cgroup.subtree_control: none");
  EXPECT_CONTAINS(error, "--cgroup-parent");
  EXPECT_EQ(error.find("own cgroup"), std::string::npos) << error;
}

TEST_F(FakeCgroupTree, a_requested_parent_that_enables_nothing_is_not_called_the_own_cgroup) {
  make_cgroup(root() / "user.slice" / "me");
  make_cgroup(root() / "plain", "cpu memory pids\n", "");
  CgroupProbe request = probe();
  request.requested_parent = "plain";
  const std::string error = error_of(request);
  EXPECT_CONTAINS(error, (root() / "plain").string());
  EXPECT_CONTAINS(error, "cgroup.subtree_control: none");
  EXPECT_EQ(error.find("own cgroup"), std::string::npos) << error;
}

TEST_F(FakeCgroupTree, empty_subtree_control_is_an_error) {
  make_cgroup(root() / "user.slice" / "me", "cpu memory pids\n", "");
  EXPECT_CONTAINS(error_of(probe()), "cgroup.subtree_control: none");
}

TEST_F(FakeCgroupTree, a_parent_that_is_not_a_cgroup_is_an_error_naming_the_file) {
  fs::create_directories(root() / "user.slice" / "me");
  const std::string error = error_of(probe());
  EXPECT_CONTAINS(error, (root() / "user.slice" / "me" / "cgroup.controllers").string());
  EXPECT_CONTAINS(error, "No such file or directory");
}

TEST_F(FakeCgroupTree, a_parent_whose_procs_cannot_be_written_is_not_delegated) {
  make_cgroup(root() / "user.slice" / "me");
  fs::remove(root() / "user.slice" / "me" / "cgroup.procs");
  EXPECT_CONTAINS(error_of(probe()), "not delegated");
}

TEST_F(FakeCgroupTree, a_read_only_parent_is_not_delegated) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write to a read-only directory";
  make_cgroup(root() / "user.slice" / "me");
  fs::permissions(root() / "user.slice" / "me", fs::perms::owner_read | fs::perms::owner_exec);
  const std::string error = error_of(probe());
  fs::permissions(root() / "user.slice" / "me", fs::perms::owner_all);
  EXPECT_CONTAINS(error, "not delegated");
}

TEST_F(FakeCgroupTree, a_plain_directory_is_refused_when_cgroup2_is_required) {
  make_cgroup(root() / "user.slice" / "me");
  CgroupProbe strict = probe();
  strict.require_cgroup2_filesystem = true;
  const std::string error = error_of(strict);
  EXPECT_CONTAINS(error, (root() / "user.slice" / "me").string());
  EXPECT_CONTAINS(error, "not a cgroup v2");
}

TEST_F(FakeCgroupTree, a_missing_parent_is_refused_naming_statfs_when_cgroup2_is_required) {
  CgroupProbe strict = probe();
  strict.require_cgroup2_filesystem = true;
  const std::string error = error_of(strict);
  EXPECT_CONTAINS(error, "statfs(" + (root() / "user.slice" / "me").string() + ")");
  EXPECT_CONTAINS(error, "No such file or directory");
}

// ---- the real machine, reading only ------------------------------------------------------------

// The mounts of this process, from the real /proc/self/mountinfo.
std::vector<machine::Mount> real_mounts() {
  std::vector<machine::Mount> mounts;
  const std::string text = read_small_file("/proc/self/mountinfo").text;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto newline = text.find('\n', start);
    const std::string line = text.substr(start, newline == std::string::npos ? std::string::npos : newline - start);
    if (auto mount = machine::parse_mountinfo_line(line)) mounts.push_back(std::move(*mount));
    start = newline == std::string::npos ? text.size() : newline + 1;
  }
  return mounts;
}

// Where the memory controller is a cgroup v1 hierarchy (a v1 or a hybrid host, such as this
// project's CI machine: v1 controllers, and a cgroup2 mount at /sys/fs/cgroup/unified that has
// none of them), no cgroup v2 can offer memory: the default view must be refused, and say why.
TEST(CgroupDelegation, the_real_default_is_refused_where_memory_is_a_cgroup_v1_hierarchy) {
  const std::vector<machine::Mount> mounts = real_mounts();
  if (mounts.empty()) GTEST_SKIP() << "no /proc/self/mountinfo to read";
  const bool memory_on_v1 = std::ranges::any_of(mounts, [](const machine::Mount& mount) {
    return mount.fstype == "cgroup" && ("," + mount.super_options + ",").find(",memory,") != std::string::npos;
  });
  if (!memory_on_v1) {
    GTEST_SKIP() << "the memory controller is not a cgroup v1 hierarchy here (a cgroup v2 host): the launcher "
                    "tests cover delegation";
  }

  const CgroupProbe probe;  // the defaults: this process's /proc/self, no sysroot, cgroup2 required
  const auto home = machine::cgroup_v2_home(probe.view);
  const auto detected = detect_cgroup_delegation(probe);
  ASSERT_FALSE(detected.has_value()) << "delegation detected at " << *detected;
  // This process's own memory cgroup is v1 when /proc/self/cgroup says so: refused for that, first.
  const std::string own_cgroups = read_small_file("/proc/self/cgroup").text;
  if (own_cgroups.find(":memory:") != std::string::npos || own_cgroups.find(",memory:") != std::string::npos ||
      own_cgroups.find(":memory,") != std::string::npos || own_cgroups.find(",memory,") != std::string::npos) {
    EXPECT_CONTAINS(detected.error(), " controller is held by a cgroup v1 hierarchy (");
    EXPECT_CONTAINS(detected.error(), "in /proc/self/cgroup), so cgroup v2 cannot offer it");
    return;
  }
  if (!home) {
    // A v1 host (no cgroup2 mount), or one where this process's cgroup v2 is not mounted: the
    // launcher says so in machine's words.
    EXPECT_EQ(detected.error(), home.error());
    EXPECT_CONTAINS(detected.error(), "cgroup v2");
    return;
  }
  // A hybrid host: the cgroup2 mount is found through mountinfo, wherever it is, and refused for
  // lacking the controllers the v1 hierarchies hold.
  EXPECT_TRUE(std::ranges::any_of(mounts, [&](const machine::Mount& mount) {
    return mount.fstype == "cgroup2" && fs::path(mount.mount_point) == home->mount_point;
  })) << home->mount_point;
  if (!fs::exists(home->own / "cgroup.controllers")) {
    GTEST_SKIP() << home->own << " is not visible here (" << detected.error() << ")";
  }
  EXPECT_CONTAINS(detected.error(), home->own.string() + " lacks the memory and pids controllers (has: ");
}

// A real cgroup directory can be removed while it still lists its interface files; on the fake
// tree the test removes them first, as the kernel would.
void remove_files_in(const fs::path& directory) {
  for (const auto& entry : fs::directory_iterator(directory)) fs::remove(entry.path());
}

// ---- CgroupLeaf on a fake parent -----------------------------------------------------------------

TEST(CgroupLeaf, create_writes_the_limits) {
  TempDirectory parent;
  const auto leaf = CgroupLeaf::create(parent.path(), "mmtest.order_book.1", {512u << 20, 100});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  EXPECT_EQ(leaf->path(), parent / "mmtest.order_book.1");
  EXPECT_TRUE(fs::is_directory(leaf->path()));
  EXPECT_EQ(read_text(leaf->path() / "memory.max"), "536870912");
  EXPECT_EQ(read_text(leaf->path() / "memory.swap.max"), "0");
  EXPECT_EQ(read_text(leaf->path() / "memory.oom.group"), "1");
  EXPECT_EQ(read_text(leaf->path() / "pids.max"), "100");
}

TEST(CgroupLeaf, unset_limits_are_written_as_max) {
  TempDirectory parent;
  const auto leaf = CgroupLeaf::create(parent.path(), "t", {});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  EXPECT_EQ(read_text(leaf->path() / "memory.max"), "max");
  EXPECT_EQ(read_text(leaf->path() / "pids.max"), "max");
  EXPECT_EQ(read_text(leaf->path() / "memory.swap.max"), "0");
  EXPECT_EQ(read_text(leaf->path() / "memory.oom.group"), "1");
}

TEST(CgroupLeaf, create_fails_naming_mkdir_and_the_path) {
  TempDirectory parent;
  fs::create_directory(parent / "taken");
  const auto taken = CgroupLeaf::create(parent.path(), "taken", {});
  ASSERT_FALSE(taken.has_value());
  EXPECT_CONTAINS(taken.error(), "mkdir(" + (parent / "taken").string() + ")");
  EXPECT_CONTAINS(taken.error(), "File exists");

  const auto orphan = CgroupLeaf::create(parent / "missing", "t", {});
  ASSERT_FALSE(orphan.has_value());
  EXPECT_CONTAINS(orphan.error(), (parent / "missing" / "t").string());
}

TEST(CgroupLeaf, reads_memory_peak) {
  TempDirectory parent;
  const auto leaf = CgroupLeaf::create(parent.path(), "t", {});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  EXPECT_EQ(leaf->memory_peak_bytes(), std::nullopt) << "no memory.peak before Linux 5.19";
  write_text(leaf->path() / "memory.peak", "851443712\n");
  EXPECT_EQ(leaf->memory_peak_bytes(), 851443712u);
  write_text(leaf->path() / "memory.peak", "garbage\n");
  EXPECT_EQ(leaf->memory_peak_bytes(), std::nullopt);
}

TEST(CgroupLeaf, reads_memory_events) {
  TempDirectory parent;
  const auto leaf = CgroupLeaf::create(parent.path(), "t", {});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  EXPECT_EQ(leaf->memory_events().oom_kill, 0u);
  write_text(leaf->path() / "memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 1\n");
  const MemoryEvents events = leaf->memory_events();
  EXPECT_EQ(events.max, 12u);
  EXPECT_EQ(events.oom, 1u);
  EXPECT_EQ(events.oom_kill, 1u);
  EXPECT_EQ(events.oom_group_kill, 1u);
}

TEST(CgroupLeaf, reads_the_forks_pids_max_refused) {
  TempDirectory parent;
  const auto leaf = CgroupLeaf::create(parent.path(), "t", {std::nullopt, 64});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  EXPECT_EQ(leaf->forks_refused(), 0u) << "no pids.events: nothing refused";
  write_text(leaf->path() / "pids.events", "max 12\n");
  EXPECT_EQ(leaf->forks_refused(), 12u);
}

TEST(CgroupLeaf, remove_removes_the_directory_once_and_says_why_it_cannot) {
  TempDirectory parent;
  auto leaf = CgroupLeaf::create(parent.path(), "t", {});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  // The fake leaf still holds the files create() wrote: rmdir refuses, as the kernel does for a
  // cgroup with child cgroups.
  const auto refused = leaf->remove();
  ASSERT_TRUE(refused.has_value()) << "rmdir of a non-empty directory succeeded";
  EXPECT_CONTAINS(*refused, "rmdir(" + (parent / "t").string() + ")");
  EXPECT_CONTAINS(*refused, "Directory not empty");

  auto second = CgroupLeaf::create(parent.path(), "u", {});
  ASSERT_TRUE(second.has_value()) << second.error();
  remove_files_in(second->path());
  EXPECT_EQ(second->remove(), std::nullopt);
  EXPECT_FALSE(fs::exists(parent / "u"));
  EXPECT_EQ(second->remove(), std::nullopt) << "a second remove() must be a no-op";
}

TEST(CgroupLeaf, kill_all_writes_1_to_cgroup_kill) {
  TempDirectory parent;
  const auto leaf = CgroupLeaf::create(parent.path(), "t", {});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  EXPECT_TRUE(leaf->kill_all());
  EXPECT_EQ(read_text(leaf->path() / "cgroup.kill"), "1");
}

TEST(CgroupLeaf, kill_all_reports_failure) {
  TempDirectory parent;
  const auto leaf = CgroupLeaf::create(parent.path(), "t", {});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  fs::create_directory(leaf->path() / "cgroup.kill");  // cannot be opened for writing
  EXPECT_FALSE(leaf->kill_all());
}

TEST(CgroupLeaf, open_procs_opens_cgroup_procs_for_writing) {
  TempDirectory parent;
  const auto leaf = CgroupLeaf::create(parent.path(), "t", {});
  ASSERT_TRUE(leaf.has_value()) << leaf.error();
  const auto missing = leaf->open_procs();
  ASSERT_FALSE(missing.has_value()) << "cgroup.procs must not be created: only the kernel provides it";
  EXPECT_CONTAINS(missing.error(), (leaf->path() / "cgroup.procs").string());

  write_text(leaf->path() / "cgroup.procs", "");
  const auto procs = leaf->open_procs();
  ASSERT_TRUE(procs.has_value()) << procs.error();
  EXPECT_EQ(::write(procs->get(), "0", 1), 1);
  EXPECT_EQ(read_text(leaf->path() / "cgroup.procs"), "0");
}

TEST(CgroupLeaf, destruction_removes_the_directory) {
  TempDirectory parent;
  {
    const auto leaf = CgroupLeaf::create(parent.path(), "t", {});
    ASSERT_TRUE(leaf.has_value()) << leaf.error();
    remove_files_in(leaf->path());
  }
  EXPECT_FALSE(fs::exists(parent / "t"));
}

TEST(CgroupLeaf, a_moved_from_leaf_removes_nothing) {
  TempDirectory parent;
  auto created = CgroupLeaf::create(parent.path(), "t", {});
  ASSERT_TRUE(created.has_value()) << created.error();
  remove_files_in(created->path());
  {
    std::optional<CgroupLeaf> moved;
    {
      CgroupLeaf source = std::move(*created);
      moved.emplace(std::move(source));
    }
    EXPECT_TRUE(fs::is_directory(parent / "t")) << "a moved-from leaf removed the directory";
    EXPECT_EQ(moved->path(), parent / "t");
  }
  EXPECT_FALSE(fs::exists(parent / "t"));
}

}  // namespace
}  // namespace mmtest::run
