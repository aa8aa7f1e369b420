// supervisord's XML-RPC interface ("supervisor." and "system." methods, as
// supervisor 4.2.5's rpcinterface.py answers them) over the Supervisor: process info,
// start, stop, signal, state, logs, the configuration, and supervisord's fault codes and
// strings. A call that waits (startProcess with wait, the default) is answered later,
// once decided. rpc_admin.cc holds the methods about logs and the configuration.
#ifndef TEND_RPC_METHODS_H_
#define TEND_RPC_METHODS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/xmlrpc.h"
#include "core/supervisor.h"

namespace tend {

class ListenerPools;
class LogRouter;

/// supervisord's fault codes (supervisor/xmlrpc.py).
enum Fault {
  kUnknownMethod = 1,
  kIncorrectParameters = 2,
  kBadArguments = 3,
  kSignatureUnsupported = 4,
  kShutdownState = 6,
  kBadName = 10,
  kBadSignal = 11,
  kNoFile = 20,
  kNotExecutable = 21,
  kFailed = 30,
  kAbnormalTermination = 40,
  kSpawnError = 50,
  kAlreadyStarted = 60,
  kNotRunning = 70,
  kSuccess = 80,
  kAlreadyAdded = 90,
  kStillRunning = 91,
  kCantReread = 92,
};

/// What a call gives: a value or a fault ("BAD_NAME: web").
struct RpcOutcome {
  bool fault = false;
  int code = 0;
  std::string text;
  xmlrpc::Value value;
  static RpcOutcome Of(xmlrpc::Value v);
  static RpcOutcome Failure(int code, const std::string& extra = "");
  /// The methodResponse body.
  std::string Body() const;
};

class RpcMethods {
 public:
  struct Callbacks {
    std::function<void()> shutdown;  ///< supervisor.shutdown: stop as on SIGTERM.
  };
  /// A call's answer: `now`, or, when `wait` is set, once wait() returns true (it is
  /// asked again at each change of a program's state).
  struct Reply {
    RpcOutcome now;
    std::function<bool(RpcOutcome*)> wait;
  };

  /// `logs` (may be null) holds what the log methods read: each program's recent lines
  /// and tend's own, kept as tendctl logs keeps them.
  RpcMethods(Supervisor* supervisor, ListenerPools* listeners, LogRouter* logs,
             Callbacks callbacks);
  /// A program's group priority as supervisord sees it: its own priority when it is its
  /// group, else 999 (a [group:x]'s own priority, which tend does not read).
  static int GroupPriority(const ProgramConfig& c);
  Reply Call(const xmlrpc::Call& call);
  /// What GET /logtail/NAMESPEC[/CHANNEL] follows (NAMESPEC empty: /mainlogtail, tend's
  /// own lines): the ring's `name` and `stream`, and the last 1024 bytes to send first,
  /// as supervisord's tail -f starts. False (a 404) for no one process or a channel
  /// other than stdout and stderr.
  bool FollowLog(const std::string& namespec, const std::string& channel, std::string* name,
                 int* stream, std::string* head) const;
  /// A restart (supervisor.restart) is under way: Continue() is to be called after
  /// each change of a program's state.
  bool busy() const { return restarting_; }
  /// Takes a restart on once every program is down: the files read again and applied,
  /// the autostart programs started.
  void Continue();

 private:
  struct Target {
    std::vector<Service*> services;
    bool group = false;  // The name was a group (GROUP:* or a group's name).
  };
  /// supervisord's namespecs: NAME, GROUP:NAME, GROUP:* or a group's name. False with
  /// BAD_NAME when it names nothing.
  bool Resolve(const std::string& namespec, Target* out, RpcOutcome* fault) const;
  /// supervisord's RUNNING_STATES: a start is refused, a stop goes ahead.
  static bool Running(const Service* s);
  /// One process's line of a group's answer: {name, group, status, description}.
  static xmlrpc::Value GroupResult(const std::pair<std::string, std::string>& which, int status,
                                   const std::string& description);

  xmlrpc::Value Info(const Service* s) const;
  /// Every program, in supervisord's orders: `lexical` by group then name
  /// (getAllProcessInfo), else by group priority and name, then priority (start all).
  std::vector<Service*> All(bool lexical) const;
  Reply Start(const std::vector<Service*>& services, bool wait, bool as_group);
  Reply Stop(const std::vector<Service*>& services, bool wait, bool as_group);
  RpcOutcome Signal(const std::vector<Service*>& services, const xmlrpc::Value& sig, bool as_group);
  Reply Multicall(const xmlrpc::Value& calls);
  /// readLog, readProcess*Log, tailProcess*Log and the clears; false when `method` is
  /// none of them.
  bool LogMethod(const std::string& method, const std::vector<xmlrpc::Value>& params,
                 RpcOutcome* out);
  /// reloadConfig, addProcessGroup, removeProcessGroup, getAllConfigInfo and restart;
  /// false when `method` is none of them.
  bool ConfigMethod(const std::string& method, const std::vector<xmlrpc::Value>& params,
                    RpcOutcome* out);
  /// Applies `group` as `source` has it (Supervisor::ApplyGroup): true, or FAILED.
  bool Apply(const Config& source, const std::string& group, RpcOutcome* out);

  Supervisor* supervisor_;
  ListenerPools* listeners_;
  LogRouter* logs_;
  Callbacks callbacks_;
  /// The configuration last read (supervisord's process_group_configs): by reloadConfig,
  /// or the running one as it was before the first removeProcessGroup.
  std::unique_ptr<Config> read_;
  uint64_t read_generation_ = 0;  // The Supervisor's generation read_ describes.
  bool restarting_ = false;
};

}  // namespace tend

#endif  // TEND_RPC_METHODS_H_
