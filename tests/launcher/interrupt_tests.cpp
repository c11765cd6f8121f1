// The launcher itself receives SIGTERM/SIGINT/SIGHUP (CTest's timeout, Ctrl-C, a closed terminal):
// it forwards the signal to the tree, kills what remains after the grace, writes the record, and
// dies by the same signal.
#include <signal.h>

#include "support.hpp"

namespace mmtest::launcher_test {
namespace {

class Interrupt : public LauncherTest {
 protected:
  void expect_interrupted_by(int signal, const std::vector<std::string>& helper_command) {
    const std::string name = signal_name(signal);
    const auto record_path = dir_ / "records" / "interrupted.json";
    ReadyFifo fifo(dir_ / "ready");
    auto command = helper_command;
    command.insert(command.end(), {"--ready", fifo.path().string()});
    auto launcher_process = Process::start(launcher(
        {"--name", "victim", "--grace", "0.5", "--result", record_path.string()}, command));

    ASSERT_TRUE(launcher_process.wait_ready(fifo.fd(), std::chrono::seconds(30)))
        << "the helper never reported ready";
    ASSERT_EQ(::kill(launcher_process.pid(), signal), 0);
    const auto result = launcher_process.finish();

    EXPECT_TRUE(result.status.killed_by(signal)) << describe(result.status) << "\n" << result.err;
    EXPECT_FALSE(
        match_diagnosis(result, "mmtest: victim interrupted: mmtest-run received " + name).empty());
    expect_no_survivors();

    const auto record = read_record(record_path);
    expect_record_basics(record, result, "victim", command);
    EXPECT_EQ(record["outcome"], "interrupted");
    EXPECT_EQ(record["signal"], name);
    EXPECT_EQ(record["launcher_exit_code"], 128 + signal);
    expect_only_file(record_path.parent_path(), "interrupted.json");
  }
};

TEST_F(Interrupt, SigtermIsForwardedThenEscalatedAndReRaised) {
  // The child ignores the forwarded SIGTERM: only the SIGKILL after the grace ends it.
  expect_interrupted_by(SIGTERM, helper("ignore-term"));
}

TEST_F(Interrupt, SigintReachesAnEscapedGrandchildAndIsReRaised) {
  // The main process sleeps; its setsid grandchild ignores SIGTERM and left the process group.
  expect_interrupted_by(SIGINT, helper("daemonize", {"--hold"}));
}

TEST_F(Interrupt, SighupEndsATreeOfChildrenAndIsReRaised) {
  expect_interrupted_by(SIGHUP, helper("children", {"--count", "3", "--mib", "1", "--hold"}));
}

}  // namespace
}  // namespace mmtest::launcher_test
