// Black-box tests of the built `mmtest` tool over real ctest runs of a fixture project whose tests
// run under the real mmtest-run: the report's figures against the records, the history across
// runs, the exit-code contract, and the real promtool and Pushgateway.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <pugixml.hpp>
#include <regex>

#include "../launcher/support.hpp"
#include "mmtest/tool/history.hpp"

namespace mmtest::launcher_test {
namespace {

using nlohmann::json;

const std::string kTool = MMTEST_TOOL_PATH;
const std::string kModule = MMTEST_MODULE_PATH;
const std::string kCMake = CMAKE_COMMAND_PATH;
const std::string kCTest = CTEST_COMMAND_PATH;

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A project of mmtest tests played by the helper: one passes light and declares no MEMORY (the
// 256M default applies), one holds memory, one declares far too much, one is killed for memory,
// one fails, one grows when GROW_MIB grows.
// The small ones declare 64M, not less: a sanitized mmtest-run's 33 MiB image counts in the
// test's peak (docs/launcher.md, the record), and only hog may exceed its MEMORY.
std::string fixture_project() {
  return R"cmake(
cmake_minimum_required(VERSION 3.25)
project(report_fixture NONE)
enable_testing()
include("${MMTEST_MODULE}")
set(GROW_MIB 20 CACHE STRING "")
add_mm_test(NAME light COMMAND "${HELPER}" sleep --tag "${TAG}" --ms 200 LABELS unit)
add_mm_test(NAME holder COMMAND "${HELPER}" hog --tag "${TAG}" --mib 40 --hold-ms 400 MEMORY 64M LABELS unit)
add_mm_test(NAME oversized COMMAND "${HELPER}" sleep --tag "${TAG}" --ms 100 MEMORY 512M LABELS unit)
add_mm_test(NAME hog COMMAND "${HELPER}" hog --tag "${TAG}" --mib 200 --hold-ms 2000 MEMORY 64M LABELS unit)
add_mm_test(NAME fails COMMAND "${HELPER}" exit --tag "${TAG}" --code 3 MEMORY 64M LABELS unit)
add_mm_test(NAME grower COMMAND "${HELPER}" hog --tag "${TAG}" --mib ${GROW_MIB} --hold-ms 300 MEMORY 256M LABELS unit)
if(WITH_PINNED)
  add_mm_test(NAME pinned COMMAND "${HELPER}" sleep --tag "${TAG}" --ms 50 MEMORY 96M TIMEOUT 40 LABELS unit NO_CALIBRATION)
endif()
if(WITH_FLAKY)
  # Fails (exit 3) the first time it runs in the build tree, passes afterwards.
  file(WRITE "${CMAKE_BINARY_DIR}/flaky.sh" "test -e flaky.marker && exit 0\ntouch flaky.marker\nexit 3\n")
  add_mm_test(NAME flaky COMMAND sh "${CMAKE_BINARY_DIR}/flaky.sh" MEMORY 64M LABELS unit)
  # Times out (mmtest-run's TIMEOUT 1) the first time, then passes at once.
  file(WRITE "${CMAKE_BINARY_DIR}/slow_once.sh"
    "test -e slow.marker && exit 0\ntouch slow.marker\nexec \"$1\" sleep --tag \"$2\" --ms 30000\n")
  add_mm_test(NAME slow_once COMMAND sh "${CMAKE_BINARY_DIR}/slow_once.sh" "${HELPER}" "${TAG}" TIMEOUT 1 MEMORY 64M LABELS unit)
  # Holds 200 MiB under MEMORY 64M the first time (killed for memory), then passes at once.
  file(WRITE "${CMAKE_BINARY_DIR}/hog_once.sh"
    "test -e hog.marker && exit 0\ntouch hog.marker\nexec \"$1\" hog --tag \"$2\" --mib 200 --hold-ms 5000\n")
  add_mm_test(NAME hog_once COMMAND sh "${CMAKE_BINARY_DIR}/hog_once.sh" "${HELPER}" "${TAG}" MEMORY 64M LABELS unit)
endif()
)cmake";
}

class Tool : public LauncherTest {
 protected:
  Tool() {
    write_file(source_ / "CMakeLists.txt", fixture_project());
    configure({});
  }
  // Every helper the fixture's tests ran carries this test's tag: none may outlive its launcher.
  void TearDown() override { expect_no_survivors(); }

