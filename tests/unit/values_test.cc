#include "base/values.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace tend {
namespace {

int64_t Ms(const std::string& s) {
  int64_t ms = -1;
  std::string err;
  EXPECT_TRUE(ParseDuration(s, &ms, &err)) << s << ": " << err;
  return ms;
}

std::string Bad(const std::string& s) {
  int64_t ms = -1;
  std::string err;
  EXPECT_FALSE(ParseDuration(s, &ms, &err)) << s;
  return err;
}

TEST(DurationTest, Units) {
  EXPECT_EQ(500, Ms("500ms"));
  EXPECT_EQ(10000, Ms("10s"));
  EXPECT_EQ(120000, Ms("2m"));
  EXPECT_EQ(3600000, Ms("1h"));
  EXPECT_EQ(90000, Ms("1m30s"));
  EXPECT_EQ(1500, Ms("1.5s"));
  EXPECT_EQ(0, Ms("0"));
  EXPECT_EQ(0, Ms("0s"));
}

TEST(DurationTest, BareNumberIsSeconds) {
  EXPECT_EQ(8000, Ms("8"));
  EXPECT_EQ(250, Ms("0.25"));
}

TEST(DurationTest, Rejects) {
  EXPECT_EQ("empty duration", Bad(""));
  EXPECT_NE("", Bad("-1s"));
  EXPECT_NE("", Bad("s"));
  EXPECT_NE("", Bad("."));
  EXPECT_EQ("unknown unit 'x' (use ms, s, m or h)", Bad("5x"));
  EXPECT_NE("", Bad("1m30"));  // A unit-less number only stands alone.
  EXPECT_NE("", Bad("1 s"));
  EXPECT_NE("", Bad("1.2.3s"));
  EXPECT_EQ("duration too long (at most a year)", Bad("9999999h"));
}

TEST(DurationTest, FormatRoundTrips) {
  for (int64_t ms : {0, 250, 1000, 1500, 8000, 60000, 120000, 90000}) {
    EXPECT_EQ(ms, Ms(FormatDuration(ms))) << FormatDuration(ms);
  }
  EXPECT_EQ("8s", FormatDuration(8000));
  EXPECT_EQ("1.5s", FormatDuration(1500));
  EXPECT_EQ("250ms", FormatDuration(250));
  EXPECT_EQ("2m", FormatDuration(120000));
}

TEST(DurationTest, HumanRounding) {
  EXPECT_EQ("960ms", HumanDuration(960));
  EXPECT_EQ("1.0s", HumanDuration(1000));
  EXPECT_EQ("1.9s", HumanDuration(1921));
  EXPECT_EQ("10s", HumanDuration(9960));
  EXPECT_EQ("30s", HumanDuration(30000));
  EXPECT_EQ("2m", HumanDuration(120000));
  EXPECT_EQ("2m30s", HumanDuration(150000));
}

int Sig(const std::string& s) {
  int n = -1;
  EXPECT_TRUE(ParseSignal(s, &n)) << s;
  return n;
}

TEST(SignalTest, NamesNumbersAndPrefixes) {
  EXPECT_EQ(SIGTERM, Sig("TERM"));
  EXPECT_EQ(SIGTERM, Sig("SIGTERM"));
  EXPECT_EQ(SIGTERM, Sig("15"));
  EXPECT_EQ(SIGTERM, Sig("term"));
  EXPECT_EQ(SIGQUIT, Sig("sigquit"));
  EXPECT_EQ(SIGKILL, Sig("KILL"));
  EXPECT_EQ(SIGCHLD, Sig("CLD"));
  EXPECT_EQ(SIGRTMIN, Sig("RTMIN"));
  EXPECT_EQ(SIGRTMIN + 3, Sig("RTMIN+3"));
  EXPECT_EQ(SIGRTMAX - 1, Sig("SIGRTMAX-1"));
}

TEST(SignalTest, Rejects) {
  int n;
  for (const char* s : {"", "0", "65", "TERMS", "SIG", "RTMIN-1", "RTMAX+1", "RTMIN+99", "-15",
                        "RTMAX-2147483648", "RTMIN+2147483614"}) {
    EXPECT_FALSE(ParseSignal(s, &n)) << s;
  }
}

TEST(SignalTest, NamesRoundTrip) {
  for (int s = 1; s <= SIGRTMAX; ++s) {
    if (s > SIGSYS && s < SIGRTMIN) continue;
    EXPECT_EQ(s, Sig(SignalName(s))) << SignalName(s);
  }
  EXPECT_EQ("ABRT", SignalName(SIGABRT));
  EXPECT_EQ("CHLD", SignalName(SIGCHLD));
  EXPECT_EQ("RTMIN+1", SignalName(SIGRTMIN + 1));
  EXPECT_EQ("RTMAX-2", SignalName(SIGRTMAX - 2));
}

}  // namespace
}  // namespace tend
