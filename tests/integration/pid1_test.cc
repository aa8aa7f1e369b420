// tend as PID 1 of a fresh PID namespace, checked the way a user would check it.
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "harness.h"

namespace tend {
namespace {

std::string N(int sig) { return std::to_string(sig); }

class Pid1 : public Pid1Test {};

TEST_F(Pid1, ExitCodeIsTheMainProgramsStatus) {
  EXPECT_EQ(0, Start({"--", "true"}).Wait());
  EXPECT_EQ(3, Start({"--", "sh", "-c", "exit 3"}).Wait());
  EXPECT_EQ(255, Start({"--", "sh", "-c", "exit 255"}).Wait());
}

TEST_F(Pid1, KilledBySignalGives128PlusN) {
  EXPECT_EQ(128 + SIGUSR1, Start({"--", "sh", "-c", "kill -USR1 $$"}).Wait());
  EXPECT_EQ(128 + SIGKILL, Start({"--", "sh", "-c", "kill -KILL $$"}).Wait());
}

TEST_F(Pid1, MissingCommandIs127WithOneLine) {
  auto& t = Start({"--", "tend-no-such-command", "arg"});
  EXPECT_EQ(127, t.Wait());
  EXPECT_EQ("tend: unable to run \"tend-no-such-command\": command not found\n", t.Stderr());
}

TEST_F(Pid1, NonExecutableIs126WithOneLine) {
  WriteFile(Path("data"), "not a program\n");  // Mode 0644.
  auto& t = Start({"--", Path("data")});
  EXPECT_EQ(126, t.Wait());
  EXPECT_EQ("tend: unable to run \"" + Path("data") + "\": Permission denied\n", t.Stderr());
}

TEST_F(Pid1, UsageErrorIs2WithOneLine) {
  auto& t = Start({"--stop-timeout", "soon", "--", "true"});
  EXPECT_EQ(2, t.Wait());
  auto lines = Lines(t.Stderr());
  ASSERT_EQ(1u, lines.size()) << t.Stderr();
  EXPECT_NE(std::string::npos, lines[0].find("--stop-timeout 'soon'")) << lines[0];
  EXPECT_NE(std::string::npos, lines[0].find("tend --help")) << lines[0];
}

TEST_F(Pid1, RunsAsPid1AndPassesArgumentsUntouched) {
  auto& t = Start({"--", "sh", "-c", "echo \"$$ $0 $1\"", "zero", "a b"});
  EXPECT_EQ(0, t.Wait());
  // The main program is PID 2: tend is PID 1.
  EXPECT_EQ("2 zero a b\n", t.Stdout());
}

bool HasLine(const std::string& file, const std::string& line) {
  auto lines = Lines(ReadFile(file));
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// Every signal a program can catch, sent to tend, reaches the main program, and tend
// lives on after each; INT and TERM come last, as they start the stop (the recorder,
// started with term-only, ends on TERM). Not sent: KILL and STOP (uncatchable), CHLD
// (tend's own), 32 and 33 (glibc's).
void ExpectEverySignalForwarded(TendProcess& t, const std::string& rec, bool pid1) {
  std::vector<int> sigs;
  for (int s = 1; s <= SIGRTMAX; ++s) {
    if (s == SIGKILL || s == SIGSTOP || s == SIGCHLD || s == SIGTERM || s == SIGINT ||
        (s > SIGSYS && s < SIGRTMIN)) {
      continue;
    }
    sigs.push_back(s);
  }
  sigs.push_back(SIGINT);
  sigs.push_back(SIGTERM);
  const pid_t tend = t.TendPid();
  for (int s : sigs) {
    t.Signal(s);
    if (!pid1 && (s == SIGTSTP || s == SIGTTIN || s == SIGTTOU)) {
      // Outside PID 1 tend follows the job-control signal it passed on: it stops,
      // until continued.
      EXPECT_TRUE(Eventually([&] { return ProcessState(tend) == 'T'; }))
          << "tend did not stop on " << s;
      // Continue only once the program has handled it, as a user's `fg` comes after the
      // stop: a SIGCONT discards a stop signal still pending (the kernel's rule).
      EXPECT_TRUE(Eventually([&] { return HasLine(rec, N(s)); }))
          << "signal " << s << " not forwarded";
      kill(tend, SIGCONT);
      EXPECT_TRUE(Eventually([&] { return ProcessState(tend) != 'T'; }));
    }
    EXPECT_TRUE(Eventually([&] { return HasLine(rec, N(s)); }))
        << "signal " << s << " (SIG" << sigabbrev_np(s) << ") not forwarded";
    if (s == SIGTERM) break;
    ASSERT_EQ(0, kill(tend, 0)) << "tend died of signal " << s;
    ASSERT_NE('Z', ProcessState(tend)) << "tend died of signal " << s;
  }
  EXPECT_EQ(0, t.Wait());
  auto lines = Lines(ReadFile(rec));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(N(SIGINT), lines[lines.size() - 2]);
  EXPECT_EQ(N(SIGTERM), lines.back());
}

TEST_F(Pid1, EverySignalIsForwarded) {
  std::string rec = Path("rec");
  auto& t = Start({"--", probe_, "sigrecord", rec, "0", "term-only"});
  ASSERT_TRUE(WaitForLine(rec, "ready"));
  ExpectEverySignalForwarded(t, rec, /*pid1=*/true);
}

TEST_F(Pid1, EverySignalIsForwardedOutsideAPidNamespace) {
  // Not PID 1, a default action would end tend (SIGILL: exit 132, the program orphaned).
  std::string rec = Path("rec");
  TendProcess::Options o;
  o.pid_namespace = false;
  auto& t = Start({"--", probe_, "sigrecord", rec, "0", "term-only"}, o);
  ASSERT_TRUE(WaitForLine(rec, "ready"));
  ExpectEverySignalForwarded(t, rec, /*pid1=*/false);
}

TEST_F(Pid1, EverySignalIsForwardedToSupervisedPrograms) {
  // Without a main command every program hears what tend is sent (HUP reloads instead).
  std::string rec = Path("rec");
  std::string conf = WriteConf("rec.conf", "[program:rec]\ncommand = " + probe_ +
                                               " sigrecord " + rec + " 0\nstartsecs = 0\n");
  auto& t = Start({"-c", conf, "-s", "none"});
  ASSERT_TRUE(WaitForLine(rec, "ready"));
  const pid_t tend = t.TendPid();
  for (int s : {SIGUSR1, SIGSEGV, SIGABRT, SIGPIPE, SIGTSTP, SIGRTMAX}) {
    t.Signal(s);
    EXPECT_TRUE(WaitForLine(rec, N(s))) << "signal " << s << " not forwarded";
    ASSERT_EQ(0, kill(tend, 0));
  }
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

TEST_F(Pid1, SignalsReachTheWholeProcessGroup) {
  // sh starts a recorder in the background, then becomes the second one: both are in
  // the main program's process group.
  std::string a = Path("a"), b = Path("b");
  auto& t = Start(
      {"--", "sh", "-c", probe_ + " sigrecord " + a + " & exec " + probe_ + " sigrecord " + b});
  ASSERT_TRUE(WaitForLine(a, "ready"));
  ASSERT_TRUE(WaitForLine(b, "ready"));
  t.Signal(SIGUSR1);
  EXPECT_TRUE(WaitForLine(a, N(SIGUSR1)));
  EXPECT_TRUE(WaitForLine(b, N(SIGUSR1)));
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

TEST_F(Pid1, SignalChildOnlyLeavesTheGroupAlone) {
  std::string a = Path("a"), b = Path("b");
  auto& t = Start({"--signal-child-only", "--", "sh", "-c",
                   probe_ + " sigrecord " + a + " & exec " + probe_ + " sigrecord " + b});
  ASSERT_TRUE(WaitForLine(a, "ready"));
  ASSERT_TRUE(WaitForLine(b, "ready"));
  t.Signal(SIGUSR1);
  t.Signal(SIGUSR2);
  EXPECT_TRUE(WaitForLine(b, N(SIGUSR2)));
  EXPECT_EQ((std::vector<std::string>{"ready", N(SIGUSR1), N(SIGUSR2)}), Lines(ReadFile(b)));
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
  // The background recorder heard only the straggler sweep's TERM.
  EXPECT_EQ((std::vector<std::string>{"ready", N(SIGTERM)}), Lines(ReadFile(a)));
}

TEST_F(Pid1, StopSignalReplacesTerm) {
  std::string rec = Path("rec");
  auto& t = Start({"--stop-signal", "QUIT", "-t", "60s", "--", probe_, "sigrecord", rec});
  ASSERT_TRUE(WaitForLine(rec, "ready"));
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());  // The recorder exits on QUIT.
  EXPECT_EQ((std::vector<std::string>{"ready", N(SIGQUIT)}), Lines(ReadFile(rec)));
}

TEST_F(Pid1, ProgramIgnoringTermIsKilledAfterTheStopTimeout) {
  std::string rec = Path("rec");
  auto& t = Start({"--stop-timeout", "300ms", "--", probe_, "ignore-term", rec});
  ASSERT_TRUE(WaitForLine(rec, "ready"));
  t.Signal(SIGTERM);
  EXPECT_EQ(128 + SIGKILL, t.Wait());
  EXPECT_NE(std::string::npos,
            t.Stderr().find("tend: warning: did not stop within 300ms; sending SIGKILL"))
      << t.Stderr();
}

TEST_F(Pid1, OrphanStormLeavesNoZombie) {
  auto& t = Start({"--", probe_, "orphans", "3000"});
  ASSERT_TRUE(Eventually([&] { return t.Stdout() == "done\n"; })) << t.Stdout();
  EXPECT_TRUE(Eventually([&] { return t.ZombieCount() == 0; }))
      << t.InNamespace({"ps", "-e", "-o", "pid,stat,comm"});
  t.Signal(SIGTERM);
  EXPECT_EQ(128 + SIGTERM, t.Wait());
}

TEST_F(Pid1, StragglersGetTermAndTendWaitsForThem) {
  // The main program leaves a recorder behind; tend must TERM it (not let the kernel
  // SIGKILL it mid-write when PID 1 exits) and exit with the main program's status.
  std::string rec = Path("rec");
  auto& t = Start(
      {"--", "sh", "-c",
       probe_ + " sigrecord " + rec + " 0 & " + probe_ + " wait-file " + rec + " ready; exit 5"});
  EXPECT_EQ(5, t.Wait());
  EXPECT_EQ((std::vector<std::string>{"ready", N(SIGTERM)}), Lines(ReadFile(rec)));
}

TEST_F(Pid1, StragglersIgnoringTermAreKilled) {
  std::string rec = Path("rec");
  auto& t = Start(
      {"-t", "300ms", "--", "sh", "-c",
       probe_ + " ignore-term " + rec + " & " + probe_ + " wait-file " + rec + " ready; exit 0"});
  EXPECT_EQ(0, t.Wait());
  EXPECT_NE(std::string::npos, t.Stderr().find("sent SIGKILL")) << t.Stderr();
}

TEST_F(Pid1, ChildStartsWithCleanSignalsAndOnlyStdio) {
  // tend inherits an ignored and a blocked signal; its child must see neither, and no
  // descriptor of tend's own.
  TendProcess::Options o;
  o.ignore_signals = {SIGUSR1, SIGHUP, 32, 33};  // 32, 33: glibc's own.
  o.block_signals = {SIGUSR2, SIGINT};
  auto& t = Start({"--", probe_, "state"}, o);
  EXPECT_EQ(0, t.Wait());
  EXPECT_EQ("fds: 0 1 2\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", t.Stdout());
}

TEST_F(Pid1, StartedWithoutStdinItsChildStillHasStdioOnly) {
  // tend's own descriptors must not take the free number 0: the child would find one
  // of them (or nothing, being close-on-exec) where its stdin belongs.
  TendProcess::Options o;
  o.close_stdin = true;
  auto& t = Start({"--", probe_, "state"}, o);
  EXPECT_EQ(0, t.Wait());
  EXPECT_EQ("fds: 0 1 2\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", t.Stdout());
}

TEST_F(Pid1, IdleTendHasNoTimerArmed) {
  // Zero wake-ups when idle is measured by bench/; here: no timerfd, and tend is asleep.
  auto& t = Start({"--", "sleep", "1000"});
  pid_t p = t.TendPid();
  ASSERT_GT(p, 0);
  std::string fds;
  ASSERT_TRUE(Eventually([&] {
    RunCommand({"ls", "-l", "/proc/" + std::to_string(p) + "/fd"}, &fds);
    return fds.find("signalfd") != std::string::npos;
  }));
  EXPECT_EQ(std::string::npos, fds.find("timerfd")) << fds;
  t.Signal(SIGTERM);
  EXPECT_EQ(128 + SIGTERM, t.Wait());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_F(Pid1, SubreaperAdoptsOrphansOutsideANamespace) {
  std::string pidf = Path("orphan.pid"), rec = Path("rec"), main_rec = Path("main");
  // An inner shell starts a recorder in the background and exits at once: the recorder
  // is orphaned and must be re-parented to tend, not to the machine's init.
  TendProcess::Options o;
  o.pid_namespace = false;
  auto& t = Start({"-v", "--", "sh", "-c",
                   "sh -c '" + probe_ + " sigrecord " + rec + " & echo $! > " + pidf + "'; exec " +
                       probe_ + " sigrecord " + main_rec},
                  o);
  ASSERT_TRUE(WaitForLine(rec, "ready"));
  ASSERT_TRUE(WaitForLine(main_rec, "ready"));
  std::string orphan = Lines(ReadFile(pidf)).at(0);
  std::string stat = ReadFile("/proc/" + orphan + "/stat");
  std::vector<std::string> fields;
  for (size_t i = stat.rfind(')') + 2, j; i < stat.size(); i = j + 1) {
    j = stat.find(' ', i);
    if (j == std::string::npos) j = stat.size();
    fields.push_back(stat.substr(i, j - i));
  }
  ASSERT_GE(fields.size(), 2u) << stat;
  EXPECT_EQ(std::to_string(t.TendPid()), fields[1]) << "orphan's parent";
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
  EXPECT_NE(std::string::npos, t.Stderr().find("running as a child subreaper")) << t.Stderr();
  EXPECT_NE(std::string::npos, t.Stderr().find("reaped orphan " + orphan)) << t.Stderr();
}

TEST_F(Pid1, InteractiveShellHasJobControl) {
  std::string status = Path("status");
  Tmux tmux("unshare --pid --fork --mount-proc --kill-child " + BuildPath("tend") +
            " -- bash --norc --noprofile -i; echo $? > " + status);
  ASSERT_TRUE(tmux.ok());
  tmux.Keys({"PS1='prompt> '", "Enter"});
  ASSERT_TRUE(tmux.WaitScreen("prompt> ")) << tmux.Screen();
  // No "no job control in this shell" warning: bash owns the terminal.
  EXPECT_EQ(std::string::npos, tmux.Screen().find("no job control")) << tmux.Screen();

  // Ctrl-C interrupts the foreground job, not the shell (once the job runs: the quotes
  // keep the typed line from matching what it prints).
  tmux.Keys({"sh -c 'echo slee\"\"ping; exec sleep 1000'", "Enter"});
  ASSERT_TRUE(tmux.WaitScreen("sleeping\n")) << tmux.Screen();
  tmux.Keys({"C-c"});
  tmux.Keys({"echo interrupted=$?", "Enter"});
  EXPECT_TRUE(tmux.WaitScreen("interrupted=130")) << tmux.Screen();

  // Ctrl-Z suspends it; fg resumes it; Ctrl-C ends it. Once the job runs: a Ctrl-Z
  // that reaches bash before its job has the terminal stops nothing (seen under load).
  tmux.Keys({"sh -c 'echo na\"\"pping; exec sleep 1000'", "Enter"});
  ASSERT_TRUE(tmux.WaitScreen("napping\n")) << tmux.Screen();
  tmux.Keys({"C-z"});
  EXPECT_TRUE(tmux.WaitScreen("Stopped")) << tmux.Screen();
  tmux.Keys({"jobs -l > /dev/null; fg", "Enter"});
  // fg prints the job's command: then it is on screen twice.
  auto twice = [&] {
    const std::string screen = tmux.Screen(), job = "pping; exec sleep 1000'\n";
    const size_t first = screen.find(job);
    return first != std::string::npos && screen.find(job, first + 1) != std::string::npos;
  };
  EXPECT_TRUE(Eventually(twice)) << tmux.Screen();
  tmux.Keys({"C-c"});
  tmux.Keys({"echo resumed-and-interrupted=$?", "Enter"});
  EXPECT_TRUE(tmux.WaitScreen("resumed-and-interrupted=130")) << tmux.Screen();

  // The shell's exit status is tend's.
  tmux.Keys({"exit 7", "Enter"});
  EXPECT_TRUE(WaitForLine(status, "7")) << ReadFile(status);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// tend as an interactive shell's foreground job (not PID 1): Ctrl-Z must stop the job as
// the shell sees it, tend and its `programs` programs all, and fg and bg must resume them
// all. `tend` is the command line typed.
void ExpectJobControl(const std::string& dir, const std::string& tend, size_t programs) {
  std::string shell_pid = dir + "/shell.pid";
  Tmux tmux("bash --norc --noprofile -i");
  ASSERT_TRUE(tmux.ok());
  tmux.Keys({"PS1='prompt> '; echo $$ > " + shell_pid, "Enter"});
  ASSERT_TRUE(tmux.WaitScreen("prompt> ")) << tmux.Screen();
  pid_t shell = 0, tend_pid = 0;
  std::vector<pid_t> kids;
  ASSERT_TRUE(Eventually([&] { return (shell = atoi(ReadFile(shell_pid).c_str())) > 0; }));
  tmux.Keys({tend, "Enter"});
  ASSERT_TRUE(Eventually([&] { return (tend_pid = FirstChild(shell)) > 0; })) << tmux.Screen();
  ASSERT_TRUE(Eventually([&] { return (kids = Children(tend_pid)).size() == programs; }));
  auto stopped = [&](pid_t pid) { return ProcessState(pid) == 'T'; };
  auto all = [&](bool want_stopped) {
    if (stopped(tend_pid) != want_stopped) return false;
    for (pid_t k : kids) {
      if (stopped(k) != want_stopped) return false;
    }
    return true;
  };
  auto states = [&] {
    std::string s(1, ProcessState(tend_pid));
    for (pid_t k : kids) s += ProcessState(k);
    return s;
  };
  ASSERT_TRUE(Eventually([&] { return all(false); }));

  tmux.Keys({"C-z"});
  EXPECT_TRUE(tmux.WaitScreen("Stopped")) << tmux.Screen();
  EXPECT_TRUE(Eventually([&] { return all(true); })) << states();
  tmux.Keys({"clear; jobs", "Enter"});
  EXPECT_TRUE(tmux.WaitScreen("Stopped")) << tmux.Screen();
  tmux.Keys({"fg", "Enter"});
  EXPECT_TRUE(Eventually([&] { return all(false); })) << states();

  tmux.Keys({"C-z"});
  EXPECT_TRUE(Eventually([&] { return all(true); })) << states();
  tmux.Keys({"clear; bg; jobs", "Enter"});
  EXPECT_TRUE(tmux.WaitScreen("Running")) << tmux.Screen();
  EXPECT_TRUE(Eventually([&] { return all(false); })) << states();

  // Ended from the background: tend stops its programs and exits.
  tmux.Keys({"clear; kill %1; wait; echo ended=$?", "Enter"});
  EXPECT_TRUE(tmux.WaitScreen("ended=")) << tmux.Screen();
  EXPECT_TRUE(Eventually([&] { return FirstChild(shell) == 0; })) << tmux.Screen();
}

// Single-command mode: the program has the terminal in a process group of its own, so
// Ctrl-Z stops the program and tend follows it.
TEST_F(Pid1, CtrlZStopsTendAndItsCommandOutsidePid1) {
  ExpectJobControl(dir_, BuildPath("tend") + " -s " + Path("ctl.sock") +
                             " -- sh -c 'while :; do sleep 0.1; done'", 1);
}

// Configured programs run in sessions of their own (setsid): Ctrl-Z reaches only tend,
// which stops them both and then itself.
TEST_F(Pid1, CtrlZStopsTendAndItsProgramsOutsidePid1) {
  std::string conf = WriteConf("loop.conf",
                               "[program:loop]\n"
                               "command = sh -c 'while :; do sleep 0.1; done'\n"
                               "[program:other]\n"
                               "command = sh -c 'while :; do sleep 0.1; done'\n");
  ExpectJobControl(dir_, BuildPath("tend") + " -s " + Path("ctl.sock") + " -c " + conf, 2);
}

}  // namespace
}  // namespace tend
