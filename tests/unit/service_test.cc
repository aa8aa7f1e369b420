#include "core/service.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <random>

#include "base/diag.h"
#include "fakes/service_fixture.h"

namespace tend {
namespace {

using State = Service::State;

TEST_F(ServiceTest, LongrunIsRunningAfterStartsecs) {
  Service& s = Make();
  s.Start();
  ASSERT_EQ(1u, ops_.spawned.size());
  EXPECT_EQ((std::vector<std::string>{"web", "--serve"}), ops_.spawned[0].argv);
  EXPECT_EQ(SpawnSpec::Isolation::kSession, ops_.spawned[0].isolation);
  ExecOk();
  EXPECT_EQ(State::kStarting, s.state());
  clock_.Advance(999);
  EXPECT_EQ(State::kStarting, s.state());
  clock_.Advance(1);
  EXPECT_EQ(State::kRunning, s.state());
  EXPECT_EQ("STARTING RUNNING", States());
}

TEST_F(ServiceTest, StartsecsZeroIsRunningOnceExecSucceeded) {
  ProgramConfig c;
  c.startsecs_ms = 0;
  Service& s = Make(c);
  s.Start();
  EXPECT_EQ(State::kStarting, s.state());
  ExecOk();
  EXPECT_EQ(State::kRunning, s.state());
}

TEST_F(ServiceTest, FailedStartsBackOffExponentiallyThenFatal) {
  Service& s = Make();  // startretries 3, backoff 1s doubling.
  s.Start();
  std::vector<int64_t> delays;
  for (int i = 0; i < 3; ++i) {
    Crash(1 << 8);
    ASSERT_EQ(State::kBackoff, s.state());
    delays.push_back(clock_.NextDueIn());
    clock_.Advance(clock_.NextDueIn());
    ASSERT_EQ(State::kStarting, s.state());
  }
  EXPECT_EQ((std::vector<int64_t>{1000, 2000, 4000}), delays);
  Crash(1 << 8);
  EXPECT_EQ(State::kFatal, s.state());
  EXPECT_EQ(4u, ops_.spawned.size());  // As supervisord: 1 try + 3 retries.
  EXPECT_EQ(-1, clock_.NextDueIn());
  EXPECT_TRUE(s.EndedForGood());
}

TEST_F(ServiceTest, InfiniteRetriesNeverGiveUp) {
  ProgramConfig c;
  c.startretries = -1;
  c.backoff_max_ms = 5000;
  Service& s = Make(c);
  s.Start();
  for (int i = 0; i < 50; ++i) {
    Crash(1 << 8);
    ASSERT_EQ(State::kBackoff, s.state());
    ASSERT_LE(clock_.NextDueIn(), 5000);
    clock_.Advance(clock_.NextDueIn());
  }
}

TEST_F(ServiceTest, ACrashAfterAHealthyRunRestartsAtOnce) {
  Service& s = Make();
  s.Start();
  Crash(1 << 8);  // One failed start.
  clock_.Advance(1000);
  ExecOk();
  clock_.Advance(1000);
  ASSERT_EQ(State::kRunning, s.state());
  EXPECT_EQ(0, s.failures());  // Reset by the healthy run.
  Exit(SIGSEGV);
  EXPECT_EQ(State::kStarting, s.state());  // No delay at all.
  EXPECT_EQ(3u, ops_.spawned.size());
  EXPECT_EQ(2, s.restarts());
}

TEST_F(ServiceTest, RestartPolicies) {
  struct Case {
    RestartPolicy policy;
    int status;
    State after;
  } cases[] = {
      {RestartPolicy::kOnFailure, 0, State::kExited},
      {RestartPolicy::kOnFailure, 1 << 8, State::kStarting},
      {RestartPolicy::kOnFailure, SIGKILL, State::kStarting},
      {RestartPolicy::kAlways, 0, State::kStarting},
      {RestartPolicy::kNever, 1 << 8, State::kExited},
  };
  for (const auto& k : cases) {
    ProgramConfig c;
    c.restart = k.policy;
    Service& s = Make(c);
    s.Start();
    ExecOk();
    clock_.Advance(1000);
    Exit(k.status);
    EXPECT_EQ(k.after, s.state()) << static_cast<int>(k.policy) << " " << k.status;
  }
}

TEST_F(ServiceTest, StopSendsStopsignalToTheGroupThenKill) {
  Service& s = Make();
  s.Start();
  ExecOk();
  clock_.Advance(1000);
  ops_.TakeCalls();
  s.Stop();
  EXPECT_EQ(State::kStopping, s.state());
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  clock_.Advance(7999);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);
  EXPECT_EQ("group 100 KILL", ops_.TakeCalls());
  Exit(SIGKILL);
  EXPECT_EQ(State::kStopped, s.state());
  EXPECT_TRUE(s.Down());
  EXPECT_EQ(1u, ops_.spawned.size());
}

TEST_F(ServiceTest, StopAsGroupFalseSignalsThePidAndStopsignalIsUsed) {
  ProgramConfig c;
  c.stopasgroup = c.killasgroup = false;
  c.stopsignal = SIGQUIT;
  Service& s = Make(c);
  s.Start();
  s.Stop(SIGINT);
  EXPECT_EQ("pid 100 QUIT; pid 100 CONT", ops_.TakeCalls());
}

TEST_F(ServiceTest, ResumeGivesTheTerminalBackBeforeContinuing) {
  ServiceOptions o;
  o.main_program = o.take_terminal = true;
  Service& s = Make({}, o);
  s.Start();
  ExecOk();
  s.Resume();
  EXPECT_EQ("terminal 100; group 100 CONT", ops_.TakeCalls());
}

TEST_F(ServiceTest, ResumeWithoutTheTerminalOnlyContinues) {
  Service& s = Make();
  s.Resume();  // No process yet: nothing.
  EXPECT_EQ("", ops_.TakeCalls());
  s.Start();
  ExecOk();
  s.Resume();
  EXPECT_EQ("group 100 CONT", ops_.TakeCalls());
}

TEST_F(ServiceTest, ASuspendedMainProgramGetsTheSignalItself) {
  ServiceOptions o;
  o.main_program = true;
  ProgramConfig c;
  c.stopasgroup = false;
  Service& s = Make(c, o);
  s.Suspend(SIGTSTP);  // No process yet: nothing.
  EXPECT_EQ("", ops_.TakeCalls());
  s.Start();
  ExecOk();
  s.Suspend(SIGTSTP);
  EXPECT_EQ("pid 100 TSTP", ops_.TakeCalls());
}

// A program in a session of its own is an orphaned process group: TSTP would be dropped.
TEST_F(ServiceTest, ASuspendedProgramInItsOwnSessionIsStoppedWhole) {
  ProgramConfig c;
  c.stopasgroup = false;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  s.Suspend(SIGTTIN);
  EXPECT_EQ("group 100 STOP", ops_.TakeCalls());
  s.Resume();
  EXPECT_EQ("group 100 CONT", ops_.TakeCalls());
}

TEST_F(ServiceTest, StopsignalZeroPassesTheTriggerOn) {
  ProgramConfig c;
  c.stopsignal = 0;
  Service& s = Make(c);
  s.Start();
  s.Stop(SIGINT);
  s.Stop(SIGINT);  // Asked twice: passed on twice.
  EXPECT_EQ("group 100 INT; group 100 CONT; group 100 INT; group 100 CONT", ops_.TakeCalls());
}

TEST_F(ServiceTest, StopDuringBackoffCancelsTheRetry) {
  Service& s = Make();
  s.Start();
  Crash(1 << 8);
  s.Stop();
  EXPECT_EQ(State::kStopped, s.state());
  clock_.Advance(60000);
  EXPECT_EQ(1u, ops_.spawned.size());
}

TEST_F(ServiceTest, StartWhileStoppingRestartsOnceStopped) {
  Service& s = Make();
  s.Start();
  ExecOk();
  s.Stop();
  s.Start();
  EXPECT_EQ(State::kStopping, s.state());
  Exit(SIGTERM);
  EXPECT_EQ(State::kStarting, s.state());
  EXPECT_EQ(2u, ops_.spawned.size());
}

TEST_F(ServiceTest, OneshotSucceedsOrBacksOff) {
  ProgramConfig c;
  c.type = ProgramType::kOneshot;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  clock_.Advance(5000);  // No startsecs for a oneshot: still running its course.
  EXPECT_EQ(State::kStarting, s.state());
  EXPECT_FALSE(s.Up());
  Exit(0);
  EXPECT_EQ(State::kExited, s.state());
  EXPECT_TRUE(s.Up());

  Service& f = Make(c);
  f.Start();
  Crash(2 << 8);
  EXPECT_EQ(State::kBackoff, f.state());
  EXPECT_FALSE(f.Up());
}

TEST_F(ServiceTest, ExecFailureIsAFailedStartWhateverTheOrder) {
  Service& s = Make();
  s.Start();
  Exit(127 << 8);  // The exit arrives before the exec result.
  EXPECT_EQ(State::kStarting, s.state());
  ExecError e{ExecStage::kExec, ENOENT};
  ops_.observers.back()->OnExecResult(Pid(), &e);
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_EQ(127 << 8, s.last_status());
}

TEST_F(ServiceTest, ForkFailureIsAFailedStart) {
  ops_.fail_spawn = true;
  Service& s = Make();
  s.Start();
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_FALSE(s.has_process());
}

TEST_F(ServiceTest, UserEnvironmentAndSupervisordVariables) {
  ProgramConfig c;
  c.name = "worker_01";
  c.program_name = "worker";
  c.user.name = "www";
  c.user.uid = 33;
  c.user.gid = 34;
  c.user.groups = {34, 100};
  c.user.home = "/var/www";
  c.user.resolved = true;
  c.environment = {"HOME=/override", "A=1"};
  c.directory = "/srv";
  c.umask = 022;
  Make(c).Start();
  const SpawnSpec& sp = ops_.spawned.at(0);
  EXPECT_TRUE(sp.set_user);
  EXPECT_EQ(33u, sp.uid);
  EXPECT_EQ(34u, sp.gid);
  EXPECT_EQ((std::vector<gid_t>{34, 100}), sp.groups);
  EXPECT_EQ("/srv", sp.cwd);
  EXPECT_EQ(022, sp.umask);
  // Later entries win: environment= overrides what tend sets.
  EXPECT_EQ((std::vector<std::string>{"SUPERVISOR_ENABLED=1",
                                      "SUPERVISOR_PROCESS_NAME=worker_01",
                                      "SUPERVISOR_GROUP_NAME=worker", "HOME=/var/www",
                                      "USER=www", "LOGNAME=www", "HOME=/override", "A=1"}),
            sp.env);
}

TEST_F(ServiceTest, MainProgramKeepsTheSessionAndMayTakeTheTerminal) {
  ServiceOptions o;
  o.main_program = true;
  o.take_terminal = true;
  Make({}, o).Start();
  EXPECT_EQ(SpawnSpec::Isolation::kGroup, ops_.spawned[0].isolation);
  EXPECT_TRUE(ops_.spawned[0].take_terminal);
  EXPECT_TRUE(ops_.spawned[0].env.empty());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST(OutputDestinationTest, SupervisordValues) {
  EXPECT_EQ("", OutputDestination(""));
  EXPECT_EQ("", OutputDestination("AUTO"));
  EXPECT_EQ("/dev/null", OutputDestination("NONE"));
  EXPECT_EQ("&1", OutputDestination("/dev/stdout"));
  EXPECT_EQ("&1", OutputDestination("/dev/fd/1"));
  EXPECT_EQ("&2", OutputDestination("/dev/stderr"));
  EXPECT_EQ("&2", OutputDestination("/dev/fd/2"));
  EXPECT_EQ("/var/log/app.log", OutputDestination("/var/log/app.log"));
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_F(ServiceTest, StartsecsZeroExitIsARunWhateverTheEventOrder) {
  ProgramConfig c;
  c.startsecs_ms = 0;
  c.restart = RestartPolicy::kNever;
  Service& s = Make(c);
  s.Start();
  Exit(0);  // SIGCHLD handled before the exec-status pipe's EOF.
  ExecOk();
  EXPECT_EQ(State::kExited, s.state());
}

TEST_F(ServiceTest, QuickExitsAfterRunningAreThrottled) {
  ProgramConfig c;
  c.startsecs_ms = 0;
  c.restart = RestartPolicy::kAlways;
  Service& s = Make(c);
  s.Start();
  for (int i = 0; i < 5; ++i) {
    Crash(1 << 8);
    ASSERT_EQ(State::kBackoff, s.state());
    ASSERT_EQ(1000, clock_.NextDueIn());
    clock_.Advance(1000);
  }
  EXPECT_EQ(6u, ops_.spawned.size());  // One a second, and never FATAL.
}

TEST_F(ServiceTest, NoStopSignalToAReapedPid) {
  Service& s = Make();
  s.Start();
  Exit(SIGKILL);  // Reaped; the exec result is still to come.
  ops_.TakeCalls();
  s.Stop();
  EXPECT_EQ("", ops_.TakeCalls());
  ExecOk();
  EXPECT_EQ(State::kStopped, s.state());
}

TEST_F(ServiceTest, ReleaseCancelsARetryAndPreventsRestarts) {
  Service& s = Make();
  s.Start();
  Crash(1 << 8);
  ASSERT_EQ(State::kBackoff, s.state());
  s.Release();
  EXPECT_EQ(State::kStopped, s.state());
  clock_.Advance(60000);
  EXPECT_EQ(1u, ops_.spawned.size());

  Service& r = Make();
  r.Start();
  ExecOk();
  clock_.Advance(1000);
  r.Release();
  EXPECT_EQ(State::kRunning, r.state());  // Left running until stopped.
  Exit(1 << 8);
  EXPECT_EQ(State::kExited, r.state());  // Not restarted.
}

TEST_F(ServiceTest, ProgramsReadNothingFromTheTerminal) {
  Make().Start();
  EXPECT_EQ("/dev/null", ops_.spawned[0].input);
  ServiceOptions o;
  o.main_program = true;
  Make({}, o).Start();
  EXPECT_EQ("", ops_.spawned[1].input);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// Programs that restart at once when they die (restart always, up for 5 s).
class LeftoverTest : public ServiceTest {
 protected:
  Service& Restartable(ProgramConfig c) {
    c.startsecs_ms = 0;
    c.restart = RestartPolicy::kAlways;
    Service& s = Make(c);
    s.Start();
    ExecOk();
    clock_.Advance(5000);  // Up long enough for an immediate restart.
    ops_.TakeCalls();
    return s;
  }
};

// A program that left a server in its group (sh -c 'server & wait', then the sh was
// killed): the server gets the stop signal, and the restart waits until it is gone.
TEST_F(LeftoverTest, LeftoversAreStoppedBeforeTheRestart) {
  Service& s = Restartable({});
  States();
  ops_.group_sizes[100] = 1;
  Exit(SIGKILL);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_TRUE(s.cleaning());
  EXPECT_EQ(1u, ops_.spawned.size());  // Not yet started again.
  // Orphans reaped, but the group still lives: nothing changes.
  s.CheckLeftovers();
  EXPECT_EQ(1u, ops_.spawned.size());
  // The last one is gone: the program starts again at once.
  ops_.group_sizes.erase(100);
  s.CheckLeftovers();
  EXPECT_FALSE(s.cleaning());
  EXPECT_EQ(2u, ops_.spawned.size());
  EXPECT_EQ(State::kStarting, s.state());
  EXPECT_EQ(-1, clock_.NextDueIn());  // The SIGKILL timer is gone too.
}

TEST_F(LeftoverTest, LeftoversThatIgnoreTheStopSignalAreKilledAfterStopwaitsecs) {
  ProgramConfig c;
  c.stopwaitsecs_ms = 3000;
  c.stopsignal = SIGQUIT;
  Service& s = Restartable(c);
  ops_.group_sizes[100] = 2;
  Exit(1 << 8);
  EXPECT_EQ("group 100 QUIT; group 100 CONT", ops_.TakeCalls());
  clock_.Advance(2999);
  EXPECT_EQ("", ops_.TakeCalls());
  EXPECT_EQ(1u, ops_.spawned.size());
  clock_.Advance(1);
  EXPECT_EQ("group 100 KILL", ops_.TakeCalls());
  EXPECT_EQ(2u, ops_.spawned.size());  // Restarted once the SIGKILL is sent.
  EXPECT_FALSE(s.cleaning());
}

TEST_F(LeftoverTest, NoLeftoversNoWait) {
  Service& s = Restartable({});
  Exit(SIGKILL);
  EXPECT_EQ("", ops_.TakeCalls());
  EXPECT_FALSE(s.cleaning());
  EXPECT_EQ(2u, ops_.spawned.size());
}

TEST_F(LeftoverTest, CleanupgroupFalseLeavesTheGroupAlone) {
  ProgramConfig c;
  c.cleanupgroup = false;
  Restartable(c);
  ops_.group_sizes[100] = 1;
  Exit(SIGKILL);
  EXPECT_EQ("", ops_.TakeCalls());
  EXPECT_EQ(2u, ops_.spawned.size());
}

// A stop as a group already sent the stop signal to the leftovers: not again; a stop
// asked while the restart waits cancels it, and the cleaning still ends in SIGKILL.
TEST_F(LeftoverTest, AStopWhileCleaningCancelsTheRestart) {
  ProgramConfig c;
  c.startsecs_ms = 0;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  ops_.TakeCalls();
  s.Stop();
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  s.Start();  // A restart: up again once stopped.
  ops_.group_sizes[100] = 1;
  Exit(SIGTERM);
  EXPECT_EQ("", ops_.TakeCalls());  // No second TERM.
  EXPECT_EQ(State::kBackoff, s.state());
  s.Stop();
  EXPECT_EQ(State::kStopped, s.state());
  clock_.Advance(c.stopwaitsecs_ms);
  EXPECT_EQ("group 100 KILL", ops_.TakeCalls());
  EXPECT_EQ(1u, ops_.spawned.size());  // Not started: it was stopped.
}

// The main command's leftovers are tend's sweep's: its exit ends tend.
TEST_F(LeftoverTest, TheMainCommandHasNoCleaning) {
  ServiceOptions o;
  o.main_program = true;
  Service& s = Make({}, o);
  s.Start();
  ExecOk();
  ops_.TakeCalls();
  ops_.group_sizes[100] = 1;
  Exit(0);
  EXPECT_EQ("", ops_.TakeCalls());
  EXPECT_FALSE(s.cleaning());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// Readiness (ready = ...): STARTING until the source says ready.
class ReadyTest : public ServiceTest {
 protected:
  Service& MakeReady(const std::string& source, ProgramConfig c = {}) {
    std::string why;
    EXPECT_TRUE(ParseReadySource(source, &c.ready, &why)) << why;
    c.ready_timeout_ms = 10000;
    Service& s = Make(c);
    s.Start();
    ExecOk();
    States();
    return s;
  }
};

TEST_F(ReadyTest, ReadyAfterStartsecsIsRunningAtOnce) {
  Service& s = MakeReady("log:listening");
  clock_.Advance(1000);  // startsecs passed, not ready: still STARTING.
  EXPECT_EQ(State::kStarting, s.state());
  s.OnLine("GET / 200");
  EXPECT_EQ(State::kStarting, s.state());
  s.OnLine("now listening on :80");
  EXPECT_EQ(State::kRunning, s.state());
  EXPECT_EQ(0, s.failures());
  EXPECT_EQ("RUNNING", States());
  s.OnLine("now listening on :80");  // Said again: nothing.
  EXPECT_EQ("", States());
}

TEST_F(ReadyTest, ReadyBeforeStartsecsIsRunningButAnEarlyExitIsAFailedStart) {
  Service& s = MakeReady("log:listening");
  clock_.Advance(200);
  s.OnLine("listening");
  EXPECT_EQ(State::kRunning, s.state());  // Dependents need not wait for startsecs.
  clock_.Advance(300);
  Exit(1 << 8);  // Gone before startsecs (1 s): a failed start, with backoff.
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_EQ(1, s.failures());
}

TEST_F(ReadyTest, ReadyBeforeStartsecsResetsFailuresOnceStartsecsPass) {
  Service& s = MakeReady("log:listening");
  s.OnLine("listening");
  clock_.Advance(1000);
  EXPECT_EQ(State::kRunning, s.state());
  EXPECT_EQ(0, s.failures());
  Exit(1 << 8);  // A crash after startsecs: restarted like any running program.
  EXPECT_NE(State::kFatal, s.state());
  EXPECT_EQ(0, s.failures());
}

TEST_F(ReadyTest, NotReadyInTimeIsStoppedThenAFailedStart) {
  Service& s = MakeReady("log:listening");
  ops_.TakeCalls();
  clock_.Advance(9999);
  EXPECT_EQ(State::kStarting, s.state());
  clock_.Advance(1);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  EXPECT_EQ(State::kStarting, s.state());
  s.OnLine("listening");  // Too late: it is being stopped.
  EXPECT_EQ(State::kStarting, s.state());
  Exit(SIGTERM);
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_EQ(1, s.failures());
  // Why, for tendctl status and health: not the SIGTERM tend sent.
  EXPECT_EQ("not ready after 10s (ready = log:listening)", s.last_failure());
  EXPECT_EQ("not ready after 10s (ready = log:listening); was killed by SIGTERM", s.last_exit());
}

TEST_F(ServiceTest, AnEarlyExitIsKeptAsExitedTooQuickly) {
  Service& s = Make();
  s.Start();
  ExecOk();
  Exit(1 << 8);
  EXPECT_EQ("exited too quickly", s.last_failure());
  EXPECT_EQ("exited with status 1 within startsecs", s.last_exit());
  clock_.Advance(60000);
  ExecOk();
  clock_.Advance(1000);
  s.Stop();
  Exit(SIGTERM);
  EXPECT_EQ("", s.last_failure());  // A stop asked for is no failure.
  EXPECT_EQ("was killed by SIGTERM", s.last_exit());
}

TEST_F(ReadyTest, NotReadyAndDeafToItsStopSignalIsKilled) {
  ProgramConfig c;
  c.stopwaitsecs_ms = 2000;
  Service& s = MakeReady("log:listening", c);
  ops_.TakeCalls();
  clock_.Advance(10000);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  clock_.Advance(2000);
  EXPECT_EQ("group 100 KILL", ops_.TakeCalls());
  Exit(SIGKILL);
  EXPECT_EQ(State::kBackoff, s.state());
}

TEST_F(ReadyTest, ExitWhileWaitingIsAFailedStart) {
  Service& s = MakeReady("log:listening");
  clock_.Advance(3000);
  Exit(1 << 8);
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_EQ(1, s.failures());
  // The retry waits for ready again.
  clock_.Advance(1000);
  ASSERT_EQ(2u, ops_.spawned.size());
  ExecOk();
  clock_.Advance(1000);
  EXPECT_EQ(State::kStarting, s.state());
}

TEST_F(ReadyTest, StopWhileWaitingStopsAndForgetsTheWait) {
  Service& s = MakeReady("log:listening");
  ops_.TakeCalls();
  s.Stop();
  EXPECT_EQ(State::kStopping, s.state());
  s.OnLine("listening");
  EXPECT_EQ(State::kStopping, s.state());
  Exit(SIGTERM);
  EXPECT_EQ(State::kStopped, s.state());
  clock_.Advance(60000);  // No readiness timer left behind.
  EXPECT_EQ(State::kStopped, s.state());
  EXPECT_EQ(1u, ops_.spawned.size());
}

// A reload that keeps the process (same command, same source) takes the new
// ready_timeout for the next run; the current wait goes on.
TEST_F(ReadyTest, ReloadWhileWaitingKeepsTheWait) {
  Service& s = MakeReady("log:listening");
  ProgramConfig next = s.config();
  next.ready_timeout_ms = 500;
  ASSERT_TRUE(next.SameRun(s.config()));
  s.set_config(next);
  clock_.Advance(600);
  EXPECT_EQ(State::kStarting, s.state());
  s.OnLine("listening");
  EXPECT_EQ(State::kRunning, s.state());
  // A different source is a different run: reload restarts the program.
  ProgramConfig other = s.config();
  std::string why;
  ASSERT_TRUE(ParseReadySource("log:other", &other.ready, &why));
  EXPECT_FALSE(other.SameRun(s.config()));
}

TEST_F(ReadyTest, FdSourceSaysReady) {
  Service& s = MakeReady("fd:3");
  EXPECT_EQ(3, ops_.spawned.back().notify_fd);
  ops_.observers.back()->OnReadyNotified(Pid(), true);
  EXPECT_EQ(State::kRunning, s.state());
}

TEST_F(ReadyTest, FdSourceClosedWithoutANewlineIsAFailedStart) {
  Service& s = MakeReady("fd:5");
  ops_.TakeCalls();
  ops_.observers.back()->OnReadyNotified(Pid(), false);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  Exit(SIGTERM);
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_EQ("forget ready 100", ops_.TakeCalls());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_F(ReadyTest, NotifyReadyStatusAndRepeats) {
  ProgramConfig c;
  std::string why;
  ASSERT_TRUE(ParseReadySource("notify", &c.ready, &why));
  c.ready_timeout_ms = 10000;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  EXPECT_NE(ops_.spawned.back().env.end(),
            std::find(ops_.spawned.back().env.begin(), ops_.spawned.back().env.end(),
                      "NOTIFY_SOCKET=@abcde"));
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("STATUS=Redis is loading...\n", &m));
  s.OnNotify(m);
  EXPECT_EQ(State::kStarting, s.state());
  EXPECT_EQ("Redis is loading...", s.notify_status());
  ASSERT_TRUE(ParseNotifyMessage("READY=1\n", &m));
  s.OnNotify(m);
  EXPECT_EQ(State::kRunning, s.state());
  s.OnNotify(m);  // Again, as postgres does after a crash of a backend.
  EXPECT_EQ(State::kRunning, s.state());
}

TEST_F(ReadyTest, ExtendTimeoutUsecExtendsTheWaitOnce) {
  ProgramConfig c;
  c.ready_timeout_ms = 1000;
  std::string why;
  ASSERT_TRUE(ParseReadySource("notify", &c.ready, &why));
  Service& s = Make(c);
  s.Start();
  ExecOk();
  ops_.TakeCalls();
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("EXTEND_TIMEOUT_USEC=5000000", &m));
  clock_.Advance(500);
  s.OnNotify(m);  // Now no sooner than 500 + 5000 ms.
  s.OnNotify(m);  // Once only.
  clock_.Advance(4999);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  EXPECT_EQ(State::kStarting, s.state());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_F(ReadyTest, AMissedWatchdogRestartsTheProgram) {
  ProgramConfig c;
  std::string why;
  ASSERT_TRUE(ParseReadySource("notify", &c.ready, &why));
  c.watchdog_ms = 3000;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  const auto& e = ops_.spawned.back().env;
  EXPECT_NE(e.end(), std::find(e.begin(), e.end(), "WATCHDOG_USEC=3000000"));
  NotifyMessage ready, alive, trigger;
  ASSERT_TRUE(ParseNotifyMessage("READY=1\nWATCHDOG=1", &ready));
  ASSERT_TRUE(ParseNotifyMessage("WATCHDOG=1", &alive));
  ASSERT_TRUE(ParseNotifyMessage("WATCHDOG=trigger", &trigger));
  clock_.Advance(2000);
  s.OnNotify(ready);
  EXPECT_EQ(State::kRunning, s.state());
  for (int i = 0; i < 5; ++i) {  // Kept alive.
    clock_.Advance(2500);
    s.OnNotify(alive);
  }
  ops_.TakeCalls();
  clock_.Advance(3000);  // Silent: stopped, and started again once it is.
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  EXPECT_EQ(State::kStopping, s.state());
  Exit(SIGTERM);
  EXPECT_EQ(State::kStarting, s.state());
  EXPECT_EQ("watchdog: no WATCHDOG=1 for 3s; was killed by SIGTERM", s.last_exit());
  ASSERT_EQ(2u, ops_.spawned.size());
  ExecOk();
  s.OnNotify(trigger);  // Fails the watchdog at once.
  EXPECT_EQ(State::kStopping, s.state());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// A daemon that forks: its first process names the real one (MAINPID=) and exits.
TEST_F(ReadyTest, MainPidMovesTheProgramToItsForkedDaemon) {
  Service& s = MakeReady("notify");
  ops_.parents[200] = 100;  // 200: the daemon, child of the spawned 100.
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=200\nREADY=1", &m));
  s.OnNotify(m);
  EXPECT_EQ(State::kRunning, s.state());
  EXPECT_EQ(200, s.pid());
  reaper_.Dispatch(100, 0);  // The first process exits: the daemon lives on.
  EXPECT_EQ(State::kRunning, s.state());
  ops_.TakeCalls();
  s.Stop();
  EXPECT_EQ("group 200 TERM; group 200 CONT", ops_.TakeCalls());
  reaper_.Dispatch(200, SIGTERM);
  EXPECT_EQ(State::kStopped, s.state());
}

TEST_F(ReadyTest, MainPidOutsideTheTreeIsRefused) {
  Service& s = MakeReady("notify");
  ops_.parents[300] = 1;  // Someone else's.
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=300", &m));
  s.OnNotify(m);
  EXPECT_EQ(100, s.pid());
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=abc", &m));
  s.OnNotify(m);
  EXPECT_EQ(100, s.pid());
}

// The main process named is reaped by the first one (not tend's child): when the first
// one exits, the program has ended.
TEST_F(ReadyTest, MainPidGoneBeforeTheFirstProcessEndsTheProgram) {
  Service& s = MakeReady("notify");
  ops_.parents[200] = 100;
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=200\nREADY=1", &m));
  s.OnNotify(m);
  clock_.Advance(5000);
  ops_.parents.erase(200);  // Gone.
  reaper_.Dispatch(100, 1 << 8);
  EXPECT_NE(State::kRunning, s.state());
  EXPECT_TRUE(s.has_exited());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From a review: the adopted main process exits while the first one lives on; the first
// one's later exit must not reach the program (it is stopped, restarted or FATAL by then).
TEST_F(ReadyTest, TheFirstProcessAfterMainPidIsForgottenWhenTheMainOneExits) {
  Service& s = MakeReady("notify");
  ops_.parents[200] = 100;
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=200\nREADY=1", &m));
  s.OnNotify(m, true);
  clock_.Advance(5000);
  reaper_.Dispatch(200, 1 << 8);  // The daemon dies; the first process (100) lives.
  EXPECT_NE(State::kRunning, s.state());
  const size_t spawned = ops_.spawned.size();
  reaper_.Dispatch(100, 0);  // Later: an orphan, nothing happens.
  EXPECT_EQ(spawned, ops_.spawned.size());
}

TEST_F(ReadyTest, MainPidOfAnotherProgramsProcessIsRefused) {
  Service& s = MakeReady("notify");
  ExitObserver* other = nullptr;
  struct Other : ExitObserver {
    void OnReaped(pid_t, int) override {}
  } o;
  other = &o;
  reaper_.Watch(300, other);
  ops_.parents[300] = getpid();  // tend's child, but another program's.
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=300", &m));
  s.OnNotify(m, true);
  EXPECT_EQ(100, s.pid());
  reaper_.Forget(300);
}

// From issue 34: a `user = nobody` program named another program's double-forked root
// daemon (an orphan of tend's); a stop of the nobody program then killed the daemon.
TEST_F(ReadyTest, MainPidOfAnOrphanOfAnotherUserIsRefused) {
  ProgramConfig c;
  c.user.resolved = true;
  c.user.uid = 65534;
  Service& s = MakeReady("notify", c);
  ops_.parents[300] = getpid();
  ops_.owners[300] = 0;
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=300", &m));
  s.OnNotify(m, true);
  EXPECT_EQ(100, s.pid());
  ops_.owners[300] = 65534;  // Its own user's: a daemon it double-forked.
  s.OnNotify(m, true);
  EXPECT_EQ(300, s.pid());
  s.Stop();
  ops_.parents.erase(300);
}

TEST_F(ReadyTest, MainPidOfAnOrphanUnknownOwnerIsRefused) {
  ProgramConfig c;
  c.user.resolved = true;
  c.user.uid = 65534;
  Service& s = MakeReady("notify", c);
  ops_.parents[300] = getpid();  // No owner known: a set-uid program, or gone.
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=300", &m));
  s.OnNotify(m, true);
  EXPECT_EQ(100, s.pid());
}

// From issue 34: the program reaps the child it named. The first process is the main one
// again: a stop reaches it, and the dead pid gets no signal.
TEST_F(ReadyTest, MainPidReapedByTheProgramGivesTheFirstProcessBack) {
  Service& s = MakeReady("notify");
  ops_.parents[200] = 100;
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=200\nREADY=1", &m));
  s.OnNotify(m, true);
  ASSERT_EQ(200, s.pid());
  ASSERT_EQ(1u, ops_.held.count(200));
  ops_.ExitHeld(200);
  EXPECT_EQ(100, s.pid());
  EXPECT_EQ(State::kRunning, s.state());
  ops_.TakeCalls();
  s.Stop();
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  reaper_.Dispatch(100, SIGTERM);
  EXPECT_EQ(State::kStopped, s.state());
}

// After MAINPID=, a group signal reaches the group the program started in as well.
TEST_F(ReadyTest, MainPidStopReachesTheFirstGroup) {
  ProgramConfig c;
  c.stopasgroup = true;
  Service& s = MakeReady("notify", c);
  ops_.parents[200] = 100;
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=200\nREADY=1", &m));
  s.OnNotify(m, true);
  ops_.TakeCalls();
  s.Stop();
  EXPECT_EQ("group 200 TERM; pgroup 100 TERM; group 200 CONT; pgroup 100 CONT", ops_.TakeCalls());
  reaper_.Dispatch(100, 0);
  ops_.parents.erase(200);
  reaper_.Dispatch(200, SIGTERM);
  EXPECT_EQ(State::kStopped, s.state());
  EXPECT_EQ(0u, ops_.held.size());
}

// libev may run the ready line before the exec result: with startsecs = 0, the start
// still counts as a success.
TEST_F(ReadyTest, ReadyBeforeTheExecResultWithStartsecsZero) {
  ProgramConfig c;
  c.startsecs_ms = 0;
  std::string why;
  ASSERT_TRUE(ParseReadySource("log:up", &c.ready, &why));
  Service& s = Make(c);
  s.Start();
  s.OnLine("up");
  EXPECT_EQ(State::kRunning, s.state());
  ExecOk();
  clock_.Advance(5000);
  Exit(1 << 8);  // Hours later, a crash: restarted, not a failed start.
  EXPECT_EQ(0, s.failures());
}

// From issue 34: `watchdog = 50ms` on a program that never pings gave 99 starts in 5 s,
// RESTARTS 0. Watchdog expiries are failed runs: counted, backed off, FATAL at the end.
TEST_F(ReadyTest, WatchdogExpiriesInARowBackOffAndGoFatal) {
  ProgramConfig c;
  std::string why;
  ASSERT_TRUE(ParseReadySource("notify", &c.ready, &why));
  c.watchdog_ms = 50;
  c.startretries = 2;
  c.backoff_ms = 1000;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  clock_.Advance(50);  // Never a WATCHDOG=1.
  Exit(SIGTERM);
  EXPECT_EQ(State::kStarting, s.state());  // The first at once.
  EXPECT_EQ(1, s.restarts());
  ExecOk();
  clock_.Advance(50);
  Exit(SIGTERM);
  EXPECT_EQ(State::kBackoff, s.state());  // The second after a backoff.
  EXPECT_EQ(2u, ops_.spawned.size());
  clock_.Advance(clock_.NextDueIn());
  ASSERT_EQ(3u, ops_.spawned.size());
  EXPECT_EQ(2, s.restarts());
  ExecOk();
  clock_.Advance(50);
  Exit(SIGTERM);
  EXPECT_EQ(State::kFatal, s.state());  // The third: past startretries.
  EXPECT_EQ(3u, ops_.spawned.size());
}

// From a review: a restart asked while a watchdog stop is under way is the user's, not
// a failed run: no backoff.
TEST_F(ReadyTest, ARestartDuringAWatchdogStopIsNotAFailedRun) {
  ProgramConfig c;
  std::string why;
  ASSERT_TRUE(ParseReadySource("notify", &c.ready, &why));
  c.watchdog_ms = 50;
  c.backoff_ms = 1000;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  clock_.Advance(50);
  Exit(SIGTERM);  // A first failed run: restarted at once.
  ExecOk();
  clock_.Advance(50);
  EXPECT_EQ(State::kStopping, s.state());  // A second one, under way...
  s.Stop();
  s.Start();  // ...when the user restarts it.
  Exit(SIGTERM);
  EXPECT_EQ(State::kStarting, s.state());
  EXPECT_EQ(3u, ops_.spawned.size());
}

TEST_F(ReadyTest, AWatchdogPingStartsTheCountOver) {
  ProgramConfig c;
  std::string why;
  ASSERT_TRUE(ParseReadySource("notify", &c.ready, &why));
  c.watchdog_ms = 50;
  c.startretries = 1;
  Service& s = Make(c);
  NotifyMessage alive;
  ASSERT_TRUE(ParseNotifyMessage("READY=1\nWATCHDOG=1", &alive));
  s.Start();
  for (int run = 0; run < 4; ++run) {
    ExecOk();
    s.OnNotify(alive);
    clock_.Advance(50);
    Exit(SIGTERM);
    EXPECT_EQ(State::kStarting, s.state()) << run;
  }
  EXPECT_EQ(4, s.restarts());
}

TEST_F(ReadyTest, NotReadyStopsTheWatchdogToo) {
  ProgramConfig c;
  std::string why;
  ASSERT_TRUE(ParseReadySource("notify", &c.ready, &why));
  c.watchdog_ms = 500;
  c.ready_timeout_ms = 1000;
  c.stopwaitsecs_ms = 5000;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  NotifyMessage alive;
  ASSERT_TRUE(ParseNotifyMessage("WATCHDOG=1", &alive));
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(250);
    s.OnNotify(alive);
  }
  ops_.TakeCalls();
  clock_.Advance(2000);  // Not ready: stopped; the watchdog must not turn it into a restart.
  Exit(SIGTERM);
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_EQ(1, s.failures());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 34: a pattern that would cost too much on a line gives up on it, and the
// program's log says so, once a run.
TEST_F(ReadyTest, ALineTooCostlyForThePatternIsSaidOnce) {
  Service& s = MakeReady("log:/(a|b)*a(a|b){40}c/");
  std::vector<std::string> said;
  SetDiagSink([&](const std::string& line) {
    said.push_back(line);
    return true;
  });
  std::string line;
  std::mt19937 rng(7);
  for (int i = 0; i < 16 * 1024; ++i) line += "ab"[rng() % 2];
  for (int i = 0; i < 5; ++i) s.OnLine(line);
  SetDiagSink(nullptr);
  int warned = 0;
  for (const auto& l : said) warned += l.find("would cost too much on it") != std::string::npos;
  EXPECT_EQ(1, warned);
  EXPECT_EQ(State::kStarting, s.state());
  s.OnLine(std::string(41, 'a') + "c");
  EXPECT_EQ(State::kRunning, s.state());
}

}  // namespace
}  // namespace tend
