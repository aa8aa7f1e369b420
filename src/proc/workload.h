// What Init runs: the interface between the PID-1 duties (init.h) and what is supervised.
#ifndef TEND_WORKLOAD_H_
#define TEND_WORKLOAD_H_

#include <stdint.h>

#include <string>

namespace tend {

/// Everything tend runs (the Supervisor). It tells Init when it needs a stop (a critical
/// program ended) and when everything is down, with the exit status.
class Workload {
 public:
  virtual ~Workload() = default;
  /// Starts what should run. False with `err` filled when nothing could be started.
  virtual bool Start(std::string* err) = 0;
  /// Stops everything, in order, and within `deadline_ms` (the clock's time; 0: none),
  /// when SIGKILL comes. `trigger` is the signal that asked (TERM, INT), or 0. Called
  /// again while stopping, it passes the request on again.
  virtual void Stop(int trigger, int64_t deadline_ms) = 0;
  /// A signal that is not a stop request (HUP, USR1, WINCH...).
  virtual void Signal(int signo) = 0;
  /// Whether `signo`, forwarded by default, asks this workload to stop instead (QUIT to
  /// supervised programs without a main command, as supervisord).
  virtual bool StopsOn(int signo) const { return false; }
  /// A job-control stop (TSTP, TTIN, TTOU) reached tend outside PID 1: what runs is
  /// stopped with it.
  virtual void Suspend(int signo) = 0;
  /// tend was continued after a job-control stop: the main program takes the terminal
  /// back if tend's group holds it now, and what runs gets SIGCONT.
  virtual void Resume() = 0;
  /// SIGKILL to everything still running: the stop deadline passed.
  virtual void Kill() = 0;
  /// The longest one program's stop may take (the largest stop timeout of what runs):
  /// the stop deadline is no sooner.
  virtual int64_t StopBudgetMs() const = 0;
};

}  // namespace tend

#endif  // TEND_WORKLOAD_H_
