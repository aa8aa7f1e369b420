#include "core/event_listener.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tend {
namespace {

using Kind = ListenerChannel::Outcome::Kind;
using State = ListenerChannel::State;

std::vector<Kind> Kinds(const std::vector<ListenerChannel::Outcome>& out) {
  std::vector<Kind> k;
  for (const auto& o : out) k.push_back(o.kind);
  return k;
}

TEST(EventNamesTest, GroupsCoverTheirTypes) {
  EXPECT_TRUE(KnownEventName("PROCESS_STATE_FATAL"));
  EXPECT_TRUE(KnownEventName("EVENT"));
  EXPECT_TRUE(KnownEventName("TICK_60"));
  EXPECT_FALSE(KnownEventName("TICK_10"));
  EXPECT_FALSE(KnownEventName("process_state"));
  EXPECT_TRUE(EventCovers("PROCESS_STATE", "PROCESS_STATE_EXITED"));
  EXPECT_TRUE(EventCovers("EVENT", "TICK_5"));
  EXPECT_TRUE(EventCovers("TICK_60", "TICK_60"));
  EXPECT_FALSE(EventCovers("TICK_60", "TICK_5"));
  EXPECT_FALSE(EventCovers("PROCESS_STATE", "PROCESS_LOG_STDOUT"));
  EXPECT_FALSE(EventCovers("PROCESS_STATE_FATAL", "PROCESS_STATE"));
}

// events.py's payloads, field for field.
TEST(EventPayloadTest, AsSupervisordRendersThem) {
  EXPECT_EQ("processname:web groupname:web from_state:STOPPED tries:0",
            ProcessStatePayload("STARTING", "web", "web", "STOPPED", 0, 0, true));
  EXPECT_EQ("processname:web groupname:web from_state:STARTING pid:12",
            ProcessStatePayload("RUNNING", "web", "web", "STARTING", 12, 0, true));
  EXPECT_EQ("processname:a groupname:pair from_state:RUNNING expected:0 pid:12",
            ProcessStatePayload("EXITED", "a", "pair", "RUNNING", 12, 0, false));
  EXPECT_EQ("processname:web groupname:web from_state:BACKOFF",
            ProcessStatePayload("FATAL", "web", "web", "BACKOFF", 0, 3, false));
  EXPECT_EQ("processname:web groupname:web from_state:STARTING tries:2",
            ProcessStatePayload("BACKOFF", "web", "web", "STARTING", 0, 2, false));
  EXPECT_EQ("processname:web groupname:web pid:7 channel:stderr\noops",
            ProcessLogPayload("web", "web", 7, true, "oops"));
  // Python's repr of the bytes when they are not UTF-8, as supervisord sends them.
  EXPECT_EQ("processname:w groupname:w pid:1 channel:stdout\nUndecodable: b'caf\\xe9\\n\\\\'",
            ProcessLogPayload("w", "w", 1, false, "caf\xe9\n\\"));
  EXPECT_EQ("processname:w groupname:w pid:1 channel:stdout\nUndecodable: b\"it's \\xff\"",
            ProcessLogPayload("w", "w", 1, false, "it's \xff"));
}

TEST(EventEnvelopeTest, HeaderThenPayloadWithItsLengthInCharacters) {
  ListenerEvent e{"TICK_60", "when:1700000000", 4};
  EXPECT_EQ("ver:3.0 server:supervisor serial:4 pool:ticker poolserial:0 eventname:TICK_60 "
            "len:15\nwhen:1700000000",
            EventEnvelope(e, "ticker", 0));
  ListenerEvent u{"PROCESS_LOG_STDOUT", "caf\xc3\xa9", 0};
  EXPECT_NE(std::string::npos, EventEnvelope(u, "p", 1).find(" len:4\n"));
}

TEST(ListenerChannelTest, ReadyEventResultReady) {
  ListenerChannel c;
  std::vector<ListenerChannel::Outcome> out;
  c.Feed("REA", &out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(State::kAcknowledged, c.state());
  c.Feed("DY\n", &out);
  EXPECT_EQ(std::vector<Kind>{Kind::kReady}, Kinds(out));
  EXPECT_EQ(State::kReady, c.state());
  c.Sent();
  EXPECT_EQ(State::kBusy, c.state());
  out.clear();
  // The result, and the next READY, in pieces and together.
  c.Feed("RESULT 2\nO", &out);
  EXPECT_TRUE(out.empty());
  c.Feed("KREADY\n", &out);
  EXPECT_EQ((std::vector<Kind>{Kind::kAccepted, Kind::kReady}), Kinds(out));
  EXPECT_EQ(State::kReady, c.state());
}

TEST(ListenerChannelTest, AnythingButOkRejectsTheEvent) {
  ListenerChannel c;
  std::vector<ListenerChannel::Outcome> out;
  c.Feed("READY\n", &out);
  c.Sent();
  c.Feed("RESULT 4\nFAIL", &out);
  ASSERT_EQ(2u, out.size());
  EXPECT_EQ(Kind::kRejected, out[1].kind);
  EXPECT_EQ("FAIL", out[1].detail);
  EXPECT_EQ(State::kAcknowledged, c.state());
}

TEST(ListenerChannelTest, WhatTheProtocolDoesNotAllowBreaksIt) {
  for (const char* bad : {"hello\n", "READY\nextra", "READY\n"}) {
    ListenerChannel c;
    std::vector<ListenerChannel::Outcome> out;
    c.Feed(bad, &out);
    if (std::string(bad) == "READY\n") {
      c.Sent();
      c.Feed("RESULT x\n", &out);
    }
    ASSERT_FALSE(out.empty()) << bad;
    EXPECT_EQ(Kind::kBroken, out.back().kind) << bad;
    EXPECT_EQ(State::kUnknown, c.state()) << bad;
    out.clear();
    c.Feed("READY\n", &out);  // No way back but a restart.
    EXPECT_TRUE(out.empty());
    c.Reset();
    c.Feed("READY\n", &out);
    EXPECT_EQ(std::vector<Kind>{Kind::kReady}, Kinds(out));
  }
}

TEST(EventBufferTest, OldestDroppedRejectedFirstAgainSerialsKept) {
  EventBuffer b(2);
  ListenerEvent dropped;
  EXPECT_FALSE(b.Add({"TICK_5", "when:1", 0}, &dropped));
  EXPECT_FALSE(b.Add({"TICK_5", "when:2", 1}, &dropped));
  EXPECT_TRUE(b.Add({"TICK_5", "when:3", 2}, &dropped));
  EXPECT_EQ("when:1", dropped.payload);
  uint64_t pool_serial = 0;
  ListenerEvent e = b.Take(&pool_serial);
  EXPECT_EQ("when:2", e.payload);
  EXPECT_EQ(1u, pool_serial);
  EXPECT_FALSE(b.PutBack(e, pool_serial, &dropped));  // Rejected: first again.
  EXPECT_EQ(2u, b.size());
  e = b.Take(&pool_serial);
  EXPECT_EQ("when:2", e.payload);
  EXPECT_EQ(1u, pool_serial);
  e = b.Take(&pool_serial);
  EXPECT_EQ("when:3", e.payload);
  EXPECT_EQ(2u, pool_serial);
  EXPECT_TRUE(b.empty());
}

// tend's shortcuts become supervisord's stops, which listeners count on.
TEST(ListenerStatesTest, AsSupervisordGoesThroughThem) {
  using V = std::vector<std::string>;
  EXPECT_EQ(V({"STARTING"}), ListenerStates("STOPPED", "STARTING"));
  EXPECT_EQ(V({"RUNNING"}), ListenerStates("STARTING", "RUNNING"));
  // Up, ended, started again at once: EXITED in between.
  EXPECT_EQ(V({"EXITED", "STARTING"}), ListenerStates("RUNNING", "STARTING"));
  // Up for less than a second: tend pauses in BACKOFF, supervisord says EXITED.
  EXPECT_EQ(V({"EXITED"}), ListenerStates("RUNNING", "BACKOFF"));
  EXPECT_EQ(V({"STARTING"}), ListenerStates("EXITED", "STARTING"));
  EXPECT_EQ(V(), ListenerStates("EXITED", "BACKOFF"));
  // Given up at once: BACKOFF first.
  EXPECT_EQ(V({"BACKOFF", "FATAL"}), ListenerStates("STARTING", "FATAL"));
  EXPECT_EQ(V({"FATAL"}), ListenerStates("BACKOFF", "FATAL"));
  EXPECT_EQ(V({"STOPPING"}), ListenerStates("RUNNING", "STOPPING"));
  EXPECT_EQ(V({"STOPPED"}), ListenerStates("STOPPING", "STOPPED"));
  // Stopped for its health, started again: STOPPED in between.
  EXPECT_EQ(V({"STOPPED", "STARTING"}), ListenerStates("STOPPING", "STARTING"));
  EXPECT_EQ(V({"STOPPED", "BACKOFF"}), ListenerStates("STOPPING", "BACKOFF"));
  EXPECT_EQ(V({"STOPPED"}), ListenerStates("STOPPING", "EXITED"));
}

}  // namespace
}  // namespace tend
