// The configuration model: what tend runs, as read from INI files (tend's own and
// supervisord's), and how problems in them are reported.
#ifndef TEND_CONFIG_H_
#define TEND_CONFIG_H_

#include <stdint.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/pattern.h"
#include "config/probe_spec.h"

namespace tend {

/// Where tend listens and tendctl connects unless told otherwise.
constexpr const char kDefaultSocketPath[] = "/run/tend.sock";

/// Where a setting came from, for messages: "conf.d/web.conf:12".
struct SourceLocation {
  std::string file;
  int line = 0;
  std::string ToString() const { return file + ":" + std::to_string(line); }
};

/// One problem found while loading. kError: the files are wrong (syntax, bad value,
/// unknown signal, cycle...). kMachine: the files are fine but do not fit this machine
/// (unknown user, undefined ${VAR} or %(ENV_X)s). kWarning: worth knowing, harmless
/// (unknown key, key in the wrong section). kNotice: a section tend reads but ignores.
struct ConfigProblem {
  enum class Kind { kError, kMachine, kWarning, kNotice } kind;
  SourceLocation where;
  std::string message;
  /// "file:line: error: message" (the kind word is "error", "unavailable", "warning", "notice").
  std::string ToString() const;
};

/// How a program's exit is answered (supervisord's autorestart).
enum class RestartPolicy {
  kAlways,     ///< autorestart=true, restart=always
  kOnFailure,  ///< autorestart=unexpected, restart=on-failure: exit code not in exitcodes
  kNever,      ///< autorestart=false, restart=never
};

/// How a program says it is ready (the `ready` key). kNone: RUNNING after startsecs.
/// kProbe: tend asks (tcp:, http:, exec:, probe.h) until the probe passes.
struct ReadySource {
  enum class Kind { kNone, kLog, kFd, kNotify, kProbe } kind = Kind::kNone;
  std::string spec;  ///< As written ("log:ready to accept"), for messages and status.
  std::string text;  ///< kLog: the text a line must contain, or the regex's source.
  /// kLog with /REGEX/: compiled once at load, shared by copies of the configuration.
  std::shared_ptr<const Pattern> regex;
  int fd = -1;  ///< kFd: the descriptor the program writes its newline to.
  ProbeSpec probe;  ///< kProbe.

  bool active() const { return kind != Kind::kNone; }
  /// Whether `line` (one whole line of output, without its newline) says ready.
  bool Matches(std::string_view line) const;
  bool operator==(const ReadySource& o) const { return spec == o.spec; }
};

/// Parses a `ready` value: "" (none), "log:TEXT", "log:/REGEX/" (POSIX extended,
/// pattern.h), "fd:N" (3 to 255), "notify" (sd_notify's READY=1, notify_socket.h),
/// or a probe: "tcp:...", "http:...", "exec:..." (ParseProbe).
bool ParseReadySource(const std::string& value, ReadySource* out, std::string* why);

/// longrun: a daemon, RUNNING once up for startsecs. oneshot: runs to completion and is
/// done (EXITED) when it exits with an expected code.
enum class ProgramType { kLongrun, kOneshot };

/// A user account resolved from /etc/passwd and /etc/group (never NSS: the static
/// binary must work in any image).
struct UserSpec {
  std::string name;  ///< As written in the file; empty: run as tend's own user.
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< Supplementary groups, gid included.
  std::string home;
  std::string shell;
  bool resolved = false;
};

/// One process to supervise. A [program:x] with numprocs=N gives N of these, named by
/// process_name (default %(program_name)s; with N > 1 it must use %(process_num), as
/// supervisord requires, e.g. %(program_name)s_%(process_num)02d).
struct ProgramConfig {
  std::string name;          ///< Process name: unique, used in logs and by tendctl.
  std::string program_name;  ///< The section's name ([program:NAME]).
  /// supervisord's group: the [group:x] listing the program, else program_name. Its
  /// processes are GROUP:NAME to supervisorctl, or NAME when both are the same.
  std::string group;
  int process_num = 0;
  SourceLocation where;      ///< The section header.

