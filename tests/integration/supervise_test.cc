// Supervision of conf.d programs by the real binary as PID 1.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

namespace tend {
namespace {

class Supervise : public Pid1Test {
 protected:
  // Lines of tend's stderr that contain `text`.
  std::vector<std::string> LogLines(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& l : Lines(tend_->Stderr()))
      if (l.find(text) != std::string::npos) out.push_back(l);
    return out;
  }
  // Position of the first stderr line containing `text`, or -1.
  int LogIndex(const std::string& text) {
    auto lines = Lines(tend_->Stderr());
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i].find(text) != std::string::npos) return static_cast<int>(i);
    return -1;
  }
};

TEST_F(Supervise, FailingProgramBacksOffThenGoesFatal) {
  auto conf = WriteConf("crash.conf",
                        "[program:crash]\n"
                        "command = sh -c 'exit 1'\n"
                        "startretries = 2\n"
                        "backoff = 100ms\n"
                        "[program:steady]\n"
                        "command = sleep 1000\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("crash: exited with status 1; FATAL after 3 failed starts")) << t.Stderr();
  EXPECT_EQ(2u, LogLines("crash: exited with status 1; restarting in").size()) << t.Stderr();
  EXPECT_EQ(1u, LogLines("(retry 2/2)").size()) << t.Stderr();
  // Not critical: tend keeps running the rest.
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
  EXPECT_NE(-1, LogIndex("steady: stopped")) << t.Stderr();
}

TEST_F(Supervise, CriticalExitStopsOthersGracefullyWithItsStatus) {
  std::string rec = Path("rec");
  auto conf = WriteConf("app.conf",
                        "[program:other]\n"
                        "command = " +
                            probe_ + " sigrecord " + rec +
                            "\n"
                            "[program:vital]\n"
                            "command = sh -c '" +
                            probe_ + " wait-file " + rec +
                            " ready; exit 3'\n"
                            "critical = true\n"
                            "autorestart = false\n"
                            "startsecs = 0\n");
  auto& t = Start({"-c", conf});
  EXPECT_EQ(3, t.Wait());
  EXPECT_EQ((std::vector<std::string>{"ready", std::to_string(SIGTERM)}), Lines(ReadFile(rec)));
  EXPECT_NE(-1, LogIndex("vital: critical program ended (EXITED): stopping everything, exit "
                         "status 3"))
      << t.Stderr();
}

TEST_F(Supervise, DependenciesStartInOrderAndStopInReverse) {
  std::string order = Path("order");
  auto prog = [&](const std::string& name, const std::string& deps) {
    return "[program:" + name + "]\ncommand = " + probe_ + " lifecycle " + order + " " + name +
           "\nstartsecs = 0\n" + (deps.empty() ? "" : "depends_on = " + deps + "\n");
  };
  // Declared in the reverse of their order, with priorities that would say otherwise.
  auto conf = WriteConf("deps.conf", prog("web", "app") + "priority = 1\n" + prog("app", "db") +
                                         prog("db", "") + "priority = 900\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLine(order, "web start"));
  int db = LogIndex("db: started"), app = LogIndex("app: started"), web = LogIndex("web: started");
  EXPECT_TRUE(db >= 0 && db < app && app < web) << t.Stderr();
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
  auto lines = Lines(ReadFile(order));
  std::vector<std::string> stops(lines.end() - 3, lines.end());
  EXPECT_EQ((std::vector<std::string>{"web stop", "app stop", "db stop"}), stops);
}

TEST_F(Supervise, MainCommandRunsBesideProgramsAndDecidesTheStatus) {
  std::string rec = Path("rec");
  auto conf =
      WriteConf("side.conf", "[program:sidecar]\ncommand = " + probe_ + " sigrecord " + rec + "\n");
  auto& t = Start({"-c", conf, "--", "sh", "-c", probe_ + " wait-file " + rec + " ready; exit 4"});
  EXPECT_EQ(4, t.Wait());
  EXPECT_EQ((std::vector<std::string>{"ready", std::to_string(SIGTERM)}), Lines(ReadFile(rec)));
}

TEST_F(Supervise, ReloadAddsRemovesChangesAndKeepsUnchangedRunning) {
  std::string order = Path("order");
  auto prog = [&](const std::string& name, const std::string& extra) {
    return "[program:" + name + "]\ncommand = " + probe_ + " lifecycle " + order + " " + name +
           extra + "\nstartsecs = 0\n";
  };
  auto conf = WriteConf("a.conf", prog("keep", "") + prog("gone", "") + prog("edit", ""));
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLine(order, "keep start"));
  ASSERT_TRUE(WaitForLine(order, "gone start"));
  ASSERT_TRUE(WaitForLine(order, "edit start"));
  std::string keep_pid = t.InNamespace({"pgrep", "-f", "lifecycle " + order + " keep"});

  WriteConf("a.conf", prog("keep", "") + prog("edit", "2") + prog("fresh", ""));
  t.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog("reloaded: added fresh; removed gone; changed edit; 1 unchanged"))
      << t.Stderr();
  EXPECT_TRUE(WaitForLine(order, "gone stop"));
  EXPECT_TRUE(WaitForLine(order, "edit stop"));
  EXPECT_TRUE(WaitForLine(order, "edit2 start"));
  EXPECT_TRUE(WaitForLine(order, "fresh start"));
  EXPECT_EQ(keep_pid, t.InNamespace({"pgrep", "-f", "lifecycle " + order + " keep"}));

  // A broken configuration is reported and changes nothing.
  WriteConf("a.conf", "[program:broken]\nstartsecs = soon\n");
  t.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog("configuration not reloaded")) << t.Stderr();
  EXPECT_NE(-1, LogIndex(conf + "/a.conf:1: error:")) << t.Stderr();
  EXPECT_EQ(keep_pid, t.InNamespace({"pgrep", "-f", "lifecycle " + order + " keep"}));
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
  EXPECT_EQ(std::string::npos, ReadFile(order).find("keep stop\nkeep start")) << ReadFile(order);
}

