// tend's main: options -> configuration -> signals -> supervisor -> event loop -> exit.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <random>

#include "config.h"
#include "config_files.h"
#include "control_server.h"
#include "ctl_socket.h"
#include "ctl_commands.h"
#include "diag.h"
#include "event_loop.h"
#include "init.h"
#include "log_router.h"
#include "options.h"
#include "probe.h"
#include "reaper.h"
#include "signals.h"
#include "spawn.h"
#include "notify_socket.h"
#include "supervisor.h"
#include "supervisorctl.h"
#include "version.h"  // Generated: build/gen/version.h.

using namespace tend;

namespace {

// -c, else $TEND_CONFIG, else /etc/tend/tend.conf or /etc/tend/conf.d when present.
std::string ConfigPath(const Options& opts) {
  if (!opts.config_path.empty()) return opts.config_path;
  const char* env = getenv("TEND_CONFIG");
  if (env && *env) return env;
  return DefaultConfigPath();
}

// Loads and reports every problem (also appended to `text`, one per line, if given;
// `quiet`: only there). Returns 0 (usable), 1 (fine, but not on this machine) or 2
// (errors in the files).
int LoadAndReport(const std::string& path, Config* config, std::string* text = nullptr,
                  bool quiet = false) {
  std::vector<ConfigProblem> problems;
  *config = LoadConfig(path, ExpansionContext::FromProcess(), &problems);
  int status = 0;
  for (const auto& p : problems) {
    Level level = Level::kInfo;
    switch (p.kind) {
      case ConfigProblem::Kind::kError:
        status = 2;
        level = Level::kError;
        break;
      case ConfigProblem::Kind::kMachine:
        if (status == 0) status = 1;
        level = Level::kError;
        break;
      case ConfigProblem::Kind::kWarning:
        level = Level::kWarn;
        break;
      case ConfigProblem::Kind::kNotice:
        break;
    }
    // The problem's text names its kind already: print it without another tag.
    if (!quiet && DiagEnabled(level)) DiagWrite(Level::kError, p.ToString());
    if (text && level != Level::kInfo) *text += (text->empty() ? "" : "\n") + p.ToString();
  }
  return status;
}

// The command given after the options, run as a critical program that is never
// restarted: tini's semantics.
ProgramConfig MainProgram(const Options& opts) {
  ProgramConfig p;
  p.name = p.program_name = "main";
  p.argv = opts.command;
  p.restart = RestartPolicy::kNever;
  p.startsecs_ms = 0;
  p.startretries = 0;
  p.critical = true;
  p.stopsignal = opts.stop_signal;  // 0: pass on the TERM or INT received.
  p.stopwaitsecs_ms = opts.stop_timeout_ms;
  p.stopasgroup = !opts.signal_child_only;
  return p;
}

// Where the control socket is to be: --socket, else $TEND_SOCKET, else [tend] socket,
// else [unix_http_server] file; "" when there is to be none. `chosen`: the user named
// it (a [tend] socket equal to the default counts as the default).
std::string SocketPath(const Options& opts, const Config& config, bool* chosen) {
  std::string path = opts.socket_path;
  const char* env = getenv("TEND_SOCKET");
  if (path.empty() && env && *env) path = env;
  *chosen = !path.empty();
  if (path.empty()) {
    path = config.tend.socket;
    if (path == kDefaultSocketPath && !config.tend.socket_file.empty()) {
      path = config.tend.socket_file;
    }
  }
  if (path != kDefaultSocketPath) *chosen = true;
  return path == "none" ? "" : path;
}

// The default socket's sibling for the Nth tend sharing its directory: /run/tend.N.sock.
std::string InstanceSocketPath(int n) {
  std::string path = kDefaultSocketPath;
  return path.insert(path.rfind(".sock"), "." + std::to_string(n));
}

// Opens the control socket; false only when start-up must fail. A chosen path must be
// had (exit 111). The default one is a convenience and never stops an init from
// running: taken by another live tend (a tend inside a tend, tends side by side sharing
// /run), this one listens on the first free /run/tend.N.sock, N from 2 to 9, and says
// so in one warning; when none can be had (/run read-only), it runs without a socket.
// The path listened on is exported to the programs as TEND_CONTROL, for tendctl.
bool OpenControlSocket(ControlServer* server, const std::string& path, bool chosen) {
  std::string err, where;
  pid_t holder = 0;
  if (server->Listen(path, &err, &holder)) {
    where = path;
  } else if (chosen) {
    Diag(Level::kError, "{}", err);
    return false;
  } else if (errno != EADDRINUSE) {
    // /run read-only or not ours (not root, docker run --read-only): the next default
    // place, where tendctl run by the same user looks next (ctl_socket.h).
    const std::vector<std::string> places = DefaultSocketPaths();
    std::string why = err;
    for (size_t n = 1; n < places.size() && where.empty(); ++n) {
      const std::string& next = places[n];
      if (n + 1 == places.size() && !PrivateSocketDir(DirName(next), &why)) break;
      if (server->Listen(next, &why)) where = next;
    }
    if (where.empty()) {
      Diag(Level::kWarn, "{}; {}; tendctl will not reach this tend", err, why);
    } else {
      Diag(Level::kInfo, "{}; listening on {} instead", err, where);
    }
  } else {
    const std::string who = holder > 0 ? fmt::format("(pid {})", holder)
                                       : std::string("(in another PID namespace)");
    const std::string told = fmt::format("{}: another tend {} is listening there", path, who);
    for (int n = 2; n <= 9 && where.empty(); n++) {
      std::string next = InstanceSocketPath(n);
      if (server->Listen(next, &err)) {
        where = next;
      } else if (errno != EADDRINUSE) {
        break;
      }
    }
    if (where.empty()) {
      Diag(Level::kWarn, "{}, and {} to {} are taken or unusable: tendctl will not reach this "
           "tend (choose a path with --socket or TEND_SOCKET)", told, InstanceSocketPath(2),
           InstanceSocketPath(9));
    } else {
      Diag(Level::kWarn, "{}; this one listens on {} (tendctl -s {}; choose a path with "
           "--socket or TEND_SOCKET)", told, where, where);
    }
  }
  if (!where.empty()) Diag(Level::kDebug, "control socket: {}", where);
  // Never the inherited path of an outer tend: tendctl must not reach the wrong one.
  if (where.empty() ? unsetenv("TEND_CONTROL") : setenv("TEND_CONTROL", where.c_str(), 1)) {
    Diag(Level::kWarn, "unable to set TEND_CONTROL: {}", ErrnoString(errno));
  }
  return true;
}

// Started with 0, 1 or 2 closed, tend's own descriptors (a pipe, the event loop's) would
// take those numbers, and a program would find them where its standard streams belong.
// /dev/null fills each hole; one poll tells which there are.
void OpenStandardFds() {
  struct pollfd fds[3] = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}};
  if (poll(fds, 3, 0) < 0) return;
  for (const auto& p : fds) {
    if (!(p.revents & POLLNVAL)) continue;
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0 && fd != p.fd) close(fd);  // Only an earlier hole could have taken it.
  }
}

