#include "control/rpc_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/counters.h"
#include "base/diag.h"
#include "control/http.h"
#include "control/xmlrpc.h"

namespace tend {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
// What a client may have sent ahead of the request being answered.
constexpr size_t kMaxBuffered = kMaxHttpHead + kMaxHttpBody + 4;

}  // namespace

struct RpcServer::Conn {
  uint64_t id = 0;
  UniqueFd fd;
  std::unique_ptr<IoWatcher> reader, writer;
  std::unique_ptr<Timer> idle;
  std::string in, out;
  // An answer that waits for programs to get somewhere (startProcess with wait).
  std::function<bool(RpcOutcome*)> wait;
  bool wait_keep_alive = true;
  bool closing = false;  // Close once `out` is written.
  bool dead = false;
  bool trusted = false;  // From the unix socket: no password asked.
  bool partial = false;  // Part of a request is in: its deadline runs.
  bool authenticated = false;  // Trusted, or gave the password once.
  // A log stream (tail -f): what it follows; it takes no more requests.
  bool following = false;
  bool chunked = true;
  std::string follow_name;
  int follow_stream = 1;
};

RpcServer::RpcServer(EventLoop* loop, RpcMethods* methods)
    : loop_(loop),
      methods_(methods),
      free_timer_(loop->NewTimer([this] { FreeDead(); })),
      check_timer_(loop->NewTimer([this] { CheckWaits(); })) {}

RpcServer::~RpcServer() = default;

bool RpcServer::Listen(const std::string& host, int port, const std::string& username,
                       const std::string& password, std::string* err) {
  username_ = username;
  password_ = password;
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (host.empty()) {
    a.sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
    *err = "bad address " + host;
    return false;
  }
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int one = 1;
  if (!fd.valid() || setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(fd.get(), 64) != 0) {
    *err = fmt::format("unable to listen on {}:{}: {}", host.empty() ? "*" : host, port,
                       ErrnoString(errno));
    return false;
  }
  socklen_t len = sizeof a;
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0) port_ = ntohs(a.sin_port);
  listen_fd_ = std::move(fd);
  accept_watcher_ = std::make_unique<IoWatcher>(loop_, listen_fd_.get(), IoWatcher::kRead,
                                                [this] { OnAcceptable(); });
  accept_watcher_->Start();
  return true;
}

void RpcServer::OnAcceptable() {
  for (;;) {
    UniqueFd fd(accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // EAGAIN: all taken. EMFILE and the like: the next connection tries again.
      return;
    }
    // Full: the oldest client that never gave the password makes room, so that idle
    // connections of someone without it cannot keep the administrator out.
    if (untrusted_ >= kMaxHttpConnections) {
      Conn* oldest = nullptr;
      for (auto& [id, c] : conns_) {
        if (!c->trusted && !c->authenticated && !c->dead) {
          oldest = c.get();
          break;  // conns_ is ordered by id: the first is the oldest.
        }
      }
      if (oldest) Drop(oldest);
    }
    if (untrusted_ >= kMaxHttpConnections) {
      Refuse(fd.get());
      continue;
    }
    Add(std::move(fd), false);
  }
}

RpcServer::Conn* RpcServer::Add(UniqueFd fd, bool trusted) {
  auto c = std::make_unique<Conn>();
  Conn* raw = c.get();
  c->id = next_id_++;
  c->fd = std::move(fd);
  c->trusted = trusted;
  c->authenticated = trusted;
  if (!trusted) ++untrusted_;
  if (trusted) ++trusted_;
  c->reader = std::make_unique<IoWatcher>(loop_, c->fd.get(), IoWatcher::kRead,
                                          [this, raw] { OnReadable(raw); });
  c->writer = std::make_unique<IoWatcher>(loop_, c->fd.get(), IoWatcher::kWrite, [this, raw] {
    Flush(raw);
    if (!raw->dead && raw->out.empty()) Process(raw);  // The next request, now answered.
  });
  c->idle = loop_->NewTimer([this, raw] {
    if (!raw->wait) Drop(raw);
  });
  c->reader->Start();
  // Its first request, whole, within the request's deadline: a slot is not held idle.
  c->idle->Start(kHttpRequestMs);
  conns_[c->id] = std::move(c);
  return raw;
}

void RpcServer::Serve(UniqueFd fd, std::string first_bytes) {
  if (trusted_ >= kMaxHttpTrusted) {
    Refuse(fd.get());
    return;
  }
  SetNonblock(fd.get());
  Conn* c = Add(std::move(fd), true);
  c->in = std::move(first_bytes);
  Process(c);
}

