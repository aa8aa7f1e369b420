// NotifySocket: the other end of systemd's notify protocol (sd_notify), for programs
// with `ready = notify`. One SOCK_DGRAM unix socket for all of them, in the abstract
// namespace with a name the kernel picks (autobind), so that programs running as any
// user can reach it and no file is left behind; every datagram carries its sender's
// credentials (SO_PASSCRED), by which it is credited to a program.
#ifndef TEND_NOTIFY_SOCKET_H_
#define TEND_NOTIFY_SOCKET_H_

#include <stdint.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/event_loop.h"
#include "base/sys.h"
#include "config/config.h"

namespace tend {

/// What one datagram says ("READY=1\nSTATUS=Loading...\n"); fields not given stay unset.
struct NotifyMessage {
  bool ready = false;
  bool stopping = false;
  bool reloading = false;
  bool barrier = false;
  bool watchdog = false;          ///< WATCHDOG=1: alive.
  bool watchdog_trigger = false;  ///< WATCHDOG=trigger: fail the watchdog now.
  bool has_status = false;
  std::string status;
  int64_t extend_timeout_usec = -1;  ///< EXTEND_TIMEOUT_USEC, -1 when absent or invalid.
  int errno_value = -1;              ///< ERRNO, -1 when absent or invalid.
  pid_t mainpid = 0;                 ///< MAINPID: > 0 given, 0 absent, -1 not a pid.
  int unknown = 0;                   ///< Fields not understood (ignored).
};

/// Parses a datagram: lines of KEY=VALUE, the last one with or without its newline.
/// False when it is not text of that form (a NUL byte, a line without '=').
bool ParseNotifyMessage(std::string_view datagram, NotifyMessage* out);

class NotifySocket {
 public:
  /// Called for each well-formed datagram with its sender's pid (0 when unknown);
  /// returns false when no program may send it (then logged, rate-limited).
  using Handler = std::function<bool(pid_t sender, const NotifyMessage& message)>;

  /// Creates, binds and starts watching the socket; null with `err` on failure. Bad
  /// datagrams are logged at most once every `complain_every_ms`, with a count.
  static std::unique_ptr<NotifySocket> Create(EventLoop* loop, Handler handler, std::string* err,
                                              int64_t complain_every_ms = 10000);

  /// The value of NOTIFY_SOCKET for programs: "@" and the abstract name.
  const std::string& address() const { return address_; }
  /// Handles every datagram queued now. Called before children are reaped, so that
  /// what a program said before it exited (MAINPID= of a forking daemon) counts first.
  void Drain() { OnReadable(); }

 private:
  NotifySocket(EventLoop* loop, UniqueFd fd, std::string address, Handler handler,
               int64_t complain_every_ms);
  void OnReadable();
  /// One bad datagram: counted, and logged at most every complain_every_ms with the
  /// count; what such a window held back is logged at its end.
  void Complain(const std::string& why);
  void ReportHeldBack();

  EventLoop* loop_;
  UniqueFd fd_;
  std::string address_;
  Handler handler_;
  IoWatcher watcher_;
  int64_t complain_every_ms_;
  int64_t last_complaint_ms_ = -1;
  uint64_t unreported_ = 0;
  std::string last_why_;                 // The last complaint held back.
  std::unique_ptr<Timer> report_timer_;  // Armed while some are held back.

};

/// tend's end of the notify protocol: no socket until a configuration first has a
/// program with ready = notify (at start-up or at a reload), for it listens in the
/// network namespace's abstract names. Once made, it stays.
class NotifyEnd {
 public:
  NotifyEnd(EventLoop* loop, NotifySocket::Handler handler)
      : loop_(loop), handler_(std::move(handler)) {}
  /// Makes the socket if `config` needs it; a failure is logged (those programs will
  /// not be ready). Clears an inherited NOTIFY_SOCKET from tend's environment either way.
  void OpenFor(const Config& config);
  /// NOTIFY_SOCKET for the programs; empty until made. Its address does not move.
  const std::string* address() const { return &address_; }
  /// NotifySocket::Drain, when there is a socket.
  void Drain() {
    if (socket_) socket_->Drain();
  }

 private:
  EventLoop* loop_;
  NotifySocket::Handler handler_;
  std::unique_ptr<NotifySocket> socket_;
  std::string address_;
};

}  // namespace tend

#endif  // TEND_NOTIFY_SOCKET_H_
