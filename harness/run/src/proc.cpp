#include "mmtest/run/proc.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <charconv>
#include <fmt/format.h>
#include <unordered_map>

#include "mmtest/common/format.hpp"
#include "mmtest/common/unique_fd.hpp"

namespace mmtest::run {
namespace {

template <class Integer>
bool parse_integer(std::string_view text, Integer& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

// The entries of a /proc directory that are numbers (pids in /proc, thread ids in a task
// directory), at most `most`; none when it cannot be opened (the process has exited).
std::vector<pid_t> numeric_entries(const char* path, std::size_t most) {
  std::vector<pid_t> found;
  DIR* directory = ::opendir(path);
  if (directory == nullptr) return found;
  while (const dirent* entry = ::readdir(directory)) {
    if (found.size() == most) break;
    pid_t id = 0;
    if (parse_integer(std::string_view(entry->d_name), id) && id > 0) found.push_back(id);
  }
  ::closedir(directory);
  return found;
}

// Reads /proc/<pid>/stat into buffer without allocating; returns the text or empty on failure.
std::string_view read_stat(pid_t pid, char (&buffer)[1024]) {
  char path[64];
  const auto path_end = fmt::format_to_n(path, sizeof path - 1, "/proc/{}/stat", pid);
  *path_end.out = '\0';
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return {};
  const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
  if (got <= 0) return {};
  return std::string_view(buffer, static_cast<std::size_t>(got));
}

}  // namespace

std::optional<ProcessInfo> parse_proc_stat(std::string_view text, std::uint64_t page_size_bytes) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;

  ProcessInfo info;
  if (!parse_integer(text.substr(0, open == 0 ? 0 : open - 1), info.pid)) return std::nullopt;
  info.comm = std::string(text.substr(open + 1, close - open - 1));

  // Fields after the comm, numbered as in proc(5): 3 state, 4 ppid, ..., 14-17 utime, stime,
  // cutime, cstime, ..., 20 num_threads, 22 starttime, 24 rss.
  std::string_view rest = text.substr(close + 1);
  int field = 2;
  while (!rest.empty() && field < 24) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const auto end = rest.find(' ');
    const std::string_view token = rest.substr(0, end);
    ++field;
    if (field == 3) {
      if (token.size() != 1) return std::nullopt;
      info.state = token.front();
    } else if (field == 4) {
      if (!parse_integer(token, info.ppid)) return std::nullopt;
    } else if (field >= 14 && field <= 17) {
      std::int64_t ticks = 0;
      if (!parse_integer(token, ticks)) return std::nullopt;
      if (ticks > 0) info.cpu_ticks += static_cast<std::uint64_t>(ticks);
    } else if (field == 20) {
      if (!parse_integer(token, info.threads)) return std::nullopt;
    } else if (field == 22) {
      if (!parse_integer(token, info.start_time_ticks)) return std::nullopt;
    } else if (field == 24) {
      std::int64_t rss_pages = 0;
      if (!parse_integer(token, rss_pages)) return std::nullopt;
      info.rss_bytes = rss_pages > 0 ? static_cast<std::uint64_t>(rss_pages) * page_size_bytes : 0;
      return info;
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  return std::nullopt;
}

std::vector<ProcessInfo> read_all_processes() {
  static const auto page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  std::vector<ProcessInfo> processes;
  char buffer[1024];
  for (const pid_t pid : numeric_entries("/proc", SIZE_MAX)) {
    const std::string_view text = read_stat(pid, buffer);
    if (text.empty()) continue;  // exited meanwhile
    if (auto info = parse_proc_stat(text, page_size)) processes.push_back(std::move(*info));
  }
  return processes;
}

std::vector<pid_t> thread_ids(pid_t pid, std::size_t most) {
  return numeric_entries(fmt::format("/proc/{}/task", pid).c_str(), most);
}

std::vector<ProcessInfo> descendants_of(pid_t root, std::span<const ProcessInfo> processes) {
  std::unordered_multimap<pid_t, const ProcessInfo*> children_of;
  children_of.reserve(processes.size());
  for (const ProcessInfo& process : processes) children_of.emplace(process.ppid, &process);

  std::vector<ProcessInfo> found;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    const auto [begin, end] = children_of.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      if (it->second->pid == root) continue;  // defensive: a cycle is impossible, but never loop
      found.push_back(*it->second);
      frontier.push_back(it->second->pid);
    }
  }
  return found;
}

std::optional<std::vector<ProcessInfo>> walk_descendants(pid_t root) {
  static const auto page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  std::vector<ProcessInfo> found;
  std::vector<pid_t> frontier{root};
  char stat_buffer[1024];
  bool first = true;
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    for (const pid_t tid : thread_ids(parent)) {  // none once it has exited
      const FileText children = read_small_file(fmt::format("/proc/{}/task/{}/children", parent, tid));
      if (!children.ok) {
        if (first && children.error == ENOENT) return std::nullopt;  // no CONFIG_PROC_CHILDREN
        continue;
      }
      std::string_view rest = children.text;
      while (!rest.empty()) {
        const auto end = rest.find(' ');
        pid_t child = 0;
        if (parse_integer(rest.substr(0, end), child)) {
          const std::string_view text = read_stat(child, stat_buffer);
          if (auto info = text.empty() ? std::nullopt : parse_proc_stat(text, page_size)) {
            found.push_back(std::move(*info));
            frontier.push_back(child);
          }
        }
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 1);
      }
      first = false;
    }
  }
  return found;
}

bool kill_pending_in_status(std::string_view status_text) {
  constexpr std::uint64_t kKillBit = std::uint64_t{1} << (SIGKILL - 1);
  for (const std::string_view field : {std::string_view("\nSigPnd:"), std::string_view("\nShdPnd:")}) {
    const auto at = status_text.find(field);
    if (at == std::string_view::npos) continue;
    std::string_view value = status_text.substr(at + field.size());
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    std::uint64_t mask = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), mask, 16);
    if (error == std::errc() && end != value.data() && (mask & kKillBit) != 0) return true;
  }
  return false;
}

bool kill_pending(pid_t pid) {
  const FileText status = read_small_file(fmt::format("/proc/{}/status", pid));
  return status.ok && kill_pending_in_status(status.text);
}

std::string read_command_line(pid_t pid, std::string_view fallback_comm) {
  FileText file = read_small_file(fmt::format("/proc/{}/cmdline", pid));
  std::string& text = file.text;
  while (!text.empty() && text.back() == '\0') text.pop_back();
  if (!file.ok || text.empty()) return fmt::format("[{}]", fallback_comm);
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

}  // namespace mmtest::run
