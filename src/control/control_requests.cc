// ControlServer's requests: status, start/stop/restart and their waits, signal, logs,
// health, exec and attach. The connection side is in control_server.cc.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/diag.h"
#include "base/values.h"
#include "config/restart_policy.h"
#include "control/control_conn.h"
#include "control/control_server.h"
#include "control/status_report.h"
#include "proc/init.h"
#include "proc/spawn.h"

namespace tend {

namespace {

std::string Reason(const Service* s) {
  std::string r = fmt::format("{}: {}", s->name(), Service::ToString(s->state()));
  if (s->unhealthy()) {
    r += ", unhealthy (" + s->health_detail() + ")";
  } else if (!s->last_exit().empty() && s->Down()) {
    r += " (" + s->last_exit() + ")";
  }
  return r;
}

// Whether a stopped or failed program is where health wants it: a program that ended
// with an expected code and no restart due did its job.
bool Healthy(const Service* s) {
  if (s->unhealthy()) return false;
  if (s->Up()) return true;
  return s->state() == Service::State::kExited && s->has_exited() &&
         IsExpectedExit(s->config().exitcodes, s->last_status());
}

}  // namespace

bool ControlServer::Names(Conn* c, const Message& m, bool empty_is_all,
                          std::vector<std::string>* out) {
  *out = m.GetAll(Tag::kName);
  if (m.Has(Tag::kAll) || (out->empty() && empty_is_all)) {
    out->clear();
    // "all" is the configured programs: the main command is named only explicitly
    // (stopping it ends tend), but is listed when nothing is named.
    for (Service* s : supervisor_->Controllable(!m.Has(Tag::kAll))) out->push_back(s->name());
    return true;
  }
  if (out->empty()) {
    SendError(c, kCodeUsage, "no program named");
    return false;
  }
  // A name that is no process may be a section ([program:worker] for worker_00 and
  // worker_01) or a supervisord group, also written worker:* as supervisorctl does: it
  // stands for their processes, in the configuration's order.
  std::vector<std::string> names;
  for (const auto& n : *out) {
    if (supervisor_->FindAny(n)) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
      continue;
    }
    std::string section = n;
    if (section.size() > 2 && section.compare(section.size() - 2, 2, ":*") == 0) {
      section.resize(section.size() - 2);
    } else if (section.size() > 1 && section.back() == ':') {
      section.pop_back();
    }
    bool found = false;
    for (Service* s : supervisor_->Controllable(false)) {
      if (s->config().program_name != section && s->config().group != section) continue;
      found = true;
      if (std::find(names.begin(), names.end(), s->name()) == names.end()) {
        names.push_back(s->name());
      }
    }
    if (!found) {
      SendError(c, kCodeNoSuchProgram, "no such program: " + n);
      return false;
    }
  }
  *out = std::move(names);
  return true;
}

void ControlServer::HandleStatus(Conn* c, const Message& m) {
  std::vector<std::string> names;
  if (!Names(c, m, true, &names)) return;
  const int64_t now = loop_->NowMs();
  for (const auto& n : names) {
    const Service* s = supervisor_->FindAny(n);
    Send(c, ProgramReport(*s, now));
  }
  SendOk(c);
}

namespace {

// supervisord's check before a start, as tags of START's OK.
Tag CommandProblem(const ProgramConfig& p) {
  switch (CheckCommand(p)) {
    case CommandCheck::kOk:
      return static_cast<Tag>(0);
    case CommandCheck::kNoFile:
      return Tag::kNoFile;
    case CommandCheck::kNotExecutable:
      return Tag::kNotExecutable;
  }
  return static_cast<Tag>(0);
}

}  // namespace

