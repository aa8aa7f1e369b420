// ControlServer: tend's side of the control socket (protocol.h), served from the event
// loop. Each connection is checked with SO_PEERCRED (root, tend's own uid, and the
// socket's configured owner only),
// must send each request within kRequestTimeoutMs, and is answered through a
// non-blocking output queue: a slow or vanished client costs memory up to a bound,
// never a wait. Requests act on the Supervisor; LOGS and ATTACH stream from the
// LogRouter's tap.
#ifndef TEND_CONTROL_SERVER_H_
#define TEND_CONTROL_SERVER_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "control/protocol.h"
#include "core/supervisor.h"
#include "log/log_router.h"

namespace tend {

struct ControlConn;

/// A client must send a whole request this soon after connecting or after its last one.
constexpr int64_t kRequestTimeoutMs = 5000;
/// Connections served at once. A client past it takes the place of the connection idle
/// the longest (none sent a request yet, or none in hand); with none idle, it is told so
/// and closed.
constexpr size_t kMaxConnections = 512;
/// Output queued for one client past which its requests wait, and streamed lines
/// (logs -f, attach) are dropped, counted and said once it reads again.
constexpr size_t kMaxQueuedBytes = 1024 * 1024;
/// What all followers together may hold: each one's bound is its share, from 64 KiB to
/// kMaxQueuedBytes (one follower takes a 1 MiB burst; a hundred hold 16 MiB in all).
constexpr size_t kFollowersQueuedBytes = 16 * 1024 * 1024;
constexpr size_t kMinFollowerBytes = 64 * 1024;
/// A follower (logs -f, attach) whose queue is full and that reads nothing for this
/// long is disconnected: it holds tend's memory for nobody.
constexpr int64_t kStalledFollowerMs = 30000;
/// How soon keystrokes a program's terminal did not take are offered again.
constexpr int64_t kInputRetryMs = 20;

class ControlServer : public LogTap {
 public:
  struct Callbacks {
    /// tendctl shutdown: stop everything as on SIGTERM.
    std::function<void()> shutdown;
    /// A client that speaks HTTP (supervisord's XML-RPC over its unix socket: the real
    /// supervisorctl, listeners through SUPERVISOR_SERVER_URL), told apart by its first
    /// bytes, which no frame of tend's protocol starts with; handed over with them,
    /// already checked by its credentials. Unset: such clients are refused as bad frames.
    std::function<void(UniqueFd fd, std::string first_bytes)> http;
    /// Every line of a program's output and of tend's own, as the log tap hears it
    /// (the HTTP clients that follow a log: supervisorctl tail -f).
    std::function<void(const std::string& name, int stream, std::string_view line)> line;
  };
  ControlServer(EventLoop* loop, Supervisor* supervisor, LogRouter* logs, Callbacks callbacks);
  ~ControlServer() override;

  /// Listens on `path`: an existing socket nobody answers on is replaced; one that
  /// answers (another tend) or a file that is not a socket is an error. The socket is
  /// 0600; its directory is made 0700 if missing. Never blocks, even on a tend that is
  /// stopped. errno is EADDRINUSE after a failure because another tend listens, and
  /// `holder`, if given, is then that tend's pid as this PID namespace sees it (0 when
  /// it runs in another one).
  bool Listen(const std::string& path, std::string* err, pid_t* holder = nullptr);
  /// Before Listen: the socket's mode (0600 unless set) and its owner (-1: tend's own);
  /// that owner's uid may use it too, and its group's members when `mode` lets them.
  void SetAccess(mode_t mode, uid_t uid, gid_t gid);
  /// Removes the socket (if it is still ours) and drops every client.
  void Close();

  /// Serves one connected socket (accepted, or a socketpair end in tests).
  void Serve(UniqueFd fd);
  /// A program changed state: waiting requests look again.
  void OnServiceChanged();

  size_t connections() const { return conns_.size(); }
  /// Tests shorten kStalledFollowerMs.
  void set_stalled_follower_ms(int64_t ms) { stalled_follower_ms_ = ms; }

  void OnBytes(const std::string& name, int stream, std::string_view bytes) override;
  void OnLine(const std::string& name, int stream, std::string_view line, uint64_t seq) override;

