// Which signals tend handles and how, the signalfd that delivers them to the event loop,
// and the reset every child gets before exec.
#ifndef TEND_SIGNALS_H_
#define TEND_SIGNALS_H_

#include <signal.h>

#include <functional>
#include <memory>
#include <string>

#include "base/event_loop.h"
#include "base/sys.h"

namespace tend {

/// What tend does with a signal it receives.
enum class SignalRole {
  kForward,     ///< Passed on to the main program (or its process group).
  kStop,        ///< TERM and INT: start the stop sequence (and pass the signal on).
  kJobControl,  ///< TSTP, TTIN, TTOU: passed on; a tend that is not PID 1 then stops too.
  kChild,       ///< CHLD: reap (Reaper); never passed on.
  kFault,       ///< ILL, TRAP, ABRT, BUS, FPE, SEGV, SYS: passed on when a process sent
                ///< them (kill, sigqueue); raised by the kernel, they end tend.
  kPipe,        ///< PIPE: passed on when another process sent it; tend's own EPIPE is not.
  kUntouched,   ///< KILL, STOP, glibc-internal (32, 33): left to the kernel.
};

SignalRole RoleOf(int signo);

/// Reads the blocked signals from a signalfd inside the event loop.
class SignalSource {
 public:
  /// Called with the signal number and the sender's pid (0 if from the kernel or from
  /// outside tend's PID namespace). Signals that are not for the handler (tend's own
  /// SIGPIPE) are filtered out before.
  using Handler = std::function<void(int signo, pid_t sender)>;

  /// Blocks every signal whose role is not kUntouched, resets inherited dispositions
  /// (a SIG_IGN'd CHLD would make the kernel reap behind our back; every ignored signal,
  /// so that children inherit none), and opens a
  /// non-blocking close-on-exec signalfd. Returns null and fills `err` on failure
  /// (start-up only).
  static std::unique_ptr<SignalSource> Create(EventLoop* loop, Handler handler, std::string* err);

  /// Drains pending signals now (used before the loop runs).
  void Drain();

  /// What to do with one signal read from the signalfd: hand it on, drop it (tend's
  /// own SIGPIPE), or die of it (a fault the kernel raised). Pure, for tests.
  enum class Verdict { kHandle, kDrop, kDie };
  static Verdict Judge(int signo, int code, pid_t sender, pid_t self);

 private:
  SignalSource(EventLoop* loop, UniqueFd fd, Handler handler);

  UniqueFd fd_;
  pid_t self_;
  IoWatcher watcher_;
  Handler handler_;
};

/// Ends tend with `signo`'s default action (a core where enabled), as if it had never
/// been blocked.
[[noreturn]] void DieOf(int signo);

/// In a forked child, before exec: every signal back to SIG_DFL (nothing to do once
/// SignalSource::Create ran: tend ignores nothing), empty mask. Async-signal-safe.
void ResetSignalsInChild();

}  // namespace tend

#endif  // TEND_SIGNALS_H_
