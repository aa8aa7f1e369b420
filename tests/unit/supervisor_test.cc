#include "core/supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <map>

#include "fakes/fake_clock.h"
#include "fakes/fake_process_ops.h"

namespace tend {
namespace {

using State = Service::State;

ProgramConfig Program(const std::string& name, std::vector<std::string> deps = {}) {
  ProgramConfig p;
  p.name = p.program_name = name;
  p.command = name;
  p.argv = {name};
  p.depends_on = std::move(deps);
  return p;
}

class SupervisorTest : public testing::Test {
 protected:
  void Create(const std::vector<ProgramConfig>& programs) {
    Supervisor::Callbacks cb;
    cb.done = [this](int code) {
      ++done_calls_;
      code_ = code;
    };
    cb.request_stop = [this] {
      ++stop_requests_;
      sup_->Stop(0, 0);
    };
    sup_ = std::make_unique<Supervisor>(
        Service::Env{&ops_, &clock_, &reaper_, nullptr, [] { return 0.5; }, nullptr}, cb);
    Config c;
    c.programs = programs;
    sup_->Configure(c);
  }
  void Start() {
    std::string err;
    ASSERT_TRUE(sup_->Start(&err)) << err;
  }
  // Spawned program names in order, then forgotten.
  std::string Spawned() {
    std::string s;
    for (size_t i = seen_; i < ops_.spawned.size(); ++i) {
      s += (s.empty() ? "" : " ") + ops_.spawned[i].argv[0];
      pids_[ops_.spawned[i].argv[0]] = static_cast<pid_t>(100 + i);
    }
    seen_ = ops_.spawned.size();
    return s;
  }
  pid_t PidOf(const std::string& name) {
    Spawned();
    return pids_.at(name);
  }
  size_t IndexOf(pid_t pid) { return static_cast<size_t>(pid - 100); }
  void ExecOk(const std::string& name) {
    pid_t p = PidOf(name);
    ops_.observers[IndexOf(p)]->OnExecResult(p, nullptr);
  }
  void Exit(const std::string& name, int status) { reaper_.Dispatch(PidOf(name), status); }
  State StateOf(const std::string& name) { return sup_->Find(name)->state(); }
  void RunAll(const std::vector<std::string>& names) {
    for (const auto& n : names) ExecOk(n);
    clock_.Advance(1000);
  }

