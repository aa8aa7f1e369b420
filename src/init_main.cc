// tend's main: options -> signals -> main program -> event loop -> exit status.
#include <termios.h>
#include <unistd.h>

#include "diag.h"
#include "event_loop.h"
#include "init.h"
#include "options.h"
#include "reaper.h"
#include "signals.h"
#include "spawn.h"
#include "version.h"  // generated: build/gen/version.h

using namespace tend;

int main(int argc, char** argv) {
  Options opts;
  std::string err;
  if (!ParseOptions(argc, argv, &opts, &err)) {
    Diag(Level::kError, "{} (see tend --help)", err);
    return kExitUsage;
  }
  if (opts.action == Options::Action::kHelp) {
    std::string help = HelpText();
    return WriteAll(1, help.data(), help.size()) ? 0 : kExitSystem;
  }
  if (opts.action == Options::Action::kVersion) {
    std::string v = std::string("tend ") + kVersion + "\n";
    return WriteAll(1, v.data(), v.size()) ? 0 : kExitSystem;
  }
  SetDiagLevel(opts.diag_level);

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

  // Hand the terminal to the main program only when tend is in its foreground group:
  // "docker run -it", or an interactive shell's foreground job; never from the background.
  const bool take_terminal = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();

  InitConfig config;
  config.main.argv = opts.command;
  config.main.take_terminal = take_terminal;
  config.stop_timeout_ms = opts.stop_timeout_ms;
  config.stop_signal = opts.stop_signal;
  config.signal_child_only = opts.signal_child_only;

  SystemProcessOps ops(&loop);
  Reaper reaper;
  int exit_code = 0;
  Init init(config, &ops, &loop, &reaper, [&](int code) {
    exit_code = code;
    loop.Break();
  });
  reaper.SetNoChildrenHandler([&] { init.OnNoChildren(); });

  auto signals = SignalSource::Create(
      &loop,
      [&](int signo, pid_t) {
        if (signo == SIGCHLD) {
          reaper.Drain();
        } else {
          init.OnSignal(signo);
        }
      },
      &err);
  if (!signals) {
    Diag(Level::kError, "{}", err);
    return kExitSystem;
  }
  if (!init.Start(&err)) {
    Diag(Level::kError, "{}", err);
    return kExitSystem;
  }
  loop.Run();

  // Take the terminal back so that a calling shell finds it as it left it (SIGTTOU is
  // still blocked, so this cannot stop tend).
  if (take_terminal) tcsetpgrp(STDIN_FILENO, getpgrp());
  if (reaper.orphans_reaped() > 0) {
    Diag(Level::kDebug, "reaped {} orphaned processes", reaper.orphans_reaped());
  }
  return exit_code;
}
