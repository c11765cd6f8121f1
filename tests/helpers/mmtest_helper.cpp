// mmtest_helper: a misbehaving program that plays "the test" under mmtest-run in the black-box
// launcher tests (tests/launcher/). It uses only libc and the standard library.
//
//   mmtest_helper MODE [OPTIONS...] [--tag TAG] [--ready PATH]
//
// Options common to every mode:
//   --tag TAG     Ignored. It lets a test find every process of one scenario by scanning
//                 /proc/*/cmdline: children made by fork() inherit argv (this program never execs).
//   --ready PATH  When setup is complete (memory touched, children started, handlers installed),
//                 open PATH (a FIFO or a file made by the test) and write the line "ready\n".
//
// Modes:
//   hog --mib N [--rate-mib-s R] [--hold-ms T | --hold]
//       Allocate and touch (write every page of) N MiB, at R MiB/s if given, in 1 MiB chunks;
//       then hold the memory T ms (default 0) or forever, then exit 0.
//   children --count K --mib M [--shared-mib S] [--hold-ms T | --hold]
//       Fork K children; each touches M MiB, tells the parent, and sleeps. When all have touched
//       their memory the parent reports ready, then either sleeps forever (--hold) or, after T ms
//       (default 0), kills and reaps the children and exits 0. With --shared-mib, the parent first
//       touches S MiB that the children inherit and never write: S MiB of real memory, shared
//       copy-on-write, that every child's RSS counts again.
//   ignore-term
//       Ignore SIGTERM and sleep forever.
//   daemonize [--hold]
//       Double-fork a grandchild that calls setsid(), ignores SIGTERM, detaches its stdio to
//       /dev/null and sleeps forever. Prints "grandchild pid N" once it is set up, then exits 0
//       (the grandchild is leaked) or, with --hold, sleeps forever.
//   spawn-sleeper
//       Fork one child that sleeps forever (keeping stdio), print "sleeper pid N", exit 0.
//   fork-many --count K [--hold]
//       Fork K children that sleep forever. The parent then sleeps forever too (it would reap
//       them); --hold is accepted for symmetry. A failed fork() is reported and ends the forking.
//   threads --count K
//       Start K threads that sleep forever, then sleep forever too. A thread that cannot be
//       started (EAGAIN under a pids.max that counts threads) is reported and ends the starting.
//   flood --bytes N [--binary]
//       Write N bytes of a deterministic pattern to stdout (see flood_byte()) and exit 0.
//   exit --code N              Exit with status N.
//   kill-self --signal S       Raise signal S (name like SEGV / SIGSEGV, or number) with its
//                              default disposition.
//   sleep --ms T               Sleep T ms, exit 0.
//   cpu --ms T [--on-cpu N] [--threads K]
//                              Burn T ms of CPU time, exit 0. With --on-cpu, first restrict
//                              itself to CPU N (sched_setaffinity), to compete for that CPU.
//                              With --threads, K threads (default 1) burn T ms each, at once.
//   spin --ms T [--threads K]  K threads (default 1) spin for T ms of wall time each, at once,
//                              exit 0: they use every CPU they get and end no sooner for it.
//   affinity                   Print "affinity <CPU list>" (e.g. "affinity 0-1,4"): the CPUs it
//                              may run on, then exit 0.
//   open-files --count N
//       Open /dev/null N times (keeping every descriptor). Exit 0 if all opens succeed, else
//       report the failing one (EMFILE under RLIMIT_NOFILE) and exit 1.
//   write-file [--dir D] [--mib N]
//       Write N MiB (default 1) to D/mmtest_helper.out (D defaults to $TMPDIR, then /tmp).
//       Exit 1 if a write fails (e.g. EFBIG under RLIMIT_FSIZE, when SIGXFSZ is ignored).
//   print-tmpdir
//       Print "TMPDIR=<path>", "mode=<octal permissions>", "entries=<count>" of $TMPDIR, then
//       create <TMPDIR>/nested/file so that removing the directory has to be recursive.
//   print-env --names A,B,...
//       Print "A=<value>" for each variable set, "A unset" for each one that is not, one a line.
//
// Bad arguments: a message on stderr and exit status 2.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

constexpr int kUsageError = 2;
constexpr std::size_t kMiB = 1024 * 1024;

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "mmtest_helper: %s\n", message.c_str());
  std::exit(kUsageError);
}

