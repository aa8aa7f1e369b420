// Probes: a check tend runs itself to learn whether a program is ready (`ready =
// tcp:|http:|exec:`) or still healthy (`health =`). A TCP connect, an HTTP GET, or a
// command that must exit 0. Every probe is non-blocking with a deadline: sockets are
// watched on the event loop, an exec probe is a child reaped by the one Reaper.
#ifndef TEND_PROBE_H_
#define TEND_PROBE_H_

#include <stdint.h>
#include <sys/socket.h>

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "config/probe_spec.h"

namespace tend {

/// How a probe ended. `detail` says what was seen, for logs and status:
/// "connect 127.0.0.1:8080: connection refused", "HTTP 503 Service Unavailable",
/// "exited with status 1: <its last output>".
struct ProbeResult {
  bool ok = false;
  std::string detail;
};

/// The verdict on what an HTTP probe read: its first line (to the first '\n') must be
/// "HTTP/x NNN reason"; 2xx and 3xx pass. `detail` is "HTTP 200 OK" or "not an HTTP
/// status line: \"...\"", with at most 80 bytes of the line and its control bytes as '?'.
ProbeResult HttpVerdict(std::string_view answer);

/// A probe in flight. Destroying it cancels it: sockets closed, an exec probe's process
/// group killed; its callback is then never called.
class ProbeRun {
 public:
  virtual ~ProbeRun() = default;
};

struct SpawnSpec;
class EventLoop;
class ProcessOps;
class Reaper;

/// Runs probes. The seam between the state machines and sockets and processes: tests
/// use a fake that a test answers.
class Prober {
 public:
  using Done = std::function<void(const ProbeResult&)>;
  virtual ~Prober() = default;
  /// Starts `probe`, which must be active. `exec` says how an exec probe's process is
  /// set up (the program's user, environment, directory); its argv is replaced by the
  /// probe's. `done` is called exactly once, from the event loop (never from inside
  /// Run), at the latest `timeout_ms` from now, unless the run is destroyed first.
  virtual std::unique_ptr<ProbeRun> Run(const ProbeSpec& probe, const SpawnSpec& exec,
                                        int64_t timeout_ms, Done done) = 0;
};

/// The real thing.
class SystemProber : public Prober {
 public:
  SystemProber(EventLoop* loop, ProcessOps* ops, Reaper* reaper);
  ~SystemProber() override;
  std::unique_ptr<ProbeRun> Run(const ProbeSpec& probe, const SpawnSpec& exec,
                                int64_t timeout_ms, Done done) override;

  class ExecProbe;

 private:
  friend class ExecProbe;
  /// An exec probe outlives its run until its process is reaped and its exec result
  /// known (ProcessOps and the Reaper hold pointers to it); then it is freed here.
  void Finished(ExecProbe* p);

  EventLoop* loop_;
  ProcessOps* ops_;
  Reaper* reaper_;
  std::list<std::unique_ptr<ExecProbe>> exec_;
};

/// Repeats one probe for a program: at most one in flight, the next `interval` after the
/// last one ended; with `max_interval` > `interval`, the interval doubles after each
/// failure up to it (and starts over after a success). Each result goes to `result`.
class ProbeLoop {
 public:
  struct Settings {
    int64_t first_ms = 0;  ///< Delay before the first probe.
    int64_t interval_ms = 0;
    int64_t max_interval_ms = 0;
    int64_t timeout_ms = 0;
  };
  ProbeLoop(Clock* clock, Prober* prober, std::function<void(const ProbeResult&)> result);
  /// (Re)starts probing `probe` (kept by pointer: the owner's configuration); a probe in
  /// flight is cancelled.
  void Start(const ProbeSpec* probe, const SpawnSpec& exec, Settings settings);
  /// Cancels the probe in flight and the next one.
  void Stop();
  bool active() const { return timer_->active() || run_ != nullptr; }
  bool in_flight() const { return run_ != nullptr; }

 private:
  void Fire();

  Prober* prober_;
  std::function<void(const ProbeResult&)> result_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<ProbeRun> run_;
  const ProbeSpec* probe_ = nullptr;
  std::unique_ptr<SpawnSpec> exec_;
  Settings settings_;
  int64_t next_interval_ms_ = 0;
};

}  // namespace tend

#endif  // TEND_PROBE_H_
