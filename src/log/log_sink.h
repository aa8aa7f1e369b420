// The log pipeline's two halves: LogOutput writes whole lines to one of tend's streams
// without ever blocking, LogSource turns one program pipe into prefixed lines for it.
//
// Backpressure: every LogSource owns a credit, the bytes it has queued in its LogOutput
// and not yet written. Past `limit` the source stops reading its pipe, so the program
// blocks on its own write and nothing is lost (or, with drop, it reads on and counts
// the lines it discards). Reaping, restarts and signals never wait for a log reader.
#ifndef TEND_LOG_SINK_H_
#define TEND_LOG_SINK_H_

#include <stdint.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/sys.h"
#include "log/line_splitter.h"

namespace tend {

/// Bytes a source has queued and not yet written; shared by the source and the queue.
struct LogCredit {
  size_t queued = 0;
  std::function<void()> on_drained;  ///< Called when queued falls to or below `resume_at`.
  size_t resume_at = 0;
};

/// The recent output of one program, for `tendctl logs`: at most `capacity` bytes,
/// oldest lines forgotten first. The memory follows what was kept: nothing until the
/// first line, then growing by doubling up to `capacity` (an idle program costs
/// nothing); once full, no allocation per line.
class LogRing {
 public:
  /// `max_stream_bytes`: where a stream's size starts again (Text); tests make it small.
  explicit LogRing(size_t capacity, uint64_t max_stream_bytes = kMaxStreamBytes)
      : cap_(capacity), max_stream_bytes_(max_stream_bytes) {}
  /// Bytes reserved now (at most `capacity`).
  size_t reserved() const { return buf_.size(); }
  /// Keeps `line` (without its newline) from the program's stream 1 or 2, numbered
  /// `seq` (the order of lines among all programs).
  void Add(int stream, std::string_view line, uint64_t seq = 0);
  struct Line {
    int stream;
    uint64_t seq;
    std::string text;
  };
  /// The last `n` whole lines kept, oldest first; the cost is what they hold, not the
  /// ring's size (the status page asks every two seconds).
  std::vector<Line> Tail(size_t n) const;
  /// Stream 1 or 2 as a log file reads (supervisord's readProcessStdoutLog): the lines
  /// kept, each with its newline, oldest first, or only their last `max_bytes` (the cost
  /// is what is read back to find them); `*size` is what the stream wrote since
  /// the ring was made or cleared, the file's size, of which the text is the end. Past
  /// max_stream_bytes it starts again from what is kept, as a rotated file's would: the
  /// offsets of supervisord's clients are 32-bit.
  std::string Text(int stream, uint64_t* size, size_t max_bytes = SIZE_MAX) const;
  static constexpr uint64_t kMaxStreamBytes = 0x7fffffff;
  /// Forgets every line kept, and gives back the memory.
  void Clear();

 private:
  /// The kept byte `i` of the min(written_, size) kept, oldest first.
  char At(size_t i) const;
  /// Calls `each(start, nl)` for the whole lines kept, newest first (`start` its head's
  /// first byte, `nl` its newline, as indexes for At), while it returns true.
  template <typename F>
  void EachLineBack(F each) const;
  void Put(const char* p, size_t n);
  void Grow(size_t need);
  size_t cap_;
  uint64_t max_stream_bytes_;
  std::vector<char> buf_;  // Until it reaches cap_, nothing wrapped: pos_ == written_.
  size_t written_ = 0;  // Bytes ever written.
  size_t pos_ = 0;      // Where the next byte goes: written_ % size.
  uint64_t stream_bytes_[2] = {0, 0};  // Text and newlines added, per stream.
};

class LogOutput {
 public:
  /// Writes to a private, non-blocking descriptor for `fd` (see OpenPrivate).
  LogOutput(EventLoop* loop, int fd);
  /// Writes to the file `path` (appending, created 0644), rotated supervisord's way when
  /// it reaches `max_bytes` (0: never): path.1 ... path.`backups`. `err` is set when the
  /// file cannot be opened (valid() is then false).
  LogOutput(EventLoop* loop, const std::string& path, int64_t max_bytes, int backups,
            std::string* err);
  ~LogOutput();
  bool valid() const { return fd_.valid(); }

  /// Queues `lines` (whole lines, each ending in '\n'), charged to `credit`.
  void Append(std::string lines, const std::shared_ptr<LogCredit>& credit);
  size_t queued() const { return queued_; }
  /// Whether a write never waits for a reader (a regular file): nothing read for it is
  /// held back, so its sources may read a whole pipeful at once.
  bool never_blocks() const { return mode_ == Mode::kFile || !path_.empty(); }
  /// At exit: writes what is queued, waiting up to `deadline_ms` for a slow reader.
  void FlushBlocking(int deadline_ms);

  /// A descriptor for `fd` whose O_NONBLOCK is tend's own: /proc/self/fd/N opened
  /// anew (pipes, FIFOs, terminals); a dup for a regular file (kFile), which never blocks
  /// on a reader; a dup written with send(MSG_DONTWAIT) for a socket; else a dup written
  /// only after poll says there is room.
  enum class Mode { kPrivate, kFile, kSocket, kPoll };
  static UniqueFd OpenPrivate(int fd, Mode* mode);

