#include "control/protocol.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

Message Sample() {
  Message m(MsgType::kStart);
  m.Add(Tag::kName, "web")
      .Add(Tag::kName, "worker_01")
      .AddInt(Tag::kTimeoutMs, -5)
      .AddFlag(Tag::kWait);
  return m;
}

TEST(ProtocolTest, RoundTripsByteByByte) {
  std::string bytes = Encode(Sample());
  FrameReader r(kMaxRequestBytes);
  Message got;
  std::string err;
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    r.Feed(&bytes[i], 1);
    ASSERT_EQ(FrameReader::Result::kNeedMore, r.Next(&got, &err)) << i;
  }
  r.Feed(&bytes.back(), 1);
  ASSERT_EQ(FrameReader::Result::kFrame, r.Next(&got, &err)) << err;
  EXPECT_EQ(MsgType::kStart, got.type);
  EXPECT_EQ((std::vector<std::string>{"web", "worker_01"}), got.GetAll(Tag::kName));
  EXPECT_EQ(-5, got.GetInt(Tag::kTimeoutMs));
  EXPECT_TRUE(got.Has(Tag::kWait));
  EXPECT_FALSE(got.Has(Tag::kAll));
  EXPECT_EQ(0u, r.pending());
}

TEST(ProtocolTest, ReadsSeveralFramesFromOneChunk) {
  std::string bytes = Encode(Sample()) + Encode(Message(MsgType::kHealth));
  FrameReader r(kMaxRequestBytes);
  r.Feed(bytes.data(), bytes.size());
  Message m;
  std::string err;
  ASSERT_EQ(FrameReader::Result::kFrame, r.Next(&m, &err));
  EXPECT_EQ(MsgType::kStart, m.type);
  ASSERT_EQ(FrameReader::Result::kFrame, r.Next(&m, &err));
  EXPECT_EQ(MsgType::kHealth, m.type);
  EXPECT_TRUE(m.fields.empty());
  EXPECT_EQ(FrameReader::Result::kNeedMore, r.Next(&m, &err));
}

TEST(ProtocolTest, TheWireFormatIsLittleEndianLengthTypeAndFields) {
  Message m(MsgType::kStatus);
  m.Add(Tag::kName, "ab");
  // size 10 = type 2 + tag 2 + length 4 + "ab"; type 2; tag 4; length 2.
  EXPECT_EQ(std::string("\x0a\0\0\0\x02\0\x04\0\x02\0\0\0ab", 14), Encode(m));
}

TEST(ProtocolTest, UnknownTagsAndTypesPassThrough) {
  Message m(static_cast<MsgType>(777));
  m.Add(static_cast<Tag>(999), "future").Add(Tag::kName, "web");
  FrameReader r(kMaxRequestBytes);
  std::string bytes = Encode(m), err;
  r.Feed(bytes.data(), bytes.size());
  Message got;
  ASSERT_EQ(FrameReader::Result::kFrame, r.Next(&got, &err));
  EXPECT_EQ("web", got.Get(Tag::kName));
  EXPECT_EQ("type 777", TypeName(got.type));
  EXPECT_EQ("STATUS", TypeName(MsgType::kStatus));
}

TEST(ProtocolTest, OversizedFramesAreRefusedBeforeTheyArrive) {
  FrameReader r(kMaxRequestBytes);
  const char header[] = {1, 0, 1, 0};  // 65537 bytes: one over the limit.
  r.Feed(header, 4);
  Message m;
  std::string err;
  EXPECT_EQ(FrameReader::Result::kError, r.Next(&m, &err));
  EXPECT_EQ("frame of 65537 bytes (the limit is 65536)", err);
}

TEST(ProtocolTest, MalformedFramesAreErrors) {
  Message m;
  std::string err;
  {
    FrameReader r(kMaxRequestBytes);
    const char tiny[] = {1, 0, 0, 0, 7};  // Too small to hold a type.
    r.Feed(tiny, sizeof tiny);
    EXPECT_EQ(FrameReader::Result::kError, r.Next(&m, &err));
    EXPECT_EQ("malformed frame (no type)", err);
  }
  {
    FrameReader r(kMaxRequestBytes);
    // A field that claims 100 bytes in a 9-byte body.
    const char overrun[] = {9, 0, 0, 0, 2, 0, 4, 0, 100, 0, 0, 0, 'x'};
    r.Feed(overrun, sizeof overrun);
    EXPECT_EQ(FrameReader::Result::kError, r.Next(&m, &err));
    EXPECT_EQ("malformed STATUS frame (a field overruns it)", err);
  }
  {
    FrameReader r(kMaxRequestBytes);
    const char partial_field[] = {5, 0, 0, 0, 2, 0, 4, 0, 1};  // Half a field header.
    r.Feed(partial_field, sizeof partial_field);
    EXPECT_EQ(FrameReader::Result::kError, r.Next(&m, &err));
  }
}

TEST(ProtocolTest, IntegersOfAnotherWidthFallBack) {
  Message m(MsgType::kLogs);
  m.Add(Tag::kLines, "12");
  EXPECT_EQ(100, m.GetInt(Tag::kLines, 100));
  m.AddInt(Tag::kGroup, 4).AddInt(Tag::kGroup, 27).Add(Tag::kGroup, "x");
  EXPECT_EQ((std::vector<int64_t>{4, 27}), m.GetAllInts(Tag::kGroup));
}

}  // namespace
}  // namespace tend