  std::filesystem::path source_ = dir_ / "src";
  std::filesystem::path build_ = dir_ / "build";

  void configure(const std::vector<std::string>& definitions) {
    std::vector<std::string> argv{kCMake, "-S", source_, "-B", build_, "-DMMTEST_MODULE=" + kModule,
                                  "-DMMTEST_RUN=" + kLauncher, "-DHELPER=" + kHelper, "-DTAG=" + tag_};
    argv.insert(argv.end(), definitions.begin(), definitions.end());
    const RunResult configured = run(argv);
    ASSERT_TRUE(configured.status.exited_with(0)) << configured.out << configured.err;
  }

  RunResult ctest(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{kCTest, "--test-dir", build_, "-j", "4"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, {.env = {{"MMTEST_MEMORY_BUDGET", "1G"}, {"MMTEST_CPU_BUDGET", "4"}, {"MMTEST_HISTORY", std::nullopt}}});
  }

  RunResult tool(std::vector<std::string> args) {
    args.insert(args.begin(), kTool);
    return run(args, {.env = {{"MMTEST_HISTORY", std::nullopt}, {"NO_COLOR", std::nullopt}}});
  }

  std::map<std::string, json> records() const {
    std::map<std::string, json> by_name;
    for (const auto& entry : std::filesystem::directory_iterator(build_ / "mmtest-results")) {
      if (entry.path().extension() != ".json") continue;
      const json record = json::parse(read_file(entry.path()));
      by_name[record["name"]] = record;
    }
    return by_name;
  }
};

TEST_F(Tool, report_figures_match_the_records_of_a_real_ctest_run) {
  ctest();
  const auto by_name = records();
  ASSERT_EQ(by_name.size(), 6u);
  const RunResult report = tool({"report", build_, "--junit", dir_ / "junit.xml", "--trace", dir_ / "trace.json",
                                 "--color", "never"});
  ASSERT_TRUE(report.status.exited_with(0)) << report.err;
  EXPECT_EQ(report.err, "");
  const std::string& text = report.out;
  EXPECT_TRUE(text.starts_with("mmtest report: 6 tests, the run took ")) << text;
  EXPECT_NE(text.find("4 passed, 1 failed, 1 memory"), std::string::npos) << text;
  // Each failure with its diagnosis as the record has it (wrapped at spaces).
  for (const char* failed : {"hog", "fails"}) {
    std::string diagnosis = by_name.at(failed)["diagnosis"];
    std::string unwrapped = std::regex_replace(text, std::regex("\n    "), " ");
    EXPECT_NE(unwrapped.find(diagnosis), std::string::npos) << diagnosis << "\n" << text;
  }
  // The largest peak first, as the records say.
  const auto most = text.find("Most memory");
  ASSERT_NE(most, std::string::npos);
  const std::string first_row = text.substr(text.find('\n', text.find("test", most)) + 1, 80);
  EXPECT_TRUE(first_row.starts_with("  hog ")) << first_row;
  // The test that declared no MEMORY is listed as such, never as oversized against the default;
  // the one that declared 512M for a sleep is oversized.
  const auto oversized = text.find("MEMORY oversized (peak under a third) (");
  const auto undeclared = text.find("MEMORY not declared (a default applied; declare the suggestion) (1)");
  ASSERT_NE(oversized, std::string::npos) << text;
  ASSERT_NE(undeclared, std::string::npos) << text;
  const std::string oversized_section = text.substr(oversized, text.find("\n\n", oversized) - oversized);
  EXPECT_NE(oversized_section.find("  oversized "), std::string::npos) << oversized_section;
  EXPECT_EQ(oversized_section.find("  light "), std::string::npos) << oversized_section;
  EXPECT_NE(text.find("  light ", undeclared), std::string::npos) << text;
  EXPECT_EQ(by_name.at("light")["memory_declared"], false);
  EXPECT_EQ(by_name.at("oversized")["memory_declared"], true);
  EXPECT_NE(text.find("MEMORY exceeded (1)"), std::string::npos) << text;

  pugi::xml_document junit;
  ASSERT_TRUE(junit.load_file((dir_ / "junit.xml").c_str()));
  std::size_t cases = 0;
  for (const pugi::xml_node testcase : junit.child("testsuites").child("testsuite").children("testcase")) {
    ++cases;
    const json& record = by_name.at(testcase.attribute("name").value());
    for (const pugi::xml_node property : testcase.child("properties").children("property")) {
      const std::string name = property.attribute("name").value();
      const std::string value = property.attribute("value").value();
      if (name == "peak_memory_bytes") {
        EXPECT_EQ(value, std::to_string(record["peak_memory_bytes"].get<std::uint64_t>()));
      } else if (name == "outcome") {
        EXPECT_EQ(value, record["outcome"].get<std::string>());
      } else if (name == "memory_fit" && testcase.attribute("name").value() == std::string("light")) {
        EXPECT_EQ(value, "default");
      } else if (name == "labels") {
        EXPECT_EQ(value, "unit");  // every test of the fixture has LABELS unit
      }
    }
  }
  EXPECT_EQ(cases, 6u);

  const json trace = json::parse(read_file(dir_ / "trace.json"));
  std::size_t slices = 0;
  for (const json& event : trace["traceEvents"]) {
    if (event["ph"] != "X") continue;
    ++slices;
    EXPECT_NEAR(event["dur"].get<double>() / 1e6, by_name.at(event["name"])["wall_seconds"].get<double>(), 0.01);
  }
  EXPECT_EQ(slices, 6u);
}

TEST_F(Tool, the_history_keeps_every_run_even_without_a_report_and_flags_the_test_that_grew) {
  for (int run_number = 0; run_number < 4; ++run_number) ctest();
  ctest({"-N"});  // the hook adds the fourth run's records before anything could overwrite them
  {
    auto history = tool::HistoryDb::open(build_ / "mmtest" / "history.sqlite");
    ASSERT_TRUE(history) << history.error();
    EXPECT_EQ(history->row_count(), 24u);
    EXPECT_EQ(history->integrity_check(), "ok");
  }
  configure({"-DGROW_MIB=90"});
  ctest();
  const RunResult report = tool({"report", build_, "--color", "never"});
  ASSERT_TRUE(report.status.exited_with(0)) << report.err;
  EXPECT_NE(report.out.find("Grown against history (1)"), std::string::npos) << report.out;
  const auto grown = report.out.find("Grown against history");
  const std::string section = report.out.substr(grown, report.out.find("\n\n", grown) - grown);
  EXPECT_NE(section.find("grower"), std::string::npos) << section;
  EXPECT_NE(section.find("memory"), std::string::npos) << section;
  EXPECT_EQ(section.find("holder"), std::string::npos) << section;  // stable at 40 MiB
  // The same report again adds nothing and still flags the same test.
  const RunResult again = tool({"report", build_, "--color", "never"});
  EXPECT_NE(again.out.find("Grown against history (1)"), std::string::npos);
  auto history = tool::HistoryDb::open(build_ / "mmtest" / "history.sqlite");
  EXPECT_EQ(history->row_count(), 30u);
}

TEST_F(Tool, metrics_pass_promtool) {
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "/usr/bin/promtool is not installed (Debian package prometheus)";
  ctest();
  const RunResult report = tool({"report", build_, "--quiet", "--prometheus", dir_ / "metrics.prom"});
  ASSERT_TRUE(report.status.exited_with(0)) << report.err;
  EXPECT_EQ(report.out, "");
  const RunResult promtool =
      run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < \"$0\"", (dir_ / "metrics.prom").string()});
  EXPECT_TRUE(promtool.status.exited_with(0)) << promtool.out << promtool.err;
  EXPECT_NE(read_file(dir_ / "metrics.prom").find("mmtest_test_peak_memory_bytes{test=\"hog\"}"), std::string::npos);
}

