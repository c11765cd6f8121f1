// bench/alloc.cpp: the workloads of bench/launcher.sh. Built by that script with g++ into a
// temporary directory; not part of the CMake build. Only libc and the standard library.
//
//   alloc touch MIB HOLD_MS
//       Allocate and touch (write every page of) MIB MiB at once, hold it HOLD_MS ms, exit 0.
//   alloc children COUNT MIB HOLD_MS
//       Fork COUNT children; each touches MIB MiB and reports through a pipe. Once all of them
//       hold their memory at the same time, wait HOLD_MS ms, kill and reap them, exit 0.
//   alloc ramp MIB RATE_MIB_S
//       Touch up to MIB MiB in 1 MiB chunks, paced to RATE_MIB_S MiB/s (0: as fast as possible).
//       Meant to be killed by a memory budget before it reaches MIB; exits 0 if it is not.
//   alloc cpu ITERATIONS
//       Fixed work, single thread, no memory traffic: ITERATIONS rounds of an integer mix whose
//       result is printed so the compiler cannot drop the loop.
//
// Bad arguments: a message on stderr and exit status 2.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kPageBytes = 4096;

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr, "alloc: %s\n", message);
  std::exit(2);
}

std::uint64_t number(const char* text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') usage("expected a non-negative integer argument");
  return value;
}

// Writes one byte per page so every page is resident; returns the block so it stays alive.
char* touch_mib(std::size_t mib) {
  const std::size_t bytes = mib * kMiB;
  auto* block = static_cast<char*>(std::malloc(bytes));
  if (block == nullptr) usage("malloc failed");
  for (std::size_t offset = 0; offset < bytes; offset += kPageBytes) block[offset] = static_cast<char>(offset >> 12 | 1);
  return block;
}

void sleep_ms(std::uint64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

int touch(std::size_t mib, std::uint64_t hold_ms) {
  volatile char* block = touch_mib(mib);
  sleep_ms(hold_ms);
  return mib > 0 && block[0] == 0 ? 1 : 0;
}

int children(std::size_t count, std::size_t mib, std::uint64_t hold_ms) {
  int ready[2];
  if (::pipe(ready) != 0) usage("pipe failed");
  std::vector<pid_t> pids;
  for (std::size_t i = 0; i < count; ++i) {
    const pid_t pid = ::fork();
    if (pid < 0) usage("fork failed");
    if (pid == 0) {
      ::close(ready[0]);
      touch_mib(mib);
      const char byte = 'r';
      if (::write(ready[1], &byte, 1) != 1) ::_exit(1);
      while (true) ::pause();
    }
    pids.push_back(pid);
  }
  ::close(ready[1]);
  for (std::size_t got = 0; got < count;) {
    char byte = 0;
    const ssize_t n = ::read(ready[0], &byte, 1);
    if (n == 1) ++got;
    if (n == 0) usage("a child died before touching its memory");
  }
  sleep_ms(hold_ms);
  for (const pid_t pid : pids) ::kill(pid, SIGKILL);
  for (const pid_t pid : pids) ::waitpid(pid, nullptr, 0);
  return 0;
}

int ramp(std::size_t mib, std::uint64_t rate_mib_s) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::vector<char*> chunks;
  for (std::size_t i = 1; i <= mib; ++i) {
    chunks.push_back(touch_mib(1));
    if (rate_mib_s > 0) std::this_thread::sleep_until(start + std::chrono::microseconds(i * 1'000'000 / rate_mib_s));
  }
  return 0;
}

int cpu(std::uint64_t iterations) {
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (std::uint64_t i = 0; i < iterations; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    state += i * 0xBF58476D1CE4E5B9ULL;
  }
  std::printf("%llu\n", static_cast<unsigned long long>(state));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "touch" && argc == 4) return touch(number(argv[2]), number(argv[3]));
  if (mode == "children" && argc == 5) return children(number(argv[2]), number(argv[3]), number(argv[4]));
  if (mode == "ramp" && argc == 4) return ramp(number(argv[2]), number(argv[3]));
  if (mode == "cpu" && argc == 3) return cpu(number(argv[2]));
  usage("usage: alloc touch MIB HOLD_MS | children COUNT MIB HOLD_MS | ramp MIB RATE_MIB_S | cpu ITERATIONS");
}
