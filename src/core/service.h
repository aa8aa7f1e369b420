// Service: one supervised process and its life cycle.
//
// Want (up or down, from the configuration, tendctl or shutdown) is kept apart from state
// (what the process is doing), as in runit and dinit. The states are supervisorctl's:
//
//   STOPPED   not running, and not meant to be (initial state, or after a stop).
//   STARTING  spawned; a longrun becomes RUNNING after startsecs, a oneshot is
//             STARTING until it exits.
//   RUNNING   a longrun that stayed up startsecs (or startsecs=0 and exec succeeded).
//   BACKOFF   a start failed (exit before startsecs, exec failure, or a oneshot's
//             unexpected exit); a retry is scheduled: backoff doubling up to backoff_max.
//   STOPPING  asked to stop: stopsignal sent, SIGKILL after stopwaitsecs.
//   EXITED    ended on its own with no restart due (a oneshot that succeeded, or a
//             longrun whose policy says no restart).
//   FATAL     startretries consecutive failed starts: given up until started again.
//
// Transitions (Service::Step, one exhaustive switch):
//   STOPPED/EXITED/FATAL --start--> STARTING (spawn; a failed fork counts as a failed start)
//   STARTING --startsecs--> RUNNING            STARTING --exec ok, startsecs=0--> RUNNING
//   With a readiness source (`ready`): STARTING --ready--> RUNNING, whether startsecs
//   has passed or not (dependents wait for ready, not for time); startsecs still decides
//   whether an exit is a failed start. STARTING --ready_timeout, or the source says it
//   never will be--> stopsignal (SIGKILL after stopwaitsecs), and its exit is a failed
//   start. watchdog (ready = notify): no WATCHDOG=1 for that long, or WATCHDOG=trigger,
//   in STARTING or RUNNING: a stop, want still up, so it starts again once stopped.
//   STARTING --exit--> BACKOFF | FATAL        (a oneshot's expected exit: EXITED)
//   RUNNING  --exit--> STARTING (restart due, at once) | EXITED
//   BACKOFF  --timer--> STARTING               BACKOFF --stop--> STOPPED
//   STARTING/RUNNING --stop--> STOPPING        STOPPING --stopwaitsecs--> SIGKILL, STOPPING
//   STOPPING --exit--> STOPPED, then STARTING again if want is up (a restart)
//
// Health (`health`): once RUNNING, a probe every health_interval; health_retries failures
// in a row (not counting those within health_start_period of RUNNING) make it unhealthy:
//   RUNNING --unhealthy--> STOPPING (stopsignal, SIGKILL after stopwaitsecs), then, as for
//   an unexpected exit: STARTING at once, or BACKOFF when it was unhealthy before without
//   a passing probe in between, or EXITED with restart = never.
//
// Every spawn asks the observer first (MayLaunch: the Supervisor's dependencies); when
// held back, the service waits in BACKOFF, wanted up, until LaunchIfWaiting.
//
// Leftovers (cleanupgroup): when the process has exited and its process group still has
// living members, they get stopsignal, and SIGKILL after stopwaitsecs. Until the group
// is empty (or the SIGKILL is sent) a start waits in BACKOFF, so that a server left
// behind cannot keep the port from the new one.
//
// "Exit" means the process was reaped *and* its exec result is known, so an exec failure
// is reported before the state changes.
#ifndef TEND_SERVICE_H_
#define TEND_SERVICE_H_

#include <stdint.h>

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/diag.h"
#include "config/config.h"
#include "log/log_router.h"
#include "log/log_sink.h"
#include "proc/reaper.h"
#include "proc/spawn.h"
#include "ready/notify_socket.h"
#include "ready/probe.h"

namespace tend {

class ListenerPools;
class Service;

/// Told of every state change (the Supervisor starts dependents, detects critical exits).
class ServiceObserver {
 public:
  virtual ~ServiceObserver() = default;
  virtual void OnServiceChanged(Service* service) = 0;
  /// Whether `service` may spawn now: every start, the restarts it makes itself (after
  /// a crash, a backoff, a health or watchdog stop) included. When not, it waits in
  /// BACKOFF until LaunchIfWaiting() finds the way clear (its dependencies are up).
  virtual bool MayLaunch(const Service* service) const { return true; }
};

/// How a service is run beyond its ProgramConfig.
struct ServiceOptions {
  /// A new process group in tend's session that may take tend's terminal (the main
  /// command); otherwise a new session without a terminal (programs from conf.d).
  bool main_program = false;
  bool take_terminal = false;
  /// Level of routine messages (started, exited...): kInfo for programs, kDebug for the
  /// main command, which stays as quiet as tini unless -v.
  Level routine_level = Level::kInfo;
};

class Service : public ExitObserver, public SpawnObserver, public LineObserver {
 public:
  enum class State { kStopped, kStarting, kRunning, kBackoff, kStopping, kExited, kFatal };
  static const char* ToString(State s);