// ---- calibrate and shard -------------------------------------------------------------------------

// The rule of docs/tool.md, worked out here rather than taken from the tool: MEMORY = the 95th
// percentile (of 3 runs: the largest) x 1.25, at least + 8 MiB, rounded up to 8 MiB below 256 MiB;
// TIMEOUT = 3 x the largest wall time, at least + 10 s, rounded up to 5 s below 60 s.
std::uint64_t expected_memory_mib(std::uint64_t peak_bytes) {
  const auto peak = static_cast<double>(peak_bytes);
  const double wanted_mib = std::max(peak * 1.25, peak + 8.0 * kMiB) / kMiB;
  return static_cast<std::uint64_t>(std::ceil(wanted_mib / 8)) * 8;
}
std::uint64_t expected_timeout(double wall) { return static_cast<std::uint64_t>(std::ceil(std::max(3 * wall, wall + 10) / 5) * 5); }

// `ctest --show-only=json-v1`: name -> {memory MiB requested, the launcher's --timeout=}.
std::map<std::string, std::pair<std::uint64_t, std::string>> declared(const std::string& show_only) {
  std::map<std::string, std::pair<std::uint64_t, std::string>> out;
  const json document = json::parse(show_only);
  for (const json& test : document["tests"]) {
    std::uint64_t mib = 0;
    std::string timeout;
    for (const json& word : test["command"]) {
      if (word.get<std::string>().starts_with("--timeout=")) timeout = word.get<std::string>().substr(10);
    }
    for (const json& property : test["properties"]) {
      if (property["name"] != "RESOURCE_GROUPS") continue;
      for (const json& group : property["value"]) {
        for (const json& requirement : group["requirements"]) {
          if (requirement[".type"] == "mmtest_memory_mib") mib += requirement["slots"].get<std::uint64_t>();
        }
      }
    }
    out[test["name"]] = {mib, timeout};
  }
  return out;
}

