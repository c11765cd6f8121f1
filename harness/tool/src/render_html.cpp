// One self-contained HTML page (no network: no external script, style sheet or font). The tables
// are written here, every text through escape(); the run's data sits in the page as JSON, and a
// small script draws the timeline and the stacked memory from it, putting names into the page
// only as text (textContent), never as markup.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join: in <fmt/format.h> up to fmt 10, only here from fmt 11
#include <nlohmann/json.hpp>

#include "mmtest/plan/cpu_demand.hpp"
#include "mmtest/tool/output.hpp"
#include "mmtest/tool/render.hpp"

namespace mmtest::tool {
namespace {

// The one escaping function of the page: text into element content or a quoted attribute.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside <script type="application/json">: "<" only ever appears within strings there, and
// written as \u003c it cannot close the element or open a comment.
std::string script_safe_json(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

std::string seconds(double value) { return fmt::format("{:.2f} s", value); }

// "1.08 / 2.01 / 1": the CPUs a test kept busy on average, at its peak, and held ("-": unknown).
std::string cpu_figures(const CpuJudgement& cpu) {
  const std::string peak = cpu.peak ? fmt::format("{:.2f}", *cpu.peak) : "-";
  const std::string held = cpu.held ? held_cpus_text(*cpu.held) : "-";
  return fmt::format("{:.2f} / {} / {}", cpu.mean, peak, held);
}

// One colour per outcome, for the legend here and the bars the script draws (fixed, so that a
// screenshot can be checked).
const char* colour_of(std::string_view outcome) {
  static constexpr std::pair<std::string_view, const char*> kColours[] = {
      {"passed", "#2e7d32"}, {"skipped", "#9e9e9e"},       {"failed", "#c62828"}, {"signal", "#ad1457"},
      {"timeout", "#ef6c00"}, {"memory", "#6a1b9a"},       {"process-limit", "#4e342e"},
      {"leaked", "#f9a825"},  {"interrupted", "#546e7a"}, {"harness-error", "#000000"}};
  for (const auto& [name, colour] : kColours) {
    if (name == outcome) return colour;
  }
  return "#000000";
}

nlohmann::json page_data(const RunModel& model) {
  using nlohmann::json;
  json tests = json::array();
  for (const TestResult& test : model.tests) {
    const record::Record& record = test.record;
    json steps = json::array();
    for (const auto& [at, bytes] : memory_steps(record)) steps.push_back(json::array({at, bytes}));
    tests.push_back({{"name", record.name},
                     {"outcome", record.outcome},
                     {"start", test.start_seconds},
                     {"end", test.end_seconds},
                     {"lane", test.lane},
                     {"peak", record.peak_memory_bytes},
                     {"limit", record.memory_limit_bytes ? json(*record.memory_limit_bytes) : json(nullptr)},
                     {"diagnosis", record.diagnosis ? json(*record.diagnosis) : json(nullptr)},
                     {"cpu_mean", test.cpu.mean},
                     {"cpu_peak", test.cpu.peak ? json(*test.cpu.peak) : json(nullptr)},
                     {"cpus_reserved", test.cpu.held ? json(*test.cpu.held) : json(nullptr)},
                     {"cpu_finding", test.cpu.finding.empty() ? json(nullptr) : json(test.cpu.finding)},
                     {"steps", std::move(steps)}});
  }
  json colours = json::object();
  for (const char* outcome : kOutcomes) colours[outcome] = colour_of(outcome);
  return {{"tests", std::move(tests)},
          {"colours", colours},
          {"lanes", model.lanes},
          {"run_seconds", model.run_seconds},
          {"budget", model.budget_bytes ? json(*model.budget_bytes) : json(nullptr)},
          {"peak_declared", model.peak_declared.declared_bytes},
          {"peak_measured", model.peak_measured.measured_bytes}};
}

constexpr const char* kStyle = R"css(
body { font: 14px/1.4 sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #ddd; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.failed { color: #b71c1c; } .passed { color: #1b5e20; }  /* not the chart's colours */
canvas { display: block; border: 1px solid #ccc; margin: 6px 0; }
#tip { position: fixed; display: none; background: #fffbe6; border: 1px solid #999; padding: 4px 8px;
       max-width: 560px; white-space: pre-wrap; pointer-events: none; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
)css";

// Draws from the JSON above it. Colours are fixed per outcome so that a screenshot can be checked.
constexpr const char* kScript = R"js(
(function () {
  var data = JSON.parse(document.getElementById('mmtest-data').textContent);
  function colour(outcome) { return data.colours[outcome] || '#000000'; }
  function mib(bytes) { return (bytes / 1048576).toFixed(1) + ' MiB'; }
  var run = Math.max(data.run_seconds, 0.001);
  var width = 1000, left = 60;

  var timeline = document.getElementById('timeline');
  var row = 14, lanes = Math.max(data.lanes, 1);
  timeline.width = width + left; timeline.height = lanes * row + 20;
  var t = timeline.getContext('2d');
  t.fillStyle = '#ffffff'; t.fillRect(0, 0, timeline.width, timeline.height);
  var boxes = [];
  data.tests.forEach(function (test) {
    var x = left + test.start / run * width;
    var w = Math.max((test.end - test.start) / run * width, 2);
    var y = test.lane * row + 2;
    t.fillStyle = colour(test.outcome);
    t.fillRect(x, y, w, row - 3);
    boxes.push({ x: x, y: y, w: w, h: row - 3, test: test });
  });
  t.fillStyle = '#222'; t.font = '11px sans-serif';
  t.fillText('0 s', left, lanes * row + 14);
  t.fillText(run.toFixed(1) + ' s', left + width - 40, lanes * row + 14);

  var memory = document.getElementById('memory');
  var height = 240, top = 10;
  memory.width = width + left; memory.height = height + top + 20;
  var m = memory.getContext('2d');
  m.fillStyle = '#ffffff'; m.fillRect(0, 0, memory.width, memory.height);
  var scale = Math.max(data.budget || 0, data.peak_measured, data.peak_declared, 1) * 1.05;
  function valueAt(test, at) {
    if (at < test.start || at >= test.end) return 0;
    var offset = at - test.start, value = 0;
    for (var i = 0; i < test.steps.length && test.steps[i][0] <= offset; i++) value = test.steps[i][1];
    return value;
  }
  for (var column = 0; column < width; column++) {
    var at = (column + 0.5) / width * run, stacked = 0;
    data.tests.forEach(function (test, index) {
      var value = valueAt(test, at);
      if (value <= 0) return;
      var y0 = top + height - stacked / scale * height;
      stacked += value;
      var y1 = top + height - stacked / scale * height;
      m.fillStyle = index % 2 ? '#1565c0' : '#42a5f5';
      m.fillRect(left + column, y1, 1, y0 - y1);
    });
  }
  if (data.budget) {
    var by = top + height - data.budget / scale * height;
    m.strokeStyle = '#c62828'; m.lineWidth = 2; m.setLineDash([6, 4]);
    m.beginPath(); m.moveTo(left, by); m.lineTo(left + width, by); m.stroke();
    m.fillStyle = '#c62828'; m.font = '11px sans-serif'; m.fillText('budget ' + mib(data.budget), left + 4, by - 4);
  }
  m.fillStyle = '#222'; m.font = '11px sans-serif';
  m.fillText(mib(scale), 2, top + 10); m.fillText('0', 2, top + height);

  var tip = document.getElementById('tip');
  timeline.addEventListener('mousemove', function (event) {
    var rect = timeline.getBoundingClientRect(), x = event.clientX - rect.left, y = event.clientY - rect.top;
    var hit = boxes.find(function (b) { return x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h; });
    if (!hit) { tip.style.display = 'none'; return; }
    var s = hit.test;
    tip.textContent = s.name + '\n' + s.outcome + ', ' + (s.end - s.start).toFixed(2) + ' s, peak ' + mib(s.peak) +
      (s.limit ? ' of ' + mib(s.limit) : '') + '\nCPUs ' + s.cpu_mean.toFixed(2) + ' on average' +
      (s.cpu_peak !== null ? ', peak ' + s.cpu_peak.toFixed(2) : '') +
      (s.cpus_reserved !== null ? ', held ' + s.cpus_reserved : '') +
      (s.cpu_finding ? '\n' + s.cpu_finding : '') + (s.diagnosis ? '\n' + s.diagnosis : '');
    tip.style.left = (event.clientX + 12) + 'px'; tip.style.top = (event.clientY + 12) + 'px';
    tip.style.display = 'block';
  });
  timeline.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  document.body.setAttribute('data-drawn', String(data.tests.length));
})();
)js";

void table_header(std::string& html, std::initializer_list<const char*> columns) {
  html += "<table><tr>";
  for (const char* column : columns) html += fmt::format("<th>{}</th>", column);
  html += "</tr>\n";
}

}  // namespace

std::string render_html(const RunModel& model) {
  std::string html;
  html += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>mmtest report</title>\n<style>";
  html += kStyle;
  html += "</style></head><body>\n<h1>mmtest report</h1>\n<p>";
  std::vector<std::string> counts;
  for (const auto& [outcome, count] : model.outcome_counts()) {
    const bool good = outcome == "passed" || outcome == "skipped";
    counts.push_back(fmt::format("<span class=\"{}\">{} {}</span>", good ? "passed" : "failed", count, escape(outcome)));
  }
  html += fmt::format("{} tests, {}; the run took {}.", model.tests.size(), fmt::join(counts, ", "), seconds(model.run_seconds));
  if (model.budget_bytes) html += fmt::format(" Memory budget {}.", escape(mib(*model.budget_bytes)));
  html += fmt::format(" Most memory at once: declared {}, measured {}.</p>\n", escape(mib(model.peak_declared.declared_bytes)),
                      escape(mib(model.peak_measured.measured_bytes)));

  html += "<h2>Timeline</h2>\n<p class=\"legend\">";
  for (const char* outcome : kOutcomes) {
    html += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", colour_of(outcome), escape(outcome));
  }
  html += "</p>\n<canvas id=\"timeline\"></canvas>\n";
  html += "<h2>Memory of the running tests (stacked) against the budget</h2>\n<canvas id=\"memory\"></canvas>\n";

  std::vector<const TestResult*> failures;
  for (const TestResult& test : model.tests) {
    if (test.failed()) failures.push_back(&test);
  }
  if (!failures.empty()) {
    html += fmt::format("<h2>Failures ({})</h2>\n", failures.size());
    table_header(html, {"test", "outcome", "diagnosis"});
    for (const TestResult* test : failures) {
      std::string cause = escape(test->record.diagnosis.value_or(""));
      if (const std::string cases = failed_cases_summary(test->record); !cases.empty()) cause += "<br>" + escape(cases);
      html += fmt::format("<tr><td>{}</td><td class=\"failed\">{}</td><td>{}</td></tr>\n", escape(test->record.name),
                          escape(test->record.outcome), cause);
    }
    html += "</table>\n";
  }

  std::vector<const TestResult*> flaky;
  for (const TestResult& test : model.tests) {
    if (test.flaky()) flaky.push_back(&test);
  }
  if (!flaky.empty()) {
    html += fmt::format("<h2>Flaky ({})</h2>\n", flaky.size());
    table_header(html, {"test", "attempts", "why the failed attempts failed"});
    for (const TestResult* test : flaky) {
      html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n", escape(test->record.name),
                          test->earlier_attempts.size() + 1, escape(attempt_summary(*test)));
    }
    html += "</table>\n";
  }

