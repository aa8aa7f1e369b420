// Metrics: tend and its programs in the Prometheus text format (0.0.4), for GET /metrics:
// each program's state, readiness, health, restarts, last exit, times, and its process
// tree's memory and CPU read from /proc when asked; tend's own counts (base/counters.h).
// Names follow Prometheus' guides (base units, _total for counters), as
// `promtool check metrics` wants them.
#ifndef TEND_METRICS_H_
#define TEND_METRICS_H_

#include <stdint.h>

#include <string>

#include "core/supervisor.h"

namespace tend {

class Metrics {
 public:
  /// Takes tend's start time as now.
  explicit Metrics(const Supervisor* supervisor);
  /// The exposition, as of now.
  std::string Text() const;

 private:
  const Supervisor* supervisor_;
  int64_t start_wall_ms_;
};

}  // namespace tend

#endif  // TEND_METRICS_H_
