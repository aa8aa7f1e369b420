#include "log/log_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "base/counters.h"

namespace tend {

namespace {
constexpr size_t kReadSize = 256 * 1024;  // The program pipes' size (spawn.cc).
constexpr int kReadsPerWakeup = 4;  // Then let other sources have a turn.
constexpr int kMaxIov = 64;
}  // namespace

void LogRing::Put(const char* p, size_t n) {
  const size_t cap = buf_.size();
  if (n >= cap) {  // Only the end of it fits.
    p += n - cap;
    written_ += n - cap;
    pos_ = (pos_ + n - cap) % cap;
    n = cap;
  }
  size_t first = std::min(n, cap - pos_);
  memcpy(&buf_[pos_], p, first);
  memcpy(&buf_[0], p + first, n - first);
  written_ += n;
  pos_ = n - first > 0 ? n - first : pos_ + first;
  if (pos_ == cap) pos_ = 0;
}

uint64_t NextLineSeq() {
  static uint64_t seq = 0;  // tend is single-threaded.
  return ++seq;
}

// A kept line is its stream ('1' or '2'), its sequence number in kSeqDigits hex digits,
// the text and a newline (lines never hold one).
constexpr size_t kSeqDigits = 12;

void LogRing::Clear() {
  std::vector<char>().swap(buf_);
  written_ = pos_ = 0;
  stream_bytes_[0] = stream_bytes_[1] = 0;
}

// Makes room for `need` more bytes while the ring is not at its capacity: doubling (at
// least 1 KiB), so that a chatty program reaches its capacity in a few steps.
void LogRing::Grow(size_t need) {
  if (buf_.size() >= cap_ || written_ + need <= buf_.size()) return;
  const size_t want = std::max({written_ + need, 2 * buf_.size(), size_t{1024}});
  buf_.resize(std::min(want, cap_));
  // Nothing wrapped yet; but a line that ended exactly at the old end set pos_ back to 0.
  pos_ = written_;
}

void LogRing::Add(int stream, std::string_view line, uint64_t seq) {
  // Once in 2 GiB of a stream: its size starts again from what is kept (Text's contract).
  uint64_t& size = stream_bytes_[stream == 2 ? 1 : 0];
  if (size + line.size() + 1 > max_stream_bytes_) {
    uint64_t ignored;
    size = Text(stream, &ignored).size();
  }
  size += line.size() + 1;
  if (cap_ == 0) return;
  char head[1 + kSeqDigits];
  head[0] = stream == 2 ? '2' : '1';
  for (size_t i = 0; i < kSeqDigits; ++i) {
    head[kSeqDigits - i] = "0123456789abcdef"[(seq >> (4 * i)) & 0xf];
  }
  const size_t need = line.size() + sizeof head + 1;
  Grow(need);
  if (pos_ + need < buf_.size()) {  // The common case: no wrap, one copy.
    char* at = &buf_[pos_];
    memcpy(at, head, sizeof head);
    memcpy(at + sizeof head, line.data(), line.size());
    at[need - 1] = '\n';
    pos_ += need;
    written_ += need;
    return;
  }
  Put(head, sizeof head);
  Put(line.data(), line.size());
  Put("\n", 1);
}

char LogRing::At(size_t i) const {
  const size_t cap = buf_.size();
  return buf_[(written_ - std::min(written_, cap) + i) % cap];
}

template <typename F>
void LogRing::EachLineBack(F each) const {
  const size_t have = std::min(written_, buf_.size());
  for (size_t end = have; end > 0;) {
    const size_t nl = end - 1;  // Every kept line ends in '\n'.
    size_t start = nl;
    while (start > 0 && At(start - 1) != '\n') --start;
    // When the ring wrapped, its first line may be a tail end: not a whole line.
    if (start == 0 && written_ > buf_.size()) return;
    if (nl >= start + 1 + kSeqDigits && !each(start, nl)) return;
    end = start;
  }
}

std::vector<LogRing::Line> LogRing::Tail(size_t n) const {
  std::vector<Line> lines;  // Newest first, until the end.
  if (n == 0) return lines;
  EachLineBack([&](size_t start, size_t nl) {
    uint64_t seq = 0;
    for (size_t i = 1; i <= kSeqDigits; ++i) {
      const char c = At(start + i);
      seq = seq * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    std::string text;
    text.reserve(nl - start - 1 - kSeqDigits);
    for (size_t i = start + 1 + kSeqDigits; i < nl; ++i) text += At(i);
    lines.push_back({At(start) - '0', seq, std::move(text)});
    return lines.size() < n;
  });
  std::reverse(lines.begin(), lines.end());
  return lines;
}

std::string LogRing::Text(int stream, uint64_t* size, size_t max_bytes) const {
  *size = stream_bytes_[stream == 2 ? 1 : 0];
  const char want = stream == 2 ? '2' : '1';
  // From the newest line back, only as far as `max_bytes` of the stream's text needs:
  // what a tail asks costs what it reads, not the whole ring.
  std::vector<std::pair<size_t, size_t>> picked;  // [from, to) of each text, newest first.
  size_t got = 0;
  EachLineBack([&](size_t start, size_t nl) {
    if (At(start) == want) {
      picked.emplace_back(start + 1 + kSeqDigits, nl + 1);
      got += nl + 1 - (start + 1 + kSeqDigits);
    }
    return got < max_bytes;
  });
  std::string text;
  text.reserve(std::min(got, max_bytes));
  size_t skip = got > max_bytes ? got - max_bytes : 0;  // The oldest bytes past the bound.
  for (auto it = picked.rbegin(); it != picked.rend(); ++it) {
    for (size_t i = it->first; i < it->second; ++i) {
      if (skip > 0) {
        --skip;
        continue;
      }
      text += At(i);
    }
  }
  return text;
}

UniqueFd LogOutput::OpenPrivate(int fd, Mode* mode) {
  struct stat st;
  if (fstat(fd, &st) != 0) st.st_mode = 0;
  if (S_ISSOCK(st.st_mode)) {
    *mode = Mode::kSocket;
    return UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, 3));
  }
  // A regular file never waits for a reader: share its descriptor (and so its offset,
  // which a second open file description would not).
  if (S_ISREG(st.st_mode)) {
    *mode = Mode::kFile;
    return UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, 3));
  }
  // A new open file description: its O_NONBLOCK is not the one the programs share.
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  UniqueFd own(open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK));
  if (own.valid()) {
    *mode = Mode::kPrivate;
    return own;
  }
  *mode = Mode::kPoll;
  return UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, 3));
}