  /// What a Service needs from the rest of tend. `random` returns values in [0, 1) for
  /// the backoff jitter.
  struct Env {
    ProcessOps* ops;
    Clock* clock;
    Reaper* reaper;
    ServiceObserver* observer;
    std::function<double()> random;
    /// Where programs' output goes, prefixed; null: programs share tend's streams.
    LogRouter* logs;
    /// NOTIFY_SOCKET for ready = notify programs ("@name"); null or empty: none yet.
    const std::string* notify_address = nullptr;
    /// Runs ready and health probes; needed only by programs that have some.
    Prober* prober = nullptr;
    /// Talks to event listeners (config().listener): their stdin and stdout.
    ListenerPools* listeners = nullptr;
  };

  Service(ProgramConfig config, ServiceOptions options, Env env);
  /// Must only be destroyed without a process (state STOPPED, EXITED, FATAL or BACKOFF).
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Want up: start unless running or starting.
  void Start();
  /// Want down: stop if running. `trigger` is the signal that asked for the stop (TERM,
  /// INT), sent instead of stopsignal when stopsignal is 0 (the main command's default).
  void Stop(int trigger = 0);
  /// Drops the want without acting: the service will not be started or restarted, and
  /// a pending retry is cancelled, but a running process is left to a later Stop (the
  /// Supervisor's ordered shutdown stops dependencies only after their dependents).
  void Release();
  /// Sends `sig` to the process, or to its whole process group when `group`, if there
  /// is one.
  void Signal(int sig, bool group);
  /// A job-control stop: `sig` (TSTP, TTIN, TTOU) passed on, or SIGSTOP to the group of
  /// a process in a session of its own, which the kernel would not stop with `sig`.
  void Suspend(int sig);
  /// After tend's own job-control stop: the terminal back to the process's group if it
  /// takes the terminal and tend holds it, then SIGCONT.
  void Resume();
  /// SIGKILL to the process (group when killasgroup) now: the shutdown deadline passed.
  void Kill();
  /// Processes were reaped that were no service's own (orphans): if they were the last
  /// of the group being cleaned, a start waiting for it goes ahead.
  void CheckLeftovers();
  /// Whether what the last process left in its group is being stopped.
  bool cleaning() const { return leftover_pgid_ > 0; }
  /// A start waits in BACKOFF: for the leftovers to be gone, or for the observer's
  /// MayLaunch.
  bool launch_waiting() const { return launch_waiting_; }
  /// Spawns the start that waits, if nothing holds it back any more.
  void LaunchIfWaiting();

  void OnReaped(pid_t pid, int status) override;
  void OnExecResult(pid_t pid, const ExecError* error) override;
  void OnOutputPipe(pid_t pid, int stream, UniqueFd read_end) override;
  void OnTerminal(pid_t pid, UniqueFd master) override;
  void OnReadyNotified(pid_t pid, bool ready) override;
  /// ready = notify: a datagram the program sent; `from_main`: from its main process.
  void OnNotify(const NotifyMessage& m, bool from_main = false);
  /// MAINPID=: `pid`, a process in this program's tree (or, said by the main process
  /// itself, an orphan tend adopted: a daemon that double-forked, of the program's user
  /// unless that is root), is its main process from now on (signals, stop, exit). False
  /// when it may not be. When it exits reaped by the program, the first process is the
  /// main one again.
  bool AdoptMainPid(pid_t pid, bool from_main);
  /// The last STATUS= it sent (ready = notify), "" for none.
  const std::string& notify_status() const { return notify_status_; }
  /// ready = log:TEXT: a line of the program's output (from its log sources).
  void OnLine(std::string_view line) override;
  /// A line of stream `stream` (1 stdout, 2 stderr): for ready = log: and PROCESS_LOG
  /// events.
  void OnStreamLine(int stream, std::string_view line);

  /// How the process is (or would be) spawned: tendctl exec runs commands the same way.
  SpawnSpec MakeSpawnSpec() const;

  /// tty = true: whether the process has its terminal now.
  bool has_terminal() const { return terminal_.valid(); }
  /// Types `data` on the program's terminal without waiting: the bytes it took (0 when
  /// it is full), or -1 when there is no terminal.
  ssize_t WriteTerminal(std::string_view data);
  /// Sets the terminal's window size (the program gets SIGWINCH); remembered for the
  /// terminals of later runs.
  bool ResizeTerminal(int rows, int cols);

