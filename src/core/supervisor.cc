#include "core/supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "base/values.h"
#include "config/restart_policy.h"
#include "core/event_listener.h"
#include "core/listener_pool.h"
#include "proc/init.h"

namespace tend {

namespace {

const std::string& GroupOf(const ProgramConfig& p) { return p.Group(); }

void AddOnce(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Supervisor::Supervisor(Service::Env env, Callbacks callbacks)
    : env_(std::move(env)),
      callbacks_(std::move(callbacks)),
      cleanup_timer_(env_.clock->NewTimer([this] { DropRetired(); })),
      force_timer_(env_.clock->NewTimer([this] { Pump(); })) {
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
  if (env_.listeners) env_.listeners->Configure(config.programs);
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
  const Entry* e = EntryOf(s);
  return e && (e->pending || e->start_after || (s->want_up() && !s->EndedForGood()));
}

std::string Supervisor::DebugString() const {
  std::string r;
  for (const auto& e : entries_) {
    const Service* s = e->service.get();
    r += fmt::format("{} {}{}{}{}{}{}{}{}\n", s->name(), Service::ToString(s->state()),
                     e->pending ? " pending" : "", e->stop_wanted ? " stop_wanted" : "",
                     e->start_after ? " start_after" : "", e->next ? " next" : "",
                     e->retiring ? " retiring" : "", s->want_up() ? " want_up" : "",
                     s->launch_waiting() ? " launch_waiting" : "");
  }
  return r;
}

Supervisor::Entry* Supervisor::EntryOf(const Service* s) const {
  for (const auto& e : entries_)
    if (e->service.get() == s) return e.get();
  return nullptr;
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

std::vector<Supervisor::Entry*> Supervisor::DependentsOf(const Service* s) const {
  std::vector<Entry*> v;
  for (const auto& e : entries_) {
    const auto& d = e->service->config().depends_on;
    if (e->service.get() != s &&
        std::find(d.begin(), d.end(), s->config().program_name) != d.end()) {
      v.push_back(e.get());
    }
  }
  return v;
}

// Called for every running program at every step of a stop: no list is built.
bool Supervisor::HasLiveDependent(const Service* s) const {
  for (const auto& e : entries_) {
    const Service* t = e->service.get();
    if (t == s || t->Down()) continue;
    const auto& d = t->config().depends_on;
    if (std::find(d.begin(), d.end(), s->config().program_name) != d.end()) return true;
  }
  return false;
}

bool Supervisor::Available(const Entry* e) const {
  return e->service->Up() && !e->pending && !e->stop_wanted && !e->start_after && !e->next &&
         !e->retiring;
}

bool Supervisor::MayLaunch(const Service* s) const {
  const Entry* e = EntryOf(s);
  if (!e) return true;
  if (e->next) return false;  // Not on the old configuration: once down, the new one.
  for (Entry* d : DependenciesOf(s))
    if (!Available(d)) return false;
  return true;
}

bool Supervisor::MustStop(const Entry* e) const {
  if (e->stop_wanted && (e->start_after || e->next)) return true;
  for (const Entry* d : DependenciesOf(e->service.get()))
    if (d->stop_wanted && MustStop(d)) return true;
  return false;
}

// Wanting a service up wants its dependencies up too, whatever their autostart; one
// that is up already (a oneshot done) is left as it is. The last word wins: a stop that
// waits for dependents is called off.
void Supervisor::WantUp(Entry* e) {
  if (e->stop_wanted && MustStop(e)) {
    // Restarting, stopping for a reload's change, or for one of these below it: it
    // comes back up once stopped; a oneshot done has nothing to stop, and stays done.
    if (!(e->service->Down() && e->service->Up())) e->start_after = true;
    return;
  }
  e->stop_wanted = false;
  e->start_after = false;  // Wanted up now: pending does it.
  if (e->pending) return;
  e->pending = true;
  WantDependenciesUp(e);
}

void Supervisor::WantDependenciesUp(Entry* e) {
  for (Entry* d : DependenciesOf(e->service.get())) {
    Service* s = d->service.get();
    if (d->stop_wanted && !MustStop(d) && s->Up()) {
      // Its stop waited for its dependents: called off, it stays up (a oneshot stays
      // done), and so do the stops below it that waited for it.
      d->stop_wanted = false;
      if (!s->Down()) s->Start();
      WantDependenciesUp(d);
    } else if (!Available(d)) {
      WantUp(d);
    }
  }
}

void Supervisor::StopTree(Entry* e, bool restart, bool dependent) {
  // A dependent comes back if it was up or on its way, whatever the programs between it
  // and the one named (it may depend on it through one that is down).
  const bool was_up = e->pending || e->start_after || !e->service->Down();
  e->stop_wanted = true;
  e->start_after = restart && (was_up || !dependent);
  e->for_dependency = dependent;
  e->pending = false;
  // No restart of its own (a crash, a retry) while it waits for its dependents.
  e->service->Release();
  for (Entry* d : DependentsOf(e->service.get())) {
    if (!d->stop_wanted && !d->retiring) StopTree(d, restart, true);
  }
}

bool Supervisor::Start(std::string* err) {
  if (entries_.empty()) {
    *err = "nothing to run: no program is configured and no command was given";
    return false;
  }
  // As supervisord's start: each group added (by priority, then name), then its RUNNING,
  // then the spawns.
  std::vector<std::pair<int, std::string>> groups;
  for (const auto& e : entries_) {
    if (e->is_main) continue;
    const ProgramConfig& c = e->service->config();
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const auto& x) { return x.second == GroupOf(c); });
    if (g == groups.end()) {
      groups.emplace_back(c.priority, GroupOf(c));
    } else {
      g->first = std::min(g->first, c.priority);
    }
  }
  std::sort(groups.begin(), groups.end());
  for (const auto& g : groups) PublishGroups("PROCESS_GROUP_ADDED", {g.second});
  if (env_.listeners) env_.listeners->Publish("SUPERVISOR_STATE_CHANGE_RUNNING", "");
  for (const auto& e : entries_) {
    if (e->service->config().autostart) WantUp(e.get());
  }
  Pump();
  return true;
}

void Supervisor::Stop(int trigger, int64_t deadline_ms) {
  if (!stopping_) {
    stopping_ = true;
    stop_trigger_ = trigger;
    stop_began_ms_ = env_.clock->NowMs();
    stop_deadline_ms_ = deadline_ms;
    if (env_.listeners) env_.listeners->Publish("SUPERVISOR_STATE_CHANGE_STOPPING", "");
    if (trigger) {
      Diag(main_ ? Level::kDebug : Level::kInfo, "SIG{} received: stopping", SignalName(trigger));
    }
    // Nothing may start or restart any more, including dependencies that keep running
    // until their dependents are down.
    for (const auto& e : entries_) {
      e->pending = e->stop_wanted = e->start_after = false;
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

// The largest stop timeout: chains of dependencies do not add up (LatestStopMs), so that
// the whole stop fits the time a container runtime gives.
int64_t Supervisor::StopBudgetMs() const {
  int64_t budget = 0;
  for (const auto& e : entries_) budget = std::max(budget, e->service->config().stopwaitsecs_ms);
  return budget;
}

// Its own stop timeout before the deadline, so that it is not the one killed; but no more
// than half the stop time, so that what depends on it gets some time to stop first.
int64_t Supervisor::LatestStopMs(const Service* s) const {
  const int64_t half = (stop_deadline_ms_ - stop_began_ms_) / 2;
  return stop_deadline_ms_ - std::min(s->config().stopwaitsecs_ms, half);
}

void Supervisor::PublishState(Entry* e) {
  if (!env_.listeners || e->is_main) return;
  const Service* s = e->service.get();
  const ProgramConfig& c = s->config();
  const pid_t now = s->has_process() ? s->pid() : 0;
  for (const std::string& to : ListenerStates(e->shown_state, Service::ToString(s->state()))) {
    // An exit is told with the pid that ended (0 when none ran: a stop in BACKOFF); the
    // others with the process's own.
    const bool ended = to == "EXITED" || to == "STOPPED";
    const bool ran = e->shown_state == "STARTING" || e->shown_state == "RUNNING" ||
                     e->shown_state == "STOPPING";
    const pid_t pid = ended ? (ran ? e->shown_pid : 0) : now;
    const bool expected = IsExpectedExit(c.exitcodes, s->last_status());
    env_.listeners->Publish("PROCESS_STATE_" + to,
                            ProcessStatePayload(to, c.name, GroupOf(c),
                                                e->shown_state, pid, s->failures(), expected));
    e->shown_state = to;
  }
  if (now > 0) e->shown_pid = now;
  if (c.listener) env_.listeners->SetRunning(c.name, s->state() == Service::State::kRunning);
}

void Supervisor::PublishGroups(const char* type, const std::vector<std::string>& groups) {
  if (!env_.listeners) return;
  for (const std::string& g : groups) env_.listeners->Publish(type, "groupname:" + g + "\n");
}

bool Supervisor::StopsOn(int signo) const { return signo == SIGQUIT && !main_; }

void Supervisor::OnServiceChanged(Service* s) {
  if (Entry* e = EntryOf(s)) PublishState(e);
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

bool Supervisor::ReadConfig(Config* next, std::string* problems) {
  if (!callbacks_.reload) {
    *problems = "no configuration file to read: tend runs a command only";
    return false;
  }
  problems->clear();
  return callbacks_.reload(next, problems, true);
}

Config Supervisor::Current() const {
  Config c;
  for (const auto& e : entries_) {
    if (e->is_main || e->retiring) continue;
    c.programs.push_back(e->next ? *e->next : e->service->config());
  }
  return c;
}

bool Supervisor::ApplyGroup(const Config& source, const std::string& group, std::string* why) {
  Config next = Current();
  next.programs.erase(std::remove_if(next.programs.begin(), next.programs.end(),
                                     [&](const ProgramConfig& p) { return GroupOf(p) == group; }),
                      next.programs.end());
  for (const auto& p : source.programs) {
    if (GroupOf(p) != group) continue;
    for (const auto& o : next.programs) {
      if (o.name == p.name) {
        *why = p.name + " is a process of group " + GroupOf(o);
        return false;
      }
    }
    next.programs.push_back(p);
  }
  if (!DependenciesHold(next, why)) return false;
  Diag(Level::kInfo, "group {} applied: {}", group, Reload(next));
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

bool Supervisor::StartPrograms(const std::vector<std::string>& names, std::string* err) {
  return Control(Verb::kStart, names, err);
}

bool Supervisor::StopPrograms(const std::vector<std::string>& names, std::string* err) {
  return Control(Verb::kStop, names, err);
}

bool Supervisor::RestartPrograms(const std::vector<std::string>& names, std::string* err) {
  return Control(Verb::kRestart, names, err);
}

// All the names first, then one Pump: what depends on a named oneshot finds it about to
// run again, not done.
bool Supervisor::Control(Verb verb, const std::vector<std::string>& names, std::string* err) {
  std::vector<Entry*> named;
  for (const auto& n : names) {
    Entry* e = ControlEntry(n, err);
    if (!e) return false;
    named.push_back(e);
  }
  for (Entry* e : named) {
    switch (verb) {
      case Verb::kStart:
        // Wanted up now, with its dependencies: a running one stays (a stop that waited
        // for its dependents is called off, unless something below it restarts), a
        // stopping one starts again once down, a oneshot done runs again.
        WantUp(e);
        break;
      case Verb::kStop:
        StopTree(e, false, false);
        break;
      case Verb::kRestart:
        StopTree(e, true, false);  // Named: a oneshot done runs again.
        break;
    }
  }
  Pump();
  return true;
}

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
  if (callbacks_.applying) callbacks_.applying(next);
  ++generation_;
  const ReloadDiff d = Diff(next);
  if (env_.listeners) env_.listeners->Configure(next.programs);
  PublishGroups("PROCESS_GROUP_REMOVED", d.removed_groups);
  PublishGroups("PROCESS_GROUP_ADDED", d.added_groups);
  std::vector<Entry*> added, removed;
  for (const auto& e : entries_) {
    if (!e->is_main && !e->retiring && Contains(d.removed, e->service->name())) {
      removed.push_back(e.get());
    }
  }
  for (const auto& p : next.programs) {
    Entry* e = FindEntry(p.name);
    if (Contains(d.added, p.name)) {
      Entry* n = Add(p, ServiceOptions{});
      if (p.autostart && !stopping_) added.push_back(n);
    } else if (Contains(d.changed, p.name)) {
      // Down (what depends on it first), changed, then up again with its dependents.
      const bool restart =
          e->pending || e->start_after || e->service->want_up() || p.autostart;
      StopTree(e, restart, false);
      e->next = std::make_unique<ProgramConfig>(p);
    } else {
      // Same process: keep it running, but take the new policy, stop and start settings.
      e->service->set_config(p);
    }
  }
  // Once every program has its new dependencies: what depended on a removed program no
  // longer does, and keeps running.
  for (Entry* e : removed) {
    StopTree(e, false, false);
    e->retiring = true;
  }
  for (Entry* n : added) WantUp(n);
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
    // A change waits for the program to be down, and a restart of its own (a crash, a
    // health check) got in first: stopped again, and up again once changed.
    if (e->next && !e->stop_wanted && !s->Down() && s->state() != Service::State::kStopping) {
      StopTree(e.get(), true, false);
      pump_again_ = true;  // Its dependents, marked now, may come before it in this pass.
    }
    // Ordered stops (tendctl stop and restart, a reload's changes and removals): each
    // once nothing that depends on it runs.
    if (e->stop_wanted && !stopping_ && !HasLiveDependent(s)) {
      e->stop_wanted = false;
      // A oneshot that ended while it waited is done: what it depends on restarting does
      // not run it again.
      if (e->for_dependency && s->config().type == ProgramType::kOneshot && s->Up()) {
        e->start_after = false;
      }
      // Stopping already (asked twice, a restart of its own): its want is down now, and
      // the signal is not sent again.
      if (s->state() != Service::State::kStopping) s->Stop(0);
    }
    if (e->stop_wanted || !s->Down()) continue;
    if (e->next) {
      s->set_config(std::move(*e->next));
      e->next.reset();
    }
    // Back up once what it depends on has stopped too (a restart's whole tree is down
    // before any of it starts again).
    if (e->start_after && !stopping_ && !e->retiring) {
      bool deps_stopping = false;
      for (Entry* d : DependenciesOf(s)) deps_stopping |= d->stop_wanted;
      if (!deps_stopping) {
        e->start_after = false;
        WantUp(e.get());
      }
    }
    retired_down |= e->retiring;
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
    Service* s = e->service.get();
    if (e->pending && !s->Down() && s->state() != Service::State::kStopping) {
      e->pending = false;  // On its way already: wanted up from now on.
      s->Start();
    }
    if (!e->pending || !s->Down() || e->next) continue;
    // A oneshot done that was asked to run again, while a dependency failed for good
    // (FATAL, or down with nothing to bring it up): it stays done, so that what depends
    // on it does not wait for a run that cannot come. Other starts wait (a later start of
    // the dependency brings them up).
    // One pass over the dependencies, for that and for MayLaunch's own test.
    const Entry* failed = nullptr;
    bool available = true;
    for (const Entry* d : DependenciesOf(s)) {
      const Service* t = d->service.get();
      if (t->Down() && !t->Up() && !d->pending && !d->start_after && !d->stop_wanted) failed = d;
      available &= Available(d);
    }
    if (failed && s->Up()) {
      e->pending = false;
      pump_again_ = true;
      Diag(Level::kWarn, "{}: not run again: {}, which it depends on, is {}", s->name(),
           failed->service->name(), Service::ToString(failed->service->state()));
      continue;
    }
    if (available) ready.push_back(e.get());
  }
  std::stable_sort(ready.begin(), ready.end(), [](Entry* a, Entry* b) {
    return a->service->config().priority < b->service->config().priority;
  });
  for (Entry* e : ready) {
    if (stopping_) return;  // A start just now ended a critical program: stop instead.
    e->pending = false;
    e->service->Start();
  }
  // Restarts of their own that waited for their dependencies.
  std::vector<Service*> waiting;
  for (const auto& e : entries_)
    if (e->service->launch_waiting()) waiting.push_back(e->service.get());
  for (Service* s : waiting) {
    if (stopping_) return;
    s->LaunchIfWaiting();
  }
}

// Stops every service that nothing still running depends on; the rest follow as their
// dependents go down, or when the deadline leaves them no more time to wait.
void Supervisor::StopReady() {
  const int64_t now = env_.clock->NowMs();
  int64_t next = 0;
  // Event listeners stop last, as in supervisord (priority -1): they are told of the
  // others' stops.
  bool programs_live = false;
  for (const auto& e : entries_)
    programs_live |= !e->service->config().listener && !e->service->Down();
  for (const auto& e : entries_) {
    Service* s = e->service.get();
    if (s->Down() || s->state() == Service::State::kStopping) continue;
    if (!HasLiveDependent(s) && !(s->config().listener && programs_live)) {
      s->Stop(stop_trigger_);
      continue;
    }
    if (stop_deadline_ms_ <= 0) continue;
    const int64_t latest = LatestStopMs(s);
    if (now < latest) {
      next = next ? std::min(next, latest) : latest;
      continue;
    }
    Diag(Level::kInfo, "{}: stopping now, before what depends on it, to stop within the "
         "stop timeout", s->name());
    s->Stop(stop_trigger_);
  }
  if (next) force_timer_->Start(next - now);
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