LogOutput::LogOutput(EventLoop* loop, int fd)
    : fd_(OpenPrivate(fd, &mode_)),
      watcher_(loop, fd_.get(), IoWatcher::kWrite, [this] { OnWritable(); }) {}

// O_NONBLOCK only for the open itself: a FIFO without a reader fails instead of hanging.
static int OpenAppend(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd >= 0) SetNonblock(fd, false);
  return fd;
}

LogOutput::LogOutput(EventLoop* loop, const std::string& path, int64_t max_bytes, int backups,
                     std::string* err)
    : fd_(OpenAppend(path)),
      watcher_(loop, fd_.get(), IoWatcher::kWrite, [this] { OnWritable(); }),
      path_(path),
      max_bytes_(max_bytes),
      backups_(backups) {
  struct stat st;
  if (!fd_.valid()) {
    *err = "unable to open \"" + path + "\": " + ErrnoString(errno);
  } else if (fstat(fd_.get(), &st) == 0 && S_ISREG(st.st_mode)) {
    size_ = st.st_size;
  } else {
    // /dev/null, a FIFO, a terminal: never rotated. Renaming /dev/null as PID 1 would
    // take it from the whole container.
    max_bytes_ = 0;
    backups_ = 0;
  }
}

LogOutput::~LogOutput() = default;

