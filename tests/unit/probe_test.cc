// Probes: parsing, and the TCP and HTTP probes against a loopback server that the test
// plays on the same event loop.
#include "ready/probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/event_loop.h"
#include "base/sys.h"
#include "proc/spawn.h"

namespace tend {
namespace {

TEST(ProbeSpecTest, ParsesTheThreeKinds) {
  ProbeSpec p;
  std::string why;
  ASSERT_TRUE(ParseProbe("tcp:6379", &p, &why)) << why;
  EXPECT_EQ(ProbeSpec::Kind::kTcp, p.kind);
  EXPECT_EQ("127.0.0.1:6379", p.host_port);
  EXPECT_EQ("tcp:6379", p.spec);
  ASSERT_TRUE(ParseProbe("http:localhost:8080", &p, &why)) << why;
  EXPECT_EQ("127.0.0.1:8080", p.host_port);
  EXPECT_EQ("/", p.path);
  ASSERT_TRUE(ParseProbe("http:[::1]:80/a/b?c=d", &p, &why)) << why;
  EXPECT_EQ("[::1]:80", p.host_port);
  EXPECT_EQ("/a/b?c=d", p.path);
  EXPECT_EQ(sizeof(sockaddr_in6), p.addr_len);
  ASSERT_TRUE(ParseProbe("exec:redis-cli -p 6380 ping", &p, &why)) << why;
  EXPECT_EQ((std::vector<std::string>{"redis-cli", "-p", "6380", "ping"}), p.argv);
}

TEST(HttpVerdictTest, OnlyA2xxOr3xxStatusLinePasses) {
  EXPECT_TRUE(HttpVerdict("HTTP/1.1 200 OK\r\nServer: x\r\n").ok);
  EXPECT_EQ("HTTP 200 OK", HttpVerdict("HTTP/1.1 200 OK\r\n").detail);
  EXPECT_TRUE(HttpVerdict("HTTP/1.0 302").ok);
  EXPECT_FALSE(HttpVerdict("HTTP/1.1 503 Service Unavailable\r\n").ok);
  EXPECT_FALSE(HttpVerdict("HTTP/1.1 2000\r\n").ok);
  EXPECT_EQ("not an HTTP status line: \"SSH-2.0-x?\"", HttpVerdict("SSH-2.0-x\x1b\n").detail);
  EXPECT_EQ(80 + 27u, HttpVerdict(std::string(500, 'a')).detail.size());
}

TEST(ProbeSpecTest, RejectsWhatCannotWork) {
  const std::pair<const char*, const char*> cases[] = {
      {"tcp:", "tcp:[HOST:]PORT: no port"},
      {"tcp:0", "tcp:[HOST:]PORT: port \"0\" is not a number from 1 to 65535"},
      {"tcp:65536", "tcp:[HOST:]PORT: port \"65536\" is not a number from 1 to 65535"},
      {"tcp:example.com:80",
       "tcp:[HOST:]PORT: \"example.com\" is not an IPv4 address, [IPv6] or localhost (probes "
       "do not look names up)"},
      {"tcp:[::1:80", "tcp:[HOST:]PORT: expected [IPv6]:PORT"},
      {"tcp:[nope]:80", "tcp:[HOST:]PORT: \"nope\" is not an IPv6 address"},
      {"http://127.0.0.1:80/", "write http:[HOST:]PORT/PATH, without //"},
      {"http:80/a b", "http: the path must not contain spaces or control characters"},
      {"exec:", "exec: no command"},
      {"exec:'unterminated", "exec: unterminated single quote"},
      {"udp:53", "expected tcp:[HOST:]PORT, http:[HOST:]PORT/PATH or exec:COMMAND"},
  };
  for (const auto& [text, message] : cases) {
    ProbeSpec p;
    std::string why;
    EXPECT_FALSE(ParseProbe(text, &p, &why)) << text;
    EXPECT_EQ(message, why) << text;
  }
}

// A loopback server on the test's loop: accepts, reads the request, answers `reply`
// (nothing, when empty: it then closes), and keeps the request it read.
class NetProbeTest : public testing::Test {
 protected:
  void SetUp() override {
    listener_.Reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(0, bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a));
    ASSERT_EQ(0, getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len));
    port_ = ntohs(a.sin_port);
  }
  void Listen(const std::string& reply, bool answer = true) {
    ASSERT_EQ(0, listen(listener_.get(), 4));
    reply_ = reply;
    answer_ = answer;
    accept_ = std::make_unique<IoWatcher>(&loop_, listener_.get(), IoWatcher::kRead, [this] {
      conn_.Reset(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!conn_.valid()) return;
      read_ = std::make_unique<IoWatcher>(&loop_, conn_.get(), IoWatcher::kRead, [this] {
        char buf[1024];
        ssize_t n = read(conn_.get(), buf, sizeof buf);
        if (n > 0) request_.append(buf, static_cast<size_t>(n));
        if (request_.find("\r\n\r\n") == std::string::npos || !answer_) return;
        if (!reply_.empty()) (void)!write(conn_.get(), reply_.data(), reply_.size());
        conn_.Reset();
        read_.reset();  // Last: it destroys this lambda.
      });
      read_->Start();
    });
    accept_->Start();
  }
  ProbeResult Run(const std::string& spec, int64_t timeout_ms = 2000) {
    ProbeSpec p;
    std::string why;
    EXPECT_TRUE(ParseProbe(spec, &p, &why)) << why;
    SystemProber prober(&loop_, nullptr, nullptr);
    bool done = false;
    ProbeResult result;
    auto run = prober.Run(p, SpawnSpec(), timeout_ms, [&](const ProbeResult& r) {
      done = true;
      result = r;
    });
    EXPECT_FALSE(done);  // Never from inside Run.
    for (int i = 0; i < 100 && !done; ++i) loop_.RunOnce();
    EXPECT_TRUE(done);
    return result;
  }
  std::string Port() const { return std::to_string(port_); }