// From issue 34: an [include] naming a FIFO held PID 1 in open(2) on reload: no reaping,
// no control socket. It is refused, and tend answers on.
TEST_F(Supervise, ReloadRefusesAFifoInclude) {
  auto conf = WriteConf("a.conf", "[program:keep]\ncommand = sleep 1000\nstartsecs = 0\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("keep: started")) << t.Stderr();
  ASSERT_EQ(0, mkfifo(Path("fifo.conf").c_str(), 0644));
  WriteConf("b.conf", "[include]\nfiles = " + Path("fifo.conf") + "\n");
  t.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog("configuration not reloaded")) << t.Stderr();
  EXPECT_TRUE(Has(t.Stderr(), "b.conf:2: error: " + Path("fifo.conf") + ": unable to read: not a regular file"))
      << t.Stderr();
  std::string out;
  EXPECT_EQ(0, Ctl({"status", "keep"}, &out)) << out;
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

TEST_F(Supervise, UserSwitchingWorksWithTheStaticBinary) {
  chmod(dir_.c_str(), 0777);
  std::string out = Path("id");
  auto conf = WriteConf("user.conf",
                        "[program:asnobody]\n"
                        "command = sh -c 'echo \"$(id -u) $(id -g) $HOME $USER\" > " +
                            out +
                            "'\n"
                            "user = nobody\n"
                            "autorestart = false\n"
                            "startsecs = 0\n"
                            "critical = true\n");
  TendProcess::Options o;
  // The static build is not rebuilt per build directory (make asan): $TEND_STATIC.
  const char* st = getenv("TEND_STATIC");
  o.binary = st && *st ? std::string(st) : BuildPath("tend-static");
  if (o.binary[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) o.binary = std::string(cwd) + "/" + o.binary;
  }
  auto& t = Start({"-c", conf}, o);
  EXPECT_EQ(0, t.Wait()) << t.Stderr();
  EXPECT_EQ("65534 65534 /nonexistent nobody\n", ReadFile(out));
}

// Scripts that test for supervisord's pidfile find tend's pid there while it runs.
TEST_F(Supervise, SupervisordPidfileHoldsTendsPidWhileItRuns) {
  std::string conf = Path("supervisord.conf");
  WriteFile(conf, "[supervisord]\nnodaemon=true\npidfile=%(here)s/run.pid\n"
                  "[program:a]\ncommand=sleep 1000\n");
  Start({"-c", conf});
  ASSERT_TRUE(Eventually([&] { return ReadFile(Path("run.pid")) == "1\n"; }))
      << ReadFile(Path("run.pid")) << tend_->Stderr();
  tend_->Signal(SIGTERM);
  EXPECT_EQ(0, tend_->Wait());
  EXPECT_NE(0, access(Path("run.pid").c_str(), F_OK)) << "removed at the exit";
  EXPECT_FALSE(Has(tend_->Stderr(), "pidfile /")) << tend_->Stderr();  // No warning.
}

TEST_F(Supervise, SupervisordFileAsDockerImagesWriteThem) {
  std::string order = Path("order");
  WriteConf("workers.conf",
            "[program:worker]\n"
            "command=" +
                probe_ + " lifecycle " + order +
                " worker_%(process_num)02d\n"
                "process_name=%(program_name)s_%(process_num)02d\n"
                "numprocs=2\n"
                "stdout_logfile=/dev/stdout\n"
                "stdout_logfile_maxbytes=0\n"
                "redirect_stderr=true\n");
  std::string main_conf = Path("supervisord.conf");
  WriteFile(main_conf,
            "[unix_http_server]\n"
            "file=/var/run/supervisor.sock   ; (the path to the socket file)\n"
            "chmod=0700\n\n"
            "[supervisord]\n"
            "nodaemon=true\n"
            "logfile=/dev/null\n"
            "logfile_maxbytes=0\n"
            "pidfile=/run/supervisord.pid\n\n"
            "[rpcinterface:supervisor]\n"
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
            "[supervisorctl]\n"
            "serverurl=unix:///var/run/supervisor.sock\n\n"
            "[program:web]\n"
            "command=" +
                probe_ + " lifecycle " + order +
                " web\n"
                "autostart=true\n"
                "autorestart=true\n"
                "stdout_logfile=/dev/stdout\n"
                "stdout_logfile_maxbytes=0\n"
                "stderr_logfile=/dev/stderr\n"
                "stderr_logfile_maxbytes=0\n\n"
                "[include]\n"
                "files = conf.d/*.conf\n");
  auto& t = Start({"-c", main_conf});
  EXPECT_TRUE(WaitForLine(order, "web start"));
  EXPECT_TRUE(WaitForLine(order, "worker_00 start"));
  EXPECT_TRUE(WaitForLine(order, "worker_01 start"));
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
  EXPECT_TRUE(WaitForLine(order, "worker_01 stop"));
  EXPECT_EQ(std::string::npos, t.Stderr().find("error")) << t.Stderr();
}

TEST_F(Supervise, OutputIsPrefixedWithWholeLinesOnTheRightStream) {
  // Two programs at full speed: every line arrives whole, prefixed, none lost or mixed.
  auto prog = [&](const std::string& name) {
    return "[program:" + name + "]\ncommand = sh -c 'seq 1 100000 | sed s/^/" + name + "-/; echo " +
           name + "-err >&2'\nautorestart = false\nstartsecs = 0\n";
  };
  auto conf = WriteConf("two.conf", prog("a") + prog("bbb"));
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("a: exited with status 0"));
  ASSERT_TRUE(WaitForLog("bbb: exited with status 0"));
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
  size_t a = 0, b = 0, bad = 0;
  for (const auto& l : Lines(t.Stdout())) {
    if (l.compare(0, 8, "a   | a-") == 0) {
      ++a;
    } else if (l.compare(0, 10, "bbb | bbb-") == 0) {
      ++b;
    } else {
      ++bad;
    }
  }
  EXPECT_EQ(100000u, a);
  EXPECT_EQ(100000u, b);
  EXPECT_EQ(0u, bad);
  EXPECT_NE(std::string::npos, t.Stderr().find("a   | a-err\n"));
  EXPECT_NE(std::string::npos, t.Stderr().find("bbb | bbb-err\n"));
}