 private:
  using Conn = ControlConn;  // control_conn.h.
  void OnAcceptable();
  /// Drops the connection idle the longest but `keep`, to make room; false when none is.
  bool DropIdlest(const Conn* keep);
  /// Frees the connections dropped (Drop), and the heap they leave.
  void FreeDead();
  /// A follower's queue is full: it must read within kStalledFollowerMs.
  void WatchStalled(Conn* c);
  /// What one follower may have queued now (kFollowersQueuedBytes shared).
  size_t FollowerBound() const;
  void OnReadable(Conn* c);
  /// The first bytes of a connection: true when it was handed over to `http`.
  bool HandOverHttp(Conn* c, const char* bytes, size_t n);
  void ProcessFrames(Conn* c);
  void FlushInput(Conn* c);
  /// The client must wait before its next request is handled.
  static bool Busy(const Conn* c);
  void OnWritable(Conn* c);
  void Handle(Conn* c, const Message& m);
  void HandleStatus(Conn* c, const Message& m);
  void HandleControl(Conn* c, const Message& m);
  void HandleSignal(Conn* c, const Message& m);
  void HandleLogs(Conn* c, const Message& m);
  void HandleWait(Conn* c, const Message& m);
  void HandleHealth(Conn* c);
  void HandleExecInfo(Conn* c, const Message& m);
  void HandleAttach(Conn* c, const Message& m);
  void HandleTerminal(Conn* c, const Message& m);
  /// The programs a request names (kName*, or every one with kAll or none when
  /// `empty_is_all`); false after answering ERROR for an unknown name.
  bool Names(Conn* c, const Message& m, bool empty_is_all, std::vector<std::string>* out);
  /// Answers `m` (START... with kWait, or WAIT) once `names` got there.
  void BeginWait(Conn* c, const Message& m, const std::vector<std::string>& names);
  /// Checks a waiting request: answers and ends the wait when it is decided.
  void CheckWait(Conn* c);
  void Send(Conn* c, const Message& m);
  void SendOk(Conn* c, const std::string& message = "");
  void SendError(Conn* c, int code, const std::string& message);
  /// Closes once the queued output is written (at once if nothing is queued).
  void CloseAfterWrite(Conn* c);
  void Drop(Conn* c);
  /// Output queued for `c` and not yet written.
  static size_t Queued(const Conn* c);
  void ArmRequestTimer(Conn* c);

  EventLoop* loop_;
  Supervisor* supervisor_;
  LogRouter* logs_;
  Callbacks callbacks_;
  UniqueFd listen_fd_;
  std::unique_ptr<IoWatcher> accept_watcher_;
  std::unique_ptr<Timer> accept_retry_;  // After EMFILE: accept again a little later.
  std::string path_;
  struct stat socket_stat_ = {};
  mode_t mode_ = 0600;
  uid_t owner_uid_ = static_cast<uid_t>(-1);
  gid_t owner_gid_ = static_cast<gid_t>(-1);
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;
  int64_t stalled_follower_ms_ = kStalledFollowerMs;
  std::vector<std::unique_ptr<Conn>> dead_;  // Closed in a callback; freed from a timer.
  std::unique_ptr<Timer> reap_dead_;
  uint64_t next_id_ = 1;
  int followers_ = 0;  // Connections streaming logs or attached.
};

/// Opens the control socket; false only when start-up must fail. A chosen path must be
/// had (exit 111). The default one is a convenience and never stops an init from
/// running: taken by another live tend (a tend inside a tend, tends side by side sharing
/// /run), this one listens on the first free /run/tend.N.sock, N from 2 to 9, and says
/// so in one warning; when none can be had (/run read-only), it runs without a socket.
/// The path listened on is exported to the programs as TEND_CONTROL, for tendctl.
bool OpenControlSocket(ControlServer* server, const std::string& path, bool chosen);

/// OpenControlSocket, or, when `path` is plainly free (nothing there, in a directory tend
/// may write), only its export: `later` is then the path to open once the programs have
/// started (OpenPlannedControlSocket), off their critical path; a client that comes
/// before waits for it (kControlSocketWaitMs). `later` is "" when nothing is left to do.
bool PlanControlSocket(ControlServer* server, const std::string& path, bool chosen,
                       std::string* later);
/// Listens on the planned `path`; when it was taken meanwhile, says so and runs without.
void OpenPlannedControlSocket(ControlServer* server, const std::string& path);

}  // namespace tend

#endif  // TEND_CONTROL_SERVER_H_