  FakeProcessOps ops_;
  FakeClock clock_;
  Reaper reaper_;
  std::unique_ptr<Supervisor> sup_;
  std::map<std::string, pid_t> pids_;
  size_t seen_ = 0;
  int done_calls_ = 0;
  int code_ = -1;
  int stop_requests_ = 0;
};

TEST_F(SupervisorTest, IndependentProgramsStartTogetherByPriority) {
  auto a = Program("a"), b = Program("b"), c = Program("c");
  a.priority = 500;
  c.priority = 10;
  Create({a, b, c});
  Start();
  EXPECT_EQ("c a b", Spawned());
}

TEST_F(SupervisorTest, DependentWaitsForALongrunToBeRunning) {
  Create({Program("web", {"db"}), Program("db")});
  Start();
  EXPECT_EQ("db", Spawned());
  ExecOk("db");
  clock_.Advance(999);
  EXPECT_EQ("", Spawned());
  clock_.Advance(1);
  EXPECT_EQ("web", Spawned());
}

TEST_F(SupervisorTest, DependentWaitsForAOneshotToSucceed) {
  auto migrate = Program("migrate");
  migrate.type = ProgramType::kOneshot;
  Create({Program("web", {"migrate"}), migrate});
  Start();
  EXPECT_EQ("migrate", Spawned());
  ExecOk("migrate");
  clock_.Advance(5000);
  EXPECT_EQ("", Spawned());
  Exit("migrate", 0);
  EXPECT_EQ("web", Spawned());
}

TEST_F(SupervisorTest, FailedOneshotKeepsItsDependentsWaiting) {
  auto migrate = Program("migrate");
  migrate.type = ProgramType::kOneshot;
  migrate.startretries = 0;
  Create({Program("web", {"migrate"}), migrate});
  Start();
  ExecOk("migrate");
  Exit("migrate", 1 << 8);
  EXPECT_EQ(State::kFatal, StateOf("migrate"));
  EXPECT_EQ(State::kStopped, StateOf("web"));
  EXPECT_EQ(1u, ops_.spawned.size());
}

TEST_F(SupervisorTest, AutostartFalseDependencyIsStartedForItsDependent) {
  auto db = Program("db");
  db.autostart = false;
  auto lonely = Program("lonely");
  lonely.autostart = false;
  Create({Program("web", {"db"}), db, lonely});
  Start();
  EXPECT_EQ("db", Spawned());
}

TEST_F(SupervisorTest, StopGoesInReverseDependencyOrder) {
  Create({Program("db"), Program("app", {"db"}), Program("web", {"app"})});
  Start();
  RunAll({"db"});
  RunAll({"app"});
  RunAll({"web"});
  ops_.TakeCalls();
  sup_->Stop(SIGTERM, 0);
  EXPECT_EQ("group 102 TERM; group 102 CONT", ops_.TakeCalls());  // web only.
  Exit("web", SIGTERM);
  EXPECT_EQ("group 101 TERM; group 101 CONT", ops_.TakeCalls());
  Exit("app", SIGTERM);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  EXPECT_EQ(0, done_calls_);
  Exit("db", 0);
  EXPECT_EQ(1, done_calls_);
  EXPECT_EQ(0, code_);  // No critical program: a clean stop exits 0.
}

TEST_F(SupervisorTest, IndependentProgramsStopInParallel) {
  std::vector<ProgramConfig> ps;
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) {
    ps.push_back(Program("p" + std::to_string(i)));
    names.push_back(ps.back().name);
  }
  Create(ps);
  Start();
  RunAll(names);
  ops_.TakeCalls();
  sup_->Stop(SIGTERM, 0);
  EXPECT_EQ(20u, ops_.calls.size());  // The stop signal and SIGCONT to each.
  for (const auto& n : names) Exit(n, SIGTERM);
  EXPECT_EQ(1, done_calls_);
}

TEST_F(SupervisorTest, CriticalProgramEndingStopsEverythingWithItsStatus) {
  auto worker = Program("worker");
  worker.critical = true;
  worker.restart = RestartPolicy::kNever;
  Create({worker, Program("web")});
  Start();
  RunAll({"worker", "web"});
  ops_.TakeCalls();
  Exit("worker", 3 << 8);
  EXPECT_EQ(1, stop_requests_);
  EXPECT_EQ("group 101 TERM; group 101 CONT", ops_.TakeCalls());
  Exit("web", SIGTERM);
  EXPECT_EQ(1, done_calls_);
  EXPECT_EQ(3, code_);
}

TEST_F(SupervisorTest, CriticalProgramGoingFatalStopsEverything) {
  auto worker = Program("worker");
  worker.critical = true;
  worker.startretries = 1;
  Create({worker});
  Start();
  ExecOk("worker");
  Exit("worker", 2 << 8);
  clock_.Advance(1000);
  ExecOk("worker");
  Exit("worker", 2 << 8);
  EXPECT_EQ(State::kFatal, StateOf("worker"));
  EXPECT_EQ(1, done_calls_);
  EXPECT_EQ(2, code_);
}

TEST_F(SupervisorTest, CriticalProgramRestartingIsNotTheEnd) {
  auto worker = Program("worker");
  worker.critical = true;  // restart on failure by default
  Create({worker});
  Start();
  RunAll({"worker"});
  reaper_.Dispatch(100, 1 << 8);
  EXPECT_EQ(0, stop_requests_);
  EXPECT_EQ(State::kStarting, StateOf("worker"));
}

ProgramConfig MainConfig() {
  ProgramConfig m = Program("main");
  m.argv = {"app"};
  m.restart = RestartPolicy::kNever;
  m.startsecs_ms = 0;
  m.startretries = 0;
  m.critical = true;
  m.stopsignal = 0;
  return m;
}

TEST_F(SupervisorTest, MainCommandAloneBehavesLikeTini) {
  Create({});
  sup_->SetMain(MainConfig(), ServiceOptions{});
  Start();
  EXPECT_EQ("app", Spawned());
  ExecOk("app");
  sup_->Signal(SIGUSR1);
  sup_->Signal(SIGHUP);  // No configuration: HUP is forwarded too.
  EXPECT_EQ("group 100 USR1; group 100 HUP", ops_.TakeCalls());
  sup_->Stop(SIGINT, 0);
  EXPECT_EQ("group 100 INT", ops_.TakeCalls());
  Exit("app", SIGINT);
  EXPECT_EQ(1, done_calls_);
  EXPECT_EQ(128 + SIGINT, code_);
}

TEST_F(SupervisorTest, MainCommandExitEndsEverything) {
  Create({Program("sidecar")});
  sup_->SetMain(MainConfig(), ServiceOptions{});
  Start();
  RunAll({"sidecar", "app"});
  ops_.TakeCalls();
  Exit("app", 0);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());  // The sidecar is stopped.
  Exit("sidecar", SIGTERM);
  EXPECT_EQ(0, code_);
}

