// tendctl's two commands that hand the caller's terminal over: exec (become a command
// set up as a program runs) and attach (use a program's terminal through tend).
#ifndef TEND_CTL_TERMINAL_H_
#define TEND_CTL_TERMINAL_H_

#include <string>
#include <vector>

#include "control/control_client.h"
#include "control/protocol.h"

namespace tend {

/// Prints "tendctl: MESSAGE" on stderr; returns `code` (for `return Fail(...)`).
int Fail(int code, const std::string& message);

/// Takes on the environment, groups, user, umask and directory that tend's EXEC reply
/// `info` gives, then execs `command` (empty: $SHELL, else /bin/sh) in place. Returns
/// only on failure: 127 (not found) or 126, with a message.
int ExecAsProgram(const std::string& name, const Message& info,
                  const std::vector<std::string>& command);

/// Attaches to program `name` over `client` (connected): relays the terminal in raw
/// mode until Ctrl-P Ctrl-Q, or streams the output of a program without a terminal.
/// Returns the exit status.
int AttachTo(ControlClient* client, const std::string& name);

/// Detach sequence state: feeds input bytes, returns those to forward, and sets
/// `detach` once Ctrl-P Ctrl-Q was typed (a Ctrl-P alone is passed on with the next byte).
class DetachKeys {
 public:
  std::string Feed(const char* data, size_t n, bool* detach);

 private:
  bool after_ctrl_p_ = false;
};

}  // namespace tend

#endif  // TEND_CTL_TERMINAL_H_
