#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmtest::run {

// What one /proc/<pid>/stat line tells the supervisor.
struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';             // R, S, D, T, Z, X, ...
  std::uint64_t rss_bytes = 0;  // resident set, shared pages included
  std::string comm;             // kernel's short name (at most 15 characters)

  bool is_live() const { return state != 'Z' && state != 'X' && state != 'x'; }
};

// Parses the text of /proc/<pid>/stat. The command name may contain spaces and parentheses,
// so fields are counted from the last ')'. nullopt when the text is malformed.
std::optional<ProcessInfo> parse_proc_stat(std::string_view text, std::uint64_t page_size_bytes);

// Every process currently visible in /proc (processes, not threads). Processes that vanish
// while being read are skipped.
std::vector<ProcessInfo> read_all_processes();

// The processes below root (not root itself), found by following parent links.
std::vector<ProcessInfo> descendants_of(pid_t root, std::span<const ProcessInfo> processes);

// The command line of pid, arguments joined by spaces; the comm name in brackets when the
// command line is empty (kernel threads, zombies) or unreadable.
std::string read_command_line(pid_t pid, std::string_view fallback_comm);

}  // namespace mmtest::run
