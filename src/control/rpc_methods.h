// supervisord's XML-RPC interface ("supervisor." and "system." methods, as
// supervisor 4.2.5's rpcinterface.py answers them) over the Supervisor: process info,
// start, stop, signal, state, and supervisord's fault codes and strings. A call that
// waits (startProcess with wait, the default) is answered later, once decided.
#ifndef TEND_RPC_METHODS_H_
#define TEND_RPC_METHODS_H_

#include <functional>
#include <string>
#include <vector>

#include "control/xmlrpc.h"
#include "core/supervisor.h"

namespace tend {

class ListenerPools;

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

  RpcMethods(Supervisor* supervisor, ListenerPools* listeners, Callbacks callbacks);
  Reply Call(const xmlrpc::Call& call);

 private:
  struct Target {
    std::vector<Service*> services;
    bool group = false;  // The name was a group (GROUP:* or a group's name).
  };
  /// supervisord's namespecs: NAME, GROUP:NAME, GROUP:* or a group's name. False with
  /// BAD_NAME when it names nothing.
  bool Resolve(const std::string& namespec, Target* out, RpcOutcome* fault) const;
  xmlrpc::Value Info(const Service* s) const;
  /// Every program, in supervisord's orders: `lexical` by group then name
  /// (getAllProcessInfo), else by group priority and name, then priority (start all).
  std::vector<Service*> All(bool lexical) const;
  Reply Start(const std::vector<Service*>& services, bool wait, bool as_group);
  Reply Stop(const std::vector<Service*>& services, bool wait, bool as_group);
  RpcOutcome Signal(const std::vector<Service*>& services, const xmlrpc::Value& sig, bool as_group);
  Reply Multicall(const xmlrpc::Value& calls);

  Supervisor* supervisor_;
  ListenerPools* listeners_;
  Callbacks callbacks_;
};

}  // namespace tend

#endif  // TEND_RPC_METHODS_H_