[[noreturn]] void system_error(const std::string& call) {
  std::fprintf(stderr, "mmtest_helper: %s: %s\n", call.c_str(), std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void sleep_forever() {
  for (;;) pause();
}

// ---- Argument reader ---------------------------------------------------------------------------

// Reads "--name value" pairs and bare "--flag"s. Every option a mode does not ask for is an error,
// reported by reject_unused().
class Args {
 public:
  Args(int argc, char** argv) {
    static const std::set<std::string, std::less<>> flags{"--hold", "--binary"};
    for (int i = 2; i < argc; ++i) {
      std::string name = argv[i];
      if (!name.starts_with("--")) usage_error("unexpected argument '" + name + "'");
      if (flags.contains(name)) {
        options_[name] = std::nullopt;
      } else if (i + 1 < argc) {
        options_[name] = std::string(argv[++i]);
      } else {
        usage_error(name + " expects a value");
      }
    }
  }

  bool flag(std::string_view name) { return take(name).has_value(); }

  std::optional<std::string> text(std::string_view name) {
    auto found = take(name);
    if (!found) return std::nullopt;
    return found->value();
  }

  std::optional<long long> integer(std::string_view name) {
    auto value = text(name);
    if (!value) return std::nullopt;
    long long number = 0;
    const char* end = value->data() + value->size();
    auto [ptr, ec] = std::from_chars(value->data(), end, number);
    if (ec != std::errc{} || ptr != end || number < 0) {
      usage_error(std::string(name) + " expects a non-negative integer, got '" + *value + "'");
    }
    return number;
  }

  long long required_integer(std::string_view name) {
    auto number = integer(name);
    if (!number) usage_error(std::string(name) + " is required");
    return *number;
  }

  std::optional<double> real(std::string_view name) {
    auto value = text(name);
    if (!value) return std::nullopt;
    char* end = nullptr;
    double number = std::strtod(value->c_str(), &end);
    if (value->empty() || *end != '\0' || !(number > 0)) {
      usage_error(std::string(name) + " expects a positive number, got '" + *value + "'");
    }
    return number;
  }

  void reject_unused() const {
    for (const auto& [name, value] : options_) {
      if (!used_.contains(name)) usage_error("unknown option " + name + " for this mode");
    }
  }

 private:
  // The outer optional: was the option given; the inner one: its value (none for a flag).
  std::optional<std::optional<std::string>> take(std::string_view name) {
    auto it = options_.find(name);
    if (it == options_.end()) return std::nullopt;
    used_.insert(it->first);
    return it->second;
  }

  std::map<std::string, std::optional<std::string>, std::less<>> options_;
  std::set<std::string, std::less<>> used_;
};

// Consumes the options every mode accepts; `ready()` is called by the mode when set up.
class Common {
 public:
  explicit Common(Args& args) : ready_path_(args.text("--ready")) { args.text("--tag"); }

  void ready() const {
    if (!ready_path_) return;
    // O_NONBLOCK: never hang if the test gave up on the FIFO (ENXIO instead).
    int fd =
        ::open(ready_path_->c_str(), O_WRONLY | O_NONBLOCK | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) system_error("open(" + *ready_path_ + ")");
    constexpr std::string_view line = "ready\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      system_error("write(" + *ready_path_ + ")");
    }
    ::close(fd);
  }

 private:
  std::optional<std::string> ready_path_;
};

// ---- Small tools -------------------------------------------------------------------------------

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      system_error("write");
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

void print(const std::string& text) { write_all(STDOUT_FILENO, text.data(), text.size()); }

void sleep_ms(long long ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Memory that is resident: every page has been written. Pages are written through a volatile
// pointer so that the compiler cannot drop the stores to memory nobody reads.
class TouchedMemory {
 public:
  // Touches `bytes` in 1 MiB chunks, at `rate_mib_s` if given, else as fast as possible.
  TouchedMemory(std::size_t bytes, std::optional<double> rate_mib_s)
      : block_(std::make_unique_for_overwrite<char[]>(bytes)) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const auto start = std::chrono::steady_clock::now();
    volatile char* memory = block_.get();
    for (std::size_t offset = 0, chunk = 1; offset < bytes; offset += kMiB, ++chunk) {
      const std::size_t end = std::min(bytes, offset + kMiB);
      for (std::size_t at = offset; at < end; at += page) memory[at] = static_cast<char>(chunk);
      if (rate_mib_s) {
        std::this_thread::sleep_until(
            start + std::chrono::duration<double>(static_cast<double>(chunk) / *rate_mib_s));
      }
    }
  }

 private:
  std::unique_ptr<char[]> block_;
};

// The byte at `index` of the flood pattern. Binary: every value 0..255 including NUL appears in
// each 256-byte run, shifted by one per run so dropped or repeated runs are noticed; the last byte
// of the stream is never '\n'. Text: lines of 63 letters and a newline. tests/launcher/ keeps an
// identical copy.
char flood_byte(std::size_t index, std::size_t total, bool binary) {
  if (!binary) return index % 64 == 63 ? '\n' : static_cast<char>('a' + (index / 64) % 26);
  auto byte = static_cast<unsigned char>((index + index / 256) % 256);
  if (index + 1 == total && byte == '\n') byte = 0;
  return static_cast<char>(byte);
}

int signal_number(const std::string& name) {
  int number = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), number);
  if (ec == std::errc{} && ptr == name.data() + name.size() && number > 0 && number < NSIG) {
    return number;
  }
  const std::string_view bare = std::string_view(name).starts_with("SIG")
                                    ? std::string_view(name).substr(3)
                                    : std::string_view(name);
  for (int candidate = 1; candidate < NSIG; ++candidate) {
    const char* abbreviation = sigabbrev_np(candidate);
    if (abbreviation != nullptr && bare == abbreviation) return candidate;
  }
  usage_error("--signal expects a signal name or number, got '" + name + "'");
}

