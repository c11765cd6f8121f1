// mmtest's GoogleTest listener and the public functions of mmtest/gtest.hpp.
//
// Per test case, in GoogleTest's order:
//   OnTestStart  (before the fixture is constructed): a fresh registry becomes current; watched
//                registries are snapshotted; the RSS high-water mark is reset and RSS is read;
//                "start" goes to the per-case file.
//   ... the fixture, SetUp, the body, TearDown, the fixture's destructor ...
//   OnTestEnd    (after the fixture is destroyed, before GoogleTest's printer reports the case,
//                which it does in reverse listener order): the registry is released; RSS and its
//                peak are read; leaks into watched registries and growth over the per-case limit
//                fail this case; the figures go to GoogleTest's XML/JSON (RecordProperty) and to
//                the per-case file; the binary guard checks RSS against its limit.
#include <errno.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <mutex>
#include <stdexcept>

#include "case_log.hpp"
#include "guard.hpp"
#include "mmtest/gtest.hpp"
#include "mmtest/common/units.hpp"
#include "process_memory.hpp"
#include "series.hpp"
#include "settings.hpp"

namespace mmtest {
namespace gtest_detail {
namespace {

constexpr std::size_t kSeriesNamed = 5;   // leaked series named in a failure
constexpr std::size_t kBlameRows = 10;    // rows of the blame table
constexpr std::size_t kBlameSuiteRows = 3;  // suites in it, where many cases of one grew

struct Watch {
  std::string name;
  std::weak_ptr<prometheus::Registry> registry;
  std::size_t allowed_series_per_test = 0;
  std::optional<RegistrySnapshot> before;   // taken when the running case started (or the watch began)
  std::optional<std::size_t> allowed_this_case;
};

// What the guard thread reads while the main thread runs the tests.
// It changes together with the cases file, under one lock: when the guard stops the program, its
// table and the record's `cases` (read from that file) agree on the cases run and the last one.
struct GuardView {
  std::optional<std::string> running_case;
  bool running_case_ended = false;  // its end line is written; the end-of-case check is deciding
  std::uint64_t running_rss_start_bytes = 0;
  TopGrowers growers{kBlameRows};
  record::GrowthBySuite suites;
  std::size_t cases_run = 0;
};

std::string outcome_of(const ::testing::TestResult& result) {
  if (result.Skipped()) return "skipped";
  return result.Failed() ? "failed" : "passed";
}

std::string case_name(const ::testing::TestInfo& info) {
  return std::string(info.test_suite_name()) + "." + info.name();
}

void write_stderr(const std::string& text) {
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t written = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
}

// The one instance of the listener's state. Never destroyed: GoogleTest deletes its listeners
// during static destruction, in an order relative to this object that nothing fixes.
class State {
 public:
  static State& get() {
    static State* const instance = new State;
    return *instance;
  }

  // ---- the public functions ----
  void install();
  std::shared_ptr<prometheus::Registry> test_registry(std::string_view call);
  void watch(const std::string& name, std::weak_ptr<prometheus::Registry> registry, WatchOptions options);
  void allow_registry_growth(const std::string& name, std::size_t series);
  void allow_memory_growth(std::uint64_t bytes);

  // ---- the listener's events ----
  void program_start();
  void test_start(const ::testing::TestInfo& info);
  void test_end(const ::testing::TestInfo& info);
  void program_end();

 private:
  [[noreturn]] void stop_for_memory(std::uint64_t rss_bytes);
  void warn_once(std::atomic<bool>& warned, const std::string& what);
  // Appends make_line() to the per-case file; the line is not even made without one.
  template <class MakeLine>
  void append(MakeLine make_line);
  std::uint64_t check_watches(const ::testing::TestInfo& info);

  // Guards the registry and the per-case state the public functions touch (any thread).
  std::mutex mutex_;
  bool installed_ = false;
  Settings settings_;
  std::vector<Watch> watches_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::optional<ScopedRegistry> scope_;
  bool in_case_ = false;
  std::optional<std::uint64_t> growth_allowed_this_case_;

  // Main thread only.
  const pid_t pid_ = ::getpid();
  RssReader rss_;
  PeakTracker peak_;
  std::optional<CaseLogFile> cases_file_;
  std::atomic<bool> cases_file_warned_{false};  // the guard thread may append too
  std::atomic<bool> peak_warned_{false};
  std::chrono::steady_clock::time_point case_started_;
  std::uint64_t case_rss_start_bytes_ = 0;
  bool case_peak_reset_ = false;
  std::unique_ptr<GuardThread> guard_thread_;

