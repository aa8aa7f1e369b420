// Supervisor: the set of services. Starts them in dependency and priority order, stops
// them in reverse dependency order (independent ones in parallel), turns the end of a
// critical program into a shutdown, applies reloads, and decides the exit status.
//
// The dependency rules (tend.conf(5), DEPENDENCIES), on every path that starts or stops:
// - No program spawns, by any path (a start, a crash restart, a retry, a health or
//   watchdog restart), while a program it depends on is not up (RUNNING, or a oneshot
//   done), or is about to stop or to run again.
// - Starting a program wants what it depends on up: started if not up, and a oneshot
//   that is done stays done. A oneshot runs again only when started or restarted by
//   name, or when a reload changes its section.
// - Stopping a program stops what depends on it first (as systemd's Requires=);
//   restarting it restarts them after it. A reload's change stops and restarts the same
//   way.
// - tend's own stop keeps the reverse order while the stop deadline allows: a program
//   is signalled once what depends on it is down (an event listener: once every program
//   is), or at the latest when what is left before the deadline is its stopwaitsecs, or
//   half the stop time if that is less.
#ifndef TEND_SUPERVISOR_H_
#define TEND_SUPERVISOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/service.h"
#include "proc/workload.h"

namespace tend {

/// The difference between the running programs and a configuration: program names, and
/// supervisord's groups (a group is changed when any of its programs is added, removed or
/// changed while others remain).
struct ReloadDiff {
  std::vector<std::string> added, removed, changed;
  std::vector<std::string> added_groups, removed_groups, changed_groups;
  int unchanged = 0;
  /// "added api; removed none; changed worker; 3 unchanged".
  std::string Summary() const;
};

class Supervisor : public Workload, public ServiceObserver {
 public:
  using ReloadFn = std::function<bool(Config* next, std::string* problems, bool dry_run)>;
  struct Callbacks {
    /// Everything is down after a stop: the exit status.
    std::function<void(int exit_code)> done;
    /// A critical program ended: Init should run the stop sequence (calls Stop()).
    std::function<void()> request_stop;
    /// SIGHUP: re-read the configuration; false (with the problems logged and in
    /// `problems`, one per line) keeps the old one. `dry_run`: only to compare, so the
    /// problems are not logged. Unset: no configuration, and HUP is forwarded like other
    /// signals.
    ReloadFn reload;
    /// Any service changed state (tendctl's waiters look again).
    std::function<void(Service*)> changed;
    /// A configuration is about to be applied (the notify socket opens if it needs one).
    std::function<void(const Config&)> applying;
  };

  Supervisor(Service::Env env, Callbacks callbacks);
  ~Supervisor() override;

  /// Adds the programs of `config` (before Start).
  void Configure(const Config& config);
  /// Adds the main command: critical, never restarted, and the target of forwarded
  /// signals; its exit status is tend's.
  void SetMain(ProgramConfig main, ServiceOptions options);

  bool Start(std::string* err) override;
  void Stop(int trigger, int64_t deadline_ms) override;
  void Signal(int signo) override;
  /// QUIT without a main command: supervisord's shutdown signal, which its files' event
  /// listeners send (`kill -QUIT $PPID`).
  bool StopsOn(int signo) const override;
  void Suspend(int signo) override;
  void Resume() override;
  void Kill() override;
  /// Orphans were reaped: programs whose leftovers are being stopped look again.
  void OnOrphansReaped();
  /// A notify datagram from `sender`: handed to the ready = notify program whose
  /// process tree holds the sender. False when none does.
  bool OnNotify(pid_t sender, const NotifyMessage& m);
  int64_t StopBudgetMs() const override;

  void OnServiceChanged(Service* service) override;
  bool MayLaunch(const Service* service) const override;

  /// Applies a new configuration: starts added programs, stops removed ones, restarts
  /// changed ones, leaves the others running. Returns a one-line summary.
  std::string Reload(const Config& next);
  /// What Reload(next) would change, without changing it.
  ReloadDiff Diff(const Config& next) const;
  /// SIGHUP's work for tendctl reload: re-reads and applies the configuration (with
  /// `dry_run`, only compares it). True with the summary in `out` (and the changes in
  /// `diff`, if given), or false with the problems (or why there is nothing to read).
  bool ReloadFromFile(std::string* out, bool dry_run = false, ReloadDiff* diff = nullptr);
  /// Reads the configuration files without applying them (supervisord's reloadConfig):
  /// false with the problems, or why there is nothing to read.
  bool ReadConfig(Config* next, std::string* problems);
  /// The programs as configured now (a reload's changes still waiting included), without
  /// the main command and those being removed, in configuration order.
  Config Current() const;
  /// supervisord's addProcessGroup and removeProcessGroup: applies the running
  /// configuration with the programs of group `group` as `source` has them (none there:
  /// the group is removed). False with why, and nothing changed, when the result would
  /// name one process twice or break a dependency (DependenciesHold).
  bool ApplyGroup(const Config& source, const std::string& group, std::string* why);
  /// How many configurations were applied (reloads, groups): what was read before the
  /// last may no longer describe what runs.
  uint64_t generation() const { return generation_; }