TEST_F(Tool, calibrate_writes_the_rule_into_a_file_add_mm_test_takes_and_no_calibration_keeps_its_own) {
  configure({"-DWITH_PINNED=ON"});
  std::uint64_t holder_peak = 0;
  double holder_wall = 0;
  std::vector<double> holder_demands;  // (cpu + wait) / wall of each run
  for (int run_number = 0; run_number < 3; ++run_number) {
    ctest();
    const json holder = records().at("holder");
    holder_peak = std::max(holder_peak, holder["peak_memory_bytes"].get<std::uint64_t>());
    holder_wall = std::max(holder_wall, holder["wall_seconds"].get<double>());
    const double wait = holder["cpu_wait_seconds"].is_number() ? holder["cpu_wait_seconds"].get<double>() : 0.0;
    holder_demands.push_back((holder["cpu_seconds"].get<double>() + wait) / holder["wall_seconds"].get<double>());
  }
  // PROCESSORS: the median of the three, to the nearest tenth (half a tenth down), at least one;
  // written unless it is the 1 CPU holder declares by default.
  std::ranges::sort(holder_demands);
  const auto holder_tenths =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(holder_demands[1] * 10 - 0.5 - 1e-9)));
  const std::string holder_cpus =
      holder_tenths % 10 == 0 ? std::to_string(holder_tenths / 10)
                              : std::to_string(holder_tenths / 10) + "." + std::to_string(holder_tenths % 10);
  const auto file = dir_ / "calibration.cmake";
  const RunResult calibrated = tool({"calibrate", build_, "--write", file});
  ASSERT_TRUE(calibrated.status.exited_with(0)) << calibrated.err;
  EXPECT_NE(calibrated.out.find("holder"), std::string::npos) << calibrated.out;
  const std::string text = read_file(file);
  const std::uint64_t memory_mib = expected_memory_mib(holder_peak);
  const std::uint64_t timeout = expected_timeout(holder_wall);
  const std::string line = "mm_calibrated([[holder]] MEMORY " + std::to_string(memory_mib) + "M TIMEOUT " +
                           std::to_string(timeout) + (holder_tenths == 10 ? "" : " PROCESSORS " + holder_cpus) + ")\n";
  EXPECT_NE(text.find(line), std::string::npos) << line << text;
  EXPECT_NE(text.find("mm_calibrated([[pinned]] "), std::string::npos) << text;  // listed, and yet...

  configure({"-DWITH_PINNED=ON", "-DMMTEST_CALIBRATION_FILE=" + file.string()});
  const RunResult shown = run({kCTest, "--test-dir", build_, "--show-only=json-v1"});
  ASSERT_TRUE(shown.status.exited_with(0)) << shown.err;
  const auto tests = declared(shown.out);
  EXPECT_EQ(tests.at("holder"), std::pair(memory_mib, std::to_string(timeout)));
  EXPECT_EQ(tests.at("pinned"), std::pair(std::uint64_t{96}, std::string("40")));  // ...NO_CALIBRATION wins
  EXPECT_NE(tests.at("oversized").first, 512u);  // the 512M declared too much: calibrated down
  // The calibrated PROCESSORS is holder's declaration now: the manifest the hook plans with says so.
  // (Its numbers: MiB, GPUs, timeout, CPUs.)
  const std::string manifest = read_file(build_ / "mmtest" / "manifest.cmake");
  const std::string holder_need = "_mm_need(\"test 'holder'\" " + std::to_string(memory_mib) + " 0 ";
  const auto need = manifest.find(holder_need);
  ASSERT_NE(need, std::string::npos) << holder_need << "\n" << manifest;
  const std::string need_line = manifest.substr(need, manifest.find('\n', need) - need);
  EXPECT_TRUE(need_line.ends_with(" " + holder_cpus + ")")) << holder_cpus << "\n" << need_line;

  // Without the variable, the declarations again.
  configure({"-DWITH_PINNED=ON", "-UMMTEST_CALIBRATION_FILE"});
  const auto plain = declared(run({kCTest, "--test-dir", build_, "--show-only=json-v1"}).out);
  EXPECT_EQ(plain.at("oversized").first, 512u);
  EXPECT_EQ(plain.at("holder").first, 64u);
}

