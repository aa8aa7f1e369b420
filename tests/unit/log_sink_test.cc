#include "log/log_sink.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "fakes/fake_clock.h"

namespace tend {
namespace {

// A program's pipe feeding a LogSource, and tend's stdout as a pipe the test reads.
class LogSinkTest : public testing::Test {
 protected:
  void SetUp() override {
    int p[2];
    ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
    prog_read_ = p[0];
    prog_write_ = p[1];
    ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
    out_read_ = p[0];
    out_write_ = p[1];
    SetNonblock(out_read_);
    output_ = std::make_unique<LogOutput>(&loop_, out_write_);
  }
  void TearDown() override {
    source_.reset();
    output_.reset();
    for (int fd : {prog_write_, out_read_, out_write_})
      if (fd >= 0) close(fd);
  }
  void MakeSource(LogSourceOptions o) {
    if (o.prefix.empty()) o.prefix = "web | ";
    if (o.cut_prefix.empty()) o.cut_prefix = "web + ";
    source_ = std::make_unique<LogSource>(&loop_, UniqueFd(prog_read_), output_.get(), o);
  }
  void Write(const std::string& s) {
    ASSERT_EQ(static_cast<ssize_t>(s.size()), write(prog_write_, s.data(), s.size()));
  }
  void CloseProgram() {
    close(prog_write_);
    prog_write_ = -1;
  }
  // Runs the loop (each round bounded by a short timer) until `cond` or 2000 rounds.
  bool RunUntil(const std::function<bool()>& cond) {
    auto tick = loop_.NewTimer([] {});
    for (int i = 0; i < 2000 && !cond(); ++i) {
      tick->Start(5);
      loop_.RunOnce();
    }
    return cond();
  }
  // Runs `rounds` rounds of the loop, each bounded by a short timer.
  void Spin(int rounds) {
    auto tick = loop_.NewTimer([] {});
    for (int i = 0; i < rounds; ++i) {
      tick->Start(1);
      loop_.RunOnce();
    }
  }
  std::string ReadOut() {
    char buf[65536];
    ssize_t n;
    while ((n = read(out_read_, buf, sizeof buf)) > 0) got_.append(buf, static_cast<size_t>(n));
    return got_;
  }

