#include "mmtest/machine/cpus.hpp"

#include <cerrno>
#include <fmt/format.h>

#include "mmtest/common/format.hpp"

namespace mmtest::machine {
namespace {

// sched_getaffinity fails with EINVAL while the set is smaller than the kernel's CPU mask.
constexpr int kMaxCpusTried = 1 << 16;

}  // namespace

CpuSet::CpuSet(int cpus) : count(cpus), set(CPU_ALLOC(cpus)), bytes(CPU_ALLOC_SIZE(cpus)) { CPU_ZERO_S(bytes, set); }

CpuSet::~CpuSet() { CPU_FREE(set); }

std::expected<std::vector<int>, std::string> allowed_cpus() {
  for (int size = 1024;; size *= 2) {
    CpuSet cpus(size);
    if (::sched_getaffinity(0, cpus.bytes, cpus.set) == 0) {
      std::vector<int> allowed;
      for (int cpu = 0; cpu < size; ++cpu) {
        if (CPU_ISSET_S(cpu, cpus.bytes, cpus.set)) allowed.push_back(cpu);
      }
      return allowed;
    }
    if (errno != EINVAL || size >= kMaxCpusTried) return std::unexpected(system_error_message("sched_getaffinity(0)"));
  }
}

std::string format_cpu_list(std::span<const int> cpus) {
  std::string text;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t end = i;
    while (end + 1 < cpus.size() && cpus[end + 1] == cpus[end] + 1) ++end;
    if (!text.empty()) text += ',';
    text += end > i ? fmt::format("{}-{}", cpus[i], cpus[end]) : fmt::format("{}", cpus[i]);
    i = end + 1;
  }
  return text;
}

}  // namespace mmtest::machine
