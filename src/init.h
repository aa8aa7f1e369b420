// Init: tend's PID-1 duties around one main program.
//
// It starts the main program, forwards signals to it, runs the stop sequence, sweeps
// away whatever is left once the main program is gone, and decides tend's exit status.
//
// Phases (one exhaustive switch in Init::Step):
//
//   kRunning  --TERM/INT-->            kStopping  (stop signal sent, deadline armed)
//   kRunning  --main finished-->       kSweeping  (TERM to stragglers, stop timeout)
//   kStopping --main finished-->       kSweeping  (TERM to stragglers, same deadline)
//   kStopping --deadline-->            kStopping  (SIGKILL to the main group, grace)
//   kSweeping --deadline-->            kKilling   (SIGKILL to stragglers, grace)
//   kSweeping/kKilling --no children-> kDone
//   kKilling  --grace over-->          kDone      (with a warning: unkillable processes)
//
// "Main finished" means reaped *and* its exec result known, so that an exec failure is
// reported before tend exits. Entering kSweeping with no child left goes to kDone at once.
// The exit status is the main program's: its code, or 128+N when killed by signal N.
#ifndef TEND_INIT_H_
#define TEND_INIT_H_

#include <signal.h>
#include <stdint.h>

#include <functional>
#include <memory>
#include <string>

#include "clock.h"
#include "reaper.h"
#include "spawn.h"

namespace tend {

struct InitConfig {
  SpawnSpec main;
  int64_t stop_timeout_ms = 8000;
  /// Sent to the main program on a stop request. 0: pass on the TERM or INT received.
  int stop_signal = 0;
  /// Signals go to the main program alone instead of its whole process group.
  bool signal_child_only = false;
};

/// How long tend waits for processes to vanish after SIGKILL before giving up on them.
constexpr int64_t kKillGraceMs = 2000;

/// Maps a wait status to a shell-style exit code: the code, or 128+N for signal N.
int ExitCodeOf(int wait_status);

class Init : public ExitObserver, public SpawnObserver {
 public:
  enum class Phase { kRunning, kStopping, kSweeping, kKilling, kDone };
  static const char* ToString(Phase p);

  /// `done` is called once, with the exit status, when the phase reaches kDone.
  Init(InitConfig config, ProcessOps* ops, Clock* clock, Reaper* reaper,
       std::function<void(int)> done);

  /// Starts the main program. False with `err` filled when no process could be made.
  bool Start(std::string* err);

  /// A signal tend received (anything but SIGCHLD, which goes to the Reaper).
  void OnSignal(int signo);
  /// The Reaper found no child left.
  void OnNoChildren();

  void OnReaped(pid_t pid, int status) override;
  void OnExecResult(pid_t pid, const ExecError* error) override;

  Phase phase() const { return phase_; }
  pid_t main_pid() const { return main_pid_; }
  int exit_code() const { return exit_code_; }

 private:
  enum class Event { kStopRequest, kForward, kMainFinished, kTimeout, kNoChildren };

  void Step(Event event, int signo);
  // Verbs used by Step.
  void SignalMain(int sig);
  void EnterSweep();
  void Finish();
  void ArmDeadline(int64_t deadline_ms);

  InitConfig config_;
  ProcessOps* ops_;
  Clock* clock_;
  Reaper* reaper_;
  std::function<void(int)> done_;
  std::unique_ptr<Timer> timer_;

  Phase phase_ = Phase::kRunning;
  pid_t main_pid_ = -1;
  bool reaped_ = false;
  bool exec_known_ = false;
  int exit_code_ = 0;
  int64_t deadline_ms_ = 0;
};

}  // namespace tend

#endif  // TEND_INIT_H_