void RpcServer::OnReadable(Conn* c) {
  char buf[kReadChunk];
  ssize_t n = ReadSome(c->fd.get(), buf, sizeof buf);
  if (n < 0 && errno == EAGAIN) return;
  if (n <= 0) {  // The client is gone (or broke the connection): its answer too.
    Drop(c);
    return;
  }
  // Whatever comes after a refusal, or from a follower, is not read.
  if (c->closing || c->following) return;
  c->in.append(buf, static_cast<size_t>(n));
  if (!c->partial && !c->wait) {
    c->partial = true;
    c->idle->Start(kHttpRequestMs);
  }
  if (c->in.size() > kMaxBuffered) {
    Answer(c, 413, "", false);
    return;
  }
  Process(c);
}

// Only while the last answer is written: a client that sends and never reads holds one
// answer and its bounded input, not a queue of answers.
void RpcServer::Process(Conn* c) {
  while (!c->wait && !c->closing && !c->dead && !c->following && c->out.empty()) {
    if (c->in.empty() && c->partial) {
      c->partial = false;
      c->idle->Start(kHttpIdleMs);
    }
    HttpRequest r;
    size_t used = 0;
    int status = 0;
    switch (ParseHttpRequest(c->in, &r, &used, &status)) {
      case HttpParse::kIncomplete:
        return;
      case HttpParse::kBad:
        Answer(c, status, "", false);
        return;
      case HttpParse::kDone:
        c->in.erase(0, used);
        Handle(c, r);
        break;
    }
  }
}

void RpcServer::Handle(Conn* c, const HttpRequest& r) {
  ++TendCounters().http_requests;
  // Who asks comes first: nothing is said of the server to a client without the password.
  if (!c->trusted && !BasicAuthMatches(r.Header("authorization"), username_, password_)) {
    Answer(c, 401, "", r.keep_alive, {"WWW-Authenticate: Basic realm=\"default\""});
    return;
  }
  c->authenticated = true;
  // Answers waiting for slow readers hold PID 1's memory: past the bound, no more.
  if (queued_ > kMaxHttpQueued) {
    Answer(c, 503, "", false);
    return;
  }
  // supervisord matches the path alone, without a query.
  const std::string path = r.target.substr(0, r.target.find('?'));
  if (path == "/metrics" && metrics_) {
    if (r.method != "GET") {
      Answer(c, 405, "", r.keep_alive, {"Allow: GET"});
      return;
    }
    Answer(c, 200, metrics_(), r.keep_alive,
           {"Content-Type: text/plain; version=0.0.4; charset=utf-8"});
    return;
  }
  if (metrics_only_) {
    Answer(c, 404, "", r.keep_alive);
    return;
  }
  if (page_ && WebPage::Serves(path)) {
    const WebAnswer a = page_->Handle(r, path);
    Answer(c, a.status, a.body, r.keep_alive, a.headers);
    return;
  }
  if (r.method == "GET" && (path.compare(0, 9, "/logtail/") == 0 || path == "/mainlogtail")) {
    Follow(c, r, path);
    return;
  }
  if (r.target != "/RPC2") {
    Answer(c, 404, "", r.keep_alive);
    return;
  }
  if (r.method != "POST") {
    Answer(c, 405, "", r.keep_alive, {"Allow: POST"});
    return;
  }
  // Another site's form could post a call with the browser's password (a text/plain form
  // can carry any body): only XML-RPC's own type is taken, which a form cannot send.
  if (CrossSite(r)) {
    Answer(c, 403, "", r.keep_alive);
    return;
  }
  if (!XmlBody(r)) {
    Answer(c, 415, "", r.keep_alive);
    return;
  }
  xmlrpc::Call call;
  std::string why;
  if (!xmlrpc::ParseCall(r.body, &call, &why)) {
    // supervisord answers 400 to a body that is no XML-RPC call, as here.
    Diag(Level::kDebug, "XML-RPC request refused: {}", why);
    Answer(c, 400, "", r.keep_alive);
    return;
  }
  RpcMethods::Reply reply = methods_->Call(call);
  if (!reply.wait) {
    Answer(c, 200, reply.now.Body(), r.keep_alive, {"Content-Type: text/xml"});
    return;
  }
  c->wait = std::move(reply.wait);
  c->wait_keep_alive = r.keep_alive;
  c->idle->Stop();
}

