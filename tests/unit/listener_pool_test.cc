#include "core/listener_pool.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "base/event_loop.h"

namespace tend {
namespace {

// One listener's two pipes, seen from the listener's side: what tend wrote on its
// stdin, and its stdout to write on.
struct FakeListener {
  UniqueFd stdin_read, stdout_write;

  void Attach(ListenerPools* pools, const ProgramConfig& c) {
    int in[2], out[2];
    ASSERT_EQ(0, pipe2(in, O_CLOEXEC | O_NONBLOCK));
    ASSERT_EQ(0, pipe2(out, O_CLOEXEC | O_NONBLOCK));
    stdin_read.Reset(in[0]);
    stdout_write.Reset(out[1]);
    pools->Started(c, UniqueFd(in[1]));
    pools->Output(c.name, UniqueFd(out[0]));
    pools->SetRunning(c.name, true);
  }
  void Say(const std::string& s) {
    ASSERT_EQ(static_cast<ssize_t>(s.size()), write(stdout_write.get(), s.data(), s.size()));
  }
  // Everything tend wrote so far.
  std::string Heard() {
    std::string all;
    char buf[4096];
    ssize_t n;
    while ((n = read(stdin_read.get(), buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
    return all;
  }
};

ProgramConfig Listener(const std::string& name, std::vector<std::string> events, int buffer = 10) {
  ProgramConfig c;
  c.name = c.program_name = c.group = name;
  c.listener = true;
  c.events = std::move(events);
  c.buffer_size = buffer;
  return c;
}

class ListenerPoolsTest : public testing::Test {
 protected:
  ListenerPoolsTest() : pools_(&loop_, [this] { return wall_ms_ + loop_.NowMs() - start_ms_; }) {}
  EventLoop loop_;
  int64_t wall_ms_ = 1000000;
  int64_t start_ms_ = loop_.NowMs();
  ListenerPools pools_;
};

TEST_F(ListenerPoolsTest, HeldUntilReadyRejectedSentAgainFirst) {
  ProgramConfig c = Listener("rec", {"PROCESS_STATE"});
  pools_.Configure({c});
  FakeListener l;
  l.Attach(&pools_, c);
  pools_.Publish("PROCESS_STATE_RUNNING", "a");
  pools_.Publish("TICK_5", "when:5");  // Not subscribed: no serial either.
  pools_.Publish("PROCESS_STATE_STOPPED", "bc");
  loop_.RunReady();
  EXPECT_EQ("", l.Heard());
  l.Say("READY\n");
  loop_.RunReady();
  EXPECT_EQ("ver:3.0 server:supervisor serial:0 pool:rec poolserial:0 "
            "eventname:PROCESS_STATE_RUNNING len:1\na",
            l.Heard());
  EXPECT_EQ("BUSY", pools_.ChannelState("rec"));
  l.Say("RESULT 4\nFAILREADY\n");
  loop_.RunReady();
  EXPECT_EQ("ver:3.0 server:supervisor serial:0 pool:rec poolserial:0 "
            "eventname:PROCESS_STATE_RUNNING len:1\na",
            l.Heard());
  l.Say("RESULT 2\nOKREADY\n");
  loop_.RunReady();
  EXPECT_EQ("ver:3.0 server:supervisor serial:1 pool:rec poolserial:1 "
            "eventname:PROCESS_STATE_STOPPED len:2\nbc",
            l.Heard());
}

TEST_F(ListenerPoolsTest, FullBufferDropsTheOldest) {
  ProgramConfig c = Listener("rec", {"EVENT"}, 2);
  pools_.Configure({c});
  for (const char* p : {"1", "2", "3"}) pools_.Publish("PROCESS_STATE_RUNNING", p);
  FakeListener l;
  l.Attach(&pools_, c);
  l.Say("READY\n");
  loop_.RunReady();
  EXPECT_EQ("ver:3.0 server:supervisor serial:1 pool:rec poolserial:1 "
            "eventname:PROCESS_STATE_RUNNING len:1\n2",
            l.Heard());
}

// A listener that dies before its answer: its event goes to the next one.
TEST_F(ListenerPoolsTest, AnEndedListenersEventGoesBack) {
  ProgramConfig c = Listener("rec", {"EVENT"});
  pools_.Configure({c});
  FakeListener first;
  first.Attach(&pools_, c);
  first.Say("READY\n");
  loop_.RunReady();
  pools_.Publish("SUPERVISOR_STATE_CHANGE_RUNNING", "");
  EXPECT_EQ("ver:3.0 server:supervisor serial:0 pool:rec poolserial:0 "
            "eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n",
            first.Heard());
  pools_.Ended("rec");
  FakeListener second;
  second.Attach(&pools_, c);
  second.Say("READY\n");
  loop_.RunReady();
  EXPECT_EQ("ver:3.0 server:supervisor serial:0 pool:rec poolserial:0 "
            "eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n",
            second.Heard());
}

// An answer written just before the exit counts: the event is not sent again.
TEST_F(ListenerPoolsTest, TheLastAnswerBeforeTheExitCounts) {
  ProgramConfig c = Listener("rec", {"EVENT"});
  pools_.Configure({c});
  FakeListener first;
  first.Attach(&pools_, c);
  first.Say("READY\n");
  loop_.RunReady();
  pools_.Publish("PROCESS_STATE_RUNNING", "a");
  EXPECT_NE("", first.Heard());
  first.Say("RESULT 2\nOK");
  pools_.Ended("rec");  // Reaped before its stdout was read.
  FakeListener second;
  second.Attach(&pools_, c);
  second.Say("READY\n");
  loop_.RunReady();
  EXPECT_EQ("", second.Heard());
}

// As supervisord: events wait while the listener is not RUNNING (before startsecs, while
// it stops).
TEST_F(ListenerPoolsTest, OnlyARunningListenerIsSentEvents) {
  ProgramConfig c = Listener("rec", {"EVENT"});
  pools_.Configure({c});
  FakeListener l;
  l.Attach(&pools_, c);
  pools_.SetRunning("rec", false);
  l.Say("READY\n");
  pools_.Publish("PROCESS_STATE_RUNNING", "a");
  loop_.RunReady();
  EXPECT_EQ("", l.Heard());
  pools_.SetRunning("rec", true);
  EXPECT_EQ("ver:3.0 server:supervisor serial:0 pool:rec poolserial:0 "
            "eventname:PROCESS_STATE_RUNNING len:1\na",
            l.Heard());
}

// A listener that writes what the protocol does not allow gets nothing more.
TEST_F(ListenerPoolsTest, ABrokenListenerGetsNoMore) {
  ProgramConfig c = Listener("rec", {"EVENT"});
  pools_.Configure({c});
  FakeListener l;
  l.Attach(&pools_, c);
  l.Say("hello\n");
  loop_.RunReady();
  EXPECT_EQ("UNKNOWN", pools_.ChannelState("rec"));
  pools_.Publish("PROCESS_STATE_RUNNING", "a");
  loop_.RunReady();
  EXPECT_EQ("", l.Heard());
}

// An event larger than the pipe holds is written as the listener reads, never blocking.
TEST_F(ListenerPoolsTest, ALargeEventIsWrittenAsThePipeTakesIt) {
  ProgramConfig c = Listener("rec", {"EVENT"});
  pools_.Configure({c});
  FakeListener l;
  l.Attach(&pools_, c);
  const std::string big(300 * 1024, 'x');
  pools_.Publish("PROCESS_STATE_RUNNING", big);
  l.Say("READY\n");
  std::string heard;
  for (int i = 0; i < 1000 && heard.size() < big.size(); ++i) {
    loop_.RunReady();
    heard += l.Heard();
  }
  const std::string header = "ver:3.0 server:supervisor serial:0 pool:rec poolserial:0 "
                             "eventname:PROCESS_STATE_RUNNING len:307200\n";
  EXPECT_EQ(header + big, heard);
}

// TICK_60 at the turn of the minute of the time of day, with its start in seconds; no
// timer at all while no pool wants ticks.
TEST_F(ListenerPoolsTest, TickAtTheTurnOfThePeriod) {
  wall_ms_ = 60 * 60000 - 30;  // 30 ms before a minute's turn.
  ProgramConfig c = Listener("cron", {"TICK_60"});
  pools_.Configure({c});
  FakeListener l;
  l.Attach(&pools_, c);
  l.Say("READY\n");
  std::string heard;
  for (int i = 0; i < 100 && heard.empty(); ++i) {
    loop_.RunOnce();
    heard = l.Heard();
  }
  EXPECT_EQ("ver:3.0 server:supervisor serial:0 pool:cron poolserial:0 eventname:TICK_60 "
            "len:9\nwhen:3600",
            heard);
  EXPECT_TRUE(pools_.Wants("TICK_60"));
  pools_.Configure({});
  EXPECT_FALSE(pools_.Wants("TICK_60"));
}

}  // namespace
}  // namespace tend