// Runs `child` in a forked child process, which never returns from it.
template <typename Body>
pid_t fork_child(Body child) {
  pid_t pid = fork();
  if (pid < 0) system_error("fork");
  if (pid == 0) {
    child();
    _exit(0);
  }
  return pid;
}

// A pipe through which children say "I am set up" by sending their pid.
class ReadinessPipe {
 public:
  ReadinessPipe() {
    if (pipe2(fds_, O_CLOEXEC) != 0) system_error("pipe2");
  }
  ReadinessPipe(const ReadinessPipe&) = delete;
  ReadinessPipe& operator=(const ReadinessPipe&) = delete;
  ~ReadinessPipe() {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }

  // In a child: sends its pid, then the child no longer needs the pipe.
  void signal_ready() {
    close_end(0);
    const pid_t self = getpid();
    write_all(fds_[1], reinterpret_cast<const char*>(&self), sizeof self);
    close_end(1);
  }

  // In the parent: the pids of `count` ready children; fewer if some closed the pipe early.
  std::vector<pid_t> wait_for(long long count) {
    close_end(1);
    std::vector<pid_t> pids;
    while (static_cast<long long>(pids.size()) < count) {
      pid_t pid = 0;  // a pid is smaller than PIPE_BUF, so it arrives in one piece
      ssize_t got = ::read(fds_[0], &pid, sizeof pid);
      if (got < 0 && errno == EINTR) continue;
      if (got != static_cast<ssize_t>(sizeof pid)) break;
      pids.push_back(pid);
    }
    return pids;
  }

 private:
  void close_end(int end) {
    if (fds_[end] >= 0) ::close(fds_[end]);
    fds_[end] = -1;
  }

  int fds_[2];
};

// ---- Modes -------------------------------------------------------------------------------------

int hog(Args& args, const Common& common) {
  const auto mib = args.required_integer("--mib");
  const auto rate_mib_s = args.real("--rate-mib-s");
  const bool hold = args.flag("--hold");
  const auto hold_ms = args.integer("--hold-ms").value_or(0);
  args.reject_unused();

  TouchedMemory memory(static_cast<std::size_t>(mib) * kMiB, rate_mib_s);
  common.ready();
  if (hold) sleep_forever();
  sleep_ms(hold_ms);
  return 0;
}

int children(Args& args, const Common& common) {
  const auto count = args.required_integer("--count");
  const auto mib = args.required_integer("--mib");
  const auto shared_mib = args.integer("--shared-mib").value_or(0);
  const bool hold = args.flag("--hold");
  const auto hold_ms = args.integer("--hold-ms").value_or(0);
  args.reject_unused();

  const TouchedMemory shared(static_cast<std::size_t>(shared_mib) * kMiB, std::nullopt);
  ReadinessPipe readiness;
  std::vector<pid_t> pids;
  for (long long i = 0; i < count; ++i) {
    pids.push_back(fork_child([&] {
      TouchedMemory memory(static_cast<std::size_t>(mib) * kMiB, std::nullopt);
      readiness.signal_ready();
      sleep_forever();
    }));
  }
  if (static_cast<long long>(readiness.wait_for(count).size()) != count) {
    std::fprintf(stderr, "mmtest_helper: a child died before touching its memory\n");
    return 1;
  }
  common.ready();
  if (hold) sleep_forever();
  sleep_ms(hold_ms);
  for (pid_t pid : pids) kill(pid, SIGKILL);
  for (pid_t pid : pids) waitpid(pid, nullptr, 0);
  return 0;
}

