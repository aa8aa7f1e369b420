// [eventlistener:x] as supervisord runs it: tests/data/listener.py records every event it
// is sent. The sequences of process states must be Debian's supervisord's own on the
// same file; the patterns people use listeners for (stop the container on FATAL, a
// periodic job on TICK) must work on tend.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <regex>

#include "harness.h"

namespace tend {
namespace {

constexpr char kSupervisord[] = "/usr/bin/supervisord";
constexpr char kSupervisorctl[] = "/usr/bin/supervisorctl";
constexpr char kPython[] = "/usr/bin/python3";

std::string ListenerScript() {
  char cwd[4096];
  return std::string(getcwd(cwd, sizeof cwd) ? cwd : ".") + "/tests/data/listener.py";
}

// One program's states as listeners are told them, in order, without pids:
// "STARTING from STOPPED tries:0", "EXITED from RUNNING expected:0".
std::map<std::string, std::vector<std::string>> Sequences(const std::string& log,
                                                          const std::string& skip) {
  std::map<std::string, std::vector<std::string>> seqs;
  const std::regex re(
      "^PROCESS_STATE_([A-Z]+) [0-9]+ [0-9]+ processname:(\\S+) groupname:\\S+ "
      "from_state:([A-Z]+)( tries:[0-9]+)?( expected:[01])?( pid:[0-9]+)?$");
  for (const std::string& line : Lines(log)) {
    std::smatch m;
    if (!std::regex_match(line, m, re)) {
      if (line.compare(0, 14, "PROCESS_STATE_") == 0) seqs["?"].push_back(line);
      continue;
    }
    if (m[2] == skip) continue;
    seqs[m[2]].push_back(m[1].str() + " from " + m[3].str() + m[4].str() + m[5].str());
  }
  return seqs;
}

std::string Show(const std::map<std::string, std::vector<std::string>>& seqs) {
  std::string s;
  for (const auto& [name, states] : seqs) {
    s += name + ":";
    for (const std::string& st : states) s += "\n  " + st;
    s += "\n";
  }
  return s;
}

// Programs that stay up, give up (BACKOFF twice, then FATAL), end once for good, end
// unexpectedly once and are started again, and one started by hand.
std::string Conf(const std::string& dir) {
  return SupervisordSections(dir) +
         "[program:up]\ncommand=sleep 100000\nstartsecs=0\n"
         "[program:crash]\ncommand=sh -c 'sleep 0.1; exit 3'\nstartsecs=3\nstartretries=2\n"
         "[program:once]\ncommand=sh -c 'sleep 0.3'\nstartsecs=0\nautorestart=false\n"
         "[program:again]\ncommand=sh -c '[ -e " + dir + "/again.ran ] && exec sleep 100000; "
         "touch " + dir + "/again.ran; sleep 0.3; exit 3'\nstartsecs=0\n"
         "[program:idle]\ncommand=sleep 100001\nautostart=false\nstartsecs=0\n"
         "[eventlistener:rec]\ncommand=" + kPython + " " + ListenerScript() + " " + dir +
         "/events.log\nevents=PROCESS_STATE\nbuffer_size=100\n";
}

class Listener : public Pid1Test {
 protected:
  void SetUp() override {
    Pid1Test::SetUp();
    if (!Installed(kPython)) GTEST_SKIP() << "python3 is not installed (the listeners' language)";
  }
  std::string Events(const std::string& dir) { return ReadFile(dir + "/events.log"); }
  bool WaitForEvents(const std::string& dir, const std::string& type, const std::string& name,
                     size_t count = 1) {
    return Eventually([&] {
      size_t n = 0;
      for (const std::string& l : Lines(Events(dir))) {
        n += l.compare(0, type.size() + 1, type + " ") == 0 &&
             Has(l, " processname:" + name + " ");
      }
      return n >= count;
    });
  }
  // Both have been through every state of the start.
  void WaitForStart(const std::string& dir) {
    ASSERT_TRUE(WaitForEvents(dir, "PROCESS_STATE_FATAL", "crash")) << Events(dir);
    ASSERT_TRUE(WaitForEvents(dir, "PROCESS_STATE_EXITED", "once")) << Events(dir);
    ASSERT_TRUE(WaitForEvents(dir, "PROCESS_STATE_RUNNING", "again", 2)) << Events(dir);
    ASSERT_TRUE(WaitForEvents(dir, "PROCESS_STATE_RUNNING", "up")) << Events(dir);
  }
};

TEST_F(Listener, StateSequencesAreTheRealSupervisords) {
  if (!Installed(kSupervisord) || !Installed(kSupervisorctl)) {
    GTEST_SKIP() << "Debian's supervisor is not installed (contrib/install-deps)";
  }
  const std::string real = Path("real");
  ASSERT_EQ(mkdir(real.c_str(), 0755), 0);
  WriteFile(real + "/supervisord.conf", Conf(real));
  WriteFile(Path("supervisord.conf"), Conf(dir_));
  TendProcess::Options opts;
  opts.binary = kSupervisord;
  TendProcess supervisord(real, {"-n", "-c", real + "/supervisord.conf"}, opts);
  Start({"-c", Path("supervisord.conf")});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  WaitForStart(real);
  WaitForStart(dir_);

  // By hand: a stop, a start, a restart.
  auto both = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kSupervisorctl, "-c", real + "/supervisord.conf"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunCommand(argv);
    Ctl(args);
  };
  both({"stop", "up"});
  ASSERT_TRUE(WaitForEvents(real, "PROCESS_STATE_STOPPED", "up"));
  ASSERT_TRUE(WaitForEvents(dir_, "PROCESS_STATE_STOPPED", "up"));
  both({"start", "idle"});
  ASSERT_TRUE(WaitForEvents(real, "PROCESS_STATE_RUNNING", "idle"));
  ASSERT_TRUE(WaitForEvents(dir_, "PROCESS_STATE_RUNNING", "idle"));
  both({"restart", "idle"});
  ASSERT_TRUE(WaitForEvents(real, "PROCESS_STATE_RUNNING", "idle", 2));
  ASSERT_TRUE(WaitForEvents(dir_, "PROCESS_STATE_RUNNING", "idle", 2));
  both({"start", "crash"});
  ASSERT_TRUE(WaitForEvents(real, "PROCESS_STATE_FATAL", "crash", 2));
  ASSERT_TRUE(WaitForEvents(dir_, "PROCESS_STATE_FATAL", "crash", 2));