 private:
  struct Chunk {
    std::string data;
    size_t offset;
    std::shared_ptr<LogCredit> credit;
  };
  void OnWritable();
  /// Writes what it can now; returns false on an error other than EAGAIN.
  bool WriteSome();
  ssize_t WriteOnce(const char* p, size_t n);

  void Rotate();
  void AppendToFile(std::string_view lines);

  // Before fd_, which OpenPrivate sets it while making: declared after, its initializer
  // would then put kPrivate back (sockets were written with write(), which can block).
  Mode mode_ = Mode::kPrivate;
  UniqueFd fd_;
  std::deque<Chunk> queue_;
  std::vector<std::shared_ptr<LogCredit>> drained_;
  size_t queued_ = 0;
  IoWatcher watcher_;
  uint64_t errors_ = 0;
  // Rotation, for a file of our own.
  std::string path_;
  int64_t max_bytes_ = 0;
  int backups_ = 0;
  int64_t size_ = 0;
};

/// Told of programs' output as it is read: tendctl logs -f and attach.
class LogTap {
 public:
  virtual ~LogTap() = default;
  /// Bytes as read from a program's pipe or terminal, before any splitting.
  virtual void OnBytes(const std::string& name, int stream, std::string_view bytes) = 0;
  /// One line (or piece of a cut line) without its newline, as the ring keeps it.
  virtual void OnLine(const std::string& name, int stream, std::string_view line, uint64_t seq) = 0;
};

/// Told of each line a source reads (readiness by log: waits for one).
class LineObserver {
 public:
  virtual ~LineObserver() = default;
  /// One whole line, or one piece of a line longer than log_max_line, without its
  /// newline (nor a terminal's '\r'). Never an unfinished line.
  virtual void OnLine(std::string_view line) = 0;
};

/// Numbers a line in the order of all programs' lines (never 0).
uint64_t NextLineSeq();

struct LogSourceOptions {
  std::string prefix;              ///< Put before every line ("web    | ").
  std::string cut_prefix;          ///< Before the continuation pieces of a cut line.
  size_t max_line = 16 * 1024;     ///< log_max_line.
  size_t limit = 64 * 1024;        ///< Queued bytes past which reading stops (or drops).
  bool drop = false;               ///< log_overflow = drop.
  int64_t partial_flush_ms = 200;  ///< A line left unfinished this long is shown.
  std::string name;                ///< For the "N lines dropped" notice.
  bool timestamps = false;         ///< An RFC 3339 UTC time before each line.
  LogRing* ring = nullptr;         ///< Where recent lines are kept too (may be null).
  int stream = 1;                  ///< The program's stream, for the ring.
  LogTap* const* tap = nullptr;    ///< Where the current tap is, if any (it may change).
  bool strip_cr = false;           ///< Drop a '\r' before the newline (a terminal's).
  Clock* clock = nullptr;          ///< For the unfinished-line timer; null: the loop.
};

/// One program pipe turned into prefixed lines.
///
/// Memory: with log_overflow = block, a source reads no more of its pipe than brings the
/// bytes it has queued up to `limit`, so at most `limit` bytes of the program's output
/// (each line's prefix and timestamp on top) wait in tend, plus one unfinished line of
/// at most `max_line`; the rest waits in the program's pipe. Only at the program's exit
/// (DrainNow) is its pipe read to the end regardless.
///
/// The unfinished-line timer runs only while the source is read: a line held back with
/// its pipe is never flushed in halves.
class LogSource {
 public:
  /// Reads `fd` (non-blocking) until EOF, writing prefixed lines to `out`.
  LogSource(EventLoop* loop, UniqueFd fd, LogOutput* out, LogSourceOptions options);
  ~LogSource();

  /// Reads everything available now, and at EOF flushes the unfinished line: called
  /// when the program is reaped, so its last lines come before the "exited" message.
  void DrainNow();
  bool eof() const { return eof_; }
  uint64_t dropped() const { return dropped_; }
  /// Whether reading is held back until the output drains (log_overflow = block).
  bool held() const { return held_; }
  /// Each line from now on goes to `observer` too (null: none); it may change or clear
  /// the observer from its OnLine.
  void SetLineObserver(LineObserver* observer) { line_observer_ = observer; }
  /// The program's stream it reads (1 stdout, 2 stderr).
  int stream() const { return options_.stream; }

 private:
  void OnReadable();
  /// Reads at most `max` bytes: how many were read; 0 at EOF, on error, or when the pipe
  /// is empty.
  size_t ReadChunk(size_t max);
  /// How much may be read now without passing `limit`.
  size_t Room() const;
  void Emit(std::string_view piece, LineSplitter::End end);
  const std::string& Timestamp();
  void Commit();
  void OnDrained();
  void Close();

  UniqueFd fd_;
  LogOutput* out_;
  LogSourceOptions options_;
  LineSplitter splitter_;
  IoWatcher watcher_;
  std::unique_ptr<Timer> partial_timer_;
  std::shared_ptr<LogCredit> credit_;
  std::string batch_;
  bool continuing_ = false;  // The next piece continues a cut line.
  bool eof_ = false;
  bool held_ = false;  // Not read for backpressure.
  LineObserver* line_observer_ = nullptr;
  uint64_t dropped_ = 0;
  uint64_t dropped_reported_ = 0;
  std::string stamp_;
};

}  // namespace tend

#endif  // TEND_LOG_SINK_H_
