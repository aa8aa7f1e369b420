// Starting and signalling processes. ProcessOps is the seam between the state machines
// and the kernel: SystemProcessOps is real, tests use a fake that records calls.
#ifndef TEND_SPAWN_H_
#define TEND_SPAWN_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/event_loop.h"
#include "base/sys.h"

namespace tend {

/// What to run and how to set up the child before exec.
struct SpawnSpec {
  std::vector<std::string> argv;  ///< argv[0] is looked up in PATH unless it has a '/'.
  /// Extra "NAME=value" entries over tend's own environment.
  std::vector<std::string> env;
  std::string cwd;  ///< Empty: tend's working directory.
  /// kGroup: a new process group in tend's session (it can own tend's terminal);
  /// kSession: a new session, detached from any terminal.
  enum class Isolation { kGroup, kSession } isolation = Isolation::kGroup;
  /// Make the child's group the foreground group of the terminal on fd 0, when it has one.
  bool take_terminal = false;
  /// Descriptors for the child's 0, 1, 2; -1 inherits tend's.
  int stdio[3] = {-1, -1, -1};
  /// Where the child's stdout (output[0]) and stderr (output[1]) go when stdio[1] / [2]
  /// is -1: "" inherits tend's, "&1" / "&2" is tend's stdout / stderr, "|" a pipe whose
  /// read end goes to SpawnObserver::OnOutputPipe, any other value a file opened for
  /// appending (created 0644), "/dev/null" included.
  std::string output[2];
  /// stderr goes wherever stdout goes (supervisord's redirect_stderr).
  bool merge_stderr = false;
  /// The child's stdin when stdio[0] is -1: "" inherits tend's, else a file to read.
  std::string input;
  /// Switch to this user (setgroups, setgid, setuid) when set_user.
  bool set_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  int umask = -1;  ///< -1: inherit tend's.
  /// Run on a new pseudo-terminal: a new session whose controlling terminal it is, as
  /// stdin, stdout and stderr (stdio, input and output are ignored). Its master goes to
  /// SpawnObserver::OnTerminal.
  bool pty = false;
  /// s6's notification-fd: the write end of a pipe as the child's descriptor
  /// `notify_fd` (3 or more); a newline on it is SpawnObserver::OnReadyNotified(true).
  int notify_fd = -1;
  /// Start the child in tend's memory (clone with CLONE_VM and CLONE_VFORK, as
  /// posix_spawn): no page copied, no exec-status pipe, but tend is suspended until the
  /// child has exec'd, which a binary or directory on a hung network filesystem can make
  /// last, and so can a stop signal caught in the microseconds before exec. For the main
  /// command without a terminal, whose start is the container's; supervised programs and
  /// probes are forked, so that one stuck start never stops tend supervising the rest.
  bool wait_for_exec = false;
};

/// The paths execvp would try for command `name` with PATH `path` (null: the default
/// PATH), in order: `name` alone when it has a '/'.
std::vector<std::string> CommandCandidates(const std::string& name, const char* path);

/// tend's environment with `extra` ("NAME=value") applied in order: what a child gets.
std::vector<std::string> MergeEnvironment(const std::vector<std::string>& extra);

/// The steps a child goes through between fork and exec, in order.
enum class ExecStage { kProcessGroup, kTerminal, kStdio, kDirectory, kUser, kExec };
const char* ExecStageDescription(ExecStage stage);

/// Why a child did not reach exec (sent back over a close-on-exec pipe).
struct ExecError {
  ExecStage stage;
  int err;  ///< errno
};

/// Exit status a child uses when it fails before exec: 127 not found, 126 otherwise
/// (the shell's convention, as tini).
int ExecFailureExitCode(const ExecError& e);

/// One line for a user, e.g. `unable to run "foo": command not found`.
std::string DescribeExecError(const SpawnSpec& spec, const ExecError& e);

/// Told whether a spawned child reached exec. Exactly one call per successful Spawn.
class SpawnObserver {
 public:
  virtual ~SpawnObserver() = default;
  /// `error` is null when exec succeeded, else why it failed (the child then exits with
  /// ExecFailureExitCode and is reaped as usual).
  virtual void OnExecResult(pid_t pid, const ExecError* error) = 0;
  /// The read end of an output pipe ("|"), before Spawn returns: `stream` is the
  /// child's stream it carries (1 stdout, 2 stderr; with merge_stderr, both on 1).
  virtual void OnOutputPipe(pid_t pid, int stream, UniqueFd read_end) {}
  /// The master side of the child's pseudo-terminal (SpawnSpec::pty), non-blocking,
  /// before Spawn returns; it reads EIO once the child's side is closed.
  virtual void OnTerminal(pid_t pid, UniqueFd master) {}
  /// SpawnSpec::notify_fd: `ready` once a newline came, or false when every writer
  /// closed it, or kMaxNotifyBytes came, without one (it will never say ready). At most one call per spawn, and
  /// none after ProcessOps::ForgetReady.
  virtual void OnReadyNotified(pid_t pid, bool ready) {}
};

/// The most a notification pipe (SpawnSpec::notify_fd) is read without a newline.
constexpr size_t kMaxNotifyBytes = 4096;

class ProcessOps {
 public:
  virtual ~ProcessOps() = default;
  /// Forks and starts `spec`. Returns the pid, or -1 with `err` filled when no process
  /// could be created (EAGAIN, ENOMEM...).
  virtual pid_t Spawn(const SpawnSpec& spec, SpawnObserver* observer, std::string* err) = 0;
  /// Sends `sig` to `pid`, or to its process group when `group` (falling back to the
  /// pid while the child has not made its group yet). ESRCH is not an error.
  virtual void Signal(pid_t pid, int sig, bool group) = 0;
  /// Sends `sig` to every process left under tend: all of the PID namespace when tend
  /// is PID 1, else every descendant. Returns how many were signalled (-1 for "all").
  virtual int SignalStragglers(int sig) = 0;
  /// True while tend has at least one child (exited or not); never reaps.
  virtual bool HasChildren() = 0;
  /// How many living processes are in process group `pgid` (exited ones not yet
  /// reaped do not count); 0 when it is gone.
  virtual int GroupSize(pid_t pgid) = 0;
  /// Stops tend itself (SIGSTOP) for job control; returns once it is continued.
  virtual void StopSelf() = 0;
  /// Makes `pgid` the foreground group of the terminal on fd 0, if there is one and
  /// tend's own group holds it now.
  virtual void GiveTerminal(pid_t pgid) = 0;
  /// Stops watching `pid`'s notification pipe (its owner no longer cares, or is gone).
  virtual void ForgetReady(pid_t pid) = 0;
  /// The parent of process `pid` (/proc), or 0 when it is gone or unknown.
  virtual pid_t ParentOf(pid_t pid) = 0;
  /// The user `pid` runs as, when its real, effective and saved uids are one (/proc);
  /// false when they differ (a set-uid program), or it is gone.
  virtual bool OwnerOf(pid_t pid, uid_t* uid) = 0;
  /// Sends `sig` to process group `pgid` only (no fallback to a pid). ESRCH is no error.
  virtual void SignalGroup(pid_t pgid, int sig) = 0;
  /// Holds `pid`, a process tend did not spawn (a MAINPID=), by a pidfd: `gone` runs
  /// from the loop once it has exited, and signals for `pid` alone go through the pidfd
  /// until Unhold, so that none reaches a reused pid. False when it is gone already;
  /// true without a hold where the kernel has no pidfd (before Linux 5.3).
  virtual bool Hold(pid_t pid, std::function<void()> gone) = 0;
  /// Lets go of a held pid; nothing when it is not held.
  virtual void Unhold(pid_t pid) = 0;
};

/// The real thing: a forked child (or, with wait_for_exec, one sharing tend's memory until
/// its exec) with a staged set-up; its exec result is delivered from the event loop.
class SystemProcessOps : public ProcessOps {
 public:
  explicit SystemProcessOps(EventLoop* loop) : loop_(loop) {}
  pid_t Spawn(const SpawnSpec& spec, SpawnObserver* observer, std::string* err) override;
  void Signal(pid_t pid, int sig, bool group) override;
  int SignalStragglers(int sig) override;
  bool HasChildren() override;
  int GroupSize(pid_t pgid) override;
  void StopSelf() override;
  void GiveTerminal(pid_t pgid) override;
  void ForgetReady(pid_t pid) override;
  pid_t ParentOf(pid_t pid) override;
  bool OwnerOf(pid_t pid, uid_t* uid) override;
  void SignalGroup(pid_t pgid, int sig) override;
  bool Hold(pid_t pid, std::function<void()> gone) override;
  void Unhold(pid_t pid) override;