  // Shared with the guard thread.
  std::mutex guard_mutex_;
  GuardView guard_view_;
  std::atomic<bool> stopping_{false};
};

class Listener : public ::testing::EmptyTestEventListener {
 public:
  ~Listener() override { State::get().program_end(); }
  void OnTestProgramStart(const ::testing::UnitTest&) override { State::get().program_start(); }
  void OnTestStart(const ::testing::TestInfo& info) override { State::get().test_start(info); }
  void OnTestEnd(const ::testing::TestInfo& info) override { State::get().test_end(info); }
  void OnTestProgramEnd(const ::testing::UnitTest&) override { State::get().program_end(); }
};

void State::install() {
  const std::lock_guard lock(mutex_);
  if (installed_) return;
  auto settings = read_settings([](const char* name) { return std::getenv(name); }, program_invocation_short_name);
  if (!settings) throw std::invalid_argument("mmtest::install_gtest_listener(): " + settings.error());
  settings_ = std::move(*settings);
  // GoogleTest programs this one starts must not write into this program's case file.
  ::unsetenv(std::string(kCasesFileVariable).c_str());
  ::testing::UnitTest::GetInstance()->listeners().Append(new Listener);
  installed_ = true;
}

std::shared_ptr<prometheus::Registry> State::test_registry(std::string_view call) {
  const std::lock_guard lock(mutex_);
  if (registry_) return registry_;
  if (!installed_) {
    throw std::logic_error(fmt::format(
        "{}: mmtest's GoogleTest listener is not installed: link mmtest::gtest_main, or call "
        "mmtest::install_gtest_listener() in main() after testing::InitGoogleTest()",
        call));
  }
  throw std::logic_error(fmt::format(
      "{}: no test is running: each test gets its registry just before its fixture is constructed and loses it just "
      "after the fixture is destroyed; call it from a test, its fixture or code they run (not from SetUpTestSuite(), "
      "a global environment or main())",
      call));
}

void State::watch(const std::string& name, std::weak_ptr<prometheus::Registry> registry, WatchOptions options) {
  if (name.empty()) throw std::invalid_argument("mmtest::watch_registry(): the name is empty");
  const std::lock_guard lock(mutex_);
  Watch watch{name, std::move(registry), options.allowed_series_per_test, std::nullopt, std::nullopt};
  // Watched from now on: a case already running is judged on what it adds from here.
  if (in_case_) {
    if (const auto watched = watch.registry.lock()) watch.before = snapshot(watched->Collect());
  }
  for (Watch& existing : watches_) {
    if (existing.name == name) {
      existing = std::move(watch);
      return;
    }
  }
  watches_.push_back(std::move(watch));
}

void State::allow_registry_growth(const std::string& name, std::size_t series) {
  const std::lock_guard lock(mutex_);
  const std::string call = fmt::format("mmtest::allow_registry_growth(\"{}\", {})", name, series);
  if (!in_case_) throw std::logic_error(call + ": no test is running; it allows growth for the running test case only");
  std::string watched;
  for (Watch& watch : watches_) {
    if (watch.name == name) {
      watch.allowed_this_case = series;
      return;
    }
    watched += (watched.empty() ? "" : ", ") + watch.name;
  }
  throw std::invalid_argument(fmt::format("{}: no registry is watched under that name; watched: {}", call,
                                          watched.empty() ? "none (see mmtest::watch_registry())" : watched));
}

void State::allow_memory_growth(std::uint64_t bytes) {
  const std::lock_guard lock(mutex_);
  if (!in_case_) {
    throw std::logic_error(fmt::format("mmtest::allow_memory_growth({}): no test is running; it allows growth for the "
                                       "running test case only",
                                       bytes));
  }
  growth_allowed_this_case_ = bytes;
}

void State::warn_once(std::atomic<bool>& warned, const std::string& what) {
  if (warned.exchange(true)) return;
  write_stderr(fmt::format("mmtest: warning: {}: {}\n", settings_.program, what));
}

template <class MakeLine>
void State::append(MakeLine make_line) {
  if (!cases_file_) return;
  if (auto appended = cases_file_->append(make_line()); !appended) {
    warn_once(cases_file_warned_, fmt::format("per-case results are incomplete: {}", appended.error()));
  }
}

void State::program_start() {
  if (settings_.cases_file && !cases_file_) {
    auto opened = CaseLogFile::open(*settings_.cases_file);
    if (opened) {
      cases_file_.emplace(std::move(*opened));
    } else {
      warn_once(cases_file_warned_, fmt::format("mmtest-run will not see the test cases: {}", opened.error()));
    }
  }
  append([&] { return program_line(pid_, settings_.binary_limit_bytes, settings_.case_growth_limit_bytes); });
  if (settings_.binary_limit_bytes && !guard_thread_) {
    guard_thread_ = std::make_unique<GuardThread>(*settings_.binary_limit_bytes,
                                                  [this](std::uint64_t rss) { stop_for_memory(rss); });
  }
}

void State::program_end() {
  // A death test's child is a fork() of this process without the guard thread: joining it there
  // would wait forever when the child exits. The child leaves the object alone.
  if (::getpid() != pid_) {
    (void)guard_thread_.release();
    return;
  }
  guard_thread_.reset();
}

void State::test_start(const ::testing::TestInfo& info) {
  const std::string name = case_name(info);
  {
    const std::lock_guard lock(mutex_);
    registry_ = std::make_shared<prometheus::Registry>();
    scope_.emplace(registry_);
    in_case_ = true;
    growth_allowed_this_case_.reset();
    for (Watch& watch : watches_) {
      watch.allowed_this_case.reset();
      const auto watched = watch.registry.lock();
      watch.before = watched ? std::optional(snapshot(watched->Collect())) : std::nullopt;
    }
  }
  // Measured last, so that the listener's own allocations above are not the case's.
  case_rss_start_bytes_ = rss_.rss_bytes().value_or(0);
  case_peak_reset_ = peak_.reset(case_rss_start_bytes_);
  if (!case_peak_reset_) warn_once(peak_warned_, fmt::format("per-case peaks are not measured: {}", *peak_.problem()));
  {
    const std::lock_guard lock(guard_mutex_);
    guard_view_.running_case = name;
    guard_view_.running_case_ended = false;
    guard_view_.running_rss_start_bytes = case_rss_start_bytes_;
    append([&] { return start_line(pid_, name, case_rss_start_bytes_); });
  }
  case_started_ = std::chrono::steady_clock::now();
}

// Fails the running case for each watched registry it left series in; returns the series left.
std::uint64_t State::check_watches(const ::testing::TestInfo& info) {
  std::uint64_t leaked = 0;
  for (Watch& watch : watches_) {
    const auto watched = watch.registry.lock();
    if (!watched || !watch.before) continue;
    const RegistryGrowth growth = growth_since(*watch.before, watched->Collect(), kSeriesNamed);
    watch.before.reset();
    leaked += growth.series_added;
    const std::size_t allowed = watch.allowed_this_case.value_or(watch.allowed_series_per_test);
    if (growth.series_added > allowed) {
      ADD_FAILURE_AT(info.file() != nullptr ? info.file() : "unknown file", info.line())
          << leak_message(watch.name, growth, allowed);
    }
  }
  return leaked;
}

void State::test_end(const ::testing::TestInfo& info) {
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - case_started_).count();
  const std::string name = case_name(info);
  std::uint64_t leaked_series = 0;
  std::optional<std::uint64_t> growth_limit;
  {
    const std::lock_guard lock(mutex_);
    scope_.reset();
    registry_.reset();  // the test's registry goes now, unless the test handed it to something that lives on
    in_case_ = false;
    growth_limit = growth_allowed_this_case_ ? growth_allowed_this_case_ : settings_.case_growth_limit_bytes;
    leaked_series = check_watches(info);
  }
  const std::uint64_t rss_end_bytes = rss_.rss_bytes().value_or(0);
  const std::optional<std::uint64_t> peak_bytes = case_peak_reset_ ? peak_.peak_bytes() : std::nullopt;
  const std::int64_t growth_bytes = static_cast<std::int64_t>(rss_end_bytes) - static_cast<std::int64_t>(case_rss_start_bytes_);

