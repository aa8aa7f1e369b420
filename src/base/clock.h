// Time as the state machines see it: a monotonic clock and one-shot timers.
// The real implementation is EventLoop (event_loop.h); tests use FakeClock.
#ifndef TEND_CLOCK_H_
#define TEND_CLOCK_H_

#include <stdint.h>

#include <functional>
#include <memory>

namespace tend {

/// A one-shot timer. Destroying it stops it.
class Timer {
 public:
  virtual ~Timer() = default;
  /// (Re)arms the timer to fire once, `after_ms` from now. A running timer is re-armed.
  virtual void Start(int64_t after_ms) = 0;
  virtual void Stop() = 0;
  virtual bool active() const = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic milliseconds; only differences are meaningful.
  virtual int64_t NowMs() const = 0;
  /// A stopped timer that calls `fire` (from the event loop) when it expires.
  virtual std::unique_ptr<Timer> NewTimer(std::function<void()> fire) = 0;
};

}  // namespace tend

#endif  // TEND_CLOCK_H_
