#include "mmtest/run/schedule.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "mmtest/run/format.hpp"
#include "mmtest/run/record.hpp"
#include "mmtest/run/units.hpp"

namespace mmtest::run {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// ---- manifest --------------------------------------------------------------------------------------

struct Need {
  std::string subject;
  std::uint64_t memory_mib = 0;
  std::uint64_t timeout_seconds = 0;
  std::uint64_t cpus = 1;
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

// One `_mm_need("<subject>" <MiB> <gpus> [<timeout> [<cpus> [CASES "<list>" "<prefix>"
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
  if (!memory_mib || !separated_number()) return std::nullopt;  // the GPU count is checked, not used
  // The timeout and the CPUs are optional: older manifests stop at the GPUs or the timeout.
  std::uint64_t optional_numbers[2] = {0, 1};
  std::size_t numbers_read = 0;
  for (std::uint64_t& number : optional_numbers) {
    while (pos < text.size() && is_blank(text[pos])) ++pos;
    if (pos >= text.size() || text[pos] == ')' || text[pos] == 'C') break;
    if (!is_blank(text[pos - 1])) return std::nullopt;
    const auto value = parse_number(text, pos);
    if (!value) return std::nullopt;
    number = *value;
    ++numbers_read;
  }
  while (pos < text.size() && is_blank(text[pos])) ++pos;
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
  need.timeout_seconds = optional_numbers[0];
  need.cpus = std::max<std::uint64_t>(optional_numbers[1], 1);
  return need;
}

std::size_t end_of_line(std::string_view text, std::size_t pos) {
  const auto newline = text.find('\n', pos);
  return newline == std::string_view::npos ? text.size() : newline + 1;
}

// ---- search ----------------------------------------------------------------------------------------

// The largest few carry the makespan and keep the search space (10!) within reach; a permutation
// of at most 16 packs into one 64-bit key.
constexpr std::size_t kMaxHeavy = 10;

using Clock = std::chrono::steady_clock;

class OrderSearch {
 public:
  OrderSearch(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
              std::optional<std::size_t> cpus, const SearchLimits& limits, SearchResult& result)
      : tests_(tests), budget_mib_(budget_mib), cpus_(cpus), simulator_(tests, budget_mib, jobs, cpus), limits_(limits),
        result_(result) {
    if (limits.time) deadline_ = Clock::now() + *limits.time;
  }

  void run() {
    result_.area_makespan_seconds = simulate_order(result_.area_order);
    result_.order = result_.area_order;
    result_.makespan_seconds = result_.area_makespan_seconds;

    for (const std::size_t test : result_.area_order) {
      if (heavy_.size() < kMaxHeavy && is_heavy(tests_[test], budget_mib_, cpus_)) heavy_.push_back(test);
      else others_.push_back(test);
    }
    result_.heavy_tests = heavy_.size();
    if (heavy_.empty()) return;

    std::vector<std::size_t> identity(heavy_.size());
    std::iota(identity.begin(), identity.end(), std::size_t{0});
    // The heavy tests first in area order may be the area order itself: already simulated.
    if (build(identity) == result_.area_order) seen_.emplace(key(identity), result_.area_makespan_seconds);
    permutations_ = 1;
    for (std::size_t k = 2; k <= heavy_.size(); ++k) permutations_ *= k;

    hill_climb(identity);
    std::mt19937 random(1);
    std::vector<std::size_t> shuffled = identity;
    while (!exhausted() && seen_.size() < permutations_) {
      // Fisher-Yates spelled out: std::shuffle's draws differ between standard libraries.
      for (std::size_t i = shuffled.size() - 1; i > 0; --i) std::swap(shuffled[i], shuffled[random() % (i + 1)]);
      hill_climb(shuffled);
    }
  }

 private:
  bool exhausted() const {
    if (limits_.max_evaluations && result_.evaluations >= *limits_.max_evaluations) return true;
    return deadline_ && Clock::now() >= *deadline_;
  }

  double simulate_order(std::span<const std::size_t> order) {
    ++result_.evaluations;
    return simulator_.makespan(order);
  }

  static std::uint64_t key(std::span<const std::size_t> permutation) {
    std::uint64_t packed = 0;
    for (const std::size_t index : permutation) packed = packed << 4 | index;  // kMaxHeavy <= 16
    return packed;
  }

  std::vector<std::size_t> build(std::span<const std::size_t> permutation) const {
    std::vector<std::size_t> order;
    order.reserve(heavy_.size() + others_.size());
    for (const std::size_t index : permutation) order.push_back(heavy_[index]);
    order.insert(order.end(), others_.begin(), others_.end());
    return order;
  }

