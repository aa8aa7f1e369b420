#include "proc/spawn.h"

#include <algorithm>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/diag.h"
#include "proc/signals.h"

extern char** environ;

namespace tend {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Everything the child needs, prepared before fork so that the child only makes
// async-signal-safe calls.
struct ChildPlan {
  const SpawnSpec* spec;
  std::vector<std::string> candidates;  // Paths to try, in PATH order.
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<char*> sh_argv;  // For ENOEXEC: /bin/sh <path> args...
  int notify_write = -1;       // The notification pipe's write end, for notify_fd.
  int status_fd = -1;          // A forked child's exec-status pipe; -1 when it shares
                               // tend's memory and reports in `error` instead.
  bool failed = false;         // Set by the child that did not reach exec.
  ExecError error{};
};

// SpawnSpec::wait_for_exec: clone(CLONE_VM | CLONE_VFORK), as glibc's posix_spawn. The
// child runs in tend's memory, on a stack of its own, while tend waits until it has
// exec'd or exited: no page of tend is copied or faulted, and the exec result is known
// when clone returns. Under a sanitizer the child is always forked: they cannot follow
// a stack they did not allocate.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kCanShareMemory = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
constexpr bool kCanShareMemory = false;
#else
constexpr bool kCanShareMemory = true;
#endif
#else
constexpr bool kCanShareMemory = true;
#endif

// tend is single-threaded and suspended while the child runs: one stack serves every
// spawn. The child stays in async-signal-safe calls with small frames; its lowest page
// is made inaccessible once, so that an overflow faults in the child instead of writing
// over tend's data.
constexpr size_t kChildStackPage = 4096;
alignas(kChildStackPage) char g_child_stack[64 * 1024];

char* ChildStackTop() {
  static bool guarded = false;
  if (!guarded) {
    guarded = true;
    (void)mprotect(g_child_stack, kChildStackPage, PROT_NONE);  // Best effort.
  }
  return g_child_stack + sizeof g_child_stack;
}

// Looks up NAME in a null-terminated environment list ("NAME=value").
const char* FindEnv(const std::vector<char*>& env, const char* name) {
  size_t len = strlen(name);
  for (const char* e : env) {
    if (e && strncmp(e, name, len) == 0 && e[len] == '=') return e + len + 1;
  }
  return nullptr;
}

// tend's environment, not copied, with `extra` ("NAME=value", kept alive by the caller)
// applied in order: each entry replaces any earlier one of the same name, so that the
// last word wins, as in a shell. Null-terminated.
std::vector<char*> EnvironmentWith(const std::vector<std::string>& extra) {
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  for (const auto& e : extra) {
    const size_t len = e.find('=');
    auto same = [&](const char* x) {
      return len != std::string::npos && strncmp(x, e.c_str(), len + 1) == 0;
    };
    auto it = std::find_if(env.begin(), env.end(), same);
    char* entry = const_cast<char*>(e.c_str());
    if (it != env.end()) {
      *it = entry;
    } else {
      env.push_back(entry);
    }
  }
  env.push_back(nullptr);
  return env;
}

}  // namespace

