// GET /metrics as Prometheus scrapes it: behind the password, in a format promtool
// accepts without a warning (Debian's prometheus package), with programs in every state,
// and counters that move between two scrapes as a program restarts.
#include <stdlib.h>

#include "harness.h"

namespace tend {
namespace {

constexpr char kPromtool[] = "/usr/bin/promtool";

// GET /metrics at 127.0.0.1:`port`, with the Basic credentials `auth` if any.
std::string Get(int port, const std::string& auth) {
  return TcpExchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                               (auth.empty() ? "" : "Authorization: Basic " + auth + "\r\n") +
                               "\r\n");
}

// A sample's value, or -1 when the exposition has no such line.
double Value(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return atof(text.c_str() + at + series.size() + 2);
}

class Metrics : public Pid1Test {};

TEST_F(Metrics, PromtoolAcceptsThemAndCountersMove) {
  const int port = FreePort();
  std::string conf = WriteConf(
      "m.conf", "[inet_http_server]\nport=127.0.0.1:" + std::to_string(port) +
                    "\nusername=u\npassword=p\n"
                    "[program:web]\ncommand=sh -c 'echo hello; exec sleep 100000'\nstartsecs=0\n"
                    "[program:idle]\ncommand=sleep 100001\nautostart=false\n"
                    "[program:once]\ncommand=true\ntype=oneshot\n"
                    "[program:doomed]\ncommand=sh -c 'exit 3'\nstartretries=0\n"
                    "[program:flaky]\ncommand=sh -c 'sleep 0.2; exit 1'\nstartsecs=0\n"
                    "autorestart=true\nbackoff=100ms\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  std::string first;
  ASSERT_TRUE(Eventually([&] {
    first = Get(port, "dTpw");
    return Has(first, "tend_program_state{program=\"doomed\",group=\"doomed\",state=\"FATAL\"} 1") &&
           Has(first, "tend_program_state{program=\"once\",group=\"once\",state=\"EXITED\"} 1");
  })) << first << tend_->Stderr();
  EXPECT_EQ(0u, first.find("HTTP/1.1 200 OK\r\n")) << first;
  EXPECT_TRUE(Has(first, "Content-Type: text/plain; version=0.0.4; charset=utf-8")) << first;
  EXPECT_EQ(0u, Get(port, "").find("HTTP/1.1 401"));
  const std::string body = first.substr(first.find("\r\n\r\n") + 4);
  EXPECT_EQ(1, Value(body, "tend_program_state{program=\"idle\",group=\"idle\",state=\"STOPPED\"}"));
  EXPECT_EQ(3, Value(body, "tend_program_last_exit_code{program=\"doomed\",group=\"doomed\"}"));
  EXPECT_EQ(1, Value(body, "tend_program_ready{program=\"web\",group=\"web\"}"));
  EXPECT_GT(Value(body, "tend_program_resident_memory_bytes{program=\"web\",group=\"web\"}"), 0);
  EXPECT_GE(Value(body, "tend_log_lines_total"), 1);
  if (Installed(kPromtool)) {
    WriteFile(Path("metrics.txt"), body);
    std::string out;
    const int status =
        RunCommand({"sh", "-c", std::string(kPromtool) + " check metrics < " + Path("metrics.txt")},
                   &out, /*with_stderr=*/true);
    EXPECT_EQ(0, status) << out << body;
    EXPECT_EQ("", out) << body;  // Not a warning.
  }
  // flaky restarts by itself: the counter moves; every scrape is a request.
  const std::string restarts = "tend_program_restarts_total{program=\"flaky\",group=\"flaky\"}";
  std::string second;
  ASSERT_TRUE(Eventually([&] {
    second = Get(port, "dTpw");
    return Value(second, restarts) > Value(body, restarts);
  })) << second;
  EXPECT_GT(Value(second, "tend_http_requests_total"), Value(body, "tend_http_requests_total"));
  if (!Installed(kPromtool)) GTEST_SKIP() << "promtool is not installed (Debian's prometheus)";
}

}  // namespace
}  // namespace tend
