#include "proc/reaper.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "base/diag.h"
#include "base/sys.h"

namespace tend {

void Reaper::Watch(pid_t pid, ExitObserver* owner) { owners_[pid] = owner; }

void Reaper::Forget(pid_t pid) { owners_.erase(pid); }

void Reaper::Drain() {
  orphans_in_drain_ = false;
  DrainAll();
  if (orphans_in_drain_ && orphaned_) orphaned_();
}

void Reaper::DrainAll() {
  for (;;) {
    int status;
    // WUNTRACED: a stop is reported once per stop, so this loop still ends.
    pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED);
    if (pid > 0 && WIFSTOPPED(status)) {
      if (stopped_) stopped_(pid, WSTOPSIG(status));
      continue;
    }
    if (pid > 0) {
      Dispatch(pid, status);
      continue;
    }
    if (pid == 0) return;  // Children remain, none has exited yet.
    if (errno == EINTR) continue;
    if (errno == ECHILD) {
      if (no_children_) no_children_();
      return;
    }
    Diag(Level::kError, "unable to wait for children: {}", ErrnoString(errno));
    return;
  }
}

void Reaper::Dispatch(pid_t pid, int status) {
  auto it = owners_.find(pid);
  if (it == owners_.end()) {
    ++orphans_reaped_;
    orphans_in_drain_ = true;
    if (DiagEnabled(Level::kDebug)) {
      Diag(Level::kDebug, "reaped orphan {} ({} so far)", pid, orphans_reaped_);
    }
    return;
  }
  ExitObserver* owner = it->second;
  owners_.erase(it);
  owner->OnReaped(pid, status);
}

bool BecomeSubreaper(std::string* err) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    *err = "unable to become a child subreaper: " + ErrnoString(errno);
    return false;
  }
  return true;
}

}  // namespace tend
