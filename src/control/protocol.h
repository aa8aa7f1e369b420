// The control protocol between tend and its clients (tendctl, scripts), over the unix
// stream socket /run/tend.sock. Pure encode/decode shared by both sides; no I/O here.
//
// Framing. Every message is one frame:
//
//   u32 size      bytes that follow (type and fields), little-endian; at most
//                 kMaxRequestBytes from a client, kMaxReplyBytes from tend
//   u16 type      MsgType
//   fields        zero or more of: u16 tag (Tag), u32 length, `length` bytes of value
//
// Integers in values are 8 bytes, little-endian, signed; text is UTF-8 without a
// terminator. A tag may repeat (several names). Unknown tags are skipped, so a field can
// be added without a new version; a frame whose fields overrun it is malformed.
//
// Conversation. The client opens with HELLO (its kVersion); tend answers HELLO_REPLY (its
// own kVersion, kServerVersion, kPid) or ERROR. Then requests, one at a time, each answered
// by zero or more data frames (PROGRAM, LOG, OUTPUT, EXEC) and one final OK or ERROR. Two
// requests stream until the client hangs up: LOGS with kFollow (LOG frames) and ATTACH
// (OUTPUT frames, with INPUT, RESIZE and DETACH accepted from the client meanwhile).
// ERROR's kCode is the exit status tendctl uses (ErrorCode).
//
// Numbers are never reused: a retired type or tag stays in its enum as a comment.
// Version history (bump kProtocolVersion on any incompatible change):
//   1  tend 0.1: the messages below.
#ifndef TEND_PROTOCOL_H_
#define TEND_PROTOCOL_H_

#include <stdint.h>

#include <string>
#include <string_view>
#include <vector>

namespace tend {

constexpr int64_t kProtocolVersion = 1;
/// The largest frame tend accepts from a client, and the largest it sends.
constexpr uint32_t kMaxRequestBytes = 64 * 1024;
constexpr uint32_t kMaxReplyBytes = 4 * 1024 * 1024;

enum class MsgType : uint16_t {
  // Client to tend.
  kHello = 1,      ///< kVersion.
  kStatus = 2,     ///< kName* (none: every program) -> PROGRAM*, OK.
  kStart = 3,      ///< kName* | kAll, kWait, kTimeoutMs -> OK once there, or ERROR.
  kStop = 4,       ///< As kStart.
  kRestart = 5,    ///< As kStart.
  kSignal = 6,     ///< kSignal, kName* | kAll, kProcessGroup -> OK with kMessage.
  kLogs = 7,       ///< kName*, kLines, kFollow -> LOG*, OK (or LOG... until hang-up).
  kReload = 8,     ///< kDryRun -> OK with kMessage (what changed) and the kAddedGroup,
                   ///< kChangedGroup, kRemovedGroup, or ERROR with the problems.
  kShutdown = 9,   ///< -> OK, then tend stops everything and exits.
  kWait = 10,      ///< kName*, kTimeoutMs -> OK when all are up, or ERROR.
  kHealth = 11,    ///< -> OK, or ERROR (kCode 1) with kMessage lines saying why not.
  kExecInfo = 12,  ///< kName -> EXEC, OK: how to run a command as the program runs.
  kAttach = 13,    ///< kName, kRows, kCols -> OK, then OUTPUT* until DETACH or hang-up.
  kInput = 14,     ///< kData: keystrokes for the attached program's terminal.
  kResize = 15,    ///< kRows, kCols: the attached client's window size.
  kDetach = 16,    ///< Ends an ATTACH: tend answers OK.
  kClear = 17,     ///< kName* | kAll -> OK: forgets the programs' recent output.
  // tend to client.
  kHelloReply = 50,  ///< kVersion, kServerVersion, kPid.
  kOk = 51,          ///< kMessage (optional).
  kError = 52,       ///< kCode (ErrorCode), kMessage.
  kProgram = 53,     ///< One program's status (the kName... fields below).
  kLog = 54,         ///< kName, kStream, kData (one line, without its newline), kSeq.
  kOutput = 55,      ///< kStream, kData: raw bytes from an attached program.
  kExec = 56,        ///< kEnv*, kDirectory, kUid, kGid, kGroup*, kUmask, kUser.
};

enum class Tag : uint16_t {
  kVersion = 1,
  kServerVersion = 2,
  kPid = 3,
  kName = 4,
  kAll = 5,   ///< Every program (flag; value ignored).
  kWait = 6,  ///< Answer once the programs reached the new state (flag).
  kTimeoutMs = 7,
  kSignal = 8,  ///< A signal number.
  kLines = 9,
  kFollow = 10,  ///< Flag.
  kMessage = 11,
  kCode = 12,
  kState = 13,     ///< "RUNNING"... (Service::ToString).
  kUptimeMs = 14,  ///< Time in the current state.
  kRestarts = 15,
  kExitStatus = 16,  ///< "exited with status 3", "" if it never exited.
  kStream = 17,      ///< 1 stdout, 2 stderr.
  kData = 18,
  kRows = 19,
  kCols = 20,
  kEnv = 21,  ///< "NAME=value".
  kDirectory = 22,
  kUid = 23,
  kGid = 24,
  kGroup = 25,
  kUmask = 26,      ///< -1: tend's own.
  kUser = 27,       ///< User name, "" when the program runs as tend's user.
  kAutostart = 28,  ///< 1 or 0.
  kTty = 29,        ///< 1 or 0: the program runs on a terminal (tty = true).
  // 30: unused.
  kSeq = 31,  ///< Order of a LOG line among every program's lines.
  // 32: unused.
  kExitCode = 33,  ///< On PROGRAM: the last exit as a shell reports it ($?), -1 none.
  kProcessGroup = 34,  ///< On SIGNAL: to each program's process group (flag).
  kReady = 35,         ///< On PROGRAM: its readiness source ("log:...", "fd:3"), if any.
  kReadyWaitMs = 36,   ///< On PROGRAM: how long it has waited for ready, while it does.
  kNotifyStatus = 37,  ///< On PROGRAM: the last STATUS= it sent (ready = notify).
  kHealth = 38,        ///< On PROGRAM: its health probe ("http:8080/health"), if any.
  kHealthState = 39,   ///< On PROGRAM: starting, healthy, failing or unhealthy.
  kHealthFailures = 40,  ///< On PROGRAM: failed health probes in a row.
  kHealthDetail = 41,  ///< On PROGRAM: what the last health probe saw.
  kReadyDetail = 42,   ///< On PROGRAM: what the last ready probe saw, while waiting.
  kGroupName = 43,     ///< On PROGRAM: supervisord's group ([group:x], else the program).
  kStartedAgoMs = 44,  ///< On PROGRAM: since its last start; absent if it never started.
  kPriority = 45,      ///< On PROGRAM: its priority.
  kDryRun = 46,        ///< On RELOAD: compare only, change nothing (flag).
  kAddedGroup = 47,    ///< On RELOAD's OK: a supervisord group added (repeated).
  kChangedGroup = 48,  ///< On RELOAD's OK: a group with a program added, removed or changed.
  kRemovedGroup = 49,  ///< On RELOAD's OK: a group gone.
  kGroupPriority = 50,  ///< On PROGRAM: its group's priority (999 for a [group:x]).
  kDaemon = 51,  ///< On LOGS: tend's own messages instead of programs' (flag; no kName).
  kFailure = 52,  ///< On PROGRAM: why its last run failed ("not ready after 2s..."), if so.
  /// On START: programs whose command cannot be run now are not started (supervisord's
  /// check before spawning); they come back in the OK as kNoFile or kNotExecutable.
  kCheckCommand = 53,
  kNoFile = 54,         ///< In START's OK: a program whose command is nowhere (repeated).
  kNotExecutable = 55,  ///< In START's OK: a program whose command cannot run (repeated).
};

/// ERROR codes; tendctl exits with them.
enum ErrorCode : int {
  kCodeFailed = 1,      ///< The request ran and failed (a program did not start...).
  kCodeUsage = 2,       ///< A malformed or unknown request, bad arguments.
  kCodeNotRunning = 3,  ///< status: a named program is not RUNNING.
  kCodeNoSuchProgram = 4,
  kCodeUnreachable = 5,  ///< No tend at the socket (tendctl only).
  kCodeDenied = 6,       ///< The caller's uid may not use the socket.
  kCodeTimeout = 7,
};

/// One frame: a type and its fields, in order.
struct Message {
  MsgType type = MsgType::kOk;
  struct Field {
    Tag tag;
    std::string value;
  };
  std::vector<Field> fields;

