#include "config/restart_policy.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace tend {
namespace {

TEST(RestartPolicyTest, ExpectedExit) {
  EXPECT_TRUE(IsExpectedExit({0}, 0));
  EXPECT_FALSE(IsExpectedExit({0}, 1 << 8));
  EXPECT_TRUE(IsExpectedExit({0, 2}, 2 << 8));
  EXPECT_FALSE(IsExpectedExit({0}, SIGTERM));  // A signal is never expected.
  EXPECT_FALSE(IsExpectedExit({}, 0));
}

TEST(RestartPolicyTest, RestartDue) {
  EXPECT_TRUE(RestartDue(RestartPolicy::kAlways, true));
  EXPECT_TRUE(RestartDue(RestartPolicy::kAlways, false));
  EXPECT_FALSE(RestartDue(RestartPolicy::kOnFailure, true));
  EXPECT_TRUE(RestartDue(RestartPolicy::kOnFailure, false));
  EXPECT_FALSE(RestartDue(RestartPolicy::kNever, false));
}

TEST(RestartPolicyTest, RetriesAsSupervisord) {
  // startretries=3: four tries in all.
  EXPECT_FALSE(RetriesExhausted(3, 3));
  EXPECT_TRUE(RetriesExhausted(4, 3));
  // startretries=0: the first failure is final.
  EXPECT_TRUE(RetriesExhausted(1, 0));
  EXPECT_FALSE(RetriesExhausted(1000000, -1));
}

TEST(RestartPolicyTest, BackoffDoublesUpToTheCap) {
  EXPECT_EQ(1000, BackoffDelayMs(1000, 30000, 1, 0.5));
  EXPECT_EQ(2000, BackoffDelayMs(1000, 30000, 2, 0.5));
  EXPECT_EQ(4000, BackoffDelayMs(1000, 30000, 3, 0.5));
  EXPECT_EQ(16000, BackoffDelayMs(1000, 30000, 5, 0.5));
  EXPECT_EQ(30000, BackoffDelayMs(1000, 30000, 6, 0.5));
  EXPECT_EQ(30000, BackoffDelayMs(1000, 30000, 1000000, 0.5));
}

TEST(RestartPolicyTest, NeverBelowTheFloor) {
  EXPECT_EQ(kMinBackoffMs, BackoffDelayMs(0, 30000, 1, 0.5));
  EXPECT_EQ(kMinBackoffMs, BackoffDelayMs(10, 10, 5, 0.0));
}

TEST(RestartPolicyTest, JitterIsTenPercentAndNeverAboveTheCap) {
  EXPECT_EQ(900, BackoffDelayMs(1000, 30000, 1, 0.0));
  EXPECT_EQ(1100, BackoffDelayMs(1000, 30000, 1, 1.0));
  EXPECT_EQ(27000, BackoffDelayMs(1000, 30000, 9, 0.0));
  EXPECT_EQ(30000, BackoffDelayMs(1000, 30000, 9, 0.99));
}

}  // namespace
}  // namespace tend