  // The makespan of this permutation of the heavy tests, simulated at most once; nullopt when the
  // limits forbid simulating it.
  std::optional<double> evaluate(std::span<const std::size_t> permutation) {
    const auto packed = key(permutation);
    if (const auto known = seen_.find(packed); known != seen_.end()) return known->second;
    if (exhausted()) return std::nullopt;
    std::vector<std::size_t> order = build(permutation);
    const double makespan = simulate_order(order);
    seen_.emplace(packed, makespan);
    if (makespan < result_.makespan_seconds) {
      result_.makespan_seconds = makespan;
      result_.order = std::move(order);
    }
    return makespan;
  }

  // First improvement over swapping two heavy tests or moving one elsewhere, until none improves.
  void hill_climb(std::vector<std::size_t> permutation) {
    // Plain values rather than an optional: GCC 12 at -O2 sees an optional read in the lambda as
    // maybe-uninitialized.
    const auto first = evaluate(permutation);
    if (!first) return;
    double current = *first;
    bool out_of_limits = false;
    const std::size_t k = permutation.size();
    while (true) {
      bool improved = false;
      std::vector<std::size_t> neighbour;
      const auto try_neighbour = [&]() -> bool {  // true: stop scanning (improved or out of limits)
        const auto makespan = evaluate(neighbour);
        if (!makespan) {
          out_of_limits = true;
          return true;
        }
        if (*makespan < current) {
          permutation = neighbour;
          current = *makespan;
          improved = true;
          return true;
        }
        return false;
      };
      for (std::size_t i = 0; i < k && !improved && !out_of_limits; ++i) {
        for (std::size_t j = i + 1; j < k; ++j) {
          neighbour = permutation;
          std::swap(neighbour[i], neighbour[j]);
          if (try_neighbour()) break;
        }
      }
      for (std::size_t from = 0; from < k && !improved && !out_of_limits; ++from) {
        for (std::size_t to = 0; to < k; ++to) {
          if (to == from) continue;
          neighbour = permutation;
          const std::size_t moved = neighbour[from];
          neighbour.erase(neighbour.begin() + static_cast<std::ptrdiff_t>(from));
          neighbour.insert(neighbour.begin() + static_cast<std::ptrdiff_t>(to), moved);
          if (try_neighbour()) break;
        }
      }
      if (!improved || out_of_limits) return;
    }
  }

