// Caller mistakes: exit 125 with one line naming the option and the value, and nothing run.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Non-empty lines of `text`.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (auto& line : lines_starting_with(text, "")) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

struct BadInvocation {
  std::string label;
  // Launcher options, before "--" (the separator and the command are added by the test).
  std::vector<std::string> options;
  // What the one line on stderr must contain (case-insensitive).
  std::vector<std::string> mentions;
  bool separator = true;
  bool command = true;
  friend void PrintTo(const BadInvocation& bad, std::ostream* out) {
    for (const auto& option : bad.options) *out << option << ' ';
  }
};

class BadInput : public LauncherTest, public ::testing::WithParamInterface<BadInvocation> {};

TEST_P(BadInput, IsRejectedWith125BeforeAnythingRuns) {
  const auto& bad = GetParam();
  // The helper creates this file as soon as it runs.
  const auto witness = dir_ / "mmtest_helper.out";
  std::vector<std::string> argv{kLauncher};
  argv.insert(argv.end(), bad.options.begin(), bad.options.end());
  if (bad.separator) argv.push_back("--");
  if (bad.command) {
    const auto command = helper("write-file", {"--dir", dir_.path().string(), "--mib", "0"});
    argv.insert(argv.end(), command.begin(), command.end());
  }
  const auto result = run(argv);

  EXPECT_TRUE(result.status.exited_with(125)) << describe(result.status) << "\n" << result.err;
  const auto lines = lines_of(result.err);
  ASSERT_EQ(lines.size(), 1u) << "expected one line on stderr:\n" << result.err;
  EXPECT_TRUE(lines.front().starts_with("mmtest-run: ")) << lines.front();
  for (const auto& mention : bad.mentions) {
    EXPECT_NE(lowercase(lines.front()).find(lowercase(mention)), std::string::npos)
        << "the message does not mention '" << mention << "': " << lines.front();
  }
  EXPECT_FALSE(std::filesystem::exists(witness)) << "the command ran";
  expect_no_survivors();
}

const std::string kUnwritableResult = "/proc/mmtest-no-such-dir/record.json";

INSTANTIATE_TEST_SUITE_P(
    Options, BadInput,
    ::testing::Values(
        BadInvocation{"UnknownOption", {"--frobnicate", "3"}, {"--frobnicate"}},
        BadInvocation{"MemoryWithUnknownUnit", {"--memory", "12Q"}, {"--memory", "12Q"}},
        BadInvocation{"NegativeMemory", {"--memory", "-1G"}, {"--memory", "-1G"}},
        BadInvocation{"OverflowingMemory", {"--memory", "1e99G"}, {"--memory", "1e99G"}},
        BadInvocation{"ZeroMemory", {"--memory", "0"}, {"--memory", "0"}},
        BadInvocation{"EmptyMemory", {"--memory", ""}, {"--memory"}},
        BadInvocation{"TimeoutNotANumber", {"--timeout", "abc"}, {"--timeout", "abc"}},
        BadInvocation{"NegativeTimeout", {"--timeout", "-5"}, {"--timeout", "-5"}},
        BadInvocation{"ZeroTimeout", {"--timeout", "0"}, {"--timeout", "0"}},
        BadInvocation{"GraceNotANumber", {"--grace", "soon"}, {"--grace", "soon"}},
        BadInvocation{
            "MaxProcessesNotANumber", {"--max-processes", "many"}, {"--max-processes", "many"}},
        BadInvocation{
            "FileSizeWithUnknownUnit", {"--max-file-size", "3X"}, {"--max-file-size", "3X"}},
        BadInvocation{"UnknownLimitMode", {"--limit-mode", "magic"}, {"--limit-mode", "magic"}},
        BadInvocation{
            "UnwritableResult", {"--result", kUnwritableResult}, {"--result", kUnwritableResult}},
        BadInvocation{"MissingSeparator", {"--name", "x"}, {"--"}, /*separator=*/false},
        BadInvocation{"MissingCommand", {"--name", "x"}, {"command"}, true, /*command=*/false}),
    [](const auto& test_param) { return test_param.param.label; });

// ---- Limit modes
// -----------------------------------------------------------------------------------

class LimitMode : public LauncherTest {};

