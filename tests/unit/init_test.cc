#include "proc/init.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "base/values.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_process_ops.h"

namespace tend {
namespace {

// Records what Init asks of the workload.
struct FakeWorkload : Workload {
  bool Start(std::string*) override { return true; }
  void Stop(int trigger, int64_t) override { calls.push_back("stop " + Name(trigger)); }
  void Signal(int signo) override { calls.push_back("signal " + Name(signo)); }
  void Suspend(int signo) override { calls.push_back("suspend " + Name(signo)); }
  void Resume() override { calls.push_back("resume"); }
  void Kill() override { calls.push_back("kill"); }
  int64_t StopBudgetMs() const override { return budget; }
  static std::string Name(int s) { return s ? SignalName(s) : "0"; }
  std::string Take() {
    std::string s;
    for (const auto& c : calls) s += (s.empty() ? "" : "; ") + c;
    calls.clear();
    return s;
  }
  std::vector<std::string> calls;
  int64_t budget = 0;
};

class InitTest : public testing::Test {
 protected:
  void SetUp() override {
    init_ = std::make_unique<Init>(&work_, &ops_, &clock_, 8000, [this](int code) {
      ++done_calls_;
      code_ = code;
    });
  }
  FakeWorkload work_;
  FakeProcessOps ops_;
  FakeClock clock_;
  std::unique_ptr<Init> init_;
  int done_calls_ = 0;
  int code_ = -1;
};

TEST(ExitCodeOfTest, CodeOrSignal) {
  EXPECT_EQ(0, ExitCodeOf(0));
  EXPECT_EQ(3, ExitCodeOf(3 << 8));
  EXPECT_EQ(255, ExitCodeOf(255 << 8));
  EXPECT_EQ(143, ExitCodeOf(SIGTERM));
  EXPECT_EQ(137, ExitCodeOf(SIGKILL));
}

TEST_F(InitTest, TermStopsTheWorkloadWithTheSignal) {
  init_->OnSignal(SIGTERM);
  EXPECT_EQ(Init::Phase::kStopping, init_->phase());
  EXPECT_EQ("stop TERM", work_.Take());
  init_->OnWorkloadDone(143);
  EXPECT_EQ(Init::Phase::kDone, init_->phase());
  EXPECT_EQ(143, code_);
  EXPECT_EQ("", ops_.TakeCalls());  // No child left: nothing swept.
}

TEST_F(InitTest, IntAndRepeatedRequestsArePassedOn) {
  init_->OnSignal(SIGINT);
  init_->OnSignal(SIGINT);
  EXPECT_EQ("stop INT; stop INT", work_.Take());
}

TEST_F(InitTest, OtherSignalsGoToTheWorkload) {
  for (int s : {SIGHUP, SIGUSR1, SIGWINCH, SIGQUIT, SIGRTMIN + 2}) init_->OnSignal(s);
  EXPECT_EQ("signal HUP; signal USR1; signal WINCH; signal QUIT; signal RTMIN+2", work_.Take());
  EXPECT_EQ(Init::Phase::kRunning, init_->phase());
}

TEST_F(InitTest, AsPid1JobControlSignalsAreOnlyPassedOn) {
  for (int s : {SIGTSTP, SIGTTIN, SIGTTOU}) init_->OnSignal(s);
  EXPECT_EQ("signal TSTP; signal TTIN; signal TTOU", work_.Take());
  EXPECT_EQ("", ops_.TakeCalls());
  init_->OnMainStopped(SIGTSTP);
  EXPECT_EQ("", work_.Take());
  EXPECT_EQ("", ops_.TakeCalls());
}

TEST_F(InitTest, OutsidePid1TendStopsAfterPassingOnAJobControlSignal) {
  init_->set_job_control(true);
  init_->OnSignal(SIGTSTP);
  // The fake's StopSelf returns at once, as the real one does once continued.
  EXPECT_EQ("suspend TSTP; resume", work_.Take());
  EXPECT_EQ("stop self", ops_.TakeCalls());
  init_->OnSignal(SIGCONT);  // The shell's CONT, read after resuming: passed on.
  EXPECT_EQ("signal CONT", work_.Take());
  EXPECT_EQ(Init::Phase::kRunning, init_->phase());
}

TEST_F(InitTest, OutsidePid1TendFollowsAJobControlStopOfTheMainProgram) {
  init_->set_job_control(true);
  init_->OnMainStopped(SIGTTIN);
  EXPECT_EQ("resume", work_.Take());  // Nothing passed on: it is stopped already.
  EXPECT_EQ("stop self", ops_.TakeCalls());
  // A debugger's SIGSTOP is not the user's Ctrl-Z: tend goes on.
  init_->OnMainStopped(SIGSTOP);
  EXPECT_EQ("", work_.Take());
  EXPECT_EQ("", ops_.TakeCalls());
}

TEST_F(InitTest, NoJobControlStopOnceTheWorkloadIsDown) {
  init_->set_job_control(true);
  init_->RequestStop();
  ops_.has_children = true;
  init_->OnWorkloadDone(0);
  work_.Take();
  ops_.TakeCalls();
  init_->OnSignal(SIGTSTP);
  EXPECT_EQ("", work_.Take());
  EXPECT_EQ("", ops_.TakeCalls());
}

TEST_F(InitTest, CriticalEndRequestsAStop) {
  init_->RequestStop();
  EXPECT_EQ("stop 0", work_.Take());
  init_->OnWorkloadDone(3);
  EXPECT_EQ(3, code_);
}

TEST_F(InitTest, StragglersGetTermThenTendExitsWhenNoneIsLeft) {
  init_->RequestStop();
  ops_.has_children = true;
  init_->OnWorkloadDone(0);
  EXPECT_EQ(Init::Phase::kSweeping, init_->phase());
  EXPECT_EQ("stragglers TERM", ops_.TakeCalls());
  EXPECT_EQ(0, done_calls_);
  init_->OnNoChildren();
  EXPECT_EQ(1, done_calls_);
}

TEST_F(InitTest, OneDeadlineCoversStopAndSweep) {
  // docker stop gives 10 s in all: the sweep after a stop must not get a fresh 8 s.
  init_->OnSignal(SIGTERM);
  clock_.Advance(5000);
  ops_.has_children = true;
  init_->OnWorkloadDone(143);
  EXPECT_EQ("stragglers TERM", ops_.TakeCalls());
  clock_.Advance(2999 + kDeadlineMarginMs);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);
  EXPECT_EQ("stragglers KILL", ops_.TakeCalls());
  EXPECT_EQ(Init::Phase::kKilling, init_->phase());
  init_->OnNoChildren();
  EXPECT_EQ(143, code_);
}

TEST_F(InitTest, DeadlineIsTheLargerOfStopTimeoutAndBudget) {
  work_.budget = 20000;
  init_->OnSignal(SIGTERM);
  work_.Take();
  clock_.Advance(19999 + kDeadlineMarginMs);
  EXPECT_EQ("", work_.Take());
  clock_.Advance(1);
  EXPECT_EQ("kill", work_.Take());
  EXPECT_EQ("stragglers KILL", ops_.TakeCalls());
  init_->OnWorkloadDone(137);
  EXPECT_EQ(137, code_);
}

TEST_F(InitTest, WorkloadDownWithoutAStopSweepsWithAFreshTimeout) {
  ops_.has_children = true;
  init_->OnWorkloadDone(4);
  ops_.TakeCalls();
  clock_.Advance(7999);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);
  EXPECT_EQ("stragglers KILL", ops_.TakeCalls());
  init_->OnNoChildren();
  EXPECT_EQ(4, code_);
}