// Each program's main process, not its group: a server's workers may die of a signal
// meant for its master (gunicorn's of HUP). The stop still reaches the group.
TEST_F(SupervisorTest, WithoutMainSignalsGoToEveryProgramsMainProcess) {
  Create({Program("a"), Program("b")});
  Start();
  RunAll({"a", "b"});
  ops_.TakeCalls();
  sup_->Signal(SIGUSR1);
  EXPECT_EQ("pid 100 USR1; pid 101 USR1", ops_.TakeCalls());
}

// supervisorctl reread's view: by supervisord group. A group that loses one program
// of two is changed, not removed; one that loses all is removed. Nothing is applied.
TEST_F(SupervisorTest, DiffGroupsChangesAsSupervisordDoes) {
  auto in = [](const char* name, const char* group) {
    auto p = Program(name);
    p.group = group;
    return p;
  };
  Create({in("a", "pair"), in("b", "pair"), Program("solo"), in("w0", "w"), in("w1", "w")});
  Start();
  RunAll({"a", "b", "solo", "w0", "w1"});
  ops_.TakeCalls();
  Config next;
  auto solo = Program("solo");
  solo.argv = {"solo", "--new"};
  next.programs = {in("a", "pair"), solo, Program("fresh")};
  ReloadDiff d = sup_->Diff(next);
  EXPECT_EQ("added fresh; removed b, w0, w1; changed solo; 1 unchanged", d.Summary());
  EXPECT_EQ(std::vector<std::string>{"fresh"}, d.added_groups);
  EXPECT_EQ((std::vector<std::string>{"pair", "solo"}), d.changed_groups);
  EXPECT_EQ(std::vector<std::string>{"w"}, d.removed_groups);
  EXPECT_EQ("", ops_.TakeCalls());  // Only compared.
  EXPECT_EQ(5u, sup_->services().size());
}

