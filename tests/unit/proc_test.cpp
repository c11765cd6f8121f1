#include "mmtest/run/proc.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace mmtest::run {
namespace {

constexpr std::uint64_t kPageBytes = 4096;

// A /proc/<pid>/stat line in the kernel's layout: "pid (comm) state ppid" then fields 5..52,
// with rss (field 24) set to rss_pages.
std::string stat_line(pid_t pid, const std::string& comm, char state, pid_t ppid, long rss_pages) {
  // Fields 5..23: pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
  // cstime priority nice num_threads itrealvalue starttime vsize.
  return std::to_string(pid) + " (" + comm + ") " + state + " " + std::to_string(ppid) +
         " 4242 4242 34816 4242 4194560 812 0 3 0 17 5 0 0 20 0 1 0 987654 23068672 " + std::to_string(rss_pages) +
         " 18446744073709551615 94000000000000 94000000100000 140000000000000 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
}

TEST(ParseProcStat, reads_the_number_of_threads) {
  std::string line = stat_line(9, "pool", 'S', 1, 3);
  const std::string one_thread = " 20 0 1 0 987654 ";
  ASSERT_NE(line.find(one_thread), std::string::npos);
  EXPECT_EQ(parse_proc_stat(line, kPageBytes)->threads, 1u);
  line.replace(line.find(one_thread), one_thread.size(), " 20 0 12 0 987654 ");
  const auto info = parse_proc_stat(line, kPageBytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->threads, 12u);
  EXPECT_EQ(info->start_time_ticks, 987654u);
}

TEST(ParseProcStat, reads_pid_comm_state_ppid_and_rss) {
  const auto info = parse_proc_stat(stat_line(4243, "order_book", 'R', 4242, 300), kPageBytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->pid, 4243);
  EXPECT_EQ(info->comm, "order_book");
  EXPECT_EQ(info->state, 'R');
  EXPECT_EQ(info->ppid, 4242);
  EXPECT_EQ(info->rss_bytes, 300 * kPageBytes);
  EXPECT_EQ(info->start_time_ticks, 987654u);  // field 22
  EXPECT_TRUE(info->is_live());
}

TEST(ParseProcStat, cpu_ticks_add_the_threads_and_the_reaped_children) {
  // utime 17, stime 5 (every thread of the process), cutime 300, cstime 41 (children it reaped).
  const std::string line =
      "77 (spin) R 1 77 77 0 -1 4194560 812 0 3 0 17 5 300 41 20 0 4 0 987654 23068672 10 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto info = parse_proc_stat(line, kPageBytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->cpu_ticks, 17u + 5u + 300u + 41u);
  EXPECT_EQ(info->rss_bytes, 10 * kPageBytes);
}

TEST(ParseProcStat, rss_scales_with_the_page_size) {
  const auto info = parse_proc_stat(stat_line(7, "x", 'S', 1, 3), 65536);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->rss_bytes, 3u * 65536u);
}

TEST(ParseProcStat, comm_may_contain_spaces_and_parentheses) {
  // A hostile name that looks like the end of the comm followed by other fields.
  const auto info = parse_proc_stat(stat_line(31, "a) Z 1 (b c)", 'S', 30, 12), kPageBytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->pid, 31);
  EXPECT_EQ(info->comm, "a) Z 1 (b c)");
  EXPECT_EQ(info->state, 'S');
  EXPECT_EQ(info->ppid, 30);
  EXPECT_EQ(info->rss_bytes, 12 * kPageBytes);
}

TEST(ParseProcStat, comm_may_be_empty_or_only_parentheses) {
  const auto empty = parse_proc_stat(stat_line(5, "", 'S', 1, 1), kPageBytes);
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->comm, "");
  EXPECT_EQ(empty->ppid, 1);
  const auto parens = parse_proc_stat(stat_line(6, "))((", 'D', 2, 1), kPageBytes);
  ASSERT_TRUE(parens.has_value());
  EXPECT_EQ(parens->comm, "))((");
  EXPECT_EQ(parens->state, 'D');
  EXPECT_EQ(parens->ppid, 2);
}

