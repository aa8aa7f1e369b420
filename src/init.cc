#include "init.h"

#include <assert.h>
#include <sys/wait.h>

#include "diag.h"
#include "signals.h"
#include "values.h"

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

Init::Init(InitConfig config, ProcessOps* ops, Clock* clock, Reaper* reaper,
           std::function<void(int)> done)
    : config_(std::move(config)),
      ops_(ops),
      clock_(clock),
      reaper_(reaper),
      done_(std::move(done)),
      timer_(clock->NewTimer([this] { Step(Event::kTimeout, 0); })) {}

bool Init::Start(std::string* err) {
  main_pid_ = ops_->Spawn(config_.main, this, err);
  if (main_pid_ < 0) return false;
  reaper_->Watch(main_pid_, this);
  Diag(Level::kDebug, "started \"{}\" as pid {}", config_.main.argv[0], main_pid_);
  return true;
}

void Init::OnSignal(int signo) {
  Step(RoleOf(signo) == SignalRole::kStop ? Event::kStopRequest : Event::kForward, signo);
}

void Init::OnNoChildren() { Step(Event::kNoChildren, 0); }

void Init::OnReaped(pid_t pid, int status) {
  reaped_ = true;
  exit_code_ = ExitCodeOf(status);
  if (WIFSIGNALED(status)) {
    Diag(Level::kDebug, "main program (pid {}) was killed by SIG{}", pid,
         SignalName(WTERMSIG(status)));
  } else {
    Diag(Level::kDebug, "main program (pid {}) exited with status {}", pid, exit_code_);
  }
  if (exec_known_) Step(Event::kMainFinished, 0);
}

void Init::OnExecResult(pid_t pid, const ExecError* error) {
  exec_known_ = true;
  if (error) Diag(Level::kError, "{}", DescribeExecError(config_.main, *error));
  if (reaped_) Step(Event::kMainFinished, 0);
}

// The whole life cycle; every (event, phase) pair is spelt out.
void Init::Step(Event event, int signo) {
  switch (event) {
    case Event::kStopRequest:
      switch (phase_) {
        case Phase::kRunning:
          ArmDeadline(clock_->NowMs() + config_.stop_timeout_ms);
          phase_ = Phase::kStopping;
          SignalMain(config_.stop_signal ? config_.stop_signal : signo);
          return;
        case Phase::kStopping:
          // A second request (Ctrl-C twice): pass it on again, keep the deadline.
          SignalMain(config_.stop_signal ? config_.stop_signal : signo);
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
          SignalMain(signo);
          return;
        case Phase::kSweeping:
        case Phase::kKilling:
        case Phase::kDone:
          return;  // No main program to forward to.
      }
      break;
    case Event::kMainFinished:
      switch (phase_) {
        case Phase::kRunning:
          deadline_ms_ = clock_->NowMs() + config_.stop_timeout_ms;
          EnterSweep();
          return;
        case Phase::kStopping:
          EnterSweep();  // Within what is left of the stop deadline.
          return;
        case Phase::kKilling:
          // The main program died of the escalation; stragglers were killed with it.
          if (!ops_->HasChildren()) Finish();
          return;
        case Phase::kSweeping:
        case Phase::kDone:
          assert(!"main program finished twice");
          return;
      }
      break;
    case Event::kTimeout:
      switch (phase_) {
        case Phase::kStopping:
          Diag(Level::kWarn, "main program did not stop within {}; sending SIGKILL",
               FormatDuration(config_.stop_timeout_ms));
          ops_->Signal(main_pid_, SIGKILL, /*group=*/true);
          ops_->SignalStragglers(SIGKILL);
          phase_ = Phase::kKilling;
          timer_->Start(kKillGraceMs);
          return;
        case Phase::kSweeping: {
          int n = ops_->SignalStragglers(SIGKILL);
          Diag(Level::kWarn, "{} still running {} after the main program ended; sent SIGKILL",
               n < 0 ? std::string("processes") : fmt::format("{} processes", n),
               FormatDuration(config_.stop_timeout_ms));
          phase_ = Phase::kKilling;
          timer_->Start(kKillGraceMs);
          return;
        }
        case Phase::kKilling:
          Diag(Level::kWarn, "processes survived SIGKILL for {}; exiting anyway",
               FormatDuration(kKillGraceMs));
          if (!reaped_) exit_code_ = 128 + SIGKILL;
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
          if (reaped_ && exec_known_) Finish();
          return;
        case Phase::kRunning:
        case Phase::kStopping:
        case Phase::kDone:
          return;  // The main program's end is still to be told (exec result pending).
      }
      break;
  }
}

void Init::SignalMain(int sig) {
  Diag(Level::kDebug, "sending SIG{} to {} {}", SignalName(sig),
       config_.signal_child_only ? "main program" : "process group", main_pid_);
  ops_->Signal(main_pid_, sig, !config_.signal_child_only);
}

// The main program is gone: ask whatever is left to stop, or finish when nothing is.
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