TEST_F(LimitMode, CgroupWithoutDelegationIsASetupErrorNamingTheReason) {
  const auto witness = dir_ / "mmtest_helper.out";
  const auto record_path = dir_ / "cgroup.json";
  const auto command = helper("write-file", {"--dir", dir_.path().string(), "--mib", "0"});
  const auto result = run(launcher({"--limit-mode", "cgroup", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(125)) << describe(result.status) << "\n" << result.err;
  const auto lines = lines_of(result.err);
  ASSERT_EQ(lines.size(), 1u) << result.err;
  const std::string prefix = "mmtest: mmtest_helper not run: --limit-mode cgroup: ";
  EXPECT_TRUE(lines.front().starts_with(prefix)) << lines.front();
  // More than the bare option: the reason why cgroups cannot be used here.
  EXPECT_GT(lines.front().size(), prefix.size() + 10) << lines.front();
  EXPECT_FALSE(std::filesystem::exists(witness)) << "the command ran";
  // A set-up failure after the options were read still leaves its record, saying why.
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "mmtest_helper", command);
  EXPECT_EQ(record["outcome"], "harness-error");
  EXPECT_EQ(record["diagnosis"], lines.front());
  expect_no_survivors();
}

TEST_F(LimitMode, ExplicitSampleRuns) {
  const auto record_path = dir_ / "sample.json";
  const auto command = helper("exit", {"--code", "0"});
  const auto result =
      run(launcher({"--limit-mode", "sample", "--result", record_path.string()}, command));

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  const auto record = read_record(record_path);
  expect_record_basics(record, result, "mmtest_helper", command);
  EXPECT_EQ(record["limit_mode"], "sample");
}

// ---- The suggestion when "--" is missing
// ------------------------------------------------------------------------------

class MissingSeparator : public LauncherTest {};

// The suggested command is printed in full, and a shell running it runs the intended command
// with the intended options.
TEST_F(MissingSeparator, SuggestsTheCommandInItsOrderAndTheSuggestionRuns) {
  const auto record_path = dir_ / "suggested.json";
  const auto witness = dir_ / "mmtest_helper.out";
  const auto command = helper("write-file", {"--dir", dir_.path().string(), "--mib", "0"});
  const std::vector<std::string> options{"--name", "suggested", "--result", record_path.string()};
  std::vector<std::string> argv{kLauncher};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), command.begin(), command.end());
  const auto result = run(argv);

  EXPECT_TRUE(result.status.exited_with(125)) << describe(result.status) << "\n" << result.err;
  EXPECT_FALSE(std::filesystem::exists(witness)) << "the command ran";
  // The test's paths and tag need no quoting, so the suggestion is the words joined by spaces.
  std::string expected = "mmtest-run";
  for (const auto& word : options) expected += " " + word;
  expected += " --";
  for (const auto& word : command) expected += " " + word;
  const auto lines = lines_of(result.err);
  ASSERT_EQ(lines.size(), 1u) << result.err;
  EXPECT_EQ(lines.front(),
            "mmtest-run: missing '--' before COMMAND: write " + expected + " (see mmtest-run --help)");

  // Run it as a user would paste it, with mmtest-run found in PATH.
  const auto prefix = std::string("mmtest-run: missing '--' before COMMAND: write ");
  const auto suffix = std::string(" (see mmtest-run --help)");
  ASSERT_TRUE(lines.front().starts_with(prefix) && lines.front().ends_with(suffix)) << lines.front();
  const std::string suggested =
      lines.front().substr(prefix.size(), lines.front().size() - prefix.size() - suffix.size());
  const char* path = std::getenv("PATH");
  const auto pasted = run({"/bin/sh", "-c", suggested},
                          {.env = {{"PATH", std::filesystem::path(kLauncher).parent_path().string() + ":" +
                                                (path != nullptr ? path : "/usr/bin:/bin")}}});
  EXPECT_TRUE(pasted.status.exited_with(0)) << describe(pasted.status) << "\n" << pasted.err;
  EXPECT_TRUE(std::filesystem::exists(witness)) << "the suggested command did not run the helper";
  const auto record = read_record(record_path);
  expect_record_basics(record, pasted, "suggested", command);
  EXPECT_EQ(record["outcome"], "passed");
  expect_no_survivors();
}

// ---- Help and version
// ------------------------------------------------------------------------------

class Usage : public LauncherTest {};

TEST_F(Usage, HelpListsTheOptionsAndExitsZero) {
  const auto result = run({kLauncher, "--help"});

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  for (const char* option : {"--memory", "--timeout", "--grace", "--result", "--max-processes",
                             "--allow-leaks", "--limit-mode", "--no-measurements"}) {
    EXPECT_NE(result.out.find(option), std::string::npos) << option << " missing from --help";
  }
}

TEST_F(Usage, VersionPrintsTheProjectVersion) {
  const auto result = run({kLauncher, "--version"});

  EXPECT_TRUE(result.status.exited_with(0)) << describe(result.status) << "\n" << result.err;
  EXPECT_NE(result.out.find(MMTEST_VERSION), std::string::npos) << result.out;
}

}  // namespace
}  // namespace mmtest::launcher_test
