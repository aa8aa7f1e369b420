#include "base/diag.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>

#include "base/sys.h"

namespace tend {

namespace {
Level g_max_level = Level::kInfo;
int g_fd = 2;
bool g_nonblocking = false;
bool g_timestamps = false;
std::function<bool(const std::string&)> g_sink;
uint64_t g_dropped = 0;

// Whether a write of at most PIPE_BUF bytes can go through now. tend's stderr is shared
// with the programs, so it cannot be made O_NONBLOCK; poll tells instead.
bool Writable(int fd) {
  pollfd p = {fd, POLLOUT, 0};
  int r;
  do {
    r = poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  return r == 1 && (p.revents & POLLOUT);
}
}  // namespace

void SetDiagNonBlocking(bool on) { g_nonblocking = on; }

void SetDiagSink(std::function<bool(const std::string&)> sink) { g_sink = std::move(sink); }

void SetDiagLevel(Level max) { g_max_level = max; }

bool DiagEnabled(Level level) { return level <= g_max_level; }

void SetDiagFd(int fd) { g_fd = fd; }

void SetDiagTimestamps(bool on) { g_timestamps = on; }

void DiagWrite(Level level, std::string_view text) {
  if (!DiagEnabled(level)) return;
  // One write per message so that concurrent writers on the same pipe cannot split it
  // (a pipe write of at most PIPE_BUF bytes is atomic).
  std::string line;
  if (g_dropped > 0 && g_nonblocking) {
    line = "tend: warning: " + std::to_string(g_dropped) +
           " messages were dropped: standard error was not being read\n";
  }
  if (g_timestamps) line += UtcTimestamp();
  line += level == Level::kWarn ? "tend: warning: " : "tend: ";
  line.append(text.data(), text.size());
  line += '\n';
  if (g_sink && g_sink(line)) return;
  if (g_nonblocking) {
    // At most PIPE_BUF bytes, so that a writable pipe takes it whole without blocking.
    if (line.size() > PIPE_BUF) line.replace(PIPE_BUF - 4, std::string::npos, "...\n");
    if (!Writable(g_fd)) {
      ++g_dropped;
      return;
    }
    g_dropped = 0;
  }
  // Diagnostics are rare; a failed write (closed stderr) has nowhere to be reported.
  (void)WriteAll(g_fd, line.data(), line.size());
}

}  // namespace tend
