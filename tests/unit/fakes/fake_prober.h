// Probes that a test answers: each Run is recorded and stays in flight until Answer().
#ifndef TEND_TESTS_FAKE_PROBER_H_
#define TEND_TESTS_FAKE_PROBER_H_

#include <memory>
#include <string>
#include <vector>

#include "proc/spawn.h"
#include "ready/probe.h"

namespace tend {

class FakeProber : public Prober {
 public:
  struct Started {
    ProbeSpec probe;
    SpawnSpec exec;
    int64_t timeout_ms;
  };

  std::unique_ptr<ProbeRun> Run(const ProbeSpec& probe, const SpawnSpec& exec,
                                int64_t timeout_ms, Done done) override {
    started.push_back({probe, exec, timeout_ms});
    auto run = std::make_unique<FakeRun>(this, std::move(done));
    in_flight_ = run.get();
    return run;
  }

  /// Ends the probe in flight (there must be one) with `ok`, as the loop would.
  void Answer(bool ok, const std::string& detail = "") {
    FakeRun* r = in_flight_;
    in_flight_ = nullptr;
    Done done = std::move(r->done);
    r->answered = true;
    done(ProbeResult{ok, detail.empty() ? (ok ? "ok" : "failed") : detail});
  }
  bool in_flight() const { return in_flight_ != nullptr; }

  std::vector<Started> started;
  int cancelled = 0;  ///< Runs destroyed before their answer.

 private:
  struct FakeRun : ProbeRun {
    FakeRun(FakeProber* p, Done d) : prober(p), done(std::move(d)) {}
    ~FakeRun() override {
      if (answered) return;
      ++prober->cancelled;
      if (prober->in_flight_ == this) prober->in_flight_ = nullptr;
    }
    FakeProber* prober;
    Done done;
    bool answered = false;
  };
  FakeRun* in_flight_ = nullptr;
};

}  // namespace tend

#endif  // TEND_TESTS_FAKE_PROBER_H_
