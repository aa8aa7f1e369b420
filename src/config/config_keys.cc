#include "config/config_keys.h"

#include "base/values.h"
#include "config/config_user.h"
#include "config/event_names.h"
#include "config/config_values.h"

namespace tend {

const char kKeyCommand[] = "command";
const char kKeyEnvironment[] = "environment";
const char kKeyUser[] = "user";
const char kKeyChown[] = "chown";
const char kKeyNumprocs[] = "numprocs";
const char kKeyNumprocsStart[] = "numprocs_start";
const char kKeyProcessName[] = "process_name";
const char kKeyDependsOn[] = "depends_on";
const char kKeyCritical[] = "critical";
const char kKeyReady[] = "ready";
const char kKeyHealth[] = "health";
const char kKeyFiles[] = "files";
const char kKeyPrograms[] = "programs";
const char kKeyEvents[] = "events";
const char kKeyUsername[] = "username";
const char kKeyMetricsAddress[] = "metrics_address";
const char kKeyPassword[] = "password";
const char kKeyResultHandler[] = "result_handler";
const char kDefaultResultHandler[] = "supervisor.dispatchers:default_handler";
const char kDefaultProcessName[] = "%(program_name)s";

namespace {

constexpr char kKeyStopAsGroup[] = "stopasgroup";
constexpr char kKeyKillAsGroup[] = "killasgroup";
constexpr char kKeyRedirectStderr[] = "redirect_stderr";
constexpr char kKeyTty[] = "tty";
constexpr char kKeyStderrLogfile[] = "stderr_logfile";
constexpr char kKeyAutorestart[] = "autorestart";
constexpr char kKeyRestart[] = "restart";

// How a section kind is written: [name], [name:suffix], or either (supervisord reads
// [unix_http_server:x] too).
enum class Form { kPlain, kNamed, kEither };

struct SectionSpec {
  SectionKind kind;
  const char* name;
  Form form;
};

constexpr SectionSpec kSections[] = {
    {SectionKind::kTend, "tend", Form::kPlain},
    {SectionKind::kProgram, "program", Form::kNamed},
    {SectionKind::kSupervisord, "supervisord", Form::kPlain},
    {SectionKind::kInclude, "include", Form::kPlain},
    {SectionKind::kGroup, "group", Form::kNamed},
    {SectionKind::kEventListener, "eventlistener", Form::kNamed},
    {SectionKind::kFcgiProgram, "fcgi-program", Form::kNamed},
    {SectionKind::kUnixHttpServer, "unix_http_server", Form::kEither},
    {SectionKind::kInetHttpServer, "inet_http_server", Form::kEither},
    {SectionKind::kSupervisorctl, "supervisorctl", Form::kPlain},
    {SectionKind::kRpcInterface, "rpcinterface", Form::kNamed},
    {SectionKind::kCtlPlugin, "ctlplugin", Form::kNamed},
};

// --- Apply functions: each parses one expanded value into the ProgramConfig or, for
// [tend] keys, into the TendSettings. ---

ApplyStatus Bad(std::string* why, const std::string& reason) {
  *why = reason;
  return ApplyStatus::kBad;
}

ApplyStatus ApplyCommand(const std::string& v, const ApplyContext&, ProgramConfig* p,
                         std::string* why) {
  p->command = v;
  if (!SplitCommand(v, &p->argv, why)) return ApplyStatus::kBad;
  if (p->argv.empty()) return Bad(why, "empty command");
  if (p->argv[0].empty()) return Bad(why, "the program's name is empty");  // command = ""
  return ApplyStatus::kOk;
}

ApplyStatus ApplyEnvironment(const std::string& v, const ApplyContext&, ProgramConfig* p,
                             std::string* why) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (!ParseEnvironment(v, &pairs, why)) return ApplyStatus::kBad;
  MergeEnvironment(pairs, &p->environment);
  return ApplyStatus::kOk;
}

ApplyStatus ApplyUser(const std::string& v, const ApplyContext& ctx, ProgramConfig* p,
                      std::string* why) {
  if (v.empty()) return Bad(why, "empty user name");
  p->user = UserSpec();
  p->user.name = v;  // Kept when unresolved, so that messages and --check show it.
  return ResolveUser(v, ctx.etc_dir, &p->user, why) ? ApplyStatus::kOk : ApplyStatus::kMachine;
}

ApplyStatus ApplyReady(const std::string& v, const ApplyContext&, ProgramConfig* p,
                       std::string* why) {
  return ParseReadySource(v, &p->ready, why) ? ApplyStatus::kOk : ApplyStatus::kBad;
}

ApplyStatus ApplyHealth(const std::string& v, const ApplyContext&, ProgramConfig* p,
                        std::string* why) {
  p->health = ProbeSpec();
  if (v.empty()) return ApplyStatus::kOk;
  return ParseProbe(v, &p->health, why) ? ApplyStatus::kOk : ApplyStatus::kBad;
}

ApplyStatus ApplyUmask(const std::string& v, const ApplyContext&, ProgramConfig* p,
                       std::string* why) {
  return ParseOctalMask(v, &p->umask, why) ? ApplyStatus::kOk : ApplyStatus::kBad;
}

// The struct a pointer to member belongs to, so that one template serves fields of
// ProgramConfig and of TendSettings: ApplyBool<&ProgramConfig::autostart> is a
// ProgramApplyFn, ApplyBool<&TendSettings::log_timestamps> a TendApplyFn.
template <typename M>
struct ClassOf;
template <typename C, typename T>
struct ClassOf<T C::*> {
  using type = C;
};
template <auto F>
using Target = typename ClassOf<decltype(F)>::type;

// Into a bool or a std::optional<bool>.
template <auto F>
ApplyStatus ApplyBool(const std::string& v, const ApplyContext&, Target<F>* p, std::string* why) {
  bool b = false;
  if (!ParseBool(v, &b, why)) return ApplyStatus::kBad;
  p->*F = b;
  return ApplyStatus::kOk;
}

template <auto F>
ApplyStatus ApplyDuration(const std::string& v, const ApplyContext&, Target<F>* p,
                          std::string* why) {
  return ParseDuration(v, &(p->*F), why) ? ApplyStatus::kOk : ApplyStatus::kBad;
}

// A duration that must not be 0 (the time between probes: 0 would spin).
template <auto F>
ApplyStatus ApplyPositiveDuration(const std::string& v, const ApplyContext& ctx, Target<F>* p,
                                  std::string* why) {
  if (ApplyDuration<F>(v, ctx, p, why) != ApplyStatus::kOk) return ApplyStatus::kBad;
  if (p->*F <= 0) return Bad(why, "must be more than 0");
  return ApplyStatus::kOk;
}

// How a limit of a size is written in messages: "128", "16KB", "1MB".
std::string SizeText(int64_t n) {
  if (n >= 1024 * 1024 && n % (1024 * 1024) == 0) return std::to_string(n / (1024 * 1024)) + "MB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n / 1024) + "KB";
  return std::to_string(n);
}

template <auto F, int64_t kMin = 0, int64_t kMax = INT64_MAX>
ApplyStatus ApplySize(const std::string& v, const ApplyContext&, Target<F>* p, std::string* why) {
  int64_t n = 0;
  if (!ParseByteSize(v, &n, why)) return ApplyStatus::kBad;
  if (n < kMin || n > kMax)
    return Bad(why, "not between " + SizeText(kMin) + " and " + SizeText(kMax));
  p->*F = n;
  return ApplyStatus::kOk;
}

template <auto F, int64_t kMin>
ApplyStatus ApplyInt(const std::string& v, const ApplyContext&, Target<F>* p, std::string* why) {
  int64_t n = 0;
  if (!ParseInteger(v, kMin, INT32_MAX, &n, why)) return ApplyStatus::kBad;
  p->*F = static_cast<int>(n);
  return ApplyStatus::kOk;
}

template <auto F>
ApplyStatus ApplyText(const std::string& v, const ApplyContext&, Target<F>* p, std::string*) {
  p->*F = v;
  return ApplyStatus::kOk;
}

// supervisord reads none/off and auto in any case; they are stored in one spelling.
template <auto F>
ApplyStatus ApplyLogfile(const std::string& v, const ApplyContext&, Target<F>* p, std::string*) {
  std::string lower = Lower(v);
  p->*F = lower == "none" || lower == "off" ? "NONE" : lower == "auto" ? "AUTO" : v;
  return ApplyStatus::kOk;
}

// Into a std::string or a std::optional<std::string>.
template <auto F>
ApplyStatus ApplyLogPrefix(const std::string& v, const ApplyContext&, Target<F>* p,
                           std::string* why) {
  std::string prefix;
  if (!ParseLogPrefix(v, &prefix, why)) return ApplyStatus::kBad;
  p->*F = prefix;
  return ApplyStatus::kOk;
}

ApplyStatus ApplySocketMode(const std::string& v, const ApplyContext&, TendSettings* t,
                            std::string* why) {
  if (!ParseOctalMask(v, &t->socket_mode, why)) return ApplyStatus::kBad;
  if ((t->socket_mode & 0600) != 0600) return Bad(why, "the owner must keep read and write (0600)");
  return ApplyStatus::kOk;
}

// supervisord's "host:port", ":port", "*:port" (every address) or "port"; the host an
// IPv4 address or localhost (no name lookup in PID 1).
template <std::string TendSettings::*kHost, int TendSettings::*kPort>
ApplyStatus ApplyHttpPort(const std::string& v, const ApplyContext&, TendSettings* t,
                          std::string* why) {
  if (v.empty()) {  // Nowhere: the default.
    t->*kHost = "";
    t->*kPort = 0;
    return ApplyStatus::kOk;
  }
  const size_t colon = v.rfind(':');
  std::string host = colon == std::string::npos ? "" : v.substr(0, colon);
  int64_t port = 0;
  if (!ParseInteger(colon == std::string::npos ? v : v.substr(colon + 1), 1, 65535, &port, why))
    return ApplyStatus::kBad;
  if (host == "*") host.clear();
  if (host == "localhost") host = "127.0.0.1";
  if (!host.empty() && !ValidIpv4(host)) {
    return Bad(why, "the host must be an IPv4 address, localhost or *");
  }
  t->*kHost = host;
  t->*kPort = static_cast<int>(port);
  return ApplyStatus::kOk;
}

// supervisord's "user" or "user:group".
ApplyStatus ApplySocketOwner(const std::string& v, const ApplyContext& ctx, TendSettings* t,
                             std::string* why) {
  const size_t colon = v.find(':');
  t->socket_owner = UserSpec();
  t->socket_owner.name = v;
  if (!ResolveUser(v.substr(0, colon), ctx.etc_dir, &t->socket_owner, why)) {
    return ApplyStatus::kMachine;
  }
  // As supervisord: the group only when written (not the user's primary one).
  t->socket_owner.gid = static_cast<gid_t>(-1);
  if (colon != std::string::npos) {
    gid_t gid;
    if (!ResolveGroup(v.substr(colon + 1), ctx.etc_dir, &gid, why)) return ApplyStatus::kMachine;
    t->socket_owner.gid = gid;
  }
  return ApplyStatus::kOk;
}

ApplyStatus ApplyLogOverflow(const std::string& text, const ApplyContext&, TendSettings* t,
                             std::string* why) {
  std::string v = Lower(text);
  if (v == "block") {
    t->log_overflow_drop = false;
  } else if (v == "drop") {
    t->log_overflow_drop = true;
  } else {
    return Bad(why, "not block or drop");
  }
  return ApplyStatus::kOk;
}

ApplyStatus ApplyStartRetries(const std::string& v, const ApplyContext& ctx, ProgramConfig* p,
                              std::string* why) {
  if (Lower(v) == "infinite") {
    p->startretries = -1;
    return ApplyStatus::kOk;
  }
  if (ApplyInt<&ProgramConfig::startretries, 0>(v, ctx, p, why) == ApplyStatus::kOk)
    return ApplyStatus::kOk;
  return Bad(why, "not a count (an integer >= 0 or infinite)");
}

ApplyStatus ApplyStopSignal(const std::string& v, const ApplyContext&, ProgramConfig* p,
                            std::string* why) {
  return ParseSignal(v, &p->stopsignal) ? ApplyStatus::kOk : Bad(why, "unknown signal");
}

ApplyStatus ApplyExitCodes(const std::string& v, const ApplyContext&, ProgramConfig* p,
                           std::string* why) {
  return ParseExitCodes(v, &p->exitcodes, why) ? ApplyStatus::kOk : ApplyStatus::kBad;
}

ApplyStatus ApplyAutorestart(const std::string& v, const ApplyContext&, ProgramConfig* p,
                             std::string* why) {
  bool b = false;
  std::string ignored;
  if (ParseBool(v, &b, &ignored)) {
    p->restart = b ? RestartPolicy::kAlways : RestartPolicy::kNever;
  } else if (Lower(v) == "unexpected") {
    p->restart = RestartPolicy::kOnFailure;
  } else {
    return Bad(why, "not true, false or unexpected");
  }
  return ApplyStatus::kOk;
}

ApplyStatus ApplyRestart(const std::string& text, const ApplyContext&, ProgramConfig* p,
                         std::string* why) {
  std::string v = Lower(text);
  if (v == "always") {
    p->restart = RestartPolicy::kAlways;
  } else if (v == "on-failure") {
    p->restart = RestartPolicy::kOnFailure;
  } else if (v == "never") {
    p->restart = RestartPolicy::kNever;
  } else {
    return Bad(why, "not always, on-failure or never");
  }
  return ApplyStatus::kOk;
}

ApplyStatus ApplyType(const std::string& text, const ApplyContext&, ProgramConfig* p,
                      std::string* why) {
  std::string v = Lower(text);
  if (v == "longrun") {
    p->type = ProgramType::kLongrun;
  } else if (v == "oneshot") {
    p->type = ProgramType::kOneshot;
  } else {
    return Bad(why, "not longrun or oneshot");
  }
  return ApplyStatus::kOk;
}

ApplyStatus ApplyEvents(const std::string& v, const ApplyContext&, ProgramConfig* p,
                        std::string* why) {
  std::vector<std::string> names = SplitNames(v);
  if (names.empty()) return Bad(why, "names no event");
  for (const std::string& n : names) {
    if (!KnownEventName(n)) return Bad(why, "unknown event type " + n);
  }
  p->events = names;
  return ApplyStatus::kOk;
}

// supervisord sets no bound; one keeps what a listener that stopped reading can make
// PID 1 hold.
ApplyStatus ApplyBufferSize(const std::string& v, const ApplyContext&, ProgramConfig* p,
                            std::string* why) {
  int64_t n = 0;
  if (!ParseInteger(v, 1, kMaxListenerBuffer, &n, why)) return ApplyStatus::kBad;
  p->buffer_size = static_cast<int>(n);
  return ApplyStatus::kOk;
}

ApplyStatus ApplyDependsOn(const std::string& v, const ApplyContext&, ProgramConfig* p,
                           std::string*) {
  p->depends_on = SplitNames(v);
  return ApplyStatus::kOk;
}

using P = ProgramConfig;
using T = TendSettings;
constexpr SectionKind kProg = SectionKind::kProgram;
constexpr SectionKind kTend = SectionKind::kTend;
constexpr int64_t kMB = 1024 * 1024;

// THE key table. Keep it in the order tend.conf(5) documents the keys.
const KeySpec kKeys[] = {
    {kProg, kKeyCommand, ValueType::kCommand, "", "the program and its arguments; required",
     ApplyCommand, nullptr},
    {kProg, "directory", ValueType::kPath, "", "working directory of the program",
     ApplyText<&P::directory>, nullptr},
    {kProg, kKeyEnvironment, ValueType::kEnvironment, "",
     "variables added to the program's environment", ApplyEnvironment, nullptr},
    {kProg, kKeyUser, ValueType::kUser, "", "user to run the program as", ApplyUser, nullptr},
    {kProg, "umask", ValueType::kOctal, "", "umask of the program", ApplyUmask, nullptr},
    {kProg, "autostart", ValueType::kBool, "true", "start the program when tend starts",
     ApplyBool<&P::autostart>, nullptr},
    {kProg, kKeyAutorestart, ValueType::kAutorestart, "unexpected", "supervisord's restart policy",
     ApplyAutorestart, kKeyRestart},
    {kProg, kKeyRestart, ValueType::kRestart, "on-failure", "tend's restart policy", ApplyRestart,
     kKeyAutorestart},
    {kProg, "exitcodes", ValueType::kExitCodes, "0", "exit codes that count as expected",
     ApplyExitCodes, nullptr},
    {kProg, "startsecs", ValueType::kDuration, "1s", "how long it must run to count as started",
     ApplyDuration<&P::startsecs_ms>, nullptr},
    {kProg, "startretries", ValueType::kCount, "3", "failed starts allowed before FATAL",
     ApplyStartRetries, nullptr},
    {kProg, "stopsignal", ValueType::kSignal, "TERM", "signal that asks the program to stop",
     ApplyStopSignal, nullptr},
    {kProg, "stopwaitsecs", ValueType::kDuration, "8s", "wait after stopsignal before SIGKILL",
     ApplyDuration<&P::stopwaitsecs_ms>, nullptr},
    {kProg, kKeyStopAsGroup, ValueType::kBool, "true", "send stopsignal to the process group",
     ApplyBool<&P::stopasgroup>, nullptr},
    {kProg, kKeyKillAsGroup, ValueType::kBool, "true", "send SIGKILL to the process group",
     ApplyBool<&P::killasgroup>, nullptr},
    {kProg, "cleanupgroup", ValueType::kBool, "true",
     "stop what the program left in its process group before it starts again",
     ApplyBool<&P::cleanupgroup>, nullptr},
    {kProg, "priority", ValueType::kInt, "999", "start order: lower first, stop order reversed",
     ApplyInt<&P::priority, INT32_MIN>, nullptr},
    {kProg, kKeyNumprocs, ValueType::kInt, "1", "number of copies of the program", nullptr,
     nullptr},
    {kProg, kKeyNumprocsStart, ValueType::kInt, "0", "first %(process_num)", nullptr, nullptr},
    {kProg, kKeyProcessName, ValueType::kText, kDefaultProcessName, "name of each copy", nullptr,
     nullptr},
    {kProg, kKeyRedirectStderr, ValueType::kBool, "false", "send stderr to stdout's destination",
     ApplyBool<&P::redirect_stderr>, nullptr},
    {kProg, "stdout_logfile", ValueType::kPath, "AUTO", "where stdout goes",
     ApplyLogfile<&P::stdout_logfile>, nullptr},
    {kProg, "stdout_logfile_maxbytes", ValueType::kSize, "50MB", "rotate stdout_logfile at",
     ApplySize<&P::stdout_logfile_maxbytes>, nullptr},
    {kProg, "stdout_logfile_backups", ValueType::kInt, "10", "rotated stdout files kept",
     ApplyInt<&P::stdout_logfile_backups, 0>, nullptr},
    {kProg, kKeyStderrLogfile, ValueType::kPath, "AUTO", "where stderr goes",
     ApplyLogfile<&P::stderr_logfile>, nullptr},
    {kProg, "stderr_logfile_maxbytes", ValueType::kSize, "50MB", "rotate stderr_logfile at",
     ApplySize<&P::stderr_logfile_maxbytes>, nullptr},
    {kProg, "stderr_logfile_backups", ValueType::kInt, "10", "rotated stderr files kept",
     ApplyInt<&P::stderr_logfile_backups, 0>, nullptr},
    {kProg, "stdout_events_enabled", ValueType::kBool, "false",
     "each line of stdout is a PROCESS_LOG_STDOUT event", ApplyBool<&P::stdout_events>, nullptr},
    {kProg, "stderr_events_enabled", ValueType::kBool, "false",
     "each line of stderr is a PROCESS_LOG_STDERR event", ApplyBool<&P::stderr_events>, nullptr},
    {kProg, kKeyDependsOn, ValueType::kNames, "", "programs to start first", ApplyDependsOn,
     nullptr},
    {kProg, "type", ValueType::kProgramType, "longrun", "a daemon, or a task that completes",
     ApplyType, nullptr},
    {kProg, kKeyTty, ValueType::kBool, "false", "run on a pseudo-terminal (tendctl attach)",
     ApplyBool<&P::tty>, nullptr},
    {kProg, kKeyCritical, ValueType::kBool, "false", "stop the container when it fails",
     ApplyBool<&P::critical>, nullptr},
    {kProg, kKeyReady, ValueType::kReady, "", "how the program says it is ready", ApplyReady,
     nullptr},
    {kProg, "ready_timeout", ValueType::kDuration, "60s", "longest wait for ready",
     ApplyDuration<&P::ready_timeout_ms>, nullptr},
    {kProg, "ready_interval", ValueType::kDuration, "100ms",
     "first wait between ready probes (doubling to 1s)",
     ApplyPositiveDuration<&P::ready_interval_ms>, nullptr},
    {kProg, kKeyHealth, ValueType::kProbe, "", "probe that says the program still works",
     ApplyHealth, nullptr},
    {kProg, "health_interval", ValueType::kDuration, "10s", "time between health probes",
     ApplyPositiveDuration<&P::health_interval_ms>, nullptr},
    {kProg, "health_timeout", ValueType::kDuration, "5s", "longest wait for a probe's answer",
     ApplyPositiveDuration<&P::health_timeout_ms>, nullptr},
    {kProg, "health_retries", ValueType::kInt, "3", "failed probes in a row before a restart",
     ApplyInt<&P::health_retries, 1>, nullptr},
    {kProg, "health_start_period", ValueType::kDuration, "0",
     "failed probes that do not count after the start", ApplyDuration<&P::health_start_period_ms>,
     nullptr},
    {kProg, "watchdog", ValueType::kDuration, "0", "longest silence between WATCHDOG=1",
     ApplyDuration<&P::watchdog_ms>, nullptr},
    {kProg, "backoff", ValueType::kDuration, "1s", "first delay before a restart",
     ApplyDuration<&P::backoff_ms>, nullptr},
    {kProg, "backoff_max", ValueType::kDuration, "30s", "longest delay before a restart",
     ApplyDuration<&P::backoff_max_ms>, nullptr},
    {kProg, "log_prefix", ValueType::kLogPrefix, "", "this program's [tend] log_prefix",
     ApplyLogPrefix<&P::log_prefix>, nullptr},
    {kProg, "log_timestamps", ValueType::kBool, "", "this program's [tend] log_timestamps",
     ApplyBool<&P::log_timestamps>, nullptr},
    {SectionKind::kEventListener, kKeyEvents, ValueType::kNames, "",
     "the events it is sent; required", ApplyEvents, nullptr},
    {SectionKind::kEventListener, "buffer_size", ValueType::kInt, "10",
     "events held while it is busy; the oldest is dropped beyond", ApplyBufferSize, nullptr},
    {kTend, "log_prefix", ValueType::kLogPrefix, "\"{name} | \"",
     "put before each line of output; \"\" for none", ApplyLogPrefix<&T::log_prefix>, nullptr},
    {kTend, "log_timestamps", ValueType::kBool, "false", "put the time before each line",
     ApplyBool<&T::log_timestamps>, nullptr},
    {kTend, "log_max_line", ValueType::kSize, "16KB", "longer lines are cut in pieces",
     ApplySize<&T::log_max_line, 128, kMB>, nullptr},
    {kTend, "log_overflow", ValueType::kLogOverflow, "block",
     "when tend's stdout is slow: block the program, or drop lines", ApplyLogOverflow, nullptr},
    {kTend, "log_buffer", ValueType::kSize, "64KB", "recent output kept per program",
     ApplySize<&T::log_buffer, 0, 64 * kMB>, nullptr},
    {kTend, kKeyMetricsAddress, ValueType::kAddress, "",
     "where GET /metrics alone is served (host:port), behind a password",
     ApplyHttpPort<&T::metrics_host, &T::metrics_port>, nullptr},
    {kTend, "metrics_username", ValueType::kText, "",
     "the user its clients give ([inet_http_server]'s when not set)",
     ApplyText<&T::metrics_username>, nullptr},
    {kTend, "metrics_password", ValueType::kText, "", "their password, plain or {SHA}",
     ApplyText<&T::metrics_password>, nullptr},
    {kTend, "socket", ValueType::kPath, kDefaultSocketPath,
     "tendctl's control socket; \"none\" for none", ApplyText<&T::socket>, nullptr},
    {SectionKind::kUnixHttpServer, "file", ValueType::kPath, "",
     "tendctl's control socket, when [tend] socket is not given", ApplyText<&T::socket_file>,
     nullptr},
    {SectionKind::kUnixHttpServer, "chmod", ValueType::kOctal, "0600", "the socket's mode",
     ApplySocketMode, nullptr},
    {SectionKind::kUnixHttpServer, kKeyChown, ValueType::kUser, "",
     "the socket's owner (user or user:group), who may use it too", ApplySocketOwner, nullptr},
    {SectionKind::kInetHttpServer, "port", ValueType::kAddress, "",
     "where supervisord's XML-RPC interface listens",
     ApplyHttpPort<&T::http_host, &T::http_port>, nullptr},
    {SectionKind::kInetHttpServer, kKeyUsername, ValueType::kText, "",
     "the user HTTP clients must give", ApplyText<&T::http_username>, nullptr},
    {SectionKind::kInetHttpServer, kKeyPassword, ValueType::kText, "",
     "their password, plain or {SHA} and its SHA-1 in hex", ApplyText<&T::http_password>,
     nullptr},
    {SectionKind::kSupervisord, kKeyEnvironment, ValueType::kEnvironment, "",
     "variables added to every program's environment", ApplyEnvironment, nullptr},
    {SectionKind::kSupervisord, "pidfile", ValueType::kPath, "",
     "where tend writes its pid, for scripts that look there", ApplyText<&T::pidfile>, nullptr},
    {SectionKind::kInclude, kKeyFiles, ValueType::kPatterns, "", "more files to read", nullptr,
     nullptr},
    {SectionKind::kGroup, kKeyPrograms, ValueType::kNames, "", "programs in the group", nullptr,
     nullptr},
};

// Keys of supervisord that tend knows but does not use. `unsupported`: a program
// feature tend lacks (warned about); the others are silently ignored in their section.
struct KnownKey {
  SectionKind section;
  const char* name;
  bool unsupported;
};

constexpr SectionKind kSup = SectionKind::kSupervisord;
const KnownKey kKnownKeys[] = {
    {kProg, "stdout_capture_maxbytes", true},
    {kProg, "stderr_capture_maxbytes", true},
    {kProg, "stdout_syslog", true},
    {kProg, "stderr_syslog", true},
    {kProg, "serverurl", true},
    {kProg, "startinorder", true},
    {kSup, "minfds", false},
    {kSup, "minprocs", false},
    {kSup, "directory", false},
    {kSup, "user", false},
    {kSup, "umask", false},
    {kSup, "logfile", false},
    {kSup, "logfile_maxbytes", false},
    {kSup, "logfile_backups", false},
    {kSup, "loglevel", false},
    {kSup, "identifier", false},
    {kSup, "nodaemon", false},
    {kSup, "silent", false},
    {kSup, "childlogdir", false},
    {kSup, "nocleanup", false},
    {kSup, "strip_ansi", false},
    {SectionKind::kUnixHttpServer, "username", false},
    {SectionKind::kUnixHttpServer, "password", false},
    {SectionKind::kSupervisorctl, "serverurl", false},
    {SectionKind::kSupervisorctl, "username", false},
    {SectionKind::kSupervisorctl, "password", false},
    {SectionKind::kSupervisorctl, "prompt", false},
    {SectionKind::kSupervisorctl, "history_file", false},
    {SectionKind::kGroup, "priority", false},
    {SectionKind::kEventListener, kKeyResultHandler, false},
    {SectionKind::kFcgiProgram, "socket", false},
    {SectionKind::kFcgiProgram, "socket_backlog", false},
    {SectionKind::kFcgiProgram, "socket_owner", false},
    {SectionKind::kFcgiProgram, "socket_mode", false},
};

const KnownKey* FindKnown(SectionKind kind, const std::string& name) {
  for (const KnownKey& k : kKnownKeys)
    if (k.section == kind && name == k.name) return &k;
  return nullptr;
}

const SourceLocation* Given(const std::map<std::string, SourceLocation>& given, const char* key) {
  auto it = given.find(key);
  return it == given.end() ? nullptr : &it->second;
}

}  // namespace

