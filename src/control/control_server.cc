#include "control/control_server.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>

#include "base/counters.h"
#include "base/diag.h"
#include "base/values.h"
#include "base/version.h"  // Generated: build/gen/base/version.h.
#include "config/config_files.h"
#include "control/control_conn.h"
#include "control/socket_paths.h"

namespace tend {

ControlServer::ControlServer(EventLoop* loop, Supervisor* supervisor, LogRouter* logs,
                             Callbacks callbacks)
    : loop_(loop),
      supervisor_(supervisor),
      logs_(logs),
      callbacks_(std::move(callbacks)),
      accept_retry_(loop->NewTimer([this] { accept_watcher_->Start(); })),
      reap_dead_(loop->NewTimer([this] { FreeDead(); })) {
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
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    *err = "unable to create a socket: " + ErrnoString(errno);
    return false;
  }
  // Bind first, and look at what holds the path only if that fails: two tends starting
  // together then never both take a stale file for theirs, nor remove each other's.
  // Never a moment with wider permissions: bind under the umask of the socket's mode,
  // then chmod to be sure.
  int r = -1, bind_errno = 0;
  bool made_dir = false, took_stale = false;
  for (;;) {
    mode_t old = umask(~mode_ & 0777);
    r = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    bind_errno = errno;
    umask(old);
    if (r == 0) break;
    // The directory, if tend makes it, is private too (/run may be missing in an image).
    const size_t slash = path.rfind('/');
    if (bind_errno == ENOENT && !made_dir && slash != std::string::npos && slash > 0) {
      const std::string dir = path.substr(0, slash);
      if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        *err = fmt::format("unable to create {}: {}", dir, ErrnoString(errno));
        return false;
      }
      made_dir = true;
      continue;
    }
    if (bind_errno != EADDRINUSE || took_stale) break;
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
        took_stale = true;
        break;
    }
  }
  if (r != 0) {
    *err = fmt::format("unable to bind {}: {}", path, ErrnoString(bind_errno));
    errno = bind_errno;
    return false;
  }
  // The umask is not the last word: a default ACL on the directory overrides it.
  if (chmod(path.c_str(), mode_) != 0 ||
      (owner_uid_ != static_cast<uid_t>(-1) && chown(path.c_str(), owner_uid_, owner_gid_) != 0) ||
      listen(fd.get(), SOMAXCONN) != 0 ||
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

void ControlServer::SetAccess(mode_t mode, uid_t uid, gid_t gid) {
  mode_ = mode;
  owner_uid_ = uid;
  owner_gid_ = gid;
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
    if (c->following && !c->closing) {
      if (c->written == c->written_at_arm && Queued(c) > 0) {
        Diag(Level::kWarn, "control socket: pid {} read none of its {} for {}; disconnected",
             c->pid, c->attached.empty() ? "lines" : "output",
             FormatDuration(stalled_follower_ms_));
        Drop(c);
      } else if (Queued(c) > FollowerBound()) {
        WatchStalled(c);
      }
    } else if (c->closing) {
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
  const bool owner = owner_uid_ != static_cast<uid_t>(-1) && cred.uid == owner_uid_;
  const bool group = owner_gid_ != static_cast<gid_t>(-1) && (mode_ & 0060) == 0060 &&
                     cred.gid == owner_gid_;
  if (cred.uid != 0 && cred.uid != geteuid() && !owner && !group) {
    Diag(Level::kWarn, "control socket: refused uid {} (pid {}): only root and uid {} may use it",
         cred.uid, cred.pid, geteuid());
    SendError(c, kCodeDenied,
              fmt::format("permission denied: uid {} may not control tend", cred.uid));
    CloseAfterWrite(c);
    return;
  }
  if (conns_.size() > kMaxConnections && !DropIdlest(c)) {
    SendError(c, kCodeFailed, "too many connections: try again");
    CloseAfterWrite(c);
    return;
  }
  c->reader->Start();
  ArmRequestTimer(c);
}

bool ControlServer::DropIdlest(const Conn* keep) {
  // The map is in id order: the first idle one has been connected the longest.
  for (auto& [id, conn] : conns_) {
    Conn* c = conn.get();
    if (c == keep || c->closing || c->following || c->waiting != MsgType::kOk ||
        Queued(c) > 0) {
      continue;
    }
    Diag(Level::kDebug, "control socket: {} connections; closing the idlest (pid {})",
         conns_.size(), c->pid);
    Drop(c);
    return true;
  }
  return false;
}

size_t ControlServer::FollowerBound() const {
  const size_t share = kFollowersQueuedBytes / std::max<size_t>(followers_, 1);
  return std::clamp(share, kMinFollowerBytes, kMaxQueuedBytes);
}

void ControlServer::WatchStalled(Conn* c) {
  c->written_at_arm = c->written;
  c->timer->Start(stalled_follower_ms_);
}

void ControlServer::FreeDead() {
  bool large = false;
  for (const auto& c : dead_) large |= c->out.capacity() > 64 * 1024;
  dead_.clear();
  // Freed queues may lie in the heap's middle, which free() keeps: give them back.
  if (large) malloc_trim(0);
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
  if (!c->sniffed && HandOverHttp(c, buf, static_cast<size_t>(n))) return;
  c->frames.Feed(buf, static_cast<size_t>(n));
  ProcessFrames(c);
}

// A frame starts with its length, little-endian and at most kMaxRequestBytes: its fourth
// byte is 0, where an HTTP request line has a letter or a space.
bool ControlServer::HandOverHttp(Conn* c, const char* bytes, size_t n) {
  c->sniffed = true;
  const std::string_view head(bytes, n);
  const bool http = head.substr(0, 5) == "POST " || head.substr(0, 4) == "GET " ||
                    head.substr(0, 5) == "HEAD ";
  if (!http || !callbacks_.http) return false;
  UniqueFd fd(c->fd.Release());
  Drop(c);  // Its watchers and timer go; the descriptor is the HTTP server's now.
  callbacks_.http(std::move(fd), std::string(head));
  return true;
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
    if (c->out.capacity() > 64 * 1024) std::string().swap(c->out);  // A burst's room, freed.
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
  ++TendCounters().control_requests;
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
                            kTendVersion, kProtocolVersion));
      CloseAfterWrite(c);
      return;
    }
    c->hello = true;
    Message reply(MsgType::kHelloReply);
    reply.AddInt(Tag::kVersion, kProtocolVersion)
        .Add(Tag::kServerVersion, kTendVersion)
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
      ReloadDiff diff;
      if (!supervisor_->ReloadFromFile(&out, m.Has(Tag::kDryRun), &diff)) {
        SendError(c, kCodeFailed, out);
        break;
      }
      Message ok(MsgType::kOk);
      ok.Add(Tag::kMessage, out);
      for (const auto& g : diff.added_groups) ok.Add(Tag::kAddedGroup, g);
      for (const auto& g : diff.changed_groups) ok.Add(Tag::kChangedGroup, g);
      for (const auto& g : diff.removed_groups) ok.Add(Tag::kRemovedGroup, g);
      Send(c, ok);
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
    case MsgType::kClear: {
      std::vector<std::string> names;
      if (!Names(c, m, false, &names)) break;
      for (const auto& n : names) {
        if (logs_) logs_->ClearRing(n);
      }
      SendOk(c);
      break;
    }
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

