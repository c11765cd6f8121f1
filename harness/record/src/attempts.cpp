#include "mmtest/record/attempts.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mmtest/common/format.hpp"

namespace mmtest::record {

std::filesystem::path attempt_path(const std::filesystem::path& record, int attempt) {
  std::filesystem::path kept = record;
  kept.replace_extension();
  kept += fmt::format("~attempt-{}.json", attempt);
  return kept;
}

namespace {

// The first attempt of a new run: the kept attempts of an earlier run go (the hook has added
// them to the history when this ctest started), so that a folder holds one run's attempts.
int first_attempt(const std::filesystem::path& record) {
  std::error_code ignored;
  for (int attempt = 1; std::filesystem::remove(attempt_path(record, attempt), ignored); ++attempt) {
  }
  return 1;
}

}  // namespace

int set_aside_earlier_attempt(const std::filesystem::path& record, std::string_view ctest_run) {
  if (ctest_run.empty()) return 1;
  const FileText file = read_small_file(record.string());
  if (!file.ok) return first_attempt(record);
  const nlohmann::json earlier = nlohmann::json::parse(file.text, nullptr, /*allow_exceptions=*/false);
  if (!earlier.is_object()) return first_attempt(record);
  const auto run = earlier.find("ctest_run");
  if (run == earlier.end() || !run->is_string() || run->get<std::string>() != ctest_run) return first_attempt(record);
  const auto number = earlier.find("attempt");
  const int attempt = number != earlier.end() && number->is_number_integer() ? number->get<int>() : 1;
  if (attempt < 1) return 1;
  // rename() replaces a stale file of that name: an id reused across ctest runs, at worst.
  if (std::rename(record.c_str(), attempt_path(record, attempt).c_str()) != 0) return 1;
  return attempt + 1;
}

}  // namespace mmtest::record
