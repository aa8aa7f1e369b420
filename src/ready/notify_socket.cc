#include "ready/notify_socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/counters.h"
#include "base/diag.h"
#include "base/values.h"

namespace tend {

namespace {

// systemd's own datagrams are far smaller; a longer one is refused, not read in part.
constexpr size_t kMaxDatagram = 4096;
constexpr int kMaxFds = 16;             // Room for BARRIER=1's one fd, and a few strays.
constexpr int kDatagramsPerWakeup = 64;  // Then let the others have a turn (a flood).


}  // namespace

bool ParseNotifyMessage(std::string_view d, NotifyMessage* out) {
  *out = NotifyMessage();
  if (d.empty() || memchr(d.data(), '\0', d.size())) return false;
  while (!d.empty()) {
    size_t nl = d.find('\n');
    std::string_view line = d.substr(0, nl);
    d.remove_prefix(nl == std::string_view::npos ? d.size() : nl + 1);
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    int64_t n = 0;
    if (key == "READY") {
      out->ready = value == "1";
    } else if (key == "STOPPING") {
      out->stopping = value == "1";
    } else if (key == "RELOADING") {
      out->reloading = value == "1";
    } else if (key == "BARRIER") {
      out->barrier = value == "1";
    } else if (key == "WATCHDOG") {
      out->watchdog = value == "1";
      out->watchdog_trigger = value == "trigger";
    } else if (key == "STATUS") {
      out->has_status = true;
      out->status = std::string(value.substr(0, 200));
    } else if (key == "EXTEND_TIMEOUT_USEC") {
      if (ParseUint(std::string(value), &n)) out->extend_timeout_usec = n;
    } else if (key == "MAINPID") {
      // 0 and 1 (never a program's) are refused by the program as any other pid is.
      out->mainpid = ParseUint(std::string(value), &n) && n > 0 && n < (1 << 30)
                         ? static_cast<pid_t>(n)
                         : -1;
    } else if (key == "ERRNO") {
      if (ParseUint(std::string(value), &n) && n < 4096) out->errno_value = static_cast<int>(n);
    } else {
      ++out->unknown;  // FDSTORE, NOTIFYACCESS...: not understood.
    }
  }
  return true;
}

std::unique_ptr<NotifySocket> NotifySocket::Create(EventLoop* loop, Handler handler,
                                                   std::string* err, int64_t complain_every_ms) {
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    *err = "unable to create the notify socket: " + ErrnoString(errno);
    return nullptr;
  }
  // Before any datagram can arrive: one queued earlier would carry no credentials.
  int on = 1;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    *err = "unable to set SO_PASSCRED on the notify socket: " + ErrnoString(errno);
    return nullptr;
  }
  // Autobind: the kernel gives an unused abstract name ("\0" and 5 hex digits), unique
  // in this network namespace even beside other tends.
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(sa_family_t)) != 0) {
    *err = "unable to bind the notify socket: " + ErrnoString(errno);
    return nullptr;
  }
  socklen_t len = sizeof addr;
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      len <= sizeof(sa_family_t) + 1 || addr.sun_path[0] != '\0') {
    *err = "unable to name the notify socket: " + ErrnoString(errno);
    return nullptr;
  }
  std::string address = "@" + std::string(addr.sun_path + 1, len - sizeof(sa_family_t) - 1);
  return std::unique_ptr<NotifySocket>(
      new NotifySocket(loop, std::move(fd), std::move(address), std::move(handler),
                       complain_every_ms));
}

NotifySocket::NotifySocket(EventLoop* loop, UniqueFd fd, std::string address, Handler handler,
                           int64_t complain_every_ms)
    : loop_(loop),
      fd_(std::move(fd)),
      address_(std::move(address)),
      handler_(std::move(handler)),
      watcher_(loop, fd_.get(), IoWatcher::kRead, [this] { OnReadable(); }),
      complain_every_ms_(complain_every_ms) {
  watcher_.Start();
}