namespace {

// TEND_CONTROL and supervisord's SUPERVISOR_SERVER_URL for the programs to come: `where`,
// or neither when "". Never the inherited path of an outer tend: tendctl must not reach
// the wrong one.
void ExportControlPath(const std::string& where) {
  if (where.empty() ? unsetenv("TEND_CONTROL") : setenv("TEND_CONTROL", where.c_str(), 1)) {
    Diag(Level::kWarn, "unable to set TEND_CONTROL: {}", ErrnoString(errno));
  }
  // supervisord's name for it, which its listeners and scripts read (the drop-in
  // supervisorctl too).
  const std::string url = "unix://" + where;
  if (where.empty() ? unsetenv("SUPERVISOR_SERVER_URL")
                    : setenv("SUPERVISOR_SERVER_URL", url.c_str(), 1)) {
    Diag(Level::kWarn, "unable to set SUPERVISOR_SERVER_URL: {}", ErrnoString(errno));
  }
}

}  // namespace

bool OpenControlSocket(ControlServer* server, const std::string& path, bool chosen) {
  std::string err, where;
  pid_t holder = 0;
  if (server->Listen(path, &err, &holder)) {
    where = path;
  } else if (chosen) {
    Diag(Level::kError, "{}", err);
    return false;
  } else if (errno != EADDRINUSE) {
    // /run read-only or not ours (not root, docker run --read-only): the next default
    // place, where tendctl run by the same user looks next (ctl_socket.h).
    const std::vector<std::string> places = DefaultSocketPaths();
    std::string why = err;
    for (size_t n = 1; n < places.size() && where.empty(); ++n) {
      const std::string& next = places[n];
      if (n + 1 == places.size() && !PrivateSocketDir(DirName(next), &why)) break;
      if (server->Listen(next, &why)) where = next;
    }
    if (where.empty()) {
      Diag(Level::kWarn, "{}; {}; tendctl will not reach this tend", err, why);
    } else {
      Diag(Level::kInfo, "{}; listening on {} instead", err, where);
    }
  } else {
    const std::string who = holder > 0 ? fmt::format("(pid {})", holder)
                                       : std::string("(in another PID namespace)");
    const std::string told = fmt::format("{}: another tend {} is listening there", path, who);
    for (int n = 2; n <= 9 && where.empty(); n++) {
      std::string next = InstanceSocketPath(n);
      if (server->Listen(next, &err)) {
        where = next;
      } else if (errno != EADDRINUSE) {
        break;
      }
    }
    if (where.empty()) {
      Diag(Level::kWarn, "{}, and {} to {} are taken or unusable: tendctl will not reach this "
           "tend (choose a path with --socket or TEND_SOCKET)", told, InstanceSocketPath(2),
           InstanceSocketPath(9));
    } else {
      Diag(Level::kWarn, "{}; this one listens on {} (tendctl -s {}; choose a path with "
           "--socket or TEND_SOCKET)", told, where, where);
    }
  }
  if (!where.empty()) Diag(Level::kDebug, "control socket: {}", where);
  ExportControlPath(where);
  return true;
}

bool PlanControlSocket(ControlServer* server, const std::string& path, bool chosen,
                       std::string* later) {
  later->clear();
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT &&
      access(DirName(path).c_str(), W_OK) == 0) {
    ExportControlPath(path);
    *later = path;
    return true;
  }
  return OpenControlSocket(server, path, chosen);
}

void OpenPlannedControlSocket(ControlServer* server, const std::string& path) {
  std::string err;
  if (server->Listen(path, &err)) {
    Diag(Level::kDebug, "control socket: {}", path);
    return;
  }
  // Taken since the plan (a race with another tend): the programs started were told of
  // it; those to come are not.
  Diag(Level::kWarn, "{}; tendctl will not reach this tend", err);
  ExportControlPath("");
}

}  // namespace tend