// The names `ctest -N <args>` lists.
std::set<std::string> listed(const std::filesystem::path& build, const std::vector<std::string>& args) {
  std::vector<std::string> argv{kCTest, "--test-dir", build, "-N"};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult result = run(argv);
  EXPECT_TRUE(result.status.exited_with(0)) << result.err;
  std::set<std::string> names;
  static const std::regex line(R"(^ *Test +#[0-9]+: (.*)$)");
  std::istringstream in(result.out);
  for (std::string text; std::getline(in, text);) {
    std::smatch match;
    if (std::regex_match(text, match, line)) names.insert(match[1]);
  }
  return names;
}

TEST_F(Tool, shards_are_disjoint_and_cover_every_test_ctest_selects) {
  ctest();
  const std::set<std::string> all = listed(build_, {});
  ASSERT_EQ(all.size(), 6u);
  for (const std::vector<std::string>& filter : {std::vector<std::string>{}, std::vector<std::string>{"-E", "fails"}}) {
    std::set<std::string> covered;
    std::size_t total = 0;
    for (int index = 1; index <= 3; ++index) {
      std::vector<std::string> args{"shard", "--shards", "3", "--index", std::to_string(index), build_};
      if (!filter.empty()) args.push_back("--");
      args.insert(args.end(), filter.begin(), filter.end());
      const RunResult shard = tool(args);
      ASSERT_TRUE(shard.status.exited_with(0)) << shard.err;
      std::string selection = shard.out;
      ASSERT_TRUE(selection.ends_with("\n")) << selection;
      selection.pop_back();
      std::vector<std::string> ctest_args = filter;
      ctest_args.insert(ctest_args.end(), {"-I", selection});
      const std::set<std::string> mine = listed(build_, ctest_args);
      EXPECT_FALSE(mine.empty()) << "shard " << index << " of 3 over 6 tests";
      total += mine.size();
      covered.insert(mine.begin(), mine.end());
    }
    std::set<std::string> expected = all;
    if (!filter.empty()) expected.erase("fails");
    EXPECT_EQ(covered, expected);
    EXPECT_EQ(total, expected.size());  // no test in two shards
  }
  // More runners than tests: the spare ones run nothing, rather than everything.
  std::set<std::string> covered;
  for (int index = 1; index <= 8; ++index) {
    const auto file = dir_ / ("shard" + std::to_string(index) + ".txt");
    const RunResult shard = tool({"shard", "--shards", "8", "--index", std::to_string(index), build_, "--output", file});
    ASSERT_TRUE(shard.status.exited_with(0)) << shard.err;
    EXPECT_EQ(shard.out, "");
    const std::set<std::string> mine = listed(build_, {"-I", file.string()});
    EXPECT_LE(mine.size(), 1u);
    covered.insert(mine.begin(), mine.end());
  }
  EXPECT_EQ(covered, all);
  const RunResult bad = tool({"shard", "--shards", "3", "--index", "0", build_});
  EXPECT_TRUE(bad.status.exited_with(2));
  EXPECT_EQ(bad.err, "mmtest shard: --index: expected 1 to 3 (the shards are numbered from 1), got 0 (see mmtest shard --help)\n");
  const RunResult nowhere = tool({"shard", "--shards", "3", "--index", "1", dir_ / "nowhere"});
  EXPECT_TRUE(nowhere.status.exited_with(3));
  EXPECT_EQ(std::count(nowhere.err.begin(), nowhere.err.end(), '\n'), 1) << nowhere.err;
}