  EventLoop loop_;
  FakeClock clock_;  // For sources that take it; outlives them.
  int prog_read_ = -1, prog_write_ = -1, out_read_ = -1, out_write_ = -1;
  std::unique_ptr<LogOutput> output_;
  std::unique_ptr<LogSource> source_;
  std::string got_;
};

TEST_F(LogSinkTest, PrefixesWholeLinesAndFlushesTheLastAtEof) {
  MakeSource({});
  Write("GET / 200\n\nhalf");
  ASSERT_TRUE(RunUntil([&] { return ReadOut().size() >= 22; }));
  EXPECT_EQ("web | GET / 200\nweb | \n", ReadOut());
  Write(" done\nlast without newline");
  CloseProgram();
  ASSERT_TRUE(RunUntil([&] { return source_->eof(); }));
  // A line the program never finished is marked as cut.
  EXPECT_EQ("web | GET / 200\nweb | \nweb | half done\nweb + last without newline\n", ReadOut());
}

TEST_F(LogSinkTest, LongLinesAreCutWithAVisibleMark) {
  LogSourceOptions o;
  o.max_line = 4;
  MakeSource(o);
  Write("abcdefghij\n");
  CloseProgram();
  ASSERT_TRUE(RunUntil([&] { return source_->eof(); }));
  EXPECT_EQ("web | abcd\nweb + efgh\nweb + ij\n", ReadOut());
}

TEST_F(LogSinkTest, AnUnfinishedLineIsShownAfterAPause) {
  LogSourceOptions o;
  o.partial_flush_ms = 1;
  MakeSource(o);
  Write("password: ");
  ASSERT_TRUE(RunUntil([&] { return !ReadOut().empty(); }));
  EXPECT_EQ("web | password: \n", ReadOut());
  // The rest of that line, when it comes, is marked as its continuation.
  Write("secret\nnext\n");
  ASSERT_TRUE(RunUntil([&] { return ReadOut().size() >= 41; }));
  EXPECT_EQ("web | password: \nweb + secret\nweb | next\n", ReadOut());
}

TEST_F(LogSinkTest, ASlowReaderStopsTheProgramAndLosesNothing) {
  LogSourceOptions o;
  o.limit = 8192;
  MakeSource(o);
  SetNonblock(prog_write_);
  // Fill tend's stdout first, so that nothing gets through.
  std::string line(99, 'x');
  line += '\n';
  int written = 0;
  for (int rounds = 0; rounds < 200; ++rounds) {
    while (write(prog_write_, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      ++written;
    }
    Spin(2);
  }
  // Backpressure reached the program: its pipe is full and it cannot write.
  EXPECT_EQ(-1, write(prog_write_, line.data(), line.size()));
  EXPECT_EQ(EAGAIN, errno);
  // The reader comes back: every line arrives, whole and in order.
  CloseProgram();
  ASSERT_TRUE(RunUntil([&] {
    ReadOut();
    return source_->eof() && output_->queued() == 0;
  }));
  ReadOut();
  EXPECT_EQ(static_cast<size_t>(written) * (line.size() + 6), got_.size());
  EXPECT_EQ("web | " + line, got_.substr(0, line.size() + 6));
  EXPECT_EQ(0u, source_->dropped());
}

// Fills tend's stdout (the pipe the test reads), so that nothing more gets through;
// returns how many bytes it took.
size_t FillPipe(int fd) {
  SetNonblock(fd);
  std::string block(4096, '#');
  size_t n = 0;
  ssize_t w;
  while ((w = write(fd, block.data(), block.size())) > 0) n += static_cast<size_t>(w);
  return n;
}

// A held-back source is not being read: the program's silence means nothing, and the
// unfinished line it holds must wait for its end, however long the hold lasts.
TEST_F(LogSinkTest, AHeldBackSourceNeverFlushesHalfALine) {
  FakeClock& clock = clock_;
  LogSourceOptions o;
  o.limit = 4096;
  o.clock = &clock;
  MakeSource(o);
  const size_t filler = FillPipe(out_write_);
  std::string lines;
  for (int i = 0; i < 100; ++i) lines += std::string(95, 'a' + i % 26) + " " + std::to_string(1000 + i) + "\n";
  SetNonblock(prog_write_);
  ASSERT_EQ(static_cast<ssize_t>(lines.size()), write(prog_write_, lines.data(), lines.size()));
  ASSERT_TRUE(RunUntil([&] { return source_->held(); }));
  Spin(5);
  ASSERT_TRUE(source_->held());
  const size_t queued = output_->queued();
  // Long past the unfinished-line timeout: nothing is flushed.
  EXPECT_EQ(-1, clock.NextDueIn());
  clock.Advance(10000);
  Spin(2);
  EXPECT_EQ(queued, output_->queued());
  // The reader comes back: every line arrives whole, once, in order.
  CloseProgram();
  ASSERT_TRUE(RunUntil([&] {
    ReadOut();
    return source_->eof() && output_->queued() == 0;
  }));
  ReadOut();
  ASSERT_GE(got_.size(), filler);
  std::string want;
  for (int i = 0; i < 100; ++i) want += "web | " + std::string(95, 'a' + i % 26) + " " + std::to_string(1000 + i) + "\n";
  std::string got = got_.substr(filler);
  EXPECT_TRUE(want == got) << "first difference at byte "
                           << std::mismatch(want.begin(), want.end(), got.begin(), got.end()).first -
                                  want.begin();
}

// While held back, a source keeps at most `limit` bytes of the program's output (plus
// its prefixes) in tend; the rest stays in the program's pipe.
TEST_F(LogSinkTest, AHeldBackSourceKeepsNoMoreThanItsLimit) {
  LogSourceOptions o;
  o.limit = 8192;
  MakeSource(o);
  FillPipe(out_write_);
  SetNonblock(prog_write_);
  std::string line(94, 'z');
  line += '\n';
  int written = 0;
  for (int rounds = 0; rounds < 100; ++rounds) {
    while (write(prog_write_, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      ++written;
    }
    Spin(1);
  }
  ASSERT_TRUE(source_->held());
  // Each line of 95 bytes is queued with its 6-byte prefix.
  const size_t lines_max = o.limit / line.size() + 1;
  EXPECT_LE(output_->queued(), lines_max * (line.size() + 6)) << written << " lines written";
  EXPECT_GE(static_cast<size_t>(written), 3 * lines_max);  // Most are in the pipe.
}

// A regular file never holds a write back, so nothing read for it waits in tend: a
// source then reads a whole pipeful at once, whatever its limit (issue 42).
TEST_F(LogSinkTest, IntoAFileASourceReadsAPipefulAtOnce) {
  char path[] = "/tmp/tend-logsink-XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  output_ = std::make_unique<LogOutput>(&loop_, file);
  ASSERT_TRUE(output_->never_blocks());
  ASSERT_GE(fcntl(prog_write_, F_SETPIPE_SZ, 256 * 1024), 256 * 1024);
  LogSourceOptions o;
  o.limit = 4096;
  MakeSource(o);
  std::string line(99, 'f');
  line += '\n';
  std::string all;
  for (int i = 0; i < 2000; ++i) all += line;  // 200 KB: fifty times the limit.
  Write(all);
  Spin(1);  // One wake-up.
  struct stat st;
  ASSERT_EQ(0, fstat(file, &st));
  EXPECT_EQ(static_cast<off_t>(2000 * (line.size() + 6)), st.st_size);
  EXPECT_EQ(0u, output_->queued());
  close(file);
}

// tend's stdout may be a socket shared, blocking, with the programs (a journal stream):
// tend writes it with send(MSG_DONTWAIT) and never blocks, whatever the reader does.
// Found with the test above: OpenPrivate's mode was reset by the member's initializer,
// and a socket was written with write(), which blocks on a full one.
TEST_F(LogSinkTest, ASocketThatIsNotReadNeverBlocksTheOutput) {
  int sv[2];
  ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));  // Blocking.
  output_ = std::make_unique<LogOutput>(&loop_, sv[0]);
  auto credit = std::make_shared<LogCredit>();
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += std::string(1023, 'x') + "\n";
  alarm(10);  // A blocked write would hang the test: end it instead.
  for (int i = 0; i < 8; ++i) output_->Append(lines, credit);  // 8 MB, nobody reading.
  alarm(0);
  EXPECT_GT(output_->queued(), 0u);
  close(sv[0]);
  close(sv[1]);
}

TEST_F(LogSinkTest, DropModeCountsWhatItDiscards) {
  LogSourceOptions o;
  o.limit = 4096;
  o.drop = true;
  MakeSource(o);
  std::string line(99, 'y');
  line += '\n';
  // Fill the output pipe; then keep writing: the source reads on and drops.
  for (int i = 0; i < 3000; ++i) {
    Write(line);
    if (i % 100 == 0) Spin(3);
  }
  CloseProgram();
  ASSERT_TRUE(RunUntil([&] { return source_->eof(); }));
  EXPECT_GT(source_->dropped(), 0u);
  ASSERT_TRUE(RunUntil([&] {
    ReadOut();
    return output_->queued() == 0;
  }));
  ReadOut();
  EXPECT_NE(std::string::npos, got_.find("lines dropped: the log reader was too slow"))
      << got_.size();
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_F(LogSinkTest, TimestampsAreRfc3339UtcWithMilliseconds) {
  LogSourceOptions o;
  o.timestamps = true;
  MakeSource(o);
  time_t before = time(nullptr);
  Write("hello\n");
  ASSERT_TRUE(RunUntil([&] { return !ReadOut().empty(); }));
  std::string got = ReadOut();
  struct tm tm;
  gmtime_r(&before, &tm);
  char date[32];
  strftime(date, sizeof date, "%Y-%m-%dT%H:", &tm);
  ASSERT_EQ(37u, got.size()) << got;  // "2026-11-23T13:49:46.123Z web | hello\n"
  EXPECT_EQ(std::string(date), got.substr(0, 14)) << got;
  EXPECT_EQ('.', got[19]);
  EXPECT_EQ("Z web | hello\n", got.substr(23));
}

TEST(LogRingTest, KeepsTheLastLinesWithinItsSize) {
  LogRing ring(64);
  for (int i = 0; i < 20; ++i) ring.Add(i % 2 ? 2 : 1, "line " + std::to_string(i), 1000 + i);
  auto tail = ring.Tail(100);
  ASSERT_FALSE(tail.empty());
  EXPECT_EQ("line 19", tail.back().text);
  EXPECT_EQ(2, tail.back().stream);
  EXPECT_EQ(1019u, tail.back().seq);
  size_t bytes = 0;
  for (const auto& l : tail) bytes += l.text.size() + 14;
  EXPECT_LE(bytes, 64u);
  auto two = ring.Tail(2);
  ASSERT_EQ(2u, two.size());
  EXPECT_EQ("line 18", two[0].text);
  EXPECT_EQ(1, two[0].stream);
  LogRing none(0);
  none.Add(1, "x");
  EXPECT_TRUE(none.Tail(5).empty());
}

// An idle program's ring costs nothing; a chatty one's grows in steps to its capacity,
// and what it keeps is the same as if it had been reserved whole from the start.
TEST(LogRingTest, GrowsWithWhatItKeepsUpToItsCapacity) {
  const size_t cap = 64 * 1024;
  LogRing ring(cap);
  EXPECT_EQ(0u, ring.reserved());
  EXPECT_TRUE(ring.Tail(10).empty());
  ring.Add(1, "first", 1);
  EXPECT_EQ(1024u, ring.reserved());
  size_t last = ring.reserved(), steps = 0;
  const std::string text(100, 'x');
  for (int i = 2; i < 5000; ++i) {
    ring.Add(i % 3 ? 1 : 2, text + std::to_string(i), static_cast<uint64_t>(i));
    if (ring.reserved() != last) {
      EXPECT_GE(ring.reserved(), 2 * last > cap ? cap : 2 * last);
      last = ring.reserved();
      ++steps;
    }
    if (i == 200) {  // While it grows, as a reader attached now would see it.
      auto tail = ring.Tail(1000);
      ASSERT_EQ(200u, tail.size());
      EXPECT_EQ("first", tail.front().text);
      EXPECT_EQ(text + "200", tail.back().text);
      EXPECT_LT(ring.reserved(), cap);
    }
  }
  EXPECT_EQ(cap, ring.reserved());
  EXPECT_EQ(6u, steps);  // 1 KiB doubled to 64 KiB.
  auto tail = ring.Tail(100000);
  ASSERT_FALSE(tail.empty());
  EXPECT_EQ(text + "4999", tail.back().text);
  EXPECT_EQ(4999u, tail.back().seq);
  for (size_t k = 1; k < tail.size(); ++k) EXPECT_EQ(tail[k - 1].seq + 1, tail[k].seq);
  size_t bytes = 0;
  for (const auto& l : tail) bytes += l.text.size() + 14;
  EXPECT_LE(bytes, cap);
  EXPECT_GT(bytes, cap - 2 * (text.size() + 20));  // Full, less the line cut at the wrap.
}

TEST(LogRingTest, ClearForgetsEverythingAndGivesTheMemoryBack) {
  LogRing ring(4096);
  for (int i = 0; i < 100; ++i) ring.Add(1, "line " + std::to_string(i), static_cast<uint64_t>(i));
  ASSERT_FALSE(ring.Tail(10).empty());
  ring.Clear();
  EXPECT_TRUE(ring.Tail(10).empty());
  EXPECT_EQ(0u, ring.reserved());
  ring.Add(2, "after", 200);
  auto tail = ring.Tail(10);
  ASSERT_EQ(1u, tail.size());
  EXPECT_EQ("after", tail[0].text);
  EXPECT_EQ(200u, tail[0].seq);
}

// As supervisord's log file of one stream: the lines kept are the end of all it wrote.
TEST(LogRingTest, TextIsOneStreamsEndAndItsSize) {
  LogRing ring(1024);
  uint64_t size = 99;
  EXPECT_EQ("", ring.Text(1, &size));
  EXPECT_EQ(0u, size);
  ring.Add(1, "out1", 1);
  ring.Add(2, "err1", 2);
  ring.Add(1, "out2", 3);
  EXPECT_EQ("out1\nout2\n", ring.Text(1, &size));
  EXPECT_EQ(10u, size);
  EXPECT_EQ("err1\n", ring.Text(2, &size));
  EXPECT_EQ(5u, size);
  for (int i = 0; i < 100; ++i) ring.Add(1, std::string(99, 'x'), static_cast<uint64_t>(i + 4));
  const std::string text = ring.Text(1, &size);
  EXPECT_EQ(10u + 100 * 100, size);
  EXPECT_LT(text.size(), 1024u);
  EXPECT_EQ(std::string(99, 'x') + "\n", text.substr(text.size() - 100));
  EXPECT_EQ("", ring.Text(2, &size));  // Pushed out, but still counted.
  EXPECT_EQ(5u, size);
  ring.Clear();
  EXPECT_EQ("", ring.Text(1, &size));
  EXPECT_EQ(0u, size);
}

// A bounded read is the end of the whole text, whatever the bound, wrapped or not, with
// another stream between the lines.
TEST(LogRingTest, TextOfAtMostNBytesIsTheEndOfTheWholeText) {
  for (size_t cap : {size_t{0}, size_t{100}, size_t{4096}}) {
    LogRing ring(cap);
    for (int i = 0; i < 300; ++i) {
      ring.Add(i % 3 == 0 ? 2 : 1, "line " + std::to_string(i), static_cast<uint64_t>(i));
      uint64_t size = 0, size2 = 0;
      std::string whole;  // As the lines Tail gives read.
      for (const auto& l : ring.Tail(SIZE_MAX)) {
        if (l.stream == 1) whole += l.text + "\n";
      }
      ASSERT_EQ(whole, ring.Text(1, &size));
      for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{50}, whole.size(), size_t{100000}}) {
        const std::string end = ring.Text(1, &size2, n);
        ASSERT_EQ(size, size2);
        ASSERT_EQ(whole.substr(whole.size() - std::min(n, whole.size())), end)
            << "cap " << cap << ", line " << i << ", " << n << " bytes";
      }
    }
  }
}

// A log file that is not a regular file (/dev/null, a FIFO) is never rotated: renaming
// /dev/null would take it from the whole container.
TEST(LogOutputTest, OnlyARegularFileIsRotated) {
  char dir[] = "/tmp/tend-rotate-XXXXXX";
  ASSERT_NE(nullptr, mkdtemp(dir));
  const std::string fifo = std::string(dir) + "/fifo";
  ASSERT_EQ(0, mkfifo(fifo.c_str(), 0600));
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  {
    EventLoop loop;
    std::string err;
    LogOutput out(&loop, fifo, 10, 2, &err);
    ASSERT_TRUE(out.valid()) << err;
    out.Append("0123456789abcdef\n0123456789\n", std::make_shared<LogCredit>());
  }
  struct stat st;
  ASSERT_EQ(0, stat(fifo.c_str(), &st));
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_NE(0, access((fifo + ".1").c_str(), F_OK));
  char buf[64];
  EXPECT_EQ(28, read(reader, buf, sizeof buf));
  close(reader);
  unlink(fifo.c_str());
  rmdir(dir);
}

// Past its bound a stream's size starts again from what is kept, as after a rotation.
TEST(LogRingTest, AStreamsSizeStartsAgainPastItsBound) {
  LogRing ring(1024, 1000);
  uint64_t size = 0;
  for (int i = 0; i < 100; ++i) ring.Add(1, "123456789", static_cast<uint64_t>(i));
  ring.Text(1, &size);
  EXPECT_EQ(1000u, size);  // At the bound, not past it.
  ring.Add(2, "err", 100);
  ring.Add(1, "abcdefghi", 101);
  const std::string text = ring.Text(1, &size);
  EXPECT_LT(size, 1000u);
  EXPECT_GE(size, text.size());
  EXPECT_LE(size, text.size() + 20);  // The lines the new one pushed out of the ring.
  EXPECT_EQ("abcdefghi\n", text.substr(text.size() - 10));
  EXPECT_EQ("err\n", ring.Text(2, &size));
  EXPECT_EQ(4u, size);
}

TEST(LogRingTest, ALineLongerThanTheRingKeepsNothingWhole) {
  LogRing ring(4096);
  ring.Add(1, "short", 1);
  ring.Add(1, std::string(10000, 'y'), 2);
  EXPECT_EQ(4096u, ring.reserved());
  EXPECT_TRUE(ring.Tail(10).empty());  // Only its end fits: no line starts in the ring.
  ring.Add(2, "after", 3);
  auto tail = ring.Tail(10);
  ASSERT_EQ(1u, tail.size());
  EXPECT_EQ("after", tail[0].text);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

struct Lines : LineObserver {
  void OnLine(std::string_view line) override { seen.emplace_back(line); }
  std::vector<std::string> seen;
};

// What readiness by log: sees: whole lines, joined across reads, never an unfinished
// one; a line longer than log_max_line in its pieces.
TEST_F(LogSinkTest, ALineObserverSeesWholeLinesOnly) {
  LogSourceOptions o;
  o.max_line = 8;
  o.partial_flush_ms = 1;
  MakeSource(o);
  Lines lines;
  source_->SetLineObserver(&lines);
  Write("now list");
  ASSERT_TRUE(RunUntil([&] { return !ReadOut().empty(); }));  // Flushed as a prompt...
  EXPECT_TRUE(lines.seen.empty());                            // ...but not a line.
  Write("ening\nabcdefghijkl\n");
  ASSERT_TRUE(RunUntil([&] { return lines.seen.size() == 3; }));
  EXPECT_EQ((std::vector<std::string>{"ening", "abcdefgh", "ijkl"}), lines.seen);
  source_->SetLineObserver(nullptr);
  Write("more\n");
  ASSERT_TRUE(RunUntil([&] { return ReadOut().find("more") != std::string::npos; }));
  EXPECT_EQ(3u, lines.seen.size());
}

TEST_F(LogSinkTest, ALineSplitAcrossReadsIsSeenWhole) {
  MakeSource({});
  Lines lines;
  source_->SetLineObserver(&lines);
  Write("database system is ready to ");
  Spin(3);
  Write("accept connections\n");
  ASSERT_TRUE(RunUntil([&] { return !lines.seen.empty(); }));
  EXPECT_EQ((std::vector<std::string>{"database system is ready to accept connections"}),
            lines.seen);
}

}  // namespace
}  // namespace tend
