// The configuration model (config/config.h): problems, SameRun, the --check listing and
// the stop-chain warning.
#include <string>
#include <vector>

#include "fakes/config_fixture.h"

namespace tend {
namespace {

TEST(ConfigProblemTest, ToString) {
  EXPECT_EQ("a.conf:3: error: bad", (ConfigProblem{Kind::kError, {"a.conf", 3}, "bad"}).ToString());
  EXPECT_EQ("a.conf:3: unavailable: x", (ConfigProblem{Kind::kMachine, {"a.conf", 3}, "x"}).ToString());
  EXPECT_EQ("a.conf:1: warning: x", (ConfigProblem{Kind::kWarning, {"a.conf", 1}, "x"}).ToString());
  EXPECT_EQ("a.conf:1: notice: x", (ConfigProblem{Kind::kNotice, {"a.conf", 1}, "x"}).ToString());
  EXPECT_EQ("a.conf: error: x", (ConfigProblem{Kind::kError, {"a.conf", 0}, "x"}).ToString());
  EXPECT_EQ("error: x", (ConfigProblem{Kind::kError, {}, "x"}).ToString());
}

TEST(SameRunTest, ComparesWhatTheProcessIsMadeOf) {
  Loaded l = Load("[program:a]\ncommand=a --x\nuser=app\nenvironment=A=1\n");
  const ProgramConfig& a = l.Get("a");
  EXPECT_TRUE(a.SameRun(a));
  ProgramConfig b = a;
  b.where.line = 40;
  b.autostart = false;
  b.priority = 1;
  b.restart = RestartPolicy::kNever;
  b.stopwaitsecs_ms = 1;
  b.depends_on = {"x"};
  b.critical = true;
  EXPECT_TRUE(a.SameRun(b));
  auto differs = [&](void (*change)(ProgramConfig*)) {
    ProgramConfig c = a;
    change(&c);
    return !a.SameRun(c);
  };
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->argv.push_back("--y"); }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->environment.push_back("B=2"); }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->user.uid = 0; }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->directory = "/tmp"; }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->umask = 0; }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->stdout_logfile = "/x"; }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->type = ProgramType::kOneshot; }));
}

TEST(SameRunTest, IgnoresHowLinesAreShown) {
  Loaded l = Load("[program:a]\ncommand=a\n");
  Loaded changed = Load("[program:a]\ncommand=a\nlog_prefix={pid} |\nlog_timestamps=true\n");
  ASSERT_EQ("", changed.All());
  EXPECT_TRUE(l.Get("a").SameRun(changed.Get("a")));
  EXPECT_TRUE(changed.Get("a").SameRun(l.Get("a")));
  ProgramConfig c = changed.Get("a");
  c.log_prefix = "";
  c.log_timestamps = false;
  EXPECT_TRUE(changed.Get("a").SameRun(c));
}

TEST(FormatProgramsTest, OneLinePerProcess) {
  Loaded l = Load(
      "[program:web]\ncommand=/bin/web --name \"a b\"\nuser=app\ndepends_on=db,cache\n"
      "[program:db]\ncommand=db\ntype=oneshot\nautostart=false\n[program:cache]\ncommand=c\n");
  EXPECT_EQ(
      "NAME   TYPE     USER  AUTOSTART  DEPENDS_ON  COMMAND\n"
      "web    longrun  app   yes        db,cache    /bin/web --name 'a b'\n"
      "db     oneshot  -     no         -           db\n"
      "cache  longrun  -     yes        -           c\n",
      FormatPrograms(l.config));
}

TEST(DependenciesHoldTest, EveryNameThereAndNoCycle) {
  auto program = [](const std::string& name, std::vector<std::string> deps) {
    ProgramConfig p;
    p.name = p.program_name = name;
    p.depends_on = std::move(deps);
    return p;
  };
  Config c;
  c.programs = {program("web", {"db", "cache"}), program("db", {}), program("cache", {"db"})};
  std::string why;
  EXPECT_TRUE(DependenciesHold(c, &why)) << why;
  c.programs.push_back(program("worker", {"queue"}));  // Not there: no link.
  EXPECT_TRUE(DependenciesHold(c, &why)) << why;
  c.programs.back() = program("worker", {"web"});
  c.programs[1] = program("db", {"worker"});
  EXPECT_FALSE(DependenciesHold(c, &why));
  EXPECT_EQ(0u, why.find("dependency cycle through ")) << why;
  EXPECT_TRUE(DependenciesHold(Config(), &why));
}

TEST(StopChainsTest, AChainLongerThanTheStopTimeoutIsAWarning) {
  Loaded l = Load(
      "[program:db]\ncommand = db\nstopwaitsecs = 5s\n"
      "[program:migrate]\ncommand = m\ntype = oneshot\ndepends_on = db\n"
      "[program:app]\ncommand = app\nstopwaitsecs = 4s\ndepends_on = migrate\n"
      "[program:side]\ncommand = side\nstopwaitsecs = 3s\ndepends_on = db\n");
  ASSERT_TRUE(l.problems.empty());
  std::vector<ConfigProblem> w;
  CheckStopChains(l.config, 8000, &w);
  ASSERT_EQ(1u, w.size());
  EXPECT_EQ(l.config.programs[2].where.line, w[0].where.line);
  EXPECT_EQ(ConfigProblem::Kind::kWarning, w[0].kind);
  EXPECT_EQ("the stopwaitsecs along app -> migrate -> db add up to 9s, more than the stop "
            "timeout (8s): tend's stop signals the programs lower down before those above "
            "are down",
            w[0].message);
  w.clear();
  CheckStopChains(l.config, 9000, &w);
  EXPECT_TRUE(w.empty());
}

}  // namespace
}  // namespace tend