TEST_F(SupervisorTest, ReloadAddsRemovesChangesAndKeepsTheRest) {
  Create({Program("keep"), Program("gone"), Program("edit")});
  Start();
  RunAll({"keep", "gone", "edit"});
  ops_.TakeCalls();
  Config next;
  auto edited = Program("edit");
  edited.argv = {"edit", "--new"};
  next.programs = {Program("keep"), edited, Program("fresh")};
  EXPECT_EQ("added fresh; removed gone; changed edit; 1 unchanged", sup_->Reload(next));
  EXPECT_EQ("fresh", Spawned());
  EXPECT_EQ("group 101 TERM; group 101 CONT; group 102 TERM; group 102 CONT", ops_.TakeCalls());
  Exit("gone", SIGTERM);
  Exit("edit", SIGTERM);
  EXPECT_EQ("edit", Spawned());  // Again, with the new command.
  EXPECT_EQ((std::vector<std::string>{"edit", "--new"}), ops_.spawned.back().argv);
  EXPECT_EQ(State::kRunning, StateOf("keep"));
  EXPECT_EQ(100, sup_->Find("keep")->pid());
  clock_.Advance(0);  // The removed service is dropped from its own timer.
  EXPECT_EQ(nullptr, sup_->Find("gone"));
  EXPECT_EQ(3u, sup_->services().size());
}

TEST_F(SupervisorTest, StopBudgetIsTheLargestStopwaitsecs) {
  auto slow = Program("slow");
  slow.stopwaitsecs_ms = 55000;
  Create({Program("a"), slow});
  EXPECT_EQ(55000, sup_->StopBudgetMs());
}

TEST_F(SupervisorTest, NothingToRunIsAnError) {
  Create({});
  std::string err;
  EXPECT_FALSE(sup_->Start(&err));
  EXPECT_NE(std::string::npos, err.find("nothing to run"));
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_F(SupervisorTest, HeldBackDependencyIsNotRestartedDuringShutdown) {
  Create({Program("db"), Program("app", {"db"})});
  Start();
  RunAll({"db"});
  RunAll({"app"});
  sup_->Stop(SIGTERM, 0);  // app stops first; db waits for it.
  Exit("db", 1 << 8);   // db crashes meanwhile.
  EXPECT_EQ(State::kExited, StateOf("db"));
  EXPECT_EQ(2u, ops_.spawned.size());
  Exit("app", SIGTERM);
  EXPECT_EQ(1, done_calls_);
}

TEST_F(SupervisorTest, FatalCriticalProgramNeverExitsZero) {
  auto d = Program("daemonizes");  // Exits 0 at once: a failed start each time.
  d.critical = true;
  d.startretries = 0;
  Create({d});
  Start();
  ExecOk("daemonizes");
  Exit("daemonizes", 0);
  EXPECT_EQ(State::kFatal, StateOf("daemonizes"));
  EXPECT_EQ(1, code_);
}

TEST_F(SupervisorTest, StopBudgetIsOneProgramsNotAChains) {
  auto a = Program("a"), b = Program("b", {"a"}), c = Program("c", {"b"});
  a.stopwaitsecs_ms = 1000;
  b.stopwaitsecs_ms = 2000;
  c.stopwaitsecs_ms = 4000;
  auto lone = Program("lone");
  lone.stopwaitsecs_ms = 6000;
  Create({a, b, c, lone});
  EXPECT_EQ(6000, sup_->StopBudgetMs());
}

// c -> b -> a, each 3 s to stop with stopwaitsecs = 4s, an 8 s stop timeout: in order
// while there is time; a is signalled when 4 s are left, and all is down in 7 s.
TEST_F(SupervisorTest, AChainStopsInOrderWithinTheDeadline) {
  auto a = Program("a"), b = Program("b", {"a"}), c = Program("c", {"b"});
  a.stopwaitsecs_ms = b.stopwaitsecs_ms = c.stopwaitsecs_ms = 4000;
  Create({a, b, c});
  Start();
  RunAll({"a"});
  RunAll({"b"});
  RunAll({"c"});
  ops_.TakeCalls();
  const int64_t t0 = clock_.NowMs();
  sup_->Stop(SIGTERM, t0 + 8000);
  EXPECT_EQ("group 102 TERM; group 102 CONT", ops_.TakeCalls());
  clock_.Advance(3000);
  Exit("c", SIGTERM);
  EXPECT_EQ("group 101 TERM; group 101 CONT", ops_.TakeCalls());
  clock_.Advance(999);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);  // 4 s left: a's stopwaitsecs.
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  clock_.Advance(2000);
  Exit("b", SIGTERM);
  clock_.Advance(1000);
  Exit("a", SIGTERM);
  EXPECT_EQ(1, done_calls_);
  EXPECT_EQ(t0 + 7000, clock_.NowMs());
  EXPECT_EQ("", ops_.TakeCalls());  // No SIGKILL.
}