  std::string command;            ///< As written, after expansion.
  std::vector<std::string> argv;  ///< Split like a POSIX shell splits words.
  std::string directory;          ///< Empty: tend's working directory.
  std::vector<std::string> environment;  ///< "NAME=value", in file order.
  UserSpec user;
  int umask = -1;  ///< -1: inherit tend's.

  bool autostart = true;
  RestartPolicy restart = RestartPolicy::kOnFailure;
  std::vector<int> exitcodes{0};
  int64_t startsecs_ms = 1000;
  int startretries = 3;  ///< -1: infinite.
  int stopsignal = 15;   ///< SIGTERM.
  int64_t stopwaitsecs_ms = 8000;
  bool stopasgroup = true;
  bool killasgroup = true;
  /// When the main process ends, stop what it left in its process group before a
  /// restart (stopsignal, SIGKILL after stopwaitsecs).
  bool cleanupgroup = true;
  int priority = 999;
  bool redirect_stderr = false;
  /// "" (default), "/dev/stdout", "/dev/fd/1", "AUTO": tend's own stdout, prefixed;
  /// "NONE": discarded; "/dev/stderr", "/dev/fd/2": tend's stderr; else a file path.
  std::string stdout_logfile;
  std::string stderr_logfile;
  int64_t stdout_logfile_maxbytes = 50 * 1024 * 1024;  ///< 0: never rotate.
  int stdout_logfile_backups = 10;
  int64_t stderr_logfile_maxbytes = 50 * 1024 * 1024;
  int stderr_logfile_backups = 10;

  /// Per-program overrides of [tend] log_prefix and log_timestamps.
  std::optional<std::string> log_prefix;
  std::optional<bool> log_timestamps;

  /// Run on a pseudo-terminal whose output goes to the log pipeline and to which
  /// tendctl can attach; stdin, stdout and stderr are all the terminal.
  bool tty = false;

  /// [eventlistener:x]: speaks supervisord's event listener protocol on its stdin and
  /// stdout (core/event_listener.h), which are not logged; its stderr is.
  bool listener = false;
  /// Each line of its stdout / stderr is a PROCESS_LOG_STDOUT / _STDERR event for
  /// listeners (supervisord's stdout_events_enabled).
  bool stdout_events = false;
  bool stderr_events = false;
  std::vector<std::string> events;  ///< Event types and groups it subscribes to.
  int buffer_size = 10;             ///< Events held for it while it is busy.

  std::vector<std::string> depends_on;  ///< Program names ([program:NAME]), not processes.
  ProgramType type = ProgramType::kLongrun;
  bool critical = false;
  int64_t backoff_ms = 1000;
  int64_t backoff_max_ms = 30000;
  /// With a source, STARTING lasts until it says ready (then RUNNING), or fails after
  /// ready_timeout_ms.
  ReadySource ready;
  int64_t ready_timeout_ms = 60000;
  /// ready = a probe: tried this long after the start, then again after twice as long
  /// after each failure, up to every second (or every ready_interval, if longer).
  int64_t ready_interval_ms = 100;
  /// Liveness: a probe run every health_interval once RUNNING; health_retries failures
  /// in a row make the program unhealthy, and it is restarted. Failures within
  /// health_start_period of RUNNING do not count (Docker's --start-period).
  ProbeSpec health;
  int64_t health_interval_ms = 10000;
  int64_t health_timeout_ms = 5000;  ///< A probe's deadline (ready probes' too).
  int health_retries = 3;
  int64_t health_start_period_ms = 0;
  /// ready = notify: WATCHDOG=1 must come at least this often, or the program is
  /// restarted; 0: no watchdog.
  int64_t watchdog_ms = 0;

  /// The group's name: `group`, else the section's name, else the process name (a
  /// ProgramConfig built by hand, as the main command's).
  const std::string& Group() const {
    return !group.empty() ? group : !program_name.empty() ? program_name : name;
  }

