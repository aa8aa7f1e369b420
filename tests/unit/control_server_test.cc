#include "control/control_server.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_process_ops.h"

namespace tend {
namespace {

// tend's side of the socket, fed bytes through a socketpair: the supervisor runs on fake
// processes and a fake clock, the server on a real event loop.
class ControlServerTest : public testing::Test {
 protected:
  void SetUp() override {
    Supervisor::Callbacks cb;
    cb.changed = [this](Service*) {
      if (server_) server_->OnServiceChanged();
    };
    sup_ = std::make_unique<Supervisor>(
        Service::Env{&ops_, &clock_, &reaper_, nullptr, [] { return 0.5; }, nullptr}, cb);
    Config c;
    for (const char* name : {"web", "off"}) {
      ProgramConfig p;
      p.name = p.program_name = p.command = name;
      p.argv = {name};
      p.autostart = std::string(name) == "web";
      c.programs.push_back(p);
    }
    sup_->Configure(c);
    std::string err;
    ASSERT_TRUE(sup_->Start(&err));
    server_ = std::make_unique<ControlServer>(
        &loop_, sup_.get(), nullptr,
        ControlServer::Callbacks{[this] { ++shutdowns_; }, nullptr, nullptr});
    int sv[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    server_->Serve(UniqueFd(sv[0]));
    client_ = sv[1];
    SetNonblock(client_);
  }
  void TearDown() override {
    server_.reset();
    close(client_);
  }

  void Write(const std::string& bytes) {
    ASSERT_EQ(static_cast<ssize_t>(bytes.size()), write(client_, bytes.data(), bytes.size()));
    loop_.RunOnce();  // The server reads and handles...
    Flush();
  }
  // ...and answers from the loop.
  void Flush() {
    for (int i = 0; i < 3; ++i) loop_.RunReady();
  }
  void Send(const Message& m) { Write(Encode(m)); }
  void Hello() {
    Message h(MsgType::kHello);
    h.AddInt(Tag::kVersion, kProtocolVersion);
    Send(h);
    auto r = Replies();
    ASSERT_EQ(1u, r.size());
    ASSERT_EQ(MsgType::kHelloReply, r[0].type);
  }
  // Whatever the server has sent so far; `eof` tells whether it hung up.
  std::vector<Message> Replies(bool* eof = nullptr) {
    char buf[65536];
    ssize_t n;
    while ((n = read(client_, buf, sizeof buf)) > 0) reader_.Feed(buf, static_cast<size_t>(n));
    if (eof) *eof = n == 0;
    std::vector<Message> out;
    Message m;
    std::string err;
    while (reader_.Next(&m, &err) == FrameReader::Result::kFrame) out.push_back(m);
    return out;
  }
  void Running(const std::string& name) {
    for (size_t i = 0; i < ops_.spawned.size(); ++i) {
      if (ops_.spawned[i].argv[0] == name) ops_.observers[i]->OnExecResult(100 + i, nullptr);
    }
    clock_.Advance(1000);
    Flush();
  }

  EventLoop loop_;
  FakeProcessOps ops_;
  FakeClock clock_;
  Reaper reaper_;
  std::unique_ptr<Supervisor> sup_;
  std::unique_ptr<ControlServer> server_;
  FrameReader reader_{kMaxReplyBytes};
  int client_ = -1;
  int shutdowns_ = 0;
};

TEST_F(ControlServerTest, HelloThenStatus) {
  Hello();
  Running("web");
  Message req(MsgType::kStatus);
  Send(req);
  auto r = Replies();
  ASSERT_EQ(3u, r.size());
  EXPECT_EQ(MsgType::kProgram, r[0].type);
  EXPECT_EQ("web", r[0].Get(Tag::kName));
  EXPECT_EQ("RUNNING", r[0].Get(Tag::kState));
  EXPECT_EQ(100, r[0].GetInt(Tag::kPid));
  EXPECT_EQ("off", r[1].Get(Tag::kName));
  EXPECT_EQ("STOPPED", r[1].Get(Tag::kState));
  EXPECT_EQ(0, r[1].GetInt(Tag::kPid));
  EXPECT_EQ(MsgType::kOk, r[2].type);
}

TEST_F(ControlServerTest, EveryRequestNeedsHelloFirst) {
  Send(Message(MsgType::kStatus));
  bool eof = false;
  auto r = Replies(&eof);
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(MsgType::kError, r[0].type);
  EXPECT_EQ(kCodeUsage, r[0].GetInt(Tag::kCode));
  EXPECT_TRUE(eof);
  EXPECT_EQ(0u, server_->connections());
}

TEST_F(ControlServerTest, AnotherVersionIsRefused) {
  Message h(MsgType::kHello);
  h.AddInt(Tag::kVersion, kProtocolVersion + 1);
  Send(h);
  bool eof = false;
  auto r = Replies(&eof);
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(kCodeUnreachable, r[0].GetInt(Tag::kCode));
  EXPECT_TRUE(eof);
}

TEST_F(ControlServerTest, OversizedOrMalformedFramesEndTheConnection) {
  Hello();
  Write(std::string("\xff\xff\xff\x7f\x02\x00", 6));
  bool eof = false;
  auto r = Replies(&eof);
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(kCodeUsage, r[0].GetInt(Tag::kCode));
  EXPECT_EQ("frame of 2147483647 bytes (the limit is 65536)", r[0].Get(Tag::kMessage));
  EXPECT_TRUE(eof);
  // Supervision goes on.
  EXPECT_EQ(Service::State::kStarting, sup_->Find("web")->state());
}

TEST_F(ControlServerTest, UnknownProgramsAndRequests) {
  Hello();
  Message s(MsgType::kStatus);
  s.Add(Tag::kName, "nope");
  Send(s);
  auto r = Replies();
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(kCodeNoSuchProgram, r[0].GetInt(Tag::kCode));
  EXPECT_EQ("no such program: nope", r[0].Get(Tag::kMessage));
  Send(Message(static_cast<MsgType>(4242)));
  bool eof = false;
  r = Replies(&eof);
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ("unexpected request: type 4242", r[0].Get(Tag::kMessage));
  EXPECT_TRUE(eof);
}

TEST_F(ControlServerTest, AClientThatShutsItsSendingSideStillGetsItsAnswer) {
  Hello();
  std::string req = Encode(Message(MsgType::kStatus));
  ASSERT_EQ(static_cast<ssize_t>(req.size()), write(client_, req.data(), req.size()));
  ASSERT_EQ(0, shutdown(client_, SHUT_WR));
  loop_.RunOnce();  // The request.
  Flush();          // Its end of file, and the answer.
  bool eof = false;
  auto r = Replies(&eof);
  ASSERT_EQ(3u, r.size());
  EXPECT_EQ(MsgType::kOk, r[2].type);
  EXPECT_TRUE(eof);
  EXPECT_EQ(0u, server_->connections());
}

TEST_F(ControlServerTest, StartWithWaitAnswersOnceRunning) {
  Hello();
  Message start(MsgType::kStart);
  start.Add(Tag::kName, "off").AddFlag(Tag::kWait);
  Send(start);
  EXPECT_TRUE(Replies().empty());
  EXPECT_EQ(Service::State::kStarting, sup_->Find("off")->state());
  Running("off");
  auto r = Replies();
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(MsgType::kOk, r[0].type);
}

TEST_F(ControlServerTest, StartWithWaitReportsAFailure) {
  Hello();
  Message start(MsgType::kStart);
  start.Add(Tag::kName, "off").AddFlag(Tag::kWait);
  Send(start);
  // Every try fails at once: BACKOFF, then FATAL once startretries are spent.
  Service* off = sup_->Find("off");
  for (int i = 0; i < 1000 && off->state() != Service::State::kFatal; ++i) {
    if (off->state() == Service::State::kStarting) {
      pid_t pid = static_cast<pid_t>(ops_.next_pid - 1);
      ops_.observers.back()->OnExecResult(pid, nullptr);
      reaper_.Dispatch(pid, 1 << 8);
    } else {
      EXPECT_TRUE(Replies().empty());  // Still waiting through BACKOFF.
      clock_.Advance(100);
    }
  }
  Flush();
  auto r = Replies();
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(MsgType::kError, r[0].type);
  EXPECT_EQ("off: FATAL (exited with status 1 within startsecs)", r[0].Get(Tag::kMessage));
}

TEST_F(ControlServerTest, HealthAndShutdown) {
  Hello();
  Send(Message(MsgType::kHealth));
  auto r = Replies();
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ("web: STARTING", r[0].Get(Tag::kMessage));
  Running("web");
  Send(Message(MsgType::kHealth));
  r = Replies();
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(MsgType::kOk, r[0].type);
  Send(Message(MsgType::kShutdown));
  EXPECT_EQ(1, shutdowns_);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 34: 100 `logs -f` clients that never read grew tend to 164 MB. Each one's
// queue is bounded, and one that reads nothing while it is full is disconnected.
TEST_F(ControlServerTest, AFollowerThatNeverReadsIsDisconnected) {
  server_->set_stalled_follower_ms(50);
  Hello();
  Message logs(MsgType::kLogs);
  logs.AddFlag(Tag::kFollow);
  Send(logs);
  const std::string line(1000, 'x');
  for (int i = 0; i < 2000; ++i) {  // 2 MB: more than the socket and the queue hold.
    server_->OnLine("web", 1, line, static_cast<uint64_t>(i));
    loop_.RunReady();
  }
  ASSERT_EQ(1u, server_->connections());
  for (int i = 0; i < 100 && server_->connections() > 0; ++i) loop_.RunOnce();
  EXPECT_EQ(0u, server_->connections());
}

// A follower that reads, however slowly, stays: lines are dropped, and it is told.
TEST_F(ControlServerTest, AFollowerThatReadsStaysAndIsToldOfDroppedLines) {
  server_->set_stalled_follower_ms(50);
  Hello();
  Message logs(MsgType::kLogs);
  logs.AddFlag(Tag::kFollow);
  Send(logs);
  const std::string line(1000, 'x');
  for (int i = 0; i < 2000; ++i) {
    server_->OnLine("web", 1, line, static_cast<uint64_t>(i));
    loop_.RunReady();
  }
  std::vector<Message> got;
  for (int i = 0; i < 200 && (got.empty() || got.back().Get(Tag::kName) != "tend"); ++i) {
    auto more = Replies();
    got.insert(got.end(), more.begin(), more.end());
    loop_.RunReady();
  }
  EXPECT_EQ(1u, server_->connections());
  ASSERT_FALSE(got.empty());
  EXPECT_EQ("tend", got.back().Get(Tag::kName));
  EXPECT_NE(std::string::npos, got.back().Get(Tag::kData).find("lines dropped: tendctl was too slow"));
  EXPECT_LT(got.size(), 2000u);
}

// From issue 34: 512 idle connections locked tendctl out. A new client takes the place
// of the connection idle the longest.
TEST_F(ControlServerTest, ANewClientTakesThePlaceOfTheIdlest) {
  std::vector<int> idle;
  for (size_t i = 0; i < kMaxConnections + 10; ++i) {
    int sv[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    server_->Serve(UniqueFd(sv[0]));
    idle.push_back(sv[1]);
  }
  EXPECT_EQ(kMaxConnections, server_->connections());
  char c;
  EXPECT_EQ(0, read(client_, &c, 1));  // The first client, idle the longest, was closed.
  int sv[2];
  ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  server_->Serve(UniqueFd(sv[0]));
  close(client_);
  client_ = sv[1];
  SetNonblock(client_);
  Hello();  // The newest is served.
  for (int fd : idle) close(fd);
}

}  // namespace
}  // namespace tend
