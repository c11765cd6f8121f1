#include "mmtest/machine/memory.hpp"

#include <charconv>
#include <string_view>

#include "mmtest/common/format.hpp"

namespace mmtest::machine {

std::optional<std::uint64_t> mem_available_mib(const std::filesystem::path& meminfo) {
  const FileText file = read_small_file(meminfo.string());
  if (!file.ok) return std::nullopt;
  constexpr std::string_view kKey = "MemAvailable:";
  std::string_view text = file.text;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    std::uint64_t kib = 0;
    const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), kib);
    if (error != std::errc{} || std::string_view(end, line.data() + line.size()) != " kB") return std::nullopt;
    return kib >> 10;
  }
  return std::nullopt;
}

}  // namespace mmtest::machine