// supervisord's scheme: path -> path.1 -> path.2 ... up to `backups`, then a fresh path.
// The new file takes the old descriptor's number, so the watcher stays valid.
void LogOutput::Rotate() {
  for (int i = backups_ - 1; i >= 1; --i) {
    rename((path_ + "." + std::to_string(i)).c_str(),
           (path_ + "." + std::to_string(i + 1)).c_str());
  }
  if (backups_ > 0) {
    rename(path_.c_str(), (path_ + ".1").c_str());
  } else if (ftruncate(fd_.get(), 0) != 0) {
    ++errors_;
  }
  UniqueFd fresh(OpenAppend(path_));
  if (fresh.valid() && dup3(fresh.get(), fd_.get(), O_CLOEXEC) >= 0) size_ = 0;
}

// A log file of our own: written at once (a disk does not wait for a reader), rotated
// at a line boundary when the next lines would take it past max_bytes.
void LogOutput::AppendToFile(std::string_view lines) {
  while (!lines.empty()) {
    size_t n = lines.size();
    if (max_bytes_ > 0 && size_ + static_cast<int64_t>(n) > max_bytes_) {
      size_t room = size_ < max_bytes_ ? static_cast<size_t>(max_bytes_ - size_) : 0;
      size_t cut = room > 0 ? lines.rfind('\n', room - 1) : std::string_view::npos;
      if (cut == std::string_view::npos) {
        if (size_ > 0) {
          Rotate();
          continue;
        }
        cut = lines.find('\n');  // One line longer than the file may be: alone, then rotate.
      }
      n = cut + 1;
    }
    if (!WriteAll(fd_.get(), lines.data(), n)) ++errors_;
    size_ += static_cast<int64_t>(n);
    lines.remove_prefix(n);
    if (max_bytes_ > 0 && size_ >= max_bytes_) Rotate();
  }
}

void LogOutput::Append(std::string lines, const std::shared_ptr<LogCredit>& credit) {
  // No descriptor (tend was started with that stream closed): the lines have nowhere
  // to go, and must not hold the program back either.
  if (lines.empty() || !fd_.valid()) return;
  if (!path_.empty()) {
    AppendToFile(lines);
    return;
  }
  credit->queued += lines.size();
  queued_ += lines.size();
  queue_.push_back(Chunk{std::move(lines), 0, credit});
  // Most of the time the reader keeps up: write now, and watch only what is left.
  WriteSome();
  if (!queue_.empty() && !watcher_.active()) watcher_.Start();
}

void LogOutput::OnWritable() {
  WriteSome();
  if (queue_.empty()) watcher_.Stop();
}

ssize_t LogOutput::WriteOnce(const char* p, size_t n) {
  switch (mode_) {
    case Mode::kPrivate:
    case Mode::kFile:
      return write(fd_.get(), p, n);
    case Mode::kSocket:
      return send(fd_.get(), p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    case Mode::kPoll: {
      // A shared blocking descriptor: at most PIPE_BUF once poll says there is room.
      pollfd pfd = {fd_.get(), POLLOUT, 0};
      if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT)) {
        errno = EAGAIN;
        return -1;
      }
      return write(fd_.get(), p, n < PIPE_BUF ? n : PIPE_BUF);
    }
  }
  return -1;
}

