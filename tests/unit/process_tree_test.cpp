#include "mmtest/run/process_tree.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mmtest/common/format.hpp"

namespace mmtest::run {
namespace {

// A child that waits for a signal: the process signal_each() is pointed at. Killed and reaped
// by the destructor whatever the test did.
class SleepingChild {
 public:
  SleepingChild() : pid_(::fork()) {
    if (pid_ == 0) {
      for (;;) ::pause();
    }
  }
  ~SleepingChild() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      reap();
    }
  }
  pid_t pid() const { return pid_; }
  // What /proc says of it now (it exists from fork() on: no waiting needed).
  ProcessInfo seen() const {
    const FileText stat = read_small_file(fmt::format("/proc/{}/stat", pid_));
    EXPECT_TRUE(stat.ok);
    return parse_proc_stat(stat.text, 4096).value_or(ProcessInfo{});
  }
  int reap() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }
  bool still_running() const {
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

TEST(SignalEach, signals_the_process_the_snapshot_saw) {
  SleepingChild child;
  ASSERT_GT(child.pid(), 0);
  TreeSnapshot tree;
  tree.live.push_back(child.seen());
  ASSERT_NE(tree.live[0].start_time_ticks, 0u);
  EXPECT_EQ(signal_each(tree, SIGTERM), 1u);
  const int status = child.reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
}

TEST(SignalEach, a_pid_with_another_start_time_is_another_process_and_is_left_alone) {
  // The snapshot's entry stands for an earlier process that had this pid: the one there now
  // started at another time, so it must not receive the signal.
  SleepingChild child;
  ASSERT_GT(child.pid(), 0);
  TreeSnapshot tree;
  tree.live.push_back(child.seen());
  tree.live[0].start_time_ticks += 1;
  EXPECT_EQ(signal_each(tree, SIGKILL), 0u);
  EXPECT_TRUE(child.still_running());
}

TEST(SignalEach, a_process_that_ended_and_was_reaped_is_skipped) {
  SleepingChild child;
  ASSERT_GT(child.pid(), 0);
  TreeSnapshot tree;
  tree.live.push_back(child.seen());
  ::kill(child.pid(), SIGKILL);
  child.reap();
  EXPECT_EQ(signal_each(tree, SIGTERM), 0u);
}

}  // namespace
}  // namespace mmtest::run
