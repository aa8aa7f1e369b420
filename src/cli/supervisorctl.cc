#include "cli/supervisorctl.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "base/diag.h"
#include "base/sys.h"
#include "base/values.h"
#include "base/version.h"  // Generated: build/gen/base/version.h.
#include "cli/supervisorctl_session.h"
#include "control/control_client.h"
#include "control/socket_paths.h"

namespace tend {

namespace {

using namespace sctl;  // NOLINT: this file is the session's other half.

std::string Describe(const Proc& p) {
  if (p.state == "RUNNING") return RunningDescription(p.pid, p.started_ago_ms / 1000);
  if (p.state == "BACKOFF" || p.state == "FATAL") {
    // supervisord's words when the process exited too quickly; tend's own reasons
    // (not ready, unhealthy, watchdog, a spawn error) when it knows more.
    if (p.failure.empty() || p.failure == "exited too quickly") {
      return "Exited too quickly (process log may have details)";
    }
    return p.failure;
  }
  if (p.state == "STOPPED" || p.state == "EXITED") {
    if (!p.launched()) return "Not started";
    return StopDescription(static_cast<long long>(time(nullptr)) - p.state_ms / 1000);
  }
  return "";
}

}  // namespace

int sctl::Status(Sctl* s, const Args& args) {
  if (!Fetch(s)) return s->status = kStatusUnknown;
  std::vector<const Proc*> shown;
  if (args.empty() || HasAll(args)) {
    for (const auto& p : s->procs) shown.push_back(&p);
  } else {
    for (const Target& t : Resolve(*s, args)) {
      if (t.procs.empty()) {
        Line(t.arg + (t.group ? ": ERROR (no such group)" : ": ERROR (no such process)"));
        s->status = kStatusUnknown;
      }
      shown.insert(shown.end(), t.procs.begin(), t.procs.end());
    }
  }
  size_t width = 30;
  for (const Proc* p : shown) width = std::max(width, p->spec.size());
  for (const Proc* p : shown) {
    std::string line = p->spec + std::string(width + 3 - p->spec.size(), ' ') + p->state;
    line += std::string(p->state.size() < 10 ? 10 - p->state.size() : 0, ' ') + Describe(*p);
    Line(line);
  }
  for (const Proc* p : shown) {
    if (Stopped(*p)) s->status = kStatusNotRunning;
  }
  return s->status;
}

namespace {

int Start(Sctl* s, const std::vector<std::string>& args) {
  static const char* const kHelp[] = {"start <name>\t\tStart a process",
                                      "start <gname>:*\t\tStart all processes in a group",
                                      "start <name> <name>\tStart multiple processes or groups",
                                      "start all\t\tStart all processes", nullptr};
  if (args.empty()) {
    Line("Error: start requires a process name");
    Help(kHelp);
    return s->status = kInvalidArgs;
  }
  if (!Fetch(s)) return s->status;
  // What each argument stands for, in order: supervisorctl prints its results argument by
  // argument; for all and GROUP:*, supervisord answers the errors it finds before
  // spawning first, then the starts as they complete (rpcinterface's make_allfunc).
  std::vector<Target> parts;
  if (HasAll(args)) {
    parts.resize(1);
    parts[0].group = true;
    parts[0].procs = Targets(s, {"all"}, kInvalidArgs, [](const Proc& p) { return !Running(p); });
  } else {
    parts = Resolve(*s, args);
    for (Target& t : parts) {
      if (t.group) PriorityOrder(&t.procs);
    }
  }
  // One request starts them all at once, as supervisord does; then each is waited for.
  // As supervisord, a command that cannot run is found before anything is spawned: the
  // program stays as it was.
  Message req(MsgType::kStart);
  for (const Target& part : parts) {
    for (const Proc* p : part.procs) {
      if (!Running(*p)) req.Add(Tag::kName, p->name);
    }
  }
  std::string err;
  bool unreachable = false;
  Message ok;
  if (req.Has(Tag::kName)) {
    req.AddFlag(Tag::kCheckCommand);
    Request(s, req, nullptr, &err, &unreachable, &ok);
    if (unreachable) return s->status;
  }
  const std::vector<std::string> no_file = ok.GetAll(Tag::kNoFile);
  const std::vector<std::string> not_executable = ok.GetAll(Tag::kNotExecutable);
  auto among = [](const std::vector<std::string>& v, const std::string& n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  // The error found before spawning `p`, if any (printed, the status set).
  auto refused = [&](const Proc* p) {
    if (!among(no_file, p->name) && !among(not_executable, p->name)) return false;
    Line(p->spec + (among(no_file, p->name) ? ": ERROR (no such file)"
                                            : ": ERROR (file is not executable)"));
    s->status = kGeneric;
    return true;
  };
  // Waits for `p` to be up, and says how that went.
  auto started = [&](const Proc* p) {
    Message wait(MsgType::kWait);
    wait.Add(Tag::kName, p->name);
    if (Request(s, wait, nullptr, &err, &unreachable)) {
      Line(p->spec + ": started");
      return;
    }
    if (unreachable) return;
    // A program that ran its startsecs and then exited on its own did start.
    bool exited = false;
    Message st(MsgType::kStatus);
    st.Add(Tag::kName, p->name);
    Request(s, st, [&](const Message& m) { exited = m.Get(Tag::kState) == "EXITED"; }, &err);
    if (exited) {
      Line(p->spec + ": started");
    } else {
      Line(p->spec + ": ERROR (spawn error)");
      s->status = kNotRunning;
    }
  };
  for (const Target& part : parts) {
    if (part.procs.empty()) {
      if (!part.group) {
        Line(part.arg + ": ERROR (no such process)");
        s->status = kGeneric;
      } else if (!HasAll(args)) {
        Line(part.arg + ": ERROR (no such group)");
        s->status = kInvalidArgs;
      }
      continue;
    }
    // A group's running processes are passed over (supervisord's isNotRunning); its
    // refusals come before its starts.
    std::vector<const Proc*> waits;
    for (const Proc* p : part.procs) {
      if (!Running(*p)) {
        if (!refused(p)) waits.push_back(p);
      } else if (!part.group) {
        Line(p->spec + ": ERROR (already started)");
      }
    }
    for (const Proc* p : waits) {
      started(p);
      if (unreachable) return s->status;
    }
  }
  return s->status;
}

int Stop(Sctl* s, const std::vector<std::string>& args) {
  static const char* const kHelp[] = {"stop <name>\t\tStop a process",
                                      "stop <gname>:*\t\tStop all processes in a group",
                                      "stop <name> <name>\tStop multiple processes or groups",
                                      "stop all\t\tStop all processes", nullptr};
  if (args.empty()) {
    Line("Error: stop requires a process name");
    Help(kHelp);
    return s->status = kGeneric;
  }
  if (!Fetch(s)) return s->status;
  std::vector<const Proc*> todo;
  // supervisord stops what runs and what is stopping.
  auto stoppable = [](const Proc& p) { return Running(p) || p.state == "STOPPING"; };
  for (const Proc* p : Targets(s, args, kGeneric, stoppable)) {
    if (stoppable(*p)) {
      todo.push_back(p);
    } else {
      Line(p->spec + ": ERROR (not running)");
    }
  }
  if (todo.empty()) return s->status;
  Message req(MsgType::kStop);
  for (const Proc* p : todo) req.Add(Tag::kName, p->name);
  req.AddFlag(Tag::kWait);
  std::string err;
  bool unreachable = false;
  if (!Request(s, req, nullptr, &err, &unreachable)) {
    if (!unreachable) {
      Line(err);
      s->status = kGeneric;
    }
    return s->status;
  }
  for (const Proc* p : todo) Line(p->spec + ": stopped");
  return s->status;
}

int Restart(Sctl* s, const std::vector<std::string>& args) {
  if (args.empty()) {
    Line("Error: restart requires a process name");
    static const char* const kHelp[] = {
        "restart <name>\t\tRestart a process",
        "restart <gname>:*\tRestart all processes in a group",
        "restart <name> <name>\tRestart multiple processes or groups",
        "restart all\t\tRestart all processes",
        "Note: restart does not reread config files. For that, see reread and update.", nullptr};
    Help(kHelp);
    return s->status = kGeneric;
  }
  Stop(s, args);
  return Start(s, args);
}

int SignalCmd(Sctl* s, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    Line("Error: signal requires a signal name and a process name");
    static const char* const kHelp[] = {
        "signal <signal name> <name>\t\tSignal a process",
        "signal <signal name> <gname>:*\t\tSignal all processes in a group",
        "signal <signal name> <name> <name>\tSignal multiple processes or groups",
        "signal <signal name> all\t\tSignal all processes", nullptr};
    Help(kHelp);
    return s->status = kGeneric;
  }
  if (!Fetch(s)) return s->status;
  int sig = 0;
  const bool good = ParseSignal(args[0], &sig);
  std::vector<std::string> names(args.begin() + 1, args.end());
  for (const Proc* p : Targets(s, names, kGeneric, Running)) {
    if (!good) {
      Line(p->spec + ": ERROR (bad signal name)");
      s->status = kGeneric;
      continue;
    }
    if (!Running(*p) || p->pid <= 0) {
      Line(p->spec + ": ERROR (not running)");
      s->status = kNotRunning;
      continue;
    }
    Message req(MsgType::kSignal);
    req.AddInt(Tag::kSignal, sig).Add(Tag::kName, p->name);
    std::string err;
    bool unreachable = false;
    if (Request(s, req, nullptr, &err, &unreachable)) {
      Line(p->spec + ": signalled");
    } else if (!unreachable) {
      Line(p->spec + ": ERROR (not running)");
      s->status = kNotRunning;
    }
  }
  return s->status;
}

int Pid(Sctl* s, const std::vector<std::string>& args) {
  if (args.empty()) {
    ControlClient client;
    if (!Connect(s, &client)) return s->status;
    Line(std::to_string(client.hello().GetInt(Tag::kPid)));
    return s->status;
  }
  if (!Fetch(s)) return s->status;
  if (HasAll(args)) {
    for (const auto& p : s->procs) Line(std::to_string(p.pid));
    return s->status;
  }
  for (const Target& t : Resolve(*s, args)) {
    // supervisord takes "GROUP:*" here as a name, which it does not find.
    if (t.procs.empty() || t.group || t.procs.size() != 1) {
      Line("No such process " + t.arg + (t.group ? ":*" : ""));
      s->status = kGeneric;
      continue;
    }
    Line(std::to_string(t.procs[0]->pid));
    if (t.procs[0]->pid == 0) s->status = kNotRunning;
  }
  return s->status;
}

// tail [-f|-BYTES] NAME [stdout|stderr]: the end of one stream of the program's output,
// from tend's log ring, as supervisorctl prints the end of its log file.
int Tail(Sctl* s, const std::vector<std::string>& in) {
  static const char* const kHelp[] = {
      "tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\n"
      "tail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\n"
      "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
      "tail <name> stderr\tlast 1600 *bytes* of process stderr",
      nullptr};
  std::vector<std::string> args = in;
  if (args.empty() || args.size() > 3) {
    Line(args.empty() ? "Error: too few arguments" : "Error: too many arguments");
    Help(kHelp);
    return s->status = kGeneric;
  }
  std::string modifier;
  if (args[0][0] == '-') {
    modifier = args[0];
    args.erase(args.begin());
  }
  if (args.empty()) {
    Line("Error: tail requires process name");
    return s->status = kGeneric;
  }
  std::string channel = "stdout";
  if (args.size() > 1) {
    channel = args.back();
    std::transform(channel.begin(), channel.end(), channel.begin(),
                   [](unsigned char c) { return static_cast<char>(tolower(c)); });
    if (channel != "stdout" && channel != "stderr") {
      Line("Error: bad channel '" + channel + "'");
      return s->status = kGeneric;
    }
  }
  int64_t bytes = 1600;
  const bool follow = modifier == "-f";
  if (!modifier.empty() && !follow) {
    if (!ParseUint(modifier.substr(1), &bytes)) {
      Line("Error: bad argument " + modifier);
      return s->status = kGeneric;
    }
  }
  if (!Fetch(s)) return s->status;
  const std::vector<Target> t = Resolve(*s, {args[0]});
  if (t[0].group || t[0].procs.size() != 1) {
    Line(args[0] + ": ERROR (no such process name)");
    return s->status = kGeneric;
  }
  if (follow) Line("==> Press Ctrl-C to exit <==");
  Message req(MsgType::kLogs);
  req.Add(Tag::kName, t[0].procs[0]->name);
  return ShowLog(s, req, channel == "stderr" ? 2 : 1, follow, bytes);
}

int RereadCmd(Sctl* s, const std::vector<std::string>& args) {
  if (!args.empty()) {
    Line("Error: reread accepts no arguments");
    Line("reread \t\t\tReload the daemon's configuration files without add/remove");
    return s->status = kGeneric;
  }
  std::vector<std::string> added, changed, removed;
  if (!Reread(s, true, &added, &changed, &removed)) return s->status;
  std::vector<std::pair<std::string, const char*>> lines;
  for (const auto& g : added) lines.push_back({g, "available"});
  for (const auto& g : changed) lines.push_back({g, "changed"});
  for (const auto& g : removed) lines.push_back({g, "disappeared"});
  if (lines.empty()) Line("No config updates to processes");
  std::sort(lines.begin(), lines.end());
  for (const auto& l : lines) Line(l.first + ": " + l.second);
  return s->status;
}

// update: tend applies the whole new configuration at once (removed programs stop,
// changed ones restart, added ones start), then says it group by group, as supervisord.
int Update(Sctl* s, const std::vector<std::string>& args) {
  std::vector<std::string> added, changed, removed;
  if (!Reread(s, !args.empty() && !HasAll(args), &added, &changed, &removed)) return s->status;
  if (!args.empty() && !HasAll(args)) {
    // Named groups: tend cannot apply part of a configuration; only when the names cover
    // every change is the update done.
    if (!Fetch(s)) return s->status;
    std::vector<std::string> named;
    for (const auto& n : args) {
      bool known = std::find(added.begin(), added.end(), n) != added.end();
      for (const auto& p : s->procs) known |= p.group == n;
      if (known) {
        named.push_back(n);
      } else {
        Line("ERROR: no such group: " + n);
        s->status = kGeneric;
      }
    }
    if (named.empty() || !OnlyChanges(s, named, added, changed, removed)) return s->status;
    if (!Reread(s, false, &added, &changed, &removed)) return s->status;
  }
  for (const auto& g : removed) {
    Line(g + ": stopped");
    Line(g + ": removed process group");
  }
  for (const auto& g : changed) {
    Line(g + ": stopped");
    Line(g + ": updated process group");
  }
  for (const auto& g : added) Line(g + ": added process group");
  return s->status;
}

// avail: every program, by process name as supervisord sorts them: "in use", auto or
// manual, and GROUP_PRIORITY:PRIORITY.
int Avail(Sctl* s, const std::vector<std::string>& args) {
  if (!args.empty()) {
    Line("Error: avail accepts no arguments");
    Line("avail\t\t\tDisplay all configured processes");
    return s->status = kGeneric;
  }
  if (!Fetch(s)) return s->status;
  std::vector<const Proc*> all;
  for (const auto& p : s->procs) all.push_back(&p);
  std::stable_sort(all.begin(), all.end(),
                   [](const Proc* a, const Proc* b) { return a->name < b->name; });
  for (const Proc* p : all) {
    Line(fmt::format("{:<32} {:<9} {:<9} {}:{}", p->spec, "in use",
                     p->autostart ? "auto" : "manual", p->group_priority, p->priority));
  }
  return s->status;
}

// clear: forgets what tend keeps of each running program's output. supervisord empties
// the log files of running programs only (the others have no open logs to reopen), and
// still says "cleared"; so does this.
int Clear(Sctl* s, const std::vector<std::string>& args) {
  if (args.empty()) {
    Line("Error: clear requires a process name");
    Line("clear <name>\t\tClear a process' log files.");
    Line("clear <name> <name>\tClear multiple process' log files");
    Line("clear all\t\tClear all process' log files");
    return s->status = kGeneric;
  }
  if (!Fetch(s)) return s->status;
  std::vector<const Proc*> todo;
  if (HasAll(args)) {
    for (const auto& p : s->procs) todo.push_back(&p);
  } else {
    for (const Target& t : Resolve(*s, args)) {
      if (t.group || t.procs.size() != 1) {
        Line(t.arg + (t.group ? ":*" : "") + ": ERROR (no such process)");
        s->status = kGeneric;
        continue;
      }
      todo.push_back(t.procs[0]);
    }
  }
  for (const Proc* p : todo) {
    if (p->pid <= 0) {
      Line(p->spec + ": cleared");
      continue;
    }
    Message req(MsgType::kClear);
    req.Add(Tag::kName, p->name);
    std::string err;
    bool unreachable = false;
    if (Request(s, req, nullptr, &err, &unreachable)) {
      Line(p->spec + ": cleared");
    } else if (!unreachable) {
      Line(p->spec + ": ERROR (failed)");
      s->status = kGeneric;
    }
  }
  return s->status;
}

int Version(Sctl* s, const std::vector<std::string>&) {
  // The server's version, as supervisorctl asks it: none without a server (status 7).
  ControlClient client;
  if (!Connect(s, &client)) return s->status;
  Line(kTendVersion);
  return s->status;
}

int Shutdown(Sctl* s, const std::vector<std::string>& args) {
  if (!args.empty()) {
    Line("Error: shutdown accepts no arguments");
    Line("shutdown \tShut the remote supervisord down.");
    return s->status = kGeneric;
  }
  std::string err;
  bool unreachable = false;
  if (Request(s, Message(MsgType::kShutdown), nullptr, &err, &unreachable)) {
    Line("Shut down");
  } else if (!unreachable) {
    Line("ERROR: already shutting down");
    s->status = kGeneric;
  }
  return s->status;
}

int HelpCmd(Sctl* s, const std::vector<std::string>& args);

struct Command {
  const char* name;
  int (*run)(Sctl*, const std::vector<std::string>&);
};

constexpr Command kCommands[] = {
    {"add", Add},         {"avail", Avail},       {"clear", Clear},       {"fg", Fg},
    {"help", HelpCmd},    {"maintail", Maintail}, {"open", Open},         {"pid", Pid},
    {"reload", Reload},   {"remove", Remove},     {"reread", RereadCmd},  {"restart", Restart},
    {"shutdown", Shutdown}, {"signal", SignalCmd}, {"start", Start},      {"status", Status},
    {"stop", Stop},       {"tail", Tail},         {"update", Update},     {"version", Version},
};

int HelpCmd(Sctl* s, const std::vector<std::string>&) {
  std::string names;
  for (const auto& c : kCommands) names += std::string(names.empty() ? "" : " ") + c.name;
  Line("");
  Line("tend's supervisorctl: supervisorctl's commands, over tend's control socket:");
  Line(names + " quit exit");
  Line("");
  return s->status;
}

int Run(Sctl* s, const std::vector<std::string>& words) {
  if (words.empty()) return s->status;
  std::vector<std::string> args(words.begin() + 1, words.end());
  for (const auto& c : kCommands) {
    if (words[0] == c.name) return c.run(s, args);
  }
  std::string line;
  for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
  Line("*** Unknown syntax: " + line);
  return s->status = kGeneric;
}

// The prompt, for `supervisorctl` alone on a terminal: a line at a time until quit,
// exit or end of input.
int Interactive(Sctl* s) {
  s->interactive = true;
  Status(s, {});
  for (;;) {
    const char prompt[] = "supervisor> ";
    WriteAll(STDOUT_FILENO, prompt, sizeof prompt - 1);
    std::string line;
    // The prompt's exit status is always 0, as supervisorctl's (its main says so).
    if (!ReadLine(s, &line)) {
      Line("");
      return 0;
    }
    std::vector<std::string> words = Words(line);
    if (!words.empty() && (words[0] == "quit" || words[0] == "exit")) return 0;
    s->status = 0;
    Run(s, words);
  }
}

// Whether `path` opens for reading as a file (Python's open(), which supervisorctl uses),
// without blocking on a FIFO.
bool Readable(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st;
  return fd.valid() && fstat(fd.get(), &st) == 0 && !S_ISDIR(st.st_mode);
}

const char kUsage[] =
    "supervisorctl -- tend's drop-in for supervisord's control client.\n"
    "\n"
    "Usage: supervisorctl [options] [action [arguments]]\n"
    "\n"
    "Options:\n"
    "-c/--configuration FILENAME -- configuration file path (default /etc/supervisord.conf)\n"
    "-h/--help -- print usage message and exit\n"
    "-i/--interactive -- start an interactive shell after executing commands\n"
    "-s/--serverurl URL -- URL on which supervisord server is listening\n"
    "     (default \"unix:///run/tend.sock\", tend's control socket).\n"
    "-u/--username USERNAME -- accepted and ignored: the socket checks the caller's uid\n"
    "-p/--password PASSWORD -- accepted and ignored\n"
    "\n"
    "action [arguments] -- see below\n"
    "\n"
    "Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\n"
    "specified on the command line, a \"shell\" interpreting actions typed\n"
    "interactively is started.  Use the action \"help\" to find out about available\n"
    "actions.\n";

}  // namespace

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

SctlParse ParseSctlOptions(int argc, char** argv, SctlOptions* out, std::string* message) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    std::string arg = argv[i];
    std::string value;
    auto takes = [&](const char* shrt, const char* lng) {
      const std::string l = std::string("--") + lng;
      if (arg == shrt || arg == l) {
        value = i + 1 < argc ? argv[++i] : "";
        return true;
      }
      if (arg.compare(0, l.size() + 1, l + "=") == 0) {
        value = arg.substr(l.size() + 1);
        return true;
      }
      if (arg.size() > 2 && arg.compare(0, 2, shrt) == 0 && arg[1] != '-') {
        value = arg.substr(2);
        return true;
      }
      return false;
    };
    if (arg == "-h" || arg == "--help") {
      return SctlParse::kHelp;
    } else if (arg == "-i" || arg == "--interactive") {
      out->interactive = true;
    } else if (takes("-c", "configuration")) {
      out->config = value;
    } else if (takes("-s", "serverurl")) {
      out->url = value;
    } else if (takes("-u", "username") || takes("-p", "password") || takes("-r", "history-file")) {
      // Accepted for scripts' sake: tend's socket checks the caller's uid instead.
    } else {
      // supervisorctl 4.2.5's words: the error and where help is, not the whole help.
      *message = "Error: option " + arg + " not recognized\nFor help, use " + argv[0] + " -h\n";
      return SctlParse::kError;
    }
  }
  out->first_word = i;
  return SctlParse::kRun;
}

