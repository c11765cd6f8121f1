#include "mmtest/record/case_log.hpp"

#include <nlohmann/json.hpp>

namespace mmtest::record {
namespace {

using nlohmann::json;

std::optional<std::uint64_t> unsigned_field(const json& event, const char* key) {
  const auto found = event.find(key);
  if (found == event.end() || !found->is_number_unsigned()) return std::nullopt;
  return found->get<std::uint64_t>();
}

std::optional<std::int64_t> signed_field(const json& event, const char* key) {
  const auto found = event.find(key);
  if (found == event.end() || !found->is_number_integer()) return std::nullopt;
  return found->get<std::int64_t>();
}

std::optional<std::string> string_field(const json& event, const char* key) {
  const auto found = event.find(key);
  if (found == event.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

void apply(CaseLog& log, const json& event, const std::string& kind) {
  if (kind == "start") {
    auto name = string_field(event, "case");
    if (!name) return;
    log.running = RunningCase{std::move(*name), unsigned_field(event, "rss_bytes").value_or(0)};
  } else if (kind == "end") {
    auto name = string_field(event, "case");
    auto outcome = string_field(event, "outcome");
    if (!name || !outcome) return;
    CaseResult result;
    result.name = std::move(*name);
    result.outcome = std::move(*outcome);
    if (const auto wall = event.find("wall_seconds"); wall != event.end() && wall->is_number()) {
      result.wall_seconds = wall->get<double>();
    }
    result.rss_start_bytes = unsigned_field(event, "rss_start_bytes").value_or(0);
    result.peak_rss_bytes = unsigned_field(event, "peak_rss_bytes");
    result.growth_bytes = signed_field(event, "growth_bytes").value_or(0);
    result.leaked_series = unsigned_field(event, "leaked_series").value_or(0);
    if (log.running && log.running->name == result.name) log.running.reset();
    log.finished.push_back(std::move(result));
  } else if (kind == "guard") {
    MemoryGuardStop guard;
    guard.case_name = string_field(event, "case");
    guard.rss_bytes = unsigned_field(event, "rss_bytes").value_or(0);
    guard.limit_bytes = unsigned_field(event, "limit_bytes").value_or(0);
    guard.case_growth_bytes = signed_field(event, "case_growth_bytes");
    log.guard = std::move(guard);
  }
}

}  // namespace

CaseLog parse_case_log(std::string_view text) {
  CaseLog log;
  std::optional<std::int64_t> owner;  // the pid whose lines count
  while (!text.empty()) {
    const auto newline = text.find('\n');
    // A line without its newline is the last one, cut short by a kill: never trusted.
    if (newline == std::string_view::npos) break;
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    const json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!event.is_object()) continue;
    const auto pid = signed_field(event, "pid");
    const auto kind = string_field(event, "event");
    if (!pid || !kind) continue;
    if (!owner) owner = pid;
    if (*pid != *owner) continue;
    apply(log, event, *kind);
  }
  return log;
}

std::optional<BiggestGrowth> biggest_growth(const CaseLog& log, std::optional<std::int64_t> running_growth_bytes) {
  std::optional<BiggestGrowth> biggest;
  for (const CaseResult& result : log.finished) {
    if (result.growth_bytes > 0 && (!biggest || result.growth_bytes > biggest->growth_bytes)) {
      biggest = BiggestGrowth{result.name, result.growth_bytes, false};
    }
  }
  if (log.running && running_growth_bytes && *running_growth_bytes > 0 &&
      (!biggest || *running_growth_bytes > biggest->growth_bytes)) {
    biggest = BiggestGrowth{log.running->name, *running_growth_bytes, true};
  }
  return biggest;
}

}  // namespace mmtest::record