  std::span<const SimTest> tests_;
  std::uint64_t budget_mib_;
  std::optional<std::size_t> cpus_;
  Simulator simulator_;
  SearchLimits limits_;
  SearchResult& result_;
  std::optional<Clock::time_point> deadline_;
  std::vector<std::size_t> heavy_;   // tests permuted, in area order
  std::vector<std::size_t> others_;  // every other test, in area order
  std::unordered_map<std::uint64_t, double> seen_;
  std::size_t permutations_ = 1;
};

// Smallest integer >= value that a float holds exactly: CTest reads COST into a float.
std::uint64_t exact_in_float(std::uint64_t value) {
  constexpr std::uint64_t kExactUpTo = std::uint64_t{1} << 24;
  if (value <= kExactUpTo) return value;
  const std::uint64_t step = std::uint64_t{1} << (std::bit_width(value) - 24);
  return (value + step - 1) & ~(step - 1);
}

// ---- command line ----------------------------------------------------------------------------------

struct RawPlanOptions {
  std::optional<std::string> manifest, budget_mib, cpus, cost_data, jobs, search_ms, max_evaluations;
  std::vector<std::string> records;
  std::string history;
};

struct PlanOptions {
  std::filesystem::path manifest;
  std::vector<std::filesystem::path> records;
  std::uint64_t budget_mib = 0;
  std::filesystem::path cost_data;
  std::optional<std::size_t> jobs;
  std::optional<std::size_t> cpus;
  SearchLimits search;  // its defaults unless --search-ms / --max-evaluations
};

struct UsageError {
  std::string message;
};

std::expected<std::uint64_t, UsageError> positive(const std::string& text, std::string_view option, std::string_view what) {
  auto count = parse_count(text);
  if (!count || *count == 0) {
    return std::unexpected(UsageError{fmt::format("{}: expected a positive whole number {}, got '{}'", option, what, text)});
  }
  return *count;
}

std::expected<PlanOptions, UsageError> validate(const RawPlanOptions& raw) {
  if (!raw.manifest) return std::unexpected(UsageError{"missing --manifest FILE"});
  if (!raw.budget_mib) return std::unexpected(UsageError{"missing --budget-mib N"});
  if (!raw.cost_data) return std::unexpected(UsageError{"missing --cost-data FILE"});
  PlanOptions options;
  if (raw.manifest->empty()) return std::unexpected(UsageError{"--manifest: expected a file path, got ''"});
  options.manifest = *raw.manifest;
  for (const std::string& directory : raw.records) {
    if (directory.empty()) return std::unexpected(UsageError{"--records: expected a directory, got ''"});
    options.records.emplace_back(directory);
  }
  auto budget = positive(*raw.budget_mib, "--budget-mib", "of MiB");
  if (!budget) return std::unexpected(budget.error());
  options.budget_mib = *budget;
  if (raw.cost_data->empty()) return std::unexpected(UsageError{"--cost-data: expected a file path, got ''"});
  options.cost_data = *raw.cost_data;
  if (raw.cpus) {
    auto cpus = positive(*raw.cpus, "--cpus", "of CPUs");
    if (!cpus) return std::unexpected(cpus.error());
    options.cpus = static_cast<std::size_t>(*cpus);
  }
  if (raw.jobs) {
    auto jobs = positive(*raw.jobs, "--jobs", "of job slots");
    if (!jobs) return std::unexpected(jobs.error());
    options.jobs = static_cast<std::size_t>(*jobs);
  }
  if (raw.search_ms) {
    auto milliseconds = parse_count(*raw.search_ms);
    if (!milliseconds || *milliseconds > 3'600'000) {
      return std::unexpected(UsageError{fmt::format("--search-ms: expected whole milliseconds up to 3600000, got '{}'", *raw.search_ms)});
    }
    options.search.time = std::chrono::milliseconds{static_cast<std::int64_t>(*milliseconds)};
  }
  if (raw.max_evaluations) {
    auto evaluations = positive(*raw.max_evaluations, "--max-evaluations", "of simulations");
    if (!evaluations) return std::unexpected(evaluations.error());
    options.search.max_evaluations = static_cast<std::size_t>(*evaluations);
  }
  return options;
}

// ---- the cost file ---------------------------------------------------------------------------------

// The file's text; empty when it does not exist yet (ctest never ran in this build tree).
std::expected<std::string, std::string> read_cost_data(const std::filesystem::path& path) {
  const FileText file = read_small_file(path.string());
  if (file.ok) return file.text;
  if (file.error == ENOENT) return std::string{};
  // Anything else (permissions, a directory): writing now would throw away CTest's data unseen.
  return std::unexpected(system_error_message(fmt::format("read({})", path.string()), file.error));
}

// Written beside the file under a name of this process, then renamed over it: CTest never reads
// half a file, and two ctest runs sharing a build tree (so the same file) never write into each
// other's temporary file; the last rename wins, whole.
std::expected<void, std::string> write_atomically(const std::filesystem::path& path, const std::string& text) {
  if (const auto parent = path.parent_path(); !parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) return std::unexpected(fmt::format("create_directories({}): {}", parent.string(), error.message()));
  }
  std::filesystem::path temporary = path;
  temporary += fmt::format(".mmtest-plan.{}.tmp", ::getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return std::unexpected(system_error_message(fmt::format("open({})", temporary.string())));
    file << text;
    file.close();
    if (!file) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return std::unexpected(fmt::format("write({}) failed", temporary.string()));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return std::unexpected(fmt::format("rename({}, {}): {}", temporary.string(), path.string(), error.message()));
  }
  return {};
}

// ---- the summary -----------------------------------------------------------------------------------

std::string plural(std::size_t count, std::string_view singular, std::string_view several) {
  return fmt::format("{} {}", count, count == 1 ? singular : several);
}

