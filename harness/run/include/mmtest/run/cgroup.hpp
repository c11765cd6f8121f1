#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/common/unique_fd.hpp"
#include "mmtest/machine/cgroups.hpp"

namespace mmtest::run {

// "cpuset cpu io memory pids" -> {"cpu", "cpuset", "io", "memory", "pids"}
std::set<std::string, std::less<>> parse_controllers(std::string_view text);

struct MemoryEvents {
  std::uint64_t high = 0;
  std::uint64_t max = 0;
  std::uint64_t oom = 0;
  std::uint64_t oom_kill = 0;
  std::uint64_t oom_group_kill = 0;
};
// Parses memory.events ("max 3\noom 1\noom_kill 1\n..."); unknown keys are ignored.
MemoryEvents parse_memory_events(std::string_view text);

// The "max" counter of pids.events ("max 7\n"): how many forks pids.max refused. 0 if absent.
std::uint64_t parse_pids_events_max(std::string_view text);

struct CgroupProbe {
  // Where the launcher's own cgroup and the cgroup2 mount are read (mmtest::machine finds the
  // mount in mountinfo, wherever it is: /sys/fs/cgroup, /sys/fs/cgroup/unified on a hybrid host).
  machine::ProcessView view;
  // --cgroup-parent: absolute, or relative to the cgroup v2 hierarchy's mount point.
  std::optional<std::filesystem::path> requested_parent;
  bool require_cgroup2_filesystem = true;              // false only for tests on a fake tree
};

// Decides, reading only, whether the launcher may create test cgroups, and where: a parent
// (--cgroup-parent or the launcher's own cgroup v2) on a cgroup2 file system, whose cgroup.controllers and
// cgroup.subtree_control both hold memory and pids, and that this process can write to.
// The error says which condition failed. The kernel lets a cgroup other than the root enable
// controllers for its children only while it holds no process, so the launcher's own cgroup can
// be the parent only where it is the root; elsewhere a delegated parent has to be given.
std::expected<std::filesystem::path, std::string> detect_cgroup_delegation(const CgroupProbe& probe);

struct CgroupLimits {
  std::optional<std::uint64_t> memory_max_bytes;
  std::optional<std::uint64_t> pids_max;
};

// Removes the test cgroups that launchers killed with SIGKILL left below `parent`: a leaf
// "mmtest-<pid>" whose pid no process has (or this launcher's own pid). Their processes (a test's
// grandchildren, which the death signal of its main process does not reach) are killed with
// cgroup.kill first. Returns one line per leaf removed, for a warning; a leaf that cannot be
// removed is left alone.
std::vector<std::string> remove_stale_leaves(const std::filesystem::path& parent, pid_t self);

// One test's leaf cgroup: memory.max, memory.swap.max=0, memory.oom.group=1 (the kernel kills the
// whole tree together), pids.max. Removed again on destruction once its processes are gone.
class CgroupLeaf {
 public:
  static std::expected<CgroupLeaf, std::string> create(const std::filesystem::path& parent, std::string_view leaf_name,
                                                       const CgroupLimits& limits);
  CgroupLeaf(CgroupLeaf&& other) noexcept;
  CgroupLeaf& operator=(CgroupLeaf&&) = delete;
  CgroupLeaf(const CgroupLeaf&) = delete;
  ~CgroupLeaf();

  const std::filesystem::path& path() const { return path_; }
  // cgroup.procs opened for the child to write "0" into just before exec.
  std::expected<UniqueFd, std::string> open_procs() const;
  std::optional<std::uint64_t> memory_peak_bytes() const;   // memory.peak (Linux >= 5.19)
  MemoryEvents memory_events() const;
  std::uint64_t forks_refused() const;                      // pids.events "max"
  std::optional<std::uint64_t> tasks() const;               // pids.current: processes and threads
  std::optional<std::size_t> processes() const;             // lines of cgroup.procs
  bool kill_all() const;                                    // cgroup.kill (Linux >= 5.14)
  // Removes the directory now (its processes must be gone); the error names the call and errno.
  // The destructor removes it too, silently, if this was not called.
  std::optional<std::string> remove();

 private:
  explicit CgroupLeaf(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace mmtest::run
