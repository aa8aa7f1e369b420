#include "core/service.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>

#include "base/values.h"
#include "config/restart_policy.h"
#include "core/listener_pool.h"

namespace tend {

std::string OutputDestination(const std::string& logfile) {
  if (logfile.empty() || logfile == "AUTO") return "";
  if (logfile == "NONE") return "/dev/null";
  // tend's own streams: supervisord files name them to log to the container.
  if (logfile == "/dev/stdout" || logfile == "/dev/fd/1" || logfile == "/proc/self/fd/1") {
    return "&1";
  }
  if (logfile == "/dev/stderr" || logfile == "/dev/fd/2" || logfile == "/proc/self/fd/2") {
    return "&2";
  }
  return logfile;
}

const char* Service::ToString(State s) {
  switch (s) {
    case State::kStopped:
      return "STOPPED";
    case State::kStarting:
      return "STARTING";
    case State::kRunning:
      return "RUNNING";
    case State::kBackoff:
      return "BACKOFF";
    case State::kStopping:
      return "STOPPING";
    case State::kExited:
      return "EXITED";
    case State::kFatal:
      return "FATAL";
  }
  return "?";
}

Service::Service(ProgramConfig config, ServiceOptions options, Env env)
    : config_(std::move(config)),
      options_(options),
      env_(std::move(env)),
      timer_(env_.clock->NewTimer([this] { Step(Event::kTimer); })),
      ready_timer_(env_.clock->NewTimer([this] {
        next_not_ready_ = fmt::format("not ready after {} (ready = {}{}{})",
                                      FormatDuration(config_.ready_timeout_ms), config_.ready.spec,
                                      ready_probe_detail_.empty() ? "" : "; last probe: ",
                                      ready_probe_detail_);
        Step(Event::kNotReady);
      })),
      watchdog_timer_(env_.clock->NewTimer([this] { Step(Event::kWatchdog); })),
      ready_probe_(env_.clock, env_.prober, [this](const ProbeResult& r) { OnReadyProbe(r); }),
      health_probe_(env_.clock, env_.prober, [this](const ProbeResult& r) { OnHealthProbe(r); }),
      leftover_timer_(env_.clock->NewTimer([this] {
        // Only to a group that is there: its id may be a pid again once it is gone.
        if (env_.ops->GroupSize(leftover_pgid_) > 0) {
          Diag(Level::kWarn, "{}what it left in its group did not stop within {}; sending "
               "SIGKILL", Subject(), FormatDuration(config_.stopwaitsecs_ms));
          env_.ops->Signal(leftover_pgid_, SIGKILL, true);
        }
        EndCleanup();
      })),
      state_since_ms_(env_.clock->NowMs()) {}

Service::~Service() {
  if (pid_ > 0) env_.reaper->Forget(pid_);
  if (pid_ > 0) env_.ops->Unhold(pid_);
  if (first_pid_ > 0) env_.reaper->Forget(first_pid_);
  if (pid_ > 0 && config_.ready.kind == ReadySource::Kind::kFd) env_.ops->ForgetReady(pid_);
  AttachTaps(/*detach=*/true);  // Lingering sources outlive this service.
  for (auto& src : sources_) env_.logs->Linger(std::move(src));
}

void Service::OnTerminal(pid_t pid, UniqueFd master) {
  // One descriptor for the log pipeline to read, one for tendctl attach to write to.
  terminal_.Reset(fcntl(master.get(), F_DUPFD_CLOEXEC, 3));
  // A restarted program gets the size its attached users last gave.
  if (term_rows_ > 0) ResizeTerminal(term_rows_, term_cols_);
  RouteOutput(pid, 1, std::move(master), /*terminal=*/true);
}

ssize_t Service::WriteTerminal(std::string_view data) {
  if (!terminal_.valid()) return -1;
  ssize_t n;
  do {
    n = write(terminal_.get(), data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN ? 0 : -1;  // Full: never wait for the program.
  return n;
}

bool Service::ResizeTerminal(int rows, int cols) {
  if (rows <= 0 || cols <= 0 || rows > 0xffff || cols > 0xffff) return false;
  term_rows_ = rows;
  term_cols_ = cols;
  struct winsize ws = {static_cast<unsigned short>(rows), static_cast<unsigned short>(cols), 0, 0};
  return terminal_.valid() && ioctl(terminal_.get(), TIOCSWINSZ, &ws) == 0;
}

void Service::OnOutputPipe(pid_t pid, int stream, UniqueFd read_end) {
  // An event listener's stdout is its side of the protocol, not output.
  if (config_.listener && stream == 1 && env_.listeners) {
    env_.listeners->Output(config_.name, std::move(read_end));
    return;
  }
  RouteOutput(pid, stream, std::move(read_end), /*terminal=*/false);
}

// Where a pipe's (or terminal's) lines go: tend's stdout or stderr, prefixed, or the
// program's own rotated log file.
void Service::RouteOutput(pid_t pid, int stream, UniqueFd read_end, bool terminal) {
  if (!env_.logs) return;
  const bool out = stream == 1;
  const std::string dest = OutputDestination(out ? config_.stdout_logfile : config_.stderr_logfile);
  LogRouter::Source src;
  src.name = config_.name;
  src.pid = pid;
  src.stream = stream;
  src.destination = dest == "&2" ? 2 : dest == "&1" ? 1 : stream;
  src.prefix = config_.log_prefix;
  src.timestamps = config_.log_timestamps;
  src.terminal = terminal;
  if (dest.empty() || dest == "&1" || dest == "&2") {
    sources_.push_back(env_.logs->Attach(src, std::move(read_end)));
    AttachTaps();
    return;
  }
  std::string err;
  auto file = env_.logs->AttachFile(
      src, dest, out ? config_.stdout_logfile_maxbytes : config_.stderr_logfile_maxbytes,
      out ? config_.stdout_logfile_backups : config_.stderr_logfile_backups,
      std::move(read_end), &err);
  if (!file) {
    Diag(Level::kError, "{}{}; its output is lost", Subject(), err);
    return;
  }
  sources_.push_back(std::move(file));
  AttachTaps();
}

void Service::Start() {
  want_up_ = true;
  Step(Event::kStart);
}

void Service::Stop(int trigger) {
  want_up_ = false;
  stop_trigger_ = trigger;
  failed_stop_ = false;  // A deliberate stop (or restart) is not a failed run.
  Step(Event::kStop);
}

void Service::Release() {
  want_up_ = false;
  if (state_ == State::kBackoff) {
    timer_->Stop();
    launch_waiting_ = false;
    Enter(State::kStopped);
  }
}

void Service::Signal(int sig, bool group) { SignalMain(sig, group); }

void Service::SignalMain(int sig, bool group) {
  if (pid_ <= 0 || reaped_) return;
  env_.ops->Signal(pid_, sig, group);
  // While the first process is not reaped, its group's id cannot name another group.
  if (group && first_pid_ > 0) env_.ops->SignalGroup(pgid_, sig);
}

// A session leader's process group has no parent outside it in its session: it is
// orphaned, and the kernel discards TSTP, TTIN and TTOU sent to it (POSIX), so such a
// program is stopped, whole, with SIGSTOP. It has no terminal of tend's to hand back.
bool Service::OwnSession() const { return !options_.main_program; }

void Service::Suspend(int sig) {
  if (pid_ <= 0 || reaped_) return;
  if (OwnSession()) {
    SignalMain(SIGSTOP, true);
  } else {
    SignalMain(sig, config_.stopasgroup);
  }
}

void Service::Resume() {
  if (pid_ <= 0 || reaped_) return;
  // Before SIGCONT, so that a program that reads its terminal at once finds it its own.
  if (options_.take_terminal) env_.ops->GiveTerminal(pid_);
  SignalMain(SIGCONT, OwnSession() || config_.stopasgroup);
}

int Service::FindLeftovers(pid_t pgid) {
  if (options_.main_program || !config_.cleanupgroup || pgid <= 1) return 0;
  const int n = env_.ops->GroupSize(pgid);
  if (n > 0) leftover_pgid_ = pgid;
  return n;
}

void Service::StopLeftovers(int n, bool signalled) {
  if (leftover_pgid_ <= 0) return;  // Gone already (a reload's restart looked again).
  const int sig = config_.stopsignal ? config_.stopsignal : SIGTERM;
  Diag(Level::kWarn, "{}{} process{} left behind in its group; stopping {} (SIG{})", Subject(), n,
       n == 1 ? "" : "es", n == 1 ? "it" : "them", SignalName(sig));
  if (!signalled) {
    env_.ops->Signal(leftover_pgid_, sig, true);
    if (sig != SIGCONT) env_.ops->Signal(leftover_pgid_, SIGCONT, true);
  }
  leftover_timer_->Start(config_.stopwaitsecs_ms);
}

void Service::CheckLeftovers() {
  if (leftover_pgid_ > 0 && env_.ops->GroupSize(leftover_pgid_) == 0) EndCleanup();
}

void Service::EndCleanup() {
  leftover_pgid_ = 0;
  leftover_timer_->Stop();
  LaunchIfWaiting();
}

void Service::LaunchIfWaiting() {
  if (!launch_waiting_ || leftover_pgid_ > 0) return;
  if (env_.observer && !env_.observer->MayLaunch(this)) return;
  launch_waiting_ = false;
  if (want_up_ && state_ == State::kBackoff) Launch();
}

void Service::Kill() {
  SignalMain(SIGKILL, config_.killasgroup);
}

bool Service::Down() const {
  return state_ == State::kStopped || state_ == State::kExited || state_ == State::kFatal;
}

bool Service::Up() const {
  if (config_.type == ProgramType::kOneshot) {
    return state_ == State::kExited && IsExpectedExit(config_.exitcodes, last_status_);
  }
  return state_ == State::kRunning;
}

bool Service::EndedForGood() const {
  return want_up_ && (state_ == State::kExited || state_ == State::kFatal);
}

void Service::OnReaped(pid_t pid, int status) {
  if (pid != pid_ && pid != first_pid_) return;  // Not this run's.
  if (pid == first_pid_ && pid != pid_) {
    // The first process of a program that said MAINPID=: the main one lives on (it is
    // tend's child now, and its exit will come), unless it is gone already, reaped by
    // this one: then the program has ended, with the first process's status.
    first_pid_ = 0;
    if (env_.ops->ParentOf(pid_) != 0) return;
    env_.reaper->Forget(pid_);
    env_.ops->Unhold(pid_);
    pid_ = pid;
  }
  // Its last lines first, then the news of its exit. Reaped already: nothing the lines
  // lead to (a ready line, a stop) may signal its pid, which may be reused.
  reaped_ = true;
  for (auto& src : sources_) src->DrainNow();
  exit_status_ = status;
  if (exec_known_) Step(Event::kExited);
}

void Service::OnExecResult(pid_t, const ExecError* error) {
  exec_known_ = true;
  if (error) {
    cause_ = DescribeExecError(MakeSpawnSpec(), *error);
    exec_failed_ = true;
    Diag(Level::kError, "{}{}", Subject(), cause_);
  }
  // Exec success first, whatever order the loop delivered the two in: a startsecs=0
  // program that ran and exited was RUNNING, not a failed start.
  if (!error) Step(Event::kExecOk);
  if (reaped_) Step(Event::kExited);
}

// The whole life cycle; every (event, state) pair is spelt out.
void Service::Step(Event event) {
  switch (event) {
    case Event::kStart:
      switch (state_) {
        case State::kStopped:
        case State::kExited:
        case State::kFatal:
          failures_ = 0;  // A deliberate start gets a fresh set of retries.
          failed_runs_ = 0;
          Launch();
          return;
        case State::kStarting:
        case State::kRunning:
        case State::kBackoff:
        case State::kStopping:  // Restarts once stopped: want is up again.
          return;
      }
      break;
    case Event::kStop:
      switch (state_) {
        case State::kStarting:
        case State::kRunning:
          StopWatching();
          SendStop();
          ArmTimer(config_.stopwaitsecs_ms);
          Enter(State::kStopping);
          return;
        case State::kStopping:
          SendStop();  // Asked again (Ctrl-C twice): pass it on, keep the deadline.
          return;
        case State::kBackoff:
          timer_->Stop();
          launch_waiting_ = false;
          Enter(State::kStopped);
          return;
        case State::kStopped:
        case State::kExited:
        case State::kFatal:
          return;
      }
      break;
    case Event::kExecOk:
      switch (state_) {
        case State::kStarting:
          if (config_.type == ProgramType::kLongrun && config_.startsecs_ms == 0) {
            startsecs_passed_ = true;
            MaybeRunning();
          }
          return;
        case State::kRunning:
          // Ready came before the exec result (the loop's order is not the kernel's):
          // with startsecs = 0 the start has succeeded all the same.
          if (config_.type == ProgramType::kLongrun && config_.startsecs_ms == 0 &&
              !startsecs_passed_) {
            startsecs_passed_ = true;
            failures_ = 0;
          }
          return;
        case State::kBackoff:
        case State::kStopping:
        case State::kStopped:
        case State::kExited:
        case State::kFatal:
          return;
      }
      break;
    case Event::kExited: {
      const int status = exit_status_;
      const bool expected = IsExpectedExit(config_.exitcodes, status);
      // Found first, so that a restart below waits for the leftovers to be gone; they
      // are told after the exit is, so that the log reads in order.
      const bool signalled = state_ == State::kStopping && config_.stopasgroup;
      const int left = FindLeftovers(pgid_);
      // After MAINPID=, the first process may still live: its exit is an orphan's now.
      if (first_pid_ > 0) {
        env_.reaper->Forget(first_pid_);
        first_pid_ = 0;
      }
      StopWatching();
      if (config_.ready.kind == ReadySource::Kind::kFd) env_.ops->ForgetReady(pid_);
      env_.ops->Unhold(pid_);
      if (config_.listener && env_.listeners) env_.listeners->Ended(config_.name);
      pid_ = -1;
      terminal_.Reset();
      last_status_ = status;
      has_exited_ = true;
      RecordExit(status);
      timer_->Stop();
      Exited(status, expected);
      if (left > 0) StopLeftovers(left, signalled);
      return;
    }
    case Event::kTimer:
      switch (state_) {
        case State::kStarting:
          if (!not_ready_.empty()) {  // Told to stop for not being ready: it did not.
            Diag(Level::kWarn, "{}did not stop within {}; sending SIGKILL", Subject(),
                 FormatDuration(config_.stopwaitsecs_ms));
            Kill();
            return;
          }
          startsecs_passed_ = true;
          MaybeRunning();  // Or on, waiting for ready.
          return;
        case State::kBackoff:
          if (!want_up_) {
            Enter(State::kStopped);  // Released while waiting: no retry.
            return;
          }
          ++restarts_;
          Launch();
          return;
        case State::kStopping:
          Diag(Level::kWarn, "{}did not stop within {}; sending SIGKILL", Subject(),
               FormatDuration(config_.stopwaitsecs_ms));
          Kill();
          return;
        case State::kRunning:
          // Ready before startsecs: the start counts as a success only now.
          if (!startsecs_passed_) {
            startsecs_passed_ = true;
            failures_ = 0;
          }
          return;
        case State::kStopped:
        case State::kExited:
        case State::kFatal:
          return;  // A timer that fired as it was stopped.
      }
      break;
    case Event::kReady:
      switch (state_) {
        case State::kStarting:
          if (ready_ || !not_ready_.empty()) return;  // Said twice, or too late.
          ready_ = true;
          ready_timer_->Stop();
          ready_probe_.Stop();
          WatchLines(false);  // The hot path pays nothing from now on.
          Diag(options_.routine_level, "{}ready after {} ({})", Subject(),
               HumanDuration(env_.clock->NowMs() - started_ms_), config_.ready.spec);
          MaybeRunning();
          return;
        case State::kRunning:  // A server that says it again (postgres after a crash).
        case State::kBackoff:
        case State::kStopping:
        case State::kStopped:
        case State::kExited:
        case State::kFatal:
          return;
      }
      break;
    case Event::kWatchdog:
      switch (state_) {
        case State::kStarting:
        case State::kRunning:
          // Released (it waits to be stopped after its dependents): stopped in its turn.
          if (!want_up_) return;
          cause_ = "watchdog: no WATCHDOG=1 for " + FormatDuration(config_.watchdog_ms);
          Diag(Level::kWarn, "{}{}; restarting", Subject(), cause_);
          failed_stop_ = true;
          Step(Event::kStop);  // want stays up: started again once stopped.
          return;
        case State::kBackoff:
        case State::kStopping:
        case State::kStopped:
        case State::kExited:
        case State::kFatal:
          return;
      }
      break;
    case Event::kUnhealthy:
      switch (state_) {
        case State::kRunning:
          // Released (it waits to be stopped after its dependents): stopped in its turn.
          if (!want_up_) return;
          Diag(Level::kWarn, "{}unhealthy ({} check{} failed: {}); restarting", Subject(),
               health_failures_, health_failures_ == 1 ? "" : "s", health_detail_);
          unhealthy_ = true;
          failed_stop_ = true;
          cause_ = "unhealthy: " + health_detail_;
          Step(Event::kStop);  // want stays up: started again once stopped.
          return;
        case State::kStarting:  // Health is checked only once RUNNING.
        case State::kBackoff:
        case State::kStopping:
        case State::kStopped:
        case State::kExited:
        case State::kFatal:
          return;
      }
      break;
    case Event::kNotReady:
      switch (state_) {
        case State::kStarting:
          if (ready_ || !not_ready_.empty()) return;
          not_ready_ = next_not_ready_;
          StopWatching();
          Diag(Level::kWarn, "{}{}", Subject(), not_ready_);
          SendStop();
          ArmTimer(config_.stopwaitsecs_ms);
          return;
        case State::kRunning:
        case State::kBackoff:
        case State::kStopping:
        case State::kStopped:
        case State::kExited:
        case State::kFatal:
          return;
      }
      break;
  }
}

// The exit event, by state (part of Step's switch).
void Service::Exited(int status, bool expected) {
  switch (state_) {
    case State::kStarting:
      if (!not_ready_.empty()) {
        FailedStart(not_ready_);
      } else if (config_.type == ProgramType::kOneshot && expected) {
        failures_ = 0;
        Diag(options_.routine_level, "{}{} (done)", Subject(), DescribeWaitStatus(status));
        Enter(State::kExited);
      } else {
        FailedStart(DescribeWaitStatus(status));
      }
      return;
    case State::kRunning:
      if (want_up_ && !startsecs_passed_) {
        // Ready, but gone before startsecs: a failed start all the same.
        FailedStart(DescribeWaitStatus(status));
      } else if (want_up_ && RestartDue(config_.restart, expected)) {
        if (env_.clock->NowMs() - started_ms_ < kMinUptimeMs) {
          // Up for less than a second: not a failed start (it passed startsecs),
          // but no reason to fork again at once either.
          int64_t delay = std::max<int64_t>(config_.backoff_ms, kMinBackoffMs);
          Diag(Level::kWarn, "{}{} after {}; restarting in {}", Subject(),
               DescribeWaitStatus(status),
               HumanDuration(env_.clock->NowMs() - started_ms_), HumanDuration(delay));
          ArmTimer(delay);
          Enter(State::kBackoff);
          return;
        }
        Diag(options_.routine_level, "{}{}; restarting", Subject(),
             DescribeWaitStatus(status));
        ++restarts_;
        Launch();
      } else {
        Diag(options_.routine_level, "{}{}", Subject(), DescribeWaitStatus(status));
        Enter(State::kExited);
      }
      return;
    case State::kStopping:
      Diag(options_.routine_level, "{}stopped ({})", Subject(), DescribeWaitStatus(status));
      if (failed_stop_ && want_up_) {
        RestartFailedRun();
        return;
      }
      Enter(State::kStopped);
      // A restart: stopped on the way back up (unless the observer, told of the
      // stop, already started it again).
      if (want_up_ && state_ == State::kStopped) Launch();
      return;
    case State::kBackoff:
    case State::kStopped:
    case State::kExited:
    case State::kFatal:
      assert(!"exit without a process");
      return;
  }
}

// Keeps why the process ended (last_exit, last_failure), before the state changes.
void Service::RecordExit(int status) {
  std::string why = cause_;
  if (why.empty() && !not_ready_.empty()) why = not_ready_;
  const bool early = state_ == State::kStarting || (state_ == State::kRunning && want_up_ &&
                                                    !startsecs_passed_);
  if (why.empty() && early && config_.type == ProgramType::kLongrun) {
    why = "exited too quickly";
    last_exit_ = DescribeWaitStatus(status) + " within startsecs";
  } else if (why.empty()) {
    last_exit_ = DescribeWaitStatus(status);
  } else if (exec_failed_) {
    last_exit_ = why;  // Its status (127) says nothing more.
  } else {
    last_exit_ = why + "; " + DescribeWaitStatus(status);
  }
  last_failure_ = why;
}

std::string Service::Subject() const {
  return options_.main_program ? std::string() : config_.name + ": ";
}

SpawnSpec Service::MakeSpawnSpec() const {
  SpawnSpec spec;
  spec.argv = config_.argv;
  spec.cwd = config_.directory;
  spec.umask = config_.umask;
  if (options_.main_program) {
    spec.isolation = SpawnSpec::Isolation::kGroup;
    spec.take_terminal = options_.take_terminal;
    // The container's start (SpawnSpec::wait_for_exec); not with the terminal, where a
    // Ctrl-Z before the exec would stop the child while tend waits on it.
    spec.wait_for_exec = !options_.take_terminal;
  } else {
    spec.isolation = SpawnSpec::Isolation::kSession;
    // Never tend's terminal: a program must not read what the user types to the shell.
    spec.input = "/dev/null";
    // As supervisord, so that scripts written for it keep working.
    spec.env = {"SUPERVISOR_ENABLED=1", "SUPERVISOR_PROCESS_NAME=" + config_.name,
                "SUPERVISOR_GROUP_NAME=" + config_.Group()};
  }
  if (config_.user.resolved) {
    spec.set_user = true;
    spec.uid = config_.user.uid;
    spec.gid = config_.user.gid;
    spec.groups = config_.user.groups;
    spec.env.push_back("HOME=" + config_.user.home);
    spec.env.push_back("USER=" + config_.user.name);
    spec.env.push_back("LOGNAME=" + config_.user.name);
  }
  for (const auto& e : config_.environment) spec.env.push_back(e);
  spec.output[0] = OutputDestination(config_.stdout_logfile);
  spec.output[1] = OutputDestination(config_.stderr_logfile);
  if (env_.logs && !options_.main_program) {
    // tend's own streams are reached through the log pipeline (whole prefixed lines),
    // and so are log files that rotate; /dev/null and plain files are the program's.
    const int64_t maxbytes[2] = {config_.stdout_logfile_maxbytes,
                                 config_.stderr_logfile_maxbytes};
    // ready = log: must see the lines, so a plain file is written through it too.
    const bool read_lines = config_.ready.kind == ReadySource::Kind::kLog;
    // So must PROCESS_LOG events, when some listener may want them.
    const bool events[2] = {config_.stdout_events && env_.listeners,
                            config_.stderr_events && env_.listeners};
    for (int i = 0; i < 2; ++i) {
      std::string& o = spec.output[i];
      if (o.empty() || o == "&1" || o == "&2" ||
          (o != "/dev/null" && (maxbytes[i] > 0 || read_lines || events[i]))) {
        o = "|";
      }
    }
    if (config_.redirect_stderr) spec.output[1].clear();  // It shares stdout's pipe.
  }
  spec.merge_stderr = config_.redirect_stderr;
  spec.pty = config_.tty && !options_.main_program && env_.logs;
  if (config_.ready.kind == ReadySource::Kind::kFd) spec.notify_fd = config_.ready.fd;
  if (config_.ready.kind == ReadySource::Kind::kNotify && env_.notify_address &&
      !env_.notify_address->empty()) {
    spec.env.push_back("NOTIFY_SOCKET=" + *env_.notify_address);
    // No WATCHDOG_PID: the pid is not known before the fork, and sd_notify's clients
    // then take the watchdog as their own.
    if (config_.watchdog_ms > 0) {
      spec.env.push_back("WATCHDOG_USEC=" + std::to_string(config_.watchdog_ms * 1000));
    }
  }
  return spec;
}

// Spawns the process and enters STARTING; a failed fork is a failed start. While the
// last run's leftovers are being stopped, waits in BACKOFF instead: they may hold its
// port, its lock files; and so while a dependency is not up (a crash restart of a
// dependent while what it depends on restarts too).
void Service::Launch() {
  if (leftover_pgid_ > 0 || (env_.observer && !env_.observer->MayLaunch(this))) {
    launch_waiting_ = true;
    Enter(State::kBackoff);
    return;
  }
  launch_waiting_ = false;
  cause_.clear();
  exec_failed_ = false;
  SpawnSpec spec = MakeSpawnSpec();
  // Pipes of an earlier run stay read until their EOF (a daemon it left may hold them).
  AttachTaps(/*detach=*/true);
  for (auto& src : sources_) env_.logs->Linger(std::move(src));
  sources_.clear();
  std::string err;
  // An event listener reads events on its stdin: a pipe, written without blocking.
  UniqueFd events_read;
  if (config_.listener && env_.listeners) {
    UniqueFd events_write;
    if (!MakePipe(&events_read, &events_write, false) || !SetNonblock(events_write.get())) {
      err = "unable to make a pipe for its events: " + ErrnoString(errno);
      last_exit_ = last_failure_ = err;
      FailedStart(err);
      return;
    }
    spec.stdio[0] = events_read.get();
    spec.output[0] = "|";
    env_.listeners->Started(config_, std::move(events_write));
  }
  pid_t pid = env_.ops->Spawn(spec, this, &err);
  events_read.Reset();
  if (pid < 0) {
    if (config_.listener && env_.listeners) env_.listeners->Ended(config_.name);
    last_exit_ = last_failure_ = err;
    FailedStart(err);
    return;
  }
  pid_ = log_pid_ = pid;
  started_ms_ = env_.clock->NowMs();
  launched_ = true;
  reaped_ = exec_known_ = false;
  env_.reaper->Watch(pid, this);
  Diag(options_.routine_level, "{}started (pid {})", Subject(), pid);
  first_pid_ = 0;
  pgid_ = pid;
  startsecs_passed_ = false;
  WatchReadiness();
  if (config_.type == ProgramType::kLongrun && config_.startsecs_ms > 0) {
    ArmTimer(config_.startsecs_ms);
  }
  Enter(State::kStarting);
}

// A start that did not last startsecs: retry after a backoff, or give up.
void Service::FailedStart(const std::string& why) {
  ++failures_;
  if (RetriesExhausted(failures_, config_.startretries)) {
    // The main command is never retried: its exit status says it all.
    Diag(options_.main_program ? options_.routine_level : Level::kError,
         "{}{}; FATAL after {} failed start{}", Subject(), why, failures_,
         failures_ == 1 ? "" : "s");
    Enter(State::kFatal);
    return;
  }
  int64_t delay = BackoffDelayMs(config_.backoff_ms, config_.backoff_max_ms, failures_,
                                 env_.random ? env_.random() : 0.5);
  if (config_.startretries < 0) {
    Diag(Level::kWarn, "{}{}; restarting in {} (retry {})", Subject(), why,
         HumanDuration(delay), failures_);
  } else {
    Diag(Level::kWarn, "{}{}; restarting in {} (retry {}/{})", Subject(), why,
         HumanDuration(delay), failures_, config_.startretries);
  }
  ArmTimer(delay);
  Enter(State::kBackoff);
}

void Service::SendStop() {
  int sig = config_.stopsignal ? config_.stopsignal : stop_trigger_ ? stop_trigger_ : SIGTERM;
  Diag(options_.routine_level, "{}stopping (SIG{})", Subject(), SignalName(sig));
  // Reaped but not yet told (the exec result is pending): the pid may be reused.
  if (reaped_) return;
  SignalMain(sig, config_.stopasgroup);
  // A stopped process (kill -STOP, a debugger) would hold the signal until SIGKILL; as
  // systemd, continue it so that it can act on it. The main command only hears what
  // tend is sent, as with tini: its job control is its user's.
  if (sig != SIGCONT && !options_.main_program) {
    SignalMain(SIGCONT, config_.stopasgroup);
  }
}

// Tells the observer last: it may call back into this service (a dependent's stop, a
// reload's restart), so every verb calls Enter as its final step.
void Service::Enter(State s) {
  if (s == state_) return;
  state_ = s;
  state_since_ms_ = env_.clock->NowMs();
  if (env_.observer) env_.observer->OnServiceChanged(this);
}

void Service::ArmTimer(int64_t ms) { timer_->Start(ms); }

void Service::set_config(ProgramConfig config) {
  const bool same_health = config_.SameHealth(config);
  config_ = std::move(config);
  if (!same_health && state_ == State::kRunning) StartHealth();
}

CommandCheck CheckCommand(const ProgramConfig& p) {
  if (p.argv.empty()) return CommandCheck::kNotExecutable;
  const char* own = getenv("PATH");
  const std::string path = CommandPath(p, own ? own : "");
  for (const std::string& candidate :
       CommandCandidates(p.argv[0], path.empty() ? nullptr : path.c_str())) {
    struct stat st;
    if (stat(candidate.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0 || access(candidate.c_str(), X_OK) != 0) {
      return CommandCheck::kNotExecutable;
    }
    return CommandCheck::kOk;
  }
  return CommandCheck::kNoFile;
}

}  // namespace tend