double median(std::vector<double> values) {
  std::ranges::sort(values);
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// "; ..." for each kind of manifest entry left out, so that the summary accounts for every test.
std::string left_out_notes(const Selection& selection, std::size_t malformed_lines) {
  std::string notes;
  if (selection.above_budget > 0) {
    notes += fmt::format("; {} above the budget left out (CTest will not run them)",
                         plural(selection.above_budget, "test", "tests"));
  }
  if (selection.unwritable_names > 0) {
    notes += selection.unwritable_names == 1
                 ? std::string("; 1 test with a name CTest's cost file cannot hold keeps its COST property")
                 : fmt::format("; {} tests with names CTest's cost file cannot hold keep their COST property",
                               selection.unwritable_names);
  }
  if (selection.repeated > 0) {
    notes += fmt::format("; {} of a test name skipped (the first one counts)",
                         plural(selection.repeated, "repeated entry", "repeated entries"));
  }
  if (malformed_lines > 0) {
    notes += fmt::format("; {} skipped", plural(malformed_lines, "malformed manifest line", "malformed manifest lines"));
  }
  return notes;
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
    if (need->cases) {
      CaseList& cases = *need->cases;
      cases.memory_mib = need->memory_mib;
      cases.timeout_seconds = need->timeout_seconds;
      cases.cpus = need->cpus;
      manifest.case_lists.push_back(std::move(cases));
    } else if (subject.size() > kTestPrefix.size() + 1 && subject.starts_with(kTestPrefix) && subject.ends_with('\'')) {
      std::string name = subject.substr(kTestPrefix.size(), subject.size() - kTestPrefix.size() - 1);
      manifest.tests.push_back({std::move(name), need->memory_mib, need->timeout_seconds, need->cpus});
    }
  }
  return manifest;
}

std::expected<Manifest, std::string> read_manifest(const std::filesystem::path& path) {
  const FileText file = read_small_file(path.string());
  if (!file.ok) return std::unexpected(system_error_message(fmt::format("read({})", path.string()), file.error));
  return parse_manifest(file.text);
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
      if (line.starts_with("DISABLED_") || line.find(".DISABLED_") != std::string_view::npos ||
          line.find("/DISABLED_") != std::string_view::npos) {
        continue;
      }
      std::uint64_t timeout_seconds = cases.timeout_seconds;
      for (const CaseTimeout& timeout : cases.timeouts) {
        if (glob_matches(timeout.pattern, line)) {
          timeout_seconds = timeout.seconds;
          break;
        }
      }
      manifest.tests.push_back({cases.prefix + std::string(line) + cases.suffix, cases.memory_mib, timeout_seconds, cases.cpus});
    }
  }
  return missing;
}

// ---- history ---------------------------------------------------------------------------------------

std::optional<std::pair<std::string, Measurement>> parse_record(std::string_view text) {
  auto record = parse_record_json(text);
  if (!record) return std::nullopt;
  return std::pair{std::move(record->name), Measurement{record->wall_seconds, std::move(record->finished_at)}};
}

History read_history(std::span<const std::filesystem::path> directories) {
  std::vector<std::filesystem::path> files;
  for (const auto& directory : directories) {
    std::error_code error;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
      std::error_code type_error;
      if (it->path().extension() == ".json" && it->is_regular_file(type_error)) files.push_back(it->path());
    }
  }
  // Sorted so that records finished at the same instant resolve the same way on every run.
  std::ranges::sort(files);
  History history;
  for (const auto& path : files) {
    const FileText file = read_small_file(path.string());
    if (!file.ok) continue;
    auto record = parse_record(file.text);
    if (!record) continue;
    auto [it, inserted] = history.try_emplace(record->first, record->second);
    if (!inserted && it->second.finished_at < record->second.finished_at) it->second = std::move(record->second);
  }
  return history;
}

// ---- selection -------------------------------------------------------------------------------------

bool cost_file_can_hold(std::string_view name) {
  return !name.empty() && name != "---" && name.find_first_of(" \n\r") == std::string_view::npos;
}

Selection select_tests(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> cpus) {
  Selection selection;
  // CTest looks a name of the cost file up as its first test of that name, so only the first
  // entry of a name can be planned.
  std::unordered_set<std::string_view> seen;
  for (const ManifestTest& test : tests) {
    if (!seen.insert(test.name).second) ++selection.repeated;
    else if (!cost_file_can_hold(test.name)) ++selection.unwritable_names;
    else if (test.memory_mib > budget_mib || (cpus && test.cpus > *cpus)) ++selection.above_budget;
    else selection.tests.push_back(test);
  }
  return selection;
}

// ---- simulation ------------------------------------------------------------------------------------

Simulator::Simulator(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     std::optional<std::size_t> cpus)
    : budget_mib_(budget_mib), jobs_(jobs.value_or(SIZE_MAX)), cpu_budget_(cpus.value_or(UINT64_MAX)) {
  memory_.reserve(tests.size());
  cpus_.reserve(tests.size());
  ticks_.reserve(tests.size());
  for (const SimTest& test : tests) {
    memory_.push_back(test.memory_mib);
    cpus_.push_back(cpus ? test.cpus : 0);  // without a CPU budget, CPUs never limit
    const double seconds = std::isfinite(test.seconds) ? std::clamp(test.seconds, 0.0, 1e9) : 0.0;
    ticks_.push_back(std::llround(seconds * 1e6));
  }
}

