// The binary memory guard: it watches the program's RSS against its binary limit, in a thread
// (growth inside one long test case) and at the end of each case, and stops the program with a
// blame table before mmtest-run or the kernel kills it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mmtest/record/suite_growth.hpp"

namespace mmtest::gtest_detail {

struct Grower {
  std::string name;
  std::int64_t growth_bytes = 0;
};

// The test cases that grew memory most, largest first; keeps at most `capacity`.
class TopGrowers {
 public:
  explicit TopGrowers(std::size_t capacity) : capacity_(capacity) {}
  void add(const std::string& name, std::int64_t growth_bytes);
  const std::vector<Grower>& largest_first() const { return growers_; }

 private:
  std::size_t capacity_;
  std::vector<Grower> growers_;
};

struct BlameFacts {
  std::string program;
  std::uint64_t rss_bytes = 0;
  std::uint64_t limit_bytes = 0;
  std::string limit_origin;                    // "90% of its budget 2.00 GiB from mmtest-run"
  std::optional<std::string> running_case;     // running, or just ended at the end-of-case check
  std::optional<std::int64_t> running_growth_bytes;
  bool running_case_ended = false;             // the end-of-case check fired, after its figures were counted
  std::vector<Grower> growers;                 // finished cases, largest first
  std::vector<record::SuiteGrowth> suites;     // suites where several cases grew, most first
  std::size_t cases_run = 0;
};

// The lines printed on stderr when the guard stops the program, each starting with "mmtest: ".
std::string blame_table(const BlameFacts& facts, std::size_t rows);

// How long the guard thread sleeps: half the time the headroom lasts at the observed growth rate
// (at least 1 GiB/s assumed), between 1 and 20 ms.
std::chrono::milliseconds guard_interval(std::uint64_t rss_bytes, std::uint64_t limit_bytes,
                                         double growth_bytes_per_second);

// The sampling thread. `over_limit(rss)` is called from that thread when RSS passes the limit,
// and is expected not to return (it ends the program).
class GuardThread {
 public:
  GuardThread(std::uint64_t limit_bytes, std::function<void(std::uint64_t rss_bytes)> over_limit);
  GuardThread(const GuardThread&) = delete;
  GuardThread& operator=(const GuardThread&) = delete;
  ~GuardThread();  // stops and joins

 private:
  void run();

  std::uint64_t limit_bytes_;
  std::function<void(std::uint64_t)> over_limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mmtest::gtest_detail