void ControlServer::HandleControl(Conn* c, const Message& m) {
  std::vector<std::string> names;
  if (!Names(c, m, false, &names)) return;
  Message reply(MsgType::kOk);
  if (m.type == MsgType::kStart && m.Has(Tag::kCheckCommand)) {
    std::vector<std::string> runnable;
    for (const auto& n : names) {
      const Service* s = supervisor_->FindAny(n);
      const Tag problem = s->Down() ? CommandProblem(s->config()) : static_cast<Tag>(0);
      if (problem == static_cast<Tag>(0)) {
        runnable.push_back(n);
      } else {
        reply.Add(problem, n);
      }
    }
    names = std::move(runnable);
  }
  std::string err;
  const bool ok = m.type == MsgType::kStart  ? supervisor_->StartPrograms(names, &err)
                  : m.type == MsgType::kStop ? supervisor_->StopPrograms(names, &err)
                                             : supervisor_->RestartPrograms(names, &err);
  if (!ok) {
    SendError(c, kCodeFailed, err);
    return;
  }
  if (!m.Has(Tag::kWait)) {
    Send(c, reply);
    return;
  }
  BeginWait(c, m, names);
}

void ControlServer::HandleWait(Conn* c, const Message& m) {
  std::vector<std::string> names;
  if (!Names(c, m, false, &names)) return;
  BeginWait(c, m, names);
}

void ControlServer::BeginWait(Conn* c, const Message& m, const std::vector<std::string>& names) {
  c->waiting = m.type;
  c->wait_names = names;
  const int64_t timeout = m.GetInt(Tag::kTimeoutMs, 0);
  if (timeout > 0) {
    c->timer->Start(timeout);
  } else {
    c->timer->Stop();
  }
  CheckWait(c);
}

// A wait is over when every program is where it was sent (OK), or as soon as one of
// them cannot get there any more (ERROR with why).
void ControlServer::CheckWait(Conn* c) {
  if (c->waiting == MsgType::kOk) return;
  const bool down = c->waiting == MsgType::kStop;
  bool all = true;
  for (const auto& n : c->wait_names) {
    const Service* s = supervisor_->FindAny(n);
    std::string failure;
    if (!s) {
      failure = n + ": removed";
    } else if (down ? s->Down() : s->Up()) {
      continue;
    } else if (!down && s->Down() && !supervisor_->Wanted(s)) {
      failure = Reason(s);  // FATAL, EXITED for good, or stopped: it is not coming.
    } else if (supervisor_->stopping() && !down) {
      failure = "tend is stopping";
    }
    if (!failure.empty()) {
      c->waiting = MsgType::kOk;
      c->timer->Stop();
      SendError(c, kCodeFailed, failure);
      ArmRequestTimer(c);
      return;
    }
    all = false;
  }
  if (!all) return;
  c->waiting = MsgType::kOk;
  c->timer->Stop();
  SendOk(c);
  ArmRequestTimer(c);
}

void ControlServer::OnServiceChanged() {
  // CheckWait may end a connection (a failed write): walk a copy of the ids.
  std::vector<uint64_t> ids;
  for (const auto& kv : conns_) {
    if (kv.second->waiting != MsgType::kOk) ids.push_back(kv.first);
  }
  for (uint64_t id : ids) {
    auto it = conns_.find(id);
    if (it != conns_.end()) CheckWait(it->second.get());
  }
}

void ControlServer::HandleSignal(Conn* c, const Message& m) {
  const int64_t sig = m.GetInt(Tag::kSignal, 0);
  if (sig <= 0 || sig >= NSIG) {
    SendError(c, kCodeUsage, fmt::format("invalid signal {}", sig));
    return;
  }
  std::vector<std::string> names;
  if (!Names(c, m, false, &names)) return;
  const bool all = m.Has(Tag::kAll);
  const bool group = m.Has(Tag::kProcessGroup);
  std::vector<Service*> targets;
  for (const auto& n : names) {
    Service* s = supervisor_->FindAny(n);
    if (!s->has_process()) {
      if (all) continue;
      SendError(c, kCodeFailed, n + ": not running");  // Before any is signalled.
      return;
    }
    targets.push_back(s);
  }
  // The main process only, as supervisorctl's signal: a reload signal is for a
  // server's master (gunicorn, nginx, php-fpm), and its workers may die of it.
  std::string said;
  for (Service* s : targets) {
    said += fmt::format("{}: signalled {} ({} {})\n", s->config().name,
                        SignalName(static_cast<int>(sig)), group ? "process group" : "pid",
                        s->pid());
    s->Signal(static_cast<int>(sig), group);
  }
  SendOk(c, said);
}

