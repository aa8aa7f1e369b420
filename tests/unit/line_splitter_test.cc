#include "log/line_splitter.h"

#include <gtest/gtest.h>

#include <vector>

namespace tend {
namespace {

// Feeds `chunks` then flushes; returns the pieces, each with a mark of how it ended:
// "$" newline, "+" cut, "~" unterminated.
std::vector<std::string> Frame(const std::vector<std::string>& chunks, size_t max = 16) {
  LineSplitter s(max);
  std::vector<std::string> out;
  auto emit = [&](std::string_view piece, LineSplitter::End end) {
    const char* mark = end == LineSplitter::End::kNewline ? "$"
                       : end == LineSplitter::End::kCut   ? "+"
                                                          : "~";
    out.push_back(std::string(piece) + mark);
  };
  for (const auto& c : chunks) s.Feed(c, emit);
  s.Flush(emit);
  EXPECT_EQ(0u, s.pending());
  return out;
}

using V = std::vector<std::string>;

TEST(LineSplitterTest, WholeLinesInOneChunk) {
  EXPECT_EQ((V{"a$", "bc$", "def$"}), Frame({"a\nbc\ndef\n"}));
}

TEST(LineSplitterTest, EmptyLinesAreLines) {
  EXPECT_EQ((V{"$", "$", "x$", "$"}), Frame({"\n\nx\n\n"}));
}

TEST(LineSplitterTest, PartialLinesAcrossReads) {
  EXPECT_EQ((V{"hello world$", "second$"}), Frame({"hel", "lo wo", "rld\nsec", "ond\n"}));
  EXPECT_EQ((V{"ab$"}), Frame({"a", "b", "\n"}));
  EXPECT_EQ((V{"x$"}), Frame({"x", "\n", ""}));
}

TEST(LineSplitterTest, LastLineWithoutNewlineIsFlushed) {
  EXPECT_EQ((V{"one$", "prompt> ~"}), Frame({"one\nprompt> "}));
  EXPECT_EQ((V{}), Frame({""}));
}

TEST(LineSplitterTest, LongLinesAreCutInPiecesOfTheMaximum) {
  EXPECT_EQ((V{"abcd+", "efgh+", "ij$"}), Frame({"abcdefghij\n"}, 4));
  EXPECT_EQ((V{"abcd+", "efgh$"}), Frame({"abcdefgh\n"}, 4));  // Exactly two pieces.
  EXPECT_EQ((V{"abcd$"}), Frame({"abcd\n"}, 4));               // At the maximum: whole.
  // Across reads, with bytes buffered from before.
  EXPECT_EQ((V{"abcd+", "efgh+", "i~"}), Frame({"ab", "cdef", "ghi"}, 4));
}

TEST(LineSplitterTest, BytesPassUnchanged) {
  std::string bin("a\0b\r\n\xff\xfe\n", 8);
  EXPECT_EQ((V{std::string("a\0b\r$", 5), "\xff\xfe$"}), Frame({bin}));
}

TEST(LineSplitterTest, MegabyteLineArrivesWhole) {
  std::string big(1 << 20, 'x');
  auto pieces = Frame({big.substr(0, 1000), big.substr(1000), "\n"}, 16384);
  ASSERT_EQ(64u, pieces.size());
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(i + 1 < pieces.size() ? '+' : '$', pieces[i].back());
    joined += pieces[i].substr(0, pieces[i].size() - 1);
  }
  EXPECT_EQ(big, joined);
}

}  // namespace
}  // namespace tend