  if (growth_limit && growth_bytes > 0 && static_cast<std::uint64_t>(growth_bytes) > *growth_limit) {
    const std::string origin = growth_allowed_this_case_ ? "mmtest::allow_memory_growth()" : settings_.case_growth_limit_origin;
    ADD_FAILURE_AT(info.file() != nullptr ? info.file() : "unknown file", info.line()) << fmt::format(
        "mmtest: this test grew the program's memory by {} (RSS {} at its start, {} at its end), over its limit {} ({}); "
        "free what it keeps, or allow it with mmtest::allow_memory_growth()",
        mmtest::format_bytes(static_cast<std::uint64_t>(growth_bytes)), mmtest::format_bytes(case_rss_start_bytes_),
        mmtest::format_bytes(rss_end_bytes), mmtest::format_bytes(*growth_limit), origin);
  }

  CaseFigures figures;
  figures.name = name;
  figures.outcome = outcome_of(*info.result());
  figures.wall_seconds = wall_seconds;
  figures.rss_start_bytes = case_rss_start_bytes_;
  figures.peak_rss_bytes = peak_bytes;
  figures.growth_bytes = growth_bytes;
  figures.leaked_series = leaked_series;

  // Into GoogleTest's XML/JSON report, beside the case's own result and time.
  ::testing::Test::RecordProperty("mmtest_rss_start_bytes", std::to_string(case_rss_start_bytes_));
  if (peak_bytes) ::testing::Test::RecordProperty("mmtest_peak_rss_bytes", std::to_string(*peak_bytes));
  ::testing::Test::RecordProperty("mmtest_growth_bytes", std::to_string(growth_bytes));
  ::testing::Test::RecordProperty("mmtest_leaked_series", std::to_string(leaked_series));
  const bool over_limit = settings_.binary_limit_bytes && rss_end_bytes > *settings_.binary_limit_bytes;
  {
    const std::lock_guard lock(guard_mutex_);
    append([&] { return end_line(pid_, figures); });
    guard_view_.growers.add(name, growth_bytes);
    guard_view_.suites.add(name, growth_bytes);
    ++guard_view_.cases_run;
    // Over the limit, the case stays named so that the stop says "at the end of" it.
    if (over_limit) guard_view_.running_case_ended = true;
    else guard_view_.running_case.reset();
  }
  if (over_limit) stop_for_memory(rss_end_bytes);
}

void State::stop_for_memory(std::uint64_t rss_bytes) {
  // The guard thread and the main thread's end-of-case check may both fire: the first one stops
  // the program, the other waits for that.
  if (stopping_.exchange(true)) {
    while (true) ::pause();
  }
  BlameFacts facts;
  facts.program = settings_.program;
  facts.rss_bytes = rss_bytes;
  facts.limit_bytes = *settings_.binary_limit_bytes;
  facts.limit_origin = settings_.binary_limit_origin;
  {
    const std::lock_guard lock(guard_mutex_);
    facts.running_case = guard_view_.running_case;
    if (facts.running_case) {
      facts.running_growth_bytes =
          static_cast<std::int64_t>(rss_bytes) - static_cast<std::int64_t>(guard_view_.running_rss_start_bytes);
    }
    facts.running_case_ended = guard_view_.running_case_ended;
    facts.growers = guard_view_.growers.largest_first();
    facts.suites = guard_view_.suites.largest(kBlameSuiteRows);
    facts.cases_run = guard_view_.cases_run;
  }
  append([&] { return guard_line(pid_, facts.running_case, rss_bytes, facts.limit_bytes, facts.running_growth_bytes); });
  std::fflush(nullptr);  // the test's own buffered output first
  write_stderr(blame_table(facts, kBlameRows));
  // _exit, not exit: the other thread is in the middle of a test, and static destructors would
  // run under its feet.
  ::_exit(kMemoryGuardExitStatus);
}

}  // namespace
}  // namespace gtest_detail

void install_gtest_listener() { gtest_detail::State::get().install(); }

prometheus::Registry& registry() { return *gtest_detail::State::get().test_registry("mmtest::registry()"); }

std::shared_ptr<prometheus::Registry> registry_ptr() {
  return gtest_detail::State::get().test_registry("mmtest::registry_ptr()");
}

void watch_registry(const std::string& name, std::weak_ptr<prometheus::Registry> registry, WatchOptions options) {
  gtest_detail::State::get().watch(name, std::move(registry), options);
}

void allow_registry_growth(const std::string& registry_name, std::size_t series) {
  gtest_detail::State::get().allow_registry_growth(registry_name, series);
}

void allow_memory_growth(std::uint64_t bytes) { gtest_detail::State::get().allow_memory_growth(bytes); }

}  // namespace mmtest