int ignore_term(Args& args, const Common& common) {
  args.flag("--hold");  // the behaviour anyway
  args.reject_unused();
  signal(SIGTERM, SIG_IGN);
  common.ready();
  sleep_forever();
}

int daemonize(Args& args, const Common& common) {
  const bool hold = args.flag("--hold");
  args.reject_unused();

  ReadinessPipe readiness;
  pid_t middle = fork_child([&] {
    fork_child([&] {
      if (setsid() < 0) system_error("setsid");
      signal(SIGTERM, SIG_IGN);
      int null = ::open("/dev/null", O_RDWR);
      if (null < 0) system_error("open(/dev/null)");
      for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) dup2(null, fd);
      ::close(null);
      if (chdir("/") != 0) system_error("chdir(/)");
      readiness.signal_ready();
      sleep_forever();
    });
  });
  if (waitpid(middle, nullptr, 0) < 0) system_error("waitpid");
  const auto ready = readiness.wait_for(1);
  if (ready.empty()) {
    std::fprintf(stderr, "mmtest_helper: the grandchild died before it was set up\n");
    return 1;
  }
  const pid_t grandchild = ready.front();
  print("grandchild pid " + std::to_string(grandchild) + "\n");
  common.ready();
  if (hold) sleep_forever();
  return 0;
}

int spawn_sleeper(Args& args, const Common& common) {
  args.reject_unused();
  pid_t sleeper = fork_child([] { sleep_forever(); });
  print("sleeper pid " + std::to_string(sleeper) + "\n");
  common.ready();
  return 0;
}

int fork_many(Args& args, const Common& common) {
  const auto count = args.required_integer("--count");
  args.flag("--hold");  // the behaviour anyway
  args.reject_unused();
  for (long long i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid == 0) sleep_forever();
    if (pid < 0) {  // the cap may be enforced with RLIMIT_NPROC: stop forking, keep the bomb
      std::fprintf(stderr, "mmtest_helper: fork #%lld: %s\n", i + 1, std::strerror(errno));
      break;
    }
  }
  common.ready();
  sleep_forever();
}

int threads(Args& args, const Common& common) {
  const auto count = args.required_integer("--count");
  args.reject_unused();
  std::vector<std::thread> started;
  for (long long i = 0; i < count; ++i) {
    try {
      started.emplace_back([] { sleep_forever(); });
    } catch (const std::system_error& error) {
      std::fprintf(stderr, "mmtest_helper: thread #%lld: %s\n", i + 1, error.what());
      break;
    }
  }
  common.ready();
  sleep_forever();
}

int flood(Args& args, const Common& common) {
  const auto total = static_cast<std::size_t>(args.required_integer("--bytes"));
  const bool binary = args.flag("--binary");
  args.reject_unused();
  common.ready();
  std::vector<char> chunk(64 * 1024);
  for (std::size_t offset = 0; offset < total;) {
    const std::size_t size = std::min(chunk.size(), total - offset);
    for (std::size_t i = 0; i < size; ++i) chunk[i] = flood_byte(offset + i, total, binary);
    write_all(STDOUT_FILENO, chunk.data(), size);
    offset += size;
  }
  return 0;
}

int exit_with(Args& args, const Common& common) {
  const auto code = args.required_integer("--code");
  args.reject_unused();
  common.ready();
  return static_cast<int>(code);
}

int kill_self(Args& args, const Common& common) {
  const auto name = args.text("--signal");
  if (!name) usage_error("--signal is required");
  const int number = signal_number(*name);
  args.reject_unused();
  common.ready();
  signal(number, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, number);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(number);
  std::fprintf(stderr, "mmtest_helper: still alive after raising signal %d\n", number);
  return 1;
}

int sleep_mode(Args& args, const Common& common) {
  const auto ms = args.required_integer("--ms");
  args.reject_unused();
  common.ready();
  sleep_ms(ms);
  return 0;
}

// Runs `work` on `thread_count` threads at once (this one among them) and waits for all.
template <typename Work>
void on_threads(long long thread_count, const Work& work) {
  std::vector<std::thread> others;
  for (long long i = 1; i < thread_count; ++i) others.emplace_back(work);
  work();
  for (std::thread& other : others) other.join();
}

int cpu(Args& args, const Common& common) {
  const auto ms = args.required_integer("--ms");
  const auto on_cpu = args.integer("--on-cpu");
  const auto thread_count = args.integer("--threads").value_or(1);
  args.reject_unused();
  if (on_cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<int>(*on_cpu), &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0) system_error("sched_setaffinity");
  }
  common.ready();
  const auto budget = std::chrono::milliseconds(ms);
  const auto burn = [budget] {
    const auto cpu_now = [] {
      timespec now{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
      return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
    };
    const auto start = cpu_now();
    volatile unsigned long long spin = 0;
    while (cpu_now() - start < budget) {
      for (int i = 0; i < 10000; ++i) spin = spin + 1;
    }
  };
  on_threads(thread_count, burn);
  return 0;
}