TEST_F(InitTest, SignalsAfterTheWorkloadEndedAreNotForwarded) {
  ops_.has_children = true;
  init_->RequestStop();
  init_->OnWorkloadDone(0);
  work_.Take();
  init_->OnSignal(SIGUSR1);
  init_->OnSignal(SIGTERM);
  EXPECT_EQ("", work_.Take());
  EXPECT_EQ(Init::Phase::kSweeping, init_->phase());
}

TEST_F(InitTest, UnkillableProcessesDoNotKeepTendForever) {
  ops_.has_children = true;
  init_->RequestStop();
  init_->OnWorkloadDone(0);
  clock_.Advance(8000 + kDeadlineMarginMs);
  EXPECT_EQ(Init::Phase::kKilling, init_->phase());
  clock_.Advance(kKillGraceMs);
  EXPECT_EQ(Init::Phase::kDone, init_->phase());
  EXPECT_EQ(0, code_);
}

TEST_F(InitTest, WorkloadThatNeverGoesDownExitsWith137) {
  init_->OnSignal(SIGTERM);
  clock_.Advance(8000 + kDeadlineMarginMs);
  clock_.Advance(kKillGraceMs);
  EXPECT_EQ(Init::Phase::kDone, init_->phase());
  EXPECT_EQ(137, code_);
}

TEST_F(InitTest, NoTimerIsLeftArmedWhenDone) {
  init_->OnSignal(SIGTERM);
  init_->OnWorkloadDone(143);
  EXPECT_EQ(-1, clock_.NextDueIn());
}

}  // namespace
}  // namespace tend
