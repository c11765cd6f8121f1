// Records made up for the tool's unit tests: what mmtest-run writes, with the figures a test picks.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mmtest/record/record.hpp"

namespace mmtest::tool::testing {

inline constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// 2026-11-22T10:00:00Z, the start of every made-up run.
inline const std::chrono::system_clock::time_point kRunStart{std::chrono::seconds{1795341600}};

struct Fake {
  std::string name;
  double start = 0;                 // seconds after kRunStart
  double wall = 1;
  std::uint64_t peak_mib = 10;
  std::optional<std::uint64_t> limit_mib = 64;
  std::string outcome = "passed";
  std::string diagnosis = "";
  std::vector<std::pair<double, std::uint64_t>> samples_mib = {};  // seconds since start, MiB
  std::vector<std::string> leaked = {};
  double day = 0;                   // days after kRunStart (history)
  std::vector<std::pair<std::string, std::string>> cases = {};  // GoogleTest cases: name, outcome
  bool memory_declared = true;      // false: --memory-default (no MEMORY of its own)
  std::string ctest_run = "";       // the ctest run's id; "" for none
  int attempt = 1;                  // the attempt within that run
  std::string file = "";            // the record's file name without .json; "" for one made of the name
  std::optional<double> cpu = {};            // cpu_seconds; half the wall time when not given
  std::optional<double> cpu_wait = {};       // cpu_wait_seconds
  std::optional<double> cpu_peak = {};       // cpu_peak
  std::optional<double> cpus_reserved = {};  // cpus_reserved
};

inline nlohmann::json fake_record(const Fake& fake) {
  using nlohmann::json;
  const auto offset = std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::duration<double>(fake.start + fake.day * 86400));
  const auto started = kRunStart + offset;
  const auto finished = started + std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(fake.wall));
  json samples = json::array();
  for (const auto& [at, mib] : fake.samples_mib) samples.push_back(json::array({at, mib * kMiB}));
  json leaked = json::array();
  for (std::size_t i = 0; i < fake.leaked.size(); ++i) leaked.push_back({{"pid", 100 + i}, {"command", fake.leaked[i]}});
  // As the listener reports them: a failed case here leaked 7 series, the others none.
  json cases = json::array();
  for (const auto& [name, outcome] : fake.cases) {
    const bool ended = outcome != "unfinished";
    cases.push_back({{"name", name}, {"outcome", outcome}, {"wall_seconds", ended ? json(0.01) : json(nullptr)},
                     {"rss_start_bytes", 4 * kMiB}, {"peak_rss_bytes", nullptr},
                     {"growth_bytes", ended ? json(0) : json(nullptr)},
                     {"leaked_series", ended ? json(outcome == "failed" ? 7 : 0) : json(nullptr)}});
  }
  return {{"schema_version", 3},
          {"name", fake.name},
          {"command", json::array({"./" + fake.name})},
          {"outcome", fake.outcome},
          {"exit_code", fake.outcome == "passed" ? json(0) : json(nullptr)},
          {"diagnosis", fake.diagnosis.empty() ? json(nullptr) : json(fake.diagnosis)},
          {"wall_seconds", fake.wall},
          {"cpu_seconds", fake.cpu.value_or(fake.wall / 2)},
          {"cpu_wait_seconds", fake.cpu_wait ? json(*fake.cpu_wait) : json(nullptr)},
          {"cpu_peak", fake.cpu_peak ? json(*fake.cpu_peak) : json(nullptr)},
          {"cpus_reserved", fake.cpus_reserved ? json(*fake.cpus_reserved) : json(nullptr)},
          {"peak_memory_bytes", fake.peak_mib * kMiB},
          {"memory_limit_bytes", fake.limit_mib ? json(*fake.limit_mib * kMiB) : json(nullptr)},
          {"memory_declared", fake.memory_declared},
          {"ctest_run", fake.ctest_run.empty() ? json(nullptr) : json(fake.ctest_run)},
          {"attempt", fake.attempt},
          {"leaked_processes", leaked},
          {"started_at", record::rfc3339(started)},
          {"finished_at", record::rfc3339(finished)},
          {"memory_samples", samples},
          {"cases", cases}};
}

inline record::Record fake(const Fake& fake) { return record::parse_record_json(fake_record(fake).dump()).value(); }

inline void write_fake(const std::filesystem::path& directory, const Fake& fake) {
  std::filesystem::create_directories(directory);
  std::string file = fake.file;
  if (file.empty()) {
    for (const char c : fake.name) file += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_') ? c : '_';
  }
  std::ofstream(directory / (file + ".json")) << fake_record(fake).dump(2);
}

}  // namespace mmtest::tool::testing
