// How a Service learns that its process is ready, and whether it stays healthy: the
// readiness sources (a log line, a descriptor, sd_notify, a probe) and the health probes.
// The state changes they cause go through Service::Step (service.cc).
#include <unistd.h>

#include <algorithm>

#include "base/pattern.h"
#include "base/values.h"
#include "config/restart_policy.h"
#include "core/listener_pool.h"
#include "core/service.h"

namespace tend {

void Service::OnReadyNotified(pid_t pid, bool ready) {
  if (pid != pid_) return;
  if (ready) {
    Step(Event::kReady);
    return;
  }
  next_not_ready_ = fmt::format(
      "closed descriptor {}, or wrote over {} bytes to it, without a newline (ready = {})",
      config_.ready.fd, kMaxNotifyBytes, config_.ready.spec);
  Step(Event::kNotReady);
}

bool Service::AdoptMainPid(pid_t pid, bool from_main) {
  if (pid_ <= 0 || reaped_ || pid == pid_) return pid == pid_;
  // Within its tree, or tend's own child (its parent exited: it was reparented to tend,
  // which will reap it), and alive: a pid gone already would never be reaped here.
  if (env_.reaper->Watched(pid)) return false;  // Another program's process.
  const pid_t parent = env_.ops->ParentOf(pid);
  pid_t p = parent;
  for (int depth = 0; depth < 64 && p > 1 && p != pid_; ++depth) p = env_.ops->ParentOf(p);
  const bool orphan = p != pid_;
  if (orphan && !(from_main && parent > 0 && parent == getpid() && MayOwn(pid))) return false;
  // Not tend's child: held by a pidfd, so that its death is seen (whoever reaps it) and
  // no signal reaches its pid once reused.
  if (!orphan && !env_.ops->Hold(pid, [this, pid] { OnMainGone(pid); })) return false;
  Diag(options_.routine_level, "{}main process is now pid {} (MAINPID, was {})", Subject(), pid,
       pid_);
  // The first process stays watched (OnReaped): its exit ends the program only if the
  // new main process is gone by then. One in between is forgotten.
  if (first_pid_ == 0) {
    first_pid_ = pid_;
  } else {
    env_.reaper->Forget(pid_);
    env_.ops->Unhold(pid_);
  }
  if (config_.ready.kind == ReadySource::Kind::kFd) env_.ops->ForgetReady(pid_);
  pid_ = pid;
  env_.reaper->Watch(pid_, this);
  return true;
}

// An orphan runs as anyone who lived in this container: a program may take one only
// if it could signal it itself (same user), or runs as root.
bool Service::MayOwn(pid_t pid) const {
  const uid_t own = config_.user.resolved ? config_.user.uid : geteuid();
  uid_t uid;
  return own == 0 || (env_.ops->OwnerOf(pid, &uid) && uid == own);
}

void Service::OnMainGone(pid_t pid) {
  if (pid != pid_ || reaped_) return;
  env_.ops->Unhold(pid);
  // Reparented to tend on its parent's exit, it is a zombie of tend's: the reaper tells.
  if (env_.ops->ParentOf(pid) == getpid()) return;
  env_.reaper->Forget(pid);
  if (first_pid_ > 0) {
    // Reaped by the program itself: the first process, alive, is the main one again.
    Diag(options_.routine_level, "{}main process {} (MAINPID) has exited; pid {} is the main one again",
         Subject(), pid, first_pid_);
    pid_ = first_pid_;
    first_pid_ = 0;
    return;
  }
  // Reaped by another process of the program, its status unknown to tend.
  Diag(options_.routine_level, "{}main process {} (MAINPID) has exited; its status is unknown",
       Subject(), pid);
  reaped_ = true;
  for (auto& src : sources_) src->DrainNow();
  exit_status_ = 0;
  if (exec_known_) Step(Event::kExited);
}

void Service::OnNotify(const NotifyMessage& m, bool from_main) {
  if (m.has_status) notify_status_ = m.status;
  if (m.mainpid < 0) {
    Diag(Level::kWarn, "{}MAINPID= refused: not a pid", Subject());
  } else if (m.mainpid > 0 && !AdoptMainPid(m.mainpid, from_main)) {
    Diag(Level::kWarn, "{}MAINPID={} refused: not a process of this program", Subject(),
         m.mainpid);
  }
  if (m.errno_value > 0) {
    Diag(Level::kWarn, "{}reports an error: {}", Subject(), ErrnoString(m.errno_value));
  }
  if (m.stopping) Diag(options_.routine_level, "{}says it is stopping", Subject());
  if (m.reloading) Diag(options_.routine_level, "{}says it is reloading", Subject());
  // Extends the wait for ready, once, to no sooner than now + N (systemd's meaning).
  if (m.extend_timeout_usec >= 0 && waiting_ready() && !extended_) {
    extended_ = true;
    const int64_t now = env_.clock->NowMs();
    ready_deadline_ms_ = std::max(ready_deadline_ms_, now + m.extend_timeout_usec / 1000);
    ready_timer_->Start(ready_deadline_ms_ - now);
  }
  if (m.watchdog && watchdog_timer_->active()) {
    watchdog_timer_->Start(config_.watchdog_ms);
    failed_runs_ = 0;  // Alive and well: a later expiry is restarted at once.
  }
  if (m.ready) Step(Event::kReady);  // Repeated (postgres after a crash): harmless.
  if (m.watchdog_trigger && config_.watchdog_ms > 0) Step(Event::kWatchdog);
}

void Service::OnLine(std::string_view line) {
  const Pattern* re = config_.ready.regex.get();
  const uint64_t gave_up = re ? re->gave_up() : 0;
  if (config_.ready.Matches(line)) {
    Step(Event::kReady);
  } else if (re && re->gave_up() > gave_up && !costly_warned_) {
    costly_warned_ = true;  // Once a run: each such line would say the same.
    Diag(Level::kWarn, "{}a line of {} bytes was not matched: ready = {} would cost too much on it",
         Subject(), line.size(), config_.ready.spec);
  }
}

void Service::WatchLines(bool on) {
  ready_lines_ = on && config_.ready.kind == ReadySource::Kind::kLog;
  AttachTaps();
}

void Service::AttachTaps(bool detach) {
  if (detach) ready_lines_ = false;
  for (auto& src : sources_) {
    if (!src) continue;
    const bool err = src->stream() == 2;
    const bool events = !detach && env_.listeners &&
                        (err ? config_.stderr_events : config_.stdout_events);
    src->SetLineObserver(ready_lines_ || events ? &taps_[err ? 1 : 0] : nullptr);
  }
}

void Service::OnStreamLine(int stream, std::string_view line) {
  if (ready_lines_) OnLine(line);
  if (!env_.listeners || !(stream == 2 ? config_.stderr_events : config_.stdout_events)) return;
  // Nothing is rendered for a line no listener wants: this runs for every line.
  const char* type = stream == 2 ? "PROCESS_LOG_STDERR" : "PROCESS_LOG_STDOUT";
  if (!env_.listeners->Wants(type)) return;
  std::string data(line);
  data += '\n';
  env_.listeners->Publish(type, ProcessLogPayload(config_.name, config_.Group(), log_pid_,
                                                  stream == 2, data));
}

void Service::MaybeRunning() {
  if (state_ != State::kStarting || !ready_) return;
  if (startsecs_passed_) failures_ = 0;
  StartHealth();  // Before Enter: the observer may stop it at once.
  Enter(State::kRunning);
}

void Service::WatchReadiness() {
  ready_ = !config_.ready.active();
  not_ready_.clear();
  costly_warned_ = false;
  extended_ = false;
  notify_status_.clear();
  ready_probe_detail_.clear();
  health_counted_ = false;
  health_failures_ = 0;
  unhealthy_ = false;
  failed_stop_ = false;
  if (config_.watchdog_ms > 0) watchdog_timer_->Start(config_.watchdog_ms);
  if (!config_.ready.active()) return;
  ready_deadline_ms_ = env_.clock->NowMs() + config_.ready_timeout_ms;
  ready_timer_->Start(config_.ready_timeout_ms);
  WatchLines(true);  // Its sources were made during Spawn.
  if (config_.ready.kind == ReadySource::Kind::kProbe) {
    // The first probe after one interval: a server is rarely listening at its exec.
    const int64_t every = config_.ready_interval_ms;
    ready_probe_.Start(&config_.ready.probe, MakeSpawnSpec(),
                       {every, every, std::max<int64_t>(every, 1000), config_.health_timeout_ms});
  }
}

void Service::StopWatching() {
  ready_timer_->Stop();
  watchdog_timer_->Stop();
  WatchLines(false);
  ready_probe_.Stop();
  health_probe_.Stop();  // A probe in flight is cancelled (an exec probe killed).
}

void Service::OnReadyProbe(const ProbeResult& r) {
  if (r.ok) {
    Step(Event::kReady);
    return;
  }
  if (ready_probe_detail_.empty()) {
    Diag(Level::kDebug, "{}not ready yet: {}", Subject(), r.detail);
  }
  ready_probe_detail_ = r.detail;
}

void Service::StartHealth() {
  running_since_ms_ = env_.clock->NowMs();
  if (!config_.health.active()) {
    health_probe_.Stop();
    return;
  }
  // As Docker's HEALTHCHECK: the first probe one interval after the start.
  const int64_t every = config_.health_interval_ms;
  health_probe_.Start(&config_.health, MakeSpawnSpec(),
                      {every, every, every, config_.health_timeout_ms});
}

void Service::OnHealthProbe(const ProbeResult& r) {
  health_detail_ = r.detail;
  if (r.ok) {
    if (health_failures_ > 0) {
      Diag(options_.routine_level, "{}healthy again ({})", Subject(), r.detail);
    }
    health_counted_ = true;
    health_failures_ = 0;
    failed_runs_ = 0;
    return;
  }
  // Failures while it may still be warming up do not count (but a pass ends that time).
  if (!health_counted_ &&
      env_.clock->NowMs() - running_since_ms_ < config_.health_start_period_ms) {
    Diag(Level::kDebug, "{}health check failed within health_start_period: {}", Subject(),
         r.detail);
    return;
  }
  health_counted_ = true;
  ++health_failures_;
  if (health_failures_ < config_.health_retries) {
    Diag(Level::kWarn, "{}health check failed ({}/{}): {}", Subject(), health_failures_,
         config_.health_retries, r.detail);
    return;
  }
  Step(Event::kUnhealthy);
}

void Service::RestartFailedRun() {
  failed_stop_ = false;
  // Killed for it: an unexpected exit, whatever its status says.
  if (!RestartDue(config_.restart, /*expected=*/false)) {
    Diag(options_.routine_level, "{}not restarted (restart = never)", Subject());
    Enter(State::kExited);
    return;
  }
  ++failed_runs_;
  const char* what = unhealthy_ ? "unhealthy" : "watchdog expired";
  if (RetriesExhausted(failed_runs_, config_.startretries)) {
    Diag(Level::kError, "{}{} {} times in a row; FATAL", Subject(), what, failed_runs_);
    Enter(State::kFatal);
    return;
  }
  if (failed_runs_ > 1) {
    // Failed again without a passing probe or a watchdog ping: not at once, as for
    // failed starts.
    const int64_t delay = BackoffDelayMs(config_.backoff_ms, config_.backoff_max_ms,
                                         failed_runs_ - 1, env_.random ? env_.random() : 0.5);
    Diag(Level::kWarn, "{}{} {} times in a row; restarting in {}", Subject(), what,
         failed_runs_, HumanDuration(delay));
    ArmTimer(delay);
    Enter(State::kBackoff);
    return;
  }
  ++restarts_;
  Launch();
}

const char* Service::health() const {
  if (!config_.health.active()) return "";
  if (unhealthy_) return "unhealthy";
  if (health_failures_ > 0) return "failing";
  return health_counted_ ? "healthy" : "starting";
}

}  // namespace tend