int Print(const std::string& s, int status) {
  return WriteAll(1, s.data(), s.size()) ? status : kExitSystem;
}

// The sd_notify socket, made when the configuration first has a program with
// ready = notify (at start-up, or at a reload), and never before: it listens in the
// network namespace's abstract names.
struct NotifyEnd {
  std::unique_ptr<NotifySocket> socket;
  std::string address;  // NOTIFY_SOCKET for the programs; empty until made.
  Supervisor* supervisor = nullptr;

  void OpenFor(const Config& c, EventLoop* loop) {
    // Inherited from a supervisor above tend, it must not reach tend's programs.
    unsetenv("NOTIFY_SOCKET");
    if (socket) return;
    bool wanted = false;
    for (const auto& p : c.programs) wanted |= p.ready.kind == ReadySource::Kind::kNotify;
    if (!wanted) return;
    std::string why;
    socket = NotifySocket::Create(
        loop, [this](pid_t sender, const NotifyMessage& m) { return supervisor->OnNotify(sender, m); },
        &why);
    if (!socket) {
      Diag(Level::kError, "{}; programs with ready = notify will not be ready", why);
      return;
    }
    address = socket->address();
  }
};

// [supervisord] pidfile: tend's pid, for scripts written for supervisord that look there;
// removed at the exit. A file that cannot be written is a warning, not a failure.
struct Pidfile {
  std::string path;
  explicit Pidfile(const std::string& p) {
    if (p.empty()) return;
    UniqueFd fd(open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    const std::string text = std::to_string(getpid()) + "\n";
    if (!fd.valid() || !WriteAll(fd.get(), text.data(), text.size())) {
      Diag(Level::kWarn, "pidfile {}: {}", p, ErrnoString(errno));
      return;
    }
    path = p;
  }
  ~Pidfile() {
    if (!path.empty()) unlink(path.c_str());
  }
};

// Runs everything until the end: the event loop, the supervisor, PID 1's duties.
int Run(const Options& opts, const std::string& config_path, Config config) {
  std::string err;
  EventLoop loop;
  if (!loop.valid()) {
    Diag(Level::kError, "unable to create the event loop");
    return kExitSystem;
  }
  if (getpid() != 1) {
    if (!BecomeSubreaper(&err)) {
      Diag(Level::kError, "{}", err);
      return kExitSystem;
    }
    Diag(Level::kDebug, "not PID 1: running as a child subreaper of pid {}", getppid());
  }

  SystemProcessOps ops(&loop);
  Reaper reaper;
  std::minstd_rand rng(static_cast<unsigned>(getpid()) ^ static_cast<unsigned>(loop.NowMs()));
  Init* init = nullptr;
  Supervisor::Callbacks callbacks;
  callbacks.done = [&](int code) { init->OnWorkloadDone(code); };
  callbacks.request_stop = [&] { init->RequestStop(); };
  ControlServer* control = nullptr;
  callbacks.changed = [&](Service*) {
    if (control) control->OnServiceChanged();
  };
  NotifyEnd notify;
  notify.OpenFor(config, &loop);
  if (!config_path.empty()) {
    callbacks.reload = [&](Config* next, std::string* problems, bool dry_run) {
      // A dry run (supervisorctl reread, its checks before add and remove) changes
      // nothing, so it leaves nothing in the log either: its caller gets the problems.
      if (dry_run) return LoadAndReport(config_path, next, problems, true) == 0;
      Diag(Level::kInfo, "reloading {}", config_path);
      if (LoadAndReport(config_path, next, problems) == 0) {
        notify.OpenFor(*next, &loop);
        return true;
      }
      Diag(Level::kError, "configuration not reloaded: the running one stays in force");
      return false;
    };
  }
  SetDiagTimestamps(config.tend.log_timestamps);
  LogRouter logs(&loop);
  std::vector<std::string> names;
  for (const auto& p : config.programs) names.push_back(p.name);
  logs.Configure(config.tend, names);
  SystemProber prober(&loop, &ops, &reaper);
  Supervisor supervisor(
      Service::Env{&ops, &loop, &reaper, nullptr,
                   [&] { return std::uniform_real_distribution<double>(0, 1)(rng); }, &logs,
                   &notify.address, &prober},
      callbacks);
  notify.supervisor = &supervisor;
  supervisor.Configure(config);
  // Each Service holds its own copy now: what is left here is only read again for the
  // [tend] settings. About 1.4 KB per program.
  std::vector<ProgramConfig>().swap(config.programs);

  // Hand the terminal to the main command only when tend is in its foreground group:
  // "docker run -it", or an interactive shell's foreground job; never from the background.
  const bool take_terminal = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
  if (!opts.command.empty()) {
    ServiceOptions main_options;
    main_options.take_terminal = take_terminal;
    main_options.routine_level = Level::kDebug;
    supervisor.SetMain(MainProgram(opts), main_options);
  }

  int exit_code = 0;
  Init pid1(&supervisor, &ops, &loop, opts.stop_timeout_ms, [&](int code) {
    exit_code = code;
    loop.Break();
  });
  init = &pid1;
  pid1.set_job_control(getpid() != 1);
  reaper.SetNoChildrenHandler([&] { pid1.OnNoChildren(); });
  reaper.SetOrphanHandler([&] { supervisor.OnOrphansReaped(); });
  reaper.SetStopHandler([&](pid_t pid, int signo) {
    const Service* m = supervisor.main();
    if (m && m->pid() == pid) pid1.OnMainStopped(signo);
  });

  auto signals = SignalSource::Create(
      &loop,
      [&](int signo, pid_t) {
        if (signo == SIGCHLD) {
          if (notify.socket) notify.socket->Drain();
          reaper.Drain();
        } else {
          pid1.OnSignal(signo);
        }
      },
      &err);
  if (!signals) {
    Diag(Level::kError, "{}", err);
    return kExitSystem;
  }
  ControlServer control_server(&loop, &supervisor, &logs, {[&] { pid1.RequestStop(); }});
  bool socket_chosen = false;
  const std::string socket = SocketPath(opts, config, &socket_chosen);
  const UserSpec& owner = config.tend.socket_owner;
  control_server.SetAccess(static_cast<mode_t>(config.tend.socket_mode),
                           owner.resolved ? owner.uid : static_cast<uid_t>(-1),
                           owner.resolved ? owner.gid : static_cast<gid_t>(-1));
  if (socket.empty()) {
    unsetenv("TEND_CONTROL");
  } else if (!OpenControlSocket(&control_server, socket, socket_chosen)) {
    return kExitSystem;
  }
  control = &control_server;
  Pidfile pidfile(config.tend.pidfile);
  // From the first program's start on, tend's lines go with the programs' (and are kept
  // for supervisorctl maintail).
  SetDiagSink([&](const std::string& line) { return logs.WriteDiag(line); });
  if (!supervisor.Start(&err)) {
    SetDiagSink(nullptr);
    Diag(Level::kError, "{}", err);
    return kExitSystem;
  }
  // Everything may already be over (a critical program that could not even be spawned):
  // ev_run would not see a Break() made before it started.
  SetDiagNonBlocking(true);
  if (pid1.phase() != Init::Phase::kDone) loop.Run();
  SetDiagSink(nullptr);
  SetDiagNonBlocking(false);
  control = nullptr;
  control_server.Close();
  // Everything the programs wrote goes out before tend does (a bounded wait).
  logs.Flush(1000);

  // Take the terminal back so that a calling shell finds it as it left it (SIGTTOU is
  // still blocked, so this cannot stop tend).
  if (take_terminal) tcsetpgrp(STDIN_FILENO, getpgrp());
  if (reaper.orphans_reaped() > 0) {
    Diag(Level::kDebug, "reaped {} orphaned processes", reaper.orphans_reaped());
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // One binary: "tendctl ..." and "tend ctl ..." are the control client.
  const char* base = strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  if (strcmp(base, "tendctl") == 0) return CtlMain(argc, argv);
  // supervisord's client, for scripts written for supervisord (make install links it).
  if (strcmp(base, "supervisorctl") == 0) return SupervisorctlMain(argc, argv);
  if (argc > 1 && strcmp(argv[1], "ctl") == 0) return CtlMain(argc - 1, argv + 1);
  OpenStandardFds();
  Options opts;
  std::string err;
  if (!ParseOptions(argc, argv, &opts, &err)) {
    Diag(Level::kError, "{} (see tend --help)", err);
    return kExitUsage;
  }
  if (opts.action == Options::Action::kHelp) return Print(HelpText(), 0);
  if (opts.action == Options::Action::kVersion) {
    return Print(std::string("tend ") + kVersion + "\n", 0);
  }
  SetDiagLevel(opts.diag_level);

  const std::string config_path = ConfigPath(opts);
  Config config;
  if (!config_path.empty()) {
    int status = LoadAndReport(config_path, &config);
    if (opts.action == Options::Action::kCheck) {
      // Only here: with the default stopwaitsecs any chain of two would warn at every start.
      std::vector<ConfigProblem> chains;
      CheckStopChains(config, opts.stop_timeout_ms, &chains);
      for (const auto& p : chains) DiagWrite(Level::kError, p.ToString());
      return Print(FormatPrograms(config), status);
    }
    if (status != 0) return kExitUsage;
  } else if (opts.action == Options::Action::kCheck) {
    Diag(Level::kError, "no configuration found (give -c PATH or set TEND_CONFIG)");
    return kExitUsage;
  }
  if (!opts.command.empty()) {
    for (const auto& p : config.programs) {
      if (p.name == "main") {
        Diag(Level::kError, "{}: a program named \"main\" conflicts with the main command",
             p.where.ToString());
        return kExitUsage;
      }
    }
  }
  if (opts.command.empty() && config.programs.empty()) {
    Diag(Level::kError, "nothing to run: no command given and no program configured {}",
         config_path.empty() ? "(no configuration found)" : "in " + config_path);
    return kExitUsage;
  }
  return Run(opts, config_path, std::move(config));
}
