#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "mmtest/run/exit_codes.hpp"
#include "mmtest/run/options.hpp"

namespace mmtest::run {
namespace {

using namespace std::chrono_literals;
using Args = std::vector<std::string>;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// argv as main() sees it: the program name first.
std::expected<Options, EarlyExit> parse(Args args, const Environment& environment = {}) {
  args.insert(args.begin(), "mmtest-run");
  return parse_command_line(args, environment);
}

Options parse_ok(const Args& args, const Environment& environment = {}) {
  auto parsed = parse(args, environment);
  if (!parsed) {
    ADD_FAILURE() << "expected success, got exit " << parsed.error().exit_code << ": " << parsed.error().output;
    return {};
  }
  return *parsed;
}

EarlyExit parse_error(const Args& args, const Environment& environment = {}) {
  auto parsed = parse(args, environment);
  if (parsed) {
    ADD_FAILURE() << "expected an early exit, got a command of " << parsed->command.size() << " words";
    return {-1, ""};
  }
  return parsed.error();
}

Environment ctest_allocation(const std::string& slots_text) {
  return {{"CTEST_RESOURCE_GROUP_COUNT", "1"},
          {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
          {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", slots_text}};
}

// ---- defaults and the command ------------------------------------------------------------------

TEST(CommandLine, defaults_when_only_a_command_is_given) {
  const Options options = parse_ok({"--", "/usr/bin/true"});
  EXPECT_EQ(options.command, (std::vector<std::string>{"/usr/bin/true"}));
  EXPECT_EQ(options.name, "true");  // COMMAND's basename
  EXPECT_FALSE(options.memory_limit_bytes.has_value());
  EXPECT_EQ(options.memory_limit_source, BudgetSource::none);
  EXPECT_FALSE(options.timeout.has_value());
  EXPECT_EQ(options.grace, 5s);
  EXPECT_FALSE(options.result_path.has_value());
  EXPECT_FALSE(options.allow_core);
  EXPECT_FALSE(options.cpu_time_seconds.has_value());
  EXPECT_FALSE(options.max_open_files.has_value());
  EXPECT_FALSE(options.max_file_size_bytes.has_value());
  EXPECT_FALSE(options.data_limit_bytes.has_value());
  EXPECT_EQ(options.max_processes, 1024u);
  EXPECT_FALSE(options.allow_leaks);
  EXPECT_FALSE(options.keep_tmp);
  EXPECT_EQ(options.limit_mode, LimitMode::automatic);
  EXPECT_FALSE(options.cgroup_parent.has_value());
  EXPECT_FALSE(options.print_measurements);  // stdout and stderr are the test's alone
}

TEST(CommandLine, measurements_are_asked_for_and_no_measurements_wins) {
  EXPECT_TRUE(parse_ok({"--measurements", "--", "./prog"}).print_measurements);
  EXPECT_FALSE(parse_ok({"--measurements", "--no-measurements", "--", "./prog"}).print_measurements);
}

TEST(CommandLine, a_bare_command_name_is_its_own_default_name) {
  EXPECT_EQ(parse_ok({"--", "order_book_test", "--gtest_brief=1"}).name, "order_book_test");
}

TEST(CommandLine, everything_after_the_first_double_dash_is_the_command_untouched) {
  const Options options =
      parse_ok({"--timeout", "10", "--", "./prog", "--memory", "12Q", "--", "--help", "--version", "-x", ""});
  EXPECT_EQ(options.command,
            (std::vector<std::string>{"./prog", "--memory", "12Q", "--", "--help", "--version", "-x", ""}));
  EXPECT_FALSE(options.memory_limit_bytes.has_value()) << "the command's --memory reached the launcher";
  EXPECT_EQ(options.timeout, std::chrono::nanoseconds{10s});
}

TEST(CommandLine, missing_double_dash_is_a_usage_error) {
  const EarlyExit exit = parse_error({"--timeout", "10"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("'--'"), std::string::npos) << exit.output;
}

TEST(CommandLine, no_arguments_at_all_is_a_usage_error) {
  const EarlyExit exit = parse_error({});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("'--'"), std::string::npos) << exit.output;
}

// Forgetting "--" before a command is the usual mistake: the message must say so, not just that
// some arguments were unexpected.
TEST(CommandLine, a_command_without_double_dash_is_a_usage_error_saying_so) {
  const EarlyExit exit = parse_error({"--timeout", "10", "./prog", "arg"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("./prog"), std::string::npos) << exit.output;
  EXPECT_NE(exit.output.find("'--'"), std::string::npos) << exit.output;
}

// ---- the suggestion when "--" is missing ---------------------------------------------------------

// The command the message suggests: "... write <command> (see mmtest-run --help)\n".
std::string suggestion_in(const EarlyExit& exit) {
  const std::string start = "missing '--' before COMMAND: write ";
  const std::string end = " (see mmtest-run --help)\n";
  const auto from = exit.output.find(start);
  if (from == std::string::npos || !exit.output.ends_with(end)) {
    ADD_FAILURE() << "no suggested command in: " << exit.output;
    return "";
  }
  return exit.output.substr(from + start.size(), exit.output.size() - end.size() - from - start.size());
}

// The words a POSIX shell makes of `line` (blanks, single quotes and backslashes; nothing else is
// used by the suggestions).
Args shell_words(const std::string& line) {
  Args words;
  std::string word;
  bool in_word = false, quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '\'') quoted = false;
      else word += c;
    } else if (c == '\'') {
      quoted = in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote in: " << line;
  if (in_word) words.push_back(word);
  return words;
}

TEST(CommandLine, the_suggestion_keeps_the_command_in_its_order) {
  const EarlyExit exit = parse_error({"./prog", "arg1", "--flag", "value"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_EQ(exit.output,
            "mmtest-run: missing '--' before COMMAND: write mmtest-run -- ./prog arg1 --flag value (see mmtest-run "
            "--help)\n");
}

TEST(CommandLine, the_suggestion_keeps_mmtest_run_options_before_the_separator) {
  EXPECT_EQ(suggestion_in(parse_error({"--memory", "1G", "./prog", "arg1", "--flag", "value"})),
            "mmtest-run --memory 1G -- ./prog arg1 --flag value");
}

// Parsing stops at COMMAND: what follows it is the command's, even when it looks like an option of
// mmtest-run, as with "nice" or "timeout".
TEST(CommandLine, the_suggestion_gives_everything_from_the_command_on_to_the_command) {
  EXPECT_EQ(suggestion_in(parse_error({"--keep-tmp", "--timeout=5", "--name", "n", "./prog", "--memory", "2G", "--help"})),
            "mmtest-run --keep-tmp --timeout=5 --name n -- ./prog --memory 2G --help");
}

TEST(CommandLine, the_suggestion_quotes_words_for_a_shell) {
  EXPECT_EQ(suggestion_in(parse_error({"--name", "my test", "./my prog", "it's", "$HOME", "", "a=b,c:d@e%f+g"})),
            R"(mmtest-run --name 'my test' -- './my prog' 'it'\''s' '$HOME' '' a=b,c:d@e%f+g)");
}

TEST(CommandLine, the_suggested_command_parses_back_to_the_intended_one) {
  const Args command{"./my prog", "it's", "--flag", "value", "", "-x"};
  for (const Args& launcher_options : {Args{}, Args{"--name", "my test", "--memory", "1G"},
                                       Args{"--keep-tmp", "--grace=0.5", "--allow-leaks"}}) {
    Args args = launcher_options;
    args.insert(args.end(), command.begin(), command.end());
    const Args suggested = shell_words(suggestion_in(parse_error(args)));
    ASSERT_FALSE(suggested.empty());
    EXPECT_EQ(suggested.front(), "mmtest-run");
    Args expected{"mmtest-run"};
    expected.insert(expected.end(), launcher_options.begin(), launcher_options.end());
    expected.push_back("--");
    expected.insert(expected.end(), command.begin(), command.end());
    EXPECT_EQ(suggested, expected);
    const Options options = parse_ok(Args(suggested.begin() + 1, suggested.end()));
    EXPECT_EQ(options.command, command);
  }
}

TEST(CommandLine, an_unknown_option_before_the_command_is_named_not_suggested_away) {
  for (const Args& args : {Args{"--frobnicate", "./prog", "arg"}, Args{"--memory", "1G", "--frobnicate=3", "./prog"}}) {
    const EarlyExit exit = parse_error(args);
    EXPECT_EQ(exit.exit_code, exit_code::kUsage);
    EXPECT_NE(exit.output.find("unknown option '--frobnicate"), std::string::npos) << exit.output;
    EXPECT_EQ(exit.output.find("write mmtest-run"), std::string::npos) << exit.output;
  }
}

TEST(CommandLine, words_before_the_double_dash_that_are_no_options_are_named_in_order) {
  const EarlyExit exit = parse_error({"--name", "x", "foo", "bar", "--", "./prog"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("unexpected 'foo' before '--'"), std::string::npos) << exit.output;
}

TEST(CommandLine, missing_command_after_double_dash_is_a_usage_error) {
  for (const Args& args : {Args{"--"}, Args{"--timeout", "1", "--"}, Args{"--", ""}}) {
    const EarlyExit exit = parse_error(args);
    EXPECT_EQ(exit.exit_code, exit_code::kUsage);
    EXPECT_NE(exit.output.find("COMMAND"), std::string::npos) << exit.output;
  }
}

TEST(CommandLine, usage_errors_point_to_help) {
  EXPECT_NE(parse_error({"--memory", "12Q", "--", "x"}).output.find("--help"), std::string::npos);
}

// ---- every option ------------------------------------------------------------------------------

TEST(CommandLine, every_option_reaches_its_field) {
  const Options options = parse_ok({"--name", "order_book", "--memory", "512M", "--timeout", "2.5", "--grace", "0.25",
                                    "--result", "out/record.json", "--core", "--cpu-time", "30", "--max-open-files",
                                    "64", "--max-file-size", "1G", "--data-limit", "2G", "--max-processes", "16",
                                    "--allow-leaks", "--keep-tmp", "--limit-mode", "sample", "--cgroup-parent",
                                    "/sys/fs/cgroup/delegated", "--measurements", "--gtest", "--", "./prog", "arg"});
  EXPECT_EQ(options.name, "order_book");
  EXPECT_EQ(options.memory_limit_bytes, 512 * kMiB);
  EXPECT_EQ(options.memory_limit_source, BudgetSource::option);
  EXPECT_EQ(options.timeout, std::chrono::nanoseconds{2500ms});
  EXPECT_EQ(options.grace, 250ms);
  EXPECT_EQ(options.result_path, std::filesystem::path("out/record.json"));
  EXPECT_TRUE(options.allow_core);
  EXPECT_EQ(options.cpu_time_seconds, 30u);
  EXPECT_EQ(options.max_open_files, 64u);
  EXPECT_EQ(options.max_file_size_bytes, std::uint64_t{1} << 30);
  EXPECT_EQ(options.data_limit_bytes, std::uint64_t{2} << 30);
  EXPECT_EQ(options.max_processes, 16u);
  EXPECT_TRUE(options.allow_leaks);
  EXPECT_TRUE(options.keep_tmp);
  EXPECT_EQ(options.limit_mode, LimitMode::sample);
  EXPECT_EQ(options.cgroup_parent, std::filesystem::path("/sys/fs/cgroup/delegated"));
  EXPECT_TRUE(options.print_measurements);
  EXPECT_TRUE(options.gtest);
  EXPECT_EQ(options.command, (std::vector<std::string>{"./prog", "arg"}));
}

TEST(CommandLine, bad_values_in_the_equals_form_are_named_too) {
  const EarlyExit exit = parse_error({"--memory=12Q", "--", "x"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("--memory"), std::string::npos) << exit.output;
  EXPECT_NE(exit.output.find("'12Q'"), std::string::npos) << exit.output;
}

TEST(CommandLine, an_option_given_twice_is_a_usage_error) {
  const EarlyExit exit = parse_error({"--memory", "1G", "--memory", "2G", "--", "x"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("--memory"), std::string::npos) << exit.output;
}

TEST(CommandLine, options_accept_the_equals_form) {
  const Options options = parse_ok({"--memory=2G", "--timeout=30", "--name=x", "--", "prog"});
  EXPECT_EQ(options.memory_limit_bytes, std::uint64_t{2} << 30);
  EXPECT_EQ(options.timeout, std::chrono::nanoseconds{30s});
  EXPECT_EQ(options.name, "x");
}

TEST(CommandLine, each_limit_mode_is_recognised) {
  EXPECT_EQ(parse_ok({"--limit-mode", "auto", "--", "x"}).limit_mode, LimitMode::automatic);
  EXPECT_EQ(parse_ok({"--limit-mode", "cgroup", "--", "x"}).limit_mode, LimitMode::cgroup);
  EXPECT_EQ(parse_ok({"--limit-mode", "sample", "--", "x"}).limit_mode, LimitMode::sample);
}

TEST(CommandLine, limit_mode_names_round_trip) {
  EXPECT_EQ(to_string(LimitMode::automatic), "auto");
  EXPECT_EQ(to_string(LimitMode::cgroup), "cgroup");
  EXPECT_EQ(to_string(LimitMode::sample), "sample");
}

TEST(CommandLine, cgroup_parent_comes_from_the_environment_when_the_option_is_absent) {
  const Environment environment{{"MMTEST_CGROUP_PARENT", "/sys/fs/cgroup/ci.scope"}};
  const Options from_environment = parse_ok({"--", "x"}, environment);
  EXPECT_EQ(from_environment.cgroup_parent, std::filesystem::path("/sys/fs/cgroup/ci.scope"));
  EXPECT_EQ(from_environment.cgroup_parent_source, "MMTEST_CGROUP_PARENT");

  const Options from_option = parse_ok({"--cgroup-parent", "/sys/fs/cgroup/mine", "--", "x"}, environment);
  EXPECT_EQ(from_option.cgroup_parent, std::filesystem::path("/sys/fs/cgroup/mine"));
  EXPECT_EQ(from_option.cgroup_parent_source, "--cgroup-parent");

  const Options empty_variable = parse_ok({"--", "x"}, {{"MMTEST_CGROUP_PARENT", ""}});
  EXPECT_FALSE(empty_variable.cgroup_parent.has_value());
  EXPECT_EQ(empty_variable.cgroup_parent_source, "");
}

TEST(CommandLine, max_processes_zero_means_no_cap) {
  EXPECT_EQ(parse_ok({"--max-processes", "0", "--", "x"}).max_processes, 0u);
}

TEST(CommandLine, the_skip_code_is_any_exit_code_but_the_launchers_own) {
  EXPECT_FALSE(parse_ok({"--", "x"}).skip_code.has_value());
  EXPECT_EQ(parse_ok({"--skip-code", "77", "--", "x"}).skip_code, 77);
  EXPECT_EQ(parse_ok({"--skip-code=120", "--", "x"}).skip_code, 120);
  EXPECT_EQ(parse_ok({"--skip-code", "128", "--", "x"}).skip_code, 128);
}

TEST(CommandLine, memory_default_marks_the_budget_as_not_declared) {
  EXPECT_FALSE(parse_ok({"--memory", "256M", "--", "x"}).memory_is_default);
  EXPECT_TRUE(parse_ok({"--memory", "256M", "--memory-default", "--", "x"}).memory_is_default);
  // A default of no budget would make a record that says "not declared" of no limit.
  const EarlyExit without = parse_error({"--memory-default", "--", "x"});
  EXPECT_EQ(without.exit_code, exit_code::kUsage);
  EXPECT_NE(without.output.find("--memory-default says the memory budget is a default, but there is none"),
            std::string::npos)
      << without.output;
}

TEST(CommandLine, mmtest_ctest_timeouts_asks_to_wait_for_ctests_own_timeout) {
  EXPECT_FALSE(parse_ok({"--", "x"}).wait_for_ctest_timeout);
  EXPECT_TRUE(parse_ok({"--", "x"}, {{"MMTEST_CTEST_TIMEOUTS", "1"}}).wait_for_ctest_timeout);
  EXPECT_TRUE(parse_ok({"--", "x"}, {{"MMTEST_CTEST_TIMEOUTS", "ON"}}).wait_for_ctest_timeout);
  EXPECT_FALSE(parse_ok({"--", "x"}, {{"MMTEST_CTEST_TIMEOUTS", "0"}}).wait_for_ctest_timeout);
  EXPECT_FALSE(parse_ok({"--", "x"}, {{"MMTEST_CTEST_TIMEOUTS", ""}}).wait_for_ctest_timeout);
  const EarlyExit bad = parse_error({"--", "x"}, {{"MMTEST_CTEST_TIMEOUTS", "sometimes"}});
  EXPECT_EQ(bad.exit_code, exit_code::kUsage);
  EXPECT_NE(bad.output.find("MMTEST_CTEST_TIMEOUTS: expected 1 or 0 (on or off), got 'sometimes'"), std::string::npos)
      << bad.output;
}

TEST(CommandLine, labels_are_comma_separated_and_none_is_empty) {
  EXPECT_TRUE(parse_ok({"--", "x"}).labels.empty());
  EXPECT_EQ(parse_ok({"--labels=unit", "--", "x"}).labels, std::vector<std::string>{"unit"});
  EXPECT_EQ(parse_ok({"--labels", "integration,nightly.db", "--", "x"}).labels,
            (std::vector<std::string>{"integration", "nightly.db"}));
}

TEST(CommandLine, grace_may_be_zero) {
  EXPECT_EQ(parse_ok({"--grace", "0", "--", "x"}).grace, 0ns);
}

// ---- bad values ----------------------------------------------------------------------------------

struct BadValue {
  std::string option;
  std::string value;
};

class CommandLineBadValue : public ::testing::TestWithParam<BadValue> {};

TEST_P(CommandLineBadValue, exits_125_naming_the_option_and_the_value) {
  const BadValue& bad = GetParam();
  const EarlyExit exit = parse_error({bad.option, bad.value, "--", "./prog"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find(bad.option), std::string::npos) << exit.output;
  EXPECT_NE(exit.output.find("'" + bad.value + "'"), std::string::npos) << exit.output;
  EXPECT_TRUE(exit.output.ends_with("\n")) << "the message is one whole line: " << exit.output;
}

// "memory_0", "max_open_files_13": gtest names must be identifiers.
std::string bad_value_test_name(const ::testing::TestParamInfo<BadValue>& param_info) {
  std::string name = param_info.param.option.substr(2) + "_" + std::to_string(param_info.index);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    EveryValidatedOption, CommandLineBadValue,
    ::testing::Values(BadValue{"--memory", "12Q"}, BadValue{"--memory", "-1G"}, BadValue{"--memory", "0"},
                      BadValue{"--memory", "1.5"}, BadValue{"--timeout", "abc"}, BadValue{"--timeout", "0"},
                      BadValue{"--timeout", "-3"}, BadValue{"--timeout", "1e3"}, BadValue{"--grace", "soon"},
                      BadValue{"--grace", "-1"}, BadValue{"--result", ""}, BadValue{"--cpu-time", "1.5"},
                      BadValue{"--cpu-time", "10s"}, BadValue{"--max-open-files", "many"},
                      BadValue{"--max-file-size", "12Q"}, BadValue{"--data-limit", "1e9"},
                      BadValue{"--max-processes", "-3"}, BadValue{"--max-processes", "1.5"},
                      BadValue{"--limit-mode", "turbo"}, BadValue{"--skip-code", "0"},
                      BadValue{"--skip-code", "256"}, BadValue{"--skip-code", "123"}, BadValue{"--skip-code", "skip"}, BadValue{"--labels", ""},
                      BadValue{"--labels", "unit,,slow"}, BadValue{"--labels", "unit,"}),
    bad_value_test_name);

TEST(CommandLine, unknown_option_is_a_usage_error_naming_it) {
  const EarlyExit exit = parse_error({"--memroy", "1G", "--", "x"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("--memroy"), std::string::npos) << exit.output;
}

TEST(CommandLine, option_without_its_value_is_a_usage_error) {
  const EarlyExit exit = parse_error({"--memory", "--", "x"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("--memory"), std::string::npos) << exit.output;
}

TEST(CommandLine, an_abbreviated_option_is_unknown_though_it_is_unambiguous) {
  for (const Args& args : {Args{"--mem", "1G", "--", "x"}, Args{"--time=5", "--", "x"}}) {
    const EarlyExit exit = parse_error(args);
    EXPECT_EQ(exit.exit_code, exit_code::kUsage);
    EXPECT_NE(exit.output.find("unknown option '" + args.front().substr(0, args.front().find('=')) + "'"), std::string::npos)
        << exit.output;
  }
}

TEST(CommandLine, a_flag_takes_an_optional_true_or_false) {
  const Options options = parse_ok({"--core=false", "--keep-tmp=1", "--allow-leaks=yes", "--gtest=off", "--", "x"});
  EXPECT_FALSE(options.allow_core);
  EXPECT_TRUE(options.keep_tmp);
  EXPECT_TRUE(options.allow_leaks);
  EXPECT_FALSE(options.gtest);
  const EarlyExit exit = parse_error({"--core=maybe", "--", "x"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("--core"), std::string::npos) << exit.output;
  EXPECT_NE(exit.output.find("'maybe'"), std::string::npos) << exit.output;
}

TEST(CommandLine, a_flag_given_twice_is_the_flag) {
  EXPECT_TRUE(parse_ok({"--gtest", "--gtest", "--", "x"}).gtest);
}

TEST(CommandLine, a_value_option_given_twice_names_the_option) {
  const EarlyExit exit = parse_error({"--timeout", "5", "--name", "n", "--timeout=6", "--", "x"});
  EXPECT_EQ(exit.exit_code, exit_code::kUsage);
  EXPECT_NE(exit.output.find("--timeout given more than once"), std::string::npos) << exit.output;
}

// The parser keeps state between words (getopt_long's); an earlier parse stopped half-way, inside
// a cluster of short options, must not leak into the next one.
TEST(CommandLine, each_parse_starts_afresh_after_one_that_stopped_half_way) {
  EXPECT_EQ(parse_error({"-hx", "--", "x"}).exit_code, exit_code::kUsage);
  EXPECT_EQ(parse_error({"--name", "a", "--frobnicate", "--", "x"}).exit_code, exit_code::kUsage);
  const Options options = parse_ok({"--name", "second", "--timeout", "3", "--", "prog"});
  EXPECT_EQ(options.name, "second");
  EXPECT_EQ(options.timeout, std::chrono::nanoseconds{3s});
  EXPECT_EQ(options.command, (std::vector<std::string>{"prog"}));
}

// ---- --help and --version ----------------------------------------------------------------------

TEST(CommandLine, help_exits_0_and_lists_the_options) {
  for (const Args& args : {Args{"--help"}, Args{"-h"}, Args{"--help", "--", "x"}}) {
    const EarlyExit exit = parse_error(args);
    EXPECT_EQ(exit.exit_code, 0);
    for (const char* option : {"--memory", "--timeout", "--grace", "--result", "--max-processes", "--limit-mode",
                               "--allow-leaks", "--cgroup-parent", "--gtest"}) {
      EXPECT_NE(exit.output.find(option), std::string::npos) << option << " missing from:\n" << exit.output;
    }
    EXPECT_NE(exit.output.find("124"), std::string::npos) << "the exit-code contract is in the help";
  }
}

TEST(CommandLine, version_exits_0_with_the_project_version) {
  for (const Args& args : {Args{"--version"}, Args{"--version", "--", "x"}}) {
    const EarlyExit exit = parse_error(args);
    EXPECT_EQ(exit.exit_code, 0);
    EXPECT_EQ(exit.output, std::string("mmtest-run ") + MMTEST_EXPECTED_VERSION + "\n");
  }
}

// ---- the budget from CTest's resource allocation -----------------------------------------------

TEST(CommandLine, budget_comes_from_ctest_allocation_when_memory_is_absent) {
  const Options options = parse_ok({"--", "x"}, ctest_allocation("id:0,slots:512"));
  EXPECT_EQ(options.memory_limit_bytes, 512 * kMiB);
  EXPECT_EQ(options.memory_limit_source, BudgetSource::ctest_allocation);
}

TEST(CommandLine, ctest_allocation_sums_every_slot) {
  const Options options = parse_ok({"--", "x"}, ctest_allocation("id:0,slots:512;id:1,slots:64"));
  EXPECT_EQ(options.memory_limit_bytes, 576 * kMiB);
}

TEST(CommandLine, memory_option_takes_precedence_over_ctest_allocation) {
  const Options options = parse_ok({"--memory", "1G", "--", "x"}, ctest_allocation("id:0,slots:512"));
  EXPECT_EQ(options.memory_limit_bytes, std::uint64_t{1} << 30);
  EXPECT_EQ(options.memory_limit_source, BudgetSource::option);
}

TEST(CommandLine, zero_ctest_slots_means_no_budget) {
  const Options options = parse_ok({"--", "x"}, ctest_allocation("id:0,slots:0"));
  EXPECT_FALSE(options.memory_limit_bytes.has_value());
  EXPECT_EQ(options.memory_limit_source, BudgetSource::none);
}

TEST(CommandLine, unrelated_environment_gives_no_budget) {
  const Options options = parse_ok({"--", "x"}, {{"PATH", "/bin"}, {"HOME", "/root"}});
  EXPECT_FALSE(options.memory_limit_bytes.has_value());
  EXPECT_EQ(options.memory_limit_source, BudgetSource::none);
}

TEST(CommandLine, malformed_ctest_allocation_is_a_usage_error) {
  const Environment malformed[] = {
      {{"CTEST_RESOURCE_GROUP_COUNT", "two"}},
      {{"CTEST_RESOURCE_GROUP_COUNT", "1"}, {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"}},
      ctest_allocation("id:0,slots:lots"),
      ctest_allocation("id:0"),
  };
  for (const Environment& environment : malformed) {
    const EarlyExit exit = parse_error({"--", "x"}, environment);
    EXPECT_EQ(exit.exit_code, exit_code::kUsage);
    EXPECT_NE(exit.output.find("CTEST_RESOURCE_GROUP"), std::string::npos) << exit.output;
  }
}

// ---- environment_from ----------------------------------------------------------------------------

TEST(EnvironmentFrom, splits_at_the_first_equals_and_skips_entries_without_one) {
  char first[] = "PATH=/usr/bin:/bin";
  char second[] = "EQUATION=a=b";
  char third[] = "EMPTY=";
  char broken[] = "NO_EQUALS_SIGN";
  char* envp[] = {first, second, third, broken, nullptr};
  const Environment environment = environment_from(envp);
  EXPECT_EQ(environment, (Environment{{"PATH", "/usr/bin:/bin"}, {"EQUATION", "a=b"}, {"EMPTY", ""}}));
}

TEST(EnvironmentFrom, accepts_a_null_environment) {
  EXPECT_TRUE(environment_from(nullptr).empty());
}

}  // namespace
}  // namespace mmtest::run