  /// tendctl: want programs up (their dependencies too), down (what depends on them
  /// first), or down then up again (with what depends on them, if it was up). The names
  /// are one request: a oneshot named with what depends on it runs again before it.
  /// False with `err`, and nothing done, when a name is no program or tend is stopping.
  bool StartPrograms(const std::vector<std::string>& names, std::string* err);
  bool StopPrograms(const std::vector<std::string>& names, std::string* err);
  bool RestartPrograms(const std::vector<std::string>& names, std::string* err);

  /// Every service, in configuration order.
  std::vector<Service*> services() const;
  Service* Find(const std::string& name) const;
  /// The main command's service, or null.
  const Service* main() const { return main_; }
  /// What tendctl may name: every program not being removed by a reload, and the main
  /// command if `with_main`, in configuration order.
  std::vector<Service*> Controllable(bool with_main) const;
  /// Find, the main command included.
  Service* FindAny(const std::string& name) const;
  /// Whether the service is meant to come up: wanted and not ended for good, or
  /// waiting for its dependencies, or to be started once a reload's change is applied.
  bool Wanted(const Service* s) const;
  bool stopping() const { return stopping_; }
  /// The clock's time, which Service times are on.
  int64_t NowMs() const { return env_.clock->NowMs(); }
  /// A line per program: its state and what the Supervisor wants of it (pending,
  /// stop_wanted...), for the simulation's reports.
  std::string DebugString() const;

 private:
  struct Entry {
    std::unique_ptr<Service> service;
    bool pending = false;      // Wanted up, waiting for its dependencies.
    bool stop_wanted = false;  // To be stopped once nothing that depends on it runs.
    bool start_after = false;  // Wanted up again once down (a restart, a reload's change).
    bool for_dependency = false;  // stop_wanted for a program it depends on.
    bool retiring = false;     // Removed by a reload: dropped once down.
    std::unique_ptr<ProgramConfig> next;  // Changed by a reload: applied once down.
    bool is_main = false;
    // What event listeners were last told of it: supervisord's state and pid.
    std::string shown_state = "STOPPED";
    pid_t shown_pid = 0;
  };

  Entry* Add(ProgramConfig config, ServiceOptions options);
  bool ReadAndApply(std::string* out, bool dry_run, ReloadDiff* diff);
  Entry* FindEntry(const std::string& name) const;
  Entry* ControlEntry(const std::string& name, std::string* err) const;
  /// Services of the programs `s` depends on.
  std::vector<Entry*> DependenciesOf(const Service* s) const;
  /// Services that depend on `s` (removed ones too, until dropped).
  std::vector<Entry*> DependentsOf(const Service* s) const;
  /// Whether a service that depends on `s` is not down.
  bool HasLiveDependent(const Service* s) const;
  /// Up, and staying up: not about to stop, to run again or to change.
  bool Available(const Entry* e) const;
  Entry* EntryOf(const Service* s) const;
  /// Waits to stop, and must: it restarts or changes, or something below it does.
  bool MustStop(const Entry* e) const;
  void WantUp(Entry* e);
  void WantDependenciesUp(Entry* e);
  enum class Verb { kStart, kStop, kRestart };
  bool Control(Verb verb, const std::vector<std::string>& names, std::string* err);
  /// Wants `e` down once its dependents are, and them down first; with `restart`, each
  /// comes back up once down (dependents only if they were up or on their way).
  /// `dependent`: `e` is stopped for a program it depends on, not by name.
  void StopTree(Entry* e, bool restart, bool dependent);
  /// During tend's stop: the time by which `s` is signalled whatever depends on it.
  int64_t LatestStopMs(const Service* s) const;
  /// Brings everything one step closer to what is wanted; called after every change.
  void Pump();
  void PumpOnce();
  void StartReady();
  void StopReady();
  void CheckDone();
  void DropRetired();
  /// Tells event listeners of `e`'s new state, as supervisord's transitions.
  void PublishState(Entry* e);
  /// PROCESS_GROUP_ADDED or _REMOVED for each of `groups`.
  void PublishGroups(const char* type, const std::vector<std::string>& groups);

  Service::Env env_;
  Callbacks callbacks_;
  std::vector<std::unique_ptr<Entry>> entries_;
  Service* main_ = nullptr;
  std::unique_ptr<Timer> cleanup_timer_;
  std::unique_ptr<Timer> force_timer_;  // The next LatestStopMs, while stopping.
  bool stopping_ = false;
  int64_t stop_began_ms_ = 0;
  int64_t stop_deadline_ms_ = 0;  // 0: none.
  int stop_trigger_ = 0;
  bool done_ = false;
  bool pumping_ = false;
  bool pump_again_ = false;
  bool critical_ended_ = false;
  uint64_t generation_ = 0;
  int critical_code_ = 0;
};

}  // namespace tend

#endif  // TEND_SUPERVISOR_H_