TEST_F(Supervise, LogfileDestinations) {
  std::string file = Path("app.log");
  auto prog = [&](const std::string& name, const std::string& keys) {
    return "[program:" + name + "]\ncommand = sh -c 'echo " + name + "-out; echo " + name +
           "-err >&2'\nautorestart = false\nstartsecs = 0\n" + keys;
  };
  auto conf = WriteConf(
      "logs.conf", prog("quiet", "stdout_logfile = NONE\nstderr_logfile = NONE\n") +
                       prog("swapped", "stdout_logfile = /dev/stderr\n") +
                       prog("tofile", "stdout_logfile = " + file + "\nredirect_stderr = true\n"));
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("tofile: exited with status 0"));
  ASSERT_TRUE(WaitForLog("swapped: exited with status 0"));
  ASSERT_TRUE(WaitForLog("quiet: exited with status 0"));
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
  EXPECT_EQ("", t.Stdout());
  EXPECT_NE(std::string::npos, t.Stderr().find("swapped-out\n"));
  EXPECT_NE(std::string::npos, t.Stderr().find("swapped-err\n"));
  EXPECT_EQ(std::string::npos, t.Stderr().find("quiet-"));
  EXPECT_EQ("tofile-out\ntofile-err\n", ReadFile(file));
}

TEST_F(Supervise, ConfigurationErrorsAreReportedBeforeAnythingStarts) {
  std::string marker = Path("ran");
  auto conf = WriteConf("bad.conf",
                        "[program:ok]\n"
                        "command = touch " +
                            marker +
                            "\n"
                            "[program:bad]\n"
                            "command = sleep 1\n"
                            "stopsignal = NOPE\n"
                            "[program:cycle1]\n"
                            "command = true\n"
                            "depends_on = cycle2\n"
                            "[program:cycle2]\n"
                            "command = true\n"
                            "depends_on = cycle1\n");
  auto& t = Start({"-c", conf});
  EXPECT_EQ(2, t.Wait());
  EXPECT_NE(-1, LogIndex(conf + "/bad.conf:5: error:")) << t.Stderr();
  EXPECT_NE(-1, LogIndex("cycle")) << t.Stderr();
  EXPECT_EQ("", ReadFile(marker));
  EXPECT_NE(0, access(marker.c_str(), F_OK));
}

