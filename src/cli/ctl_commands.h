// tendctl: the control client, from one command table (help, dispatch, the man page
// check and the completion script all follow it).
#ifndef TEND_CTL_COMMANDS_H_
#define TEND_CTL_COMMANDS_H_

#include <string>
#include <vector>

namespace tend {

/// tendctl's main: `argv[0]` is "tendctl" (or "ctl" from "tend ctl"). Returns the exit
/// status: 0, an ErrorCode (protocol.h), or for exec the command's own.
int CtlMain(int argc, char** argv);

/// Every command's name, in table order.
std::vector<std::string> CtlCommandNames();
/// Every command option's long name ("no-wait", "timeout"...) and tendctl's own.
std::vector<std::string> CtlOptionNames();

}  // namespace tend

#endif  // TEND_CTL_COMMANDS_H_
