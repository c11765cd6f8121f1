#pragma once

// The CPUs a process may run on: one reading for the launcher (pinning a test to the CPUs CTest
// allocated) and the ctest-time CPU budget.

#include <sched.h>

#include <cstddef>
#include <expected>
#include <span>
#include <string>
#include <vector>

namespace mmtest::machine {

// A CPU set of `cpus` CPUs, all clear, sized for sched_getaffinity / sched_setaffinity.
struct CpuSet {
  explicit CpuSet(int cpus);
  ~CpuSet();
  CpuSet(const CpuSet&) = delete;
  CpuSet& operator=(const CpuSet&) = delete;
  int count;
  cpu_set_t* set;
  std::size_t bytes;
};

// The CPUs this process may run on (sched_getaffinity), in increasing order.
std::expected<std::vector<int>, std::string> allowed_cpus();

// "0-3,8": the kernel's list format (Cpus_allowed_list).
std::string format_cpu_list(std::span<const int> cpus);

}  // namespace mmtest::machine
