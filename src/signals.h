// Which signals tend handles and how, the signalfd that delivers them to the event loop,
// and the reset every child gets before exec.
#ifndef TEND_SIGNALS_H_
#define TEND_SIGNALS_H_

#include <signal.h>

#include <functional>
#include <memory>
#include <string>

#include "event_loop.h"
#include "sys.h"

namespace tend {

/// What tend does with a signal it receives.
enum class SignalRole {
  kForward,    ///< Passed on to the main program (or its process group).
  kStop,       ///< TERM and INT: start the stop sequence (and pass the signal on).
  kChild,      ///< CHLD: reap (Reaper).
  kIgnore,     ///< PIPE: ignored by tend itself, never forwarded.
  kUntouched,  ///< KILL, STOP, synchronous faults, glibc-internal: left to the kernel.
};

SignalRole RoleOf(int signo);

/// Reads the blocked signals from a signalfd inside the event loop.
class SignalSource {
 public:
  /// Called with the signal number and the sender's pid (0 if from the kernel).
  using Handler = std::function<void(int signo, pid_t sender)>;

  /// Blocks every signal whose role is not kUntouched/kIgnore, resets inherited
  /// dispositions (a SIG_IGN'd CHLD would make the kernel reap behind our back),
  /// ignores PIPE, and opens a non-blocking close-on-exec signalfd. Returns null and
  /// fills `err` on failure (start-up only).
  static std::unique_ptr<SignalSource> Create(EventLoop* loop, Handler handler, std::string* err);

  /// Drains pending signals now (used before the loop runs).
  void Drain();

 private:
  SignalSource(EventLoop* loop, UniqueFd fd, Handler handler);

  UniqueFd fd_;
  IoWatcher watcher_;
  Handler handler_;
};

/// In a forked child, before exec: every signal back to SIG_DFL, empty mask.
/// Async-signal-safe.
void ResetSignalsInChild();

}  // namespace tend

#endif  // TEND_SIGNALS_H_
