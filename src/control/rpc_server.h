// RpcServer: supervisord's [inet_http_server], served from the event loop. HTTP/1.1 on
// TCP (http.h), Basic authentication before anything else, XML-RPC at /RPC2
// (RpcMethods), GET /metrics (Metrics), the status page (WebPage). Bounded like the control socket: at most kMaxHttpConnections clients,
// requests within http.h's bounds, an idle deadline, answers written without blocking;
// one request at a time per connection (the next is read once the answer is queued).
#ifndef TEND_RPC_SERVER_H_
#define TEND_RPC_SERVER_H_

#include <stdint.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/event_loop.h"
#include "base/sys.h"
#include "control/http.h"
#include "control/rpc_methods.h"
#include "control/web_page.h"

namespace tend {

/// TCP clients served at once; one more takes the place of the oldest that has not given
/// the password, or is answered 503 and closed.
constexpr size_t kMaxHttpConnections = 64;
/// A connection with no request in hand is closed after this long without a byte.
constexpr int64_t kHttpIdleMs = 30000;
/// A request must be whole this soon after its first byte (a slow sender holds no slot).
constexpr int64_t kHttpRequestMs = 10000;

/// Clients of tend's unix socket served at once (their credentials were checked).
constexpr size_t kMaxHttpTrusted = 256;
/// What all answers not yet read may hold; past it, requests are answered 503.
constexpr size_t kMaxHttpQueued = 64 * 1024 * 1024;
/// The most a follower (tail -f) may leave unread before it is dropped.
constexpr size_t kMaxHttpFollowQueue = 1024 * 1024;

class RpcServer {
 public:
  RpcServer(EventLoop* loop, RpcMethods* methods);
  ~RpcServer();
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  /// Listens on `host` ("" for every address) and `port`, for `username` and `password`
  /// (plain or "{SHA}" hex). False with `err` when the port cannot be had.
  bool Listen(const std::string& host, int port, const std::string& username,
              const std::string& password, std::string* err);
  /// Serves a client of tend's unix socket that spoke HTTP (ControlServer's hand-over):
  /// `first_bytes` were read already; its credentials were checked, so it needs no
  /// password (as supervisord's [unix_http_server] without one).
  void Serve(UniqueFd fd, std::string first_bytes);
  /// The port listened on (the kernel's choice when asked for 0).
  int port() const { return port_; }
  /// A line of a program's output, or of tend's own (LogRouter::kDiagRing): to the
  /// clients that follow it (GET /logtail/NAME[/CHANNEL], /mainlogtail). A follower
  /// that lets more than kMaxHttpFollowQueue pile up unread is dropped.
  void OnLine(const std::string& name, int stream, std::string_view line);
  /// A program changed state: answers that wait look again.
  void OnServiceChanged();
  /// Answers the waiting calls that are decided (from a timer: never inside the
  /// Supervisor's own callbacks, which a new request could re-enter).
  void CheckWaits();
  size_t connections() const { return conns_.size(); }
  /// What GET /metrics answers (Metrics::Text); unset: 404.
  void set_metrics(std::function<std::string()> metrics) { metrics_ = std::move(metrics); }
  /// The status page and GET /api/status (WebPage::Serves); unset: 404.
  void set_page(WebPage* page) { page_ = page; }
  /// Serves GET /metrics and nothing else ([tend] metrics_address).
  void set_metrics_only() { metrics_only_ = true; }
  /// tend is leaving: each log stream is ended as HTTP ends one (its last chunk, written
  /// if the socket takes it now), and every connection closed.
  void Close();

 private:
  struct Conn;
  void OnAcceptable();
  Conn* Add(UniqueFd fd, bool trusted);
  void OnReadable(Conn* c);
  /// Handles the requests buffered, one at a time, while none waits for its answer.
  void Process(Conn* c);
  void Handle(Conn* c, const HttpRequest& r);
  /// GET /logtail/... and /mainlogtail (`path`, the target without its query): the end of
  /// the log, then its lines as they come.
  void Follow(Conn* c, const HttpRequest& r, const std::string& path);
  void Answer(Conn* c, int status, const std::string& body, bool keep_alive,
              const std::vector<std::string>& headers = {});
  void Flush(Conn* c);
  /// Adds to what `c` is sent, counted in queued_.
  void Queue(Conn* c, const std::string& bytes);
  /// Answers 503 on a connection not taken, and closes it.
  void Refuse(int fd);
  /// Closes at once; freed from a timer, not inside its own callback.
  void Drop(Conn* c);
  void FreeDead();

  EventLoop* loop_;
  RpcMethods* methods_;
  std::function<std::string()> metrics_;
  WebPage* page_ = nullptr;
  bool metrics_only_ = false;
  UniqueFd listen_fd_;
  std::unique_ptr<IoWatcher> accept_watcher_;
  std::string username_, password_;
  int port_ = 0;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::vector<std::unique_ptr<Conn>> dead_;
  std::unique_ptr<Timer> free_timer_;
  std::unique_ptr<Timer> check_timer_;
  size_t untrusted_ = 0;  // TCP clients: kMaxHttpConnections bounds them, not the socket's.
  size_t followers_ = 0;  // Connections following a log.
  size_t trusted_ = 0;    // Unix socket clients.
  size_t queued_ = 0;     // Bytes in every connection's `out`.
};

}  // namespace tend

#endif  // TEND_RPC_SERVER_H_