// With stopwaitsecs as long as the stop timeout, the order holds for half of it.
TEST_F(SupervisorTest, ADependencyWaitsAtMostHalfTheStopTime) {
  Create({Program("db"), Program("app", {"db"})});
  Start();
  RunAll({"db"});
  RunAll({"app"});
  ops_.TakeCalls();
  sup_->Stop(SIGTERM, clock_.NowMs() + 8000);
  EXPECT_EQ("group 101 TERM; group 101 CONT", ops_.TakeCalls());
  clock_.Advance(3999);
  EXPECT_EQ("", ops_.TakeCalls());
  clock_.Advance(1);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
}

ProgramConfig Oneshot(const std::string& name, std::vector<std::string> deps = {}) {
  ProgramConfig p = Program(name, std::move(deps));
  p.type = ProgramType::kOneshot;
  return p;
}

// once <- a <- d: once and a up, d stopped and started by hand: once is done, and stays.
TEST_F(SupervisorTest, ADoneOneshotStaysDoneWhenADependentStarts) {
  auto d = Program("d", {"a"});
  d.autostart = false;
  Create({Oneshot("once"), Program("a", {"once"}), d});
  Start();
  EXPECT_EQ("once", Spawned());
  ExecOk("once");
  Exit("once", 0);
  RunAll({"a"});
  std::string err;
  ASSERT_TRUE(sup_->StartPrograms({"d"}, &err));
  EXPECT_EQ("d", Spawned());
  RunAll({"d"});
  ASSERT_TRUE(sup_->StopPrograms({"d"}, &err));
  Exit("d", SIGTERM);
  ASSERT_TRUE(sup_->StartPrograms({"d"}, &err));
  EXPECT_EQ("d", Spawned());
  // By name, it runs again; what depends on it keeps running meanwhile.
  ASSERT_TRUE(sup_->StartPrograms({"once"}, &err));
  EXPECT_EQ("once", Spawned());
}

TEST_F(SupervisorTest, StoppingAProgramStopsWhatDependsOnItFirst) {
  Create({Program("db"), Program("app", {"db"}), Program("worker", {"app"})});
  Start();
  RunAll({"db"});
  RunAll({"app"});
  RunAll({"worker"});
  ops_.TakeCalls();
  std::string err;
  ASSERT_TRUE(sup_->StopPrograms({"db"}, &err));
  EXPECT_EQ("group 102 TERM; group 102 CONT", ops_.TakeCalls());
  Exit("worker", SIGTERM);
  EXPECT_EQ("group 101 TERM; group 101 CONT", ops_.TakeCalls());
  Exit("app", SIGTERM);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  Exit("db", SIGTERM);
  EXPECT_EQ(State::kStopped, StateOf("db"));
  EXPECT_EQ(State::kStopped, StateOf("worker"));
  EXPECT_EQ("", Spawned());
}

TEST_F(SupervisorTest, RestartingAProgramRestartsWhatWasUpAfterIt) {
  auto tool = Program("tool", {"db"});
  tool.autostart = false;
  Create({Program("db"), Program("app", {"db"}), tool});
  Start();
  RunAll({"db"});
  RunAll({"app"});
  ops_.TakeCalls();
  std::string err;
  ASSERT_TRUE(sup_->RestartPrograms({"db"}, &err));
  EXPECT_EQ("group 101 TERM; group 101 CONT", ops_.TakeCalls());
  Exit("app", SIGTERM);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  Exit("db", SIGTERM);
  EXPECT_EQ("db", Spawned());
  ExecOk("db");
  EXPECT_EQ("", Spawned());
  clock_.Advance(1000);
  EXPECT_EQ("app", Spawned());  // tool was not up: it stays down.
}

