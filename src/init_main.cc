// tend's main: options -> configuration -> signals -> supervisor -> event loop -> exit.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <random>

#include "base/diag.h"
#include "base/event_loop.h"
#include "base/version.h"  // Generated: build/gen/base/version.h.
#include "cli/ctl_commands.h"
#include "cli/supervisorctl.h"
#include "config/config_load.h"
#include "config/options.h"
#include "control/control_server.h"
#include "control/metrics.h"
#include "control/rpc_server.h"
#include "control/socket_paths.h"
#include "core/listener_pool.h"
#include "core/supervisor.h"
#include "log/log_router.h"
#include "proc/init.h"
#include "proc/reaper.h"
#include "proc/signals.h"
#include "proc/spawn.h"
#include "ready/notify_socket.h"
#include "ready/probe.h"

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

ServiceOptions MainOptions(bool take_terminal) {
  ServiceOptions o;
  o.take_terminal = take_terminal;
  o.routine_level = Level::kDebug;  // The main command's start and exit are tend's own.
  return o;
}

// The reaper's news for PID 1's duties and the supervisor.
void WireReaper(Reaper* reaper, Init* pid1, Supervisor* supervisor) {
  reaper->SetNoChildrenHandler([pid1] { pid1->OnNoChildren(); });
  reaper->SetOrphanHandler([supervisor] { supervisor->OnOrphansReaped(); });
  reaper->SetStopHandler([pid1, supervisor](pid_t pid, int signo) {
    const Service* m = supervisor->main();
    if (m && m->pid() == pid) pid1->OnMainStopped(signo);
  });
}

int Print(const std::string& s, int status) {
  return WriteAll(1, s.data(), s.size()) ? status : kExitSystem;
}

// Not PID 1 (a shell's child, docker run --init's): orphans come to tend all the same.
bool AdoptOrphans(pid_t self) {
  if (self == 1) return true;
  std::string err;
  if (!BecomeSubreaper(&err)) {
    Diag(Level::kError, "{}", err);
    return false;
  }
  Diag(Level::kDebug, "not PID 1: running as a child subreaper of pid {}", getppid());
  return true;
}

// With a main command, no program may take its name: false with why, at its line.
bool MainConflict(const Config& config, std::string* why) {
  for (const auto& p : config.programs) {
    if (p.name == "main") {
      *why = fmt::format("{}: a program named \"main\" conflicts with the main command",
                         p.where.ToString());
      return true;
    }
  }
  return false;
}

// What tendctl reload, SIGHUP and the drop-in's reread call: the files read again.
Supervisor::ReloadFn Reloader(const std::string& path, bool has_main) {
  return [path, has_main](Config* next, std::string* problems, bool dry_run) {
    auto fits = [&] {
      std::string why;
      if (!has_main || !MainConflict(*next, &why)) return true;
      if (!dry_run) Diag(Level::kError, "{}", why);
      *problems += (problems->empty() ? "" : "\n") + why;
      return false;
    };
    // A dry run (supervisorctl reread, its checks before add and remove) changes
    // nothing, so it leaves nothing in the log either: its caller gets the problems.
    if (dry_run) return LoadAndReport(path, next, problems, true) == 0 && fits();
    Diag(Level::kInfo, "reloading {}", path);
    if (LoadAndReport(path, next, problems) == 0 && fits()) return true;
    Diag(Level::kError, "configuration not reloaded: the running one stays in force");
    return false;
  };
}

// The control socket where --socket, the environment and the files say, with their
// access; false only when start-up must fail. `later`: the path to listen on once the
// programs have started (PlanControlSocket).
bool StartControl(ControlServer* server, const Options& opts, const TendSettings& tend,
                  std::string* later) {
  bool chosen = false;
  const std::string path = ListenPath(opts.socket_path, tend, &chosen);
  const UserSpec& owner = tend.socket_owner;
  server->SetAccess(static_cast<mode_t>(tend.socket_mode),
                    owner.resolved ? owner.uid : static_cast<uid_t>(-1),
                    owner.resolved ? owner.gid : static_cast<gid_t>(-1));
  later->clear();
  if (!path.empty()) return PlanControlSocket(server, path, chosen, later);
  unsetenv("TEND_CONTROL");
  return true;
}