TEST_F(Supervise, CriticalProgramThatCannotEvenStartEndsTendAtOnce) {
  // It goes FATAL inside the first start, before the event loop runs.
  auto conf = WriteConf("broken.conf",
                        "[program:vital]\n"
                        "command = true\n"
                        "critical = true\n"
                        "startretries = 0\n"
                        "stdout_logfile = /nonexistent-dir/vital.log\n");
  auto& t = Start({"-c", conf});
  EXPECT_EQ(1, t.Wait());
  EXPECT_NE(-1, LogIndex("vital: unable to open \"/nonexistent-dir/vital.log\"")) << t.Stderr();
}

TEST_F(Supervise, ProgramNamedMainConflictsWithTheCommand) {
  auto conf = WriteConf("m.conf", "[program:main]\ncommand = sleep 10\n");
  auto& t = Start({"-c", conf, "--", "true"});
  EXPECT_EQ(2, t.Wait());
  EXPECT_NE(-1, LogIndex("conflicts with the main command")) << t.Stderr();
}

// Found by an attack on the status page: a reload took [program:main] beside the main
// command, and two "main" rows then mixed their buttons.
TEST_F(Supervise, AReloadCannotAddAProgramNamedMain) {
  auto conf = WriteConf("a.conf", "[program:web]\ncommand = sleep 100000\n");
  Start({"-c", conf, "--", "sleep", "100001"});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  WriteFile(conf + "/b.conf", "[program:main]\ncommand = sleep 100002\n");
  std::string out;
  EXPECT_NE(0, Ctl({"reload"}, &out));
  EXPECT_TRUE(Has(out, "b.conf:1: a program named \"main\" conflicts with the main command"))
      << out;
  Ctl({"status"}, &out);
  EXPECT_EQ(1, CountLines(out, "main ")) << out;
}

