#include "signals.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

TEST(SignalRoleTest, Roles) {
  EXPECT_EQ(SignalRole::kStop, RoleOf(SIGTERM));
  EXPECT_EQ(SignalRole::kStop, RoleOf(SIGINT));
  EXPECT_EQ(SignalRole::kChild, RoleOf(SIGCHLD));
  EXPECT_EQ(SignalRole::kIgnore, RoleOf(SIGPIPE));
  for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) {
    EXPECT_EQ(SignalRole::kUntouched, RoleOf(s)) << s;
  }
  for (int s : {SIGHUP,   SIGQUIT, SIGUSR1, SIGUSR2,  SIGALRM,      SIGCONT,   SIGTSTP,
                SIGTTIN,  SIGTTOU, SIGURG,  SIGXCPU,  SIGXFSZ,      SIGVTALRM, SIGPROF,
                SIGWINCH, SIGIO,   SIGPWR,  SIGRTMIN, SIGRTMIN + 5, SIGRTMAX}) {
    EXPECT_EQ(SignalRole::kForward, RoleOf(s)) << s;
  }
  // glibc's own, below SIGRTMIN.
  EXPECT_EQ(SignalRole::kUntouched, RoleOf(32));
  EXPECT_EQ(SignalRole::kUntouched, RoleOf(0));
  EXPECT_EQ(SignalRole::kUntouched, RoleOf(SIGRTMAX + 1));
}

}  // namespace
}  // namespace tend
