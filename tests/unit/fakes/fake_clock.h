// A clock that moves only when a test says so; timers fire from Advance().
#ifndef TEND_TESTS_FAKE_CLOCK_H_
#define TEND_TESTS_FAKE_CLOCK_H_

#include <algorithm>
#include <vector>

#include "base/clock.h"

namespace tend {

class FakeClock : public Clock {
 public:
  int64_t NowMs() const override { return now_; }

  std::unique_ptr<Timer> NewTimer(std::function<void()> fire) override {
    return std::make_unique<FakeTimer>(this, std::move(fire));
  }

  /// Moves time forward, firing every timer that comes due, in deadline order.
  void Advance(int64_t ms) {
    int64_t end = now_ + ms;
    for (;;) {
      FakeTimer* next = nullptr;
      for (FakeTimer* t : timers_)
        if (t->armed_ && t->due_ <= end && (!next || t->due_ < next->due_)) next = t;
      if (!next) break;
      now_ = next->due_;
      next->armed_ = false;
      next->fire_();
    }
    now_ = end;
  }

  /// Milliseconds until the earliest armed timer fires, or -1 when none is armed.
  int64_t NextDueIn() const {
    int64_t best = -1;
    for (FakeTimer* t : timers_)
      if (t->armed_ && (best < 0 || t->due_ - now_ < best)) best = t->due_ - now_;
    return best;
  }

 private:
  class FakeTimer : public Timer {
   public:
    FakeTimer(FakeClock* c, std::function<void()> f) : clock_(c), fire_(std::move(f)) {
      clock_->timers_.push_back(this);
    }
    ~FakeTimer() override {
      auto& v = clock_->timers_;
      v.erase(std::remove(v.begin(), v.end(), this), v.end());
    }
    void Start(int64_t after_ms) override {
      armed_ = true;
      due_ = clock_->now_ + after_ms;
    }
    void Stop() override { armed_ = false; }
    bool active() const override { return armed_; }

    FakeClock* clock_;
    std::function<void()> fire_;
    bool armed_ = false;
    int64_t due_ = 0;
    friend class FakeClock;
  };

  int64_t now_ = 1000000;
  std::vector<FakeTimer*> timers_;
};

}  // namespace tend

#endif  // TEND_TESTS_FAKE_CLOCK_H_