// ---- the exit-code contract --------------------------------------------------------------------

TEST_F(Tool, a_test_that_fails_then_passes_under_repeat_is_flaky_and_every_attempt_is_kept) {
  configure({"-DWITH_FLAKY=ON"});
  const RunResult repeated = ctest({"-R", "^(flaky|slow_once|hog_once)$", "--repeat", "until-pass:3"});
  ASSERT_TRUE(repeated.status.exited_with(0)) << repeated.out << repeated.err;
  const auto results = build_ / "mmtest-results";
  const json last = json::parse(read_file(results / "flaky.json"));
  const json first = json::parse(read_file(results / "flaky~attempt-1.json"));
  EXPECT_EQ(last["attempt"], 2);
  EXPECT_EQ(last["outcome"], "passed");
  EXPECT_EQ(first["attempt"], 1);
  EXPECT_EQ(first["outcome"], "failed");
  EXPECT_EQ(first["exit_code"], 3);
  ASSERT_TRUE(last["ctest_run"].is_string());
  EXPECT_FALSE(last["ctest_run"].get<std::string>().empty());
  EXPECT_EQ(first["ctest_run"], last["ctest_run"]);

  const auto junit = dir_ / "flaky.xml";
  const RunResult report = tool({"report", build_.string(), "--no-history", "--junit", junit.string()});
  EXPECT_TRUE(report.status.exited_with(0)) << report.err;
  const std::string text = std::regex_replace(report.out, std::regex("\n    "), " ");
  EXPECT_NE(text.find("Flaky (3)"), std::string::npos) << report.out;
  // Each failed attempt with the launcher's reason: a timeout, a memory kill.
  EXPECT_TRUE(std::regex_search(text, std::regex("flaky: passed on attempt 2 of 2; attempt 1: mmtest: slow_once timed out after 1 s")))
      << report.out;
  EXPECT_TRUE(std::regex_search(text, std::regex("flaky: passed on attempt 2 of 2; attempt 1: mmtest: hog_once killed: memory [0-9.]+ MiB "
                                                 "exceeded budget 64\\.0 MiB")))
      << report.out;
  EXPECT_NE(text.find("flaky: passed on attempt 2 of 2; attempt 1: mmtest: flaky failed with exit code 3"),
            std::string::npos)
      << report.out;
  pugi::xml_document document;
  ASSERT_TRUE(document.load_file(junit.c_str()));
  const pugi::xml_node testcase = document.select_node("//testcase[@name='flaky']").node();
  EXPECT_FALSE(testcase.child("failure"));
  EXPECT_EQ(std::string(testcase.child("flakyFailure").attribute("type").value()), "failed");

  // With the history: the flakiest tests over their recent runs, and a flaky result can fail.
  const auto history = dir_ / "flaky.sqlite";
  const RunResult flakiest = tool({"report", build_.string(), "--history", history.string(), "--flaky", "--fail-on-flaky"});
  EXPECT_TRUE(flakiest.status.exited_with(8)) << describe(flakiest.status) << flakiest.err;
  EXPECT_NE(flakiest.out.find("Flakiest tests, over the last 20 ctest runs of each in " + history.string() + " (3)\n"),
            std::string::npos)
      << flakiest.out;
  EXPECT_NE(flakiest.out.find("  100%  1 of 1 runs flaky  flaky\n"), std::string::npos) << flakiest.out;
  EXPECT_NE(flakiest.out.find("  100%  1 of 1 runs flaky  hog_once\n"), std::string::npos) << flakiest.out;
  EXPECT_NE(flakiest.err.find("mmtest report: 3 flaky tests (--fail-on-flaky): passed only after a failed attempt"),
            std::string::npos)
      << flakiest.err;

  // The next ctest run is another run: its first attempt replaces the record, and the attempt the
  // last run kept goes (the hook has added it to the history by then).
  const RunResult again = ctest({"-R", "^flaky$"});
  ASSERT_TRUE(again.status.exited_with(0)) << again.out << again.err;
  const json next = json::parse(read_file(results / "flaky.json"));
  EXPECT_EQ(next["attempt"], 1);
  EXPECT_NE(next["ctest_run"], last["ctest_run"]);
  EXPECT_FALSE(std::filesystem::exists(results / "flaky~attempt-1.json"));
}