SectionKind ClassifySection(const std::string& name, std::string* suffix) {
  for (const SectionSpec& s : kSections) {
    std::string prefix = std::string(s.name) + ":";
    if (s.form != Form::kNamed && name == s.name) {
      suffix->clear();
      return s.kind;
    }
    if (s.form != Form::kPlain && name.compare(0, prefix.size(), prefix) == 0) {
      *suffix = name.substr(prefix.size());
      return s.kind;
    }
  }
  return SectionKind::kUnknown;
}

std::string SectionDisplayName(SectionKind kind) {
  for (const SectionSpec& s : kSections)
    if (s.kind == kind) return std::string("[") + s.name + (s.form == Form::kNamed ? ":x]" : "]");
  return "[?]";
}

const char* TypeName(ValueType type) {
  switch (type) {
    case ValueType::kCommand:
      return "command";
    case ValueType::kPath:
      return "path";
    case ValueType::kText:
      return "text";
    case ValueType::kEnvironment:
      return "pairs";
    case ValueType::kUser:
      return "user";
    case ValueType::kOctal:
      return "octal";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "integer";
    case ValueType::kCount:
      return "count";
    case ValueType::kDuration:
      return "duration";
    case ValueType::kSignal:
      return "signal";
    case ValueType::kSize:
      return "size";
    case ValueType::kExitCodes:
      return "codes";
    case ValueType::kAutorestart:
      return "when";
    case ValueType::kRestart:
      return "policy";
    case ValueType::kProgramType:
      return "kind";
    case ValueType::kNames:
      return "names";
    case ValueType::kPatterns:
      return "patterns";
    case ValueType::kLogPrefix:
      return "template";
    case ValueType::kReady:
      return "source";
    case ValueType::kProbe:
      return "probe";
    case ValueType::kLogOverflow:
      return "mode";
    case ValueType::kAddress:
      return "address";
  }
  return "?";
}

