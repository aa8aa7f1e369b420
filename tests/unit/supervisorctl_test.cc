// The pieces of supervisorctl's output that tend's drop-in computes itself.
#include "cli/supervisorctl.h"
#include "cli/supervisorctl_session.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

TEST(SupervisorctlFormat, NamespecIsTheNameUnlessTheGroupDiffers) {
  EXPECT_EQ(Namespec("web", "web"), "web");
  EXPECT_EQ(Namespec("pair", "a"), "pair:a");
  EXPECT_EQ(Namespec("worker", "worker_00"), "worker:worker_00");
}

TEST(SupervisorctlFormat, UptimeAsPythonPrintsATimedelta) {
  EXPECT_EQ(RunningDescription(12, 0), "pid 12, uptime 0:00:00");
  EXPECT_EQ(RunningDescription(12, 2472), "pid 12, uptime 0:41:12");
  EXPECT_EQ(RunningDescription(7, 86399), "pid 7, uptime 23:59:59");
  EXPECT_EQ(RunningDescription(7, 86400 + 3 * 3600 + 4 * 60 + 5), "pid 7, uptime 1 day, 3:04:05");
  EXPECT_EQ(RunningDescription(7, 3 * 86400), "pid 7, uptime 3 days, 0:00:00");
  EXPECT_EQ(RunningDescription(7, -5), "pid 7, uptime 0:00:00");  // The clock went back.
}

TEST(SupervisorctlFormat, StopTimeAsSupervisordShowsIt) {
  EXPECT_EQ(StopDescription(0), "Jan 01 12:00 AM");
  EXPECT_EQ(StopDescription(1764939720), "Dec 05 01:02 PM");  // 2025-12-05 13:02 UTC.
  EXPECT_EQ(StopDescription(1709164800 + 11 * 3600 + 59 * 60), "Feb 29 11:59 AM");  // Leap day.
  EXPECT_EQ(StopDescription(1709164800 + 12 * 3600), "Feb 29 12:00 PM");
}

}  // namespace
}  // namespace tend
