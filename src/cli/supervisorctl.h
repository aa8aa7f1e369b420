// supervisorctl: tend's drop-in for supervisord's client, so that scripts, health checks
// and habits written for supervisord keep working against tend. The same command line,
// the same output byte for byte and the same exit codes as supervisorctl 4.2, over tend's
// own control protocol (protocol.h); supervisorctl.8 lists what differs.
#ifndef TEND_SUPERVISORCTL_H_
#define TEND_SUPERVISORCTL_H_

#include <string>
#include <vector>

#include "control/supervisord_info.h"

namespace tend {

/// supervisorctl's main, for the tend binary run under that name. Returns its exit status
/// (supervisorctl's LSB codes: 0, 1 generic, 2 bad arguments, 3 not running for status,
/// 4 unknown for status, 7 not running).
int SupervisorctlMain(int argc, char** argv);

/// supervisorctl's options, before the action's words.
struct SctlOptions {
  std::string config;  ///< -c FILE.
  std::string url;     ///< -s URL.
  bool interactive = false;
  int first_word = 1;  ///< argv's index of the action, or argc when none.
};
enum class SctlParse { kRun, kHelp, kError };

/// Reads supervisorctl 4.2.5's options (-c, -s, -i, -h; -u, -p, -r accepted and
/// ignored). kError with supervisorctl's `message` (two lines) for an unknown one.
SctlParse ParseSctlOptions(int argc, char** argv, SctlOptions* out, std::string* message);

/// A command line of the prompt as supervisorctl splits it: at whitespace.
std::vector<std::string> Words(const std::string& line);



}  // namespace tend

#endif  // TEND_SUPERVISORCTL_H_
