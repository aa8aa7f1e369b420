// Probes: ready = tcp:|http:|exec: and health checks, with a fake clock and fake probes.
#include <gtest/gtest.h>
#include <signal.h>

#include "fakes/service_fixture.h"

namespace tend {
namespace {

class ProbeTest : public ServiceTest {
 protected:
  ProgramConfig WithReady(const std::string& ready) {
    ProgramConfig c;
    std::string why;
    EXPECT_TRUE(ParseReadySource(ready, &c.ready, &why)) << why;
    c.ready_timeout_ms = 10000;
    return c;
  }
  ProgramConfig WithHealth(const std::string& health, ProgramConfig c = {}) {
    std::string why;
    EXPECT_TRUE(ParseProbe(health, &c.health, &why)) << why;
    c.health_interval_ms = 10000;
    c.health_timeout_ms = 5000;
    c.health_retries = 3;
    c.startsecs_ms = 0;
    return c;
  }
  // Started, exec done, RUNNING (startsecs = 0).
  Service& Running(ProgramConfig c) {
    Service& s = Make(c);
    s.Start();
    ExecOk();
    EXPECT_EQ(State::kRunning, s.state());
    States();
    return s;
  }
  // Moves to the next probe and answers it.
  void Probe(bool ok, const std::string& detail = "") {
    int64_t due = clock_.NextDueIn();
    ASSERT_GE(due, 0);
    clock_.Advance(due);
    ASSERT_TRUE(prober_.in_flight());
    prober_.Answer(ok, detail);
  }
};

TEST_F(ProbeTest, ReadyProbeRetriesDoublingToOneSecondUntilItPasses) {
  ProgramConfig c = WithReady("tcp:8080");
  c.startsecs_ms = 0;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  EXPECT_EQ(State::kStarting, s.state());
  std::vector<int64_t> waits;
  for (int i = 0; i < 7; ++i) {
    waits.push_back(clock_.NextDueIn());
    clock_.Advance(waits.back());
    ASSERT_TRUE(prober_.in_flight());
    prober_.Answer(false, "connect 127.0.0.1:8080: connection refused");
    EXPECT_EQ(State::kStarting, s.state());
    EXPECT_EQ("connect 127.0.0.1:8080: connection refused", s.ready_probe_detail());
  }
  EXPECT_EQ((std::vector<int64_t>{100, 100, 200, 400, 800, 1000, 1000}), waits);
  EXPECT_EQ(ProbeSpec::Kind::kTcp, prober_.started[0].probe.kind);
  EXPECT_EQ(5000, prober_.started[0].timeout_ms);  // health_timeout's default.
  Probe(true);
  EXPECT_EQ(State::kRunning, s.state());
  EXPECT_EQ(-1, clock_.NextDueIn());  // No probe, no timer once ready (no health).
}

TEST_F(ProbeTest, ReadyProbeThatNeverPassesFailsTheStart) {
  ProgramConfig c = WithReady("http:8080/");
  c.ready_timeout_ms = 2000;
  Service& s = Make(c);
  s.Start();
  ExecOk();
  clock_.Advance(1999);
  if (prober_.in_flight()) prober_.Answer(false, "HTTP 503 Service Unavailable");
  clock_.Advance(1);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  EXPECT_FALSE(prober_.in_flight());  // Probing ended with the wait.
  Exit(SIGTERM);
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_EQ(1, s.failures());
}

TEST_F(ProbeTest, ReadyProbeInFlightIsCancelledWhenTheProgramExits) {
  Service& s = Make(WithReady("exec:check"));
  s.Start();
  ExecOk();
  clock_.Advance(100);
  ASSERT_TRUE(prober_.in_flight());
  Exit(1 << 8);
  EXPECT_EQ(1, prober_.cancelled);
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_FALSE(prober_.in_flight());
}

TEST_F(ProbeTest, ExecProbeRunsLikeTheProgram) {
  ProgramConfig c = WithReady("exec:pg_isready -q");
  c.directory = "/srv";
  c.environment = {"PGPORT=5433"};
  Service& s = Make(c);
  s.Start();
  ExecOk();
  clock_.Advance(100);
  ASSERT_EQ(1u, prober_.started.size());
  const FakeProber::Started& p = prober_.started[0];
  EXPECT_EQ((std::vector<std::string>{"pg_isready", "-q"}), p.probe.argv);
  EXPECT_EQ("/srv", p.exec.cwd);
  EXPECT_NE(p.exec.env.end(), std::find(p.exec.env.begin(), p.exec.env.end(), "PGPORT=5433"));
  (void)s;
}

TEST_F(ProbeTest, HealthChecksBeginOnceRunningEveryInterval) {
  Service& s = Running(WithHealth("tcp:8080"));
  EXPECT_STREQ("starting", s.health());
  EXPECT_EQ(10000, clock_.NextDueIn());
  Probe(true, "connected to 127.0.0.1:8080");
  EXPECT_STREQ("healthy", s.health());
  EXPECT_EQ("connected to 127.0.0.1:8080", s.health_detail());
  EXPECT_EQ(10000, clock_.NextDueIn());
  EXPECT_EQ(1u, prober_.started.size());
}

TEST_F(ProbeTest, FailuresInARowRestartAndASuccessResetsTheStreak) {
  Service& s = Running(WithHealth("http:8080/health"));
  Probe(false);
  Probe(false);
  EXPECT_STREQ("failing", s.health());
  EXPECT_EQ(2, s.health_failures());
  Probe(true);
  EXPECT_EQ(0, s.health_failures());
  Probe(false);
  Probe(false);
  EXPECT_EQ(State::kRunning, s.state());
  EXPECT_EQ("", ops_.TakeCalls());
  Probe(false, "GET http://127.0.0.1:8080/health: HTTP 500 Internal Server Error");
  EXPECT_EQ(State::kStopping, s.state());
  EXPECT_TRUE(s.unhealthy());
  EXPECT_STREQ("unhealthy", s.health());
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  EXPECT_EQ(8000, clock_.NextDueIn());  // Only the SIGKILL deadline.
  Exit(SIGTERM);
  // Started again at once, as after an unexpected exit, with a fresh streak.
  EXPECT_EQ(2u, ops_.spawned.size());
  ExecOk();
  EXPECT_EQ("STOPPING STARTING RUNNING", States());
  EXPECT_EQ(1, s.restarts());
  EXPECT_FALSE(s.unhealthy());
  EXPECT_STREQ("starting", s.health());
  EXPECT_EQ(0, s.failures());  // Not a failed start.
}

TEST_F(ProbeTest, AHungProgramIsKilledAfterStopwaitsecs) {
  ProgramConfig c = WithHealth("tcp:8080");
  c.health_retries = 1;
  Service& s = Running(c);
  Probe(false);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  clock_.Advance(8000);
  EXPECT_EQ("group 100 KILL", ops_.TakeCalls());
  Exit(SIGKILL);
  EXPECT_EQ(State::kStarting, s.state());
  EXPECT_EQ(101, s.pid());
}

TEST_F(ProbeTest, UnhealthyAgainWithoutAPassBacksOff) {
  ProgramConfig c = WithHealth("tcp:8080");
  c.health_retries = 1;
  c.backoff_ms = 1000;
  Service& s = Running(c);
  Probe(false);
  Exit(SIGTERM);  // First time: at once.
  ExecOk();
  EXPECT_EQ(State::kRunning, s.state());
  Probe(false);
  Exit(SIGTERM);  // Again, no pass in between: after a backoff.
  EXPECT_EQ(State::kBackoff, s.state());
  EXPECT_EQ(2u, ops_.spawned.size());
  clock_.Advance(clock_.NextDueIn());
  ASSERT_EQ(3u, ops_.spawned.size());
  ExecOk();
  Probe(true);  // A pass: the next unhealthy restart is at once again.
  Probe(false);
  Exit(SIGTERM);
  EXPECT_EQ(4u, ops_.spawned.size());
}

// From issue 34: unhealthy restarts went on for ever. Past startretries in a row without
// a passing probe, the program is FATAL.
TEST_F(ProbeTest, UnhealthyRunsInARowGoFatalAfterStartretries) {
  ProgramConfig c = WithHealth("tcp:8080");
  c.health_retries = 1;
  c.startretries = 1;
  Service& s = Running(c);
  Probe(false);
  Exit(SIGTERM);  // First: at once.
  ExecOk();
  Probe(false);
  Exit(SIGTERM);  // Second: past startretries = 1.
  EXPECT_EQ(State::kFatal, s.state());
  EXPECT_EQ(2u, ops_.spawned.size());
  EXPECT_EQ(1, s.restarts());
}

TEST_F(ProbeTest, RestartNeverLeavesItExitedAndUnhealthy) {
  ProgramConfig c = WithHealth("tcp:8080");
  c.health_retries = 1;
  c.restart = RestartPolicy::kNever;
  Service& s = Running(c);
  Probe(false);
  Exit(0);  // Even a clean exit on SIGTERM: it was stopped for being unhealthy.
  EXPECT_EQ(State::kExited, s.state());
  EXPECT_TRUE(s.unhealthy());
  EXPECT_EQ(1u, ops_.spawned.size());
}

TEST_F(ProbeTest, FailuresWithinTheStartPeriodDoNotCount) {
  ProgramConfig c = WithHealth("tcp:8080");
  c.health_start_period_ms = 25000;
  Service& s = Running(c);
  Probe(false);  // 10s
  Probe(false);  // 20s
  EXPECT_EQ(0, s.health_failures());
  EXPECT_STREQ("starting", s.health());
  Probe(false);  // 30s: past the start period.
  EXPECT_EQ(1, s.health_failures());
}

TEST_F(ProbeTest, APassEndsTheStartPeriod) {
  ProgramConfig c = WithHealth("tcp:8080");
  c.health_start_period_ms = 60000;
  Service& s = Running(c);
  Probe(true);
  Probe(false);
  EXPECT_EQ(1, s.health_failures());
}

TEST_F(ProbeTest, StopCancelsTheProbeInFlightAndAStoppedProgramIsNotRestarted) {
  Service& s = Running(WithHealth("exec:check"));
  clock_.Advance(10000);
  ASSERT_TRUE(prober_.in_flight());
  s.Stop();
  EXPECT_EQ(1, prober_.cancelled);
  Exit(SIGTERM);
  EXPECT_EQ(State::kStopped, s.state());
  EXPECT_EQ(-1, clock_.NextDueIn());
}

TEST_F(ProbeTest, AStopAskedWhileStoppingForUnhealthyWins) {
  ProgramConfig c = WithHealth("tcp:8080");
  c.health_retries = 1;
  Service& s = Running(c);
  Probe(false);
  EXPECT_EQ(State::kStopping, s.state());
  s.Stop();
  Exit(SIGTERM);
  EXPECT_EQ(State::kStopped, s.state());
  EXPECT_EQ(1u, ops_.spawned.size());
}

TEST_F(ProbeTest, ReloadThatChangesHealthStartsItsChecksOver) {
  Service& s = Running(WithHealth("tcp:8080"));
  Probe(false);
  EXPECT_EQ(1, s.health_failures());
  ProgramConfig next = s.config();
  next.health_interval_ms = 3000;
  s.set_config(next);
  EXPECT_EQ(3000, clock_.NextDueIn());
  Probe(true);
  EXPECT_EQ(0, s.health_failures());
  next.health = ProbeSpec();
  s.set_config(next);
  EXPECT_EQ(-1, clock_.NextDueIn());
  EXPECT_STREQ("", s.health());
  // The same settings again: the checks go on undisturbed.
  ProgramConfig again = WithHealth("tcp:8080");
  again.name = again.program_name = "web";
  again.argv = s.config().argv;
  s.set_config(again);
  clock_.Advance(10000);
  ASSERT_TRUE(prober_.in_flight());
  s.set_config(again);
  EXPECT_TRUE(prober_.in_flight());
}

TEST_F(ProbeTest, ProbeInFlightWhenTheProgramExitsIsCancelled) {
  Service& s = Running(WithHealth("exec:check"));
  clock_.Advance(10000);
  ASSERT_TRUE(prober_.in_flight());
  Exit(1 << 8);
  EXPECT_EQ(1, prober_.cancelled);
  EXPECT_FALSE(prober_.in_flight());
  EXPECT_EQ(State::kStarting, s.state());  // Restarted at once, as for any exit.
}

}  // namespace
}  // namespace tend
