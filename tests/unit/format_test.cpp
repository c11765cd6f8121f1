#include "mmtest/common/format.hpp"

#include <signal.h>

#include <cerrno>
#include <gtest/gtest.h>

#include "temp_directory.hpp"

namespace mmtest::run {
namespace {

using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;

TEST(SystemErrorMessage, names_the_call_and_the_errno_text) {
  EXPECT_EQ(system_error_message("setrlimit(RLIMIT_CORE, 0)", EPERM),
            "setrlimit(RLIMIT_CORE, 0): Operation not permitted");
  EXPECT_EQ(system_error_message("open(/x)", ENOENT), "open(/x): No such file or directory");
}

TEST(SystemErrorMessage, uses_the_current_errno_by_default) {
  errno = EACCES;
  EXPECT_EQ(system_error_message("mkdir(/y)"), "mkdir(/y): Permission denied");
}

TEST(SystemErrorMessage, survives_an_unknown_errno) {
  EXPECT_EQ(system_error_message("f()", 99999), "f(): unknown error");
}

TEST(SignalName, uses_the_sig_abbreviation) {
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(signal_name(SIGINT), "SIGINT");
}

TEST(SignalName, numbers_without_a_name_are_spelled_out) {
  EXPECT_EQ(signal_name(77), "signal 77");
  EXPECT_EQ(signal_name(0), "signal 0");
}

TEST(ReadSmallFile, reads_the_whole_file) {
  TempDirectory directory;
  const std::string text = std::string(10000, 'x') + "\nend";  // more than one read()
  write_text(directory / "f", text);
  const FileText file = read_small_file((directory / "f").string());
  EXPECT_TRUE(file.ok);
  EXPECT_EQ(file.text, text);
  EXPECT_EQ(file.error, 0);
}

TEST(ReadSmallFile, reads_proc_files) {
  const FileText file = read_small_file("/proc/self/stat");
  EXPECT_TRUE(file.ok);
  EXPECT_FALSE(file.text.empty());
}

TEST(ReadSmallFile, reports_errno_when_the_file_cannot_be_opened) {
  TempDirectory directory;
  const FileText file = read_small_file((directory / "missing").string());
  EXPECT_FALSE(file.ok);
  EXPECT_EQ(file.error, ENOENT);
  EXPECT_TRUE(file.text.empty());
}

TEST(ReadSmallFile, reports_errno_when_the_file_cannot_be_read) {
  TempDirectory directory;
  const FileText file = read_small_file(directory.path().string());  // a directory opens but does not read
  EXPECT_FALSE(file.ok);
  EXPECT_EQ(file.error, EISDIR);
}

}  // namespace
}  // namespace mmtest::run
