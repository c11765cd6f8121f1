#include "mmtest/plan/manifest.hpp"

#include <fmt/format.h>

#include "mmtest/common/format.hpp"
#include "mmtest/plan/cpu_demand.hpp"

namespace mmtest::plan {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// ---- manifest --------------------------------------------------------------------------------------

struct Need {
  std::string subject;
  std::uint64_t memory_mib = 0;
  std::uint64_t gpus = 0;
  std::uint64_t timeout_seconds = 0;
  std::uint64_t cpu_tenths = 10;
  bool cpus_fixed = false;
  std::optional<CaseList> cases;  // a GoogleTest target's line: where its cases are listed
};

// A quoted string as _mm_quote() writes it, starting at pos (the opening quote), which it moves
// past the closing quote. The text may span lines.
std::optional<std::string> parse_quoted(std::string_view text, std::size_t& pos) {
  if (pos >= text.size() || text[pos] != '"') return std::nullopt;
  ++pos;
  std::string value;
  while (true) {
    if (pos >= text.size()) return std::nullopt;
    const char c = text[pos++];
    if (c == '"') return value;
    if (c == '\\') {
      if (pos >= text.size()) return std::nullopt;
      value += text[pos++];  // \\ \" \$: the escapes _mm_quote() writes
    } else {
      value += c;
    }
  }
}

std::optional<std::uint64_t> parse_number(std::string_view text, std::size_t& pos) {
  const std::size_t begin = pos;
  std::uint64_t value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++pos;
  }
  if (pos == begin) return std::nullopt;
  return value;
}

// One `_mm_need("<subject>" <MiB> <gpus> [<timeout> [<cpus> [FIXED] [CASES "<list>" "<prefix>"
// "<suffix>" ["<pattern>" <seconds>]...]]])` starting at pos, which it moves past the line. The subject may span lines:
// _mm_quote() leaves newlines in a name as they are.
std::optional<Need> parse_need(std::string_view text, std::size_t& pos) {
  constexpr std::string_view kCall = "_mm_need(";
  if (!text.substr(pos).starts_with(kCall)) return std::nullopt;
  pos += kCall.size();
  while (pos < text.size() && is_blank(text[pos])) ++pos;
  Need need;
  auto subject = parse_quoted(text, pos);
  if (!subject) return std::nullopt;
  need.subject = std::move(*subject);
  const auto separated_number = [&]() -> std::optional<std::uint64_t> {
    if (pos >= text.size() || !is_blank(text[pos])) return std::nullopt;
    while (pos < text.size() && is_blank(text[pos])) ++pos;
    return parse_number(text, pos);
  };
  const auto memory_mib = separated_number();
  const auto gpus = memory_mib ? separated_number() : std::nullopt;
  if (!memory_mib || !gpus) return std::nullopt;
  // The timeout and the CPUs are optional: older manifests stop at the GPUs or the timeout.
  std::size_t numbers_read = 0;
  const auto at_end_or_word = [&] { return pos >= text.size() || text[pos] == ')' || text[pos] == 'C' || text[pos] == 'F'; };
  while (pos < text.size() && is_blank(text[pos])) ++pos;
  if (!at_end_or_word()) {
    if (!is_blank(text[pos - 1])) return std::nullopt;
    const auto timeout = parse_number(text, pos);
    if (!timeout) return std::nullopt;
    need.timeout_seconds = *timeout;
    ++numbers_read;
    while (pos < text.size() && is_blank(text[pos])) ++pos;
  }
  if (numbers_read == 1 && !at_end_or_word()) {
    if (!is_blank(text[pos - 1])) return std::nullopt;
    const std::size_t begin = pos;
    while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) ++pos;
    const auto tenths = parse_cpu_tenths(text.substr(begin, pos - begin));
    if (!tenths) return std::nullopt;
    need.cpu_tenths = *tenths;
    ++numbers_read;
    if (pos < text.size() && !is_blank(text[pos]) && text[pos] != ')') return std::nullopt;
    while (pos < text.size() && is_blank(text[pos])) ++pos;
  }
  constexpr std::string_view kFixed = "FIXED";
  if (text.substr(pos).starts_with(kFixed)) {
    if (numbers_read != 2 || !is_blank(text[pos - 1])) return std::nullopt;
    pos += kFixed.size();
    need.cpus_fixed = true;
    if (pos < text.size() && !is_blank(text[pos]) && text[pos] != ')') return std::nullopt;
    while (pos < text.size() && is_blank(text[pos])) ++pos;
  }
  constexpr std::string_view kCases = "CASES";
  if (text.substr(pos).starts_with(kCases)) {
    // Only after all the numbers, each field quoted and separated by blanks.
    if (numbers_read != 2 || !is_blank(text[pos - 1])) return std::nullopt;
    pos += kCases.size();
    CaseList cases;
    for (std::string* field : {&cases.list_file, &cases.prefix, &cases.suffix}) {
      if (pos >= text.size() || !is_blank(text[pos])) return std::nullopt;
      while (pos < text.size() && is_blank(text[pos])) ++pos;
      auto value = parse_quoted(text, pos);
      if (!value) return std::nullopt;
      *field = std::move(*value);
    }
    if (cases.list_file.empty()) return std::nullopt;
    // CASE_TIMEOUTS: pairs of a quoted pattern and whole seconds.
    while (true) {
      const std::size_t before = pos;
      while (pos < text.size() && is_blank(text[pos])) ++pos;
      if (pos >= text.size() || text[pos] != '"') {
        pos = before;
        break;
      }
      if (pos == before) return std::nullopt;  // glued to the field before
      auto pattern = parse_quoted(text, pos);
      if (!pattern || pattern->empty()) return std::nullopt;
      const auto seconds = separated_number();
      if (!seconds) return std::nullopt;
      cases.timeouts.push_back({std::move(*pattern), *seconds});
    }
    need.cases = std::move(cases);
    while (pos < text.size() && is_blank(text[pos])) ++pos;
  }
  if (pos >= text.size() || text[pos] != ')') return std::nullopt;
  ++pos;
  while (pos < text.size() && is_blank(text[pos])) ++pos;
  if (pos < text.size() && text[pos] != '\n') return std::nullopt;
  need.memory_mib = *memory_mib;
  need.gpus = *gpus;
  return need;
}