void ControlServer::HandleLogs(Conn* c, const Message& m) {
  std::vector<std::string> names;
  const bool daemon = m.Has(Tag::kDaemon);
  if (daemon) {
    names.push_back(LogRouter::kDiagRing);
  } else if (!Names(c, m, true, &names)) {
    return;
  }
  struct Item {
    uint64_t seq;
    const std::string* name;
    LogRing::Line line;
  };
  const int64_t want = std::max<int64_t>(0, m.GetInt(Tag::kLines, 100));
  std::vector<Item> items;
  for (const auto& n : names) {
    const LogRing* ring = logs_ ? logs_->Ring(n) : nullptr;
    if (!ring) continue;
    for (auto& l : ring->Tail(static_cast<size_t>(want))) items.push_back({l.seq, &n, l});
  }
  // Every program's lines in the order they were written; the last `want` of them.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.seq < b.seq; });
  size_t first = items.size() > static_cast<size_t>(want) ? items.size() - want : 0;
  for (size_t i = first; i < items.size(); ++i) {
    Message l(MsgType::kLog);
    l.Add(Tag::kName, *items[i].name)
        .AddInt(Tag::kStream, items[i].line.stream)
        .Add(Tag::kData, items[i].line.text)
        .AddInt(Tag::kSeq, static_cast<int64_t>(items[i].seq));
    Send(c, l);
  }
  if (!m.Has(Tag::kFollow)) {
    SendOk(c);
    return;
  }
  c->following = true;
  c->follow_all = !daemon && m.GetAll(Tag::kName).empty();
  c->follow_names = names;
  ++followers_;
  c->timer->Stop();
}

void ControlServer::OnLine(const std::string& name, int stream, std::string_view line,
                           uint64_t seq) {
  if (callbacks_.line) callbacks_.line(name, stream, line);
  if (followers_ == 0) return;
  const size_t bound = FollowerBound();
  for (auto& kv : conns_) {
    Conn* c = kv.second.get();
    if (!c->following || !c->attached.empty()) continue;
    // tend's own lines go only to who asked for them (supervisorctl maintail -f).
    if (name == LogRouter::kDiagRing && c->follow_all) continue;
    if (!c->follow_all &&
        std::find(c->follow_names.begin(), c->follow_names.end(), name) == c->follow_names.end()) {
      continue;
    }
    if (Queued(c) > bound) {
      ++c->dropped;
      if (!c->timer->active()) WatchStalled(c);
      continue;
    }
    Message l(MsgType::kLog);
    l.Add(Tag::kName, name)
        .AddInt(Tag::kStream, stream)
        .Add(Tag::kData, line)
        .AddInt(Tag::kSeq, static_cast<int64_t>(seq));
    Send(c, l);
  }
}

void ControlServer::OnBytes(const std::string& name, int stream, std::string_view bytes) {
  if (followers_ == 0) return;
  const size_t bound = FollowerBound();
  for (auto& kv : conns_) {
    Conn* c = kv.second.get();
    if (c->attached != name) continue;
    if (Queued(c) > bound) {
      ++c->dropped;
      if (!c->timer->active()) WatchStalled(c);
      continue;
    }
    Message o(MsgType::kOutput);
    o.AddInt(Tag::kStream, stream).Add(Tag::kData, bytes);
    Send(c, o);
  }
}

void ControlServer::HandleHealth(Conn* c) {
  std::string why;
  if (supervisor_->stopping()) why = "tend is stopping\n";
  for (const Service* s : supervisor_->Controllable(true)) {
    if (s->config().autostart && !Healthy(s)) why += Reason(s) + "\n";
  }
  if (why.empty()) {
    SendOk(c, "healthy");
  } else {
    why.pop_back();
    SendError(c, kCodeFailed, why);
  }
}