void Simulator::set_waiting_need(std::size_t position, std::uint64_t memory_mib, std::uint64_t cpus) {
  std::size_t node = leaves_ + position;
  waiting_need_[node] = memory_mib;
  waiting_cpus_[node] = cpus;
  for (node /= 2; node > 0; node /= 2) {
    waiting_need_[node] = std::min(waiting_need_[2 * node], waiting_need_[2 * node + 1]);
    waiting_cpus_[node] = std::min(waiting_cpus_[2 * node], waiting_cpus_[2 * node + 1]);
  }
}

// The first position >= from whose waiting test fits into free_mib_ and free_cpus_, within the
// node covering [low, high); order_.size() when there is none. A range is skipped when its
// smallest memory or CPU need does not fit; the two smallest may belong to different tests, so a
// leaf is checked itself.
std::size_t Simulator::first_fitting(std::size_t node, std::size_t low, std::size_t high, std::size_t from) const {
  if (high <= from || waiting_need_[node] > free_mib_ || waiting_cpus_[node] > free_cpus_) return order_.size();
  if (high - low == 1) return low < order_.size() && fits(order_[low]) ? low : order_.size();
  const std::size_t middle = low + (high - low) / 2;
  const std::size_t left = first_fitting(2 * node, low, middle, from);
  return left != order_.size() ? left : first_fitting(2 * node + 1, middle, high, from);
}

double Simulator::makespan(std::span<const std::size_t> order) {
  order_ = order;
  leaves_ = std::bit_ceil(std::max<std::size_t>(order.size(), 1));
  waiting_need_.assign(2 * leaves_, UINT64_MAX);
  waiting_cpus_.assign(2 * leaves_, UINT64_MAX);
  for (std::size_t position = 0; position < order.size(); ++position) {
    // A test above the budget never fits, so it never starts (CTest reports it Not Run).
    waiting_need_[leaves_ + position] = memory_[order[position]];
    waiting_cpus_[leaves_ + position] = cpus_[order[position]];
  }
  for (std::size_t node = leaves_ - 1; node > 0; --node) {
    waiting_need_[node] = std::min(waiting_need_[2 * node], waiting_need_[2 * node + 1]);
    waiting_cpus_[node] = std::min(waiting_cpus_[2 * node], waiting_cpus_[2 * node + 1]);
  }
  free_mib_ = budget_mib_;
  free_cpus_ = cpu_budget_;
  free_slots_ = jobs_;
  running_.clear();

  std::int64_t now = 0;
  start_fitting(now);
  while (!running_.empty()) {
    now = running_.front().first;
    while (!running_.empty() && running_.front().first == now) {
      std::ranges::pop_heap(running_, std::greater<>{});
      free_mib_ += memory_[running_.back().second];
      free_cpus_ += cpus_[running_.back().second];
      ++free_slots_;
      running_.pop_back();
    }
    start_fitting(now);
  }
  return static_cast<double>(now) / 1e6;
}

void Simulator::start_fitting(std::int64_t now) {
  // CTest's walk from the start of the order, starting each waiting test that fits; the tree
  // jumps over those that do not. Free memory only shrinks during a walk, so a test skipped once
  // stays skipped and each search can begin after the last test started.
  for (std::size_t from = 0; free_slots_ > 0;) {
    const std::size_t position = first_fitting(1, 0, leaves_, from);
    if (position == order_.size()) return;
    const std::size_t test = order_[position];
    free_mib_ -= memory_[test];
    free_cpus_ -= cpus_[test];
    --free_slots_;
    running_.emplace_back(now + ticks_[test], test);
    std::ranges::push_heap(running_, std::greater<>{});
    set_waiting_need(position, UINT64_MAX, UINT64_MAX);
    from = position + 1;
  }
}

double simulate(std::span<const SimTest> tests, std::span<const std::size_t> order, std::uint64_t budget_mib,
                std::optional<std::size_t> jobs, std::optional<std::size_t> cpus) {
  return Simulator(tests, budget_mib, jobs, cpus).makespan(order);
}

// ---- search ----------------------------------------------------------------------------------------

bool is_heavy(std::uint64_t memory_mib, std::uint64_t budget_mib) {
  return memory_mib >= budget_mib / 8 + (budget_mib % 8 != 0);  // memory × 8 >= budget, overflow-free
}

