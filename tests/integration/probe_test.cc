// Probes with the real binary: ready = tcp:|http:|exec: make dependents wait for a
// server that listens late; health probes restart a hung server; exec probes that hang
// are killed; tendctl health follows.
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "harness.h"

namespace tend {
namespace {

class Probes : public Pid1Test {
 protected:
  // Index of the first line of tend's stderr containing `text`, -1 when none.
  int LogIndex(const std::string& text) {
    const auto lines = Lines(tend_->Stderr());
    for (size_t i = 0; i < lines.size(); ++i) {
      if (Has(lines[i], text)) return static_cast<int>(i);
    }
    return -1;
  }
  // An HTTP server that starts listening on `port` only after `delay`.
  static std::string LateServer(int port, const std::string& delay = "1") {
    return "sh -c 'sleep " + delay + "; exec python3 -m http.server --bind 127.0.0.1 " +
           std::to_string(port) + "'";
  }
};

TEST_F(Probes, ADependentWaitsForTcpHttpAndExecReadiness) {
  const int p1 = FreePort(), p2 = FreePort();
  const std::string go = Path("go");
  auto conf = WriteConf("web.conf",
                        "[program:web1]\ncommand = " + LateServer(p1) +
                            "\nready = tcp:" + std::to_string(p1) + "\nstartsecs = 0\n"
                            "[program:web2]\ncommand = " + LateServer(p2) +
                            "\nready = http:127.0.0.1:" + std::to_string(p2) +
                            "/\nstartsecs = 0\n"
                            "[program:web3]\ncommand = sleep 1000\nstartsecs = 0\n"
                            "ready = exec:test -e " + go + "\n"
                            "[program:dep]\ncommand = sleep 1000\nstartsecs = 0\n"
                            "depends_on = web1, web2, web3\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("web1: ready after")) << t.Stderr();
  ASSERT_TRUE(WaitForLog("web2: ready after")) << t.Stderr();
  EXPECT_EQ(-1, LogIndex("dep: started")) << t.Stderr();  // web3 is not ready yet.
  WriteFile(go, "");
  ASSERT_TRUE(WaitForLog("dep: started")) << t.Stderr();
  const int dep = LogIndex("dep: started");
  EXPECT_LT(LogIndex("web1: ready after"), dep);
  EXPECT_LT(LogIndex("web2: ready after"), dep);
  EXPECT_LT(LogIndex("web3: ready after"), dep);
  EXPECT_NE(-1, LogIndex("(tcp:" + std::to_string(p1) + ")")) << t.Stderr();
  // The server's log shows the probe's request.
  EXPECT_TRUE(Has(t.Stdout() + t.Stderr(), "\"GET / HTTP/1.1\" 200")) << t.Stdout();
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

TEST_F(Probes, AServerThatNeverListensGoesFatal) {
  const int port = FreePort();
  auto conf = WriteConf("web.conf", "[program:web]\ncommand = sleep 1000\nready = tcp:" +
                                        std::to_string(port) +
                                        "\nready_timeout = 500ms\nstartretries = 0\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("FATAL")) << t.Stderr();
  const std::string p = std::to_string(port);
  EXPECT_NE(-1, LogIndex("web: not ready after 500ms (ready = tcp:" + p +
                         "; last probe: connect 127.0.0.1:" + p + ": connection refused)"))
      << t.Stderr();
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

TEST_F(Probes, AHungServerFailsItsHealthChecksAndIsRestarted) {
  const int port = FreePort();
  const std::string p = std::to_string(port);
  auto conf = WriteConf("web.conf", "[program:web]\ncommand = " + LateServer(port, "0") +
                                        "\nready = tcp:" + p + "\nhealth = http:" + p +
                                        "/\nhealth_interval = 200ms\nhealth_timeout = 300ms\n"
                                        "health_retries = 2\nstopwaitsecs = 300ms\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << t.Stderr();
  std::string out;
  ASSERT_TRUE(Eventually([&] {
    return Ctl({"status", "web"}, &out) == 0 && Has(out, " healthy");
  })) << out << t.Stderr();
  EXPECT_EQ(0, Ctl({"health"}, &out)) << out;
  const pid_t first = FirstChild(t.TendPid());
  ASSERT_GT(first, 0);
  ASSERT_EQ(0, kill(first, SIGSTOP));  // Hung: alive, listening, never answering.
  ASSERT_TRUE(WaitForLog("web: health check failed (1/2): GET http://127.0.0.1:" + p +
                         "/: no answer within 300ms"))
      << t.Stderr();
  ASSERT_TRUE(WaitForLog("web: unhealthy (2 checks failed: GET http://127.0.0.1:" + p +
                         "/: no answer within 300ms); restarting"))
      << t.Stderr();
  // Stopped, it gets SIGCONT after its SIGTERM, and acts on it; then started again.
  ASSERT_TRUE(WaitForLog("web: stopped (was killed by SIGTERM)")) << t.Stderr();
  ASSERT_TRUE(Eventually([&] {
    return Ctl({"status", "web"}, &out) == 0 && Has(out, " healthy");
  })) << out << t.Stderr();
  const pid_t second = FirstChild(t.TendPid());
  EXPECT_GT(second, 0);
  EXPECT_NE(first, second);
  EXPECT_EQ(2u, CountLog("web: started")) << t.Stderr();
  EXPECT_EQ(0, Ctl({"health"}, &out)) << out;
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

TEST_F(Probes, AnExecProbeThatHangsIsKilledAndHealthFollows) {
  const std::string ok = Path("ok");
  auto conf = WriteConf("web.conf",
                        "[program:web]\ncommand = sleep 1000\nstartsecs = 0\n"
                        "health = exec:sh -c 'test -e " + ok + " || exec sleep 999'\n"
                        "health_interval = 100ms\nhealth_timeout = 300ms\nhealth_retries = 1\n"
                        "restart = never\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("web: unhealthy (1 check failed: no answer within 300ms (killed)); "
                         "restarting"))
      << t.Stderr();
  ASSERT_TRUE(WaitForLog("web: not restarted (restart = never)")) << t.Stderr();
  // The probe was killed and reaped with the program: nothing is left under tend.
  EXPECT_TRUE(Eventually([&] { return Children(t.TendPid()).empty(); }));
  std::string out;
  EXPECT_EQ(1, Ctl({"health"}, &out)) << out;
  EXPECT_TRUE(Has(out, "web: EXITED, unhealthy (no answer within 300ms (killed))")) << out;
  EXPECT_EQ(3, Ctl({"status", "web"}, &out)) << out;  // Not RUNNING.
  EXPECT_TRUE(Has(out, "unhealthy (1 failed: no answer within 300ms (killed))")) << out;
  // Recovered: the probe passes, and health says so.
  WriteFile(ok, "");
  EXPECT_EQ(0, Ctl({"start", "web"}, &out)) << out;
  ASSERT_TRUE(Eventually([&] {
    return Ctl({"status", "web"}, &out) == 0 && Has(out, " healthy");
  })) << out << t.Stderr();
  EXPECT_EQ(0, Ctl({"health"}, &out)) << out;
  EXPECT_EQ(0, Ctl({"-j", "status", "web"}, &out)) << out;
  EXPECT_TRUE(Has(out, "\"health_state\":\"healthy\",\"health_failures\":0,"
                       "\"health_last\":\"exited with status 0\""))
      << out;
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

TEST_F(Probes, ExecProbeOutputIsKeptForTheLogLine) {
  auto conf = WriteConf("web.conf",
                        "[program:web]\ncommand = sleep 1000\nstartsecs = 0\n"
                        "health = exec:sh -c 'echo checking; echo \"database is gone\" >&2; "
                        "exit 3'\nhealth_interval = 100ms\nhealth_retries = 3\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("web: health check failed (1/3): exited with status 3: checking "
                         "database is gone"))
      << t.Stderr();
  // Not in the program's log: probes' output is theirs.
  EXPECT_FALSE(Has(t.Stdout(), "checking")) << t.Stdout();
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

// From issue 34: `health = exec:sh -c 'sleep 300 & exit 0'` every second left a stray
// process per check. What a probe leaves in its group is killed when it exits.
TEST_F(Probes, WhatAnExecProbeLeavesBehindIsKilled) {
  const std::string runs = Path("runs");
  auto conf = WriteConf("web.conf",
                        "[program:web]\ncommand = sleep 1000\nstartsecs = 0\n"
                        "health = exec:sh -c 'echo run >> " + runs +
                            "; sleep 300 & exit 0'\nhealth_interval = 50ms\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(Eventually([&] { return Lines(ReadFile(runs)).size() >= 4; })) << t.Stderr();
  // Three probes have ended: at most the one running now may have its sleep.
  std::string out;
  const std::string sleeps = t.InNamespace({"sh", "-c", "pgrep -cx -f 'sleep 300' || true"});
  EXPECT_GE(1, atoi(sleeps.c_str())) << sleeps;
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

// From issue 34: a probe that writes without end (`exec:yes`) kept tend reading at the
// cost of a core. Past 64 KiB it is no longer read: it blocks, and its timeout ends it.
TEST_F(Probes, AnExecProbeIsNotReadPast64KiB) {
  auto conf = WriteConf("web.conf",
                        "[program:web]\ncommand = sleep 1000\nstartsecs = 0\n"
                        "health = exec:head -c 1000000 /dev/zero\nhealth_interval = 100ms\n"
                        "health_timeout = 500ms\nhealth_retries = 3\n");
  auto& t = Start({"-c", conf});
  ASSERT_TRUE(WaitForLog("web: health check failed (1/3): no answer within 500ms (killed)"))
      << t.Stderr();
  t.Signal(SIGTERM);
  EXPECT_EQ(0, t.Wait());
}

TEST_F(Probes, TendCheckRejectsBadProbes) {
  auto conf = WriteConf("bad.conf",
                        "[program:web]\ncommand = sleep 1\nhealth = tcp:99999\n"
                        "health_interval = 0\n");
  std::string out;
  EXPECT_EQ(2 << 8, RunCommand({BuildPath("tend"), "--check", "-c", conf}, &out, true)) << out;
  EXPECT_TRUE(Has(out, "bad.conf:3: error: bad health \"tcp:99999\"")) << out;
  EXPECT_TRUE(Has(out, "bad.conf:4: error: bad health_interval \"0\": must be more than 0"))
      << out;
}

}  // namespace
}  // namespace tend
