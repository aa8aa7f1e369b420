// Records what the state machines ask of the kernel; a test plays the kernel's part.
#ifndef TEND_TESTS_FAKE_PROCESS_OPS_H_
#define TEND_TESTS_FAKE_PROCESS_OPS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/values.h"
#include "proc/spawn.h"

namespace tend {

class FakeProcessOps : public ProcessOps {
 public:
  pid_t Spawn(const SpawnSpec& spec, SpawnObserver* observer, std::string* err) override {
    if (fail_spawn) {
      *err = "unable to fork: Resource temporarily unavailable";
      return -1;
    }
    spawned.push_back(spec);
    observers.push_back(observer);
    return next_pid++;
  }
  void Signal(pid_t pid, int sig, bool group) override {
    calls.push_back((group ? "group " : "pid ") + std::to_string(pid) + " " + SignalName(sig));
  }
  int SignalStragglers(int sig) override {
    calls.push_back("stragglers " + SignalName(sig));
    return stragglers;
  }
  bool HasChildren() override { return has_children; }
  int GroupSize(pid_t pgid) override {
    auto it = group_sizes.find(pgid);
    return it == group_sizes.end() ? 0 : it->second;
  }
  void StopSelf() override { calls.push_back("stop self"); }
  void ForgetReady(pid_t pid) override { calls.push_back("forget ready " + std::to_string(pid)); }
  pid_t ParentOf(pid_t pid) override {
    auto it = parents.find(pid);
    return it == parents.end() ? 0 : it->second;
  }
  void GiveTerminal(pid_t pgid) override { calls.push_back("terminal " + std::to_string(pgid)); }
  bool OwnerOf(pid_t pid, uid_t* uid) override {
    auto it = owners.find(pid);
    if (it == owners.end()) return false;
    *uid = it->second;
    return true;
  }
  void SignalGroup(pid_t pgid, int sig) override {
    calls.push_back("pgroup " + std::to_string(pgid) + " " + SignalName(sig));
  }
  bool Hold(pid_t pid, std::function<void()> gone) override {
    if (parents.count(pid) == 0) return false;
    held[pid] = std::move(gone);
    return true;
  }
  void Unhold(pid_t pid) override { held.erase(pid); }
  /// Plays the kernel's part for a held pid: it has exited.
  void ExitHeld(pid_t pid) {
    parents.erase(pid);
    auto it = held.find(pid);
    if (it == held.end()) return;
    auto gone = std::move(it->second);
    held.erase(it);
    gone();
  }

  /// The calls so far, joined with "; ", then forgotten.
  std::string TakeCalls() {
    std::string s;
    for (const auto& c : calls) s += (s.empty() ? "" : "; ") + c;
    calls.clear();
    return s;
  }

  bool fail_spawn = false;
  bool has_children = false;
  int stragglers = 0;
  std::map<pid_t, int> group_sizes;  ///< Living members of a process group (0 if absent).
  std::map<pid_t, pid_t> parents;    ///< ParentOf.
  std::map<pid_t, uid_t> owners;     ///< OwnerOf.
  std::map<pid_t, std::function<void()>> held;  ///< Hold.
  pid_t next_pid = 100;
  std::vector<SpawnSpec> spawned;
  std::vector<SpawnObserver*> observers;
  std::vector<std::string> calls;
};

}  // namespace tend

#endif  // TEND_TESTS_FAKE_PROCESS_OPS_H_