int SupervisorctlMain(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Sctl s;
  SctlOptions opts;
  std::string message;
  switch (ParseSctlOptions(argc, argv, &opts, &message)) {
    case SctlParse::kRun:
      break;
    case SctlParse::kHelp:
      WriteAll(STDOUT_FILENO, kUsage, sizeof kUsage - 1);
      return 0;
    case SctlParse::kError:
      WriteAll(STDERR_FILENO, message.data(), message.size());
      return kInvalidArgs;
  }
  const std::string& config = opts.config;
  std::string url = opts.url;
  const bool interactive = opts.interactive;
  const int i = opts.first_word;
  struct stat st;
  if (!config.empty() && !Readable(config)) {
    // supervisorctl 4.2.5's words and status, before any action.
    std::string msg = std::string("Error: could not ") +
                      (stat(config.c_str(), &st) != 0 ? "find" : "read") + " config file " +
                      config + "\nFor help, use " + argv[0] + " -h\n";
    WriteAll(STDERR_FILENO, msg.data(), msg.size());
    return kInvalidArgs;
  }
  // Where tend listens: -s, else the environment, else -c's file, else
  // /etc/supervisord.conf's socket when it is there, else the default places.
  if (!url.empty() && url.compare(0, 7, "unix://") != 0) {
    Line("tend's supervisorctl reaches tend over its unix socket only (unix:///path), not " +
         url);
    return kInvalidArgs;
  }
  SocketTarget target;
  std::string err;
  if (!FindSocket(url.empty() ? "" : url.substr(7), config,
                  {"/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"}, &target,
                  &err)) {
    std::string msg = "Error: " + err + "\n";
    WriteAll(STDERR_FILENO, msg.data(), msg.size());
    return kInvalidArgs;
  }
  url = "unix://" + target.path;
  s.url = url;
  s.socket = url.substr(7);
  if (target.from_tend) s.wait_ms = kControlSocketWaitMs;
  std::vector<std::string> words(argv + i, argv + argc);
  if (!words.empty()) {
    Run(&s, words);
    if (!interactive) return s.status;
  }
  // No action: the prompt, terminal or not (supervisorctl 4.2.5 reads a script's stdin
  // too, and ends at its end with status 0).
  return Interactive(&s);
}

}  // namespace tend