int spin(Args& args, const Common& common) {
  const auto ms = args.required_integer("--ms");
  const auto thread_count = args.integer("--threads").value_or(1);
  args.reject_unused();
  common.ready();
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  const auto run = [until] {
    volatile unsigned long long spins = 0;
    while (std::chrono::steady_clock::now() < until) {
      for (int i = 0; i < 10000; ++i) spins = spins + 1;
    }
  };
  on_threads(thread_count, run);
  return 0;
}

int affinity(Args& args, const Common& common) {
  args.reject_unused();
  common.ready();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) system_error("sched_getaffinity");
  std::string list;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!list.empty()) list += ',';
    list += last > cpu ? std::to_string(cpu) + "-" + std::to_string(last) : std::to_string(cpu);
    cpu = last;
  }
  std::printf("affinity %s\n", list.c_str());
  return 0;
}

int open_files(Args& args, const Common& common) {
  const auto count = args.required_integer("--count");
  args.reject_unused();
  common.ready();
  for (long long i = 0; i < count; ++i) {
    if (::open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) {
      std::fprintf(stderr, "mmtest_helper: open #%lld of /dev/null: %s\n", i + 1,
                   std::strerror(errno));
      return 1;
    }
  }
  return 0;
}

std::string tmpdir_or_tmp() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

int write_file(Args& args, const Common& common) {
  const auto dir = args.text("--dir").value_or(tmpdir_or_tmp());
  const auto mib = args.integer("--mib").value_or(1);
  args.reject_unused();
  const std::string path = dir + "/mmtest_helper.out";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) system_error("open(" + path + ")");
  common.ready();
  const std::vector<char> chunk(kMiB, 'x');
  for (long long i = 0; i < mib; ++i) write_all(fd, chunk.data(), chunk.size());
  if (::close(fd) != 0) system_error("close(" + path + ")");
  return 0;
}

int print_tmpdir(Args& args, const Common& common) {
  args.reject_unused();
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir == nullptr) usage_error("TMPDIR is not set");
  struct stat info {};
  if (::stat(tmpdir, &info) != 0) system_error(std::string("stat(") + tmpdir + ")");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(tmpdir)) ++entries;
  char mode[16];
  std::snprintf(mode, sizeof mode, "%04o", info.st_mode & 07777);
  print(std::string("TMPDIR=") + tmpdir + "\nmode=" + mode +
        "\nentries=" + std::to_string(entries) + "\n");
  const std::string nested = std::string(tmpdir) + "/nested";
  if (::mkdir(nested.c_str(), 0700) != 0) system_error("mkdir(" + nested + ")");
  int fd = ::open((nested + "/file").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) system_error("open(" + nested + "/file)");
  ::close(fd);
  common.ready();
  return 0;
}

int print_env(Args& args, const Common& common) {
  const std::string names = args.text("--names").value_or("");
  args.reject_unused();
  std::string text;
  std::size_t begin = 0;
  while (begin <= names.size()) {
    const std::size_t comma = std::min(names.find(',', begin), names.size());
    const std::string name = names.substr(begin, comma - begin);
    if (!name.empty()) {
      const char* value = std::getenv(name.c_str());
      text += value != nullptr ? name + "=" + value + "\n" : name + " unset\n";
    }
    begin = comma + 1;
  }
  print(text);
  common.ready();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using Mode = int (*)(Args&, const Common&);
  static const std::map<std::string_view, Mode> modes{
      {"hog", hog},
      {"children", children},
      {"ignore-term", ignore_term},
      {"daemonize", daemonize},
      {"spawn-sleeper", spawn_sleeper},
      {"fork-many", fork_many},
      {"threads", threads},
      {"flood", flood},
      {"exit", exit_with},
      {"kill-self", kill_self},
      {"sleep", sleep_mode},
      {"cpu", cpu},
      {"spin", spin},
      {"affinity", affinity},
      {"open-files", open_files},
      {"write-file", write_file},
      {"print-tmpdir", print_tmpdir},
      {"print-env", print_env},
  };
  if (argc < 2) usage_error("usage: mmtest_helper MODE [OPTIONS...] (see the source for modes)");
  auto mode = modes.find(argv[1]);
  if (mode == modes.end()) usage_error(std::string("unknown mode '") + argv[1] + "'");
  Args args(argc, argv);
  Common common(args);
  return mode->second(args, common);
}
