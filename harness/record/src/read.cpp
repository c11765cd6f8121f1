// The reading side of the record (docs/launcher.md, "The record"); record.cpp is the writing side.
// Kept in its own file so that mmtest-run, which only writes, does not link the parser.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <fmt/format.h>
#include <thread>

#include "mmtest/common/format.hpp"
#include "mmtest/record/record.hpp"

namespace mmtest::record {
namespace {

using nlohmann::json;

std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Typed access with one error shape: "'<field>' is missing" / "'<field>' is not a <what>".
class Fields {
 public:
  explicit Fields(const json& object) : object_(object) {}

  const json* find(const char* field) const {
    const auto it = object_.find(field);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  template <typename T>
  std::expected<T, std::string> required(const char* field, const char* what) const {
    const json* value = find(field);
    if (value == nullptr) return std::unexpected(fmt::format("'{}' is missing", field));
    auto typed = as<T>(*value);
    if (!typed) return std::unexpected(fmt::format("'{}' is not {}", field, what));
    return *typed;
  }

  // Absent or null: nullopt. Present with the wrong type: an error.
  template <typename T>
  std::expected<std::optional<T>, std::string> optional(const char* field, const char* what) const {
    const json* value = find(field);
    if (value == nullptr) return std::optional<T>{};
    auto typed = as<T>(*value);
    if (!typed) return std::unexpected(fmt::format("'{}' is not {}", field, what));
    return std::optional<T>{*typed};
  }

 private:
  template <typename T>
  static std::optional<T> as(const json& value) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (value.is_string()) return value.get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
      if (value.is_boolean()) return value.get<bool>();
    } else if constexpr (std::is_same_v<T, double>) {
      if (value.is_number() && std::isfinite(value.get<double>())) return value.get<double>();
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
      if (value.is_number_unsigned()) return value.get<std::uint64_t>();
    } else if constexpr (std::is_same_v<T, int>) {
      if (value.is_number_integer()) return value.get<int>();
    }
    return std::nullopt;
  }

  const json& object_;
};

// Assigns the field or returns its error from the enclosing function.
#define MMTEST_TAKE(target, expression)            \
  do {                                             \
    auto taken = (expression);                     \
    if (!taken) return std::unexpected(taken.error()); \
    (target) = std::move(*taken);                  \
  } while (false)

std::vector<std::string> strings_of(const json* value) {
  std::vector<std::string> out;
  if (value == nullptr || !value->is_array()) return out;
  for (const json& item : *value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

std::optional<double> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  std::size_t pos = 19;
  double fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    double scale = 0.1;
    ++pos;
    const std::size_t begin = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == begin) return std::nullopt;
  }
  if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const auto days_since_epoch = sys_days{date}.time_since_epoch().count();
  return static_cast<double>(days_since_epoch) * 86400.0 + *hour * 3600.0 + *minute * 60.0 + *second + fraction;
}

