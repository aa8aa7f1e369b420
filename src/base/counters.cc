#include "base/counters.h"

namespace tend {

Counters& TendCounters() {
  static Counters counters;
  return counters;
}

}  // namespace tend