KeyTable AllKeys() { return {kKeys, kKeys + sizeof kKeys / sizeof kKeys[0]}; }

const KeySpec* FindKey(SectionKind kind, const std::string& name) {
  for (const KeySpec& k : kKeys)
    if (k.section == kind && name == k.name) return &k;
  return nullptr;
}

const KeySpec* FindSectionKey(SectionKind kind, const std::string& name) {
  const KeySpec* k = FindKey(kind, name);
  if (!k && kind == SectionKind::kEventListener) k = FindKey(SectionKind::kProgram, name);
  return k;
}

bool ChecksKeys(SectionKind kind) {
  switch (kind) {
    case SectionKind::kTend:
    case SectionKind::kProgram:
    case SectionKind::kSupervisord:
    case SectionKind::kInclude:
    case SectionKind::kGroup:
    case SectionKind::kUnixHttpServer:
    case SectionKind::kInetHttpServer:
    case SectionKind::kSupervisorctl:
    case SectionKind::kEventListener:
      return true;
    case SectionKind::kFcgiProgram:
    case SectionKind::kRpcInterface:
    case SectionKind::kCtlPlugin:
    case SectionKind::kUnknown:
      return false;
  }
  return false;
}

KeyStatus ClassifyKey(SectionKind kind, const std::string& name, SectionKind* belongs) {
  if (FindSectionKey(kind, name)) return KeyStatus::kUsed;
  const KnownKey* known = FindKnown(kind, name);
  if (!known && kind == SectionKind::kEventListener) known = FindKnown(SectionKind::kProgram, name);
  if (known) return known->unsupported ? KeyStatus::kUnsupported : KeyStatus::kIgnored;
  for (const KeySpec& k : kKeys) {
    if (name == k.name) {
      *belongs = k.section;
      return KeyStatus::kWrongSection;
    }
  }
  for (const KnownKey& k : kKnownKeys) {
    if (name == k.name) {
      *belongs = k.section;
      return KeyStatus::kWrongSection;
    }
  }
  return KeyStatus::kUnknown;
}

