// supervisorctl's commands about the daemon rather than its programs: reload, maintail,
// add, remove, fg and open. supervisord's answers are kept; where tend works otherwise
// (it applies a configuration whole, it does not restart itself), the command does
// tend's nearest thing and says so (man/tend-supervisorctl.1, DIFFERENCES).
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "base/sys.h"
#include "base/values.h"
#include "cli/supervisorctl_session.h"

namespace tend {
namespace sctl {

namespace {

bool Contains(const Args& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// The programs of supervisord's process group `group` (s->procs fetched).
std::vector<const Proc*> GroupOf(const Sctl& s, const std::string& group) {
  std::vector<const Proc*> out;
  for (const auto& p : s.procs) {
    if (p.group == group) out.push_back(&p);
  }
  return out;
}


}  // namespace

// supervisord restarts itself: every program stops, the files are read again, and the
// autostart programs start. tend does the same without exiting, and refuses a
// configuration with errors before stopping anything.
int Reload(Sctl* s, const Args& args) {
  if (!args.empty()) {
    Line("Error: reload accepts no arguments");
    Line("reload \t\tRestart the remote supervisord.");
    return s->status = kGeneric;
  }
  if (s->interactive) {
    const char question[] = "Really restart the remote supervisord process y/N? ";
    WriteAll(STDOUT_FILENO, question, sizeof question - 1);
    std::string answer;
    if (!ReadLine(s, &answer) || (answer[0] != 'y' && answer[0] != 'Y')) return s->status;
  }
  Args added, changed, removed;
  if (!Reread(s, true, &added, &changed, &removed)) return s->status;
  Message stop(MsgType::kStop);
  stop.AddFlag(Tag::kAll).AddFlag(Tag::kWait);
  std::string err;
  bool unreachable = false;
  if (!Request(s, stop, nullptr, &err, &unreachable)) {
    if (!unreachable) {
      Line("ERROR: already shutting down");
      s->status = kGeneric;
    }
    return s->status;
  }
  // Read again to apply: the files may have changed since the check. If they no longer
  // load, the running configuration stays, and its programs come back up all the same.
  const bool applied = Reread(s, false, &added, &changed, &removed);
  if (!Fetch(s)) return s->status;
  Message start(MsgType::kStart);
  bool any = false;
  for (const auto& p : s->procs) {
    if (!p.autostart) continue;
    start.Add(Tag::kName, p.name);
    any = true;
  }
  if (any && !Request(s, start, nullptr, &err, &unreachable) && unreachable) return s->status;
  if (applied) Line("Restarted supervisord");
  return s->status;
}

// maintail [-f|-BYTES]: the end of tend's own messages, which tend keeps as it keeps
// each program's output (supervisord's main log file).
int Maintail(Sctl* s, const Args& args) {
  ControlClient probe;
  if (!Connect(s, &probe)) return s->status;
  if (args.size() > 1) {
    Line("Error: too many arguments");
    s->status = kGeneric;
    static const char* const kHelp[] = {
        "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)",
        "maintail -100\tlast 100 *bytes* of supervisord main log file",
        "maintail\tlast 1600 *bytes* of supervisor main log file", "", nullptr};
    Help(kHelp);
    return s->status;
  }
  int64_t bytes = 1600;
  bool follow = false;
  if (args.size() == 1) {
    const std::string& a = args[0];
    if (a == "-f") {
      follow = true;
    } else if (a[0] != '-' || !ParseUint(a.substr(1), &bytes)) {
      Line("Error: bad argument " + a);
      return s->status = kGeneric;
    }
  }
  if (follow) Line("==> Press Ctrl-C to exit <==");
  Message req(MsgType::kLogs);
  req.AddFlag(Tag::kDaemon);
  return ShowLog(s, req, 0, follow, bytes);
}

// add NAME...: supervisord activates a group that `reread` found. tend reads the files
// again itself; the group must be the only change they hold.
int Add(Sctl* s, const Args& args) {
  for (const auto& name : args) {
    Args added, changed, removed;
    if (!Reread(s, true, &added, &changed, &removed) || !Fetch(s)) return s->status;
    if (!GroupOf(*s, name).empty()) {
      Line("ERROR: process group already active");
      continue;
    }
    if (!Contains(added, name)) {
      Line("ERROR: no such process/group: " + name);
      s->status = kGeneric;
      continue;
    }
    if (!OnlyChanges(s, {name}, added, changed, removed)) continue;
    if (!Reread(s, false, &added, &changed, &removed)) return s->status;
    Line(name + ": added process group");
  }
  return s->status;
}

// remove NAME...: supervisord drops a stopped group from what it runs. tend runs what the
// files say, so the group must be gone from them (and the only change).
int Remove(Sctl* s, const Args& args) {
  for (const auto& name : args) {
    Args added, changed, removed;
    if (!Reread(s, true, &added, &changed, &removed) || !Fetch(s)) return s->status;
    const std::vector<const Proc*> group = GroupOf(*s, name);
    if (group.empty()) {
      Line("ERROR: no such process/group: " + name);
      s->status = kGeneric;
      continue;
    }
    if (std::any_of(group.begin(), group.end(), [](const Proc* p) { return !Stopped(*p); })) {
      Line("ERROR: process/group still running: " + name);
      s->status = kGeneric;
      continue;
    }
    if (!Contains(removed, name)) {
      Line("ERROR: " + name + " is still in the configuration files (tend runs what they say)");
      s->status = kGeneric;
      continue;
    }
    if (!OnlyChanges(s, {name}, added, changed, removed)) continue;
    if (!Reread(s, false, &added, &changed, &removed)) return s->status;
    Line(name + ": removed process group");
  }
  return s->status;
}

// fg NAME: the program's output as it comes, until Ctrl-C. tend gives a program no input
// pipe (a tty = true program's terminal is reached with tendctl attach).
int Fg(Sctl* s, const Args& args) {
  ControlClient probe;
  if (!Connect(s, &probe)) return s->status;
  if (args.empty()) {
    Line("ERROR: no process name supplied");
    Line("fg <process>\tConnect to a process in foreground mode");
    Line("\t\tCtrl-C to exit");
    return s->status = kGeneric;
  }
  if (args.size() > 1) {
    Line("ERROR: too many process names supplied");
    return s->status = kGeneric;
  }
  if (!Fetch(s)) return s->status;
  const std::vector<Target> t = Resolve(*s, args);
  if (t[0].group || t[0].procs.size() != 1) {
    Line("ERROR: bad process name supplied");
    return s->status = kGeneric;
  }
  if (t[0].procs[0]->state != "RUNNING") {
    Line("ERROR: process not running");
    return s->status = kGeneric;
  }
  Line("==> Press Ctrl-C to exit <==");
  // The follow runs in a child that Ctrl-C ends, so that at the prompt it returns there,
  // as supervisorctl does.
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    Message req(MsgType::kLogs);
    req.Add(Tag::kName, t[0].procs[0]->name);
    _exit(ShowLog(s, req, 0, true, 0));
  }
  if (pid < 0) {
    Line("ERROR: " + ErrnoString(errno));
    return s->status = kGeneric;
  }
  struct sigaction ignore = {}, old = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &old);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGINT, &old, nullptr);
  Line("Exiting foreground");
  return s->status;
}

// open URL: another tend's socket for the commands that follow, then its status.
int Open(Sctl* s, const Args& args) {
  std::string url;
  for (const auto& a : args) url += (url.empty() ? "" : " ") + a;
  const bool unix_url = url.compare(0, 7, "unix://") == 0;
  if (!unix_url && url.compare(0, 7, "http://") != 0) {
    Line("ERROR: url must be http:// or unix://");
    return s->status = kGeneric;
  }
  if (!unix_url) {
    Line("ERROR: tend's supervisorctl reaches tend over its unix socket only, not " + url);
    return s->status = kGeneric;
  }
  s->url = url;
  s->socket = url.substr(7);
  const int status = s->status;
  Status(s, {});
  return s->status = status;
}

}  // namespace sctl
}  // namespace tend
