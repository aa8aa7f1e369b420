// tend's command line, parsed from one table of options.
#ifndef TEND_OPTIONS_H_
#define TEND_OPTIONS_H_

#include <stdint.h>

#include <string>
#include <vector>

#include "base/diag.h"

namespace tend {

/// Exit statuses of tend itself (the main program's status is passed through otherwise).
constexpr int kExitUsage = 2;     ///< Bad command line (and, later, bad configuration).
constexpr int kExitSystem = 111;  ///< tend could not set itself up (s6's convention).

struct Options {
  enum class Action { kRun, kCheck, kHelp, kVersion } action = Action::kRun;
  std::string config_path;  ///< -c; empty: TEND_CONFIG, else the default path.
  std::string socket_path;  ///< -s; empty: TEND_SOCKET, else [tend] socket.
  int64_t stop_timeout_ms = 8000;
  int stop_signal = 0;  ///< 0: pass on the TERM/INT received.
  bool signal_child_only = false;
  Level diag_level = Level::kInfo;
  std::vector<std::string> command;
};

/// Parses argv. Options end at "--" or at the first argument that is not an option.
/// Returns false with a one-line `err` naming the offending argument. A missing
/// command is not an error here: the configuration may name programs to run.
bool ParseOptions(int argc, const char* const* argv, Options* opts, std::string* err);

/// The long names of every option, from the table (the man page is checked against them).
std::vector<std::string> OptionNames();

/// The --help text, generated from the option table.
std::string HelpText();

}  // namespace tend

#endif  // TEND_OPTIONS_H_
