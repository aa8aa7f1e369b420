// The one place where child exits enter tend. Every reaped pid is looked up in a
// pid -> owner table; pids nobody owns are orphans that PID 1 (or a subreaper) adopted.
#ifndef TEND_REAPER_H_
#define TEND_REAPER_H_

#include <stdint.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <unordered_map>

namespace tend {

/// Receives the wait status of a pid it registered with Reaper::Watch.
class ExitObserver {
 public:
  virtual ~ExitObserver() = default;
  virtual void OnReaped(pid_t pid, int status) = 0;
};

class Reaper {
 public:
  /// Routes the exit of `pid` to `owner`. The registration ends when the pid is reaped.
  void Watch(pid_t pid, ExitObserver* owner);
  void Forget(pid_t pid);

  /// Called whenever a Drain() finds that tend has no child left at all.
  void SetNoChildrenHandler(std::function<void()> handler) { no_children_ = std::move(handler); }
  /// Called when a child is stopped, with the signal that stopped it (job control).
  void SetStopHandler(std::function<void(pid_t, int)> handler) { stopped_ = std::move(handler); }
  /// Called once per Drain that reaped orphans (processes nobody watched).
  void SetOrphanHandler(std::function<void()> handler) { orphaned_ = std::move(handler); }

  /// Reaps every child that has exited (waitpid(-1, WNOHANG | WUNTRACED) until none is
  /// left) and dispatches each; stopped children go to the stop handler. Called on
  /// SIGCHLD. The only caller of waitpid in tend.
  void Drain();

  /// Whether `pid` has an owner.
  bool Watched(pid_t pid) const { return owners_.count(pid) > 0; }

  /// Hands one reaped pid to its owner, or counts it as an orphan. Public for tests.
  void Dispatch(pid_t pid, int status);

  uint64_t orphans_reaped() const { return orphans_reaped_; }
  size_t watched() const { return owners_.size(); }

 private:
  void DrainAll();

  std::unordered_map<pid_t, ExitObserver*> owners_;
  std::function<void()> no_children_;
  std::function<void(pid_t, int)> stopped_;
  std::function<void()> orphaned_;
  bool orphans_in_drain_ = false;
  uint64_t orphans_reaped_ = 0;
};

/// When tend is not PID 1, makes it a child subreaper so that orphans of its descendants
/// are re-parented to it and reaped here. Returns false and fills `err` on failure.
bool BecomeSubreaper(std::string* err);

}  // namespace tend

#endif  // TEND_REAPER_H_
