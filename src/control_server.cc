#include "control_server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>

#include "diag.h"
#include "init.h"
#include "restart_policy.h"
#include "values.h"
#include "version.h"  // Generated: build/gen/version.h.

namespace tend {

struct ControlServer::Conn {
  uint64_t id = 0;
  UniqueFd fd;
  std::unique_ptr<IoWatcher> reader, writer;
  std::unique_ptr<Timer> timer;  // The request deadline, or a wait's timeout.
  FrameReader frames{kMaxRequestBytes};
  std::string out;  // Queued output; out_pos bytes of it are written.
  size_t out_pos = 0;
  uint64_t written = 0;  // Bytes written so far: progress, for the deadline.
  uint64_t written_at_arm = 0;
  bool hello = false;
  bool closing = false;  // Close once `out` is written.
  uid_t uid = 0;
  pid_t pid = 0;
  // A request that answers later: START/STOP/RESTART with kWait, or WAIT.
  MsgType waiting = MsgType::kOk;  // kOk: not waiting.
  std::vector<std::string> wait_names;
  // Streaming: LOGS with kFollow, or ATTACH.
  bool following = false;
  bool follow_all = false;
  std::vector<std::string> follow_names;
  std::string attached;  // ATTACH: the program's name.
  std::string input;     // Keystrokes the program's terminal did not take yet.
  std::unique_ptr<Timer> input_retry;
  uint64_t dropped = 0;  // Streamed frames dropped since the last notice.
};

namespace {

std::string Reason(const Service* s) {
  std::string r = fmt::format("{}: {}", s->name(), Service::ToString(s->state()));
  if (s->has_exited() && s->Down()) r += " (" + DescribeWaitStatus(s->last_status()) + ")";
  return r;
}

// Whether a stopped or failed program is where health wants it: a program that ended
// with an expected code and no restart due did its job.
bool Healthy(const Service* s) {
  if (s->Up()) return true;
  return s->state() == Service::State::kExited && s->has_exited() &&
         IsExpectedExit(s->config().exitcodes, s->last_status());
}

}  // namespace

ControlServer::ControlServer(EventLoop* loop, Supervisor* supervisor, LogRouter* logs,
                             Callbacks callbacks)
    : loop_(loop),
      supervisor_(supervisor),
      logs_(logs),
      callbacks_(std::move(callbacks)),
      accept_retry_(loop->NewTimer([this] { accept_watcher_->Start(); })),
      reap_dead_(loop->NewTimer([this] { dead_.clear(); })) {
  if (logs_) logs_->SetTap(this);
}

ControlServer::~ControlServer() {
  if (logs_) logs_->SetTap(nullptr);
  Close();
}

namespace {

enum class Probe { kLive, kStale, kNotASocket };

// Who holds the socket file at `addr`: a connect that is accepted, or refused only
// because the backlog is full, is a live tend (its pid in `holder`); a refused one is a
// file left by a tend that is gone. Non-blocking: a stopped tend must not stop this one.
Probe ProbeSocket(const std::string& path, const sockaddr_un& addr, pid_t* holder) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return Probe::kStale;  // Gone meanwhile.
  if (!S_ISSOCK(st.st_mode)) return Probe::kNotASocket;
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Probe::kLive;  // Unknown: never remove what may be in use.
  int r;
  do {
    r = connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (r != 0 && errno == EINTR);
  if (r != 0) return errno == ECONNREFUSED ? Probe::kStale : Probe::kLive;
  // The listener's credentials, recorded by listen(); the kernel gives its pid as this
  // namespace sees it, 0 when it is not visible here.
  ucred cred{};
  socklen_t len = sizeof cred;
  *holder = getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.pid : 0;
  return Probe::kLive;
}

}  // namespace

bool ControlServer::Listen(const std::string& path, std::string* err, pid_t* holder) {
  sockaddr_un addr;
  if (!UnixAddress(path, &addr)) {
    *err =
        fmt::format("{}: invalid socket path (at most {} bytes)", path, sizeof addr.sun_path - 1);
    return false;
  }
  // The directory, if tend makes it, is private too (/run may be missing in an image).
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      *err = fmt::format("unable to create {}: {}", dir, ErrnoString(errno));
      return false;
    }
  }
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    *err = "unable to create a socket: " + ErrnoString(errno);
    return false;
  }
  // Bind first, and look at what holds the path only if that fails: two tends starting
  // together then never both take a stale file for theirs, nor remove each other's.
  // Never a moment with wider permissions: bind under umask 077, then chmod to be sure.
  int r = -1, bind_errno = 0;
  for (int attempt = 0; attempt < 2 && r != 0; attempt++) {
    mode_t old = umask(077);
    r = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    bind_errno = errno;
    umask(old);
    if (r == 0 || bind_errno != EADDRINUSE || attempt > 0) break;
    pid_t pid = 0;
    switch (ProbeSocket(path, addr, &pid)) {
      case Probe::kNotASocket:
        *err = fmt::format("{} exists and is not a socket", path);
        return false;
      case Probe::kLive:
        if (holder) *holder = pid;
        *err = pid > 0 ? fmt::format("{}: another tend (pid {}) is listening there", path, pid)
                       : fmt::format("{}: another tend is listening there", path);
        errno = EADDRINUSE;
        return false;
      case Probe::kStale:
        unlink(path.c_str());  // Left by a tend that is gone: taken over.
        break;
    }
  }
  if (r != 0) {
    *err = fmt::format("unable to bind {}: {}", path, ErrnoString(bind_errno));
    errno = bind_errno;
    return false;
  }
  if (chmod(path.c_str(), 0600) != 0 || listen(fd.get(), SOMAXCONN) != 0 ||
      stat(path.c_str(), &socket_stat_) != 0) {
    *err = fmt::format("unable to listen on {}: {}", path, ErrnoString(errno));
    unlink(path.c_str());
    return false;
  }
  listen_fd_ = std::move(fd);
  path_ = path;
  accept_watcher_ = std::make_unique<IoWatcher>(loop_, listen_fd_.get(), IoWatcher::kRead,
                                                [this] { OnAcceptable(); });
  accept_watcher_->Start();
  return true;
}