// ctest --repeat after-timeout repeats only what CTest's own TIMEOUT stopped. With
// MMTEST_CTEST_TIMEOUTS=1 mmtest-run, its record written, waits for that: CTest sees a timeout.
TEST_F(Tool, after_timeout_repeats_a_test_the_launcher_stopped_when_asked_to_wait_for_ctest) {
  configure({"-DWITH_FLAKY=ON"});
  const RunResult repeated =
      run({kCTest, "--test-dir", build_, "-R", "^slow_once$", "--repeat", "after-timeout:3"},
          {.env = {{"MMTEST_MEMORY_BUDGET", "1G"}, {"MMTEST_CPU_BUDGET", "4"}, {"MMTEST_HISTORY", std::nullopt},
                   {"MMTEST_CTEST_TIMEOUTS", "1"}}});
  ASSERT_TRUE(repeated.status.exited_with(0)) << repeated.out << repeated.err;
  EXPECT_TRUE(std::regex_search(repeated.out, std::regex("slow_once \\.+\\*+Timeout"))) << repeated.out;
  const auto results = build_ / "mmtest-results";
  const json first = json::parse(read_file(results / "slow_once~attempt-1.json"));
  const json last = json::parse(read_file(results / "slow_once.json"));
  EXPECT_EQ(first["outcome"], "timeout");
  EXPECT_EQ(first["attempt"], 1);
  EXPECT_EQ(last["outcome"], "passed");
  EXPECT_EQ(last["attempt"], 2);
}

TEST_F(Tool, no_records_is_exit_3_naming_the_directory) {
  const RunResult report = tool({"report", build_});
  EXPECT_TRUE(report.status.exited_with(3)) << describe(report.status);
  EXPECT_EQ(report.err, "mmtest report: no records in " + (build_ / "mmtest-results").string() +
                            "; run ctest there first (tests declared with add_mm_test write them), or give the build "
                            "directory or records folder\n");
  const RunResult missing = tool({"report", dir_ / "nowhere"});
  EXPECT_TRUE(missing.status.exited_with(3));
  EXPECT_EQ(missing.err, "mmtest report: " + (dir_ / "nowhere").string() +
                             ": no such directory; give a build directory or a folder of mmtest records\n");
}

TEST_F(Tool, an_unwritable_output_is_exit_4_and_leaves_no_partial_file) {
  ctest();
  write_file(dir_ / "blocker", "a file, not a directory");
  const auto target = dir_ / "blocker" / "report.html";
  const RunResult report = tool({"report", build_, "--html", target});
  EXPECT_TRUE(report.status.exited_with(4)) << describe(report.status) << report.err;
  EXPECT_TRUE(report.err.starts_with("mmtest report: --html " + target.string() + ": not written: ")) << report.err;
  EXPECT_NE(report.err.find("; choose a writable path\n"), std::string::npos);
  EXPECT_EQ(std::count(report.err.begin(), report.err.end(), '\n'), 1);
  EXPECT_FALSE(std::filesystem::exists(target));
  // A good path next to it: nothing but the file itself is left behind.
  std::filesystem::create_directories(dir_ / "out");
  const RunResult written = tool({"report", build_, "--quiet", "--html", dir_ / "out" / "x.html"});
  EXPECT_TRUE(written.status.exited_with(0)) << written.err;
  expect_only_file(dir_ / "out", "x.html");
}

