// LogRouter: connects programs' pipes to tend's stdout and stderr, with one prefix
// style for all: the name padded to the longest, then " | " (as docker compose).
#ifndef TEND_LOG_ROUTER_H_
#define TEND_LOG_ROUTER_H_

#include <memory>
#include <string>
#include <vector>

#include "event_loop.h"
#include "log_sink.h"

namespace tend {

class LogRouter {
 public:
  explicit LogRouter(EventLoop* loop) : loop_(loop) {}
  ~LogRouter();

  /// The names that will be shown, to pad prefixes to the longest.
  void SetNames(const std::vector<std::string>& names);

  /// A source reading `fd` (a program's stdout when `stream` is 1, stderr when 2) into
  /// tend's stream of the same number, each line prefixed with `name`.
  std::unique_ptr<LogSource> Attach(const std::string& name, int stream, UniqueFd fd);
  /// Keeps a source whose program is gone but whose pipe is still open (a daemon it
  /// left holds it) until its EOF.
  void Linger(std::unique_ptr<LogSource> source);

  /// tend's own messages, written in turn with the programs' lines on stderr once
  /// stderr is routed here. False when it is not (the caller writes directly).
  bool WriteDiag(const std::string& line);

  /// At exit: writes what is queued, waiting up to `deadline_ms` for slow readers.
  void Flush(int deadline_ms);

 private:
  LogOutput* Output(int stream);
  std::string Prefix(const std::string& name, char sep) const;

  EventLoop* loop_;
  std::unique_ptr<LogOutput> outputs_[2];
  std::shared_ptr<LogCredit> diag_credit_ = std::make_shared<LogCredit>();
  std::vector<std::unique_ptr<LogSource>> lingering_;
  size_t width_ = 0;
  bool color_[2] = {false, false};
};

}  // namespace tend

#endif  // TEND_LOG_ROUTER_H_