  /// True when both would run the same way: what reload compares to decide a restart.
  bool SameRun(const ProgramConfig& o) const;
  /// True when everything else a section says is the same too (policies, stops, log
  /// rotation, dependencies, readiness, health): with SameRun, nothing differs.
  bool SameSettings(const ProgramConfig& o) const;
  /// True when both check health the same way (a reload that changes only this does
  /// not restart the program: its checks start over).
  bool SameHealth(const ProgramConfig& o) const;
};

/// The [tend] section.
struct TendSettings {
  SourceLocation where;
  /// Put before every line of a program's output. Placeholders: {name} (the process
  /// name, padded to the longest), {pid}, {stream} ("out" or "err"). "" for none.
  std::string log_prefix = "{name} | ";
  bool log_timestamps = false;  ///< An RFC 3339 UTC time with milliseconds first.
  int64_t log_max_line = 16 * 1024;  ///< Longer lines come in pieces.
  bool log_overflow_drop = false;  ///< log_overflow = drop (default: block).
  int64_t log_buffer = 64 * 1024;  ///< Recent output kept per program (tendctl logs).
  /// tendctl's control socket; "none" or "": none. Overridden by --socket, TEND_SOCKET.
  std::string socket = kDefaultSocketPath;
  /// [unix_http_server] file: supervisord's socket path, tend's when [tend] socket is not
  /// given; "" when not set.
  std::string socket_file;
  /// [unix_http_server] chmod: the socket's mode (default 0600).
  int socket_mode = 0600;
  /// [unix_http_server] chown: who else may use the socket (its owner and, with group
  /// permissions in socket_mode, its group); unresolved when not set.
  UserSpec socket_owner;
  /// [supervisord] pidfile: where tend writes its pid while it runs ("": nowhere).
  std::string pidfile;
  /// [inet_http_server] port: where supervisord's XML-RPC interface listens (an IPv4
  /// address, "" for every one); http_port 0: nowhere.
  std::string http_host;
  int http_port = 0;
  /// [inet_http_server] username and password (plain, or "{SHA}" and SHA-1 hex). tend
  /// opens the listener only with both.
  std::string http_username;
  std::string http_password;
  /// [tend] metrics_address: where GET /metrics alone is served (metrics_port 0:
  /// nowhere), for metrics_username and metrics_password (else [inet_http_server]'s; the
  /// configuration is refused without any).
  std::string metrics_host;
  int metrics_port = 0;
  std::string metrics_username;
  std::string metrics_password;
};

/// The PATH `p`'s commands are searched in: its environment's, else `inherited` (tend's).
std::string CommandPath(const ProgramConfig& p, const std::string& inherited);

struct Config {
  TendSettings tend;
  std::vector<ProgramConfig> programs;  ///< In start order's tie-break order: file order.
  std::vector<std::string> files;       ///< Every file read, in order.
};

/// Values that the expansions read: tend's environment and the host name. A seam for
/// tests, which pass their own.
struct ExpansionContext {
  std::vector<std::string> environ;  ///< "NAME=value".
  std::string host_node_name;
  /// Where /etc/passwd and /etc/group are read from ("" = "/etc").
  std::string etc_dir;
  /// The user tend runs as: when not root, a program's `user` of another is not obeyed.
  uid_t euid = 0;
  static ExpansionContext FromProcess();
};

/// A table of the processes for `tend --check`: one line per process with its name,
/// type, user ("-": tend's own), autostart, depends_on and argv (words a shell would
/// split differently are single-quoted), under a header line; columns are aligned.
std::string FormatPrograms(const Config& config);

/// Whether no chain of depends_on in `config` comes back to where it began, for a
/// configuration put together from parts (supervisord's addProcessGroup): the loader
/// checks files. A name that is not there is no link (the Supervisor ignores it until a
/// program of that name comes). False with why.
bool DependenciesHold(const Config& config, std::string* why);

/// A warning (kWarning) for each program at the top of a depends_on chain whose
/// stopwaitsecs, from it down to the bottom, add up to more than `stop_timeout_ms`:
/// tend's stop then signals the lower programs before their dependents are down.
void CheckStopChains(const Config& config, int64_t stop_timeout_ms,
                     std::vector<ConfigProblem>* problems);

}  // namespace tend

#endif  // TEND_CONFIG_H_
