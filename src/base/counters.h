// tend's own counts for its metrics (GET /metrics): plain integers, counted where things
// happen (tend is single-threaded), read when someone asks. Inline: the log pipeline
// counts every line.
#ifndef TEND_COUNTERS_H_
#define TEND_COUNTERS_H_

#include <stdint.h>

namespace tend {

struct Counters {
  uint64_t log_lines = 0;          ///< Lines (and pieces of long ones) given to an output.
  uint64_t log_bytes = 0;          ///< Their bytes, prefixes and timestamps included.
  uint64_t log_lines_dropped = 0;  ///< Dropped: log_overflow = drop and a slow reader.
  uint64_t log_lines_marked = 0;   ///< Shown with the continuation mark (cut, or early).
  uint64_t control_requests = 0;   ///< Requests on the control protocol.
  uint64_t http_requests = 0;      ///< HTTP requests (XML-RPC, logs, metrics).
  uint64_t notify_datagrams = 0;   ///< sd_notify datagrams received.
};

/// The one set of counts (constant-initialized: no guard, no call on the hot path).
inline Counters& TendCounters() {
  static Counters counters;
  return counters;
}

}  // namespace tend

#endif  // TEND_COUNTERS_H_
