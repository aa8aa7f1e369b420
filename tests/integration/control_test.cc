// tendctl against a real tend running as PID 1: every command, the socket's
// permissions, abuse of the socket, exec and attach.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "control/protocol.h"
#include "harness.h"

namespace tend {
namespace {

class Control : public Pid1Test {
 protected:
  /// Starts tend on one configuration file and waits for its socket.
  void StartWith(const std::string& conf) {
    Start({"-c", WriteConf("a.conf", conf)});
    ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  }

  /// `tendctl ARGS...` in the background, its stdout and stderr going to `file`.
  pid_t Background(std::vector<std::string> args, const std::string& file) {
    args.insert(args.begin(), {BuildPath("tendctl"), "-s", Path("ctl.sock")});
    return Spawn(args, file);
  }
  /// `supervisorctl ARGS...` (tend under that name) in the background.
  pid_t BackgroundSupervisorctl(std::vector<std::string> args, const std::string& file) {
    args.insert(args.begin(), {Supervisorctl(), "-s", "unix://" + Path("ctl.sock")});
    return Spawn(args, file);
  }
  /// tend's pid as tendctl sees it (its own namespace's: 1).
  std::string TendPidInNs() {
    std::string out;
    Ctl({"pid"}, &out);
    return out.substr(0, out.find('\n'));
  }
  std::string Supervisorctl() {
    const std::string link = Path("supervisorctl");
    if (access(link.c_str(), F_OK) != 0 && symlink(BuildPath("tend").c_str(), link.c_str()) != 0) {
      ADD_FAILURE() << "symlink " << link;
    }
    return link;
  }
  pid_t Spawn(std::vector<std::string> args, const std::string& file) {
    pid_t pid = fork();
    if (pid == 0) {
      int in = open("/dev/null", O_RDONLY);
      int out = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(in, 0);
      dup2(out, 1);
      dup2(out, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(&a[0]);
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  }

  void Finish(pid_t pid) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }

  /// A raw connection to tend's socket (-1 on failure).
  int Connect() {
    sockaddr_un a = {};
    a.sun_family = AF_UNIX;
    std::string path = Path("ctl.sock");
    memcpy(a.sun_path, path.c_str(), path.size());
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  /// Whether tend closes `fd` (after whatever it answers) within the deadline.
  bool ClosedByTend(int fd) {
    char buf[4096];
    return Eventually([&] {
      pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) return false;
      ssize_t n = read(fd, buf, sizeof buf);
      return n == 0 || (n < 0 && errno == ECONNRESET);
    });
  }
};

constexpr const char kWeb[] =
    "[program:web]\ncommand = sleep 1000\nstartsecs = 0\n"
    "[program:off]\ncommand = sleep 1000\nautostart = false\nstartsecs = 0\n";

TEST_F(Control, StatusShowsEveryProgramAndExitsThreeUnlessAllRun) {
  StartWith(kWeb);
  struct stat st;
  ASSERT_EQ(0, stat(Path("ctl.sock").c_str(), &st));
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(0600u, st.st_mode & 0777);

  std::string out;
  ASSERT_TRUE(Eventually([&] { return Ctl({"status", "web"}, &out) == 0; })) << out;
  EXPECT_EQ(3, Ctl({"status"}, &out)) << out;
  auto lines = Lines(out);
  ASSERT_EQ(3u, lines.size()) << out;
  EXPECT_EQ(0u, lines[0].find("NAME  STATE    PID")) << out;
  EXPECT_EQ(0u, lines[1].find("web   RUNNING  ")) << out;
  EXPECT_EQ(0u, lines[2].find("off   STOPPED  -")) << out;

  EXPECT_EQ(0, Ctl({"--json", "status", "web"}, &out));
  EXPECT_TRUE(Has(out, "[{\"name\":\"web\",\"state\":\"RUNNING\",\"pid\":")) << out;
  EXPECT_EQ(4, Ctl({"status", "nope"}, &out));
  // Which tend said it ends the line (issue 35).
  EXPECT_EQ("tendctl: no such program: nope (tend pid " + TendPidInNs() + ", " + Path("ctl.sock") + ")\n", out);
  // The same binary, called as "tend ctl".
  EXPECT_EQ(0, WEXITSTATUS(RunCommand(
                   {BuildPath("tend"), "ctl", "-s", Path("ctl.sock"), "status", "web"}, &out)));
  // Inside the namespace tend is PID 1.
  EXPECT_EQ(0, Ctl({"pid"}, &out));
  EXPECT_EQ("1\n", out);
  EXPECT_EQ(0, Ctl({"-j", "pid"}, &out));
  EXPECT_EQ("{\"pid\":1}\n", out);
}

TEST_F(Control, StartStopAndRestartWaitForTheNewState) {
  StartWith(kWeb +
            std::string("[program:bad]\ncommand = false\nautostart = false\nstartretries = 1\n"
                        "backoff = 100ms\n"
                        "[program:slow]\ncommand = sleep 1000\nautostart = false\n"
                        "startsecs = 1h\n"));
  std::string out;
  EXPECT_EQ(0, Ctl({"start", "off"}, &out)) << out;
  EXPECT_EQ("off: started\n", out);
  EXPECT_EQ(0, Ctl({"status", "off"}, &out)) << out;
  std::string pid;
  EXPECT_EQ(0, Ctl({"pid", "off"}, &pid));
  EXPECT_EQ(0, Ctl({"restart", "off"}, &out)) << out;
  std::string pid2;
  EXPECT_EQ(0, Ctl({"pid", "off"}, &pid2));
  EXPECT_NE(pid, pid2);
  EXPECT_EQ(0, Ctl({"stop", "off"}, &out)) << out;
  EXPECT_EQ(3, Ctl({"status", "off"}, &out));
  EXPECT_TRUE(Has(out, "off   STOPPED")) << out;
  EXPECT_EQ(3, Ctl({"pid", "off"}, &out));
  EXPECT_EQ("0\n", out);

  // A program that cannot start: the reason, exit 1.
  EXPECT_EQ(1, Ctl({"start", "bad"}, &out));
  EXPECT_TRUE(Has(out, "bad: FATAL (exited with status 1 within startsecs)")) << out;
  // One that never gets there in time.
  EXPECT_EQ(7, Ctl({"start", "--timeout", "200ms", "slow"}, &out));
  EXPECT_EQ("tendctl: timed out (tend pid " + TendPidInNs() + ", " + Path("ctl.sock") + ")\n", out);
  EXPECT_EQ(0, Ctl({"stop", "slow"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"start", "--no-wait", "off"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"wait", "off", "web"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"stop", "all"}, &out)) << out;
  EXPECT_EQ(3, Ctl({"status", "web"}, &out));

  // Usage errors and unknown programs.
  EXPECT_EQ(2, Ctl({"start"}, &out));
  EXPECT_TRUE(Has(out, "usage: tendctl start")) << out;
  EXPECT_EQ(2, Ctl({"stop", "--bogus", "web"}, &out));
  EXPECT_EQ(2, Ctl({"frobnicate"}, &out));
  EXPECT_EQ(4, Ctl({"start", "nope"}, &out));
  EXPECT_EQ(2, Ctl({"wait", "--timeout", "soon", "web"}, &out));
}

TEST_F(Control, TheMainCommandIsListedButOnlyActedOnWhenNamed) {
  std::string rec = Path("rec");
  Start({"-c", WriteConf("a.conf", kWeb), "--", probe_, "sigrecord", rec});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  ASSERT_TRUE(WaitForLine(rec, "ready"));
  std::string out;
  EXPECT_EQ(3, Ctl({"status"}, &out)) << out;
  EXPECT_TRUE(Has(out, "\nmain ")) << out;
  EXPECT_EQ(0, Ctl({"stop", "all"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"status", "main"}, &out)) << out;
  EXPECT_EQ(1, Ctl({"stop", "main"}, &out));
  EXPECT_TRUE(Has(out, "the main command is not started or stopped by tendctl")) << out;
  EXPECT_EQ(0, Ctl({"signal", "-USR1", "main"}, &out)) << out;
  EXPECT_TRUE(WaitForLine(rec, std::to_string(SIGUSR1)));
  EXPECT_EQ(0, Ctl({"logs"}, &out)) << out;
}

TEST_F(Control, StartWaitsForDependenciesAndAfterAStop) {
  StartWith(
      "[program:db]\ncommand = sleep 1000\nautostart = false\nstartsecs = 300ms\n"
      "[program:web]\ncommand = sleep 1000\nautostart = false\nstartsecs = 0\n"
      "depends_on = db\n"
      "[program:slow]\ncommand = sh -c 'trap \"sleep 0.3; exit 0\" TERM; sleep 1000 & wait'\n"
      "startsecs = 0\n");
  std::string out;
  // web waits for db, which takes its startsecs: not a failure.
  EXPECT_EQ(0, Ctl({"start", "web"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"status", "db", "web"}, &out)) << out;
  // A start asked while the program is still stopping is not lost.
  ASSERT_TRUE(Eventually([&] { return Ctl({"status", "slow"}) == 0; }));
  EXPECT_EQ(0, Ctl({"stop", "--no-wait", "slow"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"start", "slow"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"status", "slow"}, &out)) << out;
}

TEST_F(Control, SignalReachesTheProgram) {
  std::string rec = Path("rec");
  StartWith("[program:rec]\ncommand = " + probe_ + " sigrecord " + rec + "\nstartsecs = 0\n");
  ASSERT_TRUE(WaitForLine(rec, "ready"));
  std::string out, pid;
  ASSERT_EQ(0, Ctl({"pid", "rec"}, &pid));
  EXPECT_EQ(0, Ctl({"signal", "USR1", "rec"}, &out)) << out;
  EXPECT_EQ("rec: signalled USR1 (pid " + pid.substr(0, pid.size() - 1) + ")\n", out);
  EXPECT_TRUE(WaitForLine(rec, std::to_string(SIGUSR1)));
  EXPECT_EQ(0, Ctl({"signal", "SIGUSR2", "all"}, &out)) << out;
  EXPECT_TRUE(WaitForLine(rec, std::to_string(SIGUSR2)));
  EXPECT_EQ(2, Ctl({"signal", "NOSUCH", "rec"}, &out));
  EXPECT_EQ("tendctl: unknown signal 'NOSUCH'\n", out);
}

// As supervisorctl's: the main process alone, so that a master's workers are spared a
// reload signal; --group reaches the whole process group.
TEST_F(Control, SignalReachesTheMainProcessOrWithGroupTheWholeGroup) {
  std::string master = Path("master"), worker = Path("worker");
  StartWith("[program:app]\ncommand = sh -c '" + probe_ + " sigrecord " + worker + " & exec " +
            probe_ + " sigrecord " + master + "'\nstartsecs = 0\n" +
            "[program:off]\ncommand = sleep 1000\nautostart = false\n");
  ASSERT_TRUE(WaitForLine(master, "ready"));
  ASSERT_TRUE(WaitForLine(worker, "ready"));
  std::string out;
  EXPECT_EQ(0, Ctl({"signal", "HUP", "app"}, &out)) << out;
  EXPECT_TRUE(WaitForLine(master, std::to_string(SIGHUP)));
  EXPECT_EQ(0, Ctl({"signal", "--group", "USR1", "app"}, &out)) << out;
  EXPECT_TRUE(Has(out, "app: signalled USR1 (process group ")) << out;
  EXPECT_TRUE(WaitForLine(master, std::to_string(SIGUSR1)));
  EXPECT_TRUE(WaitForLine(worker, std::to_string(SIGUSR1)));
  // The worker never heard the HUP.
  EXPECT_EQ((std::vector<std::string>{"ready", std::to_string(SIGUSR1)}), Lines(ReadFile(worker)));
  // A program that is not running: an error, and nothing is signalled.
  EXPECT_EQ(1, Ctl({"signal", "USR2", "app", "off"}, &out)) << out;
  EXPECT_EQ("tendctl: off: not running (tend pid " + TendPidInNs() + ", " + Path("ctl.sock") + ")\n", out);
  EXPECT_EQ(0, Ctl({"signal", "USR2", "all"}, &out)) << out;  // all: the running ones.
  EXPECT_TRUE(WaitForLine(master, std::to_string(SIGUSR2)));
  EXPECT_EQ((std::vector<std::string>{"ready", std::to_string(SIGHUP), std::to_string(SIGUSR1),
                                      std::to_string(SIGUSR2)}),
            Lines(ReadFile(master)));
}

TEST_F(Control, LogsShowRecentLinesInOrderAndFollow) {
  std::string flag = Path("flag");
  StartWith(
      "[program:a]\ncommand = sh -c 'echo a1; echo a2; echo a3 >&2; exec sleep 1000'\n"
      "[program:bee]\ncommand = sh -c 'echo b1; while [ ! -e " +
      flag + " ]; do sleep 0.05; done; echo b2; exec sleep 1000'\n");
  std::string out;
  ASSERT_TRUE(Eventually([&] {
    // Lines of one stream keep their order; stdout and stderr are two pipes.
    Ctl({"logs", "a"}, &out);
    return Lines(out).size() == 3 && Has(out, "a1\n") && Has(out, "a3\n") &&
           out.find("a1\n") < out.find("a2\n");
  })) << out;
  EXPECT_EQ(0, Ctl({"logs", "-n", "2", "a"}, &out));
  EXPECT_EQ(2u, Lines(out).size()) << out;
  EXPECT_EQ(0, Ctl({"logs", "-n1", "a"}, &out));
  EXPECT_EQ(1u, Lines(out).size()) << out;
  EXPECT_EQ(2, Ctl({"logs", "--follow=yes", "a"}, &out));
  EXPECT_EQ("tendctl: logs: option '--follow' takes no value\n", out);
  ASSERT_TRUE(Eventually([&] {
    Ctl({"logs"}, &out);
    return Has(out, "bee | b1");
  })) << out;
  EXPECT_LT(out.find("a   | a1\n"), out.find("a   | a2\n")) << out;
  EXPECT_TRUE(Has(out, "a   | a3\n")) << out;
  EXPECT_EQ(0, Ctl({"--json", "logs", "a"}, &out));
  EXPECT_TRUE(Has(out, "{\"name\":\"a\",\"stream\":\"stderr\",\"line\":\"a3\"}\n")) << out;
  EXPECT_TRUE(Has(out, "{\"name\":\"a\",\"stream\":\"stdout\",\"line\":\"a1\"}\n")) << out;

  std::string followed = Path("followed");
  pid_t f = Background({"logs", "-f", "bee"}, followed);
  // The recent lines come first: once they are there, the follower is registered.
  ASSERT_TRUE(Eventually([&] { return ReadFile(followed) == "b1\n"; })) << ReadFile(followed);
  WriteFile(flag, "");
  EXPECT_TRUE(Eventually([&] { return ReadFile(followed) == "b1\nb2\n"; })) << ReadFile(followed);
  Finish(f);
}

// supervisorctl maintail: tend's own messages, kept from the first program's start as a
// program's output is; -f starts with the end of them and follows, and tendctl logs never
// mixes them with the programs' lines.
TEST_F(Control, MaintailShowsAndFollowsTendsOwnMessages) {
  StartWith("[program:a]\ncommand = sh -c 'echo a1; exec sleep 1000'\n");
  std::string out;
  auto sctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {Supervisorctl(), "-s", "unix://" + Path("ctl.sock")});
    return RunCommand(args, &out, /*with_stderr=*/true);
  };
  ASSERT_TRUE(Eventually([&] {
    sctl({"maintail"});
    return Has(out, "tend: a: started (pid ");
  })) << out;
  EXPECT_EQ(0, sctl({"maintail", "-9"}));
  EXPECT_EQ(")\n\n", out.substr(out.size() - 3)) << out;  // The last 9 bytes, then a newline.
  EXPECT_EQ(9u + 1u, out.size()) << out;
  EXPECT_EQ(256, sctl({"maintail", "-x"}));
  EXPECT_EQ("Error: bad argument -x\n", out);

