#include "init.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_process_ops.h"

namespace tend {
namespace {

int Exited(int code) { return code << 8; }
int Killed(int sig) { return sig; }

class InitTest : public testing::Test {
 protected:
  void Create(InitConfig config = {}) {
    if (config.main.argv.empty()) config.main.argv = {"app"};
    init_ = std::make_unique<Init>(config, &ops_, &clock_, &reaper_, [this](int code) {
      ++done_calls_;
      code_ = code;
    });
    std::string err;
    ASSERT_TRUE(init_->Start(&err)) << err;
    pid_ = init_->main_pid();
    ops_.observers[0]->OnExecResult(pid_, nullptr);
  }
  // The main program's exit as the Reaper would deliver it.
  void MainExits(int status) { reaper_.Dispatch(pid_, status); }

  FakeProcessOps ops_;
  FakeClock clock_;
  Reaper reaper_;
  std::unique_ptr<Init> init_;
  pid_t pid_ = -1;
  int done_calls_ = 0;
  int code_ = -1;
};

TEST(ExitCodeOfTest, CodeOrSignal) {
  EXPECT_EQ(0, ExitCodeOf(Exited(0)));
  EXPECT_EQ(3, ExitCodeOf(Exited(3)));
  EXPECT_EQ(255, ExitCodeOf(Exited(255)));
  EXPECT_EQ(143, ExitCodeOf(Killed(SIGTERM)));
  EXPECT_EQ(137, ExitCodeOf(Killed(SIGKILL)));
}

TEST_F(InitTest, MainExitsAloneGivesItsStatus) {
  Create();
  EXPECT_EQ(1u, reaper_.watched());
  MainExits(Exited(3));
  EXPECT_EQ(Init::Phase::kDone, init_->phase());
  EXPECT_EQ(1, done_calls_);
  EXPECT_EQ(3, code_);
  EXPECT_EQ("", ops_.TakeCalls());  // Nobody left: nothing signalled.
}

TEST_F(InitTest, MainKilledBySignalGives128PlusN) {
  Create();
  MainExits(Killed(SIGSEGV));
  EXPECT_EQ(128 + SIGSEGV, code_);
}

TEST_F(InitTest, TermIsPassedToTheGroupAndStatusFollows) {
  Create();
  init_->OnSignal(SIGTERM);
  EXPECT_EQ(Init::Phase::kStopping, init_->phase());
  EXPECT_EQ("group 100 TERM", ops_.TakeCalls());
  MainExits(Killed(SIGTERM));
  EXPECT_EQ(143, code_);
}

TEST_F(InitTest, IntIsPassedOnAsIntByDefault) {
  Create();
  init_->OnSignal(SIGINT);
  EXPECT_EQ("group 100 INT", ops_.TakeCalls());
}

TEST_F(InitTest, ConfiguredStopSignalReplacesTermAndInt) {
  InitConfig c;
  c.stop_signal = SIGQUIT;
  Create(c);
  init_->OnSignal(SIGINT);
  EXPECT_EQ("group 100 QUIT", ops_.TakeCalls());
}

TEST_F(InitTest, OtherSignalsAreForwardedToTheGroup) {
  Create();
  for (int s :
       {SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGQUIT, SIGCONT, SIGALRM, SIGPWR, SIGRTMIN + 2}) {
    init_->OnSignal(s);
  }
  EXPECT_EQ(
      "group 100 HUP; group 100 USR1; group 100 USR2; group 100 WINCH; group 100 QUIT; "
      "group 100 CONT; group 100 ALRM; group 100 PWR; group 100 RTMIN+2",
      ops_.TakeCalls());
  EXPECT_EQ(Init::Phase::kRunning, init_->phase());
}

TEST_F(InitTest, SignalChildOnlyTargetsThePid) {
  InitConfig c;
  c.signal_child_only = true;
  Create(c);
  init_->OnSignal(SIGUSR1);
  init_->OnSignal(SIGTERM);
  EXPECT_EQ("pid 100 USR1; pid 100 TERM", ops_.TakeCalls());
}

TEST_F(InitTest, MainIgnoringTermIsKilledAtTheTimeout) {
  InitConfig c;
  c.stop_timeout_ms = 3000;
  Create(c);
  init_->OnSignal(SIGTERM);
  ops_.TakeCalls();
  clock_.Advance(2999);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);
  EXPECT_EQ("group 100 KILL; stragglers KILL", ops_.TakeCalls());
  MainExits(Killed(SIGKILL));
  EXPECT_EQ(137, code_);
}

TEST_F(InitTest, SecondStopRequestIsPassedOnWithoutMovingTheDeadline) {
  Create();
  init_->OnSignal(SIGINT);
  clock_.Advance(5000);
  init_->OnSignal(SIGINT);
  EXPECT_EQ("group 100 INT; group 100 INT", ops_.TakeCalls());
  clock_.Advance(3000);
  EXPECT_EQ("group 100 KILL; stragglers KILL", ops_.TakeCalls());
}

TEST_F(InitTest, StragglersGetTermThenExitWhenNoneIsLeft) {
  Create();
  ops_.has_children = true;
  ops_.stragglers = 2;
  MainExits(Exited(0));
  EXPECT_EQ(Init::Phase::kSweeping, init_->phase());
  EXPECT_EQ("stragglers TERM", ops_.TakeCalls());
  EXPECT_EQ(0, done_calls_);
  init_->OnNoChildren();
  EXPECT_EQ(1, done_calls_);
  EXPECT_EQ(0, code_);
}

TEST_F(InitTest, StragglersIgnoringTermAreKilledAfterTheStopTimeout) {
  Create();
  ops_.has_children = true;
  MainExits(Exited(4));
  ops_.TakeCalls();
  clock_.Advance(7999);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);
  EXPECT_EQ("stragglers KILL", ops_.TakeCalls());
  EXPECT_EQ(Init::Phase::kKilling, init_->phase());
  init_->OnNoChildren();
  EXPECT_EQ(4, code_);
}

