// The integration fixture: runs the real tend binary as PID 1 of a fresh PID namespace
// (unshare --pid --fork --mount-proc), one temporary directory per test, and offers
// waits with deadlines instead of sleeps.
#ifndef TEND_TESTS_HARNESS_H_
#define TEND_TESTS_HARNESS_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace tend {

/// Default deadline for any wait in a test; generous because CI machines are noisy.
constexpr int kDeadlineMs = 20000;

/// Path of a built binary: "tend", "tests/probe"... under $TEND_BUILD (default build).
std::string BuildPath(const std::string& name);

/// Polls `cond` until it holds or `deadline_ms` passes. Returns whether it held.
bool Eventually(const std::function<bool()>& cond, int deadline_ms = kDeadlineMs);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);
/// Lines of `text` (without their newlines).
std::vector<std::string> Lines(const std::string& text);
/// Whether `text` contains `part`.
bool Has(const std::string& text, const std::string& part);
/// Whether `path` is an executable file (a server from Debian, for tests that need it).
bool Installed(const std::string& path);
/// `path` in the source tree (the tests run from its top).
std::string Repo(const std::string& path);
/// A loopback port free now (the kernel's choice), for a server started just after.
int FreePort();
/// Sends `request` to 127.0.0.1:`port` and reads the answer until the server closes (or
/// 20 s pass without a byte).
std::string TcpExchange(int port, const std::string& request);
/// How many lines of `text` contain `part`.
size_t CountLines(const std::string& text, const std::string& part);

/// The state letter of process `pid` from /proc/PID/stat (R, S, T, Z...), or '?'.
char ProcessState(pid_t pid);
/// The first child of process `pid` (/proc/PID/task/PID/children), or 0 if it has none.
pid_t FirstChild(pid_t pid);
/// Every child of process `pid`, oldest first.
std::vector<pid_t> Children(pid_t pid);
/// A "kB" field of /proc/PID/status (VmRSS, VmHWM...), or -1.
long StatusKb(pid_t pid, const std::string& field);

/// The sections a supervisord file needs to run in `dir` and answer its supervisorctl
/// there: [unix_http_server], [supervisord] (log, pidfile, child logs in `dir`),
/// [rpcinterface:supervisor] and [supervisorctl].
std::string SupervisordSections(const std::string& dir);

/// Runs `argv` to completion with stdout (and stderr, if asked) captured; returns the
/// wait status.
int RunCommand(const std::vector<std::string>& argv, std::string* out = nullptr,
               bool with_stderr = false);

/// One tend process under test, with its stdout and stderr captured to files.
class TendProcess {
 public:
  struct Options {
    bool pid_namespace = true;        ///< Run as PID 1 of a new PID namespace.
    std::string binary;               ///< Default: BuildPath("tend").
    bool stdout_pipe = false;         ///< stdout is a pipe the test reads (ReadPipe).
    std::vector<int> ignore_signals;  ///< Inherited as SIG_IGN by tend (must be undone).
    std::vector<int> block_signals;   ///< Inherited as blocked by tend (must be undone).
    bool default_socket = false;      ///< tend's default socket path (in a PrivateRun!).
    bool close_stdin = false;         ///< tend starts with descriptor 0 closed.
  };

  TendProcess(const std::string& dir, std::vector<std::string> args, Options opts);
  ~TendProcess();  // SIGKILLs whatever is left: the namespace dies with its PID 1.

  /// The pid of tend itself as this (the host) namespace sees it.
  pid_t TendPid();
  /// Sends `sig` to tend.
  void Signal(int sig);
  /// Waits for tend to exit; returns its exit code (128+N if killed), or -1 on timeout.
  int Wait(int deadline_ms = kDeadlineMs);

  std::string Stdout() const { return ReadFile(dir_ + "/stdout"); }
  /// With stdout_pipe: reads what tend's stdout has for us now (never blocks).
  std::string ReadPipe();
  /// With stdout_pipe: reads tend's stdout until tend exits, appending to `out`; returns
  /// the exit code, or -1 on timeout.
  int ReadPipeUntilExit(std::string* out, int deadline_ms = kDeadlineMs);
  std::string Stderr() const { return ReadFile(dir_ + "/stderr"); }

  /// Runs `argv` inside tend's namespaces (nsenter), returning its stdout.
  std::string InNamespace(const std::vector<std::string>& argv);
  /// Processes in tend's PID namespace in state Z (zombies).
  int ZombieCount();

 private:
  std::string dir_;
  bool ns_;
  pid_t pid_ = -1;  ///< unshare's pid in a namespace, else tend's.
  pid_t tend_pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  int pipe_read_ = -1;
};

/// Gives this test process, and what it starts while this lives, a /run of its own (a
/// tmpfs in a private mount namespace): tests of the default socket path neither see nor
/// disturb another tend on the machine. The namespace is left on destruction.
class PrivateRun {
 public:
  PrivateRun();
  ~PrivateRun();
  bool ok() const { return ok_; }

 private:
  int host_ns_ = -1;
  int cwd_ = -1;
  bool ok_ = false;
};

/// A terminal session for interactive tests: a private tmux server running `cmd` in
/// a 100x30 window, driven with send-keys and read with capture-pane.
class Tmux {
 public:
  explicit Tmux(const std::string& cmd);
  ~Tmux();
  bool ok() const { return ok_; }
  void Keys(const std::vector<std::string>& keys);
  std::string Screen();
  bool WaitScreen(const std::string& text);
  /// Whether the command in the window has ended; its exit status in `status`.
  bool Exited(int* status);

 private:
  std::string socket_;
  bool ok_ = false;
};

/// Per-test fixture: a fresh directory and helpers to start tend in it.
class Pid1Test : public testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Starts `tend ARGS...` as PID 1 in a new PID namespace.
  TendProcess& Start(std::vector<std::string> args, TendProcess::Options opts = {});

  /// A path inside this test's directory.
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  /// Writes conf.d/NAME in this test's directory; returns the conf.d path.
  std::string WriteConf(const std::string& name, const std::string& text);
  /// Runs `tendctl -s DIR/ctl.sock ARGS...` (tend's socket in a test); returns its exit
  /// status, with stdout and stderr in `out`.
  int Ctl(std::vector<std::string> args, std::string* out = nullptr);
  /// Waits until tend answers on its control socket.
  bool WaitForSocket();
  /// How many lines of tend's stderr contain `text`.
  size_t CountLog(const std::string& text);
  /// Waits until tend's stderr has a line containing `text`.
  bool WaitForLog(const std::string& text, int deadline_ms = kDeadlineMs);
  /// Waits until `file` has a line equal to `line`.
  bool WaitForLine(const std::string& file, const std::string& line, int deadline_ms = kDeadlineMs);

  std::string dir_;
  std::string probe_;
  std::unique_ptr<TendProcess> tend_;
};

}  // namespace tend

#endif  // TEND_TESTS_HARNESS_H_