void WritePidfile(Pidfile* pidfile, const std::string& path) {
  if (!path.empty() && !pidfile->Write(path)) {
    Diag(Level::kWarn, "pidfile {}: {}", path, ErrnoString(errno));
  }
}

// Signals for PID 1's duties; SIGCHLD reaps, after the notify socket's news.
std::unique_ptr<SignalSource> WireSignals(EventLoop* loop, Init* pid1, NotifyEnd* notify,
                                          Reaper* reaper) {
  std::string err;
  auto signals = SignalSource::Create(loop, [=](int signo, pid_t) {
    if (signo != SIGCHLD) return pid1->OnSignal(signo);
    notify->Drain();  // What a program said before it exited counts first.
    reaper->Drain();
  }, &err);
  if (!signals) Diag(Level::kError, "{}", err);
  return signals;
}

// [inet_http_server]: supervisord's XML-RPC interface and the status page, when the files
// ask for it (with a password: config_builder leaves the port 0 otherwise); [tend]
// metrics_address: GET /metrics alone.
bool StartHttp(RpcServer* server, RpcServer* metrics_server, const TendSettings& tend) {
  std::string err;
  if (tend.http_port != 0) {
    if (!server->Listen(tend.http_host, tend.http_port, tend.http_username, tend.http_password,
                        &err)) {
      Diag(Level::kError, "[inet_http_server]: {}", err);
      return false;
    }
    Diag(Level::kDebug, "XML-RPC interface: http://{}:{}/RPC2",
         tend.http_host.empty() ? "*" : tend.http_host, server->port());
  }
  if (tend.metrics_port != 0) {
    if (!metrics_server->Listen(tend.metrics_host, tend.metrics_port, tend.metrics_username,
                                tend.metrics_password, &err)) {
      Diag(Level::kError, "[tend] metrics_address: {}", err);
      return false;
    }
    Diag(Level::kDebug, "metrics: http://{}:{}/metrics",
         tend.metrics_host.empty() ? "*" : tend.metrics_host, metrics_server->port());
  }
  return true;
}

// Starts what is to run and runs the loop until the end; false when nothing could start.
// `started` runs once the first programs have been spawned.
bool Serve(EventLoop* loop, Supervisor* supervisor, const Init& pid1, LogRouter* logs,
           const std::function<void()>& started) {
  // From the first program's start on, tend's lines go with the programs' (and are kept
  // for supervisorctl maintail).
  SetDiagSink([logs](const std::string& line) { return logs->WriteDiag(line); });
  std::string err;
  const bool ok = supervisor->Start(&err);
  if (ok) {
    started();
    // Everything may already be over (a critical program that could not even be
    // spawned): ev_run would not see a Break() made before it started.
    SetDiagNonBlocking(true);
    if (pid1.phase() != Init::Phase::kDone) loop->Run();
    SetDiagNonBlocking(false);
  }
  SetDiagSink(nullptr);
  if (!ok) Diag(Level::kError, "{}", err);
  return ok;
}