std::vector<std::string> CommandCandidates(const std::string& name, const char* path) {
  std::vector<std::string> out;
  if (name.find('/') != std::string::npos) return {name};
  std::string p = path ? path : kDefaultPath;
  size_t start = 0;
  for (;;) {
    size_t end = p.find(':', start);
    std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    // An empty PATH element means the current directory, as in execvp.
    out.push_back((dir.empty() ? "." : dir) + "/" + name);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

namespace {

void BuildPlan(const SpawnSpec& spec, ChildPlan* plan) {
  plan->spec = &spec;
  plan->envp = EnvironmentWith(spec.env);

  for (const auto& a : spec.argv) plan->argv.push_back(const_cast<char*>(a.c_str()));
  plan->argv.push_back(nullptr);

  plan->candidates = CommandCandidates(spec.argv[0], FindEnv(plan->envp, "PATH"));
  plan->sh_argv.push_back(const_cast<char*>("/bin/sh"));
  plan->sh_argv.push_back(nullptr);  // The script's path, filled in by the child.
  for (size_t i = 1; i < spec.argv.size(); ++i) plan->sh_argv.push_back(plan->argv[i]);
  plan->sh_argv.push_back(nullptr);
}

[[noreturn]] void ChildFail(ChildPlan* plan, ExecStage stage) {
  ExecError e{stage, errno};
  plan->error = e;  // Seen by tend when the child shares its memory.
  plan->failed = true;
  // Else tend reads this; if the write fails it still sees our exit status.
  if (plan->status_fd >= 0) (void)!write(plan->status_fd, &e, sizeof e);
  _exit(ExecFailureExitCode(e));
}

// Opens a new pseudo-terminal: the master non-blocking for tend, the slave for the
// child, 80x24 until an attached client says otherwise.
bool OpenPty(UniqueFd* master, UniqueFd* slave, std::string* err) {
  master->Reset(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  int unlock = 0, n = -1;
  if (!master->valid() || ioctl(master->get(), TIOCSPTLCK, &unlock) != 0 ||
      ioctl(master->get(), TIOCGPTN, &n) != 0) {
    *err = "unable to open a pseudo-terminal: " + ErrnoString(errno);
    return false;
  }
  // The master's own peer (Linux 4.13): right even where /dev/pts is another instance.
  slave->Reset(ioctl(master->get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  const std::string name = "/dev/pts/" + std::to_string(n);
  if (!slave->valid()) slave->Reset(open(name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave->valid()) {
    *err = fmt::format("unable to open {}: {}", name, ErrnoString(errno));
    return false;
  }
  struct winsize ws = {24, 80, 0, 0};
  (void)ioctl(master->get(), TIOCSWINSZ, &ws);
  return true;
}

// Runs in the child: the set-up stages in order, then exec. Async-signal-safe calls
// only, and nothing allocated (the child may share tend's memory); any failure is
// reported in `plan` (and on its status pipe) and ends the child.
[[noreturn]] void RunChild(ChildPlan* plan) {
  const SpawnSpec& spec = *plan->spec;

  if (spec.isolation == SpawnSpec::Isolation::kSession ? setsid() < 0 : setpgid(0, 0) != 0) {
    ChildFail(plan, ExecStage::kProcessGroup);
  }
  // While every signal is still blocked (inherited from tend), so that tcsetpgrp from
  // a background group does not stop us with SIGTTOU.
  if (spec.take_terminal && tcsetpgrp(STDIN_FILENO, getpid()) != 0 && errno != ENOTTY) {
    ChildFail(plan, ExecStage::kTerminal);
  }
  // A pseudo-terminal of its own becomes the new session's controlling terminal.
  if (spec.pty && ioctl(spec.stdio[0], TIOCSCTTY, 0) != 0) {
    ChildFail(plan, ExecStage::kTerminal);
  }

  for (int i = 0; i < 3; ++i) {
    // dup2 clears FD_CLOEXEC on the copy; when the fd is already in place, clear it here.
    int fd = spec.stdio[i];
    if (fd < 0) continue;
    if (fd == i ? fcntl(i, F_SETFD, 0) != 0 : dup2(fd, i) < 0) {
      ChildFail(plan, ExecStage::kStdio);
    }
  }
  // After the standard streams, whose sources may hold any number; notify_write is
  // close-on-exec, its copy at notify_fd is not. The status pipe must not be the one
  // replaced: moved out of the way first.
  if (spec.notify_fd >= 0 && plan->status_fd == spec.notify_fd) {
    plan->status_fd = fcntl(plan->status_fd, F_DUPFD_CLOEXEC, 256);
  }
  if (spec.notify_fd >= 0 && (plan->notify_write == spec.notify_fd
                                  ? fcntl(spec.notify_fd, F_SETFD, 0) != 0
                                  : dup2(plan->notify_write, spec.notify_fd) < 0)) {
    ChildFail(plan, ExecStage::kStdio);
  }
  if (spec.umask >= 0) umask(static_cast<mode_t>(spec.umask));
  // The directory first, as root, so that a directory only root may enter still works
  // (supervisord does the same).
  if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) {
    ChildFail(plan, ExecStage::kDirectory);
  }
  // Groups before uid: once the uid is dropped, the groups can no longer be changed.
  // Not root and that user already (USER app, user = app): nothing to switch, and no
  // right to set groups.
  const bool switch_user = spec.set_user && (geteuid() == 0 || geteuid() != spec.uid);
  if (switch_user && (setgroups(spec.groups.size(), spec.groups.data()) != 0 ||
                      setgid(spec.gid) != 0 || setuid(spec.uid) != 0)) {
    ChildFail(plan, ExecStage::kUser);
  }

  // Signals open last, just before exec, as in posix_spawn: a stop signal (a Ctrl-Z, a
  // `kill -STOP -1`) has the least time to catch a child that tend may be waiting on.
  ResetSignalsInChild();
  // execvp's search, without its allocation: the first candidate that is not missing
  // wins; EACCES is remembered in case nothing better turns up.
  int err = ENOENT;
  for (auto& path : plan->candidates) {
    execve(path.c_str(), plan->argv.data(), plan->envp.data());
    if (errno == ENOEXEC) {
      // A script without "#!": run it with the shell, as execvp does.
      plan->sh_argv[1] = &path[0];
      execve("/bin/sh", plan->sh_argv.data(), plan->envp.data());
      errno = ENOEXEC;
    }
    if (errno == EACCES) {
      err = EACCES;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      err = errno;
      break;
    }
  }
  errno = err;
  ChildFail(plan, ExecStage::kExec);
}

int ChildMain(void* plan) { RunChild(static_cast<ChildPlan*>(plan)); }

}  // namespace

std::vector<std::string> MergeEnvironment(const std::vector<std::string>& extra) {
  std::vector<char*> env = EnvironmentWith(extra);
  env.pop_back();
  return std::vector<std::string>(env.begin(), env.end());
}

const char* ExecStageDescription(ExecStage stage) {
  switch (stage) {
    case ExecStage::kProcessGroup:
      return "create a process group";
    case ExecStage::kTerminal:
      return "take the terminal";
    case ExecStage::kStdio:
      return "set up standard input and output";
    case ExecStage::kDirectory:
      return "change directory";
    case ExecStage::kUser:
      return "switch user";
    case ExecStage::kExec:
      return "run";
  }
  return "?";
}

int ExecFailureExitCode(const ExecError& e) {
  return e.stage == ExecStage::kExec && (e.err == ENOENT || e.err == ENOTDIR) ? 127 : 126;
}

std::string DescribeExecError(const SpawnSpec& spec, const ExecError& e) {
  const std::string& cmd = spec.argv.empty() ? std::string() : spec.argv[0];
  switch (e.stage) {
    case ExecStage::kExec:
      if (e.err == ENOENT && cmd.find('/') == std::string::npos) {
        return fmt::format("unable to run \"{}\": command not found", cmd);
      }
      return fmt::format("unable to run \"{}\": {}", cmd, ErrnoString(e.err));
    case ExecStage::kDirectory:
      return fmt::format("unable to change directory to \"{}\" for \"{}\": {}", spec.cwd, cmd,
                         ErrnoString(e.err));
    case ExecStage::kUser:
      return fmt::format("unable to switch to uid {} for \"{}\": {}", spec.uid, cmd,
                         ErrnoString(e.err));
    case ExecStage::kProcessGroup:
    case ExecStage::kTerminal:
    case ExecStage::kStdio:
      break;
  }
  return fmt::format("unable to {} for \"{}\": {}", ExecStageDescription(e.stage), cmd,
                     ErrnoString(e.err));
}

// Resolves SpawnSpec::input and output into descriptors for the child's 0, 1 and 2. Files are opened
// here, in tend, so that a bad path is an error tend can report.
static bool OpenStdio(const SpawnSpec& spec, int stdio[3], UniqueFd files[3],
                      UniqueFd pipes[2], std::string* err) {
  if (stdio[0] < 0 && !spec.input.empty()) {
    files[2].Reset(open(spec.input.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!files[2].valid() || !SetNonblock(files[2].get(), false)) {
      *err = fmt::format("unable to open \"{}\": {}", spec.input, ErrnoString(errno));
      return false;
    }
    stdio[0] = files[2].get();
  }
  for (int i = 0; i < 2; ++i) {
    const std::string& dest = spec.output[i];
    if (stdio[i + 1] >= 0 || dest.empty()) continue;
    if (dest == "&1" || dest == "&2") {
      stdio[i + 1] = dest[1] - '0';
      continue;
    }
    if (dest == "|") {
      if (!MakePipe(&pipes[i], &files[i], /*nonblock_read=*/true)) {
        *err = "unable to create a pipe: " + ErrnoString(errno);
        return false;
      }
      // A larger pipe: fewer wake-ups and larger reads for a chatty program (best
      // effort: the system's pipe-max-size may refuse it).
      (void)fcntl(pipes[i].get(), F_SETPIPE_SZ, 256 * 1024);
      stdio[i + 1] = files[i].get();
      continue;
    }
    // O_NONBLOCK: a FIFO without a reader must not block PID 1 (it fails with ENXIO);
    // cleared again, the program gets an ordinary blocking descriptor.
    files[i].Reset(
        open(dest.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644));
    if (files[i].valid()) SetNonblock(files[i].get(), false);
    if (!files[i].valid()) {
      *err = fmt::format("unable to open \"{}\": {}", dest, ErrnoString(errno));
      return false;
    }
    stdio[i + 1] = files[i].get();
  }
  if (spec.merge_stderr) stdio[2] = stdio[1] >= 0 ? stdio[1] : 1;
  return true;
}

pid_t SystemProcessOps::Spawn(const SpawnSpec& given, SpawnObserver* observer, std::string* err) {
  if (given.argv.empty()) {
    *err = "empty command";
    return -1;
  }
  SpawnSpec spec = given;
  UniqueFd files[3], pipes[2], pty_master, pty_slave;
  if (spec.pty) {
    if (!OpenPty(&pty_master, &pty_slave, err)) return -1;
    // The program's own terminal, as login gives one: it may reopen it by name.
    if (spec.set_user) (void)!fchown(pty_slave.get(), spec.uid, static_cast<gid_t>(-1));
    spec.isolation = SpawnSpec::Isolation::kSession;
    for (int& fd : spec.stdio) fd = pty_slave.get();
  } else if (!OpenStdio(given, spec.stdio, files, pipes, err)) {
    return -1;
  }
  ChildPlan plan;
  BuildPlan(spec, &plan);
  UniqueFd notify_read, notify_write;
  if (spec.notify_fd >= 0) {
    if (!MakePipe(&notify_read, &notify_write, /*nonblock_read=*/true)) {
      *err = "unable to create a pipe: " + ErrnoString(errno);
      return -1;
    }
    plan.notify_write = notify_write.get();
  }
  const bool shared = kCanShareMemory && spec.wait_for_exec;
  UniqueFd status_read, status_write;
  if (!shared) {
    if (!MakePipe(&status_read, &status_write, /*nonblock_read=*/true)) {
      *err = "unable to create a pipe: " + ErrnoString(errno);
      return -1;
    }
    plan.status_fd = status_write.get();
  }
  pid_t pid = shared
                  ? clone(ChildMain, ChildStackTop(),
                          CLONE_VM | CLONE_VFORK | SIGCHLD, &plan)
                  : fork();
  if (pid < 0) {
    *err = "unable to start a process: " + ErrnoString(errno);
    return -1;
  }
  if (pid == 0) RunChild(&plan);  // Forked.

  // A forked child may not have run yet: its group is made from here too, so that
  // signalling the group works at once (a child sharing tend's memory has made it).
  if (!shared && spec.isolation == SpawnSpec::Isolation::kGroup) setpgid(pid, pid);
  status_write.Reset();
  notify_write.Reset();  // EOF once the program (and all it passed it to) closed it.
  pty_slave.Reset();  // The master sees EOF (EIO) once the child's side is all closed.
  if (pty_master.valid() && observer) observer->OnTerminal(pid, std::move(pty_master));
  for (int i = 0; i < 2; ++i) {
    if (pipes[i].valid() && observer) {
      observer->OnOutputPipe(pid, i + 1, std::move(pipes[i]));
    }
  }
  if (shared) {
    // The child has exec'd or exited by now: the observer hears of it from the loop, as
    // of everything else.
    Report(pid, observer, plan.failed ? &plan.error : nullptr);
  } else {
    Watch(&pending_[pid], std::move(status_read), observer, [this, pid] { OnStatusReadable(pid); });
  }
  if (notify_read.valid() && observer) {
    Watch(&notify_[pid], std::move(notify_read), observer, [this, pid] { OnNotifyReadable(pid); });
  }
  return pid;
}

void SystemProcessOps::Watch(Pending* p, UniqueFd fd, SpawnObserver* observer,
                             std::function<void()> readable) {
  p->fd = std::move(fd);
  p->observer = observer;
  p->watcher = std::make_unique<IoWatcher>(loop_, p->fd.get(), IoWatcher::kRead, std::move(readable));
  p->watcher->Start();
}

// s6's protocol: anything, then a newline, is ready; EOF before one is never ready.
void SystemProcessOps::OnNotifyReadable(pid_t pid) {
  auto it = notify_.find(pid);
  if (it == notify_.end()) return;
  char buf[512];
  bool ready = false;
  ssize_t n;
  while ((n = ReadSome(it->second.fd.get(), buf, sizeof buf)) > 0) {
    if (memchr(buf, '\n', static_cast<size_t>(n))) {
      ready = true;
      break;
    }
    it->second.bytes += static_cast<size_t>(n);
    if (it->second.bytes > kMaxNotifyBytes) break;  // A writer faster than this loop.
  }
  // More to come; but a writer of bytes without a newline would keep tend busy for
  // nothing: past kMaxNotifyBytes, it will never be ready.
  if (!ready && n < 0 && errno == EAGAIN) return;
  SpawnObserver* observer = it->second.observer;
  notify_.erase(it);
  observer->OnReadyNotified(pid, ready);
}

void SystemProcessOps::ForgetReady(pid_t pid) { notify_.erase(pid); }


// EOF on the status pipe means exec succeeded (the write end was close-on-exec);
// an ExecError record means the child failed at that stage.
void SystemProcessOps::OnStatusReadable(pid_t pid) {
  auto it = pending_.find(pid);
  if (it == pending_.end()) return;
  ExecError e;
  ssize_t n = ReadSome(it->second.fd.get(), &e, sizeof e);
  if (n < 0 && errno == EAGAIN) return;
  SpawnObserver* observer = it->second.observer;
  pending_.erase(it);
  observer->OnExecResult(pid, n == static_cast<ssize_t>(sizeof e) ? &e : nullptr);
}

void SystemProcessOps::Report(pid_t pid, SpawnObserver* observer, const ExecError* error) {
  results_.push_back({pid, observer, error != nullptr, error ? *error : ExecError{}});
  if (!results_timer_) results_timer_ = loop_->NewTimer([this] { DeliverResults(); });
  results_timer_->Start(0);
}

void SystemProcessOps::DeliverResults() {
  std::vector<Result> results;
  results.swap(results_);
  for (const Result& r : results) {
    if (r.observer) r.observer->OnExecResult(r.pid, r.failed ? &r.error : nullptr);
  }
}

void SystemProcessOps::Signal(pid_t pid, int sig, bool group) {
  // kill(0) and kill(-1) would reach tend's own group or everything: never by mistake.
  if (pid <= 1) return;
  if (group) {
    if (kill(-pid, sig) == 0) return;
    if (errno != ESRCH) {
      Diag(Level::kWarn, "unable to signal process group {}: {}", pid, ErrnoString(errno));
      return;
    }
  }
  // A held process by its pidfd: if it has died, its pid may name another one now.
  auto held = held_.find(pid);
  const int r = held != held_.end()
                    ? static_cast<int>(syscall(SYS_pidfd_send_signal, held->second.pidfd.get(),
                                               sig, nullptr, 0))
                    : kill(pid, sig);
  if (r != 0 && errno != ESRCH) {
    Diag(Level::kWarn, "unable to signal process {}: {}", pid, ErrnoString(errno));
  }
}

void SystemProcessOps::SignalGroup(pid_t pgid, int sig) {
  if (pgid <= 1) return;
  if (kill(-pgid, sig) != 0 && errno != ESRCH) {
    Diag(Level::kWarn, "unable to signal process group {}: {}", pgid, ErrnoString(errno));
  }
}

bool SystemProcessOps::Hold(pid_t pid, std::function<void()> gone) {
  Unhold(pid);
  retired_.clear();
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  // ENOSYS: an old kernel; go on without. Anything else (ESRCH, EMFILE): refused, as a
  // main process whose death would go unseen.
  if (fd < 0) return errno == ENOSYS;
  Held& h = held_[pid];
  h.pidfd = UniqueFd(fd);
  h.gone = std::move(gone);
  // Readable once the process has exited.
  h.watcher = std::make_unique<IoWatcher>(loop_, fd, IoWatcher::kRead, [this, pid] {
    auto it = held_.find(pid);
    if (it == held_.end()) return;
    it->second.watcher->Stop();
    std::function<void()> tell = std::move(it->second.gone);
    tell();  // Which may Unhold.
  });
  h.watcher->Start();
  return true;
}

void SystemProcessOps::Unhold(pid_t pid) {
  auto it = held_.find(pid);
  if (it == held_.end()) return;
  it->second.watcher->Stop();
  // Its callback may be the one running: freed at the next Hold, not now.
  retired_.push_back(std::move(it->second.watcher));
  held_.erase(it);
}

int SystemProcessOps::SignalStragglers(int sig) {
  if (getpid() == 1) {
    // From a namespace's init, kill(-1) reaches every other process in the namespace.
    if (kill(-1, sig) != 0 && errno != ESRCH) {
      Diag(Level::kWarn, "unable to signal remaining processes: {}", ErrnoString(errno));
    }
    return -1;
  }
  int n = 0;
  for (pid_t p : Descendants(getpid())) {
    if (kill(p, sig) == 0) ++n;
  }
  return n;
}

bool SystemProcessOps::HasChildren() {
  siginfo_t info;
  int r;
  do {
    r = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  } while (r != 0 && errno == EINTR);
  return !(r != 0 && errno == ECHILD);
}

void SystemProcessOps::StopSelf() {
  // SIGSTOP cannot be blocked: it is delivered before kill() returns, and kill()
  // returns once a SIGCONT has come.
  if (kill(getpid(), SIGSTOP) != 0) {
    Diag(Level::kWarn, "unable to stop for job control: {}", ErrnoString(errno));
  }
}

void SystemProcessOps::GiveTerminal(pid_t pgid) {
  // From the background (bg) the terminal stays where the shell left it. SIGTTOU is
  // blocked, so tcsetpgrp cannot stop tend.
  if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp()) return;
  if (tcsetpgrp(STDIN_FILENO, pgid) != 0 && errno != ESRCH && errno != EPERM) {
    Diag(Level::kWarn, "unable to give the terminal to process group {}: {}", pgid,
         ErrnoString(errno));
  }
}

namespace {

// One process as /proc/PID/stat tells it.
struct ProcStat {
  pid_t pid;
  char state;
  pid_t ppid;
  pid_t pgrp;
  uint64_t ticks;  // utime + stime + cutime + cstime, in clock ticks.
  uint64_t rss_pages;
};

// Reads the start of /proc/PID/NAME into `buf`, NUL-terminated; false when the process
// is gone.
bool ReadProcFile(pid_t pid, const char* name, char* buf, size_t size) {
  char path[48];
  snprintf(path, sizeof path, "/proc/%d/%s", static_cast<int>(pid), name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t len = ReadSome(fd, buf, size - 1);
  close(fd);
  if (len <= 0) return false;
  buf[len] = '\0';
  return true;
}

// Reads /proc/PID/stat; false when the process is gone.
bool ReadProcStat(pid_t pid, ProcStat* out) {
  char buf[1024];
  if (!ReadProcFile(pid, "stat", buf, sizeof buf)) return false;
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and ')', so parse after the
  // last ')'.
  const char* rp = strrchr(buf, ')');
  if (!rp || rp[1] != ' ' || rp[2] == '\0' || rp[3] != ' ') return false;
  char* end;
  long ppid = strtol(rp + 4, &end, 10);
  long pgrp = *end == ' ' ? strtol(end + 1, &end, 10) : 0;
  // Then session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime (the
  // 14th field), stime, cutime, cstime, priority, nice, num_threads, itrealvalue,
  // starttime, vsize, rss (the 24th).
  uint64_t fields[19] = {};
  const char* p = end;
  for (uint64_t& f : fields) {
    if (*p != ' ') break;
    f = strtoull(p + 1, &end, 10);
    p = end;
  }
  *out = ProcStat{pid,
                  rp[2],
                  static_cast<pid_t>(ppid),
                  static_cast<pid_t>(pgrp),
                  fields[8] + fields[9] + fields[10] + fields[11],
                  fields[18]};
  return true;
}

// Calls `each` for every process in /proc; false when /proc does not show tend's own
// PID namespace (one mounted for another would name other processes) or cannot be read.
template <typename Each>
bool ForEachProcess(Each&& each) {
  char self[32];
  ssize_t n = readlink("/proc/self", self, sizeof self - 1);
  if (n <= 0 || (self[n] = '\0', atoi(self) != getpid())) {
    static bool warned = false;
    if (!warned) {
      Diag(Level::kWarn, "/proc does not show this PID namespace; cannot find processes "
                         "left behind (mount a /proc of its own)");
      warned = true;
    }
    return false;
  }
  DIR* dir = opendir("/proc");
  if (!dir) return false;
  while (dirent* d = readdir(dir)) {
    char* end;
    long pid = strtol(d->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    ProcStat st;
    if (ReadProcStat(static_cast<pid_t>(pid), &st)) each(st);
  }
  closedir(dir);
  return true;
}

}  // namespace

std::vector<pid_t> Descendants(pid_t root) {
  // Read every process's parent, then walk down from root.
  std::unordered_map<pid_t, std::vector<pid_t>> children;
  if (!ForEachProcess([&](const ProcStat& p) { children[p.ppid].push_back(p.pid); })) return {};
  std::vector<pid_t> out;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children[p]) {
      out.push_back(c);
      todo.push_back(c);
    }
  }
  return out;
}

std::map<pid_t, TreeUsage> ProcessTreeUsage(const std::vector<pid_t>& roots) {
  std::map<pid_t, TreeUsage> out;
  if (roots.empty()) return out;
  std::unordered_map<pid_t, std::vector<pid_t>> children;
  std::unordered_map<pid_t, ProcStat> stats;
  if (!ForEachProcess([&](const ProcStat& p) {
        children[p.ppid].push_back(p.pid);
        stats[p.pid] = p;
      })) {
    return out;
  }
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  for (pid_t root : roots) {
    if (stats.count(root) == 0) continue;
    TreeUsage& u = out[root];
    std::vector<pid_t> todo{root};
    // Bounded: a snapshot taken while processes change parents could hold a loop.
    for (size_t steps = 0; !todo.empty() && steps <= stats.size(); ++steps) {
      const pid_t p = todo.back();
      todo.pop_back();
      const ProcStat& st = stats[p];
      u.rss_bytes += st.rss_pages * page;
      u.cpu_seconds += static_cast<double>(st.ticks) / (tick > 0 ? tick : 100);
      for (pid_t c : children[p]) todo.push_back(c);
    }
  }
  return out;
}

int SystemProcessOps::GroupSize(pid_t pgid) {
  if (pgid <= 1) return 0;
  // Most often the group is gone with its leader: one syscall says so.
  if (kill(-pgid, 0) != 0 && errno == ESRCH) return 0;
  int n = 0;
  // Exited members not yet reaped are gone already: only the living count.
  if (!ForEachProcess([&](const ProcStat& p) { n += p.pgrp == pgid && p.state != 'Z'; })) {
    return 1;  // Something is there; /proc cannot say what.
  }
  return n;
}

pid_t SystemProcessOps::ParentOf(pid_t pid) {
  ProcStat st;
  return ReadProcStat(pid, &st) ? st.ppid : 0;
}

bool SystemProcessOps::OwnerOf(pid_t pid, uid_t* uid) {
  char buf[2048];
  if (!ReadProcFile(pid, "status", buf, sizeof buf)) return false;
  // "Uid:\treal\teffective\tsaved\tfs". Not sscanf: it would bring scanf's machinery
  // (and strtod) into the static binary, 110 KB.
  const char* p = strstr(buf, "\nUid:");
  if (!p) return false;
  p += 5;
  unsigned long ids[3];
  for (unsigned long& id : ids) {
    char* end;
    id = strtoul(p, &end, 10);
    if (end == p) return false;
    p = end;
  }
  if (ids[0] != ids[1] || ids[0] != ids[2]) return false;
  *uid = static_cast<uid_t>(ids[0]);
  return true;
}

}  // namespace tend