  const std::string& name() const { return config_.name; }
  const ProgramConfig& config() const { return config_; }
  /// Replaces the configuration: any time there is no process, or when only settings
  /// that do not shape the process change (SameRun): they apply from the next event, and
  /// health checks that changed start over.
  void set_config(ProgramConfig config);
  State state() const { return state_; }
  bool want_up() const { return want_up_; }
  /// No process, and none coming unless started again: STOPPED, EXITED or FATAL.
  bool Down() const;
  /// Satisfies a dependency: RUNNING, or a oneshot that EXITED with an expected code.
  bool Up() const;
  /// Ended on its own for good: EXITED or FATAL while wanted up.
  bool EndedForGood() const;
  bool has_process() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  /// Wait status of the last exit (valid once has_exited()).
  int last_status() const { return last_status_; }
  /// The last exit as tendctl status shows it: why tend ended it or counted it a
  /// failure, with its wait status ("not ready after 2s (ready = tcp:6379); was killed by
  /// SIGTERM", "exited with status 1 within startsecs"); "" before any exit.
  const std::string& last_exit() const { return last_exit_; }
  /// Why the last run failed, without the wait status: "not ready after 2s (...)",
  /// "unhealthy: ...", "watchdog: ...", "exited too quickly", an exec or fork error;
  /// "" when the last exit was no failure of that kind.
  const std::string& last_failure() const { return last_failure_; }
  bool has_exited() const { return has_exited_; }
  int restarts() const { return restarts_; }
  int failures() const { return failures_; }
  int64_t state_since_ms() const { return state_since_ms_; }
  /// STARTING and waiting for its readiness source, since started_ms().
  bool waiting_ready() const {
    return state_ == State::kStarting && !ready_ && not_ready_.empty();
  }
  int64_t started_ms() const { return started_ms_; }
  /// Started at least once (started_ms() is then the last start).
  bool launched() const { return launched_; }
  /// The spawned process, while MAINPID= made another one the main process; else 0.
  pid_t first_pid() const { return first_pid_; }
  /// ready = a probe: what the last one saw, while waiting for ready ("" before any).
  const std::string& ready_probe_detail() const { return ready_probe_detail_; }

  /// Health (config().health): "" without health checks; else "starting" (no probe has
  /// counted yet in this run), "healthy", "failing" (a streak shorter than
  /// health_retries) or "unhealthy" (stopped for it, or left EXITED with restart = never).
  const char* health() const;
  bool unhealthy() const { return unhealthy_; }
  /// Failed probes in a row (counted ones).
  int health_failures() const { return health_failures_; }
  /// What the last health probe saw, "" before any.
  const std::string& health_detail() const { return health_detail_; }

 private:
  /// Whether the program may take orphan `pid` as its main process (AdoptMainPid).
  bool MayOwn(pid_t pid) const;
  /// A main process named by MAINPID= (held) has exited.
  void OnMainGone(pid_t pid);
  /// Sends `sig` to the main process, with `group` to its group too, and after MAINPID=
  /// to the group the program started in while its first process lives.
  void SignalMain(int sig, bool group);
  enum class Event {
    kStart, kStop, kExecOk, kExited, kTimer, kReady, kNotReady, kWatchdog, kUnhealthy
  };

  void Step(Event event);
  // Verbs used by Step.
  void Launch();
  void FailedStart(const std::string& why);
  void SendStop();
  void Enter(State s);
  void ArmTimer(int64_t ms);
  void RouteOutput(pid_t pid, int stream, UniqueFd read_end, bool terminal);
  /// How messages name this service: "web: ", or "" for the main command.
  std::string Subject() const;
  /// Listens to the current process's log sources for ready = log:, or stops.
  void WatchLines(bool on);
  /// Gives each source its stream's tap while its lines are wanted (ready = log:,
  /// PROCESS_LOG events), none otherwise or with `detach` (before sources linger).
  void AttachTaps(bool detach = false);
  /// STARTING's way out once both hold: ready, and startsecs passed (for the reset).
  void MaybeRunning();
  /// At a launch: the readiness sources and timers of the new process.
  void WatchReadiness();
  /// The process is stopping or gone: no more readiness, watchdog or health events.
  void StopWatching();
  void OnReadyProbe(const ProbeResult& r);
  /// (Re)starts health checks, RUNNING from now.
  void StartHealth();
  void OnHealthProbe(const ProbeResult& r);
  /// At an exit: last_exit_ and last_failure_.
  void RecordExit(int status);
  /// After a stop for failing health checks or the watchdog: a failed run, started
  /// again at once the first time, then after a backoff; FATAL past startretries.
  void RestartFailedRun();
  /// Whether the process runs in a session of its own (every program but the main one).
  bool OwnSession() const;
  /// The exit event in each state (Step's switch goes on there).
  void Exited(int status, bool expected);
  /// After an exit: how many living processes the process left in its group `pgid`;
  /// when some, starts wait for them (leftover_pgid_).
  int FindLeftovers(pid_t pgid);
  /// Sends them stopsignal (unless `signalled`: a stop as a group did) and arms the
  /// SIGKILL.
  void StopLeftovers(int n, bool signalled);
  void EndCleanup();