// Runs everything until the end: the event loop, the supervisor, PID 1's duties.
int Run(const Options& opts, const std::string& config_path, Config config) {
  EventLoop loop;
  if (!loop.valid()) {
    Diag(Level::kError, "unable to create the event loop");
    return kExitSystem;
  }
  const pid_t self = getpid();
  if (!AdoptOrphans(self)) return kExitSystem;
  SystemProcessOps ops(&loop);
  Reaper reaper;
  std::minstd_rand rng(static_cast<unsigned>(self) ^ static_cast<unsigned>(loop.NowMs()));
  Init* init = nullptr;
  ControlServer* control = nullptr;
  RpcServer* rpc = nullptr;
  Supervisor* supervised = nullptr;
  NotifyEnd notify(&loop, [&](pid_t from, const NotifyMessage& m) {
    return supervised->OnNotify(from, m);
  });
  notify.OpenFor(config);
  Supervisor::Callbacks callbacks;
  callbacks.done = [&](int code) { init->OnWorkloadDone(code); };
  callbacks.request_stop = [&] { init->RequestStop(); };
  callbacks.changed = [&](Service*) {
    if (control) control->OnServiceChanged();
    if (rpc) rpc->OnServiceChanged();
  };
  if (!config_path.empty()) callbacks.reload = Reloader(config_path, !opts.command.empty());
  callbacks.applying = [&](const Config& next) { notify.OpenFor(next); };
  SetDiagTimestamps(config.tend.log_timestamps);
  LogRouter logs(&loop);
  std::vector<std::string> names;
  for (const auto& p : config.programs) names.push_back(p.name);
  logs.Configure(config.tend, names);
  SystemProber prober(&loop, &ops, &reaper);
  ListenerPools listeners(&loop, [] { return WallClockMs(); });
  auto random = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  Supervisor supervisor(
      Service::Env{&ops, &loop, &reaper, nullptr, random, &logs, notify.address(), &prober,
                   &listeners},
      callbacks);
  supervised = &supervisor;
  supervisor.Configure(config);
  // Each Service holds its own copy now: what is left here is only read again for the
  // [tend] settings. About 1.4 KB per program.
  std::vector<ProgramConfig>().swap(config.programs);
  // Hand the terminal to the main command only when tend is in its foreground group:
  // "docker run -it", or an interactive shell's foreground job; never from the background.
  const bool take_terminal = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
  if (!opts.command.empty()) supervisor.SetMain(MainProgram(opts), MainOptions(take_terminal));

  int exit_code = 0;
  Init pid1(&supervisor, &ops, &loop, opts.stop_timeout_ms, [&](int code) {
    exit_code = code;
    loop.Break();
  });
  init = &pid1;
  pid1.set_job_control(self != 1);
  WireReaper(&reaper, &pid1, &supervisor);
  auto signals = WireSignals(&loop, &pid1, &notify, &reaper);
  if (!signals) return kExitSystem;
  RpcMethods rpc_methods(&supervisor, &listeners, &logs, {[&] { pid1.RequestStop(); }});
  RpcServer rpc_server(&loop, &rpc_methods);
  const Metrics metrics(&supervisor);
  rpc_server.set_metrics([&metrics] { return metrics.Text(); });
  WebPage page(&supervisor, &logs);
  rpc_server.set_page(&page);
  rpc = &rpc_server;
  RpcServer metrics_server(&loop, &rpc_methods);
  metrics_server.set_metrics([&metrics] { return metrics.Text(); });
  metrics_server.set_metrics_only();
  ControlServer control_server(
      &loop, &supervisor, &logs,
      {[&] { pid1.RequestStop(); },
       [&](UniqueFd fd, std::string first) { rpc_server.Serve(std::move(fd), std::move(first)); },
       [&](const std::string& name, int stream, std::string_view line) {
         rpc_server.OnLine(name, stream, line);
       }});
  std::string control_later;
  if (!StartControl(&control_server, opts, config.tend, &control_later)) return kExitSystem;
  control = &control_server;
  if (!StartHttp(&rpc_server, &metrics_server, config.tend)) return kExitSystem;
  Pidfile pidfile;
  WritePidfile(&pidfile, config.tend.pidfile);
  // The control socket is made once the programs are on their way, not before them.
  auto started = [&] {
    if (!control_later.empty()) OpenPlannedControlSocket(&control_server, control_later);
  };
  if (!Serve(&loop, &supervisor, pid1, &logs, started)) return kExitSystem;
  control = nullptr;
  rpc = nullptr;
  control_server.Close();
  rpc_server.Close();
  metrics_server.Close();
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
    return Print(std::string("tend ") + kTendVersion + "\n", 0);
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
  std::string conflict;
  if (!opts.command.empty() && MainConflict(config, &conflict)) {
    Diag(Level::kError, "{}", conflict);
    return kExitUsage;
  }
  if (opts.command.empty() && config.programs.empty()) {
    Diag(Level::kError, "nothing to run: no command given and no program configured {}",
         config_path.empty() ? "(no configuration found)" : "in " + config_path);
    return kExitUsage;
  }
  return Run(opts, config_path, std::move(config));
}
