#include "control/control_client.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

namespace tend {

bool ControlClient::Connect(const std::string& path, std::string* err, int* code,
                            int64_t wait_ms) {
  *code = kCodeUnreachable;
  sockaddr_un addr;
  if (!UnixAddress(path, &addr)) {
    *err = path + ": invalid socket path";
    return false;
  }
  fd_ = ConnectUnix(addr);
  // The tend that runs us binds its socket just after starting its programs.
  const int64_t until = MonotonicMs() + wait_ms;
  for (int64_t pause = 1; !fd_.valid() && (errno == ENOENT || errno == ECONNREFUSED) &&
                          MonotonicMs() < until;
       pause = pause < 64 ? pause * 2 : pause) {
    const timespec ts = {0, pause * 1000000};
    nanosleep(&ts, nullptr);
    fd_ = ConnectUnix(addr);
  }
  if (!fd_.valid()) {
    const int e = errno;
    if (e == ENOENT || e == ECONNREFUSED) {
      *err = "tend is not running (no one answers on " + path + ")";
    } else if (e == EACCES || e == EPERM) {
      *code = kCodeDenied;
      *err = "permission denied: " + path + " (only root and tend's own user may use it)";
    } else {
      *err = "unable to connect to " + path + ": " + ErrnoString(e);
    }
    return false;
  }
  // Only a tend of root's or of our own may be believed: exec takes a uid from it.
  ucred cred = {};
  socklen_t len = sizeof cred;
  if (getsockopt(fd_.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      (cred.uid != 0 && cred.uid != geteuid())) {
    *err = path + " is served by uid " + std::to_string(cred.uid) +
           ", neither root nor you: not a tend to trust";
    return false;
  }
  Message hello(MsgType::kHello);
  hello.AddInt(Tag::kVersion, kProtocolVersion);
  // A refusal may come before tend reads HELLO (and make the send fail): read it anyway.
  std::string send_err;
  const bool sent = Send(hello, &send_err);
  if (!Receive(&hello_, err)) {
    *err = "no answer from tend on " + path + ": " + (sent ? *err : send_err);
    return false;
  }
  if (hello_.type == MsgType::kError) {
    *code = static_cast<int>(hello_.GetInt(Tag::kCode, kCodeUnreachable));
    *err = hello_.Get(Tag::kMessage);
    return false;
  }
  if (hello_.type != MsgType::kHelloReply) {
    *err = path + " is not a tend control socket";
    return false;
  }
  return true;
}

bool ControlClient::Send(const Message& m, std::string* err) {
  std::string bytes = Encode(m);
  size_t at = 0;
  while (at < bytes.size()) {
    ssize_t n = send(fd_.get(), bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *err = "tend hung up: " + ErrnoString(errno);
      return false;
    }
    at += static_cast<size_t>(n);
  }
  return true;
}

bool ControlClient::Buffered() {
  if (has_next_) return true;
  std::string err;
  FrameReader::Result r = frames_.Next(&next_, &err);
  has_next_ = r == FrameReader::Result::kFrame;
  return has_next_ || r == FrameReader::Result::kError;
}

bool ControlClient::Receive(Message* m, std::string* err) {
  for (;;) {
    if (has_next_) {
      *m = std::move(next_);
      has_next_ = false;
      return true;
    }
    FrameReader::Result r = frames_.Next(m, err);
    if (r == FrameReader::Result::kFrame) return true;
    if (r == FrameReader::Result::kError) return false;
    char buf[64 * 1024];
    ssize_t n = ReadSome(fd_.get(), buf, sizeof buf);
    if (n < 0) {
      *err = "unable to read from tend: " + ErrnoString(errno);
      return false;
    }
    if (n == 0) {
      *err = "tend hung up";
      return false;
    }
    frames_.Feed(buf, static_cast<size_t>(n));
  }
}

}  // namespace tend
