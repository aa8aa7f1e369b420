#include "proc/reaper.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

struct Recorder : ExitObserver {
  void OnReaped(pid_t pid, int status) override {
    last_pid = pid;
    last_status = status;
    ++calls;
  }
  pid_t last_pid = 0;
  int last_status = -1;
  int calls = 0;
};

TEST(ReaperTest, OwnedPidsGoToTheirOwnerOnce) {
  Reaper r;
  Recorder a, b;
  r.Watch(10, &a);
  r.Watch(11, &b);
  r.Dispatch(11, 3 << 8);
  EXPECT_EQ(0, a.calls);
  EXPECT_EQ(1, b.calls);
  EXPECT_EQ(11, b.last_pid);
  EXPECT_EQ(3 << 8, b.last_status);
  // Once reaped the pid is free again: a reused pid is an orphan until watched.
  r.Dispatch(11, 0);
  EXPECT_EQ(1, b.calls);
  EXPECT_EQ(1u, r.orphans_reaped());
  EXPECT_EQ(1u, r.watched());
}

TEST(ReaperTest, UnknownPidsAreCountedAsOrphans) {
  Reaper r;
  for (int i = 0; i < 5; ++i) r.Dispatch(1000 + i, 0);
  EXPECT_EQ(5u, r.orphans_reaped());
}

TEST(ReaperTest, ForgetDropsTheOwner) {
  Reaper r;
  Recorder a;
  r.Watch(10, &a);
  r.Forget(10);
  r.Dispatch(10, 0);
  EXPECT_EQ(0, a.calls);
}

}  // namespace
}  // namespace tend