std::size_t end_of_line(std::string_view text, std::size_t pos) {
  const auto newline = text.find('\n', pos);
  return newline == std::string_view::npos ? text.size() : newline + 1;
}

}  // namespace

// ---- manifest --------------------------------------------------------------------------------------

Manifest parse_manifest(std::string_view text) {
  Manifest manifest;
  constexpr std::string_view kTestPrefix = "test '";
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (is_blank(text[pos]) || text[pos] == '\n') {
      ++pos;
      continue;
    }
    if (text[pos] == '#') {
      pos = end_of_line(text, pos);
      continue;
    }
    const std::size_t line_start = pos;
    auto need = parse_need(text, pos);
    if (!need) {
      ++manifest.malformed_lines;
      pos = end_of_line(text, line_start);
      continue;
    }
    const std::string& subject = need->subject;
    manifest.declarations.push_back({subject, need->memory_mib, need->gpus, need->cpu_tenths});
    if (need->cases) {
      CaseList& cases = *need->cases;
      cases.memory_mib = need->memory_mib;
      cases.timeout_seconds = need->timeout_seconds;
      cases.cpu_tenths = need->cpu_tenths;
      cases.cpus_fixed = need->cpus_fixed;
      manifest.case_lists.push_back(std::move(cases));
    } else if (subject.size() > kTestPrefix.size() + 1 && subject.starts_with(kTestPrefix) && subject.ends_with('\'')) {
      std::string name = subject.substr(kTestPrefix.size(), subject.size() - kTestPrefix.size() - 1);
      manifest.tests.push_back({std::move(name), need->memory_mib, need->timeout_seconds, need->cpu_tenths, need->cpus_fixed});
    }
  }
  return manifest;
}

std::expected<Manifest, std::string> read_manifest(const std::filesystem::path& path) {
  const FileText file = read_small_file(path.string());
  if (!file.ok) return std::unexpected(system_error_message(fmt::format("read({})", path.string()), file.error));
  return parse_manifest(file.text);
}

bool is_disabled_case(std::string_view suite_dot_case) {
  return suite_dot_case.starts_with("DISABLED_") || suite_dot_case.find(".DISABLED_") != std::string_view::npos ||
         suite_dot_case.find("/DISABLED_") != std::string_view::npos;
}

bool glob_matches(std::string_view pattern, std::string_view text) {
  // Iterative, with one backtracking point: the last '*' and where its match would end next.
  std::size_t p = 0, t = 0;
  std::optional<std::size_t> star, star_text;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star) {
      p = *star + 1;
      t = ++*star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::size_t add_listed_cases(Manifest& manifest) {
  std::size_t missing = 0;
  for (const CaseList& cases : manifest.case_lists) {
    const FileText file = read_small_file(cases.list_file);
    if (!file.ok) {
      ++missing;
      continue;
    }
    std::string_view rest = file.text;
    while (!rest.empty()) {
      const auto newline = rest.find('\n');
      const std::string_view line = rest.substr(0, newline);
      rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
      if (line.empty()) continue;
      // CTest never runs a disabled case (mm_gtest_discover_tests marks it DISABLED).
      if (is_disabled_case(line)) continue;
      std::uint64_t timeout_seconds = cases.timeout_seconds;
      for (const CaseTimeout& timeout : cases.timeouts) {
        if (glob_matches(timeout.pattern, line)) {
          timeout_seconds = timeout.seconds;
          break;
        }
      }
      manifest.tests.push_back(
          {cases.prefix + std::string(line) + cases.suffix, cases.memory_mib, timeout_seconds, cases.cpu_tenths, cases.cpus_fixed});
    }
  }
  return missing;
}

}  // namespace mmtest::plan