 private:
  struct Pending {
    UniqueFd fd;
    std::unique_ptr<IoWatcher> watcher;
    SpawnObserver* observer;
    size_t bytes = 0;  // Read so far from a notification pipe, without a newline.
  };
  /// Fills `p` and starts watching its descriptor.
  void Watch(Pending* p, UniqueFd fd, SpawnObserver* observer, std::function<void()> readable);
  void OnStatusReadable(pid_t pid);
  void OnNotifyReadable(pid_t pid);
  /// Queues an exec result for the observer, delivered from the loop.
  void Report(pid_t pid, SpawnObserver* observer, const ExecError* error);
  void DeliverResults();

  struct Result {
    pid_t pid;
    SpawnObserver* observer;
    bool failed;
    ExecError error;
  };
  EventLoop* loop_;
  std::vector<Result> results_;
  std::unique_ptr<Timer> results_timer_;
  std::unordered_map<pid_t, Pending> pending_;
  std::unordered_map<pid_t, Pending> notify_;  // Notification pipes not yet resolved.
  struct Held {
    UniqueFd pidfd;
    std::function<void()> gone;
    std::unique_ptr<IoWatcher> watcher;
  };
  std::unordered_map<pid_t, Held> held_;
  std::vector<std::unique_ptr<IoWatcher>> retired_;  // Unheld; see Unhold.
};

/// Pids of every descendant of `root` found in /proc (for tend when it is not PID 1).
std::vector<pid_t> Descendants(pid_t root);

/// What a process tree uses: its processes' resident memory, and their CPU time with that
/// of the children they waited for.
struct TreeUsage {
  uint64_t rss_bytes = 0;
  double cpu_seconds = 0;
};
/// The usage of the tree under each of `roots`, read from /proc in one pass; a root not
/// found is not in the answer.
std::map<pid_t, TreeUsage> ProcessTreeUsage(const std::vector<pid_t>& roots);

}  // namespace tend

#endif  // TEND_SPAWN_H_
