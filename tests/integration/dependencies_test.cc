// The dependency rules on every path that starts or stops a program, with the real tend
// as PID 1, tendctl and the supervisorctl drop-in: the reproductions of the defects that
// a user found outside tend's own start and SIGTERM stop.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

namespace tend {
namespace {

class Dependencies : public Pid1Test {
 protected:
  void StartWith(const std::string& conf, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-c", WriteConf("a.conf", conf)};
    args.insert(args.end(), extra.begin(), extra.end());
    Start(args);
    ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  }
  /// `supervisorctl ARGS...`: tend under that name, on this test's socket.
  int Sctl(std::vector<std::string> args, std::string* out = nullptr) {
    const std::string link = Path("supervisorctl");
    if (access(link.c_str(), F_OK) != 0 && symlink(BuildPath("tend").c_str(), link.c_str()) != 0) {
      ADD_FAILURE() << "symlink " << link;
    }
    args.insert(args.begin(), {link, "-s", "unix://" + Path("ctl.sock")});
    int status = RunCommand(args, out, /*with_stderr=*/true);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  bool Running(const std::vector<std::string>& names) {
    std::vector<std::string> args = {"status"};
    args.insert(args.end(), names.begin(), names.end());
    return Eventually([&] { return Ctl(args) == 0; });
  }
  /// A program that appends NAME-start to the events file, and on SIGTERM NAME-term,
  /// then after `stop_s` seconds NAME-exit.
  std::string Recorder(const std::string& name, const std::string& stop_s = "0") {
    const std::string ev = Path("events");
    // NAME-start goes to the file, then to stdout for `ready = log:NAME-start`, once the
    // trap is set and the sleep started: a stop that came sooner would find no trap, or
    // a sleep forked after the group's signal, left behind.
    return "[program:" + name + "]\ncommand = sh -c 'trap \"echo " + name + "-term >> " + ev +
           "; sleep " + stop_s + "; echo " + name + "-exit >> " + ev +
           "; exit 0\" TERM; sleep 1000 & echo " + name + "-start >> " + ev + "; echo " + name +
           "-start; wait'\nstartsecs = 0\n";
  }
  std::string Events() { return ReadFile(Path("events")); }
};

// once (oneshot) <- a <- d: a dependent started by hand, restarted by the drop-in, or a
// reload that adds another program: once is done, and stays done.
TEST_F(Dependencies, ADoneOneshotIsNotRunAgainForItsDependents) {
  const std::string ev = Path("events");
  StartWith("[program:once]\ncommand = sh -c 'echo once >> " + ev + "'\ntype = oneshot\n"
            "[program:a]\ncommand = sleep 1000\nstartsecs = 0\ndepends_on = once\n"
            "[program:d]\ncommand = sleep 1000\nstartsecs = 0\ndepends_on = a\n");
  ASSERT_TRUE(Running({"a", "d"})) << tend_->Stderr();
  std::string out;
  EXPECT_EQ(0, Ctl({"stop", "d"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"start", "d"}, &out)) << out;
  EXPECT_EQ(0, Sctl({"restart", "d"}, &out)) << out;
  EXPECT_EQ("d: stopped\nd: started\n", out);
  WriteConf("b.conf", "[program:extra]\ncommand = sleep 1000\nstartsecs = 0\n");
  EXPECT_EQ(0, Ctl({"reload"}, &out)) << out;
  EXPECT_EQ("reloaded: added extra; removed none; changed none; 3 unchanged\n", out);
  ASSERT_TRUE(Running({"extra", "a", "d"}));
  EXPECT_EQ("once\n", Events());
  EXPECT_EQ(1u, CountLog("once: started")) << tend_->Stderr();
  // By name, it runs again: what depends on it stops first and comes back after it.
  EXPECT_EQ(0, Ctl({"restart", "once"}, &out)) << out;
  ASSERT_TRUE(Running({"a", "d"}));
  EXPECT_EQ("once\nonce\n", Events());
}

// supervisorctl reload stops in reverse dependency order, then starts in order: a only
// once the oneshot is done, b only once a is up (ready once it has written its line:
// with startsecs = 0 alone, b's shell could write before a's under a loaded machine).
TEST_F(Dependencies, SupervisorctlReloadStopsAndStartsInOrder) {
  const std::string ev = Path("events");
  StartWith("[program:once]\ncommand = sh -c 'sleep 0.3; echo once-done >> " + ev +
            "'\ntype = oneshot\n" + Recorder("a") + "depends_on = once\nready = log:a-start\n" +
            Recorder("b", "0.3") + "depends_on = a\n");
  ASSERT_TRUE(Running({"b"})) << tend_->Stderr();
  ASSERT_TRUE(WaitForLine(ev, "b-start"));
  WriteFile(ev, "");
  std::string out;
  EXPECT_EQ(0, Sctl({"reload"}, &out)) << out;
  EXPECT_EQ("Restarted supervisord\n", out);
  ASSERT_TRUE(Running({"b"}));
  ASSERT_TRUE(WaitForLine(ev, "b-start"));
  EXPECT_EQ("b-term\nb-exit\na-term\na-exit\nonce-done\na-start\nb-start\n", Events())
      << tend_->Stderr();
}

// c -> b -> a, each taking 1 s to stop with stopwaitsecs = 1.5s, under a 3 s stop
// timeout: the reverse order while there is time, then a is signalled with its own
// 1.5 s left, and nothing is killed.
TEST_F(Dependencies, AChainStopsWithinTheStopTimeout) {
  StartWith(Recorder("a", "1") + "stopwaitsecs = 1500ms\n" + Recorder("b", "1") +
                "stopwaitsecs = 1500ms\ndepends_on = a\n" + Recorder("c", "1") +
                "stopwaitsecs = 1500ms\ndepends_on = b\n",
            {"-t", "3s"});
  ASSERT_TRUE(Running({"a", "b", "c"})) << tend_->Stderr();
  ASSERT_TRUE(WaitForLine(Path("events"), "c-start"));
  tend_->Signal(SIGTERM);
  EXPECT_EQ(0, tend_->Wait());
  EXPECT_TRUE(Has(tend_->Stderr(), "a: stopping now, before what depends on it, to stop "
                                   "within the stop timeout"))
      << tend_->Stderr();
  EXPECT_FALSE(Has(tend_->Stderr(), "SIGKILL")) << tend_->Stderr();
  auto ev = Lines(Events());
  ASSERT_EQ(9u, ev.size()) << Events();
  EXPECT_EQ((std::vector<std::string>{"c-term", "c-exit", "b-term", "a-term", "b-exit",
                                      "a-exit"}),
            std::vector<std::string>(ev.begin() + 3, ev.end()))
      << Events();
}

// A SIGSTOPped program gets SIGCONT after its stop signal: it stops at once instead of
// waiting out stopwaitsecs for SIGKILL.
TEST_F(Dependencies, AStoppedProgramIsContinuedToStop) {
  StartWith("[program:frozen]\ncommand = sleep 1000\nstartsecs = 0\nstopwaitsecs = 600s\n");
  ASSERT_TRUE(Running({"frozen"}));
  const pid_t pid = FirstChild(tend_->TendPid());
  ASSERT_GT(pid, 0);
  ASSERT_EQ(0, kill(pid, SIGSTOP));
  ASSERT_TRUE(Eventually([&] { return ProcessState(pid) == 'T'; }));
  std::string out;
  // Without SIGCONT it would wait its 600 s: a bound makes that a failure, not a hang.
  EXPECT_EQ(0, Ctl({"stop", "--timeout", "20s", "frozen"}, &out)) << out;
  EXPECT_TRUE(WaitForLog("frozen: stopped (was killed by SIGTERM)")) << tend_->Stderr();
}

// Why a program failed is kept: tendctl status, health, -j status and the drop-in show
// that it was not ready in time, not the SIGTERM tend sent it for that.
TEST_F(Dependencies, TheReasonOfAFailureIsShown) {
  const std::string port = std::to_string(FreePort());
  StartWith("[program:web]\ncommand = sleep 1000\nready = tcp:" + port +
            "\nready_timeout = 500ms\nstartretries = 0\n");
  std::string out;
  ASSERT_TRUE(Eventually([&] {
    Ctl({"status", "web"}, &out);
    return Has(out, "FATAL");
  })) << out;
  const std::string why = "not ready after 500ms (ready = tcp:" + port;
  EXPECT_TRUE(Has(out, why)) << out;
  EXPECT_FALSE(Has(out, "was killed by SIGTERM)")) << out;
  EXPECT_EQ(1, Ctl({"health"}, &out));
  EXPECT_TRUE(Has(out, "web: FATAL (" + why)) << out;
  Ctl({"-j", "status", "web"}, &out);
  EXPECT_TRUE(Has(out, "\"failure\":\"" + why)) << out;
  Sctl({"status", "web"}, &out);
  EXPECT_TRUE(Has(out, "FATAL     " + why)) << out;
}

}  // namespace
}  // namespace tend
