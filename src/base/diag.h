// tend's own diagnostics: one message shape, "tend: <text>", on stderr.
#ifndef TEND_DIAG_H_
#define TEND_DIAG_H_

#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>

namespace tend {

enum class Level { kError, kWarn, kInfo, kDebug };

/// Messages above `max` are discarded. Default: kInfo (-q gives kError, -v kDebug).
void SetDiagLevel(Level max);
bool DiagEnabled(Level level);

/// Where messages go; default 2. Tests point this at a pipe.
void SetDiagFd(int fd);
/// Whether each message starts with the time ([tend] log_timestamps), as programs'
/// lines do.
void SetDiagTimestamps(bool on);

/// Once the event loop runs, a message that cannot be written at once (a log reader
/// that stopped reading) is dropped and counted rather than blocking PID 1; the count
/// is reported with the next message that gets through. Before the loop, writes block.
void SetDiagNonBlocking(bool on);

/// Hands every message line to `sink` first (the log pipeline, so that tend's lines and
/// the programs' never split each other); when it returns false, or when unset, the line
/// is written to the fd as usual.
void SetDiagSink(std::function<bool(const std::string&)> sink);

/// Writes one already-formatted line (without the "tend: " prefix and the newline).
void DiagWrite(Level level, std::string_view text);

/// Formats and writes one message: Diag(Level::kWarn, "unable to {}: {}", what, why).
template <typename... Args>
void Diag(Level level, fmt::format_string<Args...> f, Args&&... args) {
  if (!DiagEnabled(level)) return;
  // vformat is compiled once (fmt_impl.cc); format_to would instantiate fmt's whole
  // formatter in every file that logs.
  DiagWrite(level, fmt::vformat(f, fmt::make_format_args(args...)));
}

}  // namespace tend

#endif  // TEND_DIAG_H_
