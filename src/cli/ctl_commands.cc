#include "cli/ctl_commands.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "base/diag.h"
#include "base/values.h"
#include "base/version.h"  // Generated: build/gen/base/version.h.
#include "cli/ctl_terminal.h"
#include "control/socket_paths.h"
#include "control/status_report.h"

namespace tend {

namespace {

// Command options; each command accepts a set of them (and --json).
enum Flag : unsigned {
  kNoWait = 1,
  kTimeout = 2,
  kLines = 4,
  kFollow = 8,
  kJson = 16,
  kGroup = 32,
  kVerbose = 64,
};

struct CtlOption {
  const char* long_name;
  char short_name;
  bool takes_value;
  Flag flag;
  const char* help;
};

constexpr CtlOption kCtlOptions[] = {
    {"no-wait", 0, false, kNoWait, "return at once, without waiting for the new state"},
    {"timeout", 0, true, kTimeout, "give up after DURATION (exit 7)"},
    {"lines", 'n', true, kLines, "show the last N lines (default 100)"},
    {"follow", 'f', false, kFollow, "go on showing new lines until interrupted"},
    {"json", 'j', false, kJson, "machine-readable output"},
    {"group", 0, false, kGroup, "to each program's whole process group, not its main process"},
    {"verbose", 'v', false, kVerbose, "say first which tend answers: its pid and socket"},
};

struct Ctl {
  std::string socket;
  int64_t wait_ms = 0;  // How long a socket not there yet is waited for (SocketTarget).
  bool json = false;
  bool no_wait = false;
  int64_t timeout_ms = 0;
  int64_t lines = 100;
  bool follow = false;
  bool group = false;
  bool verbose = false;
  std::vector<std::string> args;  // The command's positional arguments.
  ControlClient client;
};

struct CtlCommand {
  const char* name;
  const char* usage;       // Arguments, after the name.
  unsigned flags;          // Options it takes besides --json.
  int min_args, max_args;  // -1: any number.
  int (*run)(Ctl* ctl);
  const char* help;
};

void Out(const std::string& s) { WriteAll(STDOUT_FILENO, s.data(), s.size()); }

int Connect(Ctl* ctl) {
  std::string err;
  int code = 0;
  if (!ctl->client.Connect(ctl->socket, &err, &code, ctl->wait_ms)) return Fail(code, err);
  return 0;
}

// " (tend pid 7, /run/tend.sock)": the tend connected to.
std::string Which(const Ctl* ctl) {
  return fmt::format(" (tend pid {}, {})", ctl->client.hello().GetInt(Tag::kPid), ctl->socket);
}

// Sends `req` and reads the answer: data frames go to `on_data`, the final OK to `ok`.
// Returns 0, or the ERROR's code after printing its message (unless `quiet_error`,
// which leaves the message in `ok` for the caller).
int Request(Ctl* ctl, const Message& req, const std::function<void(const Message&)>& on_data,
            Message* ok = nullptr, bool quiet_error = false) {
  if (int rc = Connect(ctl)) return rc;
  std::string err;
  if (!ctl->client.Send(req, &err)) return Fail(kCodeUnreachable, err);
  Message m;
  for (;;) {
    if (!ctl->client.Receive(&m, &err)) return Fail(kCodeUnreachable, err);
    if (m.type == MsgType::kOk) {
      if (ok) *ok = m;
      return 0;
    }
    if (m.type == MsgType::kError) {
      const int code = static_cast<int>(m.GetInt(Tag::kCode, kCodeFailed));
      if (quiet_error && ok) {
        *ok = m;
        return code;
      }
      // Which tend said it: with several on a host, the one reached may not be the
      // one meant.
      return Fail(code, m.Get(Tag::kMessage) + Which(ctl));
    }
    if (on_data) on_data(m);
  }
}

// Adds the names to a request, or kAll for "all".
void AddNames(Message* m, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (n == "all") {
      m->AddFlag(Tag::kAll);
      return;
    }
  }
  for (const auto& n : names) m->Add(Tag::kName, n);
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Pads every cell of a column to the column's widest.
// Cells may hold what programs said (STATUS=, probe output): made printable first.
std::string Table(std::vector<std::vector<std::string>> rows) {
  for (auto& r : rows) {
    for (auto& cell : r) cell = Printable(cell);
  }
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

int RunStatus(Ctl* ctl) {
  Message req(MsgType::kStatus);
  for (const auto& n : ctl->args) req.Add(Tag::kName, n);
  std::vector<Message> programs;
  if (int rc = Request(ctl, req, [&](const Message& m) { programs.push_back(m); })) return rc;
  bool all_running = true;
  std::vector<std::vector<std::string>> rows = {StatusColumns()};
  for (const auto& p : programs) {
    all_running &= p.Get(Tag::kState) == "RUNNING";
    rows.push_back(StatusRow(p));
  }
  if (ctl->verbose && !ctl->json) {
    Out(fmt::format("tend pid {} on {}\n", ctl->client.hello().GetInt(Tag::kPid), ctl->socket));
  }
  Out(ctl->json ? StatusJson(programs) + "\n" : Table(rows));
  return all_running ? 0 : kCodeNotRunning;
}

// start, stop and restart: the same request with another type and past tense.
// The end of a command that prints nothing on success but {"ok":true} for scripts.
int Done(Ctl* ctl, int rc) {
  if (rc == 0 && ctl->json) Out("{\"ok\":true}\n");
  return rc;
}

int RunControl(Ctl* ctl, MsgType type, const char* done) {
  Message req(type);
  AddNames(&req, ctl->args);
  if (!ctl->no_wait) req.AddFlag(Tag::kWait);
  if (ctl->timeout_ms > 0) req.AddInt(Tag::kTimeoutMs, ctl->timeout_ms);
  if (int rc = Request(ctl, req, nullptr)) return rc;
  const std::string who = Join(ctl->args, ", ");
  Out(ctl->json ? "{\"ok\":true}\n"
                : fmt::format("{}: {}\n", who, ctl->no_wait ? std::string("requested") : done));
  return 0;
}
int RunStart(Ctl* ctl) { return RunControl(ctl, MsgType::kStart, "started"); }
int RunStop(Ctl* ctl) { return RunControl(ctl, MsgType::kStop, "stopped"); }
int RunRestart(Ctl* ctl) { return RunControl(ctl, MsgType::kRestart, "restarted"); }

int RunSignal(Ctl* ctl) {
  int sig = 0;
  const std::string& name = ctl->args[0];
  // kill(1)'s spellings too: -9, -KILL.
  if (!ParseSignal(name[0] == '-' ? name.substr(1) : name, &sig)) {
    return Fail(kCodeUsage, "unknown signal '" + ctl->args[0] + "'");
  }
  Message req(MsgType::kSignal);
  req.AddInt(Tag::kSignal, sig);
  if (ctl->group) req.AddFlag(Tag::kProcessGroup);
  AddNames(&req, std::vector<std::string>(ctl->args.begin() + 1, ctl->args.end()));
  Message ok;
  if (int rc = Request(ctl, req, nullptr, &ok)) return rc;
  // "web: signalled HUP (pid 42)", a line per program, as supervisorctl says it.
  if (!ctl->json) Out(Printable(ok.Get(Tag::kMessage), /*keep_newlines=*/true));
  return Done(ctl, 0);
}

int RunPid(Ctl* ctl) {
  if (ctl->args.empty()) {
    if (int rc = Connect(ctl)) return rc;
    const int64_t pid = ctl->client.hello().GetInt(Tag::kPid);
    Out(ctl->json ? fmt::format("{{\"pid\":{}}}\n", pid) : std::to_string(pid) + "\n");
    return 0;
  }
  Message req(MsgType::kStatus);
  req.Add(Tag::kName, ctl->args[0]);
  int64_t pid = 0;
  if (int rc = Request(ctl, req, [&](const Message& m) { pid = m.GetInt(Tag::kPid); })) return rc;
  Out(ctl->json ? fmt::format("{{\"pid\":{}}}\n", pid) : std::to_string(pid) + "\n");
  return pid > 0 ? 0 : kCodeNotRunning;
}

int RunLogs(Ctl* ctl) {
  // The names first (all of them when none is given), to know whether to prefix lines
  // and how wide to pad the prefix.
  std::vector<std::string> names;
  {
    Message req(MsgType::kStatus);
    for (const auto& n : ctl->args) req.Add(Tag::kName, n);
    Ctl probe;
    probe.socket = ctl->socket;
    if (int rc =
            Request(&probe, req, [&](const Message& m) { names.push_back(m.Get(Tag::kName)); }))
      return rc;
  }
  size_t width = 0;
  for (const auto& n : names) width = std::max(width, n.size());
  const bool prefix = names.size() > 1;
  // Raw into a file or a pipe; on a terminal, no program may drive it (colours go too).
  const bool terminal = isatty(STDOUT_FILENO);
  Message req(MsgType::kLogs);
  for (const auto& n : ctl->args) req.Add(Tag::kName, n);
  req.AddInt(Tag::kLines, ctl->lines);
  if (ctl->follow) req.AddFlag(Tag::kFollow);
  auto show = [&](const Message& m) {
    if (m.type != MsgType::kLog) return;
    const std::string name = m.Get(Tag::kName);
    const bool err = m.GetInt(Tag::kStream) == 2;
    std::string line;
    if (ctl->json) {
      line = fmt::format("{{\"name\":{},\"stream\":\"{}\",\"line\":{}}}\n", JsonString(name),
                         err ? "stderr" : "stdout", JsonString(m.Get(Tag::kData)));
    } else {
      const std::string data = terminal ? Printable(m.Get(Tag::kData)) : m.Get(Tag::kData);
      line = prefix ? name + std::string(width > name.size() ? width - name.size() : 0, ' ') +
                          " | " + data + "\n"
                    : data + "\n";
    }
    Out(line);
  };
  int rc = Request(ctl, req, show);
  // Following ends only when tend goes away (or Ctrl-C ends tendctl).
  return ctl->follow && rc == kCodeUnreachable ? 0 : rc;
}

int RunReload(Ctl* ctl) {
  Message ok;
  int rc = Request(ctl, Message(MsgType::kReload), nullptr, &ok, /*quiet_error=*/true);
  const std::string msg = ok.Get(Tag::kMessage);
  if (ctl->json) {
    Out(fmt::format("{{\"ok\":{},\"message\":{}}}\n", rc == 0 ? "true" : "false", JsonString(msg)));
    return rc;
  }
  if (rc == 0) {
    Out("reloaded: " + Printable(msg, true) + "\n");
    return 0;
  }
  if (rc == kCodeUnreachable) return rc;
  Fail(rc, "configuration not reloaded:");
  Out(Printable(msg, true) + "\n");
  return rc;
}

int RunShutdown(Ctl* ctl) {
  if (int rc = Request(ctl, Message(MsgType::kShutdown), nullptr)) return rc;
  Out(ctl->json ? "{\"ok\":true}\n" : "tend is stopping\n");
  return 0;
}

int RunWait(Ctl* ctl) {
  Message req(MsgType::kWait);
  AddNames(&req, ctl->args);
  if (ctl->timeout_ms > 0) req.AddInt(Tag::kTimeoutMs, ctl->timeout_ms);
  return Done(ctl, Request(ctl, req, nullptr));
}

int RunHealth(Ctl* ctl) {
  Message reply;
  int rc = Request(ctl, Message(MsgType::kHealth), nullptr, &reply, /*quiet_error=*/true);
  if (rc != 0 && rc != kCodeFailed) return rc;
  const std::string msg = reply.Get(Tag::kMessage);
  if (ctl->json) {
    std::string problems;
    size_t start = 0;
    while (rc != 0 && start <= msg.size()) {
      size_t end = msg.find('\n', start);
      if (end == std::string::npos) end = msg.size();
      problems += (problems.empty() ? "" : ",") + JsonString(msg.substr(start, end - start));
      start = end + 1;
    }
    Out(fmt::format("{{\"healthy\":{},\"problems\":[{}]}}\n", rc == 0 ? "true" : "false",
                    problems));
  } else {
    // On stdout: what `docker inspect` shows of a health check.
    Out(rc == 0 ? "healthy\n" : "unhealthy:\n" + Printable(msg, true) + "\n");
  }
  return rc;
}

int RunExec(Ctl* ctl) {
  Message req(MsgType::kExecInfo);
  req.Add(Tag::kName, ctl->args[0]);
  Message info;
  if (int rc = Request(ctl, req, [&](const Message& m) {
        if (m.type == MsgType::kExec) info = m;
      })) {
    return rc;
  }
  std::vector<std::string> command(ctl->args.begin() + 1, ctl->args.end());
  return ExecAsProgram(ctl->args[0], info, command);
}

int RunAttach(Ctl* ctl) {
  if (int rc = Connect(ctl)) return rc;
  return AttachTo(&ctl->client, ctl->args[0]);
}

int RunHelp(Ctl* ctl);

constexpr CtlCommand kCommands[] = {
    {"status", "[NAME...]", kVerbose, 0, -1, RunStatus,
     "show each program's state, pid, uptime, restarts and last exit"},
    {"start", "NAME...|all", kNoWait | kTimeout, 1, -1, RunStart,
     "start programs (and what they depend on) and wait until they are up"},
    {"stop", "NAME...|all", kNoWait | kTimeout, 1, -1, RunStop,
     "stop programs and wait until they are down"},
    {"restart", "NAME...|all", kNoWait | kTimeout, 1, -1, RunRestart,
     "stop then start programs, and wait until they are up"},
    {"signal", "SIGNAL NAME...|all", kGroup, 2, -1, RunSignal,
     "send a signal to programs' main processes (--group: their process groups)"},
    {"pid", "[NAME]", 0, 0, 1, RunPid, "show a program's pid, or tend's own"},
    {"logs", "[NAME...]", kLines | kFollow, 0, -1, RunLogs,
     "show programs' recent output; -f follows it"},
    {"reload", "", 0, 0, 0, RunReload, "re-read the configuration and apply the changes"},
    {"shutdown", "", 0, 0, 0, RunShutdown, "stop every program and end tend"},
    {"wait", "NAME...|all", kTimeout, 1, -1, RunWait, "wait until programs are up"},
    {"health", "", 0, 0, 0, RunHealth,
     "exit 0 when every autostart program is up (for health checks and probes)"},
    {"exec", "NAME [--] [COMMAND [ARG...]]", 0, 1, -1, RunExec,
     "run a command (default: a shell) as the program runs: its environment, directory, user"},
    {"attach", "NAME", 0, 1, 1, RunAttach,
     "use a tty program's terminal (Ctrl-P Ctrl-Q detaches), or watch a program's output"},
    {"help", "[COMMAND]", 0, 0, 1, RunHelp, "show this help, or a command's"},
};

std::string OptionUsage(unsigned flags) {
  std::string s;
  for (const auto& o : kCtlOptions) {
    if (!(flags & o.flag) || o.flag == kJson) continue;
    s += " [";
    s += o.short_name ? std::string("-") + o.short_name + (o.takes_value ? " N" : "")
                      : std::string("--") + o.long_name + (o.takes_value ? " DURATION" : "");
    s += "]";
  }
  return s;
}

std::string Usage() {
  std::string s =
      "usage: tendctl [-s PATH | -c FILE] [-j] COMMAND [ARG...]   (also: tend ctl ...)\n\n"
      "  -s, --socket PATH  tend's control socket (default: $TEND_SOCKET, else\n"
      "                     $TEND_CONTROL, else -c's, else the first of " +
      std::string(kDefaultSocketPath) +
      ",\n"
      "                     $XDG_RUNTIME_DIR/tend.sock and /tmp/tend-UID/tend.sock)\n"
      "  -c, --configuration FILE\n"
      "                     the socket a supervisord file names ([supervisorctl]\n"
      "                     serverurl, else [unix_http_server] file)\n"
      "  -j, --json         machine-readable output\n"
      "  -h, --help         show this help\n"
      "  -V, --version      show the version\n\ncommands:\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : kCommands) {
    rows.push_back({"  " + std::string(c.name) + OptionUsage(c.flags) + " " + c.usage, c.help});
  }
  s += Table(rows);
  s += "\nexit status: 0 ok, 1 failed, 2 usage, 3 not running, 4 no such program,\n"
       "5 tend not reachable, 6 permission denied, 7 timeout; exec: the command's\n";
  return s;
}

int RunHelp(Ctl* ctl) {
  if (ctl->args.empty()) {
    Out(Usage());
    return 0;
  }
  for (const auto& c : kCommands) {
    if (ctl->args[0] != c.name) continue;
    std::string s =
        fmt::format("usage: tendctl {}{} {}\n{}\n", c.name, OptionUsage(c.flags), c.usage, c.help);
    for (const auto& o : kCtlOptions) {
      if (c.flags & o.flag) s += fmt::format("  --{}  {}\n", o.long_name, o.help);
    }
    Out(s);
    return 0;
  }
  return Fail(kCodeUsage, "unknown command '" + ctl->args[0] + "' (see tendctl help)");
}

// Sets the option `o` of `cmd` in `ctl`, with its value when it takes one.
bool ApplyOption(const CtlCommand& cmd, const CtlOption& o, const std::string& value, Ctl* ctl,
                 std::string* err) {
  switch (o.flag) {
    case kNoWait:
      ctl->no_wait = true;
      return true;
    case kTimeout:
      if (!ParseDuration(value, &ctl->timeout_ms, err)) {
        *err = fmt::format("{}: --timeout: {}", cmd.name, *err);
        return false;
      }
      return true;
    case kLines: {
      char* end = nullptr;
      long long n = strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end || n < 0) {
        *err = fmt::format("{}: -n: '{}' is not a number of lines", cmd.name, value);
        return false;
      }
      ctl->lines = n;
      return true;
    }
    case kFollow:
      ctl->follow = true;
      return true;
    case kJson:
      ctl->json = true;
      return true;
    case kGroup:
      ctl->group = true;
      return true;
    case kVerbose:
      ctl->verbose = true;
      return true;
  }
  return false;
}

// One option argument: "--name", "--name=value", "--name value", or short options,
// several in one ("-fn 5", "-n5").
bool ParseOption(const CtlCommand& cmd, int argc, char** argv, int* i, Ctl* ctl, std::string* err) {
  const std::string arg = argv[*i];
  auto find = [&](auto match) -> const CtlOption* {
    for (const auto& o : kCtlOptions) {
      if (match(o) && ((cmd.flags | kJson) & o.flag)) return &o;
    }
    return nullptr;
  };
  auto next_value = [&](const char* name, std::string* value) {
    if (*i + 1 >= argc) {
      *err = fmt::format("{}: option '{}' needs a value", cmd.name, name);
      return false;
    }
    *value = argv[++*i];
    return true;
  };
  const std::string unknown =
      fmt::format("{}: unknown option '{}' (see tendctl help {})", cmd.name, arg, cmd.name);
  if (arg.compare(0, 2, "--") == 0) {
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const CtlOption* o = find([&](const CtlOption& x) { return name == x.long_name; });
    if (!o) {
      *err = unknown;
      return false;
    }
    std::string value;
    if (eq != std::string::npos) {
      if (!o->takes_value) {
        *err = fmt::format("{}: option '--{}' takes no value", cmd.name, name);
        return false;
      }
      value = arg.substr(eq + 1);
    } else if (o->takes_value && !next_value(arg.c_str(), &value)) {
      return false;
    }
    return ApplyOption(cmd, *o, value, ctl, err);
  }
  for (size_t k = 1; k < arg.size(); ++k) {
    const CtlOption* o = find([&](const CtlOption& x) { return x.short_name == arg[k]; });
    if (!o) {
      *err = unknown;
      return false;
    }
    std::string value;
    if (o->takes_value) {
      // The rest of the word is its value, else the next argument.
      if (k + 1 < arg.size()) {
        value = arg.substr(k + 1);
      } else if (!next_value(arg.c_str(), &value)) {
        return false;
      }
      return ApplyOption(cmd, *o, value, ctl, err);
    }
    if (!ApplyOption(cmd, *o, value, ctl, err)) return false;
  }
  return true;
}

// Parses a command's arguments into `ctl`. exec takes everything after its NAME as the
// command, options included.
bool ParseArgs(const CtlCommand& cmd, int argc, char** argv, int i, Ctl* ctl, std::string* err) {
  const bool is_exec = strcmp(cmd.name, "exec") == 0;
  bool options = true;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (is_exec && !ctl->args.empty()) {
      if (!(ctl->args.size() == 1 && arg == "--" && options)) ctl->args.push_back(arg);
      options = false;
      continue;
    }
    if (options && arg == "--") {
      options = false;
      continue;
    }
    // signal's first argument may be spelt as for kill(1): -9, -HUP.
    // The signal may be spelt as kill(1) has it (-9, -HUP); a long option is not one.
    const bool signal_name =
        strcmp(cmd.name, "signal") == 0 && ctl->args.empty() && arg.compare(0, 2, "--") != 0;
    const bool looks_like_option = options && !signal_name && arg.size() > 1 && arg[0] == '-';
    if (!looks_like_option) {
      ctl->args.push_back(arg);
    } else if (!ParseOption(cmd, argc, argv, &i, ctl, err)) {
      return false;
    }
  }
  const int n = static_cast<int>(ctl->args.size());
  if (n < cmd.min_args || (cmd.max_args >= 0 && n > cmd.max_args)) {
    *err = fmt::format("usage: tendctl {}{} {}", cmd.name, OptionUsage(cmd.flags), cmd.usage);
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> CtlCommandNames() {
  std::vector<std::string> names;
  for (const auto& c : kCommands) names.push_back(c.name);
  return names;
}

std::vector<std::string> CtlOptionNames() {
  std::vector<std::string> names = {"socket", "configuration", "json", "help", "version"};
  for (const auto& o : kCtlOptions) {
    if (std::find(names.begin(), names.end(), o.long_name) == names.end()) {
      names.push_back(o.long_name);
    }
  }
  return names;
}

int CtlMain(int argc, char** argv) {
  // A vanished tend must be an error message, not a silent death by SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  Ctl ctl;
  std::string flag, config;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    std::string arg = argv[i];
    if (arg == "-s" || arg == "--socket") {
      if (i + 1 >= argc) return Fail(kCodeUsage, arg + " needs a path");
      flag = argv[++i];
    } else if (arg.compare(0, 9, "--socket=") == 0) {
      flag = arg.substr(9);
    } else if (arg == "-c" || arg == "--configuration") {
      if (i + 1 >= argc) return Fail(kCodeUsage, arg + " needs a file");
      config = argv[++i];
    } else if (arg.compare(0, 16, "--configuration=") == 0) {
      config = arg.substr(16);
    } else if (arg == "-j" || arg == "--json") {
      ctl.json = true;
    } else if (arg == "-h" || arg == "--help") {
      Out(Usage());
      return 0;
    } else if (arg == "-V" || arg == "--version") {
      Out(std::string("tendctl (tend) ") + kTendVersion + "\n");
      return 0;
    } else {
      return Fail(kCodeUsage, "unknown option '" + arg + "' (see tendctl --help)");
    }
  }
  // TEND_CONTROL is what a tend gives the programs it runs: from inside one of them,
  // tendctl reaches that tend, wherever it listens.
  SocketTarget target;
  std::string err;
  if (!FindSocket(flag, config, {"/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"},
                  &target, &err)) {
    return Fail(kCodeUsage, err);
  }
  ctl.socket = target.path;
  if (target.from_tend) ctl.wait_ms = kControlSocketWaitMs;
  if (i >= argc) {
    WriteAll(STDERR_FILENO, Usage().data(), Usage().size());
    return kCodeUsage;
  }
  for (const auto& cmd : kCommands) {
    if (cmd.name != std::string(argv[i])) continue;
    if (!ParseArgs(cmd, argc, argv, i + 1, &ctl, &err)) return Fail(kCodeUsage, err);
    return cmd.run(&ctl);
  }
  return Fail(kCodeUsage, fmt::format("unknown command '{}' (see tendctl help)", argv[i]));
}

}  // namespace tend