  const std::string followed = Path("followed"), logs = Path("logs");
  pid_t f = BackgroundSupervisorctl({"maintail", "-f"}, followed);
  pid_t l = Background({"logs", "-f"}, logs);
  ASSERT_TRUE(Eventually([&] { return Has(ReadFile(followed), "a: started"); }))
      << ReadFile(followed);
  // The follower's registration cannot be seen from here: restart until it hears of one.
  ASSERT_TRUE(Eventually([&] {
    Ctl({"restart", "a"});
    return Has(ReadFile(followed), "tend: a: stopping (SIGTERM)\n");
  })) << ReadFile(followed);
  EXPECT_TRUE(Has(ReadFile(followed), "==> Press Ctrl-C to exit <==\n")) << ReadFile(followed);
  ASSERT_TRUE(Eventually([&] { return Lines(ReadFile(logs)).size() >= 2; })) << ReadFile(logs);
  Finish(f);
  Finish(l);
  // tail -f, as supervisorctl's: the end of the program's output first, then what comes.
  const std::string tailed = Path("tailed");
  pid_t t = BackgroundSupervisorctl({"tail", "-f", "a"}, tailed);
  ASSERT_TRUE(Eventually([&] { return Has(ReadFile(tailed), "a1\n"); })) << ReadFile(tailed);
  EXPECT_EQ(0u, ReadFile(tailed).find("==> Press Ctrl-C to exit <==\na1\n")) << ReadFile(tailed);
  ASSERT_TRUE(Eventually([&] {
    Ctl({"restart", "a"});
    return Lines(ReadFile(tailed)).size() >= 4;
  })) << ReadFile(tailed);
  Finish(t);
  EXPECT_EQ("a1", Lines(ReadFile(tailed)).back());
  EXPECT_FALSE(Has(ReadFile(logs), "tend:")) << ReadFile(logs);
  EXPECT_EQ(0, Ctl({"logs"}, &out));
  EXPECT_FALSE(Has(out, "tend:")) << out;
}

// supervisorctl's prompt on a terminal: `fg` shows the program's output, and Ctrl-C
// leaves it for the prompt again, as supervisorctl does (not the whole shell).
TEST_F(Control, SupervisorctlFgAtThePromptReturnsOnCtrlC) {
  StartWith("[program:a]\ncommand = sh -c 'echo fg-line-$((6*7)); exec sleep 1000'\nstartsecs = 0\n");
  ASSERT_TRUE(Eventually([&] { return Ctl({"status", "a"}) == 0; }));
  Tmux tmux(Supervisorctl() + " -s unix://" + Path("ctl.sock"));
  ASSERT_TRUE(tmux.ok());
  ASSERT_TRUE(tmux.WaitScreen("supervisor>")) << tmux.Screen();
  tmux.Keys({"fg a", "Enter"});
  ASSERT_TRUE(tmux.WaitScreen("fg-line-42")) << tmux.Screen();
  tmux.Keys({"C-c"});
  ASSERT_TRUE(tmux.WaitScreen("Exiting foreground")) << tmux.Screen();
  // Still at the prompt: a command typed now is answered.
  tmux.Keys({"avail", "Enter"});
  ASSERT_TRUE(tmux.WaitScreen("in use")) << tmux.Screen();
  tmux.Keys({"quit", "Enter"});
  int status = -1;
  ASSERT_TRUE(Eventually([&] { return tmux.Exited(&status); })) << tmux.Screen();
  EXPECT_EQ(0, status);
}

// With log_buffer = 0 nothing is kept, yet maintail -f still hears tend's lines live.
TEST_F(Control, MaintailFollowsWithoutARing) {
  StartWith("[tend]\nlog_buffer = 0\n[program:a]\ncommand = sleep 1000\n");
  ASSERT_TRUE(Eventually([&] { return Ctl({"status", "a"}) == 0; }));
  const std::string followed = Path("followed");
  pid_t f = BackgroundSupervisorctl({"maintail", "-f"}, followed);
  ASSERT_TRUE(Eventually([&] {
    Ctl({"restart", "a"});
    return Has(ReadFile(followed), "tend: a: stopping (SIGTERM)\n");
  })) << ReadFile(followed);
  Finish(f);
}

// The ring starts empty and grows with what the program prints, through every step to
// its 64 KiB, while a follower is attached: the follower misses nothing, and the ring
// then keeps the newest lines, contiguous, as one reserved whole from the start would.
TEST_F(Control, LogsFollowAndRecentLinesWhileTheRingGrows) {
  std::string flag = Path("flag");
  StartWith("[program:chatty]\ncommand = sh -c 'echo start; while [ ! -e " + flag +
            " ]; do sleep 0.05; done; i=1; while [ $i -le 2000 ]; do "
            "printf \"line %%04d %%070d\\n\" $i 0; i=$((i+1)); done; exec sleep 1000'\n");
  std::string followed = Path("followed");
  pid_t f = Background({"logs", "-f", "chatty"}, followed);
  // The recent line first: once it is there, the follower is registered.
  ASSERT_TRUE(Eventually([&] { return ReadFile(followed) == "start\n"; })) << ReadFile(followed);
  WriteFile(flag, "");
  auto line = [](int i) {
    char buf[100];
    snprintf(buf, sizeof buf, "line %04d %070d", i, 0);
    return std::string(buf);
  };
  ASSERT_TRUE(Eventually([&] { return Lines(ReadFile(followed)).size() == 2001; }))
      << Lines(ReadFile(followed)).size();
  std::vector<std::string> got = Lines(ReadFile(followed));
  for (int i = 1; i <= 2000; ++i) ASSERT_EQ(line(i), got[i]);
  Finish(f);
  std::string out;
  EXPECT_EQ(0, Ctl({"logs", "-n", "5", "chatty"}, &out));
  EXPECT_EQ(line(1996) + "\n" + line(1997) + "\n" + line(1998) + "\n" + line(1999) + "\n" +
                line(2000) + "\n",
            out);
  EXPECT_EQ(0, Ctl({"logs", "-n", "100000", "chatty"}, &out));
  got = Lines(out);
  ASSERT_GT(got.size(), 500u);   // 64 KiB of 83-byte lines (with the ring's own 14).
  ASSERT_LT(got.size(), 2000u);  // The oldest are gone.
  const int first = 2001 - static_cast<int>(got.size());
  for (size_t k = 0; k < got.size(); ++k) ASSERT_EQ(line(first + static_cast<int>(k)), got[k]);
}

TEST_F(Control, ReloadReportsWhatChangedOrTheErrors) {
  StartWith(kWeb);
  std::string out;
  WriteConf("b.conf", "[program:api]\ncommand = sleep 1000\nstartsecs = 0\n");
  EXPECT_EQ(0, Ctl({"reload"}, &out)) << out;
  EXPECT_EQ("reloaded: added api; removed none; changed none; 2 unchanged\n", out);
  EXPECT_TRUE(Eventually([&] { return Ctl({"status", "api"}) == 0; }));

  WriteConf("c.conf", "[program:broken]\ncommand = sleep 1\nstartsecs = banana\n");
  EXPECT_EQ(1, Ctl({"reload"}, &out));
  EXPECT_TRUE(Has(out, "configuration not reloaded")) << out;
  EXPECT_TRUE(Has(out, "c.conf:3: error:")) << out;
  EXPECT_EQ(4, Ctl({"status", "broken"}, &out));
  EXPECT_EQ(0, Ctl({"status", "api", "web"}, &out));
}

TEST_F(Control, ShutdownStopsEverythingAndTendExits) {
  StartWith(kWeb);
  std::string out;
  EXPECT_EQ(0, Ctl({"shutdown"}, &out)) << out;
  EXPECT_EQ(0, tend_->Wait());
  EXPECT_TRUE(Has(tend_->Stderr(), "shutdown requested (tendctl")) << tend_->Stderr();
  // Its socket went with it.
  struct stat st;
  EXPECT_NE(0, stat(Path("ctl.sock").c_str(), &st));
  EXPECT_EQ(5, Ctl({"status"}, &out));
  EXPECT_TRUE(Has(out, "tend is not running")) << out;
}

TEST_F(Control, HealthIsGoodWhenAutostartProgramsAreUp) {
  StartWith(kWeb + std::string("[program:once]\ncommand = true\ntype = oneshot\n"));
  std::string out;
  ASSERT_TRUE(Eventually([&] { return Ctl({"health"}, &out) == 0; })) << out;
  EXPECT_EQ("healthy\n", out);
  EXPECT_EQ(0, Ctl({"stop", "web"}, &out));
  EXPECT_EQ(1, Ctl({"health"}, &out));
  EXPECT_EQ("unhealthy:\nweb: STOPPED (was killed by SIGTERM)\n", out);
  EXPECT_EQ(1, Ctl({"--json", "health"}, &out));
  EXPECT_EQ("{\"healthy\":false,\"problems\":[\"web: STOPPED (was killed by SIGTERM)\"]}\n", out);
}

TEST_F(Control, HealthNamesFailedPrograms) {
  StartWith(kWeb + std::string("[program:bad]\ncommand = false\nstartretries = 0\n"));
  std::string out;
  ASSERT_TRUE(Eventually([&] { return Has((Ctl({"health"}, &out), out), "bad: FATAL"); })) << out;
  EXPECT_EQ(1, Ctl({"health"}, &out));
}

TEST_F(Control, ExecRunsACommandAsTheProgramRuns) {
  ASSERT_EQ(0, chmod(dir_.c_str(), 0755));  // nobody must reach the directory.
  ASSERT_EQ(0, mkdir(Path("work").c_str(), 0755));
  StartWith(
      "[program:web]\ncommand = sleep 1000\nstartsecs = 0\nuser = nobody\n"
      "environment = GREETING=\"hi there\"\numask = 027\ndirectory = " +
      Path("work") + "\n");
  std::string out;
  EXPECT_EQ(7, Ctl({"exec", "web", "--", "sh", "-c",
                    "echo $GREETING:$(pwd):$(id -u):$(umask):$SUPERVISOR_PROCESS_NAME; exit 7"},
                   &out));
  EXPECT_EQ("hi there:" + Path("work") + ":65534:0027:web\n", out);
  // Without "--", and the command's options are its own.
  EXPECT_EQ(0, Ctl({"exec", "web", "id", "-un"}, &out));
  EXPECT_EQ("nobody\n", out);
  // The command gets default signal dispositions (tendctl itself ignores SIGPIPE).
  EXPECT_EQ(0, Ctl({"exec", "web", "grep", "SigIgn", "/proc/self/status"}, &out));
  EXPECT_EQ("SigIgn:\t0000000000000000\n", out);
  EXPECT_EQ(127, Ctl({"exec", "web", "--", "no-such-command"}, &out));
  EXPECT_TRUE(Has(out, "command not found")) << out;
  EXPECT_EQ(4, Ctl({"exec", "nope"}, &out));
}

TEST_F(Control, OtherUsersAreRefused) {
  ASSERT_EQ(0, chmod(dir_.c_str(), 0755));
  StartWith(kWeb);
  const std::vector<std::string> nobody = {
      "setpriv", "--reuid=65534",  "--regid=65534", "--clear-groups", BuildPath("tendctl"),
      "-s",      Path("ctl.sock"), "status"};
  std::string out;
  // The socket's mode keeps them out...
  int status = RunCommand(nobody, &out, true);
  EXPECT_EQ(6, WEXITSTATUS(status)) << out;
  EXPECT_TRUE(Has(out, "permission denied")) << out;
  // ...and so does tend when the mode is opened up: it checks who is calling.
  ASSERT_EQ(0, chmod(Path("ctl.sock").c_str(), 0666));
  status = RunCommand(nobody, &out, true);
  EXPECT_EQ(6, WEXITSTATUS(status)) << out;
  EXPECT_EQ("tendctl: permission denied: uid 65534 may not control tend\n", out);
  EXPECT_TRUE(WaitForLog("control socket: refused uid 65534"));
  EXPECT_EQ(0, Ctl({"status", "web"}, &out)) << out;
}

TEST_F(Control, TwoHundredConcurrentClientsAreAllAnswered) {
  StartWith(kWeb);
  constexpr int kClients = 200;
  std::vector<pid_t> pids;
  for (int i = 0; i < kClients; ++i) {
    pids.push_back(Background({"status", "web"}, Path("client" + std::to_string(i))));
  }
  int answered = 0;
  for (int i = 0; i < kClients; ++i) {
    int status = 0;
    waitpid(pids[i], &status, 0);
    answered += WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                Has(ReadFile(Path("client" + std::to_string(i))), "web   RUNNING");
  }
  EXPECT_EQ(kClients, answered);
  EXPECT_EQ(0, tend_->ZombieCount());
}

TEST_F(Control, GarbageOnTheSocketLeavesTendHealthy) {
  StartWith(kWeb);
  std::mt19937 rng(42);
  // Random bytes: answered with an error and closed.
  int a = Connect();
  std::string junk(4096, '\0');
  for (auto& c : junk) c = static_cast<char>(rng());
  junk[0] = 10;  // A small length, so that the frame is judged at once.
  junk[1] = junk[2] = junk[3] = 0;
  ASSERT_EQ(static_cast<ssize_t>(junk.size()), write(a, junk.data(), junk.size()));
  EXPECT_TRUE(ClosedByTend(a));
  // A frame claiming a gigabyte.
  int b = Connect();
  const char huge[] = {0, 0, 0, 0x40, 1, 0};
  ASSERT_EQ(6, write(b, huge, sizeof huge));
  EXPECT_TRUE(ClosedByTend(b));
  // Another protocol version.
  int c = Connect();
  Message hello(MsgType::kHello);
  hello.AddInt(Tag::kVersion, 99);
  std::string bytes = Encode(hello);
  ASSERT_EQ(static_cast<ssize_t>(bytes.size()), write(c, bytes.data(), bytes.size()));
  EXPECT_TRUE(ClosedByTend(c));
  // Half a frame, then gone; and many that connect and vanish.
  int d = Connect();
  ASSERT_EQ(3, write(d, bytes.data(), 3));
  close(d);
  for (int i = 0; i < 300; ++i) close(Connect());
  // A client that says nothing is dropped after the request deadline.
  int e = Connect();
  EXPECT_TRUE(ClosedByTend(e));
  close(a);
  close(b);
  close(c);
  close(e);

  std::string out;
  EXPECT_EQ(0, Ctl({"status", "web"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"health"}, &out)) << out;
}

TEST_F(Control, StaleSocketIsReplacedAndALiveOneRefused) {
  // A socket left by a tend that is gone.
  {
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::string path = Path("ctl.sock");
    memcpy(addr.sun_path, path.c_str(), path.size());
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_EQ(0, bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    close(fd);
  }
  StartWith(kWeb);
  // A second tend on the same socket stops at once.
  ASSERT_EQ(0, mkdir(Path("second").c_str(), 0700));
  TendProcess second(Path("second"), {"-s", Path("ctl.sock"), "--", "sleep", "1000"}, {});
  EXPECT_EQ(111, second.Wait());
  EXPECT_TRUE(Has(second.Stderr(), "another tend is listening there")) << second.Stderr();
  std::string out;
  EXPECT_EQ(0, Ctl({"status", "web"}, &out)) << out;
}

TEST_F(Control, SocketNoneMeansNoSocket) {
  Start({"-s", "none", "-c", WriteConf("a.conf", kWeb)});
  ASSERT_TRUE(WaitForLog("web: started"));
  struct stat st;
  EXPECT_NE(0, stat(Path("ctl.sock").c_str(), &st));
}

TEST_F(Control, AttachGivesATerminalOnATtyProgram) {
  StartWith(
      "[program:shell]\ncommand = sh -i\ntty = true\nstopsignal = HUP\n"
      "environment = PS1=\"shell> \"\n");
  std::string out;
  ASSERT_TRUE(Eventually([&] { return Ctl({"status", "shell"}) == 0; }));
  Tmux tmux(BuildPath("tendctl") + " -s " + Path("ctl.sock") + " attach shell");
  ASSERT_TRUE(tmux.ok());
  ASSERT_TRUE(tmux.WaitScreen("Ctrl-P Ctrl-Q detaches")) << tmux.Screen();
  // A second client attached at the same time (without a terminal: it only watches).
  std::string watcher = Path("watcher");
  pid_t w = Background({"attach", "shell"}, watcher);
  ASSERT_TRUE(Eventually([&] { return Has(ReadFile(watcher), "attached to shell"); }))
      << ReadFile(watcher);
  tmux.Keys({"echo hello-$((6*7))", "Enter"});
  ASSERT_TRUE(tmux.WaitScreen("hello-42")) << tmux.Screen();
  EXPECT_TRUE(Eventually([&] { return Has(ReadFile(watcher), "hello-42"); })) << ReadFile(watcher);
  Finish(w);
  // The program's terminal follows the window's size.
  tmux.Keys({"stty size", "Enter"});
  ASSERT_TRUE(tmux.WaitScreen("30 100")) << tmux.Screen();
  // What it writes goes to tend's log too, prefixed.
  EXPECT_TRUE(Eventually([&] { return Has(tend_->Stdout(), "shell | hello-42\n"); }))
      << tend_->Stdout();
  tmux.Keys({"C-p", "C-q"});
  int status = -1;
  ASSERT_TRUE(Eventually([&] { return tmux.Exited(&status); })) << tmux.Screen();
  EXPECT_EQ(0, status);
  EXPECT_TRUE(Has(tmux.Screen(), "[detached from shell]")) << tmux.Screen();
  EXPECT_EQ(0, Ctl({"status", "shell"}, &out)) << out;
}

TEST_F(Control, AttachToAProgramWithoutATerminalStreamsItsOutput) {
  std::string flag = Path("flag");
  StartWith("[program:web]\ncommand = sh -c 'while [ ! -e " + flag +
            " ]; do sleep 0.05; done; echo after-flag; exec sleep 1000'\n");
  std::string seen = Path("seen");
  pid_t f = Background({"attach", "web"}, seen);
  ASSERT_TRUE(Eventually([&] { return Has(ReadFile(seen), "input is not available"); }))
      << ReadFile(seen);
  WriteFile(flag, "");
  EXPECT_TRUE(Eventually([&] { return Has(ReadFile(seen), "after-flag\n"); })) << ReadFile(seen);
  Finish(f);
  std::string out;
  EXPECT_EQ(4, Ctl({"attach", "nope"}, &out));
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// Tends sharing /run (a tend inside a tend, suites run side by side, --pid=host): the
// first has /run/tend.sock, the next ones /run/tend.2.sock, /run/tend.3.sock, each with
// one warning; all run their programs and exit with their codes, and tendctl reaches
// each, by -s or by the TEND_CONTROL their programs are given.
TEST_F(Control, TendsSharingRunEachTakeASocketOfTheirOwn) {
  PrivateRun run;
  ASSERT_TRUE(run.ok()) << "unable to mount a private /run";
  struct Instance {
    std::string name;
    bool pid1;
    bool conf;  // A configured program rather than a main command; tend then exits 0.
    int code;
    std::string socket;
    std::unique_ptr<TendProcess> tend;
  };
  std::vector<Instance> tends;
  tends.push_back({"a", true, false, 3, "/run/tend.sock", nullptr});
  tends.push_back({"b", true, false, 4, "/run/tend.2.sock", nullptr});
  tends.push_back({"c", false, false, 5, "/run/tend.3.sock", nullptr});
  tends.push_back({"d", true, true, 0, "/run/tend.4.sock", nullptr});
  auto ctl = [](const std::vector<std::string>& args, std::string* out,
                const std::string& control = "") {
    std::vector<std::string> argv = {"env", "-u", "TEND_SOCKET", "TEND_CONTROL=" + control,
                                     BuildPath("tendctl")};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, out, true);
  };
  for (auto& t : tends) {
    std::string dir = Path(t.name);
    ASSERT_EQ(0, mkdir(dir.c_str(), 0700));
    TendProcess::Options o;
    o.pid_namespace = t.pid1;
    o.default_socket = true;
    // The program records the TEND_CONTROL it was given, and ends with its own code.
    std::string script = "trap 'exit " + std::to_string(t.code) + "' TERM; echo \"$TEND_CONTROL\" > " +
                         dir + "/control; while :; do sleep 0.05; done";
    std::vector<std::string> args = {"--", "sh", "-c", script};
    if (t.conf) {
      WriteFile(dir + "/prog.sh", script + "\n");
      WriteFile(dir + "/prog.conf", "[program:prog]\ncommand = sh " + dir + "/prog.sh\n");
      args = {"-c", dir + "/prog.conf"};
    }
    t.tend = std::make_unique<TendProcess>(dir, args, o);
    // One at a time, so that which tend has which path is known.
    std::string out;
    ASSERT_TRUE(Eventually([&] { return ctl({"-s", t.socket, "status"}, &out) == 0; }))
        << t.name << ": " << out << t.tend->Stderr();
    ASSERT_TRUE(Eventually([&] { return !ReadFile(dir + "/control").empty(); }));
    EXPECT_EQ(t.socket + "\n", ReadFile(dir + "/control")) << t.name;
  }
  EXPECT_EQ("", tends[0].tend->Stderr());
  // The others each say, in one line, which tend has the default path and where they
  // listen instead; seen from its own PID namespace, the first tend's pid is not known.
  EXPECT_EQ(
      "tend: warning: /run/tend.sock: another tend (in another PID namespace) is listening "
      "there; this one listens on /run/tend.2.sock (tendctl -s /run/tend.2.sock; choose a "
      "path with --socket or TEND_SOCKET)\n",
      tends[1].tend->Stderr());
  EXPECT_EQ("tend: warning: /run/tend.sock: another tend (pid " +
                std::to_string(tends[0].tend->TendPid()) +
                ") is listening there; this one listens on /run/tend.3.sock (tendctl -s "
                "/run/tend.3.sock; choose a path with --socket or TEND_SOCKET)\n",
            tends[2].tend->Stderr());
  EXPECT_TRUE(Has(tends[3].tend->Stderr(), "this one listens on /run/tend.4.sock"))
      << tends[3].tend->Stderr();
  // An explicitly chosen path that is taken is still an error.
  ASSERT_EQ(0, mkdir(Path("e").c_str(), 0700));
  TendProcess::Options o;
  o.default_socket = true;
  TendProcess e(Path("e"), {"-s", "/run/tend.2.sock", "--", "true"}, o);
  EXPECT_EQ(111, e.Wait());
  EXPECT_TRUE(Has(e.Stderr(), "/run/tend.2.sock: another tend is listening there")) << e.Stderr();

  // With several live, tendctl with nothing named picks none (issue 35).
  std::string several;
  EXPECT_EQ(2 << 8, ctl({"status"}, &several, "")) << several;
  EXPECT_EQ("tendctl: several tends listen here (/run/tend.sock, /run/tend.2.sock, "
            "/run/tend.3.sock, /run/tend.4.sock): choose one with -s\n",
            several);
  // tendctl with no path reaches the first once alone; given a program's TEND_CONTROL, that
  // program's tend. Told to shut down, that tend ends, with its program's code, and
  // only that one.
  for (size_t i = tends.size(); i-- > 0;) {
    std::string out;
    EXPECT_EQ(0, ctl({"shutdown"}, &out, i == 0 ? "" : tends[i].socket)) << out;
    EXPECT_EQ(tends[i].code, tends[i].tend->Wait()) << tends[i].name << tends[i].tend->Stderr();
    for (size_t j = 0; j < i; j++) {
      EXPECT_NE('?', ProcessState(tends[j].tend->TendPid())) << tends[j].name << " ended too";
    }
  }
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// A program with a readiness source: status says what it waits for and for how long;
// wait returns once it is ready (or gives up at its --timeout, exit 7).
TEST_F(Control, StatusAndWaitFollowReadiness) {
  StartWith("[program:db]\ncommand = sh -c '" + probe_ + " wait-file " + Path("go") +
            " go; echo now listening; exec sleep 1000'\nready = log:now listening\n"
            "startsecs = 0\n");
  std::string out;
  ASSERT_TRUE(Eventually([&] {
    Ctl({"status", "db"}, &out);
    return Has(out, "STARTING");
  })) << out;
  EXPECT_EQ(3, Ctl({"status", "db"}, &out));
  EXPECT_TRUE(Has(out, " for log:now listening")) << out;
  EXPECT_TRUE(Has(out, "waiting ")) << out;
  EXPECT_EQ(7, Ctl({"wait", "--timeout", "200ms", "db"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"-j", "status", "db"}, &out) == 3 ? 0 : 1);
  EXPECT_TRUE(Has(out, "\"ready\":\"log:now listening\"")) << out;
  WriteFile(Path("go"), "go\n");
  EXPECT_EQ(0, Ctl({"wait", "db"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"status", "db"}, &out)) << out;
  EXPECT_TRUE(Has(out, "RUNNING")) << out;
  EXPECT_FALSE(Has(out, "waiting")) << out;
  EXPECT_TRUE(Has(out, "log:now listening")) << out;
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// A daemon that forks: its first process starts the daemon, says MAINPID= and exits.
// tend follows the daemon, and the daemon's exit is the program's exit.
TEST_F(Control, MainPidFollowsAForkingDaemon) {
  StartWith("[program:d]\ncommand = sh -c 'sleep 1000 & exec " + probe_ +
            " notify-exit 1 \"MAINPID=$!\" READY=1'\nready = notify\nstartsecs = 0\n");
  ASSERT_TRUE(WaitForLog("d: main process is now pid")) << tend_->Stderr();
  std::string out, pid;
  ASSERT_EQ(0, Ctl({"wait", "--timeout", "10s", "d"}, &out)) << out;
  ASSERT_EQ(0, Ctl({"pid", "d"}, &pid));
  pid.pop_back();
  // The first process (the sh) has exited; the program is still RUNNING, as its daemon.
  EXPECT_TRUE(Has(tend_->Stderr(), "MAINPID, was")) << tend_->Stderr();
  EXPECT_EQ("sleep\n", tend_->InNamespace({"cat", "/proc/" + pid + "/comm"}));
  EXPECT_EQ(0, Ctl({"status", "d"}, &out)) << out;
  tend_->InNamespace({"kill", pid});  // The daemon dies: the program exited, and restarts.
  EXPECT_TRUE(WaitForLog("d: was killed by SIGTERM")) << tend_->Stderr();
  EXPECT_TRUE(Eventually([&] { return CountLog("d: started") >= 2; })) << tend_->Stderr();
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 34: a `user = nobody` program named, by MAINPID=, root's double-forked
// daemon (an orphan of tend's); a stop of the nobody program then killed the daemon.
TEST_F(Control, MainPidOfAnotherUsersOrphanIsRefused) {
  ASSERT_EQ(0, chmod(dir_.c_str(), 0755));  // nobody must reach the directory.
  WriteFile(Path("rootd.sh"), "#!/bin/sh\n(sh -c 'echo $$ > " + Path("orphan.tmp") + "; mv " +
                                  Path("orphan.tmp") + " " + Path("orphan") +
                                  "; exec sleep 1000' &)\nexec sleep 1000\n");
  WriteFile(Path("evil.sh"), "#!/bin/sh\nexec " + probe_ + " notify 1 \"MAINPID=$(cat " +
                                 Path("orphan") + ")\" READY=1\n");
  ASSERT_EQ(0, chmod(Path("rootd.sh").c_str(), 0755));
  ASSERT_EQ(0, chmod(Path("evil.sh").c_str(), 0755));
  StartWith("[program:rootd]\ncommand = " + Path("rootd.sh") +
            "\nstartsecs = 0\n"
            "[program:evil]\ncommand = " +
            Path("evil.sh") +
            "\nuser = nobody\nready = notify\nautostart = false\nstartsecs = 0\n");
  ASSERT_TRUE(Eventually([&] { return access(Path("orphan").c_str(), F_OK) == 0; }));
  const std::string orphan = ReadFile(Path("orphan"));
  std::string out;
  ASSERT_EQ(0, Ctl({"start", "evil"}, &out)) << out;
  ASSERT_TRUE(WaitForLog("refused: not a process of this program")) << tend_->Stderr();
  EXPECT_FALSE(Has(tend_->Stderr(), "main process is now")) << tend_->Stderr();
  EXPECT_EQ(0, Ctl({"stop", "evil"}, &out)) << out;
  // Root's daemon lives on.
  EXPECT_EQ("sleep\n", tend_->InNamespace({"cat", "/proc/" + orphan.substr(0, orphan.size() - 1) +
                                                      "/comm"}));
}

// From issue 34: the program reaps the child it named by MAINPID=. tend no longer shows a
// dead main process: the first process is the main one again, and a stop reaches it.
TEST_F(Control, MainPidReapedByTheProgramHandsBackTheFirstProcess) {
  ASSERT_EQ(0, mkfifo(Path("go").c_str(), 0600));
  // The notifier stays (in the background): tend knows a sender by its place in the tree.
  WriteFile(Path("stale.sh"), "#!/bin/sh\nsleep 1000 &\nchild=$!\n" + probe_ +
                                  " notify 1 \"MAINPID=$child\" READY=1 &\nread x < " +
                                  Path("go") + "\nkill $child\nwait $child\nexec sleep 1000\n");
  ASSERT_EQ(0, chmod(Path("stale.sh").c_str(), 0755));
  StartWith("[program:stale]\ncommand = " + Path("stale.sh") +
            "\nready = notify\nstartsecs = 0\nstopwaitsecs = 60\n");
  ASSERT_TRUE(WaitForLog("stale: main process is now pid")) << tend_->Stderr();
  std::string first, out;
  WriteFile(Path("go"), "go\n");
  ASSERT_TRUE(WaitForLog("(MAINPID) has exited; pid ")) << tend_->Stderr();
  ASSERT_EQ(0, Ctl({"pid", "stale"}, &first));
  EXPECT_EQ("sleep\n", tend_->InNamespace({"cat", "/proc/" + first.substr(0, first.size() - 1) +
                                                      "/comm"}));
  EXPECT_EQ(0, Ctl({"stop", "stale"}, &out)) << out;
  EXPECT_TRUE(WaitForLog("stale: stopped")) << tend_->Stderr();
  EXPECT_FALSE(Has(tend_->Stderr(), "SIGKILL")) << tend_->Stderr();
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 34: any notify program's STATUS= reached the operator's terminal raw
// (a title change, colours, a carriage return that hides the rest); and bytes that are
// not UTF-8 made -j output invalid JSON.
TEST_F(Control, WhatProgramsSayIsEscapedForTerminalsAndJson) {
  WriteFile(Path("say.sh"), "#!/bin/sh\nprintf 'caf\\351\\n'\nexec " + probe_ +
                                " notify 1 \"$(printf 'STATUS=\\033]0;pwned\\007\\033[31mRED\\rX')\""
                                " READY=1\n");
  ASSERT_EQ(0, chmod(Path("say.sh").c_str(), 0755));
  StartWith("[program:say]\ncommand = " + Path("say.sh") + "\nready = notify\nstartsecs = 0\n");
  std::string out;
  ASSERT_TRUE(Eventually([&] { return Ctl({"status", "say"}, &out) == 0 && Has(out, "RED"); }))
      << out;
  EXPECT_TRUE(Has(out, "notify: \\x1b]0;pwned\\x07\\x1b[31mRED\\x0dX")) << out;
  EXPECT_EQ(std::string::npos, out.find('\x1b')) << out;
  EXPECT_EQ(0, Ctl({"-j", "status", "say"}, &out)) << out;
  EXPECT_TRUE(Has(out, "\"status\":\"\\u001b]0;pwned\\u0007\\u001b[31mRED\\u000dX\"")) << out;
  ASSERT_EQ(0, Ctl({"-j", "logs", "say"}, &out)) << out;
  EXPECT_TRUE(Has(out, "\"line\":\"caf\\u00e9\"")) << out;
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 34: 512 idle connections locked tendctl and tendctl health out for 5 s at
// a time. A client past the limit takes the place of the one idle the longest.
TEST_F(Control, IdleConnectionsDoNotLockOutTendctl) {
  StartWith("[program:web]\ncommand = sleep 1000\nstartsecs = 0\n");
  std::vector<int> idle;
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  const std::string path = Path("ctl.sock");
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  for (int i = 0; i < 600; ++i) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr)) << i;
    idle.push_back(fd);
  }
  std::string out;
  EXPECT_EQ(0, Ctl({"status", "web"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"health"}, &out)) << out;
  for (int fd : idle) close(fd);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 35: two tends on one host, each started from a supervisord file that names
// its socket. Seen for real: supervisorctl -c a.conf status showed the other tend's
// programs. Each file now leads to its own tend, and a missing socket is no fallback.
TEST_F(Control, EachSupervisordFileReachesItsOwnTend) {
  auto conf = [&](const std::string& name, const std::string& program) {
    const std::string sock = Path(name + ".sock");
    WriteFile(Path(name + ".conf"), "[unix_http_server]\nfile = " + sock +
                                        "\nchmod = 0660\n[supervisorctl]\nserverurl = unix://" +
                                        sock + "\n[program:" + program +
                                        "]\ncommand = sleep 1000\nstartsecs = 0\n");
    return Path(name + ".conf");
  };
  const std::string a = conf("a", "alpha"), b = conf("b", "beta");
  TendProcess::Options opts;
  opts.default_socket = true;  // No TEND_SOCKET: the file says where.
  ASSERT_EQ(0, mkdir(Path("ta").c_str(), 0755));
  ASSERT_EQ(0, mkdir(Path("tb").c_str(), 0755));
  TendProcess ta(Path("ta"), {"-c", a}, opts), tb(Path("tb"), {"-c", b}, opts);
  const std::vector<std::string> clean = {"env", "-u", "TEND_SOCKET", "-u", "TEND_CONTROL"};
  auto run = [&](std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), clean.begin(), clean.end());
    int status = RunCommand(args, out, /*with_stderr=*/true);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string out;
  ASSERT_TRUE(Eventually([&] {
    return run({Supervisorctl(), "-c", a, "status"}, &out) == 0 && Has(out, "alpha");
  })) << out << ta.Stderr();
  EXPECT_FALSE(Has(out, "beta")) << out;
  ASSERT_TRUE(Eventually([&] {
    return run({BuildPath("tendctl"), "-c", b, "status"}, &out) == 0 && Has(out, "beta");
  })) << out << tb.Stderr();
  EXPECT_FALSE(Has(out, "alpha")) << out;
  EXPECT_EQ(0, run({BuildPath("tendctl"), "-c", b, "status", "-v"}, &out)) << out;
  EXPECT_EQ(0u, out.find("tend pid 1 on " + Path("b.sock") + "\n")) << out;
  struct stat st;
  ASSERT_EQ(0, stat(Path("a.sock").c_str(), &st));
  EXPECT_EQ(0660u, st.st_mode & 0777);
  // The socket a file names is used even when nobody listens there: never another.
  ta.Signal(SIGTERM);
  EXPECT_EQ(0, ta.Wait());
  EXPECT_NE(0, run({Supervisorctl(), "-c", a, "status"}, &out));
  EXPECT_TRUE(Has(out, "unix://" + Path("a.sock") + " no such file")) << out;
  EXPECT_NE(0, run({BuildPath("tendctl"), "-c", a, "status"}, &out));
  EXPECT_TRUE(Has(out, Path("a.sock"))) << out;
  tb.Signal(SIGTERM);
  EXPECT_EQ(0, tb.Wait());
}

// From issue 35: tend as a user that may not write /run (USER app, OpenShift) listens in
// the next default place, where tendctl and the drop-in of the same user look, with no
// option. Here $XDG_RUNTIME_DIR, so that the test keeps to its directory.
TEST_F(Control, NotRootTendctlAndTheDropInFindTendWithNoOption) {
  ASSERT_EQ(0, chmod(dir_.c_str(), 0755));
  const std::string xdg = Path("xdg");
  ASSERT_EQ(0, mkdir(xdg.c_str(), 0700));
  ASSERT_EQ(0, chown(xdg.c_str(), 65534, 65534));
  const std::string conf = WriteConf("a.conf", "[program:web]\ncommand = sleep 1000\n"
                                               "startsecs = 0\nuser = www-data\n");
  ASSERT_EQ(0, chmod(conf.c_str(), 0755));  // conf.d
  ASSERT_EQ(0, chmod((conf + "/a.conf").c_str(), 0644));
  Supervisorctl();  // The symlink, made as root.
  TendProcess::Options opts;
  opts.binary = "/usr/bin/env";
  opts.default_socket = true;
  TendProcess t(dir_, {"XDG_RUNTIME_DIR=" + xdg, "setpriv", "--reuid", "65534", "--regid", "65534",
                       "--clear-groups", BuildPath("tend"), "-c", conf},
                opts);
  const std::vector<std::string> as_nobody = {"env", "-u", "TEND_SOCKET", "-u", "TEND_CONTROL",
                                              "XDG_RUNTIME_DIR=" + xdg, "setpriv", "--reuid",
                                              "65534", "--regid", "65534", "--clear-groups"};
  auto run = [&](std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), as_nobody.begin(), as_nobody.end());
    int status = RunCommand(args, out, /*with_stderr=*/true);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string out;
  ASSERT_TRUE(Eventually([&] {
    return run({BuildPath("tendctl"), "status"}, &out) == 0 && Has(out, "RUNNING");
  })) << out << t.Stderr();
  EXPECT_EQ(0, run({Supervisorctl(), "status"}, &out)) << out;
  EXPECT_TRUE(Has(out, "web                              RUNNING")) << out;
  EXPECT_TRUE(Has(t.Stderr(), "listening on " + xdg + "/tend.sock instead")) << t.Stderr();
  EXPECT_TRUE(Has(t.Stderr(), "user = www-data: tend runs as uid 65534, not root; web runs as "
                              "uid 65534 too"))
      << t.Stderr();
  EXPECT_EQ(0, run({BuildPath("tendctl"), "exec", "web", "id", "-u"}, &out)) << out;
  EXPECT_EQ("65534\n", out);
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 36: a user typed `tendctl restart worker` for [program:worker] with
// numprocs = 2 and got "no such program". A section's name (or NAME:*, or a supervisord
// group's) stands for its processes.
TEST_F(Control, ASectionNameStandsForItsProcesses) {
  StartWith("[program:worker]\ncommand = sleep 1000\nstartsecs = 0\nnumprocs = 2\n"
            "process_name = %(program_name)s_%(process_num)02d\n"
            "[program:a]\ncommand = sleep 1001\nstartsecs = 0\n"
            "[group:pair]\nprograms = a\n");
  std::string out;
  ASSERT_EQ(0, Ctl({"wait", "worker"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"status", "worker:*"}, &out)) << out;
  EXPECT_TRUE(Has(out, "worker_00") && Has(out, "worker_01")) << out;
  EXPECT_EQ(3u, Lines(out).size()) << out;
  EXPECT_EQ(0, Ctl({"restart", "worker"}, &out)) << out;
  EXPECT_EQ(2u, CountLog("worker_00: started")) << tend_->Stderr();
  EXPECT_EQ(2u, CountLog("worker_01: started")) << tend_->Stderr();
  EXPECT_EQ(0, Ctl({"status", "pair"}, &out)) << out;
  EXPECT_TRUE(Has(out, "a ")) << out;
  EXPECT_EQ(4, Ctl({"status", "nope:*"}, &out)) << out;
}

// tend listens on its socket only once its first programs are started (off their way):
// a program that asks at once is still answered, by tendctl and by the drop-in, since
// both wait for the socket TEND_CONTROL names.
TEST_F(Control, AProgramThatAsksTheInstantItStartsIsAnswered) {
  auto& t = Start({"--", "sh", "-c",
                   BuildPath("tendctl") + " status && " + Supervisorctl() + " status main"});
  EXPECT_EQ(0, t.Wait()) << t.Stdout() << t.Stderr();
  EXPECT_TRUE(Has(t.Stdout(), "main  RUNNING")) << t.Stdout();
  EXPECT_TRUE(Has(t.Stdout(), "main                             RUNNING")) << t.Stdout();
}

// The wait is bounded: a socket that never comes is "not running", as before.
TEST_F(Control, ASocketThatNeverComesIsNotWaitedForLong) {
  std::string out;
  const int status = RunCommand({"env", "-u", "TEND_SOCKET", "TEND_CONTROL=" + Path("none.sock"),
                                 BuildPath("tendctl"), "status"},
                                &out, true);
  EXPECT_EQ(kCodeUnreachable << 8, status) << out;
  EXPECT_TRUE(Has(out, "tend is not running (no one answers on " + Path("none.sock") + ")")) << out;
}

}  // namespace
}  // namespace tend