TEST_F(Supervise, CheckListsProgramsAndStartsNothing) {
  auto conf = WriteConf("ok.conf", "[program:web]\ncommand = sleep 1000\n");
  auto& t = Start({"--check", "-c", conf});
  EXPECT_EQ(0, t.Wait());
  EXPECT_NE(std::string::npos, t.Stdout().find("web")) << t.Stdout();
}

TEST_F(Supervise, TheExampleConfigurationsAreValid) {
  for (const char* dir : {"conf.d", "contrib/docker/conf.d"}) {
    std::string out;
    int status = RunCommand({BuildPath("tend"), "--check", "-c", dir}, &out, true);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << dir << ":\n" << out;
    EXPECT_EQ(std::string::npos, out.find("warning")) << dir << ":\n" << out;
  }
}

TEST_F(Supervise, CheckAcceptsEverySupervisordFileOfTheCorpus) {
  // As the unit tests' corpus tests (tests/unit/config_load_test.cc): skipped, saying
  // so, when a lone clone has no corpus beside it.
  const char* env = getenv("TEND_COMPAT_DIR");
  std::string dir = env && *env ? env : "../shared/compat/supervisord";
  struct stat st;
  if (!(env && *env) && (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    GTEST_SKIP() << "no supervisord corpus at " << dir
                 << " (set TEND_COMPAT_DIR): the tests of supervisord's real files did not run";
  }
  std::string list;
  ASSERT_EQ(0, RunCommand({"sh", "-c", "ls " + dir + "/*.conf"}, &list)) << dir;
  auto files = Lines(list);
  ASSERT_GT(files.size(), 20u);
  for (const auto& f : files) {
    std::string out;
    int status = RunCommand({BuildPath("tend"), "--check", "-c", f}, &out);
    ASSERT_TRUE(WIFEXITED(status)) << f;
    // 0: fine; 1: fine, but this machine lacks a user or a variable. Never 2.
    EXPECT_LE(WEXITSTATUS(status), 1) << f;
  }
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// What a dead program left in its process group (cleanupgroup): stopped before the
// program starts again. The program is `sh -c 'probe ignore-term & wait'`, its sh then
// killed with -9, as a crash or the OOM killer would.
class Leftovers : public Supervise {
 protected:
  // Starts the program; returns when its child has said "ready" and written its pid.
  void StartLeaver(const std::string& extra) {
    StartConf("[program:web]\ncommand = sh -c '" + probe_ + " ignore-term " + Path("ready") +
              " & echo $! > " + Path("child") + "; wait'\nstartsecs = 0\n" + extra);
    ASSERT_TRUE(WaitForLine(Path("ready"), "ready")) << tend_->Stderr();
    ASSERT_TRUE(Eventually([&] { return !ReadFile(Path("child")).empty(); }));
    child_ = ReadFile(Path("child"));
    child_.pop_back();
  }
  void StartConf(const std::string& conf) { Start({"-s", "none", "-c", WriteConf("w.conf", conf)}); }
  // Kills the program's sh with -9, from inside tend's PID namespace.
  void KillSh() {
    tend_->InNamespace({"sh", "-c", "kill -9 $(cat /proc/" + child_ + "/stat | cut -d' ' -f4)"});
  }
  bool ChildAlive() {
    return tend_->InNamespace({"sh", "-c", "kill -0 " + child_ + " && echo alive"}) == "alive\n";
  }
  std::string child_;
};

TEST_F(Leftovers, AreKilledAfterStopwaitsecsWhenTheyIgnoreTheStopSignal) {
  // Longer than the 1 s a program that ran under a second waits before its restart:
  // the restart must wait for the SIGKILL.
  StartLeaver("stopwaitsecs = 2s\n");
  KillSh();
  ASSERT_TRUE(WaitForLog("web: 1 process left behind in its group; stopping it (SIGTERM)"))
      << tend_->Stderr();
  ASSERT_TRUE(WaitForLog("web: what it left in its group did not stop within 2s; sending "
                         "SIGKILL"))
      << tend_->Stderr();
  // Started again only then, and the old child is gone.
  ASSERT_TRUE(Eventually([&] { return CountLog("web: started") == 2; })) << tend_->Stderr();
  auto lines = Lines(tend_->Stderr());
  int killed = -1, restarted = -1;
  for (int i = 0; i < static_cast<int>(lines.size()); ++i) {
    if (Has(lines[i], "sending SIGKILL")) killed = i;
    if (Has(lines[i], "web: started")) restarted = i;
  }
  EXPECT_LT(killed, restarted) << tend_->Stderr();
  EXPECT_TRUE(Eventually([&] { return !ChildAlive(); }));
  EXPECT_TRUE(Eventually([&] { return Lines(ReadFile(Path("ready"))).size() == 2; }));
  EXPECT_EQ(0, tend_->ZombieCount());
}

TEST_F(Leftovers, CleanupgroupFalseLeavesThemRunning) {
  StartLeaver("cleanupgroup = false\n");
  KillSh();
  // Restarted at once, beside the old child, which lives on.
  ASSERT_TRUE(Eventually([&] { return CountLog("web: started") == 2; })) << tend_->Stderr();
  EXPECT_TRUE(ChildAlive());
  EXPECT_EQ(0u, LogLines("left behind").size()) << tend_->Stderr();
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// depends_on waits for ready: the dependent never starts before its dependency said so.
class Readiness : public Supervise {
 protected:
  // `server` is a shell script that says it is ready (after writing the time to
  // "printed"); `app` depends on it and writes the time it started to "started".
  void ExpectDependentStartsAfterReady(const std::string& server, const std::string& ready) {
    StartConfNoSocket("[program:db]\ncommand = sh -c '" + server + "'\nready = " + ready +
                      "\nstartsecs = 0\n"
                      "[program:app]\ncommand = sh -c 'date +%%s%%N > " + Path("started") +
                      "; exec sleep 1000'\ndepends_on = db\nstartsecs = 0\n");
    ASSERT_TRUE(Eventually([&] { return !ReadFile(Path("started")).empty(); })) << tend_->Stderr();
    ASSERT_FALSE(ReadFile(Path("printed")).empty()) << "app started before db was ready";
    const long long printed = atoll(ReadFile(Path("printed")).c_str());
    const long long started = atoll(ReadFile(Path("started")).c_str());
    EXPECT_LE(printed, started);
    EXPECT_TRUE(WaitForLog("db: ready after")) << tend_->Stderr();
    EXPECT_LT(LogIndex("db: ready after"), LogIndex("app: started")) << tend_->Stderr();
  }
  void StartConfNoSocket(const std::string& conf) {
    Start({"-s", "none", "-c", WriteConf("r.conf", conf)});
  }
};

TEST_F(Readiness, ALogLineMakesTheProgramReady) {
  ExpectDependentStartsAfterReady("sleep 1; date +%%s%%N > " + Path("printed") +
                                      "; echo now listening; exec sleep 1000",
                                  "log:now listening");
}

TEST_F(Readiness, ALineMatchingARegularExpressionMakesTheProgramReady) {
  ExpectDependentStartsAfterReady("sleep 1; echo now starting; date +%%s%%N > " + Path("printed") +
                                      "; echo now serving on port 8080; exec sleep 1000",
                                  "log:/^now (listening|serving) on port [0-9]+$/");
}

TEST_F(Readiness, ANewlineOnTheNotificationFdMakesTheProgramReady) {
  ExpectDependentStartsAfterReady(
      "sleep 1; date +%%s%%N > " + Path("printed") + "; echo >&3; exec sleep 1000", "fd:3");
}

TEST_F(Readiness, NeverReadyGoesFatalAfterItsRetries) {
  StartConfNoSocket(
      "[program:mute]\ncommand = sleep 1000\nready = log:never said\nready_timeout = 300ms\n"
      "startretries = 1\nbackoff = 100ms\n"
      "[program:app]\ncommand = sleep 1000\ndepends_on = mute\n");
  ASSERT_TRUE(WaitForLog("mute: not ready after 300ms (ready = log:never said)"))
      << tend_->Stderr();
  ASSERT_TRUE(WaitForLog("FATAL after 2 failed starts")) << tend_->Stderr();
  EXPECT_EQ(0u, LogLines("app: started").size()) << tend_->Stderr();
}

TEST_F(Readiness, ANotificationFdClosedWithoutANewlineIsAFailedStart) {
  StartConfNoSocket("[program:quitter]\ncommand = sh -c 'exec 3>&-; exec sleep 1000'\n"
                    "ready = fd:3\nstartretries = 0\n");
  ASSERT_TRUE(WaitForLog("quitter: closed descriptor 3, or wrote over 4096 bytes to it, without a newline (ready = fd:3)"))
      << tend_->Stderr();
  ASSERT_TRUE(WaitForLog("quitter: ")) << tend_->Stderr();
  EXPECT_TRUE(WaitForLog("FATAL")) << tend_->Stderr();
}

// From issue 34: bytes without a newline on the notification descriptor kept tend
// reading for nothing. Past 4096 of them, the program will never be ready.
TEST_F(Readiness, ANotificationFdFloodedWithoutANewlineIsAFailedStart) {
  StartConfNoSocket("[program:flood]\ncommand = sh -c 'head -c 10000 /dev/zero >&3; "
                    "exec sleep 1000'\nready = fd:3\nstartretries = 0\n");
  ASSERT_TRUE(WaitForLog("flood: closed descriptor 3, or wrote over 4096 bytes to it, "
                         "without a newline (ready = fd:3)"))
      << tend_->Stderr();
  EXPECT_TRUE(WaitForLog("FATAL")) << tend_->Stderr();
}

TEST_F(Readiness, BadSourcesAreOneClearMessageEachAndExit2) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fd:1", "the descriptor must be a number from 3 to 255"},
      {"fd:x", "the descriptor must be a number from 3 to 255"},
      {"log:/[/", "bad regular expression: unbalanced '['"},
      {"nonsense", "not a readiness source (log:TEXT, log:/REGEX/, fd:N, notify, tcp:"},
      {"tcp:99999", "tcp:[HOST:]PORT: port \"99999\" is not a number from 1 to 65535"},
      {"http:nohost", "http:[HOST:]PORT/PATH: port \"nohost\" is not a number"},
  };
  for (const auto& c : cases) {
    std::string conf = WriteConf("bad.conf", "[program:x]\ncommand = sleep 1\nready = " + c.first + "\n");
    std::string out;
    int status = RunCommand({BuildPath("tend"), "--check", "-c", conf}, &out, true);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << c.first << ": " << out;
    std::vector<std::string> errors;
    for (const auto& l : Lines(out)) {
      if (Has(l, "error")) errors.push_back(l);
    }
    ASSERT_EQ(1u, errors.size()) << out;
    EXPECT_EQ("tend: " + conf + "/bad.conf:3: error: bad ready \"" + c.first + "\": ",
              errors[0].substr(0, errors[0].find(c.second)))
        << errors[0];
  }
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_F(Readiness, ReadyEqualsOneOnTheNotifySocketMakesTheProgramReady) {
  // The datagram comes from a child of the program's shell: credited by process tree.
  ExpectDependentStartsAfterReady("sleep 1; date +%%s%%N > " + Path("printed") + "; " + probe_ +
                                      " notify 1 \"STATUS=serving\" \"READY=1\"",
                                  "notify");
}

// A flood of garbage, and datagrams from outside every notify program: a few
// rate-limited lines, no descriptor left open, and the others are supervised on.
TEST_F(Readiness, NotifyFloodsAndStrangersChangeNothing) {
  StartConfNoSocket("[program:flood]\ncommand = " + probe_ +
                    " notify 100000 garbage READY=1\nready = notify\nstartsecs = 0\n"
                    "[program:talker]\ncommand = sh -c 'echo $NOTIFY_SOCKET > " + Path("address") +
                    "; exec sleep 1000'\nready = notify\nready_timeout = 1h\nstartsecs = 0\n"
                    "[program:crash]\ncommand = sh -c 'sleep 0.2; exit 1'\nstartsecs = 0\n"
                    "autorestart = true\n");
  ASSERT_TRUE(WaitForLog("flood: ready after")) << tend_->Stderr();
  // Each datagram "garbage" is refused; the log says so at most every 10 s.
  ASSERT_TRUE(Eventually([&] { return CountLog("crash: started") >= 4; })) << tend_->Stderr();
  EXPECT_LE(CountLog("that is not KEY=VALUE lines"), 2u) << tend_->Stderr();
  // A stranger (this test, outside tend's PID namespace) says READY=1 for talker.
  ASSERT_TRUE(Eventually([&] { return !ReadFile(Path("address")).empty(); }));
  std::string address = ReadFile(Path("address"));
  address.pop_back();
  ASSERT_EQ('@', address[0]);
  std::string out;
  RunCommand({"env", "NOTIFY_SOCKET=" + address, probe_, "notify-exit", "1", "READY=1"}, nullptr);
  EXPECT_EQ(0u, CountLog("talker: ready")) << tend_->Stderr();
  // tend's descriptors: no received one left open.
  std::string fds = tend_->InNamespace({"ls", "/proc/1/fd"});
  EXPECT_LT(Lines(fds).size(), 40u) << fds;
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// A program that stops sending WATCHDOG=1 is restarted.
TEST_F(Readiness, AProgramThatStopsSendingWatchdogIsRestarted) {
  StartConfNoSocket("[program:hung]\ncommand = " + probe_ +
                    " notify 1 READY=1 WATCHDOG=1\nready = notify\nwatchdog = 300ms\n"
                    "startsecs = 0\n");
  ASSERT_TRUE(WaitForLog("hung: watchdog: no WATCHDOG=1 for 300ms; restarting")) << tend_->Stderr();
  EXPECT_TRUE(Eventually([&] { return CountLog("hung: started") >= 2; })) << tend_->Stderr();
  EXPECT_TRUE(Eventually([&] { return CountLog("hung: ready after") >= 2; })) << tend_->Stderr();
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// systemd's own client: it sends READY=1, then BARRIER=1 with a descriptor, and waits
// (5 s, then exit 1) until the receiver closes it. tend closes it at once.
TEST_F(Readiness, SystemdNotifyFromAShellProgramWorksAndExitsAtOnce) {
  if (access("/usr/bin/systemd-notify", X_OK) != 0) GTEST_SKIP() << "no systemd-notify";
  StartConfNoSocket("[program:sh]\ncommand = sh -c 'systemd-notify --ready --status=serving; "
                    "echo rc=$? > " + Path("rc") + "; exec sleep 1000'\nready = notify\n"
                    "startsecs = 0\n");
  ASSERT_TRUE(WaitForLog("sh: ready after")) << tend_->Stderr();
  ASSERT_TRUE(Eventually([&] { return !ReadFile(Path("rc")).empty(); }));
  EXPECT_EQ("rc=0\n", ReadFile(Path("rc"))) << tend_->Stderr();
  EXPECT_EQ(0u, CountLog("notify socket:")) << tend_->Stderr();
}

}  // namespace
}  // namespace tend
