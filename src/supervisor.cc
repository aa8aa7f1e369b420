#include "supervisor.h"

#include <signal.h>

#include <unistd.h>

#include <algorithm>
#include <map>

#include "init.h"
#include "values.h"

namespace tend {

Supervisor::Supervisor(Service::Env env, Callbacks callbacks)
    : env_(std::move(env)),
      callbacks_(std::move(callbacks)),
      cleanup_timer_(env_.clock->NewTimer([this] { DropRetired(); })) {
  env_.observer = this;
}

Supervisor::~Supervisor() = default;

Supervisor::Entry* Supervisor::Add(ProgramConfig config, ServiceOptions options) {
  auto e = std::make_unique<Entry>();
  e->service = std::make_unique<Service>(std::move(config), options, env_);
  entries_.push_back(std::move(e));
  return entries_.back().get();
}

void Supervisor::Configure(const Config& config) {
  for (const auto& p : config.programs) Add(p, ServiceOptions{});
}

void Supervisor::SetMain(ProgramConfig main, ServiceOptions options) {
  options.main_program = true;
  Entry* e = Add(std::move(main), options);
  e->is_main = true;
  main_ = e->service.get();
}

Supervisor::Entry* Supervisor::FindEntry(const std::string& name) const {
  for (const auto& e : entries_)
    if (!e->retiring && !e->is_main && e->service->name() == name) return e.get();
  return nullptr;
}

Service* Supervisor::Find(const std::string& name) const {
  Entry* e = FindEntry(name);
  return e ? e->service.get() : nullptr;
}

std::vector<Service*> Supervisor::Controllable(bool with_main) const {
  std::vector<Service*> v;
  for (const auto& e : entries_) {
    if (!e->retiring && (with_main || !e->is_main)) v.push_back(e->service.get());
  }
  return v;
}

Service* Supervisor::FindAny(const std::string& name) const {
  for (const auto& e : entries_)
    if (!e->retiring && e->service->name() == name) return e->service.get();
  return nullptr;
}

bool Supervisor::Wanted(const Service* s) const {
  for (const auto& e : entries_) {
    if (e->service.get() != s) continue;
    return e->pending || (e->next && e->restart_after) || (s->want_up() && !s->EndedForGood());
  }
  return false;
}

std::vector<Service*> Supervisor::services() const {
  std::vector<Service*> v;
  for (const auto& e : entries_) v.push_back(e->service.get());
  return v;
}

std::vector<Supervisor::Entry*> Supervisor::DependenciesOf(const Service* s) const {
  std::vector<Entry*> deps;
  for (const auto& name : s->config().depends_on) {
    for (const auto& e : entries_) {
      if (!e->retiring && e->service->config().program_name == name && !e->is_main) {
        deps.push_back(e.get());
      }
    }
  }
  return deps;
}

bool Supervisor::DependedOnByLiveService(const Service* s) const {
  for (const auto& e : entries_) {
    const Service* t = e->service.get();
    if (t == s || t->Down()) continue;
    const auto& d = t->config().depends_on;
    if (std::find(d.begin(), d.end(), s->config().program_name) != d.end()) return true;
  }
  return false;
}

// Wanting a service up wants its dependencies up too, whatever their autostart.
void Supervisor::WantUp(Entry* e) {
  if (e->pending) return;
  e->pending = true;
  for (Entry* d : DependenciesOf(e->service.get())) WantUp(d);
}

bool Supervisor::Start(std::string* err) {
  if (entries_.empty()) {
    *err = "nothing to run: no program is configured and no command was given";
    return false;
  }
  for (const auto& e : entries_) {
    if (e->service->config().autostart) WantUp(e.get());
  }
  Pump();
  return true;
}

void Supervisor::Stop(int trigger) {
  if (!stopping_) {
    stopping_ = true;
    stop_trigger_ = trigger;
    if (trigger) {
      Diag(main_ ? Level::kDebug : Level::kInfo, "SIG{} received: stopping", SignalName(trigger));
    }
    // Nothing may start or restart any more, including dependencies that keep running
    // until their dependents are down.
    for (const auto& e : entries_) {
      e->pending = false;
      e->service->Release();
    }
  } else {
    // Asked again: pass the request on to whatever is still stopping.
    for (const auto& e : entries_) {
      if (e->service->state() == Service::State::kStopping) e->service->Stop(trigger);
    }
  }
  Pump();
}

void Supervisor::Signal(int signo) {
  if (signo == SIGHUP && callbacks_.reload) {
    std::string out;
    ReloadFromFile(&out);
    return;
  }
  // With a main command, it alone hears forwarded signals (tini's behaviour), with its
  // process group unless --signal-child-only. Without one, every running program's
  // main process does, as with `tendctl signal`: reload and rotate signals (HUP, USR1,
  // USR2) are meant for a server's master, whose workers often die of them.
  if (main_) {
    main_->Signal(signo, main_->config().stopasgroup);
    return;
  }
  for (const auto& e : entries_) e->service->Signal(signo, false);
}

// The same services as Signal: the main command alone when there is one.
void Supervisor::Suspend(int signo) {
  if (main_) {
    main_->Suspend(signo);
    return;
  }
  for (const auto& e : entries_) e->service->Suspend(signo);
}

void Supervisor::Resume() {
  if (main_) {
    main_->Resume();
    return;
  }
  for (const auto& e : entries_) e->service->Resume();
}

void Supervisor::Kill() {
  for (const auto& e : entries_) e->service->Kill();
}

bool Supervisor::OnNotify(pid_t sender, const NotifyMessage& m) {
  // From the sender up its parents (systemd-notify credits its parent, a program's
  // helper script a child): the first one that is a notify program's main process.
  // Bounded: a chain of parents can change while it is read.
  pid_t p = sender;
  for (int depth = 0; depth < 64 && p > 1 && p != getpid(); ++depth, p = env_.ops->ParentOf(p)) {
    for (const auto& e : entries_) {
      Service* s = e->service.get();
      if (s->has_process() && (s->pid() == p || s->first_pid() == p) &&
          s->config().ready.kind == ReadySource::Kind::kNotify) {
        s->OnNotify(m, p == sender && s->pid() == p);
        return true;
      }
    }
  }
  return false;
}

void Supervisor::OnOrphansReaped() {
  // CheckLeftovers may start a program, which may change entries_: walk a copy.
  std::vector<Service*> cleaning;
  for (const auto& e : entries_) {
    if (e->service->cleaning()) cleaning.push_back(e->service.get());
  }
  for (Service* s : cleaning) s->CheckLeftovers();
}

// The longest chain of stop timeouts: a dependency stops only once its dependents are
// down, so a chain's timeouts add up.
int64_t Supervisor::StopBudgetMs() const {
  std::map<const Service*, int64_t> chain;  // Stop time of a service and its dependents.
  std::function<int64_t(const Service*)> of = [&](const Service* s) -> int64_t {
    auto it = chain.find(s);
    if (it != chain.end()) return it->second;
    chain[s] = 0;  // Guards against a cycle (the configuration rejects them anyway).
    int64_t dependents = 0;
    for (const auto& e : entries_) {
      const auto& d = e->service->config().depends_on;
      if (std::find(d.begin(), d.end(), s->config().program_name) != d.end()) {
        dependents = std::max(dependents, of(e->service.get()));
      }
    }
    return chain[s] = s->config().stopwaitsecs_ms + dependents;
  };
  int64_t budget = 0;
  for (const auto& e : entries_) budget = std::max(budget, of(e->service.get()));
  return budget;
}

void Supervisor::OnServiceChanged(Service* s) {
  if (!stopping_ && !critical_ended_ && s->config().critical && s->EndedForGood()) {
    critical_ended_ = true;
    critical_code_ = s->has_exited() ? ExitCodeOf(s->last_status()) : 1;
    // FATAL is a failure even if the last try exited 0 (a program that daemonized).
    if (s->state() == Service::State::kFatal && critical_code_ == 0) critical_code_ = 1;
    if (s != main_) {
      Diag(Level::kInfo, "{}: critical program ended ({}): stopping everything, exit status {}",
           s->name(), Service::ToString(s->state()), critical_code_);
    }
    if (callbacks_.request_stop) callbacks_.request_stop();
  }
  Pump();
  if (callbacks_.changed) callbacks_.changed(s);
}

bool Supervisor::ReloadFromFile(std::string* out, bool dry_run, ReloadDiff* diff) {
  const bool ok = ReadAndApply(out, dry_run, diff);
  // The files' text, the parsed configuration and the old programs' settings are gone
  // by now: their memory goes back, so that reloads (and rereads) leave tend no bigger.
  ReleaseFreeMemory();
  return ok;
}

bool Supervisor::ReadAndApply(std::string* out, bool dry_run, ReloadDiff* diff) {
  if (!callbacks_.reload) {
    *out = "no configuration file to reload: tend runs a command only";
    return false;
  }
  if (stopping_) {
    *out = "tend is stopping";
    return false;
  }
  Config next;
  out->clear();
  if (!callbacks_.reload(&next, out, dry_run)) return false;
  if (dry_run || diff) {
    ReloadDiff d = Diff(next);
    *out = d.Summary();
    if (diff) *diff = std::move(d);
    if (dry_run) return true;
  }
  *out = Reload(next);
  Diag(Level::kInfo, "reloaded: {}", *out);
  return true;
}

// Finds a program for tendctl, which may act on it only while tend is not stopping.
Supervisor::Entry* Supervisor::ControlEntry(const std::string& name, std::string* err) const {
  Entry* e = FindEntry(name);
  if (!e) {
    *err = main_ && name == main_->name()
               ? "the main command is not started or stopped by tendctl (tendctl shutdown ends it)"
               : "no such program: " + name;
    return nullptr;
  }
  if (stopping_) {
    *err = "tend is stopping";
    return nullptr;
  }
  return e;
}

bool Supervisor::StartProgram(const std::string& name, std::string* err) {
  Entry* e = ControlEntry(name, err);
  if (!e) return false;
  BringUp(e);
  return true;
}

// Wants a service up now: with its dependencies when it is down; a running service
// stays, a stopping one starts again once down.
void Supervisor::BringUp(Entry* e) {
  if (e->service->Down()) {
    WantUp(e);
  } else {
    e->service->Start();
  }
  Pump();
}

bool Supervisor::StopProgram(const std::string& name, std::string* err) {
  Entry* e = ControlEntry(name, err);
  if (!e) return false;
  e->pending = false;
  e->restart_after = false;
  e->service->Stop(0);
  Pump();
  return true;
}

bool Supervisor::RestartProgram(const std::string& name, std::string* err) {
  Entry* e = ControlEntry(name, err);
  if (!e) return false;
  if (!e->service->Down()) e->service->Stop(0);
  BringUp(e);
  return true;
}

namespace {

const std::string& GroupOf(const ProgramConfig& p) { return p.group.empty() ? p.name : p.group; }

void AddOnce(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::string ReloadDiff::Summary() const {
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& n : v) s += (s.empty() ? "" : ", ") + n;
    return v.empty() ? std::string("none") : s;
  };
  return fmt::format("added {}; removed {}; changed {}; {} unchanged", list(added),
                     list(removed), list(changed), unchanged);
}

ReloadDiff Supervisor::Diff(const Config& next) const {
  ReloadDiff d;
  std::vector<std::string> old_groups, new_groups, touched;
  for (const auto& e : entries_) {
    if (e->is_main || e->retiring) continue;
    const ProgramConfig& c = e->service->config();
    AddOnce(&old_groups, GroupOf(c));
    bool kept = false;
    for (const auto& p : next.programs) kept |= p.name == c.name;
    if (!kept) {
      d.removed.push_back(c.name);
      AddOnce(&touched, GroupOf(c));
    }
  }
  for (const auto& p : next.programs) {
    AddOnce(&new_groups, GroupOf(p));
    const Entry* e = FindEntry(p.name);
    if (!e) {
      d.added.push_back(p.name);
      AddOnce(&touched, GroupOf(p));
    } else if (!e->service->config().SameRun(p)) {
      d.changed.push_back(p.name);
      AddOnce(&touched, GroupOf(p));
    } else {
      ++d.unchanged;
    }
  }
  for (const auto& g : touched) {
    const bool was = Contains(old_groups, g), is = Contains(new_groups, g);
    AddOnce(was && is ? &d.changed_groups : was ? &d.removed_groups : &d.added_groups, g);
  }
  return d;
}

std::string Supervisor::Reload(const Config& next) {
  const ReloadDiff d = Diff(next);
  for (const auto& e : entries_) {
    if (e->is_main || e->retiring || !Contains(d.removed, e->service->name())) continue;
    e->retiring = true;
    e->pending = false;
  }
  for (const auto& p : next.programs) {
    Entry* e = FindEntry(p.name);
    if (Contains(d.added, p.name)) {
      Entry* n = Add(p, ServiceOptions{});
      if (p.autostart && !stopping_) WantUp(n);
    } else if (Contains(d.changed, p.name)) {
      e->restart_after |= e->pending || e->service->want_up() || p.autostart;
      e->pending = false;
      e->next = std::make_unique<ProgramConfig>(p);
    } else {
      // Same process: keep it running, but take the new policy, stop and start settings.
      e->service->set_config(p);
    }
  }
  Pump();
  return d.Summary();
}

void Supervisor::Pump() {
  if (pumping_) {
    pump_again_ = true;  // A change made while pumping: go round once more.
    return;
  }
  pumping_ = true;
  do {
    pump_again_ = false;
    PumpOnce();
  } while (pump_again_);
  pumping_ = false;
  CheckDone();
}

void Supervisor::PumpOnce() {
  bool retired_down = false;
  for (const auto& e : entries_) {
    Service* s = e->service.get();
    if (e->next && s->Down()) {
      s->set_config(std::move(*e->next));
      e->next.reset();
      if (e->restart_after && !stopping_) WantUp(e.get());
    } else if ((e->next || e->retiring) && !s->Down() &&
               s->state() != Service::State::kStopping) {
      s->Stop(0);
    }
    retired_down |= e->retiring && s->Down();
  }
  if (retired_down && !cleanup_timer_->active()) cleanup_timer_->Start(0);
  if (stopping_) {
    StopReady();
  } else {
    StartReady();
  }
}

// Starts the wanted services whose dependencies are all up, lowest priority first.
void Supervisor::StartReady() {
  std::vector<Entry*> ready;
  for (const auto& e : entries_) {
    if (e->pending && !e->service->Down()) e->pending = false;  // Already on its way.
    if (!e->pending || e->next) continue;
    bool deps_up = true;
    for (Entry* d : DependenciesOf(e->service.get())) deps_up &= d->service->Up();
    if (deps_up) ready.push_back(e.get());
  }
  std::stable_sort(ready.begin(), ready.end(), [](Entry* a, Entry* b) {
    return a->service->config().priority < b->service->config().priority;
  });
  for (Entry* e : ready) {
    if (stopping_) return;  // A start just now ended a critical program: stop instead.
    e->pending = false;
    e->service->Start();
  }
}

// Stops every service that nothing still running depends on; the rest follow as their
// dependents go down.
void Supervisor::StopReady() {
  for (const auto& e : entries_) {
    Service* s = e->service.get();
    if (s->Down() || s->state() == Service::State::kStopping) continue;
    if (!DependedOnByLiveService(s)) s->Stop(stop_trigger_);
  }
}

void Supervisor::CheckDone() {
  if (!stopping_ || done_) return;
  for (const auto& e : entries_)
    if (!e->service->Down()) return;
  done_ = true;
  int code = 0;
  if (critical_ended_) {
    code = critical_code_;
  } else if (main_ && main_->has_exited()) {
    code = ExitCodeOf(main_->last_status());
  }
  if (callbacks_.done) callbacks_.done(code);
}

// Deletes services removed by a reload once they are down. Runs from its own timer so
// that no service is deleted while one of its own callbacks is on the stack.
void Supervisor::DropRetired() {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [](const std::unique_ptr<Entry>& e) {
                                  return e->retiring && e->service->Down();
                                }),
                 entries_.end());
}

}  // namespace tend
