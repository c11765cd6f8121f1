// The terminal summary: failures and their one-line causes first, then the tables, in 80 columns.
#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join: in <fmt/format.h> up to fmt 10, only here from fmt 11

#include "mmtest/plan/cpu_demand.hpp"
#include "mmtest/tool/output.hpp"
#include "mmtest/tool/render.hpp"

namespace mmtest::tool {
namespace {

constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";

// Counts characters, not bytes, so that UTF-8 names are cut at a character.
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::ranges::count_if(text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The end of a long name matters most (test.suite.case): keep it, mark the cut with "...".
std::string fit(std::string_view text, std::size_t width) {
  std::string clean;
  for (char c : text) clean += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (display_width(clean) <= width) return clean + std::string(width - display_width(clean), ' ');
  std::size_t cut = clean.size();
  std::size_t kept = 0;
  while (cut > 0 && kept < width - 3) {
    --cut;
    if ((static_cast<unsigned char>(clean[cut]) & 0xC0) != 0x80) ++kept;
  }
  return "..." + clean.substr(cut);
}

// Wraps at spaces into lines of at most `width` characters, each after `indent`.
std::string wrap(std::string_view text, std::size_t indent, std::size_t width) {
  std::string out;
  std::string line;
  const std::string pad(indent, ' ');
  const std::size_t room = width > indent + 20 ? width - indent : 20;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    start = end + 1;
    while (display_width(word) > room) {  // a word longer than a line: cut it
      if (!line.empty()) {
        out += pad + line + "\n";
        line.clear();
      }
      out += pad + std::string(word.substr(0, room)) + "\n";
      word.remove_prefix(room);
    }
    if (!line.empty() && display_width(line) + 1 + display_width(word) > room) {
      out += pad + line + "\n";
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty()) out += pad + line + "\n";
  return out;
}

class Writer {
 public:
  explicit Writer(const TerminalStyle& style) : style_(style) {}
  std::string paint(std::string_view colour, std::string_view text) const {
    if (!style_.color) return std::string(text);
    return fmt::format("{}{}{}", colour, text, kReset);
  }
  void heading(std::string_view text) { out_ += fmt::format("\n{}\n", paint(kBold, text)); }
  void line(std::string_view text) {
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    out_ += fmt::format("{}\n", text);
  }
  std::string& text() { return out_; }

 private:
  const TerminalStyle& style_;
  std::string out_;
};

std::string seconds(double value) {
  if (value >= 100) return fmt::format("{:.0f} s", value);
  if (value >= 10) return fmt::format("{:.1f} s", value);
  return fmt::format("{:.2f} s", value);
}

std::string limit_of(const record::Record& record) {
  return record.memory_limit_bytes ? mib(*record.memory_limit_bytes) : std::string("-");
}

}  // namespace

std::string render_terminal(const RunModel& model, const TerminalStyle& style) {
  Writer w(style);
  const std::size_t name_width = style.width >= 80 ? style.width - 45 : 35;

  // ---- what was read ----
  std::vector<std::string> sources;
  for (const Input& input : model.inputs) sources.push_back(input.given.string());
  w.line(fmt::format("mmtest report: {} test{}, the run took {}", model.tests.size(), model.tests.size() == 1 ? "" : "s",
                     seconds(model.run_seconds)));
  for (const std::string& source : sources) w.line(fmt::format("  from {}", fit(source, style.width - 7)));
  std::vector<std::string> counts;
  for (const auto& [outcome, count] : model.outcome_counts()) {
    const bool good = outcome == "passed" || outcome == "skipped";
    counts.push_back(w.paint(good ? kGreen : kRed, fmt::format("{} {}", count, outcome)));
  }
  if (!counts.empty()) w.line(fmt::format("  {}", fmt::join(counts, ", ")));
  if (model.duplicates > 0) {
    w.line(fmt::format("  {} record{} of a test already read counted once (the latest kept)", model.duplicates,
                       model.duplicates == 1 ? "" : "s"));
  }
  for (const std::string& folder : model.unreadable_folders) w.text() += wrap(folder, 2, style.width);
  for (const std::string& problem : model.problems) w.text() += wrap("skipped record: " + problem, 2, style.width);

  // ---- failures first ----
  std::vector<const TestResult*> failures;
  for (const TestResult& test : model.tests) {
    if (test.failed()) failures.push_back(&test);
  }
  if (!failures.empty()) {
    w.heading(w.paint(kRed, fmt::format("Failures ({})", failures.size())));
    for (const TestResult* test : failures) {
      w.line(fmt::format("  {} {}", w.paint(kRed, fmt::format("{:<13}", test->record.outcome)), fit(test->record.name, style.width - 18)));
      const std::string cause = test->record.diagnosis.value_or(
          test->record.exit_code ? fmt::format("exit code {}", *test->record.exit_code) : std::string("no diagnosis"));
      w.text() += wrap(cause, 4, style.width);
      if (const std::string cases = failed_cases_summary(test->record); !cases.empty()) w.text() += wrap(cases, 4, style.width);
      if (!test->earlier_attempts.empty()) w.text() += wrap(attempt_summary(*test), 4, style.width);
    }
  }

  // ---- flaky: failed, then passed, within one ctest run (--repeat until-pass) ----
  std::vector<const TestResult*> flaky;
  for (const TestResult& test : model.tests) {
    if (test.flaky()) flaky.push_back(&test);
  }
  if (!flaky.empty()) {
    w.heading(w.paint(kYellow, fmt::format("Flaky ({})", flaky.size())));
    for (const TestResult* test : flaky) {
      w.line(fmt::format("  {}", fit(test->record.name, style.width - 2)));
      w.text() += wrap("flaky: " + attempt_summary(*test), 4, style.width);
    }
  }

  // ---- regressions ----
  std::vector<const TestResult*> grown;
  for (const TestResult& test : model.tests) {
    if (!test.regressions.empty()) grown.push_back(&test);
  }
  if (!grown.empty()) {
    w.heading(w.paint(kYellow, fmt::format("Grown against history ({})", grown.size())));
    for (const TestResult* test : grown) {
      for (const Regression& regression : test->regressions) {
        const std::string now = regression.what == "memory" ? mib(static_cast<std::uint64_t>(regression.current)) : seconds(regression.current);
        const std::string before = regression.what == "memory" ? mib(static_cast<std::uint64_t>(regression.baseline)) : seconds(regression.baseline);
        w.line(fmt::format("  {} {:<6} {} (median {} over {} runs, {:+.0f}%)", fit(test->record.name, name_width - 8),
                           regression.what, now, before, regression.earlier_runs,
                           regression.baseline > 0 ? (regression.current / regression.baseline - 1) * 100 : 0.0));
      }
    }
  }

  // ---- tables ----
  const auto table = [&](std::string_view title, const std::vector<std::size_t>& rows) {
    if (rows.empty()) return;
    w.heading(title);
    w.line(fmt::format("  {} {:>11} {:>11} {:>9}  {}", fit("test", name_width), "peak", "MEMORY", "wall", "outcome"));
    for (const std::size_t i : rows) {
      const record::Record& record = model.tests[i].record;
      w.line(fmt::format("  {} {:>11} {:>11} {:>9}  {}", fit(record.name, name_width), mib(record.peak_memory_bytes),
                         limit_of(record), seconds(record.wall_seconds), record.outcome.substr(0, 7)));
    }
  };
  table("Most memory", model.top_by_memory(style.top));
  table("Longest", model.top_by_wall(style.top));

  // ---- declarations ----
  const auto declarations = [&](std::string_view title, MemoryFit wanted, bool largest_waste_first) {
    std::vector<const TestResult*> rows;
    for (const TestResult& test : model.tests) {
      if (test.fit == wanted) rows.push_back(&test);
    }
    if (rows.empty()) return;
    std::ranges::stable_sort(rows, [&](const TestResult* a, const TestResult* b) {
      const auto key = [&](const TestResult* t) {
        const auto limit = static_cast<double>(t->record.memory_limit_bytes.value_or(0));
        const auto peak = static_cast<double>(t->record.peak_memory_bytes);
        return largest_waste_first ? limit - peak : peak / std::max(limit, 1.0);
      };
      return key(a) > key(b);
    });
    w.heading(fmt::format("{} ({})", title, rows.size()));
    w.line(fmt::format("  {} {:>11} {:>11} {:>9}", fit("test", name_width), "peak", "MEMORY", "suggest"));
    for (std::size_t i = 0; i < rows.size() && i < style.list; ++i) {
      const record::Record& record = rows[i]->record;
      w.line(fmt::format("  {} {:>11} {:>11} {:>9}", fit(record.name, name_width), mib(record.peak_memory_bytes),
                         limit_of(record), cmake_size(rows[i]->suggested_memory_bytes.value_or(0))));
    }
    if (rows.size() > style.list) w.line(fmt::format("  ... and {} more", rows.size() - style.list));
  };
  declarations("MEMORY exceeded", MemoryFit::over, false);
  declarations("MEMORY nearly used (peak at least 90%)", MemoryFit::close, false);
  declarations("MEMORY oversized (peak under a third)", MemoryFit::oversized, true);
  declarations("MEMORY not declared (a default applied; declare the suggestion)", MemoryFit::defaulted, true);

  // ---- CPUs: used beyond what was held, held and not used ----
  const auto cpu_findings = [&](std::string_view title, CpuFit wanted) {
    std::vector<const TestResult*> rows;
    for (const TestResult& test : model.tests) {
      if (test.cpu.fit == wanted) rows.push_back(&test);
    }
    if (rows.empty()) return false;
    // The most CPU taken from others, or the most held in vain, first.
    std::ranges::stable_sort(rows, [](const TestResult* a, const TestResult* b) {
      const auto key = [](const TestResult* t) {
        const double held = t->cpu.held.value_or(0);
        return t->cpu.fit == CpuFit::over ? t->cpu.mean - held : (held - t->cpu.mean) * t->record.wall_seconds;
      };
      return key(a) > key(b);
    });
    w.heading(fmt::format("{} ({})", title, rows.size()));
    for (std::size_t i = 0; i < rows.size() && i < style.list; ++i) {
      const TestResult& test = *rows[i];
      w.line(fmt::format("  {}", fit(test.record.name, style.width - 2)));
      std::string text = test.cpu.finding;
      if (test.cpu.suggested_tenths) text += fmt::format("; PROCESSORS {}", plan::format_cpu_tenths(*test.cpu.suggested_tenths));
      w.text() += wrap(text, 4, style.width);
    }
    if (rows.size() > style.list) w.line(fmt::format("  ... and {} more", rows.size() - style.list));
    return true;
  };
  const bool over = cpu_findings("CPUs used beyond those held (demand above held + 0.25)", CpuFit::over);
  const bool idle = cpu_findings("CPUs held and not used (demand under a quarter of them)", CpuFit::idle);
  if (over || idle) w.text() += wrap(std::string(kCpuFindingFix) + ".", 2, style.width);

  // ---- leaked processes ----
  std::vector<const TestResult*> leakers;
  for (const TestResult& test : model.tests) {
    if (!test.record.leaked_processes.empty()) leakers.push_back(&test);
  }
  if (!leakers.empty()) {
    w.heading(fmt::format("Leaked processes ({} test{})", leakers.size(), leakers.size() == 1 ? "" : "s"));
    for (const TestResult* test : leakers) {
      std::vector<std::string> processes;
      for (const record::RecordedProcess& process : test->record.leaked_processes) {
        processes.push_back(fmt::format("{} (pid {})", process.command.empty() ? "?" : process.command, process.pid));
      }
      w.line(fmt::format("  {}", fit(test->record.name, style.width - 2)));
      w.text() += wrap(fmt::format("{}", fmt::join(processes, ", ")), 4, style.width);
    }
  }

  // ---- the run against the budget ----
  w.heading("Memory of the run");
  const std::string budget = model.budget_bytes ? mib(*model.budget_bytes) : std::string("unknown");
  w.line(fmt::format("  declared peak {} at {:.1f} s; measured peak {} at {:.1f} s", mib(model.peak_declared.declared_bytes),
                     model.peak_declared.seconds, mib(model.peak_measured.measured_bytes), model.peak_measured.seconds));
  if (model.budget_bytes) {
    const double share = static_cast<double>(model.peak_declared.declared_bytes) / static_cast<double>(*model.budget_bytes);
    w.line(fmt::format("  budget {} (declared peak {:.0f}% of it)", budget, share * 100));
  } else {
    w.line("  budget unknown (no resource spec in the build tree; --budget SIZE sets it)");
  }
  return w.text();
}

}  // namespace mmtest::tool
