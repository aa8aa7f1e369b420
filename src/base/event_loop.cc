#include "base/event_loop.h"

#include <ev.h>

namespace tend {

namespace {

class EvTimer : public Timer {
 public:
  EvTimer(struct ev_loop* loop, std::function<void()> fire) : loop_(loop), fire_(std::move(fire)) {
    ev_init(&timer_, &EvTimer::Callback);
    timer_.data = this;
  }
  ~EvTimer() override { Stop(); }

  void Start(int64_t after_ms) override {
    ev_timer_stop(loop_, &timer_);
    // ev_now is the loop's cached time; refresh it so "after" counts from this call.
    ev_now_update(loop_);
    ev_timer_set(&timer_, after_ms > 0 ? after_ms / 1000.0 : 0.0, 0.0);
    ev_timer_start(loop_, &timer_);
  }
  void Stop() override { ev_timer_stop(loop_, &timer_); }
  bool active() const override { return ev_is_active(&timer_); }

 private:
  static void Callback(struct ev_loop*, ev_timer* w, int) {
    static_cast<EvTimer*>(w->data)->fire_();
  }

  struct ev_loop* loop_;
  ev_timer timer_;
  std::function<void()> fire_;
};

}  // namespace

// EVFLAG_NOENV: LIBEV_FLAGS from a user's environment must not change PID 1's backend.
// EVFLAG_NOSIGMASK: tend owns the signal mask (signals.h); libev must leave it alone.
// EVFLAG_NOTIMERFD: no timerfd for time jumps; tend's timers are relative, not wall-clock.
EventLoop::EventLoop()
    : loop_(ev_loop_new(EVFLAG_AUTO | EVFLAG_NOENV | EVFLAG_NOSIGMASK | EVFLAG_NOTIMERFD)) {}

EventLoop::~EventLoop() {
  if (loop_) ev_loop_destroy(loop_);
}

void EventLoop::Run() { ev_run(loop_, 0); }

void EventLoop::RunOnce() { ev_run(loop_, EVRUN_ONCE); }

void EventLoop::RunReady() { ev_run(loop_, EVRUN_NOWAIT); }

void EventLoop::Break() { ev_break(loop_, EVBREAK_ALL); }

int64_t EventLoop::NowMs() const { return static_cast<int64_t>(ev_now(loop_) * 1000.0); }

std::unique_ptr<Timer> EventLoop::NewTimer(std::function<void()> fire) {
  return std::make_unique<EvTimer>(loop_, std::move(fire));
}

IoWatcher::IoWatcher(EventLoop* loop, int fd, Kind kind, std::function<void()> ready)
    : loop_(loop), io_(new ev_io), ready_(std::move(ready)) {
  ev_io_init(io_.get(), &IoWatcher::Callback, fd, kind == kRead ? EV_READ : EV_WRITE);
  io_->data = this;
}

IoWatcher::~IoWatcher() { Stop(); }

void IoWatcher::Start() { ev_io_start(loop_->raw(), io_.get()); }

void IoWatcher::Stop() { ev_io_stop(loop_->raw(), io_.get()); }

bool IoWatcher::active() const { return ev_is_active(io_.get()); }

void IoWatcher::Callback(struct ev_loop*, ev_io* w, int) {
  static_cast<IoWatcher*>(w->data)->ready_();
}

}  // namespace tend