// Writes as much of the queue as the descriptor takes now. Credits are settled after
// the loop, because a drained source may append again from its callback.
bool LogOutput::WriteSome() {
  // Reused across calls (no allocation per write); swapped out while in use, because a
  // drained source may append, and so write, again from its callback.
  std::vector<std::shared_ptr<LogCredit>> drained;
  drained.swap(drained_);
  drained.clear();
  bool ok = true;
  while (!queue_.empty()) {
    ssize_t n;
    if (mode_ == Mode::kPrivate || mode_ == Mode::kFile) {
      iovec iov[kMaxIov];
      int cnt = 0;
      for (auto it = queue_.begin(); it != queue_.end() && cnt < kMaxIov; ++it, ++cnt) {
        iov[cnt].iov_base = &it->data[it->offset];
        iov[cnt].iov_len = it->data.size() - it->offset;
      }
      do {
        n = writev(fd_.get(), iov, cnt);
      } while (n < 0 && errno == EINTR);
    } else {
      Chunk& c = queue_.front();
      do {
        n = WriteOnce(c.data.data() + c.offset, c.data.size() - c.offset);
      } while (n < 0 && errno == EINTR);
    }
    if (n < 0) {
      if (errno == EAGAIN) break;
      // The reader is gone (EPIPE) or the descriptor broke: nothing will ever be
      // written; drop the queue rather than hold programs back forever.
      ++errors_;
      ok = false;
      n = static_cast<ssize_t>(queued_);
    }
    size_t left = static_cast<size_t>(n);
    while (left > 0 && !queue_.empty()) {
      Chunk& c = queue_.front();
      size_t take = std::min(left, c.data.size() - c.offset);
      c.offset += take;
      left -= take;
      queued_ -= take;
      c.credit->queued -= take;
      if (c.offset == c.data.size()) {
        if (c.credit->queued <= c.credit->resume_at) drained.push_back(c.credit);
        queue_.pop_front();
      }
    }
    if (!ok) break;
  }
  for (auto& c : drained) {
    if (c->on_drained) c->on_drained();
  }
  drained.clear();
  if (drained_.capacity() < drained.capacity()) drained_.swap(drained);
  return ok;
}

void LogOutput::FlushBlocking(int deadline_ms) {
  // Only at exit, when nothing else is left to do: a bounded wait for the reader.
  int waited = 0;
  while (!queue_.empty() && waited <= deadline_ms) {
    if (!WriteSome()) return;
    if (queue_.empty()) return;
    pollfd pfd = {fd_.get(), POLLOUT, 0};
    poll(&pfd, 1, 50);
    waited += 50;
  }
}

LogSource::LogSource(EventLoop* loop, UniqueFd fd, LogOutput* out, LogSourceOptions options)
    : fd_(std::move(fd)),
      out_(out),
      options_(std::move(options)),
      splitter_(options_.max_line),
      watcher_(loop, fd_.get(), IoWatcher::kRead, [this] { OnReadable(); }),
      partial_timer_((options_.clock ? options_.clock : loop)->NewTimer([this] {
        splitter_.Flush([this](std::string_view p, LineSplitter::End e) { Emit(p, e); });
        continuing_ = true;  // The rest of the line, when it comes, is marked as such.
        Commit();
      })),
      credit_(std::make_shared<LogCredit>()) {
  SetNonblock(fd_.get());
  credit_->resume_at = options_.limit / 2;
  credit_->on_drained = [this] { OnDrained(); };
  watcher_.Start();
}

LogSource::~LogSource() {
  // Queued lines may outlive the source; their credit must not call back into it.
  credit_->on_drained = nullptr;
}

void LogSource::OnReadable() {
  // Commit after every read: it is what holds the source back once `limit` is reached.
  // A read that did not fill what it asked for emptied the pipe: no read to hear EAGAIN.
  for (int i = 0; i < kReadsPerWakeup && !held_; ++i) {
    const size_t room = Room();
    const size_t got = ReadChunk(room);
    Commit();
    if (got == 0 || got < room) return;
  }
  Commit();
}

size_t LogSource::Room() const {
  // Lines past the limit are dropped, not kept; a file takes every line at once.
  if (options_.drop || out_->never_blocks()) return kReadSize;
  size_t queued = credit_->queued + batch_.size();
  return queued < options_.limit ? std::min(kReadSize, options_.limit - queued) : 0;
}

size_t LogSource::ReadChunk(size_t max) {
  if (eof_ || max == 0) return 0;
  static char buf[kReadSize];  // tend is single-threaded; one buffer serves every source.
  ssize_t n = ReadSome(fd_.get(), buf, std::min(max, sizeof buf));
  stamp_.clear();
  if (n > 0) {
    // The lines read plus their prefixes, so that Emit seldom reallocates: sized by what
    // was read, so that memory follows the output, not the largest possible read.
    const size_t want = batch_.size() + static_cast<size_t>(n) * 3 / 2;
    if (batch_.capacity() < want) batch_.reserve(want);
    if (options_.tap && *options_.tap) {
      (*options_.tap)
          ->OnBytes(options_.name, options_.stream, std::string_view(buf, static_cast<size_t>(n)));
    }
    splitter_.Feed(std::string_view(buf, static_cast<size_t>(n)),
                   [this](std::string_view p, LineSplitter::End e) { Emit(p, e); });
    return static_cast<size_t>(n);
  }
  if (n < 0 && errno == EAGAIN) return 0;
  // EOF (every writer closed the pipe), or an error that will not go away. A line the
  // program never finished (it exited or was killed mid-line) is shown, marked as cut.
  if (splitter_.pending() > 0) continuing_ = true;
  splitter_.Flush([this](std::string_view p, LineSplitter::End e) { Emit(p, e); });
  Close();
  return 0;
}

