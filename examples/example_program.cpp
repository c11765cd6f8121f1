// The program behind the example tests. Modes:
//   checksum N        sum N pseudo-random numbers; a light unit test
//   hold MIB SECONDS  touch MIB MiB, hold them SECONDS; a memory-heavy test (or a hog)
//   sleep SECONDS     sleep; with a short TIMEOUT, a hang
//   bench N           time N checksum steps and print the rate; a performance test
//   leak-child        start a child that outlives this process; a leaked process
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

namespace {

std::uint64_t checksum(std::uint64_t count) {
  std::uint64_t state = 88172645463325252ULL;
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    sum += state & 0xffU;
  }
  return sum;
}

std::uint64_t number(const char* text) { return std::strtoull(text, nullptr, 10); }

int usage() {
  std::fputs("usage: example_program checksum N | hold MIB SECONDS | sleep SECONDS | bench N | leak-child\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  if (mode == "checksum" && argc == 3) {
    std::printf("checksum %llu\n", static_cast<unsigned long long>(checksum(number(argv[2]))));
    return 0;
  }
  if (mode == "hold" && argc == 4) {
    const std::size_t bytes = static_cast<std::size_t>(number(argv[2])) << 20;
    auto block = std::make_unique<char[]>(bytes);
    for (std::size_t offset = 0; offset < bytes; offset += std::size_t{1} << 20) {
      std::memset(block.get() + offset, 1, std::size_t{1} << 20);  // touch it: resident, not just reserved
    }
    std::printf("holding %s MiB\n", argv[2]);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(number(argv[3])));
    return block[bytes - 1] == 1 ? 0 : 1;
  }
  if (mode == "sleep" && argc == 3) {
    std::this_thread::sleep_for(std::chrono::seconds(number(argv[2])));
    return 0;
  }
  if (mode == "bench" && argc == 3) {
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t count = number(argv[2]);
    const std::uint64_t sum = checksum(count);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("%.0f steps/s (checksum %llu)\n", static_cast<double>(count) / elapsed.count(),
                static_cast<unsigned long long>(sum));
    return 0;
  }
  if (mode == "leak-child" && argc == 2) {
    if (fork() == 0) {
      sleep(300);  // the forgotten worker: nobody waits for it
      _exit(0);
    }
    std::puts("started a worker and did not wait for it");
    return 0;
  }
  return usage();
}
