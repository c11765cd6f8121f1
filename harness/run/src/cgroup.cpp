#include "mmtest/run/cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <utility>
#include <fmt/format.h>

#include "mmtest/common/format.hpp"

namespace mmtest::run {
namespace {

std::string join(const std::set<std::string, std::less<>>& words) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  return text.empty() ? "none" : text;
}

std::expected<void, std::string> write_file(const std::filesystem::path& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return std::unexpected(system_error_message(fmt::format("open({})", path.string())));
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return std::unexpected(system_error_message(fmt::format("write({}, {})", path.string(), value)));
  }
  return {};
}

}  // namespace

std::set<std::string, std::less<>> parse_controllers(std::string_view text) {
  std::set<std::string, std::less<>> controllers;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto start = text.find_first_not_of(" \t\n", at);
    if (start == std::string_view::npos) break;
    const auto end = text.find_first_of(" \t\n", start);
    controllers.emplace(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    at = end == std::string_view::npos ? text.size() : end;
  }
  return controllers;
}

MemoryEvents parse_memory_events(std::string_view text) {
  MemoryEvents events;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    const auto space = line.find(' ');
    if (space != std::string_view::npos) {
      const std::string_view key = line.substr(0, space);
      const std::string_view value_text = line.substr(space + 1);
      std::uint64_t value = 0;
      std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
      if (key == "high") events.high = value;
      else if (key == "max") events.max = value;
      else if (key == "oom") events.oom = value;
      else if (key == "oom_kill") events.oom_kill = value;
      else if (key == "oom_group_kill") events.oom_group_kill = value;
    }
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return events;
}

std::uint64_t parse_pids_events_max(std::string_view text) {
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    if (line.starts_with("max ")) {
      std::uint64_t value = 0;
      std::from_chars(line.data() + 4, line.data() + line.size(), value);
      return value;
    }
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return 0;
}

std::expected<std::filesystem::path, std::string> detect_cgroup_delegation(const CgroupProbe& probe) {
  std::filesystem::path parent;
  bool own_non_root_cgroup = false;
  if (probe.requested_parent && probe.requested_parent->is_absolute()) {
    parent = *probe.requested_parent;
  } else if (probe.requested_parent) {
    // Relative to the cgroup v2 hierarchy's root, wherever it is mounted.
    auto mount_point = machine::cgroup_v2_mount_point(probe.view);
    if (!mount_point) return std::unexpected(mount_point.error());
    parent = *mount_point / *probe.requested_parent;
  } else {
    auto home = machine::cgroup_v2_home(probe.view, {"memory", "pids"});
    if (!home) return std::unexpected(home.error());
    parent = home->own;
    own_non_root_cgroup = home->own != home->mount_point;
  }
  if (probe.require_cgroup2_filesystem) {
    struct statfs info{};
    if (::statfs(parent.c_str(), &info) != 0) {
      return std::unexpected(system_error_message(fmt::format("statfs({})", parent.string())));
    }
    if (info.f_type != CGROUP2_SUPER_MAGIC) {
      return std::unexpected(fmt::format("{} is not a cgroup v2 file system (cgroup v1 or a tmpfs)", parent.string()));
    }
  }

  const FileText available = read_small_file((parent / "cgroup.controllers").string());
  if (!available.ok) {
    return std::unexpected(system_error_message(fmt::format("read({})", (parent / "cgroup.controllers").string()), available.error));
  }
  const auto available_set = parse_controllers(available.text);
  if (!available_set.contains("memory") || !available_set.contains("pids")) {
    return std::unexpected(fmt::format("{} lacks the memory and pids controllers (has: {})", parent.string(), join(available_set)));
  }
  const FileText enabled = read_small_file((parent / "cgroup.subtree_control").string());
  const auto enabled_set = parse_controllers(enabled.text);
  if (!enabled.ok || !enabled_set.contains("memory") || !enabled_set.contains("pids")) {
    if (own_non_root_cgroup) {
      return std::unexpected(fmt::format(
          "{}, the launcher's own cgroup, does not enable memory and pids for its children (cgroup.subtree_control: "
          "{}), and cannot while it holds processes; pass a delegated cgroup as --cgroup-parent or "
          "MMTEST_CGROUP_PARENT",
          parent.string(), join(enabled_set)));
    }
    return std::unexpected(fmt::format(
        "{} does not enable memory and pids for its children (cgroup.subtree_control: {}); delegate a subtree and "
        "pass it as --cgroup-parent",
        parent.string(), join(enabled_set)));
  }
  for (const std::filesystem::path& path : {parent, parent / "cgroup.procs"}) {
    if (::access(path.c_str(), W_OK) == 0) continue;
    if (errno == EROFS) return std::unexpected(fmt::format("{} is on a read-only file system", parent.string()));
    return std::unexpected(fmt::format("{} is not delegated to this user (not writable)", parent.string()));
  }
  return parent;
}