TEST_F(InitTest, OneDeadlineCoversStopAndSweep) {
  // docker stop gives 10 s in all: the sweep after a stop must not get a fresh 8 s.
  Create();
  init_->OnSignal(SIGTERM);
  clock_.Advance(5000);
  ops_.has_children = true;
  MainExits(Killed(SIGTERM));
  EXPECT_EQ("group 100 TERM; stragglers TERM", ops_.TakeCalls());
  clock_.Advance(2999);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);
  EXPECT_EQ("stragglers KILL", ops_.TakeCalls());
}

TEST_F(InitTest, SignalsAfterTheMainProgramEndedAreNotForwarded) {
  Create();
  ops_.has_children = true;
  MainExits(Exited(0));
  ops_.TakeCalls();
  init_->OnSignal(SIGUSR1);
  init_->OnSignal(SIGTERM);
  EXPECT_EQ("", ops_.TakeCalls());
  EXPECT_EQ(Init::Phase::kSweeping, init_->phase());
}

TEST_F(InitTest, UnkillableProcessesDoNotKeepTendForever) {
  Create();
  ops_.has_children = true;
  MainExits(Exited(0));
  clock_.Advance(8000);
  EXPECT_EQ(Init::Phase::kKilling, init_->phase());
  clock_.Advance(kKillGraceMs);
  EXPECT_EQ(Init::Phase::kDone, init_->phase());
  EXPECT_EQ(0, code_);
}

TEST_F(InitTest, ExecFailureIsReportedBeforeFinishingWhateverTheOrder) {
  InitConfig c;
  c.main.argv = {"nosuch"};
  init_ = std::make_unique<Init>(c, &ops_, &clock_, &reaper_, [this](int code) {
    ++done_calls_;
    code_ = code;
  });
  std::string err;
  ASSERT_TRUE(init_->Start(&err));
  pid_ = init_->main_pid();
  // The exit arrives first (SIGCHLD outran the status pipe), and the reaper already saw
  // that no child is left: tend must still wait for the exec result.
  MainExits(Exited(127));
  init_->OnNoChildren();
  EXPECT_EQ(0, done_calls_);
  ExecError e{ExecStage::kExec, ENOENT};
  ops_.observers[0]->OnExecResult(pid_, &e);
  EXPECT_EQ(1, done_calls_);
  EXPECT_EQ(127, code_);
}

TEST_F(InitTest, SpawnFailureIsAStartError) {
  ops_.fail_spawn = true;
  InitConfig c;
  c.main.argv = {"app"};
  Init init(c, &ops_, &clock_, &reaper_, [](int) {});
  std::string err;
  EXPECT_FALSE(init.Start(&err));
  EXPECT_NE(std::string::npos, err.find("fork"));
}

TEST_F(InitTest, NoTimerIsLeftArmedWhenDone) {
  Create();
  init_->OnSignal(SIGTERM);
  MainExits(Killed(SIGTERM));
  EXPECT_EQ(-1, clock_.NextDueIn());
}

}  // namespace
}  // namespace tend
