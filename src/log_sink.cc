#include "log_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <vector>

namespace tend {

namespace {
constexpr size_t kReadSize = 64 * 1024;
constexpr int kReadsPerWakeup = 4;  // Then let other sources have a turn.
constexpr int kMaxIov = 64;
}  // namespace

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
    *mode = Mode::kPrivate;
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

LogOutput::~LogOutput() = default;

void LogOutput::Append(std::string lines, const std::shared_ptr<LogCredit>& credit) {
  if (lines.empty()) return;
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
  std::vector<std::shared_ptr<LogCredit>> drained;
  bool ok = true;
  while (!queue_.empty()) {
    ssize_t n;
    if (mode_ == Mode::kPrivate) {
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
    : loop_(loop),
      fd_(std::move(fd)),
      out_(out),
      options_(std::move(options)),
      splitter_(options_.max_line),
      watcher_(loop, fd_.get(), IoWatcher::kRead, [this] { OnReadable(); }),
      partial_timer_(loop->NewTimer([this] {
        splitter_.Flush([this](std::string_view p, LineSplitter::End e) { Emit(p, e); });
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
  for (int i = 0; i < kReadsPerWakeup && ReadChunk(); ++i) {
  }
  Commit();
}

bool LogSource::ReadChunk() {
  if (eof_) return false;
  static char buf[kReadSize];  // tend is single-threaded; one buffer serves every source.
  ssize_t n = ReadSome(fd_.get(), buf, sizeof buf);
  if (n > 0) {
    splitter_.Feed(std::string_view(buf, static_cast<size_t>(n)),
                   [this](std::string_view p, LineSplitter::End e) { Emit(p, e); });
    return true;
  }
  if (n < 0 && errno == EAGAIN) return false;
  // EOF (every writer closed the pipe), or an error that will not go away.
  splitter_.Flush([this](std::string_view p, LineSplitter::End e) { Emit(p, e); });
  Close();
  return false;
}

void LogSource::Emit(std::string_view piece, LineSplitter::End end) {
  if (options_.drop && credit_->queued + batch_.size() > options_.limit) {
    ++dropped_;
    continuing_ = end == LineSplitter::End::kCut;
    return;
  }
  batch_ += continuing_ ? options_.cut_prefix : options_.prefix;
  batch_.append(piece.data(), piece.size());
  batch_ += '\n';
  continuing_ = end == LineSplitter::End::kCut;
}

void LogSource::Commit() {
  if (!batch_.empty()) {
    out_->Append(std::move(batch_), credit_);
    batch_.clear();
  }
  if (!eof_ && !options_.drop && credit_->queued > options_.limit) {
    watcher_.Stop();  // Backpressure: the program now blocks on its own write.
  }
  if (!eof_ && splitter_.pending() > 0) {
    if (!partial_timer_->active()) partial_timer_->Start(options_.partial_flush_ms);
  } else {
    partial_timer_->Stop();
  }
}

void LogSource::OnDrained() {
  if (!eof_ && !watcher_.active()) watcher_.Start();
  if (dropped_ > dropped_reported_) {
    batch_ += options_.prefix + "(tend: " + std::to_string(dropped_ - dropped_reported_) +
              " lines dropped: the log reader was too slow)\n";
    dropped_reported_ = dropped_;
    Commit();
  }
}

void LogSource::DrainNow() {
  while (ReadChunk()) {
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
