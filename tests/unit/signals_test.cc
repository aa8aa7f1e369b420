#include "proc/signals.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace tend {
namespace {

TEST(SignalRoleTest, Roles) {
  EXPECT_EQ(SignalRole::kStop, RoleOf(SIGTERM));
  EXPECT_EQ(SignalRole::kStop, RoleOf(SIGINT));
  EXPECT_EQ(SignalRole::kChild, RoleOf(SIGCHLD));
  EXPECT_EQ(SignalRole::kPipe, RoleOf(SIGPIPE));
  for (int s : {SIGKILL, SIGSTOP}) EXPECT_EQ(SignalRole::kUntouched, RoleOf(s)) << s;
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) {
    EXPECT_EQ(SignalRole::kFault, RoleOf(s)) << s;
  }
  for (int s : {SIGTSTP, SIGTTIN, SIGTTOU}) EXPECT_EQ(SignalRole::kJobControl, RoleOf(s)) << s;
  for (int s : {SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGURG, SIGXCPU, SIGXFSZ,
                SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGRTMIN, SIGRTMIN + 5, SIGRTMAX}) {
    EXPECT_EQ(SignalRole::kForward, RoleOf(s)) << s;
  }
  // glibc's own, below SIGRTMIN.
  EXPECT_EQ(SignalRole::kUntouched, RoleOf(32));
  EXPECT_EQ(SignalRole::kUntouched, RoleOf(0));
  EXPECT_EQ(SignalRole::kUntouched, RoleOf(SIGRTMAX + 1));
}

TEST(SignalSourceTest, FaultsSentByAProcessAreHandledRaisedByTheKernelAreFatal) {
  using V = SignalSource::Verdict;
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) {
    EXPECT_EQ(V::kHandle, SignalSource::Judge(s, SI_USER, 42, 1)) << s;   // kill
    EXPECT_EQ(V::kHandle, SignalSource::Judge(s, SI_QUEUE, 42, 1)) << s;  // sigqueue
    EXPECT_EQ(V::kHandle, SignalSource::Judge(s, SI_TKILL, 0, 1)) << s;   // tgkill, outside
    EXPECT_EQ(V::kDie, SignalSource::Judge(s, SI_KERNEL, 0, 1)) << s;
  }
  EXPECT_EQ(V::kDie, SignalSource::Judge(SIGBUS, BUS_MCEERR_AO, 0, 1));
}

TEST(SignalSourceTest, OnlyTendsOwnSigpipeIsDropped) {
  using V = SignalSource::Verdict;
  // The kernel names the writer as the sender of the SIGPIPE for its EPIPE.
  EXPECT_EQ(V::kDrop, SignalSource::Judge(SIGPIPE, SI_USER, 1, 1));
  EXPECT_EQ(V::kDrop, SignalSource::Judge(SIGPIPE, SI_USER, 777, 777));
  EXPECT_EQ(V::kHandle, SignalSource::Judge(SIGPIPE, SI_USER, 42, 1));
  EXPECT_EQ(V::kHandle, SignalSource::Judge(SIGPIPE, SI_USER, 0, 1));  // From outside.
}

TEST(SignalSourceTest, TerminalSignalsFromTheKernelAreHandled) {
  // Ctrl-C and Ctrl-Z come from the terminal driver with SI_KERNEL.
  for (int s : {SIGINT, SIGTSTP, SIGQUIT, SIGWINCH, SIGHUP}) {
    EXPECT_EQ(SignalSource::Verdict::kHandle, SignalSource::Judge(s, SI_KERNEL, 0, 1)) << s;
  }
}

TEST(SignalSourceTest, OwnSigpipeReallyNamesTend) {
  // What the kernel really says: a write to a pipe without reader, with PIPE blocked.
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &pipe_set, &old));
  int fds[2];
  ASSERT_EQ(0, pipe(fds));
  close(fds[0]);
  EXPECT_EQ(-1, write(fds[1], "x", 1));
  EXPECT_EQ(EPIPE, errno);
  close(fds[1]);
  siginfo_t info;
  struct timespec zero = {0, 0};
  ASSERT_EQ(SIGPIPE, sigtimedwait(&pipe_set, &info, &zero));
  sigprocmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(SignalSource::Verdict::kDrop,
            SignalSource::Judge(SIGPIPE, info.si_code, info.si_pid, getpid()));
}

}  // namespace
}  // namespace tend