// a crashes and restarts; d crashes meanwhile: d waits until a is up again.
TEST_F(SupervisorTest, ACrashRestartWaitsForItsDependencies) {
  auto a = Program("a"), d = Program("d", {"a"});
  d.restart = RestartPolicy::kAlways;
  a.restart = RestartPolicy::kAlways;
  Create({a, d});
  Start();
  RunAll({"a"});
  RunAll({"d"});
  Spawned();
  clock_.Advance(5000);
  Exit("a", 1 << 8);
  EXPECT_EQ("a", Spawned());
  Exit("d", 1 << 8);
  EXPECT_EQ("", Spawned());
  EXPECT_EQ(State::kBackoff, StateOf("d"));
  ExecOk("a");
  clock_.Advance(1000);
  EXPECT_EQ("d", Spawned());
}

TEST_F(SupervisorTest, AReloadStopsWhatDependsOnAChangedProgramFirst) {
  Create({Program("db"), Program("app", {"db"})});
  Start();
  RunAll({"db"});
  RunAll({"app"});
  Spawned();
  ops_.TakeCalls();
  Config next;
  auto db = Program("db");
  db.argv = {"db", "--new"};
  next.programs = {db, Program("app", {"db"})};
  EXPECT_EQ("added none; removed none; changed db; 1 unchanged", sup_->Reload(next));
  EXPECT_EQ("group 101 TERM; group 101 CONT", ops_.TakeCalls());
  Exit("app", SIGTERM);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  Exit("db", SIGTERM);
  EXPECT_EQ("db", Spawned());
  ExecOk("db");
  clock_.Advance(1000);
  EXPECT_EQ("app", Spawned());
}