void ControlServer::HandleExecInfo(Conn* c, const Message& m) {
  const std::string name = m.Get(Tag::kName);
  const Service* s = supervisor_->FindAny(name);
  if (!s) {
    SendError(c, kCodeNoSuchProgram, "no such program: " + name);
    return;
  }
  const SpawnSpec spec = s->MakeSpawnSpec();
  Message e(MsgType::kExec);
  for (const auto& v : MergeEnvironment(spec.env)) e.Add(Tag::kEnv, v);
  std::string dir = spec.cwd;
  if (dir.empty()) {
    char buf[4096];
    if (getcwd(buf, sizeof buf)) dir = buf;
  }
  e.Add(Tag::kDirectory, dir);
  // The identity the program gets: its user's, else tend's own.
  std::vector<gid_t> groups = spec.groups;
  if (!spec.set_user) {
    int n = getgroups(0, nullptr);
    groups.resize(n > 0 ? static_cast<size_t>(n) : 0);
    n = getgroups(static_cast<int>(groups.size()), groups.data());
    groups.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  e.AddInt(Tag::kUid, spec.set_user ? spec.uid : geteuid())
      .AddInt(Tag::kGid, spec.set_user ? spec.gid : getegid())
      .Add(Tag::kUser, spec.set_user ? s->config().user.name : "");
  for (gid_t g : groups) e.AddInt(Tag::kGroup, g);
  int mask = spec.umask;
  if (mask < 0) {
    mode_t cur = umask(022);
    umask(cur);
    mask = static_cast<int>(cur);
  }
  e.AddInt(Tag::kUmask, mask);
  Send(c, e);
  SendOk(c);
}

void ControlServer::HandleAttach(Conn* c, const Message& m) {
  const std::string name = m.Get(Tag::kName);
  Service* s = supervisor_->FindAny(name);
  if (!s) {
    SendError(c, kCodeNoSuchProgram, "no such program: " + name);
    return;
  }
  Message ok(MsgType::kOk);
  if (s->config().tty) {
    ok.AddInt(Tag::kTty, 1);
    s->ResizeTerminal(static_cast<int>(m.GetInt(Tag::kRows, 0)),
                      static_cast<int>(m.GetInt(Tag::kCols, 0)));
  }
  if (!s->has_process()) ok.Add(Tag::kMessage, name + " is not running: waiting for its output");
  Send(c, ok);
  c->attached = name;
  c->following = true;
  ++followers_;
  c->timer->Stop();
}

// Types what it can of the client's pending input; the rest waits for the terminal to
// take it, offered again shortly (the terminal may go away with its program, so it is
// not watched).
void ControlServer::FlushInput(Conn* c) {
  Service* s = supervisor_->FindAny(c->attached);
  ssize_t n = s ? s->WriteTerminal(c->input) : -1;
  if (n < 0) {
    Diag(Level::kDebug, "{}: input from tendctl dropped: no terminal", c->attached);
    c->input.clear();
    return;
  }
  c->input.erase(0, static_cast<size_t>(n));
  if (c->input.empty()) return;
  if (!c->input_retry) {
    c->input_retry = loop_->NewTimer([this, c] {
      FlushInput(c);
      if (c->input.empty()) ProcessFrames(c);
    });
  }
  c->input_retry->Start(kInputRetryMs);
}

void ControlServer::HandleTerminal(Conn* c, const Message& m) {
  Service* s = supervisor_->FindAny(c->attached);
  if (m.type == MsgType::kInput) {
    c->input = m.Get(Tag::kData);
    FlushInput(c);
  } else if (m.type == MsgType::kResize) {
    if (s) {
      s->ResizeTerminal(static_cast<int>(m.GetInt(Tag::kRows, 0)),
                        static_cast<int>(m.GetInt(Tag::kCols, 0)));
    }
  } else if (m.type == MsgType::kDetach) {
    c->attached.clear();
    c->following = false;
    --followers_;
    SendOk(c);
    ArmRequestTimer(c);
  } else {
    SendError(c, kCodeUsage, "attached: only INPUT, RESIZE and DETACH");
    CloseAfterWrite(c);
  }
}

}  // namespace tend
