#include "guard.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "mmtest/common/units.hpp"
#include "process_memory.hpp"

namespace mmtest::gtest_detail {
namespace {

using namespace std::chrono_literals;

std::string signed_size(std::int64_t bytes) {
  return bytes < 0 ? "-" + mmtest::format_bytes(static_cast<std::uint64_t>(-bytes))
                   : "+" + mmtest::format_bytes(static_cast<std::uint64_t>(bytes));
}

}  // namespace

void TopGrowers::add(const std::string& name, std::int64_t growth_bytes) {
  if (growth_bytes <= 0) return;
  if (growers_.size() == capacity_ && growth_bytes <= growers_.back().growth_bytes) return;
  const auto at = std::upper_bound(growers_.begin(), growers_.end(), growth_bytes,
                                   [](std::int64_t growth, const Grower& grower) { return growth > grower.growth_bytes; });
  growers_.insert(at, Grower{name, growth_bytes});
  if (growers_.size() > capacity_) growers_.pop_back();
}

std::string blame_table(const BlameFacts& facts, std::size_t rows) {
  std::string text = fmt::format("mmtest: memory guard: stopped {} at {}, over its binary limit {} ({})", facts.program,
                                 mmtest::format_bytes(facts.rss_bytes), mmtest::format_bytes(facts.limit_bytes),
                                 facts.limit_origin);
  if (facts.running_case) {
    text += fmt::format(", {} {}", facts.running_case_ended ? "at the end of" : "while running", *facts.running_case);
  }
  text += "\n";

  std::vector<std::pair<std::string, std::int64_t>> table;
  for (const Grower& grower : facts.growers) table.emplace_back(grower.name, grower.growth_bytes);
  if (facts.running_case && !facts.running_case_ended && facts.running_growth_bytes && *facts.running_growth_bytes > 0) {
    table.emplace_back(*facts.running_case + " (running)", *facts.running_growth_bytes);
  }
  std::stable_sort(table.begin(), table.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (table.size() > rows) table.resize(rows);

  const std::size_t cases_run = facts.cases_run + (facts.running_case && !facts.running_case_ended ? 1 : 0);
  if (table.empty()) {
    text += fmt::format("mmtest: none of the {} test cases run grew its memory: it was taken before them or outside them\n",
                        cases_run);
  } else {
    text += fmt::format(
        "mmtest: the test cases that grew its memory most, of {} run (RSS at their end, or now, minus RSS at their start):\n",
        cases_run);
    std::size_t width = 0;
    for (const auto& [name, growth] : table) width = std::max(width, signed_size(growth).size());
    for (const auto& [name, growth] : table) text += fmt::format("mmtest:   {:>{}}  {}\n", signed_size(growth), width, name);
  }
  // Many small growths in one suite add up where no single case stands out: by test suite too.
  if (!facts.suites.empty()) {
    text += "mmtest: by test suite (cases that grew, their growth together and each):\n";
    for (const record::SuiteGrowth& suite : facts.suites) text += fmt::format("mmtest:   {}\n", record::describe(suite));
  }
  text += fmt::format(
      "mmtest: exit status 120, before mmtest-run or the kernel kills it: free what these test cases keep, or raise the "
      "limit (MMTEST_BINARY_MEMORY_LIMIT, or the test's MEMORY)\n");
  return text;
}

std::chrono::milliseconds guard_interval(std::uint64_t rss_bytes, std::uint64_t limit_bytes,
                                         double growth_bytes_per_second) {
  constexpr double kAssumedGrowthBytesPerSecond = 1024.0 * 1024.0 * 1024.0;
  constexpr auto kFastest = 1ms;
  constexpr auto kSlowest = 20ms;
  if (rss_bytes >= limit_bytes) return kFastest;
  const double rate = std::max(growth_bytes_per_second, kAssumedGrowthBytesPerSecond);
  const double half_headroom_ms = static_cast<double>(limit_bytes - rss_bytes) / rate / 2 * 1000;
  if (half_headroom_ms >= static_cast<double>(kSlowest.count())) return kSlowest;
  return std::max(kFastest, std::chrono::milliseconds(static_cast<long>(half_headroom_ms)));
}

GuardThread::GuardThread(std::uint64_t limit_bytes, std::function<void(std::uint64_t)> over_limit)
    : limit_bytes_(limit_bytes), over_limit_(std::move(over_limit)), thread_([this] { run(); }) {}

GuardThread::~GuardThread() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void GuardThread::run() {
  const RssReader reader;  // its own descriptor: no contention with the listener's reads
  std::optional<std::uint64_t> last_rss;
  auto last_time = std::chrono::steady_clock::now();
  double growth_bytes_per_second = 0;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto rss = reader.rss_bytes();
    const auto now = std::chrono::steady_clock::now();
    if (rss && *rss > limit_bytes_) {
      lock.unlock();
      over_limit_(*rss);  // does not return when it stops the program
      lock.lock();
    }
    if (rss && last_rss && *rss > *last_rss) {
      const double seconds = std::chrono::duration<double>(now - last_time).count();
      growth_bytes_per_second = seconds > 0 ? static_cast<double>(*rss - *last_rss) / seconds : 0;
    } else {
      growth_bytes_per_second = 0;
    }
    last_rss = rss;
    last_time = now;
    const auto interval = rss ? guard_interval(*rss, limit_bytes_, growth_bytes_per_second) : std::chrono::milliseconds(20);
    wake_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

}  // namespace mmtest::gtest_detail
