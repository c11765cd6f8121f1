#include "mmtest/machine/cgroups.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

#include "mmtest/common/format.hpp"

namespace mmtest::machine {
namespace {

// What a cgroup line of /proc/<pid>/cgroup says: "0::<path>" (v2) or "<id>:<controllers>:<path>".
struct CgroupLine {
  CgroupVersion version;
  std::string_view controllers;
  std::string_view path;
};

std::optional<CgroupLine> parse_cgroup_line(std::string_view line) {
  const auto first = line.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = line.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const std::string_view id = line.substr(0, first);
  const std::string_view controllers = line.substr(first + 1, second - first - 1);
  const std::string_view path = line.substr(second + 1);
  if (id == "0" && controllers.empty()) return CgroupLine{CgroupVersion::v2, controllers, path};
  return CgroupLine{CgroupVersion::v1, controllers, path};
}

// Whether a comma-separated list ("rw,cpu,cpuacct") holds `word` as one of its items.
bool list_holds(std::string_view list, std::string_view word) {
  while (true) {
    const auto comma = list.find(',');
    if (list.substr(0, comma) == word) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

template <typename Visit>
void for_each_line(std::string_view text, Visit visit) {
  while (!text.empty()) {
    const auto newline = text.find('\n');
    visit(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

// mountinfo escapes a space, tab, newline and backslash in a path as \ and three octal digits.
std::string unescape(std::string_view field) {
  std::string text;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string_view digits = field.substr(i + 1, 3);
      if (std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '7'; })) {
        text += static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    text += field[i];
  }
  return text;
}

std::vector<Mount> read_mounts(const ProcessView& view) {
  std::vector<Mount> mounts;
  const FileText file = read_small_file((view.proc_self / "mountinfo").string());
  if (!file.ok) return mounts;
  for_each_line(file.text, [&](std::string_view line) {
    if (auto mount = parse_mountinfo_line(line)) mounts.push_back(std::move(*mount));
  });
  return mounts;
}

// The path of `own` (a cgroup path from /proc/<pid>/cgroup) below `mount`'s root, or none when the
// cgroup is not inside the mounted subtree. Inside a cgroup namespace the root is "/".
std::optional<std::string> below_root(std::string_view own, const Mount& mount) {
  if (mount.root == "/") return std::string(own);
  if (!own.starts_with(mount.root)) return std::nullopt;
  const std::string_view rest = own.substr(mount.root.size());
  if (!rest.empty() && rest.front() != '/') return std::nullopt;  // /docker/c0 is not in /docker/c
  return std::string(rest);
}

std::string trim_trailing_slashes(std::string text) {
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

std::filesystem::path with_sysroot(const ProcessView& view, std::string_view mount_point) {
  return std::filesystem::path(view.sysroot.string() + std::string(mount_point));
}

// The value of `key` in a "key value" file such as memory.stat.
std::optional<std::uint64_t> read_keyed(const std::filesystem::path& file, std::string_view key) {
  const FileText text = read_small_file(file.string());
  std::optional<std::uint64_t> found;
  if (!text.ok) return found;
  for_each_line(text.text, [&](std::string_view line) {
    if (found || !line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ' ') return;
    const std::string_view digits = line.substr(key.size() + 1);
    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (error == std::errc{} && end == digits.data() + digits.size()) found = number;
  });
  return found;
}

// A v1 limit of 2^63 rounded down to a page, or anything from 2^62 up, means no limit.
constexpr std::uint64_t kUnlimitedBytes = std::uint64_t{1} << 62;
// Quotas and periods are microseconds: beyond 15 digits they are no real quota.
constexpr std::uint64_t kMaxQuotaMicroseconds = 999'999'999'999'999;

}  // namespace

std::optional<std::uint64_t> read_cgroup_number(const std::filesystem::path& file) {
  const FileText text = read_small_file(file.string());
  if (!text.ok) return std::nullopt;
  std::string_view value = text.text;
  if (const auto newline = value.find('\n'); newline != std::string_view::npos) value = value.substr(0, newline);
  std::uint64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc{} || end != value.data() + value.size()) return std::nullopt;
  return number;
}

std::optional<Mount> parse_mountinfo_line(std::string_view line) {
  // "<id> <parent> <major:minor> <root> <mount point> <options> [<optional>...] - <fstype> <source> <super options>"
  std::vector<std::string_view> fields;
  while (!line.empty()) {
    const auto space = line.find(' ');
    if (space != 0) fields.push_back(line.substr(0, space));
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
  }
  const auto separator = std::ranges::find(fields, std::string_view("-"));
  if (fields.size() < 6 || separator == fields.end() || separator - fields.begin() < 6 || fields.end() - separator < 4) {
    return std::nullopt;
  }
  return Mount{unescape(fields[3]), unescape(fields[4]), std::string(separator[1]), std::string(separator[3])};
}

std::vector<CgroupLevel> cgroup_levels(std::string_view v1_controller, const ProcessView& view) {
  std::vector<CgroupLevel> levels;
  const FileText cgroups = read_small_file((view.proc_self / "cgroup").string());
  if (!cgroups.ok) return levels;
  const std::vector<Mount> mounts = read_mounts(view);
  for_each_line(cgroups.text, [&](std::string_view text) {
    const auto line = parse_cgroup_line(text);
    if (!line || (line->version == CgroupVersion::v1 && !list_holds(line->controllers, v1_controller))) return;
    for (const Mount& mount : mounts) {
      if (line->version == CgroupVersion::v2 && mount.fstype != "cgroup2") continue;
      if (line->version == CgroupVersion::v1 && (mount.fstype != "cgroup" || !list_holds(mount.super_options, v1_controller))) {
        continue;
      }
      const auto relative = below_root(line->path, mount);
      if (!relative) continue;  // our cgroup is not visible through this mount
      // From our own cgroup up to the mount's root: every level's limit applies.
      const std::string top = trim_trailing_slashes(with_sysroot(view, mount.mount_point).string());
      std::string directory = trim_trailing_slashes(top + *relative);
      while (true) {
        levels.push_back({line->version, directory});
        if (directory.size() <= top.size()) break;
        directory = trim_trailing_slashes(std::filesystem::path(directory).parent_path().string());
        if (directory.size() < top.size()) break;
      }
    }
  });
  return levels;
}

std::expected<CgroupV2Home, std::string> cgroup_v2_home(const ProcessView& view,
                                                        std::initializer_list<std::string_view> needed) {
  const std::filesystem::path cgroup_file = view.proc_self / "cgroup";
  const FileText cgroups = read_small_file(cgroup_file.string());
  if (!cgroups.ok) return std::unexpected(system_error_message(fmt::format("read({})", cgroup_file.string()), cgroups.error));
  std::optional<std::string> own;
  std::optional<std::string> bound_to_v1;  // "the memory controller is held by ..."
  for_each_line(cgroups.text, [&](std::string_view text) {
    const auto line = parse_cgroup_line(text);
    if (!line) return;
    if (!own && line->version == CgroupVersion::v2) own = std::string(line->path);
    if (bound_to_v1 || line->version != CgroupVersion::v1) return;
    for (const std::string_view controller : needed) {
      if (!list_holds(line->controllers, controller)) continue;
      bound_to_v1 = fmt::format("the {} controller is held by a cgroup v1 hierarchy ({} in {}), so cgroup v2 cannot offer it",
                                controller, text, cgroup_file.string());
      return;
    }
  });
  if (bound_to_v1) return std::unexpected(*bound_to_v1);
  if (!own) return std::unexpected(fmt::format("no cgroup v2 entry (0::) in {}", cgroup_file.string()));
  bool any_cgroup2 = false;
  for (const Mount& mount : read_mounts(view)) {
    if (mount.fstype != "cgroup2") continue;
    any_cgroup2 = true;
    const auto relative = below_root(*own, mount);
    if (!relative) continue;
    const std::filesystem::path mount_point = with_sysroot(view, mount.mount_point);
    return CgroupV2Home{mount_point, trim_trailing_slashes(mount_point.string() + *relative)};
  }
  const std::string mountinfo = (view.proc_self / "mountinfo").string();
  if (!any_cgroup2) return std::unexpected(fmt::format("no cgroup v2 file system is mounted (none in {})", mountinfo));
  return std::unexpected(
      fmt::format("this process's cgroup v2 {} is not visible through any cgroup2 mount of {}", *own, mountinfo));
}

std::expected<std::filesystem::path, std::string> cgroup_v2_mount_point(const ProcessView& view) {
  std::optional<std::filesystem::path> first;
  for (const Mount& mount : read_mounts(view)) {
    if (mount.fstype != "cgroup2") continue;
    if (mount.root == "/") return with_sysroot(view, mount.mount_point);
    if (!first) first = with_sysroot(view, mount.mount_point);
  }
  if (first) return *first;
  return std::unexpected(
      fmt::format("no cgroup v2 file system is mounted (none in {})", (view.proc_self / "mountinfo").string()));
}

std::optional<MemoryLimit> cgroup_memory_limit(const ProcessView& view) {
  std::optional<MemoryLimit> least;
  for (const CgroupLevel& level : cgroup_levels("memory", view)) {
    const bool v2 = level.version == CgroupVersion::v2;
    const std::filesystem::path file = level.directory / (v2 ? "memory.max" : "memory.limit_in_bytes");
    const auto limit = read_cgroup_number(file);  // "max" (v2) is no number: no limit
    if (!limit || *limit >= kUnlimitedBytes) continue;
    std::uint64_t used_bytes = 0;
    if (const auto usage = read_cgroup_number(level.directory / (v2 ? "memory.current" : "memory.usage_in_bytes"))) {
      used_bytes = *usage;
      const auto inactive = read_keyed(level.directory / "memory.stat", v2 ? "inactive_file" : "total_inactive_file");
      if (inactive && *inactive <= used_bytes) used_bytes -= *inactive;
    }
    MemoryLimit here;
    here.limit_mib = *limit >> 20;
    here.used_mib = (used_bytes + (std::uint64_t{1} << 20) - 1) >> 20;
    here.free_mib = here.limit_mib > here.used_mib ? here.limit_mib - here.used_mib : 0;
    here.file = file;
    if (!least || here.free_mib < least->free_mib) least = std::move(here);
  }
  return least;
}

std::optional<CpuQuota> cgroup_cpu_quota(const ProcessView& view) {
  std::optional<CpuQuota> least;
  for (const CgroupLevel& level : cgroup_levels("cpu", view)) {
    std::filesystem::path file;
    std::optional<std::uint64_t> quota, period;
    if (level.version == CgroupVersion::v2) {
      file = level.directory / "cpu.max";
      const FileText text = read_small_file(file.string());
      if (!text.ok) continue;
      std::string_view value = text.text;
      if (const auto newline = value.find('\n'); newline != std::string_view::npos) value = value.substr(0, newline);
      const auto space = value.find(' ');
      if (space == std::string_view::npos) continue;
      std::uint64_t q = 0, p = 0;
      const std::string_view q_text = value.substr(0, space), p_text = value.substr(space + 1);
      const auto q_result = std::from_chars(q_text.data(), q_text.data() + q_text.size(), q);
      const auto p_result = std::from_chars(p_text.data(), p_text.data() + p_text.size(), p);
      if (q_result.ec != std::errc{} || q_result.ptr != q_text.data() + q_text.size() || p_result.ec != std::errc{} ||
          p_result.ptr != p_text.data() + p_text.size()) {
        continue;  // "max 100000": no quota
      }
      quota = q;
      period = p;
    } else {
      file = level.directory / "cpu.cfs_quota_us";
      quota = read_cgroup_number(file);  // -1 is no quota, and no number here
      period = read_cgroup_number(level.directory / "cpu.cfs_period_us");
    }
    if (!quota || !period || *period == 0 || *quota > kMaxQuotaMicroseconds || *period > kMaxQuotaMicroseconds) continue;
    const std::uint64_t millicpus = *quota * 1000 / *period;
    if (!least || millicpus < least->millicpus) least = CpuQuota{millicpus, file};
  }
  return least;
}

}  // namespace mmtest::machine
