// The authoritative table of configuration sections and keys (DESIGN.md, "one key
// table", after dinit's settings table). Section and key names appear as literals only
// in config_keys.cc; other code refers to the table or to the constants below.
#ifndef TEND_CONFIG_KEYS_H_
#define TEND_CONFIG_KEYS_H_

#include <stddef.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"

namespace tend {

/// The kinds of section tend knows, its own and supervisord's.
enum class SectionKind {
  kTend,            ///< [tend]: tend's own settings (TendSettings).
  kProgram,         ///< [program:NAME]: a program to run.
  kSupervisord,     ///< [supervisord]: only `environment` and `pidfile` are used.
  kInclude,         ///< [include]: `files` to read.
  kGroup,           ///< [group:NAME]: accepted; sets %(group_name)s for its programs.
  kEventListener,   ///< [eventlistener:NAME]: a program that is sent supervisord's events.
  kFcgiProgram,     ///< [fcgi-program:NAME]: skipped with a warning.
  kUnixHttpServer,  ///< supervisord's control servers and client: ignored, with a notice.
  kInetHttpServer,
  kSupervisorctl,
  kRpcInterface,  ///< [rpcinterface:NAME], free-form keys: ignored, with a notice.
  kCtlPlugin,     ///< [ctlplugin:NAME], free-form keys: ignored, with a notice.
  kUnknown,
};

/// The kind of section `name` (the text between the brackets) is; `suffix` receives
/// what follows "kind:" for named sections ("web" for "program:web").
SectionKind ClassifySection(const std::string& name, std::string* suffix);

/// How a section kind is written in messages: "[program:x]", "[supervisord]".
std::string SectionDisplayName(SectionKind kind);

/// The value type of a key; TypeName() is the placeholder used in tend.conf(5).
enum class ValueType {
  kCommand,      ///< Words split like a shell's (SplitCommand).
  kPath,         ///< Text, stored as given.
  kText,         ///< Text, stored as given.
  kEnvironment,  ///< KEY=value pairs (ParseEnvironment).
  kUser,         ///< A user name or uid, resolved from passwd/group.
  kOctal,        ///< An octal mask.
  kBool,         ///< true/false/yes/no/on/off/1/0.
  kInt,          ///< A decimal integer.
  kCount,        ///< A non-negative integer or "infinite".
  kDuration,     ///< "10" (seconds), "500ms", "1m30s".
  kSignal,       ///< A signal name or number.
  kSize,         ///< Bytes with an optional KB/MB/GB suffix.
  kExitCodes,    ///< A comma-separated list of exit codes.
  kAutorestart,  ///< true, false or unexpected.
  kRestart,      ///< always, on-failure or never.
  kProgramType,  ///< longrun or oneshot.
  kNames,        ///< Names separated by commas and/or spaces.
  kPatterns,     ///< Glob patterns separated by spaces.
  kLogPrefix,    ///< Text with {name}, {pid} and {stream} (ParseLogPrefix).
  kLogOverflow,  ///< block or drop.
  kReady,        ///< A readiness source: log:TEXT, log:/REGEX/, fd:N, notify, a probe.
  kProbe,        ///< tcp:[HOST:]PORT, http:[HOST:]PORT/PATH or exec:COMMAND.
  kAddress,      ///< [HOST:]PORT to listen on.
};
const char* TypeName(ValueType type);

/// Passed to every apply function.
struct ApplyContext {
  std::string etc_dir;  ///< Where passwd and group are read ("" = "/etc").
};

/// What applying one value did: kBad (the value is wrong; `why` says why) or kMachine
/// (the value is fine but this machine cannot honour it; `why` is the whole message).
enum class ApplyStatus { kOk, kBad, kMachine };

/// Parses an expanded value of a [program:x] key (or of [supervisord] environment) and
/// stores it into `p`.
using ProgramApplyFn = ApplyStatus (*)(const std::string& value, const ApplyContext& ctx,
                                       ProgramConfig* p, std::string* why);
/// Parses an expanded value of a [tend] key and stores it into `t`.
using TendApplyFn = ApplyStatus (*)(const std::string& value, const ApplyContext& ctx,
                                    TendSettings* t, std::string* why);

/// A row's apply function: one that stores into a ProgramConfig, one that stores into
/// the TendSettings, or none (keys the loader reads itself). Built implicitly from
/// either kind of function, or from nullptr; called like the function it holds.
struct Applier {
  // Implicit, so that the table's rows name their function only.
  constexpr Applier(std::nullptr_t = nullptr) {}
  constexpr Applier(ProgramApplyFn f) : program(f) {}
  constexpr Applier(TendApplyFn f) : tend(f) {}
  explicit operator bool() const { return program || tend; }
  ApplyStatus operator()(const std::string& value, const ApplyContext& ctx, ProgramConfig* p,
                         std::string* why) const {
    return program(value, ctx, p, why);
  }
  ApplyStatus operator()(const std::string& value, const ApplyContext& ctx, TendSettings* t,
                         std::string* why) const {
    return tend(value, ctx, t, why);
  }
  ProgramApplyFn program = nullptr;
  TendApplyFn tend = nullptr;
};

/// One row of the key table.
struct KeySpec {
  SectionKind section;
  const char* name;
  ValueType type;
  const char* default_text;  ///< "" when the default is "not set"; tend.conf(5) explains.
  const char* doc;           ///< One line.
  /// nullptr for keys the loader reads itself (numprocs, process_name, include files...);
  /// a TendApplyFn for [tend] keys, else a ProgramApplyFn.
  Applier apply;
  /// Another key of the section that sets the same field, or nullptr; when both are
  /// given, the later line wins and a warning says so.
  const char* same_as;
};

/// Iterable view of the table: `for (const KeySpec& k : AllKeys())`.
struct KeyTable {
  const KeySpec* first;
  const KeySpec* last;
  const KeySpec* begin() const { return first; }
  const KeySpec* end() const { return last; }
  size_t size() const { return static_cast<size_t>(last - first); }
};
KeyTable AllKeys();

/// The row for `name` in sections of `kind`, or nullptr.
const KeySpec* FindKey(SectionKind kind, const std::string& name);
/// The row a key `name` of a section of `kind` uses: FindKey's, and for an
/// [eventlistener:x] a [program:x] row too (a listener takes every key a program does).
const KeySpec* FindSectionKey(SectionKind kind, const std::string& name);

/// The most events buffer_size may hold.
constexpr int64_t kMaxListenerBuffer = 65536;

/// What a key means in a section, for warnings about keys tend does not use.
enum class KeyStatus {
  kUsed,          ///< A row of the key table for this section.
  kIgnored,       ///< A supervisord key of this section that tend does not need.
  kUnsupported,   ///< A supervisord program key tend does not implement.
  kWrongSection,  ///< Valid in another section (`*belongs` says which).
  kUnknown,
};
KeyStatus ClassifyKey(SectionKind kind, const std::string& name, SectionKind* belongs);

/// True for section kinds whose keys are checked against the tables (the others are
/// skipped whole, or take free-form keys).
bool ChecksKeys(SectionKind kind);

/// Names of keys that the loader reads itself or refers to in messages.
extern const char kKeyCommand[];
extern const char kKeyEnvironment[];
extern const char kKeyUser[];
extern const char kKeyChown[];  ///< [unix_http_server]
extern const char kKeyNumprocs[];
extern const char kKeyNumprocsStart[];
extern const char kKeyProcessName[];
extern const char kKeyDependsOn[];
extern const char kKeyCritical[];
extern const char kKeyReady[];
extern const char kKeyHealth[];
extern const char kKeyFiles[];     ///< [include]
extern const char kKeyPrograms[];  ///< [group:x]
extern const char kKeyEvents[];    ///< [eventlistener:x]
extern const char kKeyUsername[];  ///< [inet_http_server]
extern const char kKeyMetricsAddress[];  ///< [tend]
extern const char kKeyPassword[];  ///< [inet_http_server]
extern const char kKeyResultHandler[];  ///< [eventlistener:x]
/// The only result_handler tend has: supervisord's default.
extern const char kDefaultResultHandler[];

/// The default of process_name.
extern const char kDefaultProcessName[];

/// Rules between the keys of one process, run after every key was applied: killasgroup
/// follows stopasgroup unless given (and the reverse when only killasgroup=false is
/// given), stopasgroup=true with killasgroup=false is an error, redirect_stderr voids
/// stderr_logfile (with a warning), and command is required. `given` maps each key of
/// the section to where it was set; `header` is the section header.
void FinishProgram(const std::map<std::string, SourceLocation>& given, const SourceLocation& header,
                   ProgramConfig* p, std::vector<ConfigProblem>* problems);

}  // namespace tend

#endif  // TEND_CONFIG_KEYS_H_