TEST(ParseProcStat, zombies_and_dead_processes_are_not_live) {
  const auto zombie = parse_proc_stat(stat_line(40, "worker", 'Z', 39, 0), kPageBytes);
  ASSERT_TRUE(zombie.has_value());
  EXPECT_EQ(zombie->state, 'Z');
  EXPECT_FALSE(zombie->is_live());
  EXPECT_EQ(zombie->rss_bytes, 0u);
  const auto dead = parse_proc_stat(stat_line(41, "worker", 'X', 39, 0), kPageBytes);
  ASSERT_TRUE(dead.has_value());
  EXPECT_FALSE(dead->is_live());
  for (const char state : {'R', 'S', 'D', 'T', 't', 'I'}) {
    const auto live = parse_proc_stat(stat_line(42, "w", state, 39, 1), kPageBytes);
    ASSERT_TRUE(live.has_value()) << state;
    EXPECT_TRUE(live->is_live()) << state;
  }
}

TEST(ParseProcStat, a_negative_rss_counts_as_zero) {
  const auto info = parse_proc_stat(stat_line(8, "x", 'S', 1, -1), kPageBytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->rss_bytes, 0u);
}

TEST(ParseProcStat, malformed_text_gives_nothing) {
  const std::string good = stat_line(9, "x", 'S', 1, 5);
  const std::string truncated_before_rss = good.substr(0, good.find(" 23068672"));
  for (const std::string& bad : {std::string{}, std::string{"garbage"}, std::string{"9 x S 1 2 3"},
                                 std::string{"9 (x S 1"}, std::string{"9 x) S 1"}, std::string{"(x) S 1 2"},
                                 std::string{"nine (x) S 1 4242 4242 0 0 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 5 0"},
                                 std::string{"9 (x) S one 4242 4242 0 0 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 5 0"},
                                 std::string{"9 (x) SS 1 4242 4242 0 0 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 5 0"},
                                 std::string{"9 (x) S 1 4242 4242 0 0 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 lots 0"},
                                 std::string{"9 (x)"}, truncated_before_rss}) {
    EXPECT_FALSE(parse_proc_stat(bad, kPageBytes).has_value()) << "'" << bad << "'";
  }
}

// ---- descendants_of ------------------------------------------------------------------------------

ProcessInfo process(pid_t pid, pid_t ppid, char state = 'S') {
  ProcessInfo info;
  info.pid = pid;
  info.ppid = ppid;
  info.state = state;
  info.comm = "p" + std::to_string(pid);
  return info;
}

std::vector<pid_t> pids_of(const std::vector<ProcessInfo>& processes) {
  std::vector<pid_t> pids;
  for (const ProcessInfo& info : processes) pids.push_back(info.pid);
  std::ranges::sort(pids);
  return pids;
}

// 1 init
// ├── 100 supervisor
// │   ├── 101 test main
// │   │   └── 103 grandchild
// │   │       └── 104 great-grandchild (zombie)
// │   └── 102 re-parented daemon
// └── 200 unrelated
//     └── 201 unrelated child
const std::vector<ProcessInfo> kTable = {process(1, 0),   process(200, 1), process(104, 103, 'Z'),
                                         process(101, 100), process(201, 200), process(103, 101),
                                         process(100, 1),   process(102, 100)};

TEST(DescendantsOf, finds_children_and_grandchildren_but_not_unrelated_processes) {
  EXPECT_EQ(pids_of(descendants_of(100, kTable)), (std::vector<pid_t>{101, 102, 103, 104}));
}

TEST(DescendantsOf, excludes_the_root_itself) {
  const auto found = descendants_of(101, kTable);
  EXPECT_EQ(pids_of(found), (std::vector<pid_t>{103, 104}));
}

TEST(DescendantsOf, keeps_the_fields_of_each_process) {
  for (const ProcessInfo& info : descendants_of(103, kTable)) {
    EXPECT_EQ(info.pid, 104);
    EXPECT_EQ(info.ppid, 103);
    EXPECT_EQ(info.state, 'Z');
    EXPECT_EQ(info.comm, "p104");
  }
  EXPECT_EQ(descendants_of(103, kTable).size(), 1u);
}

TEST(DescendantsOf, a_leaf_or_an_unknown_pid_has_none) {
  EXPECT_TRUE(descendants_of(104, kTable).empty());
  EXPECT_TRUE(descendants_of(999, kTable).empty());
  EXPECT_TRUE(descendants_of(100, {}).empty());
}

// ---- the live /proc -------------------------------------------------------------------------------

TEST(ReadAllProcesses, sees_this_process_with_its_parent) {
  const auto everyone = read_all_processes();
  const auto self = std::ranges::find(everyone, ::getpid(), &ProcessInfo::pid);
  ASSERT_NE(self, everyone.end());
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_TRUE(self->is_live());
  EXPECT_GT(self->rss_bytes, 0u);
}