void FinishProgram(const std::map<std::string, SourceLocation>& given, const SourceLocation& header,
                   ProgramConfig* p, std::vector<ConfigProblem>* problems) {
  using Kind = ConfigProblem::Kind;
  const SourceLocation* stop = Given(given, kKeyStopAsGroup);
  const SourceLocation* kill = Given(given, kKeyKillAsGroup);
  // supervisord: killasgroup defaults to stopasgroup, and stopasgroup implies killasgroup.
  if (!kill) {
    p->killasgroup = p->stopasgroup;
  } else if (!stop && !p->killasgroup) {
    p->stopasgroup = false;
  } else if (p->stopasgroup && !p->killasgroup) {
    problems->push_back({Kind::kError, *kill,
                         "killasgroup = false contradicts stopasgroup = true (a group asked "
                         "to stop must also be killed as a group)"});
  }
  if (p->listener) {
    if (p->redirect_stderr) {
      problems->push_back({Kind::kError, *Given(given, kKeyRedirectStderr),
                           "redirect_stderr = true is not allowed for an event listener: its "
                           "stdout is the protocol's"});
    }
    if (p->tty) {
      problems->push_back({Kind::kError, *Given(given, kKeyTty),
                           "tty = true is not allowed for an event listener: it reads events "
                           "on its stdin"});
    }
    if (!Given(given, kKeyEvents)) {
      problems->push_back({Kind::kError, header,
                           std::string("an event listener needs an ") + kKeyEvents + " line"});
    }
  }
  const SourceLocation* err_log = Given(given, kKeyStderrLogfile);
  if (p->redirect_stderr && err_log && !p->stderr_logfile.empty() && p->stderr_logfile != "AUTO" &&
      p->stderr_logfile != "NONE") {
    problems->push_back({Kind::kWarning, *err_log,
                         "stderr_logfile is ignored: redirect_stderr = true sends stderr to "
                         "stdout's destination"});
  }
  if (p->redirect_stderr) p->stderr_logfile.clear();
  if (const SourceLocation* watchdog = Given(given, "watchdog")) {
    if (p->watchdog_ms > 0 && p->ready.kind != ReadySource::Kind::kNotify) {
      problems->push_back({Kind::kError, *watchdog,
                           "watchdog needs ready = notify: it is sd_notify's WATCHDOG=1"});
    }
  }
  if (const SourceLocation* health = Given(given, kKeyHealth)) {
    if (p->health.active() && p->type == ProgramType::kOneshot) {
      problems->push_back({Kind::kError, *health,
                           "health is for longrun programs: a oneshot is done when it exits"});
    }
  }
  if (const SourceLocation* ready = Given(given, kKeyReady)) {
    if (p->ready.active() && p->type == ProgramType::kOneshot) {
      problems->push_back({Kind::kError, *ready,
                           "ready is for longrun programs: a oneshot is done when it exits"});
    }
  }
  if (!Given(given, kKeyCommand)) {
    problems->push_back({Kind::kError, header, "[" + std::string(p->listener ? "eventlistener" : "program") + ":" +
                                                 p->program_name + "] has no command"});
  }
}

}  // namespace tend