TEST_F(Tool, a_history_of_a_newer_schema_is_exit_5_in_one_line) {
  ctest();
  {
    auto history = tool::HistoryDb::open(dir_ / "h.sqlite");
    ASSERT_TRUE(history);
  }
  const RunResult bump = run({"/bin/sh", "-c", "sqlite3 \"$0\" 'PRAGMA user_version = 9'", (dir_ / "h.sqlite").string()});
  ASSERT_TRUE(bump.status.exited_with(0)) << bump.err;
  const RunResult report = tool({"report", build_, "--history", dir_ / "h.sqlite"});
  EXPECT_TRUE(report.status.exited_with(5)) << describe(report.status);
  EXPECT_EQ(report.err, "mmtest report: history " + (dir_ / "h.sqlite").string() +
                            ": written by a newer mmtest (schema version 9, this one knows up to 4); use that mmtest, or "
                            "another history with --history FILE\n");
  EXPECT_EQ(report.out, "");
}

TEST_F(Tool, usage_errors_are_exit_2_in_one_line) {
  const RunResult unknown = tool({"reprot"});
  EXPECT_TRUE(unknown.status.exited_with(2));
  EXPECT_EQ(unknown.err, "mmtest: unknown subcommand 'reprot'; expected report, calibrate, shard or plan (see mmtest --help)\n");
  const RunResult option = tool({"report", "--htlm", "x"});
  EXPECT_TRUE(option.status.exited_with(2));
  EXPECT_TRUE(option.err.starts_with("mmtest report: ")) << option.err;
  EXPECT_EQ(std::count(option.err.begin(), option.err.end(), '\n'), 1) << option.err;
  const RunResult budget = tool({"report", "--budget", "12Q"});
  EXPECT_TRUE(budget.status.exited_with(2));
  EXPECT_TRUE(budget.err.starts_with("mmtest report: --budget: expected a size like 512M or 2G, got '12Q'")) << budget.err;
  for (const char* subcommand : {"report", "plan", "calibrate", "shard"}) {
    const RunResult help = tool({subcommand, "--help"});
    EXPECT_TRUE(help.status.exited_with(0)) << subcommand;
    EXPECT_NE(help.out.find("Exit codes"), std::string::npos) << help.out;
  }
}

// ---- a real Pushgateway ------------------------------------------------------------------------

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// GET http://127.0.0.1:<port><path> with a minimal HTTP/1.0 client; the body.
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return {};
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  (void)::write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : response.substr(body + 4);
}

TEST_F(Tool, pushes_to_a_real_pushgateway_and_names_the_url_when_it_is_down) {
  const std::string kGateway = "/usr/bin/prometheus-pushgateway";
  if (::access(kGateway.c_str(), X_OK) != 0) GTEST_SKIP() << kGateway << " is not installed (Debian package prometheus-pushgateway)";
  ctest();
  const int port = free_port();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  // The tag is the file the gateway keeps its metrics in when it stops (in this test's directory):
  // a whole argument, so expect_no_survivors() finds it.
  std::optional<Process> gateway = Process::start(
      {kGateway, "--web.listen-address=" + listen, "--persistence.file", tag_}, {.cwd = dir_.path()});
  ASSERT_TRUE(eventually([&] { return accepts_connections(port); }, std::chrono::seconds(30))) << "pushgateway did not start";
  const std::string url = "http://" + listen;
  const RunResult pushed = tool({"report", build_, "--quiet", "--push", url, "--push-job", "mmtest_ci"});
  EXPECT_TRUE(pushed.status.exited_with(0)) << pushed.err;
  const std::string held = http_get(port, "/metrics");
  EXPECT_NE(held.find("mmtest_test_peak_memory_bytes{"), std::string::npos) << held.substr(0, 2000);
  EXPECT_NE(held.find("job=\"mmtest_ci\""), std::string::npos);
  EXPECT_NE(held.find("test=\"hog\""), std::string::npos);
  EXPECT_NE(held.find("mmtest_run_tests{"), std::string::npos);

  // Stopped by its pid, then reaped: the next push finds nobody there.
  ::kill(gateway->pid(), SIGTERM);
  gateway->finish();
  gateway.reset();
  EXPECT_FALSE(accepts_connections(port));
  expect_no_survivors();
  const RunResult down = tool({"report", build_, "--quiet", "--push", url});
  EXPECT_TRUE(down.status.exited_with(6)) << describe(down.status);
  EXPECT_TRUE(down.err.starts_with("mmtest report: --push " + url + ": cannot reach the Pushgateway")) << down.err;
  EXPECT_EQ(std::count(down.err.begin(), down.err.end(), '\n'), 1);
}

}  // namespace
}  // namespace mmtest::launcher_test