TEST_F(SupervisorTest, ReloadCannotReplaceTheMainCommand) {
  Create({});
  sup_->SetMain(MainConfig(), ServiceOptions{});
  Start();
  RunAll({"app"});
  Config next;
  auto impostor = Program("main");
  impostor.argv = {"impostor"};
  next.programs = {impostor};
  sup_->Reload(next);
  EXPECT_EQ(State::kRunning, sup_->services()[0]->state());
  EXPECT_EQ("app", sup_->services()[0]->config().argv[0]);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// A datagram is credited to the notify program whose tree holds its sender.
TEST_F(SupervisorTest, NotifyDatagramsAreCreditedByProcessTree) {
  ProgramConfig n = Program("redis");
  std::string why;
  ASSERT_TRUE(ParseReadySource("notify", &n.ready, &why));
  Create({n, Program("plain")});
  Start();
  ExecOk("redis");
  ExecOk("plain");
  const pid_t redis = PidOf("redis"), plain = PidOf("plain");
  ops_.parents[500] = 400;  // 500 is redis's grandchild.
  ops_.parents[400] = redis;
  ops_.parents[600] = plain;
  NotifyMessage ready;
  ASSERT_TRUE(ParseNotifyMessage("READY=1", &ready));
  EXPECT_FALSE(sup_->OnNotify(600, ready));   // The plain program's child: no.
  EXPECT_FALSE(sup_->OnNotify(plain, ready));
  EXPECT_FALSE(sup_->OnNotify(9999, ready));  // Unrelated.
  EXPECT_EQ(Service::State::kStarting, sup_->FindAny("redis")->state());
  EXPECT_TRUE(sup_->OnNotify(500, ready));
  EXPECT_EQ(Service::State::kRunning, sup_->FindAny("redis")->state());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// A reload removes db, and app, which depended on it, no longer does: app keeps running.
TEST_F(SupervisorTest, AReloadThatRemovesADependencyKeepsItsFormerDependent) {
  Create({Program("db"), Program("app", {"db"})});
  Start();
  RunAll({"db"});
  RunAll({"app"});
  Spawned();
  ops_.TakeCalls();
  Config next;
  next.programs = {Program("app")};
  EXPECT_EQ("added none; removed db; changed none; 1 unchanged", sup_->Reload(next));
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
  Exit("db", SIGTERM);
  EXPECT_EQ(State::kRunning, StateOf("app"));
  EXPECT_EQ("", Spawned());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// db <- cache <- app and db <- app; cache ended on its own since: restarting db brings
// app back (and cache, which app wants up), though the path through cache was down.
TEST_F(SupervisorTest, ARestartBringsBackADependentReachedThroughADownProgram) {
  auto cache = Program("cache", {"db"});
  cache.restart = RestartPolicy::kNever;
  Create({Program("db"), cache, Program("app", {"cache", "db"})});
  Start();
  RunAll({"db"});
  RunAll({"cache"});
  RunAll({"app"});
  Spawned();
  Exit("cache", 0);
  EXPECT_EQ(State::kExited, StateOf("cache"));
  std::string err;
  ASSERT_TRUE(sup_->RestartPrograms({"db"}, &err));
  Exit("app", SIGTERM);
  Exit("db", SIGTERM);
  EXPECT_EQ("db", Spawned());
  ExecOk("db");
  clock_.Advance(1000);
  EXPECT_EQ("cache", Spawned());
  ExecOk("cache");
  clock_.Advance(1000);
  EXPECT_EQ("app", Spawned());
}

// While db restarts, app is stopped then started by hand: app's stop is not called off
// (db could never stop); app comes back after db.
TEST_F(SupervisorTest, StartingADependentDuringARestartOfItsDependencyWaitsForIt) {
  auto db = Program("db");
  db.stopwaitsecs_ms = 60000;
  auto app = Program("app", {"db"});
  app.stopwaitsecs_ms = 60000;
  Create({db, app});
  Start();
  RunAll({"db"});
  RunAll({"app"});
  Spawned();
  std::string err;
  ASSERT_TRUE(sup_->RestartPrograms({"db"}, &err));
  ASSERT_TRUE(sup_->StopPrograms({"app"}, &err));
  ASSERT_TRUE(sup_->StartPrograms({"app"}, &err));
  Exit("app", SIGTERM);
  EXPECT_EQ(State::kStopping, StateOf("db"));
  Exit("db", SIGTERM);
  EXPECT_EQ("db", Spawned());
  ExecOk("db");
  clock_.Advance(1000);
  EXPECT_EQ("app", Spawned());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// db <- mid <- top: `stop db` stops top first; `start mid` meanwhile calls off mid's stop
// and db's (which waited for mid): db is not left waiting to stop for ever.
TEST_F(SupervisorTest, StartingAProgramCallsOffTheStopsBelowIt) {
  Create({Program("db"), Program("mid", {"db"}), Program("top", {"mid"})});
  Start();
  RunAll({"db"});
  RunAll({"mid"});
  RunAll({"top"});
  Spawned();
  ops_.TakeCalls();
  std::string err;
  ASSERT_TRUE(sup_->StopPrograms({"db"}, &err));
  EXPECT_EQ("group 102 TERM; group 102 CONT", ops_.TakeCalls());
  ASSERT_TRUE(sup_->StartPrograms({"mid"}, &err));
  Exit("top", SIGTERM);
  EXPECT_EQ("", ops_.TakeCalls());
  EXPECT_TRUE(sup_->Wanted(sup_->Find("db")));
  // And a restart of db now goes through: it is not stuck waiting to stop.
  ASSERT_TRUE(sup_->RestartPrograms({"db"}, &err));
  EXPECT_EQ("group 101 TERM; group 101 CONT", ops_.TakeCalls());
  Exit("mid", SIGTERM);
  EXPECT_EQ("group 100 TERM; group 100 CONT", ops_.TakeCalls());
}

}  // namespace
}  // namespace tend
