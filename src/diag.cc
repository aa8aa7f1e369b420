#include "diag.h"

#include "sys.h"

namespace tend {

namespace {
Level g_max_level = Level::kInfo;
int g_fd = 2;
}  // namespace

void SetDiagLevel(Level max) { g_max_level = max; }

bool DiagEnabled(Level level) { return level <= g_max_level; }

void SetDiagFd(int fd) { g_fd = fd; }

void DiagWrite(Level level, std::string_view text) {
  if (!DiagEnabled(level)) return;
  // One write per message so that concurrent writers on the same pipe cannot split it
  // (a pipe write of at most PIPE_BUF bytes is atomic).
  std::string line = level == Level::kWarn ? "tend: warning: " : "tend: ";
  line.append(text.data(), text.size());
  line += '\n';
  // Diagnostics are rare; a failed write (closed stderr) has nowhere to be reported.
  (void)WriteAll(g_fd, line.data(), line.size());
}

}  // namespace tend