  EventLoop loop_;
  UniqueFd listener_, conn_;
  int port_ = 0;
  std::string reply_, request_;
  bool answer_ = true;
  std::unique_ptr<IoWatcher> accept_, read_;
};

TEST_F(NetProbeTest, TcpConnectsOrIsRefused) {
  ProbeResult r = Run("tcp:" + Port());  // Bound, not listening.
  EXPECT_FALSE(r.ok);
  EXPECT_EQ("connect 127.0.0.1:" + Port() + ": connection refused", r.detail);
  Listen("");
  r = Run("tcp:" + Port());
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ("connected to 127.0.0.1:" + Port(), r.detail);
}

TEST_F(NetProbeTest, HttpSendsAGetAndReadsTheStatusLine) {
  Listen("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
  ProbeResult r = Run("http:" + Port() + "/healthz?x=1");
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ("GET http://127.0.0.1:" + Port() + "/healthz?x=1: HTTP 204 No Content", r.detail);
  EXPECT_EQ("GET /healthz?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + Port() +
                "\r\nUser-Agent: tend\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            request_);
}

TEST_F(NetProbeTest, RedirectsPassErrorsFail) {
  Listen("HTTP/1.0 302 Found\r\nLocation: /login\r\n\r\n");
  EXPECT_TRUE(Run("http:" + Port() + "/").ok);
  Listen("HTTP/1.1 503 Service Unavailable\r\n\r\n");
  ProbeResult r = Run("http:" + Port() + "/");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ("GET http://127.0.0.1:" + Port() + "/: HTTP 503 Service Unavailable", r.detail);
}

TEST_F(NetProbeTest, AServerThatIsNotHttpFails) {
  Listen("-ERR unknown command 'GET'\r\n");
  ProbeResult r = Run("http:" + Port() + "/");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ("GET http://127.0.0.1:" + Port() +
                "/: not an HTTP status line: \"-ERR unknown command 'GET'\"",
            r.detail);
  Listen("HTTP/1.1 2000 OK\r\n\r\n");  // From issue 34: passed as 200.
  r = Run("http:" + Port() + "/");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ("GET http://127.0.0.1:" + Port() + "/: not an HTTP status line: \"HTTP/1.1 2000 OK\"",
            r.detail);
  Listen("HTTP/1.1 200\r\n\r\n");  // No reason phrase: allowed.
  EXPECT_TRUE(Run("http:" + Port() + "/").ok);
  Listen("");  // Closes without a word.
  r = Run("http:" + Port() + "/");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ("GET http://127.0.0.1:" + Port() + "/: connection closed before a status line",
            r.detail);
}

TEST_F(NetProbeTest, ASilentServerTimesOut) {
  Listen("", /*answer=*/false);
  ProbeResult r = Run("http:" + Port() + "/", 50);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ("GET http://127.0.0.1:" + Port() + "/: no answer within 50ms", r.detail);
}

TEST_F(NetProbeTest, ACancelledProbeNeverAnswers) {
  Listen("", /*answer=*/false);
  ProbeSpec p;
  std::string why;
  ASSERT_TRUE(ParseProbe("http:" + Port() + "/", &p, &why));
  SystemProber prober(&loop_, nullptr, nullptr);
  bool done = false;
  auto run = prober.Run(p, SpawnSpec(), 30, [&](const ProbeResult&) { done = true; });
  loop_.RunOnce();
  run.reset();
  auto timer = loop_.NewTimer([] {});
  timer->Start(60);
  while (timer->active()) loop_.RunOnce();
  EXPECT_FALSE(done);
}

}  // namespace
}  // namespace tend