void ControlServer::Close() {
  if (accept_watcher_) accept_watcher_->Stop();
  accept_retry_->Stop();
  struct stat st;
  // Only our own socket: a tend started since may have replaced it.
  if (!path_.empty() && stat(path_.c_str(), &st) == 0 && st.st_ino == socket_stat_.st_ino &&
      st.st_dev == socket_stat_.st_dev) {
    unlink(path_.c_str());
  }
  path_.clear();
  listen_fd_.Reset();
  while (!conns_.empty()) {
    // A last answer that fits (shutdown's OK, when everything was down already).
    Conn* c = conns_.begin()->second.get();
    if (Queued(c) > 0) {
      (void)!send(c->fd.get(), c->out.data() + c->out_pos, Queued(c), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    Drop(c);
  }
  dead_.clear();
}

// Accepts every pending client. Out of descriptors, pauses accepting for a moment
// rather than spinning on a listening socket that stays readable.
void ControlServer::OnAcceptable() {
  for (;;) {
    int fd = accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        Diag(Level::kWarn, "control socket: unable to accept: {}", ErrnoString(errno));
        accept_watcher_->Stop();
        accept_retry_->Start(100);
      }
      return;
    }
    Serve(UniqueFd(fd));
  }
}

void ControlServer::Serve(UniqueFd fd) {
  SetNonblock(fd.get());
  auto conn = std::make_unique<Conn>();
  Conn* c = conn.get();
  c->id = next_id_++;
  c->fd = std::move(fd);
  c->reader = std::make_unique<IoWatcher>(loop_, c->fd.get(), IoWatcher::kRead,
                                          [this, c] { OnReadable(c); });
  c->writer = std::make_unique<IoWatcher>(loop_, c->fd.get(), IoWatcher::kWrite,
                                          [this, c] { OnWritable(c); });
  c->timer = loop_->NewTimer([this, c] {
    if (c->closing) {
      Drop(c);  // An answer nobody reads.
    } else if (c->waiting != MsgType::kOk) {
      c->waiting = MsgType::kOk;
      SendError(c, kCodeTimeout, "timed out");
      ArmRequestTimer(c);
    } else if (Queued(c) > 0 && c->written > c->written_at_arm) {
      ArmRequestTimer(c);  // Still reading a long answer: give it time.
    } else {
      Drop(c);  // No whole request in time, or an answer nobody reads.
    }
  });
  conns_[c->id] = std::move(conn);

  ucred cred = {};
  socklen_t len = sizeof cred;
  if (getsockopt(c->fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    Drop(c);
    return;
  }
  c->uid = cred.uid;
  c->pid = cred.pid;
  if (cred.uid != 0 && cred.uid != geteuid()) {
    Diag(Level::kWarn, "control socket: refused uid {} (pid {}): only root and uid {} may use it",
         cred.uid, cred.pid, geteuid());
    SendError(c, kCodeDenied,
              fmt::format("permission denied: uid {} may not control tend", cred.uid));
    CloseAfterWrite(c);
    return;
  }
  if (conns_.size() > kMaxConnections) {
    SendError(c, kCodeFailed, "too many connections: try again");
    CloseAfterWrite(c);
    return;
  }
  c->reader->Start();
  ArmRequestTimer(c);
}

void ControlServer::ArmRequestTimer(Conn* c) {
  if (c->waiting == MsgType::kOk && !c->following) {
    c->written_at_arm = c->written;
    c->timer->Start(kRequestTimeoutMs);
  }
}

size_t ControlServer::Queued(const Conn* c) { return c->out.size() - c->out_pos; }

void ControlServer::OnReadable(Conn* c) {
  char buf[16 * 1024];
  ssize_t n = ReadSome(c->fd.get(), buf, sizeof buf);
  if (n < 0 && errno == EAGAIN) return;
  if (n <= 0) {
    // The client hung up, or only shut its sending side: it may still read its answer.
    if (n == 0 && Queued(c) > 0 && !c->following) {
      CloseAfterWrite(c);
    } else {
      Drop(c);
    }
    return;
  }
  c->frames.Feed(buf, static_cast<size_t>(n));
  ProcessFrames(c);
}

bool ControlServer::Busy(const Conn* c) { return Queued(c) > kMaxQueuedBytes || !c->input.empty(); }

// Handles the whole requests read so far, until the client has to wait: a client that
// asks faster than it reads (or types faster than its program reads) is not read on.
void ControlServer::ProcessFrames(Conn* c) {
  const uint64_t id = c->id;
  Message m;
  std::string err;
  while (!Busy(c)) {
    FrameReader::Result r = c->frames.Next(&m, &err);
    if (r == FrameReader::Result::kNeedMore) break;
    if (r == FrameReader::Result::kError) {
      Diag(Level::kDebug, "control socket: pid {}: {}", c->pid, err);
      SendError(c, kCodeUsage, err);
      CloseAfterWrite(c);
      return;
    }
    Handle(c, m);
    if (!conns_.count(id) || c->closing) return;  // Handling it ended the connection.
  }
  if (Busy(c)) {
    c->reader->Stop();
  } else if (!c->reader->active()) {
    c->reader->Start();
  }
}

void ControlServer::OnWritable(Conn* c) {
  while (Queued(c) > 0) {
    ssize_t n =
        send(c->fd.get(), c->out.data() + c->out_pos, Queued(c), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0) {  // EPIPE, ECONNRESET: the client is gone.
      Drop(c);
      return;
    }
    c->out_pos += static_cast<size_t>(n);
    c->written += static_cast<uint64_t>(n);
  }
  if (c->out_pos > 0 && (Queued(c) == 0 || c->out_pos >= kMaxQueuedBytes / 4)) {
    c->out.erase(0, c->out_pos);  // Compact now and then, not on every write.
    c->out_pos = 0;
  }
  if (!c->closing && !c->reader->active() && !Busy(c)) {
    ProcessFrames(c);  // Requests held back while the answers piled up.
    if (!conns_.count(c->id) || c->closing) return;
  }
  if (Queued(c) == 0) {
    c->writer->Stop();
    if (c->closing) {
      Drop(c);
      return;
    }
    if (c->dropped > 0 && !c->attached.empty()) {
      // Tell an attached client that part of the output is missing.
      Message note(MsgType::kOutput);
      note.AddInt(Tag::kStream, 2)
          .Add(Tag::kData,
               fmt::format("\r\n[tend: {} chunks of output dropped: too slow]\r\n", c->dropped));
      c->dropped = 0;
      Send(c, note);
    } else if (c->dropped > 0) {
      Message note(MsgType::kLog);
      note.Add(Tag::kName, "tend")
          .AddInt(Tag::kStream, 2)
          .Add(Tag::kData, fmt::format("{} lines dropped: tendctl was too slow", c->dropped));
      c->dropped = 0;
      Send(c, note);
    }
  }
}

void ControlServer::Send(Conn* c, const Message& m) {
  if (c->closing) return;
  Encode(m, &c->out);
  // Written from the loop, never from here: a failed write drops the connection, which
  // must not happen under a caller still walking the connections.
  if (!c->writer->active()) c->writer->Start();
}

void ControlServer::SendOk(Conn* c, const std::string& message) {
  Message ok(MsgType::kOk);
  if (!message.empty()) ok.Add(Tag::kMessage, message);
  Send(c, ok);
}

void ControlServer::SendError(Conn* c, int code, const std::string& message) {
  Message e(MsgType::kError);
  e.AddInt(Tag::kCode, code).Add(Tag::kMessage, message);
  Send(c, e);
}

void ControlServer::CloseAfterWrite(Conn* c) {
  if (!conns_.count(c->id)) return;
  if (Queued(c) == 0) {
    Drop(c);
    return;
  }
  c->closing = true;
  c->reader->Stop();
  c->timer->Start(kRequestTimeoutMs);  // A client that never reads is dropped anyway.
}

void ControlServer::Drop(Conn* c) {
  auto it = conns_.find(c->id);
  if (it == conns_.end()) return;
  if (c->following) --followers_;
  c->closing = true;  // Nothing more is queued for it.
  c->reader->Stop();
  c->writer->Stop();
  c->timer->Stop();
  if (c->input_retry) c->input_retry->Stop();
  c->fd.Reset();
  // Freed later: this may run inside one of the connection's own callbacks.
  dead_.push_back(std::move(it->second));
  conns_.erase(it);
  reap_dead_->Start(0);
}

void ControlServer::Handle(Conn* c, const Message& m) {
  if (!c->hello) {
    if (m.type != MsgType::kHello) {
      SendError(c, kCodeUsage, "HELLO expected first");
      CloseAfterWrite(c);
      return;
    }
    const int64_t version = m.GetInt(Tag::kVersion, 0);
    if (version != kProtocolVersion) {
      SendError(c, kCodeUnreachable,
                fmt::format("protocol version {} is not spoken here (tend {} speaks {})", version,
                            kVersion, kProtocolVersion));
      CloseAfterWrite(c);
      return;
    }
    c->hello = true;
    Message reply(MsgType::kHelloReply);
    reply.AddInt(Tag::kVersion, kProtocolVersion)
        .Add(Tag::kServerVersion, kVersion)
        .AddInt(Tag::kPid, getpid());
    Send(c, reply);
    ArmRequestTimer(c);
    return;
  }
  if (c->waiting != MsgType::kOk) {
    SendError(c, kCodeUsage, "one request at a time");
    CloseAfterWrite(c);
    return;
  }
  if (!c->attached.empty() || c->following) {
    // Only terminal traffic while attached; nothing while following.
    if (!c->attached.empty()) HandleTerminal(c, m);
    return;
  }
  switch (m.type) {
    case MsgType::kStatus:
      HandleStatus(c, m);
      break;
    case MsgType::kStart:
    case MsgType::kStop:
    case MsgType::kRestart:
      HandleControl(c, m);
      break;
    case MsgType::kSignal:
      HandleSignal(c, m);
      break;
    case MsgType::kLogs:
      HandleLogs(c, m);
      break;
    case MsgType::kReload: {
      std::string out;
      if (supervisor_->ReloadFromFile(&out)) {
        SendOk(c, out);
      } else {
        SendError(c, kCodeFailed, out);
      }
      break;
    }
    case MsgType::kShutdown:
      Diag(Level::kInfo, "shutdown requested (tendctl, pid {})", c->pid);
      SendOk(c);
      if (callbacks_.shutdown) callbacks_.shutdown();
      break;
    case MsgType::kWait:
      HandleWait(c, m);
      break;
    case MsgType::kHealth:
      HandleHealth(c);
      break;
    case MsgType::kExecInfo:
      HandleExecInfo(c, m);
      break;
    case MsgType::kAttach:
      HandleAttach(c, m);
      break;
    case MsgType::kHello:
    case MsgType::kInput:
    case MsgType::kResize:
    case MsgType::kDetach:
    case MsgType::kHelloReply:
    case MsgType::kOk:
    case MsgType::kError:
    case MsgType::kProgram:
    case MsgType::kLog:
    case MsgType::kOutput:
    case MsgType::kExec:
    default:
      SendError(c, kCodeUsage, "unexpected request: " + TypeName(m.type));
      CloseAfterWrite(c);
      return;
  }
  ArmRequestTimer(c);
}

bool ControlServer::Names(Conn* c, const Message& m, bool empty_is_all,
                          std::vector<std::string>* out) {
  *out = m.GetAll(Tag::kName);
  if (m.Has(Tag::kAll) || (out->empty() && empty_is_all)) {
    out->clear();
    // "all" is the configured programs: the main command is named only explicitly
    // (stopping it ends tend), but is listed when nothing is named.
    for (Service* s : supervisor_->Controllable(!m.Has(Tag::kAll))) out->push_back(s->name());
    return true;
  }
  if (out->empty()) {
    SendError(c, kCodeUsage, "no program named");
    return false;
  }
  for (const auto& n : *out) {
    if (!supervisor_->FindAny(n)) {
      SendError(c, kCodeNoSuchProgram, "no such program: " + n);
      return false;
    }
  }
  return true;
}

void ControlServer::HandleStatus(Conn* c, const Message& m) {
  std::vector<std::string> names;
  if (!Names(c, m, true, &names)) return;
  const int64_t now = loop_->NowMs();
  for (const auto& n : names) {
    const Service* s = supervisor_->FindAny(n);
    Message p(MsgType::kProgram);
    p.Add(Tag::kName, s->name())
        .Add(Tag::kState, Service::ToString(s->state()))
        .AddInt(Tag::kPid, s->has_process() ? s->pid() : 0)
        .AddInt(Tag::kUptimeMs, now - s->state_since_ms())
        .AddInt(Tag::kRestarts, s->restarts())
        .Add(Tag::kExitStatus, s->has_exited() ? DescribeWaitStatus(s->last_status()) : "")
        .AddInt(Tag::kExitCode, s->has_exited() ? ExitCodeOf(s->last_status()) : -1)
        .AddInt(Tag::kAutostart, s->config().autostart)
        .AddInt(Tag::kTty, s->config().tty);
    if (s->config().ready.active()) {
      p.Add(Tag::kReady, s->config().ready.spec);
      if (s->waiting_ready()) p.AddInt(Tag::kReadyWaitMs, now - s->started_ms());
      if (!s->notify_status().empty()) p.Add(Tag::kNotifyStatus, s->notify_status());
    }
    Send(c, p);
  }
  SendOk(c);
}

void ControlServer::HandleControl(Conn* c, const Message& m) {
  std::vector<std::string> names;
  if (!Names(c, m, false, &names)) return;
  std::string err;
  for (const auto& n : names) {
    bool ok = m.type == MsgType::kStart  ? supervisor_->StartProgram(n, &err)
              : m.type == MsgType::kStop ? supervisor_->StopProgram(n, &err)
                                         : supervisor_->RestartProgram(n, &err);
    if (!ok) {
      SendError(c, kCodeFailed, err);
      return;
    }
  }
  if (!m.Has(Tag::kWait)) {
    SendOk(c);
    return;
  }
  BeginWait(c, m, names);
}

void ControlServer::HandleWait(Conn* c, const Message& m) {
  std::vector<std::string> names;
  if (!Names(c, m, false, &names)) return;
  BeginWait(c, m, names);
}

void ControlServer::BeginWait(Conn* c, const Message& m, const std::vector<std::string>& names) {
  c->waiting = m.type;
  c->wait_names = names;
  const int64_t timeout = m.GetInt(Tag::kTimeoutMs, 0);
  if (timeout > 0) {
    c->timer->Start(timeout);
  } else {
    c->timer->Stop();
  }
  CheckWait(c);
}

// A wait is over when every program is where it was sent (OK), or as soon as one of
// them cannot get there any more (ERROR with why).
void ControlServer::CheckWait(Conn* c) {
  if (c->waiting == MsgType::kOk) return;
  const bool down = c->waiting == MsgType::kStop;
  bool all = true;
  for (const auto& n : c->wait_names) {
    const Service* s = supervisor_->FindAny(n);
    std::string failure;
    if (!s) {
      failure = n + ": removed";
    } else if (down ? s->Down() : s->Up()) {
      continue;
    } else if (!down && s->Down() && !supervisor_->Wanted(s)) {
      failure = Reason(s);  // FATAL, EXITED for good, or stopped: it is not coming.
    } else if (supervisor_->stopping() && !down) {
      failure = "tend is stopping";
    }
    if (!failure.empty()) {
      c->waiting = MsgType::kOk;
      c->timer->Stop();
      SendError(c, kCodeFailed, failure);
      ArmRequestTimer(c);
      return;
    }
    all = false;
  }
  if (!all) return;
  c->waiting = MsgType::kOk;
  c->timer->Stop();
  SendOk(c);
  ArmRequestTimer(c);
}

void ControlServer::OnServiceChanged() {
  // CheckWait may end a connection (a failed write): walk a copy of the ids.
  std::vector<uint64_t> ids;
  for (const auto& kv : conns_) {
    if (kv.second->waiting != MsgType::kOk) ids.push_back(kv.first);
  }
  for (uint64_t id : ids) {
    auto it = conns_.find(id);
    if (it != conns_.end()) CheckWait(it->second.get());
  }
}

void ControlServer::HandleSignal(Conn* c, const Message& m) {
  const int64_t sig = m.GetInt(Tag::kSignal, 0);
  if (sig <= 0 || sig >= NSIG) {
    SendError(c, kCodeUsage, fmt::format("invalid signal {}", sig));
    return;
  }
  std::vector<std::string> names;
  if (!Names(c, m, false, &names)) return;
  const bool all = m.Has(Tag::kAll);
  const bool group = m.Has(Tag::kProcessGroup);
  std::vector<Service*> targets;
  for (const auto& n : names) {
    Service* s = supervisor_->FindAny(n);
    if (!s->has_process()) {
      if (all) continue;
      SendError(c, kCodeFailed, n + ": not running");  // Before any is signalled.
      return;
    }
    targets.push_back(s);
  }
  // The main process only, as supervisorctl's signal: a reload signal is for a
  // server's master (gunicorn, nginx, php-fpm), and its workers may die of it.
  std::string said;
  for (Service* s : targets) {
    said += fmt::format("{}: signalled {} ({} {})\n", s->config().name,
                        SignalName(static_cast<int>(sig)), group ? "process group" : "pid",
                        s->pid());
    s->Signal(static_cast<int>(sig), group);
  }
  SendOk(c, said);
}

void ControlServer::HandleLogs(Conn* c, const Message& m) {
  std::vector<std::string> names;
  if (!Names(c, m, true, &names)) return;
  struct Item {
    uint64_t seq;
    const std::string* name;
    LogRing::Line line;
  };
  const int64_t want = std::max<int64_t>(0, m.GetInt(Tag::kLines, 100));
  std::vector<Item> items;
  for (const auto& n : names) {
    const LogRing* ring = logs_ ? logs_->Ring(n) : nullptr;
    if (!ring) continue;
    for (auto& l : ring->Tail(static_cast<size_t>(want))) items.push_back({l.seq, &n, l});
  }
  // Every program's lines in the order they were written; the last `want` of them.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.seq < b.seq; });
  size_t first = items.size() > static_cast<size_t>(want) ? items.size() - want : 0;
  for (size_t i = first; i < items.size(); ++i) {
    Message l(MsgType::kLog);
    l.Add(Tag::kName, *items[i].name)
        .AddInt(Tag::kStream, items[i].line.stream)
        .Add(Tag::kData, items[i].line.text)
        .AddInt(Tag::kSeq, static_cast<int64_t>(items[i].seq));
    Send(c, l);
  }
  if (!m.Has(Tag::kFollow)) {
    SendOk(c);
    return;
  }
  c->following = true;
  c->follow_all = m.GetAll(Tag::kName).empty();
  c->follow_names = names;
  ++followers_;
  c->timer->Stop();
}

void ControlServer::OnLine(const std::string& name, int stream, std::string_view line,
                           uint64_t seq) {
  if (followers_ == 0) return;
  for (auto& kv : conns_) {
    Conn* c = kv.second.get();
    if (!c->following || !c->attached.empty()) continue;
    if (!c->follow_all &&
        std::find(c->follow_names.begin(), c->follow_names.end(), name) == c->follow_names.end()) {
      continue;
    }
    if (Queued(c) > kMaxQueuedBytes) {
      ++c->dropped;
      continue;
    }
    Message l(MsgType::kLog);
    l.Add(Tag::kName, name)
        .AddInt(Tag::kStream, stream)
        .Add(Tag::kData, line)
        .AddInt(Tag::kSeq, static_cast<int64_t>(seq));
    Send(c, l);
  }
}

void ControlServer::OnBytes(const std::string& name, int stream, std::string_view bytes) {
  if (followers_ == 0) return;
  for (auto& kv : conns_) {
    Conn* c = kv.second.get();
    if (c->attached != name) continue;
    if (Queued(c) > kMaxQueuedBytes) {
      ++c->dropped;
      continue;
    }
    Message o(MsgType::kOutput);
    o.AddInt(Tag::kStream, stream).Add(Tag::kData, bytes);
    Send(c, o);
  }
}

void ControlServer::HandleHealth(Conn* c) {
  std::string why;
  if (supervisor_->stopping()) why = "tend is stopping\n";
  for (const Service* s : supervisor_->Controllable(true)) {
    if (s->config().autostart && !Healthy(s)) why += Reason(s) + "\n";
  }
  if (why.empty()) {
    SendOk(c, "healthy");
  } else {
    why.pop_back();
    SendError(c, kCodeFailed, why);
  }
}

void ControlServer::HandleExecInfo(Conn* c, const Message& m) {
  const std::string name = m.Get(Tag::kName);
  const Service* s = supervisor_->FindAny(name);
  if (!s) {
    SendError(c, kCodeNoSuchProgram, "no such program: " + name);
    return;
  }
  const SpawnSpec spec = s->MakeSpawnSpec();
  Message e(MsgType::kExec);
  for (const auto& v : MergeEnvironment(spec.env)) e.Add(Tag::kEnv, v);
  std::string dir = spec.cwd;
  if (dir.empty()) {
    char buf[4096];
    if (getcwd(buf, sizeof buf)) dir = buf;
  }
  e.Add(Tag::kDirectory, dir);
  // The identity the program gets: its user's, else tend's own.
  std::vector<gid_t> groups = spec.groups;
  if (!spec.set_user) {
    int n = getgroups(0, nullptr);
    groups.resize(n > 0 ? static_cast<size_t>(n) : 0);
    n = getgroups(static_cast<int>(groups.size()), groups.data());
    groups.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  e.AddInt(Tag::kUid, spec.set_user ? spec.uid : geteuid())
      .AddInt(Tag::kGid, spec.set_user ? spec.gid : getegid())
      .Add(Tag::kUser, spec.set_user ? s->config().user.name : "");
  for (gid_t g : groups) e.AddInt(Tag::kGroup, g);
  int mask = spec.umask;
  if (mask < 0) {
    mode_t cur = umask(022);
    umask(cur);
    mask = static_cast<int>(cur);
  }
  e.AddInt(Tag::kUmask, mask);
  Send(c, e);
  SendOk(c);
}

void ControlServer::HandleAttach(Conn* c, const Message& m) {
  const std::string name = m.Get(Tag::kName);
  Service* s = supervisor_->FindAny(name);
  if (!s) {
    SendError(c, kCodeNoSuchProgram, "no such program: " + name);
    return;
  }
  Message ok(MsgType::kOk);
  if (s->config().tty) {
    ok.AddInt(Tag::kTty, 1);
    s->ResizeTerminal(static_cast<int>(m.GetInt(Tag::kRows, 0)),
                      static_cast<int>(m.GetInt(Tag::kCols, 0)));
  }
  if (!s->has_process()) ok.Add(Tag::kMessage, name + " is not running: waiting for its output");
  Send(c, ok);
  c->attached = name;
  c->following = true;
  ++followers_;
  c->timer->Stop();
}

// Types what it can of the client's pending input; the rest waits for the terminal to
// take it, offered again shortly (the terminal may go away with its program, so it is
// not watched).
void ControlServer::FlushInput(Conn* c) {
  Service* s = supervisor_->FindAny(c->attached);
  ssize_t n = s ? s->WriteTerminal(c->input) : -1;
  if (n < 0) {
    Diag(Level::kDebug, "{}: input from tendctl dropped: no terminal", c->attached);
    c->input.clear();
    return;
  }
  c->input.erase(0, static_cast<size_t>(n));
  if (c->input.empty()) return;
  if (!c->input_retry) {
    c->input_retry = loop_->NewTimer([this, c] {
      FlushInput(c);
      if (c->input.empty()) ProcessFrames(c);
    });
  }
  c->input_retry->Start(kInputRetryMs);
}

void ControlServer::HandleTerminal(Conn* c, const Message& m) {
  Service* s = supervisor_->FindAny(c->attached);
  if (m.type == MsgType::kInput) {
    c->input = m.Get(Tag::kData);
    FlushInput(c);
  } else if (m.type == MsgType::kResize) {
    if (s) {
      s->ResizeTerminal(static_cast<int>(m.GetInt(Tag::kRows, 0)),
                        static_cast<int>(m.GetInt(Tag::kCols, 0)));
    }
  } else if (m.type == MsgType::kDetach) {
    c->attached.clear();
    c->following = false;
    --followers_;
    SendOk(c);
    ArmRequestTimer(c);
  } else {
    SendError(c, kCodeUsage, "attached: only INPUT, RESIZE and DETACH");
    CloseAfterWrite(c);
  }
}

}  // namespace tend
