// RAII wrappers over a libev loop. No other file includes <ev.h>.
#ifndef TEND_EVENT_LOOP_H_
#define TEND_EVENT_LOOP_H_

#include <functional>
#include <memory>

#include "base/clock.h"

struct ev_loop;
struct ev_io;

namespace tend {

/// One libev loop. Not the default loop on purpose: libev's default loop installs its own
/// SIGCHLD handler and reaps children, and tend reaps in exactly one place (Reaper).
class EventLoop : public Clock {
 public:
  /// Creates the loop; on failure valid() is false (only at start-up).
  EventLoop();
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool valid() const { return loop_ != nullptr; }
  /// Runs until Break() is called or no active watcher is left.
  void Run();
  /// Waits for and handles one round of events (tests drive the loop with this).
  void RunOnce();
  /// Handles the events that are ready now, without waiting (tests).
  void RunReady();
  /// Makes Run() return after the current callback.
  void Break();

  int64_t NowMs() const override;
  std::unique_ptr<Timer> NewTimer(std::function<void()> fire) override;

  struct ev_loop* raw() const {
    return loop_;
  }

 private:
  struct ev_loop* loop_;
};

/// Calls `ready` whenever `fd` is readable (or writable). Started on construction when
/// asked, stopped on destruction. The callback may destroy the watcher.
class IoWatcher {
 public:
  enum Kind { kRead = 1, kWrite = 2 };
  IoWatcher(EventLoop* loop, int fd, Kind kind, std::function<void()> ready);
  ~IoWatcher();
  IoWatcher(const IoWatcher&) = delete;
  IoWatcher& operator=(const IoWatcher&) = delete;

  void Start();
  void Stop();
  bool active() const;

 private:
  static void Callback(struct ev_loop* loop, ev_io* w, int revents);

  EventLoop* loop_;
  std::unique_ptr<ev_io> io_;
  std::function<void()> ready_;
};

}  // namespace tend

#endif  // TEND_EVENT_LOOP_H_
