#include "ready/notify_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/diag.h"

namespace tend {
namespace {

TEST(NotifyMessageTest, EveryFieldWithAndWithoutNewlines) {
  NotifyMessage m;
  ASSERT_TRUE(ParseNotifyMessage("READY=1", &m));  // postgres: no newline.
  EXPECT_TRUE(m.ready);
  ASSERT_TRUE(ParseNotifyMessage("STATUS=Ready to accept connections\n", &m));  // redis.
  EXPECT_FALSE(m.ready);
  EXPECT_TRUE(m.has_status);
  EXPECT_EQ("Ready to accept connections", m.status);
  ASSERT_TRUE(ParseNotifyMessage(
      "STOPPING=1\nRELOADING=1\nBARRIER=1\nEXTEND_TIMEOUT_USEC=5000000\nERRNO=13\nMAINPID=7\n"
      "STATUS=a=b",
      &m));
  EXPECT_TRUE(m.stopping);
  EXPECT_TRUE(m.reloading);
  EXPECT_TRUE(m.barrier);
  EXPECT_EQ(5000000, m.extend_timeout_usec);
  EXPECT_EQ(13, m.errno_value);
  EXPECT_EQ("a=b", m.status);
  EXPECT_EQ(7, m.mainpid);
  EXPECT_EQ(0, m.unknown);
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=x\nFDSTORE=1\nWATCHDOG=1", &m));
  EXPECT_EQ(-1, m.mainpid);
  EXPECT_TRUE(m.watchdog);
  EXPECT_EQ(1, m.unknown);
  ASSERT_TRUE(ParseNotifyMessage("MAINPID=1\nWATCHDOG=trigger", &m));
  EXPECT_EQ(1, m.mainpid);  // Refused by the program, as said (it was logged as -1).
  EXPECT_TRUE(m.watchdog_trigger);
  ASSERT_TRUE(ParseNotifyMessage("READY=0\nEXTEND_TIMEOUT_USEC=x\nERRNO=-1", &m));
  EXPECT_FALSE(m.ready);
  EXPECT_EQ(-1, m.extend_timeout_usec);
  EXPECT_EQ(-1, m.errno_value);
}

TEST(NotifyMessageTest, GarbageIsRefused) {
  NotifyMessage m;
  EXPECT_FALSE(ParseNotifyMessage("", &m));
  EXPECT_FALSE(ParseNotifyMessage("hello", &m));
  EXPECT_FALSE(ParseNotifyMessage("=1", &m));
  EXPECT_FALSE(ParseNotifyMessage(std::string("READY=1\0x", 9), &m));
  EXPECT_FALSE(ParseNotifyMessage("READY=1\n\xff\xfe", &m));
}

// The real socket: datagrams reach the handler with the sender's pid; a long one and
// garbage do not, and passed descriptors are closed.
TEST(NotifySocketTest, ReceivesWithCredentialsAndClosesPassedFds) {
  EventLoop loop;
  std::vector<std::pair<pid_t, NotifyMessage>> got;
  std::string err;
  auto sock = NotifySocket::Create(
      &loop,
      [&](pid_t p, const NotifyMessage& m) {
        got.push_back({p, m});
        return true;
      },
      &err);
  ASSERT_TRUE(sock) << err;
  ASSERT_EQ('@', sock->address()[0]);
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path + 1, sock->address().data() + 1, sock->address().size() - 1);
  socklen_t len = static_cast<socklen_t>(sizeof(sa_family_t) + sock->address().size());
  int out = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  auto send = [&](const std::string& d, int fd = -1) {
    iovec iov = {const_cast<char*>(d.data()), d.size()};
    msghdr msg = {};
    msg.msg_name = &addr;
    msg.msg_namelen = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (fd >= 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    return sendmsg(out, &msg, 0);
  };
  int p[2];
  ASSERT_EQ(0, pipe(p));
  ASSERT_GT(send("BARRIER=1", p[1]), 0);
  close(p[1]);
  ASSERT_GT(send(std::string(60000, 'x')), 0);
  ASSERT_GT(send("garbage"), 0);
  ASSERT_GT(send("READY=1\nSTATUS=up\n"), 0);
  for (int i = 0; i < 20 && got.size() < 2; ++i) loop.RunOnce();
  ASSERT_EQ(2u, got.size());
  EXPECT_EQ(getpid(), got[0].first);
  EXPECT_TRUE(got[0].second.barrier);
  EXPECT_TRUE(got[1].second.ready);
  EXPECT_EQ("up", got[1].second.status);
  // tend closed its copy of the barrier's descriptor: the pipe's reader sees EOF.
  char c;
  EXPECT_EQ(0, read(p[0], &c, 1));
  close(p[0]);
  close(out);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 34: a complaint held back by the rate limit was lost when no later one came.
TEST(NotifySocketTest, WhatTheRateLimitHeldBackIsToldAtTheEndOfItsWindow) {
  EventLoop loop;
  std::vector<std::string> said;
  SetDiagSink([&](const std::string& line) {
    said.push_back(line);
    return true;
  });
  std::string err;
  auto sock = NotifySocket::Create(
      &loop, [](pid_t, const NotifyMessage&) { return true; }, &err, /*complain_every_ms=*/50);
  ASSERT_TRUE(sock) << err;
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path + 1, sock->address().data() + 1, sock->address().size() - 1);
  socklen_t len = static_cast<socklen_t>(sizeof(sa_family_t) + sock->address().size());
  int out = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(7, sendto(out, "garbage", 7, 0, reinterpret_cast<sockaddr*>(&addr), len));
  }
  for (int i = 0; i < 100 && said.size() < 2; ++i) loop.RunOnce();
  SetDiagSink(nullptr);
  close(out);
  ASSERT_EQ(2u, said.size());
  EXPECT_NE(std::string::npos, said[0].find("that is not KEY=VALUE lines: ignored")) << said[0];
  EXPECT_NE(std::string::npos, said[1].find("(2 such datagrams ignored in the last 50ms)"))
      << said[1];
}

}  // namespace
}  // namespace tend
