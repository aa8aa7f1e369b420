#include "control/rpc_methods.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "base/values.h"
#include "base/version.h"  // Generated: build/gen/base/version.h.
#include "control/supervisord_info.h"
#include "core/listener_pool.h"

namespace tend {

namespace {

using xmlrpc::Value;

// The most calls one system.multicall may make, and the most text its answer may carry
// (256 whole logs would be a PID 1's memory): the calls past it fail.
constexpr size_t kMaxMulticall = 256;
constexpr size_t kMaxMulticallText = 8 * 1024 * 1024;

// About what a value takes in an answer: its text, and a little per value.
size_t TextSize(const Value& v) {
  size_t n = 16 + v.s.size();
  for (const Value& i : v.items) n += TextSize(i);
  for (const auto& m : v.members) n += m.first.size() + TextSize(m.second);
  return n;
}

// supervisor.getAPIVersion: the interface version supervisorctl checks.
constexpr char kApiVersion[] = "3.0";

const char* FaultName(int code) {
  switch (code) {
    case kUnknownMethod:
      return "UNKNOWN_METHOD";
    case kIncorrectParameters:
      return "INCORRECT_PARAMETERS";
    case kBadArguments:
      return "BAD_ARGUMENTS";
    case kSignatureUnsupported:
      return "SIGNATURE_UNSUPPORTED";
    case kShutdownState:
      return "SHUTDOWN_STATE";
    case kBadName:
      return "BAD_NAME";
    case kBadSignal:
      return "BAD_SIGNAL";
    case kNoFile:
      return "NO_FILE";
    case kNotExecutable:
      return "NOT_EXECUTABLE";
    case kFailed:
      return "FAILED";
    case kAbnormalTermination:
      return "ABNORMAL_TERMINATION";
    case kSpawnError:
      return "SPAWN_ERROR";
    case kAlreadyStarted:
      return "ALREADY_STARTED";
    case kNotRunning:
      return "NOT_RUNNING";
    case kSuccess:
      return "SUCCESS";
    case kAlreadyAdded:
      return "ALREADY_ADDED";
    case kStillRunning:
      return "STILL_RUNNING";
    case kCantReread:
      return "CANT_REREAD";
  }
  return "UNKNOWN";
}

const std::string& GroupOf(const Service* s) { return s->config().Group(); }

std::string Namespec(const Service* s) {
  return GroupOf(s) == s->name() ? s->name() : GroupOf(s) + ":" + s->name();
}

using State = Service::State;

// The description supervisord gives a failed start.
std::string SpawnError(const Service* s) {
  const std::string& f = s->last_failure();
  if (f.empty() || f == "exited too quickly") return "Exited too quickly (process log may have details)";
  return f;
}

// The methods, in system.listMethods' order.
constexpr const char* kMethods[] = {
    "supervisor.addProcessGroup",
    "supervisor.clearAllProcessLogs",
    "supervisor.clearLog",
    "supervisor.clearProcessLog",
    "supervisor.clearProcessLogs",
    "supervisor.getAPIVersion",
    "supervisor.getAllConfigInfo",
    "supervisor.getAllProcessInfo",
    "supervisor.getIdentification",
    "supervisor.getPID",
    "supervisor.getProcessInfo",
    "supervisor.getState",
    "supervisor.getSupervisorVersion",
    "supervisor.getVersion",
    "supervisor.readLog",
    "supervisor.readMainLog",
    "supervisor.readProcessLog",
    "supervisor.readProcessStderrLog",
    "supervisor.readProcessStdoutLog",
    "supervisor.reloadConfig",
    "supervisor.removeProcessGroup",
    "supervisor.restart",
    "supervisor.sendProcessStdin",
    "supervisor.sendRemoteCommEvent",
    "supervisor.shutdown",
    "supervisor.signalAllProcesses",
    "supervisor.signalProcess",
    "supervisor.signalProcessGroup",
    "supervisor.startAllProcesses",
    "supervisor.startProcess",
    "supervisor.startProcessGroup",
    "supervisor.stopAllProcesses",
    "supervisor.stopProcess",
    "supervisor.stopProcessGroup",
    "supervisor.tailProcessLog",
    "supervisor.tailProcessStderrLog",
    "supervisor.tailProcessStdoutLog",
    "system.listMethods",
    "system.methodHelp",
    "system.methodSignature",
    "system.multicall",
};

bool IsString(const Value& v) { return v.type == Value::Type::kString; }

// An optional boolean parameter (wait), true when absent.
bool Flag(const std::vector<Value>& params, size_t i) {
  if (i >= params.size()) return true;
  const Value& v = params[i];
  return v.type == Value::Type::kBool || v.type == Value::Type::kInt ? v.i != 0 : true;
}

}  // namespace

// supervisord's RUNNING_STATES: a start is refused, a stop goes ahead.
bool RpcMethods::Running(const Service* s) {
  return s->state() == State::kRunning || s->state() == State::kStarting ||
         s->state() == State::kBackoff || s->state() == State::kStopping;
}

// One process's line of a group's answer: {name, group, status, description}.
Value RpcMethods::GroupResult(const std::pair<std::string, std::string>& which, int status,
                              const std::string& description) {
  return Value::Struct({{"name", Value::String(which.first)},
                        {"group", Value::String(which.second)},
                        {"status", Value::Int(status)},
                        {"description", Value::String(description)}});
}

// A [group:x] has a priority of its own in supervisord, which tend does not read: 999.
int RpcMethods::GroupPriority(const ProgramConfig& c) {
  return c.Group() == c.program_name ? c.priority : 999;
}

RpcOutcome RpcOutcome::Of(Value v) {
  RpcOutcome o;
  o.value = std::move(v);
  return o;
}

RpcOutcome RpcOutcome::Failure(int code, const std::string& extra) {
  RpcOutcome o;
  o.fault = true;
  o.code = code;
  o.text = FaultName(code);
  if (!extra.empty()) o.text += ": " + extra;
  return o;
}

std::string RpcOutcome::Body() const {
  return fault ? xmlrpc::Fault(code, text) : xmlrpc::Response(value);
}

RpcMethods::RpcMethods(Supervisor* supervisor, ListenerPools* listeners, LogRouter* logs,
                       Callbacks callbacks)
    : supervisor_(supervisor),
      listeners_(listeners),
      logs_(logs),
      callbacks_(std::move(callbacks)) {}

bool RpcMethods::Resolve(const std::string& namespec, Target* out, RpcOutcome* fault) const {
  const size_t colon = namespec.find(':');
  const std::string group = namespec.substr(0, colon);
  const std::string name = colon == std::string::npos ? namespec : namespec.substr(colon + 1);
  out->group = name == "*";
  out->services.clear();
  bool group_found = false;
  for (Service* s : supervisor_->Controllable(false)) {
    if (GroupOf(s) != group) continue;
    group_found = true;
    if (out->group || s->name() == name) out->services.push_back(s);
  }
  std::stable_sort(out->services.begin(), out->services.end(), [](const Service* a, const Service* b) {
    return a->config().priority < b->config().priority;
  });
  if (group_found && !out->services.empty()) return true;
  *fault = RpcOutcome::Failure(kBadName, namespec);
  return false;
}

std::vector<Service*> RpcMethods::All(bool lexical) const {
  std::vector<Service*> all = supervisor_->Controllable(false);
  auto group_priority = [](const Service* s) { return GroupPriority(s->config()); };
  std::stable_sort(all.begin(), all.end(), [&](const Service* a, const Service* b) {
    if (lexical) {
      if (GroupOf(a) != GroupOf(b)) return GroupOf(a) < GroupOf(b);
      return a->name() < b->name();
    }
    if (group_priority(a) != group_priority(b)) return group_priority(a) < group_priority(b);
    if (GroupOf(a) != GroupOf(b)) return GroupOf(a) < GroupOf(b);
    return a->config().priority < b->config().priority;
  });
  return all;
}

Value RpcMethods::Info(const Service* s) const {
  const int64_t now = time(nullptr);
  const int64_t mono = supervisor_->NowMs();
  const int64_t start = s->launched() ? now - (mono - s->started_ms()) / 1000 : 0;
  const bool down = s->state() == State::kStopped || s->state() == State::kExited ||
                    s->state() == State::kFatal;
  const int64_t stop = down && s->has_exited() ? now - (mono - s->state_since_ms()) / 1000 : 0;
  const std::string statename = Service::ToString(s->state());
  std::string spawnerr, description;
  switch (s->state()) {
    case State::kRunning:
      description = RunningDescription(s->pid(), now - start);
      break;
    case State::kBackoff:
    case State::kFatal:
      description = spawnerr = SpawnError(s);
      break;
    case State::kStopped:
    case State::kExited:
      description = s->launched() ? StopDescription(stop) : "Not started";
      break;
    case State::kStarting:
    case State::kStopping:
      break;
  }
  int exitstatus = 0;
  if (s->has_exited() && WIFEXITED(s->last_status())) exitstatus = WEXITSTATUS(s->last_status());
  const ProgramConfig& c = s->config();
  return Value::Struct({{"name", Value::String(s->name())},
                        {"group", Value::String(GroupOf(s))},
                        {"start", Value::Int(start)},
                        {"stop", Value::Int(stop)},
                        {"now", Value::Int(now)},
                        {"state", Value::Int(SupervisordStateCode(statename))},
                        {"statename", Value::String(statename)},
                        {"spawnerr", Value::String(spawnerr)},
                        {"exitstatus", Value::Int(exitstatus)},
                        {"logfile", Value::String(c.stdout_logfile)},
                        {"stdout_logfile", Value::String(c.stdout_logfile)},
                        {"stderr_logfile", Value::String(c.stderr_logfile)},
                        {"pid", Value::Int(s->has_process() ? s->pid() : 0)},
                        {"description", Value::String(description)}});
}

RpcMethods::Reply RpcMethods::Call(const xmlrpc::Call& call) {
  const std::string& m = call.method;
  const std::vector<Value>& p = call.params;
  auto now = [](RpcOutcome o) { return Reply{std::move(o), nullptr}; };
  auto value = [&](Value v) { return now(RpcOutcome::Of(std::move(v))); };
  // Methods that take a namespec first.
  auto target = [&](Target* t, RpcOutcome* f) {
    if (p.empty() || !IsString(p[0])) {
      *f = RpcOutcome::Failure(kIncorrectParameters);
      return false;
    }
    return Resolve(p[0].s, t, f);
  };
  if ((m.compare(0, 15, "supervisor.stop") == 0 || m.compare(0, 17, "supervisor.signal") == 0) &&
      supervisor_->stopping()) {
    return now(RpcOutcome::Failure(kShutdownState));
  }
  // As supervisord while it restarts: every supervisor.* method refused until it is done.
  if (restarting_ && m.compare(0, 11, "supervisor.") == 0) {
    return now(RpcOutcome::Failure(kShutdownState));
  }
  if (m == "supervisor.getAPIVersion" || m == "supervisor.getVersion") {
    return value(Value::String(kApiVersion));
  }
  if (m == "supervisor.getSupervisorVersion") return value(Value::String(kTendVersion));
  if (m == "supervisor.getIdentification") return value(Value::String("supervisor"));
  if (m == "supervisor.getPID") return value(Value::Int(getpid()));
  if (m == "supervisor.getState") {
    const bool stopping = supervisor_->stopping();
    return value(Value::Struct({{"statecode", Value::Int(stopping ? -1 : 1)},
                                {"statename", Value::String(stopping ? "SHUTDOWN" : "RUNNING")}}));
  }
  if (m == "supervisor.getAllProcessInfo") {
    Value all = Value::Array();
    for (const Service* s : All(true)) all.items.push_back(Info(s));
    return value(std::move(all));
  }
  if (m == "supervisor.getProcessInfo") {
    Target t;
    RpcOutcome f;
    if (!target(&t, &f)) return now(f);
    if (t.group) return now(RpcOutcome::Failure(kBadName, p[0].s));
    return value(Info(t.services[0]));
  }
  if (m == "supervisor.startProcess" || m == "supervisor.stopProcess" ||
      m == "supervisor.startProcessGroup" || m == "supervisor.stopProcessGroup") {
    Target t;
    RpcOutcome f;
    const bool group = m.find("Group") != std::string::npos;
    if (group && !p.empty() && IsString(p[0])) {
      // A group by its name.
      if (!Resolve(p[0].s + ":*", &t, &f)) return now(RpcOutcome::Failure(kBadName, p[0].s));
    } else if (!target(&t, &f)) {
      return now(f);
    }
    const bool start = m.compare(11, 5, "start") == 0;
    return start ? Start(t.services, Flag(p, 1), group || t.group)
                 : Stop(t.services, Flag(p, 1), group || t.group);
  }
  if (m == "supervisor.startAllProcesses" || m == "supervisor.stopAllProcesses") {
    const bool wait = Flag(p, 0);
    std::vector<Service*> all = All(false);
    if (m == "supervisor.startAllProcesses") return Start(all, wait, true);
    std::reverse(all.begin(), all.end());
    return Stop(all, wait, true);
  }
  if (m == "supervisor.signalProcess" || m == "supervisor.signalProcessGroup") {
    Target t;
    RpcOutcome f;
    if (p.size() < 2) return now(RpcOutcome::Failure(kIncorrectParameters));
    const bool group = m == "supervisor.signalProcessGroup";
    if (!IsString(p[0])) return now(RpcOutcome::Failure(kIncorrectParameters));
    if (!Resolve(group ? p[0].s + ":*" : p[0].s, &t, &f)) {
      return now(RpcOutcome::Failure(kBadName, p[0].s));
    }
    return now(Signal(t.services, p[1], group || t.group));
  }
  if (m == "supervisor.signalAllProcesses") {
    if (p.empty()) return now(RpcOutcome::Failure(kIncorrectParameters));
    return now(Signal(supervisor_->Controllable(false), p[0], true));
  }
  if (m == "supervisor.shutdown") {
    // As supervisord's _update: refused once stopping ("already shutting down").
    if (supervisor_->stopping()) return now(RpcOutcome::Failure(kShutdownState));
    if (callbacks_.shutdown) callbacks_.shutdown();
    return value(Value::Bool(true));
  }
  if (m == "supervisor.sendProcessStdin") {
    Target t;
    RpcOutcome f;
    if (!target(&t, &f)) return now(f);
    if (!t.services[0]->has_process()) return now(RpcOutcome::Failure(kNotRunning, p[0].s));
    return now(RpcOutcome::Failure(
        kFailed, p[0].s + " has no stdin to write to: tend gives programs /dev/null"));
  }
  if (m == "supervisor.sendRemoteCommEvent") {
    if (p.size() < 2 || !IsString(p[0]) || !IsString(p[1]))
      return now(RpcOutcome::Failure(kIncorrectParameters));
    if (listeners_) listeners_->Publish("REMOTE_COMMUNICATION", "type:" + p[0].s + "\n" + p[1].s);
    return value(Value::Bool(true));
  }
  RpcOutcome answer;
  if (LogMethod(m, p, &answer) || ConfigMethod(m, p, &answer)) return now(answer);
  if (m == "system.listMethods") {
    Value list = Value::Array();
    for (const char* name : kMethods) list.items.push_back(Value::String(name));
    return value(std::move(list));
  }
  if (m == "system.methodHelp" || m == "system.methodSignature") {
    if (p.empty() || !IsString(p[0])) return now(RpcOutcome::Failure(kIncorrectParameters));
    const bool known = std::any_of(std::begin(kMethods), std::end(kMethods),
                                   [&](const char* name) { return p[0].s == name; });
    if (!known) return now(RpcOutcome::Failure(kSignatureUnsupported));
    if (m == "system.methodHelp") return value(Value::String("See supervisord's XML-RPC API."));
    return value(Value::Array({Value::Array({Value::String("undef")})}));
  }
  if (m == "system.multicall") {
    if (p.empty() || p[0].type != Value::Type::kArray)
      return now(RpcOutcome::Failure(kIncorrectParameters));
    // Each call's answer is built in PID 1's memory: bounded.
    if (p[0].items.size() > kMaxMulticall) {
      return now(RpcOutcome::Failure(kIncorrectParameters,
                                     "at most " + std::to_string(kMaxMulticall) + " calls"));
    }
    return Multicall(p[0]);
  }
  return now(RpcOutcome::Failure(kUnknownMethod));
}

RpcMethods::Reply RpcMethods::Start(const std::vector<Service*>& services, bool wait, bool as_group) {
  if (supervisor_->stopping()) return {RpcOutcome::Failure(kShutdownState), nullptr};
  // supervisord checks the command before anything else, and does not spawn without it.
  auto command = [](const Service* s, RpcOutcome* f) {
    const std::string cmd = s->config().argv.empty() ? "" : s->config().argv[0];
    switch (CheckCommand(s->config())) {
      case CommandCheck::kOk:
        return true;
      case CommandCheck::kNoFile:
        *f = RpcOutcome::Failure(kNoFile, "can't find command '" + cmd + "'");
        return false;
      case CommandCheck::kNotExecutable:
        *f = RpcOutcome::Failure(kNotExecutable, "command at '" + cmd + "' is not executable");
        return false;
    }
    return true;
  };
  RpcOutcome bad;
  if (!as_group && !command(services[0], &bad)) return {bad, nullptr};
  if (!as_group && Running(services[0])) {
    return {RpcOutcome::Failure(kAlreadyStarted, Namespec(services[0])), nullptr};
  }
  // Names, not services: a reload may remove one while the answer waits.
  std::vector<std::pair<std::string, std::string>> todo;  // Name, group.
  std::vector<std::string> names;
  std::vector<Value> refused;  // A group's processes whose command is not there.
  for (Service* s : services) {
    if (Running(s)) continue;
    if (!command(s, &bad)) {
      refused.push_back(GroupResult({s->name(), GroupOf(s)}, bad.code, bad.text));
      continue;
    }
    todo.emplace_back(s->name(), GroupOf(s));
    names.push_back(s->name());
  }
  std::string err;
  if (!names.empty() && !supervisor_->StartPrograms(names, &err)) {
    return {RpcOutcome::Failure(kFailed, err), nullptr};
  }
  // Decided: RUNNING (or a oneshot done) is a success, a start that ended is not.
  Supervisor* sup = supervisor_;
  auto outcome = [sup](const std::pair<std::string, std::string>& which, RpcOutcome* o) {
    const Service* s = sup->Find(which.first);
    const std::string spec = which.first == which.second ? which.first : which.second + ":" + which.first;
    if (!s) {
      *o = RpcOutcome::Failure(kAbnormalTermination, spec);
      return true;
    }
    if (s->Up()) {
      *o = RpcOutcome::Of(Value::Bool(true));
      return true;
    }
    // A dependency that ended for good will not come up: neither will this one.
    for (const Service* d : sup->Controllable(false)) {
      const auto& deps = s->config().depends_on;
      if (std::find(deps.begin(), deps.end(), d->config().program_name) != deps.end() &&
          (d->EndedForGood() || (d->Down() && !sup->Wanted(d)))) {
        *o = RpcOutcome::Failure(kSpawnError, spec);
        return true;
      }
    }
    const bool waiting = s->state() == State::kStarting ||
                         (s->state() == State::kBackoff && s->launch_waiting()) ||
                         (s->Down() && sup->Wanted(s) && !s->EndedForGood());
    if (waiting) return false;
    // supervisord's spawnerr: a start that failed (too quick, or not spawned at all);
    // a process that ended after it was up is an abnormal termination.
    const bool spawn = s->state() == State::kBackoff || s->state() == State::kFatal;
    *o = RpcOutcome::Failure(spawn ? kSpawnError : kAbnormalTermination, spec);
    return true;
  };
  // Each process's outcome is kept once decided (it may go on to other states).
  auto decided = std::make_shared<std::vector<std::unique_ptr<RpcOutcome>>>(todo.size());
  auto results = [todo, wait, as_group, outcome, refused, decided](RpcOutcome* o) {
    if (!as_group) {
      if (!wait) {
        *o = RpcOutcome::Of(Value::Bool(true));
        return true;
      }
      return outcome(todo[0], o);
    }
    bool all = true;
    for (size_t i = 0; i < todo.size() && wait; ++i) {
      if ((*decided)[i]) continue;
      RpcOutcome one;
      if (outcome(todo[i], &one)) {
        (*decided)[i] = std::make_unique<RpcOutcome>(std::move(one));
      } else {
        all = false;
      }
    }
    if (!all) return false;
    Value list = Value::Array(refused);
    for (size_t i = 0; i < todo.size(); ++i) {
      const RpcOutcome* one = (*decided)[i].get();
      const bool failed = one && one->fault;
      list.items.push_back(GroupResult(todo[i], failed ? one->code : kSuccess,
                                       failed ? one->text : "OK"));
    }
    *o = RpcOutcome::Of(std::move(list));
    return true;
  };
  RpcOutcome o;
  if (results(&o)) return {o, nullptr};
  return {RpcOutcome(), results};
}

RpcMethods::Reply RpcMethods::Stop(const std::vector<Service*>& services, bool wait, bool as_group) {
  if (!as_group && !Running(services[0])) {
    return {RpcOutcome::Failure(kNotRunning, Namespec(services[0])), nullptr};
  }
  std::vector<std::pair<std::string, std::string>> todo;
  std::vector<std::string> names;
  for (Service* s : services) {
    if (!Running(s)) continue;
    todo.emplace_back(s->name(), GroupOf(s));
    names.push_back(s->name());
  }
  std::string err;
  if (!names.empty() && !supervisor_->StopPrograms(names, &err)) {
    return {RpcOutcome::Failure(kFailed, err), nullptr};
  }
  Supervisor* sup = supervisor_;
  auto done = [sup, todo, wait, as_group](RpcOutcome* o) {
    if (wait) {
      for (const auto& which : todo) {
        const Service* s = sup->Find(which.first);
        if (s && !s->Down()) return false;
      }
    }
    if (!as_group) {
      *o = RpcOutcome::Of(Value::Bool(true));
      return true;
    }
    Value list = Value::Array();
    for (const auto& which : todo) list.items.push_back(GroupResult(which, kSuccess, "OK"));
    *o = RpcOutcome::Of(std::move(list));
    return true;
  };
  RpcOutcome o;
  if (done(&o)) return {o, nullptr};
  return {RpcOutcome(), done};
}

RpcOutcome RpcMethods::Signal(const std::vector<Service*>& services, const Value& sig,
                              bool as_group) {
  int signo = 0;
  const std::string text = sig.type == Value::Type::kInt ? std::to_string(sig.i) : sig.s;
  if ((sig.type != Value::Type::kString && sig.type != Value::Type::kInt) ||
      !ParseSignal(text, &signo)) {
    return RpcOutcome::Failure(kBadSignal, text);
  }
  if (!as_group) {
    Service* s = services[0];
    if (!s->has_process()) return RpcOutcome::Failure(kNotRunning, Namespec(s));
    s->Signal(signo, false);
    return RpcOutcome::Of(Value::Bool(true));
  }
  Value list = Value::Array();
  for (Service* s : services) {
    if (!s->has_process()) continue;
    s->Signal(signo, false);
    list.items.push_back(GroupResult({s->name(), GroupOf(s)}, kSuccess, "OK"));
  }
  return RpcOutcome::Of(std::move(list));
}

// Each call of the list in turn, as supervisord makes them: one that waits (a start, a
// stop) is decided before the next is made, so that [stopProcess, startProcess] of one
// program restarts it. The answer: the value of each that succeeded (supervisord's, not
// wrapped in an array as Python's own multicall does), and {faultCode, faultString} for
// each that did not.
RpcMethods::Reply RpcMethods::Multicall(const Value& calls) {
  struct Progress {
    std::vector<Value> calls;
    std::vector<RpcOutcome> done;
    std::function<bool(RpcOutcome*)> wait;  // The call in hand's, while it waits.
    size_t text = 0;                        // TextSize of the answers so far.
  };
  auto p = std::make_shared<Progress>();
  p->calls = calls.items;
  // RpcMethods outlives every connection, and so every answer that waits.
  auto step = [this, p](RpcOutcome* o) {
    for (;;) {
      if (p->wait) {
        RpcOutcome r;
        if (!p->wait(&r)) return false;
        p->wait = nullptr;
        p->text += TextSize(r.value);
        p->done.push_back(std::move(r));
      }
      if (p->done.size() == p->calls.size()) break;
      if (p->text > kMaxMulticallText) {
        p->done.push_back(RpcOutcome::Failure(kFailed, "the answer is too large: call it alone"));
        continue;
      }
      const Value& c = p->calls[p->done.size()];
      const Value* name = c.Member("methodName");
      const Value* params = c.Member("params");
      if (!name || !IsString(*name) || (params && params->type != Value::Type::kArray)) {
        p->done.push_back(RpcOutcome::Failure(kIncorrectParameters));
        continue;
      }
      if (name->s == "system.multicall") {
        p->done.push_back(RpcOutcome::Failure(kIncorrectParameters, "recursive multicall"));
        continue;
      }
      Reply r = Call({name->s, params ? params->items : std::vector<Value>{}});
      if (r.wait) {
        p->wait = std::move(r.wait);
      } else {
        p->text += TextSize(r.now.value);
        p->done.push_back(std::move(r.now));
      }
    }
    Value list = Value::Array();
    for (const RpcOutcome& r : p->done) {
      list.items.push_back(r.fault ? Value::Struct({{"faultCode", Value::Int(r.code)},
                                                    {"faultString", Value::String(r.text)}})
                                   : r.value);
    }
    *o = RpcOutcome::Of(std::move(list));
    return true;
  };
  RpcOutcome o;
  if (step(&o)) return {o, nullptr};
  return {RpcOutcome(), step};
}

}  // namespace tend
