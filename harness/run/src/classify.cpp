#include "mmtest/run/classify.hpp"

#include <signal.h>
#include <string.h>

#include <fmt/format.h>

#include "mmtest/run/cpu.hpp"
#include "mmtest/run/exit_codes.hpp"
#include "mmtest/common/format.hpp"
#include "mmtest/record/suite_growth.hpp"
#include "mmtest/common/units.hpp"

namespace mmtest::run {
namespace {

std::string processes(std::size_t count) { return fmt::format("{} process{}", count, count == 1 ? "" : "es"); }

// "sleep (pid 12), worker (pid 30)", at most five named.
std::string list_leaks(const std::vector<LeakedProcess>& leaked) {
  constexpr std::size_t kNamed = 5;
  std::string text;
  for (std::size_t i = 0; i < leaked.size() && i < kNamed; ++i) {
    text += fmt::format("{}{} (pid {})", i == 0 ? "" : ", ", leaked[i].comm, leaked[i].pid);
  }
  if (leaked.size() > kNamed) text += fmt::format(" and {} more", leaked.size() - kNamed);
  return text;
}

std::string describe_signal(int signal_number) {
  const char* description = ::sigdescr_np(signal_number);
  return description ? fmt::format("{} ({})", signal_name(signal_number), description) : signal_name(signal_number);
}

std::string leak_clause(const Supervision& run) {
  if (run.leaked.empty()) return "";
  return fmt::format("; also left {} running: {}", processes(run.leaked.size()), list_leaks(run.leaked));
}

// The measured peak is over the budget: the supervisor did not see it in time (a test that ends
// before the first sample) or could not stop it, but the exact figures after the tree is gone do.
bool peak_over_budget(const Supervision& run, const Options& options) {
  return options.memory_limit_bytes && run.peak_memory_bytes > *options.memory_limit_bytes;
}

// Where the peak of a test that was not stopped for memory comes from, said so that nobody reads
// it as a kill.
std::string_view peak_origin(const std::string& peak_memory_source) {
  if (peak_memory_source == "process-max-rss") return "largest process, measured at exit";
  if (peak_memory_source == "cgroup-memory-peak") return "cgroup memory.peak, measured at exit";
  return "tree RSS, sampled while it ran";
}

std::string over_budget_clause(const Supervision& run, const Options& options) {
  if (!peak_over_budget(run, options)) return "";
  return fmt::format("; its peak {} ({}) was also over its memory budget {}", format_bytes(run.peak_memory_bytes),
                     peak_origin(run.peak_memory_source), format_bytes(*options.memory_limit_bytes));
}

// " while running Suite.Case": the test case mmtest's GoogleTest listener said was running when the
// run ended (or when its memory guard fired); nothing for other programs.
std::string while_running(const record::CaseLog& cases) {
  if (cases.guard && cases.guard->case_name) return fmt::format(" while running {}", *cases.guard->case_name);
  if (cases.running) return fmt::format(" while running {}", cases.running->name);
  return "";
}

// "; biggest growth: Metrics.Register +1.20 GiB": the test case that grew the program's memory most.
// The running case competes with its growth so far: what the guard measured, else the memory at
// the stop (`memory_now`, tree RSS) minus the program's RSS when that case started.
std::string biggest_growth_clause(const record::CaseLog& cases, std::optional<std::uint64_t> memory_now) {
  std::optional<std::int64_t> running_growth;
  if (cases.running) {
    if (cases.guard && cases.guard->case_name == cases.running->name && cases.guard->case_growth_bytes) {
      running_growth = cases.guard->case_growth_bytes;
    } else if (memory_now) {
      running_growth = static_cast<std::int64_t>(*memory_now) - static_cast<std::int64_t>(cases.running->rss_start_bytes);
    }
  }
  const auto biggest = record::biggest_growth(cases, running_growth);
  if (!biggest) return "";
  std::string clause = fmt::format("; biggest growth: {} +{}{}", biggest->name,
                                   format_bytes(static_cast<std::uint64_t>(biggest->growth_bytes)),
                                   biggest->running ? " (running)" : "");
  // Many small growths in one suite, which no single case shows: the suite that grew most.
  record::GrowthBySuite suites;
  for (const record::CaseResult& result : cases.finished) suites.add(result.name, result.growth_bytes);
  if (const auto top = suites.largest(1); !top.empty()) clause += fmt::format("; by suite: {}", record::describe(top.front()));
  return clause;
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed: return "passed";
    case Outcome::skipped: return "skipped";
    case Outcome::failed: return "failed";
    case Outcome::signal: return "signal";
    case Outcome::timeout: return "timeout";
    case Outcome::memory: return "memory";
    case Outcome::process_limit: return "process-limit";
    case Outcome::leaked: return "leaked";
    case Outcome::interrupted: return "interrupted";
    case Outcome::harness_error: return "harness-error";
  }
  return "?";
}

Verdict classify(const Supervision& run, const Options& options) {
  const std::string& name = options.name;
  Verdict verdict;
  switch (run.stop_reason) {
    case StopReason::memory: {
      const std::uint64_t limit = options.memory_limit_bytes.value_or(0);
      verdict.outcome = Outcome::memory;
      verdict.exit_code = exit_code::kMemory;
      // The same line in both modes; in cgroup mode the figure is memory.peak, which memory.max
      // keeps at or under the budget, and memory.events says how many processes the kernel killed.
      const std::string source =
          run.peak_memory_source != "cgroup-memory-peak" ? std::string("tree RSS")
          : run.cgroup_oom_kills ? fmt::format("cgroup memory.peak; memory.events oom_kill {}", *run.cgroup_oom_kills)
                                 : std::string("cgroup memory.peak");
      const std::uint64_t memory = std::max(run.peak_memory_bytes, run.memory_at_stop_bytes);
      verdict.diagnosis = fmt::format(
          "mmtest: {} killed: memory {} exceeded budget {} ({}, {}){}{}; raise its MEMORY (--memory) or shrink what it holds",
          name, format_bytes(memory), format_bytes(limit), source, processes(run.processes_at_stop),
          while_running(run.cases), biggest_growth_clause(run.cases, memory));
      return verdict;
    }
    case StopReason::process_limit:
      verdict.outcome = Outcome::process_limit;
      verdict.exit_code = exit_code::kProcessLimit;
      if (run.forks_refused > 0 && run.tasks_at_stop && *run.tasks_at_stop > run.processes_at_stop &&
          run.processes_at_stop < options.max_processes) {
        // pids.max counts threads: with fewer processes than the cap, threads filled the rest.
        verdict.diagnosis = fmt::format(
            "mmtest: {} killed: {} tasks ({} with {} threads) reached the limit of {} (--max-processes); in cgroup mode "
            "pids.max counts threads too and refused {} new thread{} or process{}; raise the limit for a test with many "
            "threads",
            name, *run.tasks_at_stop, processes(run.processes_at_stop), run.processes_at_stop == 1 ? "its" : "their",
            options.max_processes, run.forks_refused, run.forks_refused == 1 ? "" : "s",
            run.forks_refused == 1 ? "" : "es");
        return verdict;
      }
      if (run.forks_refused > 0) {
        // Cgroup mode: pids.max never lets the tree past the cap; it refuses the fork instead.
        verdict.diagnosis = fmt::format(
            "mmtest: {} killed: {} reached the limit of {} (--max-processes): cgroup pids.max refused {} fork{}; a "
            "fork loop, or raise the limit",
            name, processes(run.processes_at_stop), options.max_processes, run.forks_refused,
            run.forks_refused == 1 ? "" : "s");
        return verdict;
      }
      verdict.diagnosis = fmt::format(
          "mmtest: {} killed: {} exceeded the limit of {} (--max-processes); a fork loop, or raise the limit",
          name, processes(run.processes_at_stop), options.max_processes);
      return verdict;
    case StopReason::timeout: {
      verdict.outcome = Outcome::timeout;
      verdict.exit_code = exit_code::kTimeout;
      const std::string killed =
          run.processes_needing_sigkill == 0
              ? std::string{}
              : fmt::format(", {} ignored it and got SIGKILL after the {} grace", run.processes_needing_sigkill,
                            format_seconds(options.grace));
      const std::string after = format_seconds(options.timeout.value_or(std::chrono::nanoseconds{0}));
      const double wall_seconds = to_seconds(run.wall_time);
      if (run.cpu_wait_seconds && is_starved(*run.cpu_wait_seconds, wall_seconds, run.cpu_seconds, options.cpus_reserved)) {
        // Not a hang: the test wanted to run and the machine's CPUs were busy with others. The wait
        // sums every thread's: above the wall time, only several threads can have waited it.
        const double waited = *run.cpu_wait_seconds;
        const std::string wait_text =
            waited <= wall_seconds
                ? fmt::format("it waited {:.1f} s ({:.0f}% of its time)", waited, 100.0 * waited / wall_seconds)
                : fmt::format("its threads waited {:.1f} s ({:.1f} times its time)", waited, waited / wall_seconds);
        verdict.diagnosis = fmt::format(
            "mmtest: {} timed out after {}{}, starved of CPU: {} for a CPU that other processes held; sent SIGTERM "
            "to {}{}{}; run fewer tests at once (ctest -j, PROCESSORS, MMTEST_CPU_BUDGET) rather than raising its "
            "TIMEOUT",
            name, after, while_running(run.cases), wait_text, processes(run.processes_at_stop), killed,
            biggest_growth_clause(run.cases, run.memory_at_stop_bytes));
        return verdict;
      }
      verdict.diagnosis = fmt::format(
          "mmtest: {} timed out after {}{}: sent SIGTERM to {}{}{}; raise its TIMEOUT (--timeout) or find the hang",
          name, after, while_running(run.cases), processes(run.processes_at_stop), killed,
          biggest_growth_clause(run.cases, run.memory_at_stop_bytes));
      return verdict;
    }
    case StopReason::interrupted: {
      const int signal_number = run.launcher_signal.value_or(SIGTERM);
      verdict.outcome = Outcome::interrupted;
      verdict.reraise_signal = signal_number;
      verdict.diagnosis = fmt::format(
          "mmtest: {} interrupted{}: mmtest-run received {} after {}; stopped {} (ctest's own timeout or Ctrl-C?){}",
          name, while_running(run.cases), signal_name(signal_number), format_seconds(run.wall_time),
          processes(run.processes_at_stop), biggest_growth_clause(run.cases, run.memory_at_stop_bytes));
      return verdict;
    }
    case StopReason::none:
      break;
  }

  if (run.term_signal) {
    verdict.outcome = Outcome::signal;
    verdict.reraise_signal = *run.term_signal;
    std::string hint;
    if (*run.term_signal == SIGKILL) {
      hint = fmt::format("; mmtest did not send it: likely the kernel OOM killer (peak {})", format_bytes(run.peak_memory_bytes));
    }
    verdict.diagnosis = fmt::format("mmtest: {} died of signal {}{}{}{}{}{}", name, describe_signal(*run.term_signal),
                                    while_running(run.cases), hint, over_budget_clause(run, options), leak_clause(run),
                                    biggest_growth_clause(run.cases, std::nullopt));
    return verdict;
  }
  if (!run.exit_code) {
    verdict.outcome = Outcome::harness_error;
    verdict.exit_code = exit_code::kUsage;
    verdict.diagnosis = fmt::format("mmtest: {} result unknown: mmtest-run could not reap its main process", name);
    return verdict;
  }
  const int code = *run.exit_code;
  // The skip code is a verdict of the test, like 0: a memory budget or a leak still wins over it.
  const bool exited_skipped = options.skip_code && code == *options.skip_code;
  if (code != 0 && !exited_skipped) {
    verdict.outcome = Outcome::failed;
    verdict.exit_code = code;
    if (const auto& guard = run.cases.guard) {
      // The listener's memory guard stopped the program before the budget could be reached.
      verdict.diagnosis = fmt::format(
          "mmtest: {} failed with exit code {}{}: its memory guard stopped it at {}, over its binary limit {}{}{}{}; "
          "free what its test cases keep, or raise its MEMORY (--memory)",
          name, code, while_running(run.cases), format_bytes(guard->rss_bytes), format_bytes(guard->limit_bytes),
          over_budget_clause(run, options), leak_clause(run), biggest_growth_clause(run.cases, std::nullopt));
      return verdict;
    }
    verdict.diagnosis = fmt::format("mmtest: {} failed with exit code {}{}{}{}{}", name, code, while_running(run.cases),
                                    over_budget_clause(run, options), leak_clause(run),
                                    biggest_growth_clause(run.cases, std::nullopt));
    return verdict;
  }
  if (peak_over_budget(run, options)) {
    verdict.outcome = Outcome::memory;
    verdict.exit_code = exit_code::kMemory;
    verdict.diagnosis = fmt::format(
        "mmtest: {} exceeded its memory budget: peak {} ({}) over budget {}{}{}; raise its MEMORY (--memory) or shrink "
        "what it holds",
        name, format_bytes(run.peak_memory_bytes), peak_origin(run.peak_memory_source),
        format_bytes(*options.memory_limit_bytes), leak_clause(run), biggest_growth_clause(run.cases, std::nullopt));
    return verdict;
  }
  if (!run.leaked.empty() && !options.allow_leaks) {
    verdict.outcome = Outcome::leaked;
    verdict.exit_code = exit_code::kLeaked;
    verdict.diagnosis = fmt::format(
        "mmtest: {} leaked {}: {}; killed them. Wait for child processes before exiting, or allow it with "
        "ALLOW_LEAKS (--allow-leaks)",
        name, processes(run.leaked.size()), list_leaks(run.leaked));
    return verdict;
  }
  // A skip is told to CTest by exit code (SKIP_RETURN_CODE), never by matching output: a test killed
  // for memory that printed "[  SKIPPED ]" must not pass for a skip. Without --skip-code, a
  // GoogleTest run that skipped everything exits 0 as it did.
  if (exited_skipped || run.reported_all_skipped) {
    verdict.outcome = Outcome::skipped;
    if (options.skip_code) verdict.exit_code = *options.skip_code;
  }
  return verdict;
}

Verdict harness_error(const Options& options, int exit_code, std::string_view message) {
  Verdict verdict;
  verdict.outcome = Outcome::harness_error;
  verdict.exit_code = exit_code;
  verdict.diagnosis = fmt::format("mmtest: {} not run: {}", options.name, message);
  return verdict;
}

int reported_exit_status(const Verdict& verdict) {
  return verdict.reraise_signal ? 128 + *verdict.reraise_signal : verdict.exit_code;
}

}  // namespace mmtest::run
