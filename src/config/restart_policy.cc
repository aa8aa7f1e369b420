#include "config/restart_policy.h"

#include <sys/wait.h>

#include <algorithm>

namespace tend {

bool IsExpectedExit(const std::vector<int>& exitcodes, int wait_status) {
  if (!WIFEXITED(wait_status)) return false;
  int code = WEXITSTATUS(wait_status);
  return std::find(exitcodes.begin(), exitcodes.end(), code) != exitcodes.end();
}

bool RestartDue(RestartPolicy policy, bool expected_exit) {
  switch (policy) {
    case RestartPolicy::kAlways:
      return true;
    case RestartPolicy::kOnFailure:
      return !expected_exit;
    case RestartPolicy::kNever:
      return false;
  }
  return false;
}

bool RetriesExhausted(int failures, int startretries) {
  return startretries >= 0 && failures > startretries;
}

int64_t BackoffDelayMs(int64_t backoff_ms, int64_t backoff_max_ms, int failures,
                       double jitter) {
  // Doubling stops once past the cap, so large failure counts cannot overflow.
  double delay = static_cast<double>(backoff_ms);
  for (int i = 1; i < failures && delay < static_cast<double>(backoff_max_ms); ++i) delay *= 2;
  delay = std::min(delay, static_cast<double>(backoff_max_ms));
  delay *= 0.9 + 0.2 * jitter;
  return std::max(std::min(static_cast<int64_t>(delay + 0.5), backoff_max_ms), kMinBackoffMs);
}

}  // namespace tend