std::expected<Record, std::string> parse_record_json(std::string_view text) {
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return std::unexpected(text.empty() ? std::string("empty file") : std::string("not JSON (truncated or corrupt)"));
  }
  if (!document.is_object()) return std::unexpected(std::string("not a JSON object"));
  const Fields fields(document);
  Record record;
  std::optional<int> version;
  MMTEST_TAKE(version, fields.optional<int>("schema_version", "an integer"));
  record.schema_version = version.value_or(0);
  MMTEST_TAKE(record.name, fields.required<std::string>("name", "a string"));
  MMTEST_TAKE(record.outcome, fields.required<std::string>("outcome", "a string"));
  MMTEST_TAKE(record.wall_seconds, fields.required<double>("wall_seconds", "a number"));
  MMTEST_TAKE(record.peak_memory_bytes, fields.required<std::uint64_t>("peak_memory_bytes", "a whole number"));
  MMTEST_TAKE(record.started_at, fields.required<std::string>("started_at", "a string"));
  MMTEST_TAKE(record.finished_at, fields.required<std::string>("finished_at", "a string"));
  const auto started = parse_rfc3339(record.started_at);
  const auto finished = parse_rfc3339(record.finished_at);
  if (!started) return std::unexpected(fmt::format("'started_at' is not an RFC 3339 UTC time: '{}'", record.started_at));
  if (!finished) return std::unexpected(fmt::format("'finished_at' is not an RFC 3339 UTC time: '{}'", record.finished_at));
  record.started_unix_seconds = *started;
  record.finished_unix_seconds = *finished;
  if (record.wall_seconds < 0) return std::unexpected(std::string("'wall_seconds' is negative"));

  MMTEST_TAKE(record.exit_code, fields.optional<int>("exit_code", "an integer"));
  MMTEST_TAKE(record.signal, fields.optional<std::string>("signal", "a string"));
  MMTEST_TAKE(record.diagnosis, fields.optional<std::string>("diagnosis", "a string"));
  MMTEST_TAKE(record.cpu_wait_seconds, fields.optional<double>("cpu_wait_seconds", "a number"));
  MMTEST_TAKE(record.cpu_peak, fields.optional<double>("cpu_peak", "a number"));
  MMTEST_TAKE(record.cpus_reserved, fields.optional<double>("cpus_reserved", "a number"));
  MMTEST_TAKE(record.memory_limit_bytes, fields.optional<std::uint64_t>("memory_limit_bytes", "a whole number"));
  MMTEST_TAKE(record.timeout_seconds, fields.optional<double>("timeout_seconds", "a number"));
  std::optional<int> launcher_exit_code;
  MMTEST_TAKE(launcher_exit_code, fields.optional<int>("launcher_exit_code", "an integer"));
  record.launcher_exit_code = launcher_exit_code.value_or(0);
  std::optional<double> cpu_seconds;
  MMTEST_TAKE(cpu_seconds, fields.optional<double>("cpu_seconds", "a number"));
  record.cpu_seconds = cpu_seconds.value_or(0);
  std::optional<bool> starved;
  MMTEST_TAKE(starved, fields.optional<bool>("starved", "true or false"));
  record.starved = starved.value_or(false);
  std::optional<bool> memory_declared;
  MMTEST_TAKE(memory_declared, fields.optional<bool>("memory_declared", "true or false"));
  record.memory_declared = memory_declared.value_or(true);  // older records: as declared
  std::optional<std::uint64_t> processes;
  MMTEST_TAKE(processes, fields.optional<std::uint64_t>("max_processes_seen", "a whole number"));
  record.max_processes_seen = processes.value_or(0);
  std::optional<std::string> source;
  MMTEST_TAKE(source, fields.optional<std::string>("peak_memory_source", "a string"));
  record.peak_memory_source = source.value_or("");
  std::optional<std::string> mode;
  MMTEST_TAKE(mode, fields.optional<std::string>("limit_mode", "a string"));
  record.limit_mode = mode.value_or("");

  record.command = strings_of(fields.find("command"));
  record.warnings = strings_of(fields.find("warnings"));
  record.labels = strings_of(fields.find("labels"));
  if (const auto run = fields.find("ctest_run"); run != nullptr && run->is_string()) record.ctest_run = run->get<std::string>();
  if (const auto attempt = fields.find("attempt"); attempt != nullptr && attempt->is_number_integer()) {
    record.attempt = std::max(1, attempt->get<int>());
  }
  if (const json* leaked = fields.find("leaked_processes"); leaked != nullptr && leaked->is_array()) {
    for (const json& process : *leaked) {
      if (!process.is_object()) continue;
      RecordedProcess entry;
      if (const auto pid = process.find("pid"); pid != process.end() && pid->is_number_integer()) entry.pid = pid->get<long>();
      if (const auto command = process.find("command"); command != process.end() && command->is_string()) {
        entry.command = command->get<std::string>();
      }
      record.leaked_processes.push_back(std::move(entry));
    }
  }
  if (const json* samples = fields.find("memory_samples"); samples != nullptr) {
    if (!samples->is_array()) return std::unexpected(std::string("'memory_samples' is not an array"));
    for (const json& point : *samples) {
      if (!point.is_array() || point.size() != 2 || !point[0].is_number() || !point[1].is_number_unsigned()) {
        return std::unexpected(std::string("'memory_samples' holds a point that is not [seconds, bytes]"));
      }
      record.memory_samples.push_back({point[0].get<double>(), point[1].get<std::uint64_t>()});
    }
  }
  if (const json* cases = fields.find("cases"); cases != nullptr) {
    if (!cases->is_array()) return std::unexpected(std::string("'cases' is not an array"));
    record.cases.reserve(cases->size());
    for (const json& element : *cases) {
      const auto name = element.is_object() ? element.find("name") : element.end();
      const auto outcome = element.is_object() ? element.find("outcome") : element.end();
      if (!element.is_object() || name == element.end() || !name->is_string() || outcome == element.end() ||
          !outcome->is_string()) {
        return std::unexpected(std::string("'cases' holds an element without a string 'name' and 'outcome'"));
      }
      RecordedCase entry{.name = name->get<std::string>(), .outcome = outcome->get<std::string>()};
      if (const auto wall = element.find("wall_seconds"); wall != element.end() && wall->is_number()) {
        entry.wall_seconds = wall->get<double>();
      }
      if (const auto growth = element.find("growth_bytes"); growth != element.end() && growth->is_number_integer()) {
        entry.growth_bytes = growth->get<std::int64_t>();
      }
      if (const auto leaked = element.find("leaked_series"); leaked != element.end() && leaked->is_number_unsigned()) {
        entry.leaked_series = leaked->get<std::uint64_t>();
      }
      record.cases.push_back(std::move(entry));
    }
  }
  return record;
}

