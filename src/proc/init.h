// Init: tend's PID-1 duties around a Workload (the Supervisor).
//
// It turns TERM/INT into a stop of the workload, passes other signals on, sweeps away
// whatever is left once the workload is down, and exits with the workload's status.
//
// Phases (one exhaustive switch in Init::Step):
//
//   kRunning  --TERM/INT, or a critical exit-->  kStopping (workload stopping, deadline armed)
//   kStopping --workload down-->                 kSweeping (TERM to stragglers, same deadline)
//   kStopping --deadline-->                      kKilling  (SIGKILL to all, grace period)
//   kSweeping --deadline-->                      kKilling  (SIGKILL to stragglers, grace)
//   kSweeping/kKilling --no child left-->        kDone
//   kKilling  --grace over-->                    kDone     (warning: unkillable processes)
//
// Job control (only when tend is not PID 1, which the kernel never stops): TSTP, TTIN
// or TTOU received are passed on, then tend stops itself; so does a job-control stop of
// the main program (Ctrl-Z while it holds the terminal). Once continued, the main program
// gets the terminal back if tend's group holds it (fg, not bg) and SIGCONT. The phase
// does not change.
//
// The deadline is the stop request's time plus the larger of --stop-timeout and the
// workload's own stop budget, plus a small margin: one deadline for the stop and the sweep, so that the
// whole stop fits in the runtime's grace period. Entering kSweeping with no child left
// goes to kDone at once.
#ifndef TEND_INIT_H_
#define TEND_INIT_H_

#include <stdint.h>

#include <memory>

#include "base/clock.h"
#include "proc/spawn.h"
#include "proc/workload.h"

namespace tend {

/// How long tend waits for processes to vanish after SIGKILL before giving up on them.
constexpr int64_t kKillGraceMs = 2000;
/// Init's stop deadline comes this much after the programs' own stop timeouts, so that
/// each program's SIGKILL (with its message) comes first and Init's is a backstop.
constexpr int64_t kDeadlineMarginMs = 250;

/// Maps a wait status to a shell-style exit code: the code, or 128+N for signal N.
int ExitCodeOf(int wait_status);

class Init {
 public:
  enum class Phase { kRunning, kStopping, kSweeping, kKilling, kDone };
  static const char* ToString(Phase p);

  /// `done` is called once, with the exit status, when the phase reaches kDone.
  Init(Workload* workload, ProcessOps* ops, Clock* clock, int64_t stop_timeout_ms,
       std::function<void(int)> done);

  /// A signal tend received (anything but SIGCHLD, which goes to the Reaper).
  void OnSignal(int signo);
  /// The main program was stopped by `signo` (the Reaper saw it). A job-control stop
  /// (TSTP, TTIN, TTOU) stops tend too when job control is on; others change nothing.
  void OnMainStopped(int signo);
  /// Whether tend may stop itself for job control: true when it is not PID 1.
  void set_job_control(bool on) { job_control_ = on; }
  /// The workload wants to stop (a critical program ended).
  void RequestStop();
  /// The workload is down after a stop, with the exit status.
  void OnWorkloadDone(int exit_code);
  /// The Reaper found no child left.
  void OnNoChildren();

  Phase phase() const { return phase_; }
  int exit_code() const { return exit_code_; }

 private:
  enum class Event { kStopRequest, kForward, kSuspend, kWorkloadDone, kTimeout, kNoChildren };

  void Step(Event event, int arg);
  // Verbs used by Step.
  void EnterSweep();
  void Finish();
  void ArmDeadline(int64_t deadline_ms);

  Workload* workload_;
  ProcessOps* ops_;
  Clock* clock_;
  int64_t stop_timeout_ms_;
  std::function<void(int)> done_;
  std::unique_ptr<Timer> timer_;

  Phase phase_ = Phase::kRunning;
  bool job_control_ = false;
  bool workload_done_ = false;
  int exit_code_ = 0;
  int64_t deadline_ms_ = 0;
};

}  // namespace tend

#endif  // TEND_INIT_H_