void NotifySocket::Complain(const std::string& why) {
  ++unreported_;
  const int64_t now = loop_->NowMs();
  if (last_complaint_ms_ >= 0 && now - last_complaint_ms_ < complain_every_ms_) {
    // Held back; told at the end of the window even if no other comes.
    last_why_ = why;
    if (!report_timer_) report_timer_ = loop_->NewTimer([this] { ReportHeldBack(); });
    if (!report_timer_->active()) {
      report_timer_->Start(last_complaint_ms_ + complain_every_ms_ - now);
    }
    return;
  }
  Diag(Level::kWarn, "notify socket: {}{}", why,
       unreported_ > 1 ? fmt::format(" ({} such datagrams ignored)", unreported_) : std::string());
  last_complaint_ms_ = now;
  unreported_ = 0;
}

void NotifySocket::ReportHeldBack() {
  if (unreported_ == 0) return;
  Diag(Level::kWarn, "notify socket: {} ({} such datagram{} ignored in the last {})", last_why_,
       unreported_, unreported_ == 1 ? "" : "s", FormatDuration(complain_every_ms_));
  last_complaint_ms_ = loop_->NowMs();
  unreported_ = 0;
}

void NotifySocket::OnReadable() {
  for (int i = 0; i < kDatagramsPerWakeup; ++i) {
    char buf[kMaxDatagram];
    iovec iov = {buf, sizeof buf};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * kMaxFds)];
    msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
      n = recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return;  // EAGAIN: drained. Nothing else can fail on a bound datagram socket.
    ++TendCounters().notify_datagrams;
    pid_t sender = 0;
    int fds = 0;
    // Closed when this datagram is done (also on `continue`): after the handler, so that
    // a BARRIER=1's sender, which exits as soon as its fd is closed, is still there to be
    // traced to its program.
    UniqueFd passed[kMaxFds];
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(ucred))) {
        ucred cred;
        memcpy(&cred, CMSG_DATA(c), sizeof cred);
        sender = cred.pid;
      } else if (c->cmsg_type == SCM_RIGHTS) {
        // BARRIER=1's fd, or anything a program passed: closed once the datagram is
        // handled, which is also what a barrier waits for.
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t k = 0; k < count; ++k) {
          int fd;
          memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof fd);
          if (fds < kMaxFds) {
            passed[fds++].Reset(fd);
          } else {
            close(fd);
          }
        }
      }
    }
    NotifyMessage m;
    if (static_cast<size_t>(n) > sizeof buf || (msg.msg_flags & MSG_TRUNC)) {
      Complain(fmt::format("a datagram of {} bytes from pid {}, over {}: ignored", n, sender,
                           kMaxDatagram));
      continue;
    }
    if (!ParseNotifyMessage(std::string_view(buf, static_cast<size_t>(n)), &m)) {
      Complain(fmt::format("a datagram from pid {} that is not KEY=VALUE lines: ignored", sender));
      continue;
    }
    if (fds > 0 && !m.barrier) {
      Complain(fmt::format("{} descriptors from pid {} where none was expected: closed", fds,
                           sender));
    }
    if (!handler_(sender, m)) {
      Complain(fmt::format("a datagram from pid {}, which is no program's with ready = notify: "
                           "ignored",
                           sender));
    }
  }
}

void NotifyEnd::OpenFor(const Config& config) {
  // Inherited from a supervisor above tend, it must not reach tend's programs.
  unsetenv("NOTIFY_SOCKET");
  if (socket_) return;
  bool wanted = false;
  for (const auto& p : config.programs) wanted |= p.ready.kind == ReadySource::Kind::kNotify;
  if (!wanted) return;
  std::string why;
  socket_ = NotifySocket::Create(loop_, handler_, &why);
  if (!socket_) {
    Diag(Level::kError, "{}; programs with ready = notify will not be ready", why);
    return;
  }
  address_ = socket_->address();
}

}  // namespace tend