  Message() = default;
  explicit Message(MsgType t) : type(t) {}

  Message& Add(Tag tag, std::string_view value);
  Message& AddInt(Tag tag, int64_t value);
  Message& AddFlag(Tag tag) { return Add(tag, ""); }

  bool Has(Tag tag) const;
  /// The first field with `tag`, or `fallback`.
  std::string Get(Tag tag, std::string_view fallback = "") const;
  int64_t GetInt(Tag tag, int64_t fallback = 0) const;
  /// Every field with `tag`, in order.
  std::vector<std::string> GetAll(Tag tag) const;
  std::vector<int64_t> GetAllInts(Tag tag) const;
};

/// Appends `m` as one frame to `out`.
void Encode(const Message& m, std::string* out);
std::string Encode(const Message& m);

/// Builds frames from a byte stream that arrives in pieces.
class FrameReader {
 public:
  explicit FrameReader(uint32_t max_size) : max_size_(max_size) {}
  /// Adds bytes as they were read.
  void Feed(const char* data, size_t n) { buf_.append(data, n); }
  enum class Result { kFrame, kNeedMore, kError };
  /// The next whole frame into `m`; kError (with `err`) for a frame that is oversized or
  /// malformed, after which the stream cannot be trusted.
  Result Next(Message* m, std::string* err);
  /// Bytes held that are not yet a whole frame.
  size_t pending() const { return buf_.size() - pos_; }

 private:
  uint32_t max_size_;
  std::string buf_;
  size_t pos_ = 0;  // Where the next frame starts in buf_.
};

/// Parses the fields of one frame's body (type already removed). False if they overrun.
bool DecodeFields(std::string_view body, Message* m);

/// "HELLO", "STATUS"... for logs and errors; "type N" for an unknown one.
std::string TypeName(MsgType t);

}  // namespace tend

#endif  // TEND_PROTOCOL_H_