  const auto theirs = Sequences(Events(real), "rec");
  const auto ours = Sequences(Events(dir_), "rec");
  EXPECT_EQ(Show(theirs), Show(ours));
  EXPECT_EQ(5u, ours.size()) << Show(ours);
  supervisord.Signal(SIGTERM);
  EXPECT_EQ(0, supervisord.Wait());
}

// A rejected event comes again, before the next one; every event is answered in the end.
TEST_F(Listener, RejectedEventsAreSentAgain) {
  std::string conf = WriteConf(
      "l.conf", "[program:a]\ncommand=sleep 100000\nstartsecs=0\n"
                "[eventlistener:picky]\ncommand=" + std::string(kPython) + " " + ListenerScript() +
                    " " + Path("events.log") + " fail-first\nevents=PROCESS_STATE\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  ASSERT_EQ(0, Ctl({"restart", "a"}));
  ASSERT_TRUE(WaitForEvents(dir_, "PROCESS_STATE_RUNNING", "a", 4)) << Events(dir_);
  // Serials in the order they came: each twice in a row.
  std::vector<std::string> serials;
  for (const std::string& l : Lines(Events(dir_))) {
    std::vector<std::string> w;
    for (size_t at = 0, sp; at < l.size(); at = sp + 1) {
      sp = l.find(' ', at);
      if (sp == std::string::npos) sp = l.size();
      w.push_back(l.substr(at, sp - at));
    }
    ASSERT_GE(w.size(), 3u) << l;
    serials.push_back(w[1] + "/" + w[2]);
  }
  ASSERT_EQ(0u, serials.size() % 2) << Events(dir_);
  for (size_t i = 0; i < serials.size(); i += 2) {
    EXPECT_EQ(serials[i], serials[i + 1]) << Events(dir_);
    if (i > 0) {
      EXPECT_NE(serials[i - 1], serials[i]) << Events(dir_);
    }
  }
  EXPECT_GE(serials.size(), 8u) << Events(dir_);
}

// The three ways supervisord's files stop the container when a program fails, from a
// listener: a signal to its parent, to the pidfile's pid, and supervisorctl shutdown.
class ListenerStops : public Listener, public testing::WithParamInterface<const char*> {};

TEST_P(ListenerStops, OnFatalTendStopsInOrder) {
  // The drop-in as scripts call it, on the listener's PATH.
  ASSERT_EQ(mkdir(Path("bin").c_str(), 0755), 0);
  ASSERT_EQ(symlink(BuildPath("tend").c_str(), Path("bin/supervisorctl").c_str()), 0);
  std::string cmd = GetParam();
  for (size_t at; (at = cmd.find("PIDFILE")) != std::string::npos;)
    cmd.replace(at, 7, Path("tend.pid"));
  WriteFile(Path("quit.sh"), "#!/bin/sh\n"
                             "echo READY\n"
                             "while read -r header; do\n"
                             "  len=${header##*len:}\n"
                             "  head -c \"$len\" >/dev/null\n"
                             "  " + cmd + "\n"
                             "  printf 'RESULT 2\\nOK'\n"
                             "  echo READY\n"
                             "done\n");
  ASSERT_EQ(chmod(Path("quit.sh").c_str(), 0755), 0);
  std::string conf = WriteConf(
      "l.conf", "[supervisord]\npidfile=" + Path("tend.pid") + "\n"
                "[program:db]\ncommand=sleep 100000\nstartsecs=0\n"
                "[program:web]\ncommand=sleep 100001\nstartsecs=0\ndepends_on=db\n"
                // Fails once everything else is up.
                "[program:broken]\ncommand=sh -c 'exit 1'\nstartretries=0\ndepends_on=web\n"
                "[eventlistener:quit]\ncommand=" + Path("quit.sh") + "\n"
                "events=PROCESS_STATE_FATAL\nenvironment=PATH=\"" + Path("bin") +
                    ":/usr/bin:/bin\"\n");
  Start({"-c", conf});
  EXPECT_EQ(0, tend_->Wait()) << tend_->Stderr();
  const std::string log = tend_->Stderr();
  EXPECT_TRUE(Has(log, "broken: exited with status 1; FATAL after 1 failed start")) << log;
  // web before db (its dependency), the listener last.
  size_t web = log.find("web: stopped"), db = log.find("db: stopped"),
         quit = log.find("quit: stopped");
  ASSERT_NE(std::string::npos, web) << log;
  ASSERT_NE(std::string::npos, db) << log;
  ASSERT_NE(std::string::npos, quit) << log;
  EXPECT_LT(web, db) << log;
  EXPECT_LT(db, quit) << log;
}

INSTANTIATE_TEST_SUITE_P(Means, ListenerStops,
                         testing::Values("kill -QUIT $PPID", "kill $(cat PIDFILE)",
                                         "supervisorctl shutdown >/dev/null"));

// A periodic job on TICK_5, the shortest period (TICK_60 is the same code with a longer
// wait, tested with a fake time of day in listener_pool_test).
TEST_F(Listener, TickRunsAPeriodicJob) {
  std::string conf = WriteConf(
      "l.conf", "[eventlistener:cron]\ncommand=" + std::string(kPython) + " " + ListenerScript() +
                    " " + Path("events.log") + " run 'date +%%s >> " + Path("job.log") +
                    "'\nevents=TICK_5\n");
  Start({"-c", conf});
  ASSERT_TRUE(Eventually([&] { return Lines(ReadFile(Path("job.log"))).size() >= 2; }))
      << tend_->Stderr() << Events(dir_);
  std::vector<std::string> ticks = Lines(Events(dir_));
  ASSERT_GE(ticks.size(), 2u);
  std::smatch m0, m1;
  const std::regex re("^TICK_5 [0-9]+ [0-9]+ when:([0-9]+)$");
  ASSERT_TRUE(std::regex_match(ticks[0], m0, re)) << ticks[0];
  ASSERT_TRUE(std::regex_match(ticks[1], m1, re)) << ticks[1];
  EXPECT_EQ(0, std::stoll(m0[1]) % 5);
  EXPECT_EQ(5, std::stoll(m1[1]) - std::stoll(m0[1]));
}

// A health restart reads as supervisord's stop and start.
TEST_F(Listener, AHealthRestartIsAStopThenAStart) {
  std::string conf = WriteConf(
      "l.conf", "[program:sick]\ncommand=sleep 100000\nstartsecs=0\nhealth=exec:false\n"
                "health_interval=100ms\nhealth_retries=1\n"
                "[eventlistener:rec]\ncommand=" + std::string(kPython) + " " + ListenerScript() +
                    " " + Path("events.log") + "\nevents=PROCESS_STATE\nbuffer_size=100\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForEvents(dir_, "PROCESS_STATE_RUNNING", "sick", 2)) << Events(dir_);
  std::vector<std::string> seq = Sequences(Events(dir_), "rec")["sick"];
  ASSERT_GE(seq.size(), 6u) << Show(Sequences(Events(dir_), "rec"));
  EXPECT_EQ((std::vector<std::string>{"STARTING from STOPPED tries:0", "RUNNING from STARTING",
                                      "STOPPING from RUNNING", "STOPPED from STOPPING",
                                      "STARTING from STOPPED tries:0", "RUNNING from STARTING"}),
            std::vector<std::string>(seq.begin(), seq.begin() + 6));
}

// What a listener acts through: supervisord's environment, and supervisorctl.
TEST_F(Listener, SeesSupervisordsEnvironmentAndUsesSupervisorctl) {
  ASSERT_EQ(mkdir(Path("bin").c_str(), 0755), 0);
  ASSERT_EQ(symlink(BuildPath("tend").c_str(), Path("bin/supervisorctl").c_str()), 0);
  std::string conf = WriteConf(
      "l.conf", "[program:crash]\ncommand=sh -c 'exit 1'\nstartretries=0\n"
                "[program:spare]\ncommand=sleep 100000\nautostart=false\n"
                "[eventlistener:hook]\ncommand=" + std::string(kPython) + " " + ListenerScript() +
                    " " + Path("events.log") + " run 'env | grep ^SUPERVISOR_ | sort > " +
                    Path("env.txt") + "; supervisorctl start spare > " + Path("start.txt") +
                    "'\nevents=PROCESS_STATE_FATAL\nenvironment=PATH=\"" + Path("bin") +
                    ":/usr/bin:/bin\"\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  ASSERT_TRUE(Eventually([&] { return Has(ReadFile(Path("start.txt")), "spare: started"); }))
      << tend_->Stderr() << ReadFile(Path("start.txt"));
  EXPECT_EQ("SUPERVISOR_ENABLED=1\nSUPERVISOR_GROUP_NAME=hook\nSUPERVISOR_PROCESS_NAME=hook\n"
            "SUPERVISOR_SERVER_URL=unix://" + Path("ctl.sock") + "\n",
            ReadFile(Path("env.txt")));
  std::string out;
  EXPECT_EQ(0, Ctl({"status", "spare"}, &out));
  EXPECT_TRUE(Has(out, "RUNNING")) << out;
}

// Log forwarding: each line of a program with stdout_events_enabled (and stderr's) is an
// event, and is still in tend's output.
TEST_F(Listener, ForwardsLogLines) {
  std::string conf = WriteConf(
      "l.conf", "[program:talk]\ncommand=sh -c 'echo hello; echo oops >&2; exec sleep 100000'\n"
                "stdout_events_enabled=true\nstderr_events_enabled=true\n"
                "[program:quiet]\ncommand=sh -c 'echo not sent; exec sleep 100000'\n"
                "[eventlistener:ship]\ncommand=" + std::string(kPython) + " " + ListenerScript() +
                    " " + Path("events.log") + "\nevents=PROCESS_LOG\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  ASSERT_TRUE(Eventually([&] { return Lines(Events(dir_)).size() >= 2; })) << Events(dir_);
  std::string pid;
  ASSERT_EQ(0, Ctl({"pid", "talk"}, &pid));
  while (!pid.empty() && pid.back() == '\n') pid.pop_back();
  std::vector<std::string> lines = Lines(Events(dir_));
  ASSERT_EQ(2u, lines.size()) << Events(dir_);
  // Kept apart, so either may come first.
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ("PROCESS_LOG_STDERR", lines[0].substr(0, 18));
  EXPECT_TRUE(Has(lines[0], " processname:talk groupname:talk pid:" + pid +
                                " channel:stderr\\noops\\n"))
      << lines[0];
  EXPECT_TRUE(Has(lines[1], " processname:talk groupname:talk pid:" + pid +
                                " channel:stdout\\nhello\\n"))
      << lines[1];
  EXPECT_TRUE(Eventually([&] { return Has(tend_->Stdout(), "talk  | hello"); })) << tend_->Stdout();
}

}  // namespace
}  // namespace tend