// A real child and grandchild, both paused; the grandchild's pid arrives through a pipe once it runs.
class LiveTree : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    child_ = ::fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      const pid_t grandchild = ::fork();
      if (grandchild == 0) {
        const pid_t me = ::getpid();
        if (::write(fds[1], &me, sizeof me) != sizeof me) ::_exit(1);
        while (true) ::pause();
      }
      while (true) ::pause();
    }
    ::close(fds[1]);
    ASSERT_EQ(::read(fds[0], &grandchild_, sizeof grandchild_), static_cast<ssize_t>(sizeof grandchild_));
    ::close(fds[0]);
  }
  void TearDown() override {
    if (grandchild_ > 0) ::kill(grandchild_, SIGKILL);
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
  }
  pid_t child_ = -1;
  pid_t grandchild_ = -1;
};

TEST_F(LiveTree, walking_the_children_lists_finds_child_and_grandchild) {
  const auto walked = walk_descendants(::getpid());
  if (!walked) GTEST_SKIP() << "this kernel has no /proc/<pid>/task/<tid>/children";
  std::vector<pid_t> pids;
  for (const ProcessInfo& process : *walked) pids.push_back(process.pid);
  std::ranges::sort(pids);
  std::vector<pid_t> expected{child_, grandchild_};
  std::ranges::sort(expected);
  EXPECT_EQ(pids, expected);
  for (const ProcessInfo& process : *walked) {
    EXPECT_EQ(process.ppid, process.pid == child_ ? ::getpid() : child_);
    EXPECT_GT(process.rss_bytes, 0u);
  }
}

TEST_F(LiveTree, walking_agrees_with_the_complete_scan) {
  const auto walked = walk_descendants(::getpid());
  if (!walked) GTEST_SKIP() << "this kernel has no /proc/<pid>/task/<tid>/children";
  std::vector<pid_t> from_walk, from_scan;
  for (const ProcessInfo& process : *walked) from_walk.push_back(process.pid);
  for (const ProcessInfo& process : descendants_of(::getpid(), read_all_processes())) from_scan.push_back(process.pid);
  std::ranges::sort(from_walk);
  std::ranges::sort(from_scan);
  EXPECT_EQ(from_walk, from_scan);
}

TEST(KillPending, reads_sigkill_from_the_thread_or_the_shared_pending_mask) {
  // /proc/<pid>/status as Linux writes it, cut to the lines around the masks. SIGKILL is
  // signal 9: bit 8, 0x100.
  const std::string before = "Name:\tsleep\nState:\tS (sleeping)\nThreads:\t1\n";
  const std::string after = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n";
  EXPECT_FALSE(kill_pending_in_status(before + "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n" + after));
  EXPECT_TRUE(kill_pending_in_status(before + "SigPnd:\t0000000000000100\nShdPnd:\t0000000000000000\n" + after));
  EXPECT_TRUE(kill_pending_in_status(before + "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000100\n" + after));
  // SIGTERM (15: 0x4000) and SIGINT (2: 0x2) pending may be handled: the process may live on.
  EXPECT_FALSE(kill_pending_in_status(before + "SigPnd:\t0000000000004002\nShdPnd:\t0000000000004000\n" + after));
  EXPECT_FALSE(kill_pending_in_status(before + after));  // no masks: not killed
  // SigBlk and SigIgn with bit 8 set say nothing about a pending kill.
  EXPECT_FALSE(kill_pending_in_status(before + "SigPnd:\t0\nShdPnd:\t0\nSigBlk:\t0000000000000100\n"));
}

TEST(KillPending, a_live_sleeping_process_is_not_being_killed_and_a_missing_one_reads_false) {
  EXPECT_FALSE(kill_pending(::getpid()));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    while (true) ::pause();
  }
  EXPECT_FALSE(kill_pending(child));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(kill_pending(child));  // reaped: no status to read
}

TEST(ReadCommandLine, joins_the_arguments_of_a_live_process) {
  const std::string command = read_command_line(::getpid(), "fallback");
  EXPECT_NE(command.find("launcher_unit_tests"), std::string::npos) << command;
}

TEST(ReadCommandLine, falls_back_to_the_comm_in_brackets) {
  EXPECT_EQ(read_command_line(INT_MAX, "ghost"), "[ghost]");
}

}  // namespace
}  // namespace mmtest::run
