#include "cli/supervisorctl_session.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/sys.h"
#include "base/values.h"
#include "control/control_client.h"

namespace tend {

std::string Namespec(const std::string& group, const std::string& name) {
  return group == name ? name : group + ":" + name;
}

namespace sctl {

void Line(const std::string& s) {
  // On a terminal, no program's output or STATUS= may drive it; raw into a pipe.
  static const bool terminal = isatty(STDOUT_FILENO);
  std::string l = (terminal ? Printable(s, /*keep_newlines=*/true) : s) + "\n";
  WriteAll(STDOUT_FILENO, l.data(), l.size());
}

namespace {

// supervisorctl's line and status for a server out of reach.
bool Gone(Sctl* s, int status, bool* unreachable) {
  Line(s->url + (status == kRefused ? " refused connection" : " no such file"));
  s->status = status;
  if (unreachable) *unreachable = true;
  return false;
}

}  // namespace

bool Connect(Sctl* s, ControlClient* client, bool* unreachable) {
  std::string why;
  int code = 0;
  if (!client->Connect(s->socket, &why, &code, s->wait_ms)) {
    struct stat st;
    return Gone(s, stat(s->socket.c_str(), &st) != 0 ? kNotRunning : kRefused, unreachable);
  }
  return true;
}

bool Request(Sctl* s, const Message& req, const std::function<void(const Message&)>& on_data,
             std::string* err, bool* unreachable, Message* ok) {
  ControlClient client;
  std::string why;
  if (!Connect(s, &client, unreachable)) return false;
  if (!client.Send(req, &why)) return Gone(s, kRefused, unreachable);
  Message m;
  for (;;) {
    if (!client.Receive(&m, &why)) return Gone(s, kRefused, unreachable);
    if (m.type == MsgType::kOk) {
      if (ok) *ok = m;
      return true;
    }
    if (m.type == MsgType::kError) {
      if (err) *err = m.Get(Tag::kMessage);
      return false;
    }
    if (on_data) on_data(m);
  }
}

bool Fetch(Sctl* s) {
  s->procs.clear();
  bool unreachable = false;
  Request(
      s, Message(MsgType::kStatus),
      [&](const Message& m) {
        Proc p;
        p.name = m.Get(Tag::kName);
        p.group = m.Get(Tag::kGroupName, p.name);
        p.spec = Namespec(p.group, p.name);
        p.state = m.Get(Tag::kState);
        p.pid = m.GetInt(Tag::kPid);
        p.state_ms = m.GetInt(Tag::kUptimeMs);
        p.started_ago_ms = m.GetInt(Tag::kStartedAgoMs, -1);
        p.priority = m.GetInt(Tag::kPriority, 999);
        p.group_priority = m.GetInt(Tag::kGroupPriority, p.priority);
        p.autostart = m.GetInt(Tag::kAutostart, 1) != 0;
        p.failure = m.Get(Tag::kFailure);
        p.index = s->procs.size();
        p.group_index = p.index;
        for (const Proc& q : s->procs) {
          if (q.group == p.group) {
            p.group_index = q.group_index;
            break;
          }
        }
        s->procs.push_back(p);
      },
      nullptr, &unreachable);
  std::sort(s->procs.begin(), s->procs.end(), [](const Proc& a, const Proc& b) {
    return a.group != b.group ? a.group < b.group : a.name < b.name;
  });
  return !unreachable;
}

bool Running(const Proc& p) {  // supervisord's RUNNING_STATES.
  return p.state == "RUNNING" || p.state == "STARTING" || p.state == "BACKOFF";
}
bool Stopped(const Proc& p) {  // supervisord's STOPPED_STATES.
  return p.state == "STOPPED" || p.state == "EXITED" || p.state == "FATAL";
}

std::vector<Target> Resolve(const Sctl& s, const std::vector<std::string>& names) {
  std::vector<Target> out;
  for (const auto& n : names) {
    Target t;
    t.arg = n;
    std::string group = n, name = n;
    const size_t colon = n.find(':');
    if (colon != std::string::npos) {
      group = n.substr(0, colon);
      name = n.substr(colon + 1);
      if (name.empty() || name == "*") {
        t.group = true;
        t.arg = group;
      }
    }
    for (const auto& p : s.procs) {
      if (p.group == group && (t.group || p.name == name)) t.procs.push_back(&p);
    }
    out.push_back(t);
  }
  return out;
}

bool HasAll(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "all") != args.end();
}

void Help(const char* const* lines) {
  for (; *lines; ++lines) Line(*lines);
}

bool ReadLine(Sctl* s, std::string* line) {
  size_t nl;
  while ((nl = s->typed.find('\n')) == std::string::npos) {
    char buf[512];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s->typed.append(buf, static_cast<size_t>(n));
  }
  *line = s->typed.substr(0, nl);
  s->typed.erase(0, nl + 1);
  return true;
}

int ShowLog(Sctl* s, Message req, int stream, bool follow, int64_t bytes) {
  // supervisord's tail -f starts with the last 1024 bytes of the file, then follows it.
  // Here the end comes first, then a follow whose own recent lines fill the gap between
  // the two requests: what the first one printed (by sequence number) is skipped.
  if (follow) bytes = 1024;
  Message recent = req;
  recent.AddInt(Tag::kLines, std::max<int64_t>(bytes, 1));
  std::string text, err;
  uint64_t last = 0;
  auto wanted = [&](const Message& m) {
    return m.type == MsgType::kLog && (stream == 0 || m.GetInt(Tag::kStream, 1) == stream);
  };
  bool unreachable = false;
  Request(s, recent, [&](const Message& m) {
    if (!wanted(m)) return;
    text += m.Get(Tag::kData) + "\n";
    last = std::max(last, static_cast<uint64_t>(m.GetInt(Tag::kSeq, 0)));
  }, &err, &unreachable);
  if (unreachable) return s->status;
  if (text.size() > static_cast<size_t>(bytes)) text.erase(0, text.size() - bytes);
  if (!follow) {
    Line(text);
    return s->status;
  }
  if (isatty(STDOUT_FILENO)) text = Printable(text, /*keep_newlines=*/true);
  WriteAll(STDOUT_FILENO, text.data(), text.size());
  req.AddInt(Tag::kLines, 1024).AddFlag(Tag::kFollow);
  Request(s, req, [&](const Message& m) {
    if (wanted(m) && static_cast<uint64_t>(m.GetInt(Tag::kSeq, 0)) > last) Line(m.Get(Tag::kData));
  }, &err);
  return s->status;
}

bool Reread(Sctl* s, bool dry_run, Args* added, Args* changed, Args* removed) {
  Message req(MsgType::kReload);
  if (dry_run) req.AddFlag(Tag::kDryRun);
  Message ok;
  std::string err;
  bool unreachable = false;
  if (!Request(s, req, nullptr, &err, &unreachable, &ok)) {
    if (!unreachable) {
      // supervisord: "ERROR: CANT_REREAD: <why>", its first problem.
      Line("ERROR: CANT_REREAD: " + err.substr(0, err.find('\n')));
      s->status = kGeneric;
    }
    return false;
  }
  *added = ok.GetAll(Tag::kAddedGroup);
  *changed = ok.GetAll(Tag::kChangedGroup);
  *removed = ok.GetAll(Tag::kRemovedGroup);
  return true;
}


bool OnlyChanges(Sctl* s, const Args& named, const Args& added, const Args& changed,
                 const Args& removed) {
  for (const Args* list : {&added, &changed, &removed}) {
    for (const auto& g : *list) {
      if (std::find(named.begin(), named.end(), g) != named.end()) continue;
      Line("ERROR: tend applies a configuration whole: " + g + " changed too (run update)");
      s->status = kGeneric;
      return false;
    }
  }
  return true;
}

// supervisord's order for all and GROUP:* (rpcinterface's _getAllProcesses and
// startProcessGroup): groups by priority, then each group's processes by priority, ties
// in the configuration's order (Python's sort is stable).
void PriorityOrder(std::vector<const Proc*>* procs) {
  auto before = [](const Proc* a, const Proc* b) {
    if (a->group_priority != b->group_priority) return a->group_priority < b->group_priority;
    if (a->group_index != b->group_index) return a->group_index < b->group_index;
    if (a->priority != b->priority) return a->priority < b->priority;
    return a->index < b->index;
  };
  // An insertion sort: a few programs, and a twentieth of std::sort's code in the static
  // binary, which is at its size bound.
  std::vector<const Proc*>& v = *procs;
  for (size_t i = 1; i < v.size(); ++i) {
    for (size_t j = i; j > 0 && before(v[j], v[j - 1]); --j) std::swap(v[j], v[j - 1]);
  }
}

std::vector<const Proc*> Targets(Sctl* s, const std::vector<std::string>& args, int group_code,
                                 const std::function<bool(const Proc&)>& all_filter) {
  std::vector<const Proc*> out;
  if (HasAll(args)) {
    for (const auto& p : s->procs) {
      if (all_filter(p)) out.push_back(&p);
    }
    PriorityOrder(&out);
    return out;
  }
  for (const Target& t : Resolve(*s, args)) {
    if (t.procs.empty()) {
      Line(t.arg + (t.group ? ": ERROR (no such group)" : ": ERROR (no such process)"));
      s->status = t.group ? group_code : kGeneric;
    }
    std::vector<const Proc*> procs = t.procs;
    if (t.group) PriorityOrder(&procs);
    out.insert(out.end(), procs.begin(), procs.end());
  }
  return out;
}

}  // namespace sctl
}  // namespace tend
