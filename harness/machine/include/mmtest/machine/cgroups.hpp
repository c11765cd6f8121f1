#pragma once

// The cgroups a process runs in, found where the kernel says they are: its own cgroup in
// /proc/self/cgroup, the hierarchies' mount points in /proc/self/mountinfo (never assumed to be
// /sys/fs/cgroup: hybrid hosts mount v2 at /sys/fs/cgroup/unified, containers mount a subtree).
// The launcher finds its cgroup v2 home here; the ctest-time budget reads the limits on the path.
// Reading only: nothing here creates, moves or writes a cgroup.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::machine {

// Where a process's facts are read. The defaults are this process; tests point them at a fake tree.
struct ProcessView {
  std::filesystem::path proc_self = "/proc/self";  // its cgroup, mountinfo and status files
  std::filesystem::path sysroot;                   // put before every mount point (empty: none)
};

// One line of /proc/<pid>/mountinfo, the fields mmtest reads; octal escapes (\040) decoded.
struct Mount {
  std::string root;         // the directory of the file system that is mounted ("/" or a subtree)
  std::string mount_point;  // where
  std::string fstype;       // "cgroup2", "cgroup", "tmpfs"...
  std::string super_options;  // "rw,memory": a v1 hierarchy's controllers are here
};
std::optional<Mount> parse_mountinfo_line(std::string_view line);

enum class CgroupVersion { v1, v2 };

// One cgroup directory whose limits apply to the process.
struct CgroupLevel {
  CgroupVersion version = CgroupVersion::v2;
  std::filesystem::path directory;
};

// The whole number a cgroup file's first line holds (memory.peak, pids.current, memory.max); none
// when the file cannot be read or holds anything else ("max", "-1").
std::optional<std::uint64_t> read_cgroup_number(const std::filesystem::path& file);

// Every cgroup directory whose limits apply to the process, for the v2 hierarchy and for the v1
// hierarchy of `v1_controller` ("memory", "cpu"): from its own cgroup up to the root of each mount
// it is visible through, own cgroup first. Empty when no cgroup is mounted or the files are missing.
std::vector<CgroupLevel> cgroup_levels(std::string_view v1_controller, const ProcessView& view = {});

// The process's own cgroup v2 directory and the cgroup2 mount it was found through.
struct CgroupV2Home {
  std::filesystem::path mount_point;  // with the view's sysroot
  std::filesystem::path own;          // mount_point joined with the own cgroup's path below the mount's root
};
// The error says which file lacked what ("no cgroup v2 entry (0::) in /proc/self/cgroup"). A
// controller is in one hierarchy at a time: when /proc/self/cgroup shows one of `needed` in a
// cgroup v1 hierarchy, cgroup v2 cannot offer it, and that is the error, found without reading
// mountinfo (what the launcher pays on a hybrid host at each start).
std::expected<CgroupV2Home, std::string> cgroup_v2_home(const ProcessView& view = {},
                                                        std::initializer_list<std::string_view> needed = {});

// The first cgroup2 mount whose root is the hierarchy's root ("/"), else the first cgroup2 mount:
// where a relative cgroup path (--cgroup-parent tests/x) is resolved. With the view's sysroot.
std::expected<std::filesystem::path, std::string> cgroup_v2_mount_point(const ProcessView& view = {});

// What the cgroup memory limits on the path leave free: at each level with a limit (v2
// memory.max, v1 memory.limit_in_bytes; "max" and v1's 2^63-ish are none), the limit less what its
// processes already use (v2 memory.current, v1 memory.usage_in_bytes, each less the inactive file
// cache of memory.stat, which the kernel reclaims before it kills), and of all levels the least.
struct MemoryLimit {
  std::uint64_t free_mib = 0;   // limit_mib - used_mib, never below 0
  std::uint64_t limit_mib = 0;  // rounded down
  std::uint64_t used_mib = 0;   // rounded up: what is in use is never counted free; 0 without usage files
  std::filesystem::path file;   // the limit's file
};
std::optional<MemoryLimit> cgroup_memory_limit(const ProcessView& view = {});

// The smallest CPU quota on the path, in thousandths of a CPU (v2 cpu.max "<quota> <period>", v1
// cpu.cfs_quota_us / cpu.cfs_period_us; "max" and -1 are none), and its file.
struct CpuQuota {
  std::uint64_t millicpus = 0;
  std::filesystem::path file;
};
std::optional<CpuQuota> cgroup_cpu_quota(const ProcessView& view = {});

}  // namespace mmtest::machine
