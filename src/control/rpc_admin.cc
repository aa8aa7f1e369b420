// supervisord's methods about logs and the configuration: readLog, the process log
// methods and the clears over the LogRouter's rings, /logtail's start, reloadConfig, the
// per-group add and remove, getAllConfigInfo and restart.
#include <stdint.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "base/diag.h"
#include "control/rpc_methods.h"
#include "log/log_router.h"

namespace tend {

namespace {

using xmlrpc::Value;

bool IsString(const Value& v) { return v.type == Value::Type::kString; }

// The most one log read gives (a client reads on from where it stopped): an answer of
// a 64 MB log_buffer would hold PID 1's memory for as long as its reader takes.
constexpr int64_t kMaxLogRead = 1024 * 1024;

// A log as supervisord's methods read its file: what tend kept of one stream, the end of
// `size` bytes written since the start (or the last clear, or 2 GiB).
struct LogFile {
  LogFile(const LogRing* r, int s) : ring(r), stream(s) {
    uint64_t n = 0;
    if (ring) ring->Text(stream, &n, 0);
    size = static_cast<int64_t>(n);
  }
  // Bytes [from, to) of the file, as far as they are kept; what is read costs what lies
  // between `from` and the end.
  std::string Read(int64_t from, int64_t to) const {
    from = std::max<int64_t>(from, 0);
    to = std::min(to, size);
    if (!ring || to <= from) return "";
    uint64_t n = 0;
    const std::string text = ring->Text(stream, &n, static_cast<size_t>(size - from));
    const int64_t base = size - static_cast<int64_t>(text.size());
    from = std::max(from, base);
    if (to <= from) return "";
    return text.substr(static_cast<size_t>(from - base), static_cast<size_t>(to - from));
  }
  const LogRing* ring;
  int stream;
  int64_t size = 0;
};

// The offsets and lengths of the log methods: ints (Python's are 32-bit on the wire).
bool Int(const std::vector<Value>& params, size_t i, int64_t* out) {
  if (i >= params.size() || params[i].type != Value::Type::kInt) return false;
  *out = params[i].i;
  return *out >= INT32_MIN && *out <= INT32_MAX;
}

// supervisord's readFile: `offset` < 0 reads the last -offset bytes (with `length` 0);
// else `length` bytes from `offset` (0: to the end).
RpcOutcome ReadFile(const LogFile& f, int64_t offset, int64_t length) {
  if (offset < 0) {
    if (length != 0) return RpcOutcome::Failure(kBadArguments);
    const int64_t from = std::max<int64_t>(0, f.size + offset);
    const int64_t to = from - offset;
    return RpcOutcome::Of(Value::String(f.Read(std::max(from, to - kMaxLogRead), to)));
  }
  if (length < 0) return RpcOutcome::Failure(kBadArguments);
  const int64_t to = length == 0 ? f.size : offset + length;
  return RpcOutcome::Of(Value::String(f.Read(offset, std::min(to, offset + kMaxLogRead))));
}

// supervisord's tailFile: [bytes, the size (the next offset), overflow], the window
// moved to the end when more than `length` bytes follow `offset`.
RpcOutcome TailFile(const LogFile& f, int64_t offset, int64_t length) {
  length = std::min(length, kMaxLogRead);
  bool overflow = false;
  const int64_t size = f.size;
  if (size > offset + length) {
    overflow = true;
    offset = size - 1;
  }
  if (offset + length > size) {
    if (offset > size - 1) length = 0;
    offset = size - length;
  }
  offset = std::max<int64_t>(offset, 0);
  length = std::max<int64_t>(length, 0);
  return RpcOutcome::Of(Value::Array({Value::String(length ? f.Read(offset, offset + length) : ""),
                                      Value::Int(size), Value::Bool(overflow)}));
}

// supervisord's AUTO and NONE log files, as getAllConfigInfo names them.
std::string LogfileName(const std::string& path) {
  if (path.empty() || path == "AUTO" || path == "auto") return "auto";
  if (path == "NONE" || path == "none") return "none";
  return path;
}

// One process's getAllConfigInfo entry: supervisord's keys, tend's values.
Value ConfigInfo(const ProgramConfig& c, bool inuse) {
  Value codes = Value::Array();
  for (int code : c.exitcodes) codes.items.push_back(Value::Int(code));
  auto logs = [&](const char* stream, const std::string& path, int64_t maxbytes, int backups,
                  bool events) {
    const std::string k = stream;
    return std::vector<std::pair<std::string, Value>>{
        {k + "_capture_maxbytes", Value::Int(0)},
        {k + "_events_enabled", Value::Bool(events)},
        {k + "_logfile", Value::String(LogfileName(path))},
        {k + "_logfile_backups", Value::Int(backups)},
        {k + "_logfile_maxbytes", Value::Int(maxbytes)},
        {k + "_syslog", Value::Bool(false)}};
  };
  std::vector<std::pair<std::string, Value>> m = {
      {"autostart", Value::Bool(c.autostart)},
      {"directory", Value::String(c.directory.empty() ? "none" : c.directory)},
      {"uid", c.user.resolved ? Value::Int(c.user.uid) : Value::String("none")},
      {"command", Value::String(c.command)},
      {"exitcodes", std::move(codes)},
      {"group", Value::String(c.Group())},
      {"group_prio", Value::Int(RpcMethods::GroupPriority(c))},
      {"inuse", Value::Bool(inuse)},
      {"killasgroup", Value::Bool(c.killasgroup)},
      {"name", Value::String(c.name)},
      {"process_prio", Value::Int(c.priority)},
      {"redirect_stderr", Value::Bool(c.redirect_stderr)},
      {"startretries", Value::Int(c.startretries)},
      {"startsecs", Value::Int(c.startsecs_ms / 1000)},
      {"stopsignal", Value::Int(c.stopsignal)},
      {"stopwaitsecs", Value::Int(c.stopwaitsecs_ms / 1000)},
      {"serverurl", Value::String("none")}};
  for (auto& kv : logs("stdout", c.stdout_logfile, c.stdout_logfile_maxbytes,
                       c.stdout_logfile_backups, c.stdout_events)) {
    m.push_back(std::move(kv));
  }
  for (auto& kv : logs("stderr", c.stderr_logfile, c.stderr_logfile_maxbytes,
                       c.stderr_logfile_backups, c.stderr_events)) {
    m.push_back(std::move(kv));
  }
  return Value::Struct(std::move(m));
}

// `groups` in an order supervisorctl update can apply one by one: each after the groups
// of the list it depends on (`dependencies_first`, for additions), or before those that
// depend on it (removals). Otherwise as given.
std::vector<std::string> Ordered(const std::vector<std::string>& groups, const Config& config,
                                 bool dependencies_first) {
  std::map<std::string, std::string> group_of;  // By program name.
  for (const auto& p : config.programs) group_of[p.program_name] = p.Group();
  std::set<std::pair<std::string, std::string>> needs;  // (group, a group it depends on).
  for (const auto& p : config.programs) {
    for (const auto& d : p.depends_on) {
      auto it = group_of.find(d);
      if (it != group_of.end() && it->second != p.Group()) needs.insert({p.Group(), it->second});
    }
  }
  std::vector<std::string> out;
  auto placed = [&](const std::string& g) {
    return std::find(out.begin(), out.end(), g) != out.end();
  };
  while (out.size() < groups.size()) {
    bool progress = false;
    for (const auto& g : groups) {
      if (placed(g)) continue;
      bool ready = true;
      for (const auto& other : groups) {
        if (other == g || placed(other)) continue;
        ready &= dependencies_first ? needs.count({g, other}) == 0 : needs.count({other, g}) == 0;
      }
      if (ready) {
        out.push_back(g);
        progress = true;
      }
    }
    if (!progress) {  // Groups that depend on each other: as given.
      for (const auto& g : groups) {
        if (!placed(g)) out.push_back(g);
      }
    }
  }
  return out;
}

Value Names(const std::vector<std::string>& names) {
  Value list = Value::Array();
  for (const auto& n : names) list.items.push_back(Value::String(n));
  return list;
}

}  // namespace

bool RpcMethods::LogMethod(const std::string& m, const std::vector<Value>& p, RpcOutcome* out) {
  const bool main = m == "supervisor.readLog" || m == "supervisor.readMainLog";
  const bool read = m == "supervisor.readProcessStdoutLog" || m == "supervisor.readProcessLog" ||
                    m == "supervisor.readProcessStderrLog";
  const bool tail = m == "supervisor.tailProcessStdoutLog" || m == "supervisor.tailProcessLog" ||
                    m == "supervisor.tailProcessStderrLog";
  const bool clear = m == "supervisor.clearProcessLogs" || m == "supervisor.clearProcessLog";
  if (m == "supervisor.clearLog") {
    if (logs_) logs_->ClearRing(LogRouter::kDiagRing);
    *out = RpcOutcome::Of(Value::Bool(true));
    return true;
  }
  if (m == "supervisor.clearAllProcessLogs") {
    Value list = Value::Array();
    for (const Service* s : All(false)) {
      if (logs_ && s->has_process()) logs_->ClearRing(s->name());
      list.items.push_back(GroupResult({s->name(), s->config().Group()}, kSuccess, "OK"));
    }
    *out = RpcOutcome::Of(std::move(list));
    return true;
  }
  if (!main && !read && !tail && !clear) return false;
  // The program first (a namespec naming no one process is BAD_NAME), then the numbers.
  std::string name = LogRouter::kDiagRing;
  bool running = false, merged = false;
  bool nowhere[2] = {false, false};  // stdout_logfile / stderr_logfile = NONE.
  if (!main) {
    Target t;
    if (p.empty() || !IsString(p[0])) {
      *out = RpcOutcome::Failure(kIncorrectParameters);
      return true;
    }
    if (!Resolve(p[0].s, &t, out)) return true;
    if (t.group) {
      *out = RpcOutcome::Failure(kBadName, p[0].s);
      return true;
    }
    name = t.services[0]->name();
    running = t.services[0]->has_process();
    merged = t.services[0]->config().redirect_stderr;
    nowhere[0] = LogfileName(t.services[0]->config().stdout_logfile) == "none";
    nowhere[1] = LogfileName(t.services[0]->config().stderr_logfile) == "none";
  }
  if (clear) {
    // supervisord empties the logs a running process has open; the others stay.
    if (logs_ && running) logs_->ClearRing(name);
    *out = RpcOutcome::Of(Value::Bool(true));
    return true;
  }
  const size_t first = main ? 0 : 1;
  int64_t offset = 0, length = 0;
  if (p.size() != first + 2 || !Int(p, first, &offset) || !Int(p, first + 1, &length)) {
    *out = RpcOutcome::Failure(kIncorrectParameters);
    return true;
  }
  const LogRing* ring = logs_ ? logs_->Ring(name) : nullptr;
  // tend's own lines are kept as stream 2. A program's stderr redirected to its stdout,
  // or a stream whose log file is NONE, has no log: supervisord's file is never made.
  const int stream = main || m.find("Stderr") != std::string::npos ? 2 : 1;
  if ((stream == 2 && merged) || nowhere[stream - 1]) {
    *out = tail ? RpcOutcome::Of(Value::Array({Value::String(""), Value::Int(0), Value::Bool(false)}))
                : RpcOutcome::Failure(kNoFile, p[0].s + " has no " +
                                                   (stream == 2 ? "stderr" : "stdout") + " log");
    return true;
  }
  const LogFile f(ring, stream);
  *out = tail ? TailFile(f, offset, length) : ReadFile(f, offset, length);
  return true;
}

bool RpcMethods::ConfigMethod(const std::string& m, const std::vector<Value>& p, RpcOutcome* out) {
  const bool add = m == "supervisor.addProcessGroup";
  const bool remove = m == "supervisor.removeProcessGroup";
  // What was read before another reload (tendctl reload, SIGHUP) no longer says what
  // runs: forgotten, as if nothing had been read since.
  if (read_ && read_generation_ != supervisor_->generation()) read_.reset();
  if (m == "supervisor.getAllConfigInfo") {
    const Config current = supervisor_->Current();
    const Config& known = read_ ? *read_ : current;
    std::vector<const ProgramConfig*> all;
    for (const auto& c : known.programs) all.push_back(&c);
    std::stable_sort(all.begin(), all.end(), [](const ProgramConfig* a, const ProgramConfig* b) {
      return a->name < b->name;
    });
    Value list = Value::Array();
    for (const ProgramConfig* c : all) {
      const bool inuse =
          std::any_of(current.programs.begin(), current.programs.end(),
                      [&](const ProgramConfig& r) { return r.Group() == c->Group(); });
      list.items.push_back(ConfigInfo(*c, inuse));
    }
    *out = RpcOutcome::Of(std::move(list));
    return true;
  }
  if (m != "supervisor.reloadConfig" && m != "supervisor.restart" && !add && !remove) return false;
  if (supervisor_->stopping()) {
    *out = RpcOutcome::Failure(kShutdownState);
    return true;
  }
  if (m == "supervisor.reloadConfig") {
    auto next = std::make_unique<Config>();
    std::string problems;
    if (!supervisor_->ReadConfig(next.get(), &problems)) {
      while (!problems.empty() && problems.back() == '\n') problems.pop_back();
      *out = RpcOutcome::Failure(kCantReread, problems);
      return true;
    }
    ReloadDiff d = supervisor_->Diff(*next);
    // A group changes, for supervisord, when anything its sections say does: tend's
    // reload takes a new policy or dependency without a restart, but a group not updated
    // here would never take it.
    const Config current = supervisor_->Current();
    for (const auto& n : next->programs) {
      for (const auto& c : current.programs) {
        if (c.name != n.name || !c.SameRun(n) || c.SameSettings(n)) continue;
        auto& lists = d.changed_groups;
        if (std::find(lists.begin(), lists.end(), n.Group()) == lists.end() &&
            std::find(d.added_groups.begin(), d.added_groups.end(), n.Group()) ==
                d.added_groups.end()) {
          lists.push_back(n.Group());
        }
      }
    }
    *out = RpcOutcome::Of(Value::Array({Value::Array(
        {Names(Ordered(d.added_groups, *next, true)), Names(Ordered(d.changed_groups, *next, true)),
         Names(Ordered(d.removed_groups, current, false))})}));
    read_ = std::move(next);
    read_generation_ = supervisor_->generation();
    return true;
  }
  if (m == "supervisor.restart") {
    // As supervisord's restart: every program down, the files read again, the autostart
    // programs up. tend stays (a file that no longer loads keeps the running one).
    std::vector<std::string> names;
    for (const Service* s : supervisor_->Controllable(false)) names.push_back(s->name());
    Diag(Level::kInfo, "restart requested (XML-RPC): stopping every program");
    std::string err;
    if (!names.empty() && !supervisor_->StopPrograms(names, &err)) {
      *out = RpcOutcome::Failure(kFailed, err);
      return true;
    }
    restarting_ = true;
    Continue();
    *out = RpcOutcome::Of(Value::Bool(true));
    return true;
  }
  if (p.size() != 1 || !IsString(p[0])) {
    *out = RpcOutcome::Failure(kIncorrectParameters);
    return true;
  }
  const std::string& group = p[0].s;
  const Config current = supervisor_->Current();
  auto in = [&](const Config& c) {
    return std::any_of(c.programs.begin(), c.programs.end(),
                       [&](const ProgramConfig& r) { return r.Group() == group; });
  };
  if (remove) {
    if (!in(current)) {
      *out = RpcOutcome::Failure(kBadName, group);
      return true;
    }
    for (const Service* s : supervisor_->Controllable(false)) {
      if (s->config().Group() == group && Running(s)) {
        *out = RpcOutcome::Failure(kStillRunning, group);
        return true;
      }
    }
    // supervisord can add it back from the configuration it last read.
    if (!read_) read_ = std::make_unique<Config>(current);
    return Apply(Config(), group, out);
  }
  // supervisord looks in what it last read (at first, what it started with, all of which
  // runs): a group not there is a BAD_NAME, one there that runs ALREADY_ADDED.
  const bool known = read_ ? in(*read_) : in(current);
  if (!known || in(current)) {
    *out = RpcOutcome::Failure(known ? kAlreadyAdded : kBadName, group);
    return true;
  }
  return Apply(*read_, group, out);
}

bool RpcMethods::Apply(const Config& source, const std::string& group, RpcOutcome* out) {
  std::string why;
  if (!supervisor_->ApplyGroup(source, group, &why)) {
    *out = RpcOutcome::Failure(kFailed, group + ": " + why);
    return true;
  }
  read_generation_ = supervisor_->generation();
  *out = RpcOutcome::Of(Value::Bool(true));
  return true;
}

bool RpcMethods::FollowLog(const std::string& namespec, const std::string& channel,
                           std::string* name, int* stream, std::string* head) const {
  *name = LogRouter::kDiagRing;
  *stream = 2;
  if (!namespec.empty()) {
    Target t;
    RpcOutcome f;
    if (!Resolve(namespec, &t, &f) || t.group) return false;
    if (channel != "stdout" && channel != "stderr") return false;
    const ProgramConfig& c = t.services[0]->config();
    if (channel == "stderr" && c.redirect_stderr) return false;
    if (LogfileName(channel == "stderr" ? c.stderr_logfile : c.stdout_logfile) == "none") {
      return false;
    }
    *name = t.services[0]->name();
    *stream = channel == "stderr" ? 2 : 1;
  }
  const LogFile file(logs_ ? logs_->Ring(*name) : nullptr, *stream);
  *head = file.Read(file.size - 1024, file.size);
  return true;
}

void RpcMethods::Continue() {
  if (!restarting_) return;
  if (supervisor_->stopping()) {
    restarting_ = false;
    return;
  }
  for (const Service* s : supervisor_->Controllable(false)) {
    if (s->Down()) continue;
    // Started again meanwhile (tendctl start): the restart gives way rather than wait
    // for a moment when everything happens to be down.
    if (supervisor_->Wanted(s)) {
      restarting_ = false;
      Diag(Level::kWarn, "restart abandoned: {} was started while the programs stopped",
           s->name());
    }
    return;
  }
  restarting_ = false;
  read_.reset();
  // Programs made anew, as a restarted supervisord makes them: their past is gone
  // ("Not started"), their output kept. A file that no longer loads keeps the running
  // programs, which come back up.
  Config next;
  std::string problems;
  if (!supervisor_->ReadConfig(&next, &problems)) {
    Diag(Level::kError, "restart: the configuration did not load, the running one stays:\n{}",
         problems);
    next = supervisor_->Current();
  }
  supervisor_->Reload(Config());
  supervisor_->Reload(next);
  Diag(Level::kInfo, "restarted: {} programs made anew", next.programs.size());
}

}  // namespace tend
