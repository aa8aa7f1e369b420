// LogRouter: connects programs' pipes to tend's stdout and stderr (or to their own log
// files), with one prefix style for all: by default the name padded to the longest,
// then " | " (as docker compose). Keeps each program's recent lines for tendctl.
#ifndef TEND_LOG_ROUTER_H_
#define TEND_LOG_ROUTER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "config/config.h"
#include "log/log_sink.h"

namespace tend {

class LogRouter {
 public:
  explicit LogRouter(EventLoop* loop) : loop_(loop) {}
  ~LogRouter();

  /// The [tend] log settings, and the names that will be shown (prefixes are padded to
  /// the longest).
  void Configure(const TendSettings& settings, const std::vector<std::string>& names);

  /// What a program asks of its lines.
  struct Source {
    std::string name;
    pid_t pid = 0;
    int stream = 1;                     ///< The program's stream (1 stdout, 2 stderr).
    int destination = 1;                ///< tend's stream the lines go to.
    std::optional<std::string> prefix;  ///< Overrides [tend] log_prefix.
    std::optional<bool> timestamps;     ///< Overrides [tend] log_timestamps.
    bool terminal = false;              ///< A pseudo-terminal: lines end in "\r\n".
  };
  /// A source reading `fd` into tend's stream, each line prefixed.
  std::unique_ptr<LogSource> Attach(const Source& s, UniqueFd fd);
  /// A source reading `fd` into the program's own log file `path`, unprefixed and
  /// rotated at `max_bytes` with `backups` old files. Null with `err` set when the file
  /// cannot be opened.
  std::unique_ptr<LogSource> AttachFile(const Source& s, const std::string& path, int64_t max_bytes,
                                        int backups, UniqueFd fd, std::string* err);
  /// Keeps a source whose program is gone but whose pipe is still open (a daemon it
  /// left holds it) until its EOF.
  void Linger(std::unique_ptr<LogSource> source);

  /// Tells `tap` (null: no one) of every program's output from now on.
  void SetTap(LogTap* tap) { tap_ = tap; }

  /// A program's recent lines, or null if it never wrote any.
  const LogRing* Ring(const std::string& name) const;
  /// Forgets a program's recent output (supervisorctl clear).
  void ClearRing(const std::string& name);

  /// tend's own messages, written in turn with the programs' lines on stderr once
  /// stderr is routed here. False when it is not (the caller writes directly). Either
  /// way the lines are kept in the ring named kDiagRing and told to the tap under it.
  bool WriteDiag(const std::string& line);
  /// The ring of tend's own messages: a name no program can have.
  static constexpr const char* kDiagRing = "";

  /// At exit: writes what is queued, waiting up to `deadline_ms` for slow readers.
  void Flush(int deadline_ms);

 private:
  LogOutput* Output(int stream);
  LogSourceOptions Options(const Source& s);
  std::string Prefix(const std::string& tmpl, const Source& s, char sep) const;

  EventLoop* loop_;
  TendSettings settings_;
  std::unique_ptr<LogOutput> outputs_[2];
  std::map<std::string, std::unique_ptr<LogOutput>> files_;
  std::map<std::string, std::unique_ptr<LogRing>> rings_;
  std::shared_ptr<LogCredit> diag_credit_ = std::make_shared<LogCredit>();
  std::vector<std::unique_ptr<LogSource>> lingering_;
  LogTap* tap_ = nullptr;
  size_t width_ = 0;
  bool color_[2] = {false, false};
};

}  // namespace tend

#endif  // TEND_LOG_ROUTER_H_