  ProgramConfig config_;
  ServiceOptions options_;
  Env env_;
  std::unique_ptr<Timer> timer_;
  // Readiness of the current process (config_.ready).
  bool ready_ = false;             // The source said ready (always, without a source).
  bool startsecs_passed_ = false;  // Alive long enough to count as started.
  std::string not_ready_;          // Why it will not be ready: it is being stopped.
  std::string next_not_ready_;     // The reason kNotReady carries.
  int64_t ready_deadline_ms_ = 0;  // When ready_timer_ fires.
  bool extended_ = false;          // EXTEND_TIMEOUT_USEC was applied (once per run).
  std::string notify_status_;      // STATUS= (ready = notify).
  std::unique_ptr<Timer> ready_timer_;  // ready_timeout.
  std::unique_ptr<Timer> watchdog_timer_;  // watchdog: re-armed by each WATCHDOG=1.
  ProbeLoop ready_probe_;                  // ready = tcp:|http:|exec:.
  std::string ready_probe_detail_;
  // Health of the current run (config_.health).
  ProbeLoop health_probe_;
  int64_t running_since_ms_ = 0;
  bool health_counted_ = false;   // A probe counted (passed, or failed after the start period).
  int health_failures_ = 0;       // Counted failures in a row.
  bool unhealthy_ = false;
  std::string health_detail_;
  // Being stopped for failing health checks or its watchdog: restarted as after a
  // failed run (FailedRun).
  bool failed_stop_ = false;
  bool costly_warned_ = false;  // This run was told a line cost its pattern too much.
  // Runs ended so in a row, without a passing probe or a WATCHDOG=1 in between.
  int failed_runs_ = 0;
  pid_t leftover_pgid_ = 0;      // The group being cleaned, 0 when none.
  bool launch_waiting_ = false;  // A start waits in BACKOFF for the cleaning to end.
  std::unique_ptr<Timer> leftover_timer_;  // SIGKILL to the leftovers when it fires.

  State state_ = State::kStopped;
  bool want_up_ = false;
  int stop_trigger_ = 0;
  pid_t pid_ = -1;
  pid_t first_pid_ = 0;  // The spawned process, while MAINPID= named another main one.
  pid_t pgid_ = 0;       // The spawned process's group (its pid), for the leftovers.
  bool reaped_ = false;
  bool exec_known_ = false;
  int exit_status_ = 0;  // Of the process being finished.
  int last_status_ = 0;
  std::string last_exit_, last_failure_;
  std::string cause_;  // Why the current process is being ended, or could not be spawned.
  bool exec_failed_ = false;  // cause_ is its exec error.
  bool has_exited_ = false;
  int failures_ = 0;
  int restarts_ = 0;
  int64_t state_since_ms_ = 0;
  int64_t started_ms_ = 0;
  bool launched_ = false;
  std::vector<std::unique_ptr<LogSource>> sources_;  // The current process's pipes.
  // One stream's lines to OnStreamLine.
  class LineTap : public LineObserver {
   public:
    LineTap(Service* service, int stream) : service_(service), stream_(stream) {}
    void OnLine(std::string_view line) override { service_->OnStreamLine(stream_, line); }

   private:
    Service* service_;
    int stream_;
  };
  LineTap taps_[2] = {{this, 1}, {this, 2}};
  bool ready_lines_ = false;  // ready = log: waits for a line.
  pid_t log_pid_ = 0;         // The process whose lines the taps hear.
  UniqueFd terminal_;                  // tty = true: the pseudo-terminal's master, for input.
  int term_rows_ = 0, term_cols_ = 0;  // The last size asked for.
};

/// A process that was RUNNING but exits sooner than this after its start is restarted
/// after `backoff`, not at once, so that startsecs=0 cannot make a fork loop.
constexpr int64_t kMinUptimeMs = 1000;

/// supervisord's check before a start (options.py check_execv_args): the command's file,
/// found as exec will look for it, must be there, not a directory, and executable.
enum class CommandCheck { kOk, kNoFile, kNotExecutable };
CommandCheck CheckCommand(const ProgramConfig& p);

/// Maps a stdout_logfile / stderr_logfile value to SpawnSpec::output: "" (inherit) for
/// the default and AUTO, "/dev/null" for NONE, "&1" / "&2" for tend's own stdout and
/// stderr (/dev/stdout, /dev/fd/1...), else the path. Rotation comes with the log issue.
std::string OutputDestination(const std::string& logfile);

}  // namespace tend

#endif  // TEND_SERVICE_H_