bool is_heavy(const SimTest& test, std::uint64_t budget_mib, std::optional<std::size_t> cpus) {
  if (is_heavy(test.memory_mib, budget_mib)) return true;
  return cpus && test.cpus > 1 && test.cpus * 2 >= *cpus;
}

std::vector<std::size_t> area_order(std::span<const SimTest> tests, std::uint64_t budget_mib,
                                    std::optional<std::size_t> cpus) {
  // Without a CPU budget the memory share alone, which orders as memory × duration.
  const auto area = [&](const SimTest& test) {
    double share = static_cast<double>(test.memory_mib) / static_cast<double>(std::max<std::uint64_t>(budget_mib, 1));
    if (cpus) share = std::max(share, static_cast<double>(test.cpus) / static_cast<double>(std::max<std::size_t>(*cpus, 1)));
    return share * test.seconds;
  };
  std::vector<std::size_t> order(tests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::stable_sort(order, [&](std::size_t a, std::size_t b) {
    const double area_a = area(tests[a]);
    const double area_b = area(tests[b]);
    if (area_a != area_b) return area_a > area_b;
    return tests[a].memory_mib > tests[b].memory_mib;
  });
  return order;
}

SearchResult search_order(std::span<const SimTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                          const SearchLimits& limits, std::optional<std::size_t> cpus) {
  SearchResult result;
  result.area_order = area_order(tests, budget_mib, cpus);
  OrderSearch search(tests, budget_mib, jobs, cpus, limits, result);
  search.run();
  return result;
}

std::vector<std::uint64_t> order_costs(std::span<const SimTest> tests, std::span<const std::size_t> order) {
  std::vector<std::uint64_t> costs(order.size());
  std::uint64_t next = 0;
  for (std::size_t position = order.size(); position-- > 0;) {
    const SimTest& test = tests[order[position]];
    const double area = std::ceil(static_cast<double>(test.memory_mib) * test.seconds);
    // 2^62 keeps the arithmetic below in range; no real test gets near it.
    const std::uint64_t ceiled = std::isfinite(area) && area > 0 ? static_cast<std::uint64_t>(std::min(area, 0x1p62)) : 0;
    next = exact_in_float(std::max(ceiled, next + 1));
    costs[position] = next;
  }
  return costs;
}

// ---- durations and the plan ------------------------------------------------------------------------

std::vector<double> timeout_seconds(std::span<const ManifestTest> tests) {
  // mmtest's built-in default timeout (_MM_BUILTIN_TIMEOUT_SECONDS in MMTest.cmake).
  constexpr double kDefaultTimeoutSeconds = 300;
  std::vector<double> declared;
  for (const ManifestTest& test : tests) {
    if (test.timeout_seconds > 0) declared.push_back(static_cast<double>(test.timeout_seconds));
  }
  const double missing = declared.empty() ? kDefaultTimeoutSeconds : median(declared);
  std::vector<double> seconds;
  seconds.reserve(tests.size());
  for (const ManifestTest& test : tests) {
    seconds.push_back(test.timeout_seconds > 0 ? static_cast<double>(test.timeout_seconds) : missing);
  }
  return seconds;
}

Durations estimate_durations(std::span<const ManifestTest> tests, const History& history) {
  const std::vector<double> timeouts = timeout_seconds(tests);
  Durations durations;
  durations.seconds = timeouts;
  std::vector<bool> measured(tests.size(), false);
  std::vector<double> fractions;  // wall time / timeout of each measured test; timeouts are > 0
  for (std::size_t i = 0; i < tests.size(); ++i) {
    const auto record = history.find(tests[i].name);
    if (record == history.end()) continue;
    measured[i] = true;
    durations.seconds[i] = record->second.wall_seconds;
    fractions.push_back(record->second.wall_seconds / timeouts[i]);
  }
  durations.measured = fractions.size();
  if (fractions.empty()) return durations;
  // Timeouts are generous by a factor that is much the same across a suite: an unmeasured test
  // scaled by the typical factor competes fairly with measured ones, where its raw timeout would
  // make it look many times longer than any of them.
  const double fraction = median(fractions);
  for (std::size_t i = 0; i < tests.size(); ++i) {
    if (!measured[i]) durations.seconds[i] = timeouts[i] * fraction;
  }
  return durations;
}

OrderPlan plan_order(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     const SearchLimits& limits, std::span<const std::filesystem::path> records,
                     std::optional<std::size_t> cpus) {
  std::optional<History> history;
  if (!records.empty()) history = read_history(records);
  return plan_order_from(tests, budget_mib, jobs, limits, history, cpus);
}

OrderPlan plan_order_from(std::span<const ManifestTest> tests, std::uint64_t budget_mib, std::optional<std::size_t> jobs,
                     const SearchLimits& limits, const std::optional<History>& history, std::optional<std::size_t> cpus) {
  const std::vector<double> timeouts = timeout_seconds(tests);
  // Memory × timeout: the scale of the COST properties set at configure time (names the cost
  // file cannot hold, a COST given by the user), among which CTest sorts the costs of the file.
  std::vector<SimTest> declared;
  declared.reserve(tests.size());
  for (std::size_t i = 0; i < tests.size(); ++i) declared.push_back({tests[i].memory_mib, timeouts[i], tests[i].cpus});

  Durations durations{timeouts, 0};
  if (history) durations = estimate_durations(tests, *history);
  std::vector<SimTest> estimated;
  estimated.reserve(tests.size());
  for (std::size_t i = 0; i < tests.size(); ++i) estimated.push_back({tests[i].memory_mib, durations.seconds[i], tests[i].cpus});

  OrderPlan plan;
  plan.measured = durations.measured;
  const bool any_heavy =
      std::ranges::any_of(estimated, [&](const SimTest& test) { return is_heavy(test, budget_mib, cpus); });
  if (!any_heavy) {
    plan.order = area_order(estimated, budget_mib, cpus);
  } else {
    plan.search = search_order(estimated, budget_mib, jobs, limits, cpus);
    plan.order = plan.search->order;
  }
  plan.costs = order_costs(declared, plan.order);
  return plan;
}

// ---- CTest's cost file -----------------------------------------------------------------------------

std::string merge_cost_data(std::string_view existing, std::span<const CostLine> planned) {
  std::unordered_set<std::string_view> planned_names;
  std::string text;
  for (const CostLine& line : planned) {
    planned_names.insert(line.name);
    text += fmt::format("{} 0 {}\n", line.name, line.cost);
  }
  // CTest reads lines with std::getline, so a line is everything up to '\n', '\r' included.
  std::string failed;
  bool in_failed = false;
  for (std::size_t pos = 0; pos < existing.size();) {
    const std::size_t newline = existing.find('\n', pos);
    const std::size_t end = newline == std::string_view::npos ? existing.size() : newline;
    const std::string_view line = existing.substr(pos, end - pos);
    pos = end + 1;
    if (in_failed) {
      if (!line.empty()) fmt::format_to(std::back_inserter(failed), "{}\n", line);
    } else if (line == "---") {
      in_failed = true;
    } else if (std::ranges::count(line, ' ') >= 2 && !planned_names.contains(line.substr(0, line.find(' ')))) {
      // At least three parts when split on every ' ': a shorter line would end CTest's reading.
      fmt::format_to(std::back_inserter(text), "{}\n", line);
    }
  }
  text += "---\n";
  text += failed;
  return text;
}

// ---- the command -----------------------------------------------------------------------------------

int run_plan(std::span<const std::string> args, std::ostream& out, std::ostream& err, const PlanHooks& hooks) {
  const std::string program = hooks.program;
  CLI::App app{program + " --manifest FILE --budget-mib N --cost-data FILE [--cpus N] [--records DIR]...\n"
               "       [--jobs N] [--search-ms MS] [--max-evaluations N]\n\n"
               "Chooses the order in which CTest starts the tests of the manifest and writes it into CTest's cost\n"
               "file, which CTest reads for tests whose COST is 0 when it runs tests in parallel (-j > 1). When a\n"
               "test needs 1/8 of the budget, the order is searched by simulating CTest's scheduler with the last\n"
               "run's durations (--records), else the timeouts; otherwise tests start by memory x timeout.",
               program};
  app.footer("Exit codes: 0 done (also when there is nothing to plan); 1 manifest unreadable or cost file not written;\n"
             "2 usage error.");
  RawPlanOptions raw;
  if (hooks.history) {
    app.add_option("--history", raw.history,
                   "History database (SQLite): the records are added to it first, and a test's duration is the\n"
                   "median of its last runs there rather than the last run alone")
        ->type_name("FILE");
  }
  app.add_option("--manifest", raw.manifest, "The tests' memory needs and timeouts, written at configure time")
      ->type_name("FILE");
  app.add_option("--budget-mib", raw.budget_mib, "The memory budget CTest schedules against, in MiB")->type_name("N");
  app.add_option("--cost-data", raw.cost_data,
                 "CTest's cost file to update, Testing/Temporary/CTestCostData.txt; other tests' lines are kept")
      ->type_name("FILE");
  app.add_option("--records", raw.records,
                 "Directory of mmtest-run's JSON records, read only when some test is heavy; repeatable; may not exist")
      ->type_name("DIR")
      ->allow_extra_args(false);
  app.add_option("--cpus", raw.cpus, "The CPU budget CTest schedules against (resource mmtest_cpus; default: no limit)")
      ->type_name("N");
  app.add_option("--jobs", raw.jobs, "CTest's -j: most tests at once (default: no limit)")->type_name("N");
  app.add_option("--search-ms", raw.search_ms, "Time limit of the search in milliseconds (default: 200)")->type_name("MS");
  app.add_option("--max-evaluations", raw.max_evaluations,
                 "Most simulated orders of the search (default: 2000). The first limit reached ends the search;\n"
                 "ended by this one, the same inputs give the same plan")
      ->type_name("N");

  const auto usage_error = [&err, &program](std::string_view message) {
    err << fmt::format("{}: {} (see {} --help)\n", program, message, program);
    return 2;
  };
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes a reversed vector
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ParseError& error) {
    return usage_error(error.what());
  }
  auto validated = validate(raw);
  if (!validated) return usage_error(validated.error().message);
  const PlanOptions& options = *validated;

  auto manifest = read_manifest(options.manifest);
  if (!manifest) {
    err << fmt::format("{}: cannot read the manifest: {}\n", program, manifest.error());
    return 1;
  }
  const std::size_t unlisted = add_listed_cases(*manifest);
  const Selection selection = select_tests(manifest->tests, options.budget_mib, options.cpus);
  std::string notes = left_out_notes(selection, manifest->malformed_lines);
  if (unlisted > 0) {
    notes += fmt::format("; the cases of {} not planned (not discovered yet)",
                         plural(unlisted, "GoogleTest target", "GoogleTest targets"));
  }
  if (selection.tests.empty()) {
    // Nothing of ours to put in the file: CTest's own content stays as it is.
    out << fmt::format("mmtest: no test to plan for the {} MiB budget; cost file left as it was{}\n", options.budget_mib,
                       notes);
    return 0;
  }

  std::optional<History> history;
  if (!raw.history.empty() && hooks.history) {
    auto from_history = hooks.history(raw.history, options.records);
    if (from_history) {
      history = std::move(*from_history);
      notes += "; durations from the history";
    } else {
      notes += fmt::format("; history not used ({})", from_history.error());
    }
  }
  if (!history && !options.records.empty()) history = read_history(options.records);
  const OrderPlan plan =
      plan_order_from(selection.tests, options.budget_mib, options.jobs, options.search, history, options.cpus);
  std::vector<CostLine> lines;
  lines.reserve(plan.order.size());
  for (std::size_t position = 0; position < plan.order.size(); ++position) {
    lines.push_back({selection.tests[plan.order[position]].name, plan.costs[position]});
  }
  const auto not_written = [&](const std::string& message) {
    err << fmt::format("{}: cannot write the cost file '{}': {}\n", program, options.cost_data.string(), message);
    return 1;
  };
  auto existing = read_cost_data(options.cost_data);
  if (!existing) return not_written(existing.error());
  if (auto written = write_atomically(options.cost_data, merge_cost_data(*existing, lines)); !written) {
    return not_written(written.error());
  }

  const std::string tests = plural(plan.order.size(), "test", "tests");
  std::string budgets = fmt::format("the {} MiB budget", options.budget_mib);
  if (options.cpus) budgets += fmt::format(" and {} CPU{}", *options.cpus, *options.cpus == 1 ? "" : "s");
  if (options.jobs) budgets += fmt::format(" and -j {}", *options.jobs);
  const std::string durations =
      fmt::format("durations: {} measured, {} from timeouts", plan.measured, plan.order.size() - plan.measured);
  if (!plan.search) {
    out << fmt::format("mmtest: start order of {} planned for {}: largest first ({}){}\n", tests, budgets, durations,
                       notes);
    return 0;
  }
  const SearchResult& search = *plan.search;
  out << fmt::format("mmtest: start order of {} planned for {}: {} ordered by simulating CTest ({}), "
                     "{:.1f} s against {:.1f} s largest first{}\n",
                     tests, budgets, plural(search.heavy_tests, "heavy test", "heavy tests"), durations,
                     search.makespan_seconds, search.area_makespan_seconds, notes);
  return 0;
}

}  // namespace mmtest::run