void RpcServer::Follow(Conn* c, const HttpRequest& r, const std::string& path) {
  std::string spec, channel = "stdout";
  if (path != "/mainlogtail") {
    const std::string rest = PercentDecode(std::string_view(path).substr(9));
    const size_t slash = rest.find('/');
    spec = rest.substr(0, slash);
    if (slash != std::string::npos) channel = rest.substr(slash + 1);
    if (spec.empty()) spec = "/";  // Names no process.
  }
  std::string head;
  if (!methods_->FollowLog(spec, channel, &c->follow_name, &c->follow_stream, &head)) {
    Answer(c, 404, "", r.keep_alive);
    return;
  }
  c->following = true;
  c->chunked = r.minor >= 1;
  ++followers_;
  c->idle->Stop();
  Queue(c, HttpStreamHead({"Content-Type: text/plain;charset=utf-8", "X-Accel-Buffering: no"},
                          c->chunked));
  if (!head.empty()) Queue(c, c->chunked ? HttpChunk(head) : head);
  Flush(c);
}

void RpcServer::OnLine(const std::string& name, int stream, std::string_view line) {
  if (followers_ == 0) return;
  std::vector<Conn*> to;
  for (auto& [id, c] : conns_) {
    if (c->following && c->follow_stream == stream && c->follow_name == name) to.push_back(c.get());
  }
  for (Conn* c : to) {
    if (c->out.size() > kMaxHttpFollowQueue) {
      Drop(c);
      continue;
    }
    std::string text(line);
    text += '\n';
    // Written now only when nothing waits: else the writer's turn takes it along.
    const bool idle = c->out.empty();
    Queue(c, c->chunked ? HttpChunk(text) : text);
    if (idle) Flush(c);
  }
}

void RpcServer::OnServiceChanged() {
  bool waiting = methods_->busy();
  for (auto& [id, c] : conns_) waiting |= static_cast<bool>(c->wait);
  if (waiting && !check_timer_->active()) check_timer_->Start(0);
}

void RpcServer::CheckWaits() {
  methods_->Continue();
  std::vector<Conn*> ready;
  for (auto& [id, c] : conns_) {
    if (c->wait) ready.push_back(c.get());
  }
  for (Conn* c : ready) {
    RpcOutcome o;
    if (c->dead || !c->wait || !c->wait(&o)) continue;
    c->wait = nullptr;
    c->idle->Start(kHttpIdleMs);
    Answer(c, 200, o.Body(), c->wait_keep_alive, {"Content-Type: text/xml"});
    Process(c);
  }
}

void RpcServer::Answer(Conn* c, int status, const std::string& body, bool keep_alive,
                       const std::vector<std::string>& headers) {
  if (c->dead) return;
  Queue(c, HttpResponse(status, headers, body, keep_alive));
  if (!keep_alive) c->closing = true;
  Flush(c);
}

void RpcServer::Flush(Conn* c) {
  while (!c->out.empty()) {
    ssize_t n = write(c->fd.get(), c->out.data(), c->out.size());
    if (n > 0) {
      c->out.erase(0, static_cast<size_t>(n));
      queued_ -= static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      c->writer->Start();
      return;
    } else {
      Drop(c);
      return;
    }
  }
  c->writer->Stop();
  if (c->closing) Drop(c);
}

void RpcServer::Drop(Conn* c) {
  if (c->dead) return;
  c->dead = true;
  c->reader->Stop();
  c->writer->Stop();
  c->idle->Stop();
  c->wait = nullptr;
  queued_ -= c->out.size();
  std::string().swap(c->out);
  if (!c->trusted) --untrusted_;
  if (c->trusted) --trusted_;
  if (c->following) --followers_;
  auto it = conns_.find(c->id);
  if (it == conns_.end()) return;
  dead_.push_back(std::move(it->second));
  conns_.erase(it);
  free_timer_->Start(0);
}

void RpcServer::FreeDead() { dead_.clear(); }

void RpcServer::Close() {
  std::vector<Conn*> all;
  for (auto& [id, c] : conns_) all.push_back(c.get());
  for (Conn* c : all) {
    if (c->following && c->chunked) {
      Queue(c, "0\r\n\r\n");
      Flush(c);
    }
    Drop(c);
  }
  accept_watcher_.reset();
  listen_fd_.Reset();
}

void RpcServer::Refuse(int fd) {
  const std::string busy = HttpResponse(503, {}, "", false);
  (void)!write(fd, busy.data(), busy.size());  // Best effort: it is closed anyway.
}

void RpcServer::Queue(Conn* c, const std::string& bytes) {
  c->out += bytes;
  queued_ += bytes.size();
}

}  // namespace tend