namespace {
// The processes in a cgroup: one pid a line of its cgroup.procs; none if unreadable.
std::optional<std::size_t> count_processes(const std::filesystem::path& cgroup) {
  const FileText text = read_small_file((cgroup / "cgroup.procs").string());
  if (!text.ok) return std::nullopt;
  return static_cast<std::size_t>(std::ranges::count(text.text, '\n'));
}
}  // namespace

std::vector<std::string> remove_stale_leaves(const std::filesystem::path& parent, pid_t self) {
  std::vector<std::string> removed;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(parent, error)) {
    const std::string name = entry.path().filename().string();
    pid_t pid = 0;
    const char* digits = name.c_str() + std::string_view("mmtest-").size();
    const char* end = name.c_str() + name.size();
    if (!name.starts_with("mmtest-") || std::from_chars(digits, end, pid).ptr != end || pid <= 0) continue;
    // Any live process of that pid may be its launcher (under whatever name it was started):
    // never touched. A reused pid leaves a stale leaf for later; one reused by this very launcher
    // would stand in the way of its own leaf.
    if (pid != self && (::kill(pid, 0) == 0 || errno == EPERM)) continue;
    const std::filesystem::path leaf = entry.path();
    const std::size_t processes = count_processes(leaf).value_or(0);
    if (processes > 0) {
      [[maybe_unused]] const auto killed = write_file(leaf / "cgroup.kill", "1");
      // cgroup.kill returns before the processes are gone: rmdir succeeds once the leaf is empty.
      for (int attempt = 0; attempt < 200 && ::rmdir(leaf.c_str()) != 0 && errno == EBUSY; ++attempt) ::usleep(5000);
    } else {
      ::rmdir(leaf.c_str());
    }
    if (!std::filesystem::exists(leaf)) {
      removed.push_back(processes > 0 ? fmt::format("removed {}, left by a launcher that was killed, and killed the {} "
                                                    "process{} still in it",
                                                    leaf.string(), processes, processes == 1 ? "" : "es")
                                      : fmt::format("removed {}, left empty by a launcher that was killed", leaf.string()));
    }
  }
  return removed;
}

std::expected<CgroupLeaf, std::string> CgroupLeaf::create(const std::filesystem::path& parent, std::string_view leaf_name,
                                                          const CgroupLimits& limits) {
  const std::filesystem::path path = parent / std::string(leaf_name);
  if (::mkdir(path.c_str(), 0755) != 0) return std::unexpected(system_error_message(fmt::format("mkdir({})", path.string())));
  CgroupLeaf leaf(path);
  const auto set = [&](const char* file, const std::string& value) { return write_file(path / file, value); };
  const std::string memory_max = limits.memory_max_bytes ? std::to_string(*limits.memory_max_bytes) : "max";
  const std::string pids_max = limits.pids_max ? std::to_string(*limits.pids_max) : "max";
  for (const auto& result : {set("memory.max", memory_max), set("memory.oom.group", "1"), set("pids.max", pids_max)}) {
    if (!result) return std::unexpected(result.error());
  }
  // memory.swap.max exists only with swap accounting, and cgroupfs refuses to create it where it is
  // missing: then there is no swap usage to switch off, so that failure alone is not an error.
  [[maybe_unused]] const auto swap_off = set("memory.swap.max", "0");
  return leaf;
}

CgroupLeaf::CgroupLeaf(CgroupLeaf&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

CgroupLeaf::~CgroupLeaf() {
  if (!path_.empty()) ::rmdir(path_.c_str());
}

std::expected<UniqueFd, std::string> CgroupLeaf::open_procs() const {
  UniqueFd fd(::open((path_ / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return std::unexpected(system_error_message(fmt::format("open({})", (path_ / "cgroup.procs").string())));
  return fd;
}

std::optional<std::uint64_t> CgroupLeaf::memory_peak_bytes() const {
  return machine::read_cgroup_number(path_ / "memory.peak");
}

MemoryEvents CgroupLeaf::memory_events() const {
  return parse_memory_events(read_small_file((path_ / "memory.events").string()).text);
}

std::uint64_t CgroupLeaf::forks_refused() const {
  return parse_pids_events_max(read_small_file((path_ / "pids.events").string()).text);
}

std::optional<std::uint64_t> CgroupLeaf::tasks() const {
  return machine::read_cgroup_number(path_ / "pids.current");
}

std::optional<std::size_t> CgroupLeaf::processes() const { return count_processes(path_); }

std::optional<std::string> CgroupLeaf::remove() {
  if (path_.empty()) return std::nullopt;
  const std::filesystem::path path = std::exchange(path_, {});
  if (::rmdir(path.c_str()) != 0) return system_error_message(fmt::format("rmdir({})", path.string()));
  return std::nullopt;
}

bool CgroupLeaf::kill_all() const { return write_file(path_ / "cgroup.kill", "1").has_value(); }

}  // namespace mmtest::run
