// Where tend's control socket is: the places tend listens by default, and how a client
// (tendctl, the supervisorctl drop-in) finds the tend it means. One order for both,
// documented in tendctl(1) and tend(8).
#ifndef TEND_SOCKET_PATHS_H_
#define TEND_SOCKET_PATHS_H_

#include <string>
#include <vector>

#include "config/config.h"

namespace tend {

/// The default places, in order: /run/tend.sock, $XDG_RUNTIME_DIR/tend.sock (when set
/// to an absolute path), /tmp/tend-UID/tend.sock (UID: the effective uid). tend
/// listens at the first it can; a client looks in the same order.
std::vector<std::string> DefaultSocketPaths();

/// The private directory /tmp/tend-UID: made 0700 if missing; false with `err` when it is
/// not a directory of this uid's that only it may enter (a symbolic link, another
/// user's), so that nobody else can put a socket where tendctl looks.
bool PrivateSocketDir(const std::string& dir, std::string* err);

/// What a client connects to.
struct SocketTarget {
  std::string path;
  /// Named by -s, the environment or a file: used even when nothing listens there.
  bool named = false;
  /// From TEND_CONTROL, given by the tend that runs the caller: that tend makes its
  /// socket just after starting its programs, so a client waits for it a little
  /// (kControlSocketWaitMs) rather than finding no one there.
  bool from_tend = false;
};

/// How long a client of the tend that runs it waits for the socket to be there.
constexpr int64_t kControlSocketWaitMs = 2000;

/// The socket a client uses: `flag` (-s), else $TEND_SOCKET, else `config` (-c FILE):
/// its [supervisorctl] serverurl (unix://PATH), else its [unix_http_server] file (with
/// %(here)s and %(ENV_X)s expanded); else $TEND_CONTROL (what tend gives its programs);
/// else the first of `implicit_configs` that names a socket
/// that is there (the drop-in reads /etc/supervisord.conf, as supervisorctl does);
/// else the first default place that holds a socket of root's or this user's that this
/// user may use. False with `err` when `config` cannot be read or names no unix socket,
/// or when several tends listen
/// at /run/tend.sock and /run/tend.N.sock (a client never picks one silently).
bool FindSocket(const std::string& flag, const std::string& config,
                const std::vector<std::string>& implicit_configs, SocketTarget* out,
                std::string* err);

/// Where tend's control socket is to be: `flag` (--socket), else $TEND_SOCKET, else
/// [tend] socket, else [unix_http_server] file; "" when there is to be none. `chosen`:
/// the user named it (a [tend] socket equal to the default counts as the default).
std::string ListenPath(const std::string& flag, const TendSettings& tend, bool* chosen);

/// The default socket's sibling for the Nth tend sharing its directory: /run/tend.N.sock.
std::string InstanceSocketPath(int n);

}  // namespace tend

#endif  // TEND_SOCKET_PATHS_H_