  std::vector<const TestResult*> grown;
  for (const TestResult& test : model.tests) {
    if (!test.regressions.empty()) grown.push_back(&test);
  }
  if (!grown.empty()) {
    html += fmt::format("<h2>Grown against history ({})</h2>\n", grown.size());
    table_header(html, {"test", "what", "now", "median before", "runs"});
    for (const TestResult* test : grown) {
      for (const Regression& regression : test->regressions) {
        const bool memory = regression.what == "memory";
        html += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                            escape(test->record.name), escape(regression.what),
                            escape(memory ? mib(static_cast<std::uint64_t>(regression.current)) : seconds(regression.current)),
                            escape(memory ? mib(static_cast<std::uint64_t>(regression.baseline)) : seconds(regression.baseline)),
                            regression.earlier_runs);
      }
    }
    html += "</table>\n";
  }

  const auto figures_table = [&](std::string_view title, const std::vector<std::size_t>& rows) {
    html += fmt::format("<h2>{}</h2>\n", escape(title));
    table_header(html, {"test", "outcome", "peak", "MEMORY", "suggested", "CPUs mean / peak / held", "wall"});
    for (const std::size_t i : rows) {
      const TestResult& test = model.tests[i];
      const record::Record& record = test.record;
      html += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                          escape(record.name), escape(record.outcome), escape(mib(record.peak_memory_bytes)),
                          escape(record.memory_limit_bytes
                                     ? mib(*record.memory_limit_bytes) + (record.memory_declared ? "" : " (default)")
                                     : "-"),
                          escape(test.suggested_memory_bytes ? cmake_size(*test.suggested_memory_bytes) : ""),
                          escape(cpu_figures(test.cpu)), escape(seconds(record.wall_seconds)));
    }
    html += "</table>\n";
  };
  figures_table("Most memory", model.top_by_memory(20));
  figures_table("Longest", model.top_by_wall(20));
  // A declaration that is wrong, apart from one that is missing (a default applied).
  std::vector<std::size_t> misdeclared, undeclared;
  for (std::size_t i = 0; i < model.tests.size(); ++i) {
    if (!model.tests[i].suggested_memory_bytes) continue;
    (model.tests[i].fit == MemoryFit::defaulted ? undeclared : misdeclared).push_back(i);
  }
  if (!misdeclared.empty()) figures_table("MEMORY to change (exceeded, nearly used, or under a third used)", misdeclared);
  if (!undeclared.empty()) figures_table("MEMORY not declared (a default applied)", undeclared);

  // CPUs used beyond those held, then held and not used: each with its finding and PROCESSORS.
  bool cpu_findings = false;
  for (const auto& [wanted, title] : {std::pair{CpuFit::over, "CPUs used beyond those held"},
                                      std::pair{CpuFit::idle, "CPUs held and not used"}}) {
    std::vector<const TestResult*> rows;
    for (const TestResult& test : model.tests) {
      if (test.cpu.fit == wanted) rows.push_back(&test);
    }
    if (rows.empty()) continue;
    cpu_findings = true;
    html += fmt::format("<h2>{} ({})</h2>\n", title, rows.size());
    table_header(html, {"test", "CPUs mean / peak / held", "suggested PROCESSORS", "finding"});
    for (const TestResult* test : rows) {
      html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
                          escape(test->record.name), escape(cpu_figures(test->cpu)),
                          escape(test->cpu.suggested_tenths ? plan::format_cpu_tenths(*test->cpu.suggested_tenths) : ""),
                          escape(test->cpu.finding));
    }
    html += "</table>\n";
  }
  if (cpu_findings) html += fmt::format("<p>{}.</p>\n", escape(kCpuFindingFix));

  std::vector<const TestResult*> leakers;
  for (const TestResult& test : model.tests) {
    if (!test.record.leaked_processes.empty()) leakers.push_back(&test);
  }
  if (!leakers.empty()) {
    html += "<h2>Leaked processes</h2>\n";
    table_header(html, {"test", "processes"});
    for (const TestResult* test : leakers) {
      std::vector<std::string> processes;
      for (const record::RecordedProcess& process : test->record.leaked_processes) {
        processes.push_back(escape(fmt::format("{} (pid {})", process.command, process.pid)));
      }
      html += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", escape(test->record.name), fmt::join(processes, ", "));
    }
    html += "</table>\n";
  }

  html += "<div id=\"tip\"></div>\n<script type=\"application/json\" id=\"mmtest-data\">";
  html += script_safe_json(page_data(model));
  html += "</script>\n<script>";
  html += kScript;
  html += "</script>\n</body></html>\n";
  return html;
}

}  // namespace mmtest::tool
