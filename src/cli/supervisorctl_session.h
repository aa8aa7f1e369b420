// The session of tend's supervisorctl drop-in (supervisorctl.h): its view of the
// programs, the requests it makes, and how it reads supervisorctl's NAME arguments.
// Internal to supervisorctl*.cc.
#ifndef TEND_SUPERVISORCTL_SESSION_H_
#define TEND_SUPERVISORCTL_SESSION_H_

#include <stdint.h>

#include <functional>
#include <string>
#include <vector>

#include "control/control_client.h"
#include "control/protocol.h"

namespace tend {

/// The name supervisorctl shows: NAME, or GROUP:NAME when they differ.
std::string Namespec(const std::string& group, const std::string& name);

namespace sctl {

// supervisorctl's exit statuses (supervisor/states.py: LSBInitExitStatuses and, for
// status, LSBStatusExitStatuses).
constexpr int kGeneric = 1;
constexpr int kInvalidArgs = 2;
constexpr int kStatusNotRunning = 3;
constexpr int kStatusUnknown = 4;
constexpr int kRefused = 4;
constexpr int kNotRunning = 7;

// One program as supervisorctl sees it.
struct Proc {
  std::string name, group, state, spec;
  int64_t pid = 0;
  int64_t state_ms = 0;
  int64_t started_ago_ms = -1;  // -1: never started.
  int64_t priority = 999, group_priority = 999;
  size_t index = 0;        // Its place in tend's answer: the configuration's order.
  size_t group_index = 0;  // Its group's first member's index.
  bool autostart = true;
  std::string failure;  // Why its last run failed, when tend knows more than an exit.
  bool launched() const { return started_ago_ms >= 0; }
};

struct Sctl {
  std::string url;     // As shown in connection errors: unix:///run/tend.sock.
  std::string socket;  // The path.
  int64_t wait_ms = 0;  // How long a socket not there yet is waited for (SocketTarget).
  int status = 0;      // The exit status so far.
  std::vector<Proc> procs;  // Lexical order (group, then name), once fetched.
  bool interactive = false;  // At the supervisor> prompt: reload asks first.
  std::string typed;         // Read from standard input past the last line taken.
};

using Args = std::vector<std::string>;

// supervisorctl's NAME arguments: "all", "GROUP:*" (or "GROUP:"), "GROUP:NAME", "NAME"
// (the group of the same name), and the programs each one names, in lexical order (none
// for an unknown name).
struct Target {
  std::string arg;
  bool group = false;
  std::vector<const Proc*> procs;
};
/// Writes `s` and a newline to standard output.
void Line(const std::string& s);

/// Connects `client` to tend and exchanges HELLO; false (after supervisorctl's line, with
/// the status set and `*unreachable` true) when tend is out of reach.
bool Connect(Sctl* s, ControlClient* client, bool* unreachable = nullptr);

/// Sends `req` on a fresh connection; data frames go to `on_data`. Returns true on OK
/// (into `ok`, if given); false on ERROR (its message in `err`) or when tend cannot be
/// reached (a line printed, the status set, `*unreachable` true).
bool Request(Sctl* s, const Message& req, const std::function<void(const Message&)>& on_data,
             std::string* err, bool* unreachable = nullptr, Message* ok = nullptr);

/// Every program into s->procs, in supervisord's lexical order. False if tend is out of
/// reach.
bool Fetch(Sctl* s);

/// supervisord's RUNNING_STATES (STARTING, RUNNING, BACKOFF) and STOPPED_STATES
/// (STOPPED, EXITED, FATAL).
bool Running(const Proc& p);
bool Stopped(const Proc& p);

std::vector<Target> Resolve(const Sctl& s, const std::vector<std::string>& names);
bool HasAll(const std::vector<std::string>& args);
/// Prints a null-terminated list of help lines.
void Help(const char* const* lines);
/// The next line of standard input, without its newline; false at its end.
bool ReadLine(Sctl* s, std::string* line);

/// The end of a log kept by tend, as supervisorctl tails a log file: `req` (a LOGS
/// request) answered with the last `bytes` bytes of the lines of `stream` (0: both),
/// or with `follow`, the last 1024 bytes and every new line until the connection ends.
int ShowLog(Sctl* s, Message req, int stream, bool follow, int64_t bytes);

/// RELOAD, dry or not: the groups added, changed and removed. False (after a line) when
/// the configuration has errors or tend cannot be reached.
bool Reread(Sctl* s, bool dry_run, Args* added, Args* changed, Args* removed);
/// Whether the groups `named` hold every change Reread found: tend applies a
/// configuration whole, so update GROUP, add and remove can act only then. False (after
/// a line, with the status set) when another group changed too.
bool OnlyChanges(Sctl* s, const Args& named, const Args& added, const Args& changed,
                 const Args& removed);

// The commands (supervisorctl.cc, supervisorctl_admin.cc). Each takes the words after
// its name and returns the exit status so far.
int Status(Sctl* s, const Args& args);
int Reload(Sctl* s, const Args& args);
int Maintail(Sctl* s, const Args& args);
int Add(Sctl* s, const Args& args);
int Remove(Sctl* s, const Args& args);
int Fg(Sctl* s, const Args& args);
int Open(Sctl* s, const Args& args);

/// The programs that `args` name for start, stop and signal ("all": those that pass
/// `all_filter`), after a line and a status for each name that matches nothing;
/// `group_code` is the status for an unknown group.
/// supervisord's order for all and GROUP:*: by group priority, then priority, ties in
/// the configuration's order.
void PriorityOrder(std::vector<const Proc*>* procs);

std::vector<const Proc*> Targets(Sctl* s, const std::vector<std::string>& args, int group_code,
                                 const std::function<bool(const Proc&)>& all_filter);

}  // namespace sctl
}  // namespace tend

#endif  // TEND_SUPERVISORCTL_SESSION_H_
