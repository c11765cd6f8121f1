// bench/interleave.cpp: start-up timing for bench/launcher.sh (part a). Built by that script with
// g++ into a temporary directory; not part of the CMake build. Only libc and the standard library.
//
//   interleave ROUNDS WARMUP :: NAME COMMAND [ARGS...] [:: NAME COMMAND [ARGS...]]...
//
// Runs the commands in turn, one run of each per round, so that every command meets the same
// moments of a noisy machine; the command that goes first rotates from round to round. The first
// WARMUP rounds are not reported. For each reported run it prints one line:
//
//   ROUND NAME WALL_SECONDS CPU_SECONDS
//
// WALL is from just before posix_spawn to the return of wait4; CPU is the user + system time wait4
// reports (the command and the children it reaped). COMMAND is run directly (no shell, no PATH
// search) with stdin, stdout and stderr on /dev/null. A command that does not exit with 0 stops
// everything: a message on stderr, exit status 1. Bad arguments: a message and exit status 2.

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Command {
  std::string name;
  std::vector<char*> argv;  // null-terminated
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr, "interleave: %s\nusage: interleave ROUNDS WARMUP :: NAME COMMAND [ARGS...] [:: ...]\n", problem);
  std::exit(2);
}

long count_argument(const char* text, const char* what) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0) usage(what);
  return value;
}

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

// One run of `command`: {wall, cpu} in seconds.
std::pair<double, double> run_once(const Command& command, const posix_spawn_file_actions_t& quiet) {
  const auto started = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (const int error = posix_spawn(&pid, command.argv[0], &quiet, nullptr, command.argv.data(), environ); error != 0) {
    std::fprintf(stderr, "interleave: cannot start %s: %s\n", command.argv[0], std::strerror(error));
    std::exit(1);
  }
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      std::perror("interleave: wait4");
      std::exit(1);
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "interleave: %s (%s) did not exit with 0 (wait status %d)\n", command.name.c_str(),
                 command.argv[0], status);
    std::exit(1);
  }
  return {wall, seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) usage("too few arguments");
  const long rounds = count_argument(argv[1], "ROUNDS must be a whole number");
  const long warmup = count_argument(argv[2], "WARMUP must be a whole number");
  if (std::strcmp(argv[3], "::") != 0) usage("expected '::' before the first NAME");

  std::vector<Command> commands;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "::") == 0) {
      if (!commands.empty() && commands.back().argv.empty()) usage("a NAME without a COMMAND");
      if (i + 1 >= argc) usage("'::' at the end");
      commands.push_back(Command{argv[++i], {}});
      continue;
    }
    commands.back().argv.push_back(argv[i]);
  }
  if (commands.back().argv.empty()) usage("a NAME without a COMMAND");
  for (Command& command : commands) command.argv.push_back(nullptr);

  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  for (const int fd : {0, 1, 2}) posix_spawn_file_actions_addopen(&quiet, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);

  const std::size_t count = commands.size();
  for (long round = 0; round < warmup + rounds; ++round) {
    for (std::size_t offset = 0; offset < count; ++offset) {
      const Command& command = commands[(static_cast<std::size_t>(round) + offset) % count];
      const auto [wall, cpu] = run_once(command, quiet);
      if (round >= warmup) std::printf("%ld %s %.9f %.9f\n", round - warmup + 1, command.name.c_str(), wall, cpu);
    }
  }
  posix_spawn_file_actions_destroy(&quiet);
  return 0;
}