#undef MMTEST_TAKE

std::expected<std::vector<std::filesystem::path>, std::string> list_record_files(const std::filesystem::path& directory,
                                                                                 bool* missing) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  std::filesystem::directory_iterator it(directory, error);
  if (missing != nullptr) *missing = error == std::errc::no_such_file_or_directory;
  if (error == std::errc::no_such_file_or_directory) return files;
  for (const std::filesystem::directory_iterator end; !error && it != end; it.increment(error)) {
    std::error_code type_error;
    if (it->path().extension() == ".json" && it->is_regular_file(type_error)) files.push_back(it->path());
  }
  if (error) return std::unexpected(fmt::format("cannot read the records folder {}: {}", directory.string(), error.message()));
  std::ranges::sort(files);
  return files;
}

RecordSet read_record_directory(const std::filesystem::path& directory, bool* missing) {
  RecordSet set;
  auto listed = list_record_files(directory, missing);
  if (!listed) {
    set.unreadable = std::move(listed.error());
    return set;
  }
  const std::vector<std::filesystem::path>& files = *listed;

  // Each file is read and parsed on its own, so the files are shared among one thread per CPU
  // (a suite's 10,000 records are most of `mmtest report`'s time); the results keep file order.
  std::vector<std::expected<Record, std::string>> results(files.size(), std::unexpected(std::string()));
  const auto read_one = [&](std::size_t i) {
    const FileText file = read_small_file(files[i].string());
    if (!file.ok) {
      results[i] = std::unexpected(fmt::format("{}: {}", files[i].string(), system_error_message("cannot read", file.error)));
      return;
    }
    results[i] = parse_record_json(file.text);
    if (!results[i]) results[i] = std::unexpected(fmt::format("{}: {}", files[i].string(), results[i].error()));
  };
  constexpr std::size_t kFilesPerThread = 256;  // below that, starting a thread costs more than it saves
  const std::size_t threads =
      std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), (files.size() + kFilesPerThread - 1) / kFilesPerThread);
  if (threads <= 1) {
    for (std::size_t i = 0; i < files.size(); ++i) read_one(i);
  } else {
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < files.size();) read_one(i);
    };
    std::vector<std::jthread> workers;
    for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(work);
    work();
  }
  set.records.reserve(files.size());
  for (auto& result : results) {
    if (result) set.records.push_back(std::move(*result));
    else set.problems.push_back(std::move(result.error()));
  }
  return set;
}

}  // namespace mmtest::record
