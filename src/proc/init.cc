#include "proc/init.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>

#include "base/diag.h"
#include "base/values.h"
#include "proc/signals.h"

namespace tend {

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;  // Stopped or continued: not an exit; callers never pass these.
}

const char* Init::ToString(Phase p) {
  switch (p) {
    case Phase::kRunning:
      return "running";
    case Phase::kStopping:
      return "stopping";
    case Phase::kSweeping:
      return "sweeping";
    case Phase::kKilling:
      return "killing";
    case Phase::kDone:
      return "done";
  }
  return "?";
}

Init::Init(Workload* workload, ProcessOps* ops, Clock* clock, int64_t stop_timeout_ms,
           std::function<void(int)> done)
    : workload_(workload),
      ops_(ops),
      clock_(clock),
      stop_timeout_ms_(stop_timeout_ms),
      done_(std::move(done)),
      timer_(clock->NewTimer([this] { Step(Event::kTimeout, 0); })) {}

void Init::OnSignal(int signo) {
  switch (RoleOf(signo)) {
    case SignalRole::kStop:
      Step(Event::kStopRequest, signo);
      return;
    case SignalRole::kJobControl:
      Step(Event::kSuspend, signo);
      return;
    case SignalRole::kForward:
      Step(workload_->StopsOn(signo) ? Event::kStopRequest : Event::kForward, signo);
      return;
    case SignalRole::kFault:
    case SignalRole::kPipe:
    case SignalRole::kChild:
    case SignalRole::kUntouched:
      Step(Event::kForward, signo);
      return;
  }
}

void Init::OnMainStopped(int signo) {
  // Already stopped: nothing to pass on, only to follow.
  if (RoleOf(signo) == SignalRole::kJobControl) Step(Event::kSuspend, 0);
}

void Init::RequestStop() { Step(Event::kStopRequest, 0); }

void Init::OnWorkloadDone(int exit_code) { Step(Event::kWorkloadDone, exit_code); }

void Init::OnNoChildren() { Step(Event::kNoChildren, 0); }

// The whole life cycle; every (event, phase) pair is spelt out.
void Init::Step(Event event, int arg) {
  switch (event) {
    case Event::kStopRequest:
      switch (phase_) {
        case Phase::kRunning:
          phase_ = Phase::kStopping;
          ArmDeadline(clock_->NowMs() + std::max(stop_timeout_ms_, workload_->StopBudgetMs()) +
                      kDeadlineMarginMs);
          workload_->Stop(arg, deadline_ms_ - kDeadlineMarginMs);
          return;
        case Phase::kStopping:
          // Asked again: passed on, same deadline.
          if (arg) workload_->Stop(arg, deadline_ms_ - kDeadlineMarginMs);
          return;
        case Phase::kSweeping:
        case Phase::kKilling:
        case Phase::kDone:
          return;  // Already on the way out.
      }
      break;
    case Event::kForward:
      switch (phase_) {
        case Phase::kRunning:
        case Phase::kStopping:
          workload_->Signal(arg);
          return;
        case Phase::kSweeping:
        case Phase::kKilling:
        case Phase::kDone:
          return;  // Nothing supervised is left to hear it.
      }
      break;
    case Event::kSuspend:
      switch (phase_) {
        case Phase::kRunning:
        case Phase::kStopping:
          if (!job_control_) {
            if (arg) workload_->Signal(arg);  // PID 1 cannot be stopped: only passed on.
            return;
          }
          if (arg) workload_->Suspend(arg);
          // The calling shell waits for its job, tend, to stop; only then does it
          // take the terminal back and show its prompt.
          ops_->StopSelf();
          workload_->Resume();
          return;
        case Phase::kSweeping:
        case Phase::kKilling:
        case Phase::kDone:
          return;  // Nothing supervised is left to hear it; tend is about to exit.
      }
      break;
    case Event::kWorkloadDone:
      workload_done_ = true;
      exit_code_ = arg;
      switch (phase_) {
        case Phase::kRunning:
          // Not asked to stop, yet down: sweep within a fresh stop timeout.
          deadline_ms_ = clock_->NowMs() + stop_timeout_ms_;
          EnterSweep();
          return;
        case Phase::kStopping:
          EnterSweep();  // Within what is left of the stop deadline.
          return;
        case Phase::kKilling:
          if (!ops_->HasChildren()) Finish();
          return;
        case Phase::kSweeping:
        case Phase::kDone:
          return;
      }
      break;
    case Event::kTimeout:
      switch (phase_) {
        case Phase::kStopping:
          Diag(Level::kWarn, "stop deadline passed; sending SIGKILL to everything left");
          workload_->Kill();
          ops_->SignalStragglers(SIGKILL);
          phase_ = Phase::kKilling;
          timer_->Start(kKillGraceMs);
          return;
        case Phase::kSweeping: {
          int n = ops_->SignalStragglers(SIGKILL);
          Diag(Level::kWarn, "{} still running at the stop deadline; sent SIGKILL",
               n < 0 ? std::string("processes") : fmt::format("{} processes", n));
          phase_ = Phase::kKilling;
          timer_->Start(kKillGraceMs);
          return;
        }
        case Phase::kKilling:
          Diag(Level::kWarn, "processes survived SIGKILL for {}; exiting anyway",
               FormatDuration(kKillGraceMs));
          if (!workload_done_) exit_code_ = 128 + SIGKILL;
          Finish();
          return;
        case Phase::kRunning:
        case Phase::kDone:
          return;  // A timer that fired as it was stopped.
      }
      break;
    case Event::kNoChildren:
      switch (phase_) {
        case Phase::kSweeping:
          Finish();
          return;
        case Phase::kKilling:
          if (workload_done_) Finish();
          return;
        case Phase::kRunning:
        case Phase::kStopping:
        case Phase::kDone:
          return;  // The workload's end is still to be told.
      }
      break;
  }
}

// The workload is down: ask whatever is left to stop, or finish when nothing is.
void Init::EnterSweep() {
  if (!ops_->HasChildren()) {
    Finish();
    return;
  }
  phase_ = Phase::kSweeping;
  int n = ops_->SignalStragglers(SIGTERM);
  Diag(Level::kDebug, "sent SIGTERM to {} remaining processes",
       n < 0 ? std::string("all") : std::to_string(n));
  ArmDeadline(deadline_ms_);
}

void Init::ArmDeadline(int64_t deadline_ms) {
  deadline_ms_ = deadline_ms;
  int64_t left = deadline_ms - clock_->NowMs();
  timer_->Start(left > 0 ? left : 0);
}

void Init::Finish() {
  phase_ = Phase::kDone;
  timer_->Stop();
  done_(exit_code_);
}

}  // namespace tend