void LogSource::Emit(std::string_view piece, LineSplitter::End end) {
  if (options_.strip_cr && end == LineSplitter::End::kNewline && !piece.empty() &&
      piece.back() == '\r') {
    piece.remove_suffix(1);
  }
  // Readiness sees every line, even one the log then drops.
  if (line_observer_ && end != LineSplitter::End::kUnterminated) line_observer_->OnLine(piece);
  if (options_.drop && credit_->queued + batch_.size() > options_.limit) {
    ++dropped_;
    ++TendCounters().log_lines_dropped;
    continuing_ = end == LineSplitter::End::kCut;
    return;
  }
  ++TendCounters().log_lines;
  if (continuing_) ++TendCounters().log_lines_marked;
  if (options_.timestamps) batch_ += Timestamp();
  batch_ += continuing_ ? options_.cut_prefix : options_.prefix;
  batch_.append(piece.data(), piece.size());
  batch_ += '\n';
  if (options_.ring || (options_.tap && *options_.tap)) {
    const uint64_t seq = NextLineSeq();
    if (options_.ring) options_.ring->Add(options_.stream, piece, seq);
    if (options_.tap && *options_.tap) {
      (*options_.tap)->OnLine(options_.name, options_.stream, piece, seq);
    }
  }
  continuing_ = end == LineSplitter::End::kCut;
}

// Refreshed once per read: lines read together share it.
const std::string& LogSource::Timestamp() {
  if (stamp_.empty()) stamp_ = UtcTimestamp();
  return stamp_;
}

void LogSource::Commit() {
  if (!batch_.empty()) {
    TendCounters().log_bytes += batch_.size();
    out_->Append(std::move(batch_), credit_);
    // Moved out: an idle source keeps no buffer (the next read reserves one).
    batch_.clear();
  }
  if (!eof_ && !held_ && Room() == 0) {
    held_ = true;
    watcher_.Stop();  // Backpressure: the program now blocks on its own write.
  }
  // The unfinished line is shown once the program has been quiet for a while: every
  // read re-arms the timer, so a line still being written is never cut by it. A held
  // source is not read, so its silence says nothing: its line waits for the rest.
  if (!eof_ && !held_ && splitter_.pending() > 0) {
    partial_timer_->Start(options_.partial_flush_ms);
  } else if (partial_timer_->active()) {
    partial_timer_->Stop();
  }
}

void LogSource::OnDrained() {
  if (!eof_ && held_) {
    held_ = false;
    watcher_.Start();
    // Quiet from now on counts again, for the line it was holding.
    if (splitter_.pending() > 0) partial_timer_->Start(options_.partial_flush_ms);
  }
  if (dropped_ > dropped_reported_) {
    batch_ += options_.prefix + "(tend: " + std::to_string(dropped_ - dropped_reported_) +
              " lines dropped: the log reader was too slow)\n";
    dropped_reported_ = dropped_;
    Commit();
  }
}

void LogSource::DrainNow() {
  // The program is gone: what is left in its pipe is read now, held back or not, up to
  // the pipe's size: a process it left may go on writing, and that is the watcher's
  // (and the limit's) to read, or PID 1 would read forever.
  for (int i = 0; i < kReadsPerWakeup && ReadChunk(kReadSize) > 0; ++i) {
  }
  Commit();
}

void LogSource::Close() {
  watcher_.Stop();
  partial_timer_->Stop();
  fd_.Reset();
  eof_ = true;
}

}  // namespace tend
