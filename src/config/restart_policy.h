// Pure decisions about restarts: whether an exit is expected, whether it gets a restart,
// how long to back off, when to give up. No processes, no clock: unit-tested directly.
#ifndef TEND_RESTART_POLICY_H_
#define TEND_RESTART_POLICY_H_

#include <stdint.h>

#include <vector>

#include "config/config.h"

namespace tend {

/// True when the wait status is a normal exit with a code listed in `exitcodes`
/// (a death by signal is never expected), as supervisord's exitcodes.
bool IsExpectedExit(const std::vector<int>& exitcodes, int wait_status);

/// After a program that was up (RUNNING) exits: is a restart due?
bool RestartDue(RestartPolicy policy, bool expected_exit);

/// After `failures` consecutive failed starts (1 for the first), has the program used up
/// its retries? `startretries` -1 means never. As supervisord: with startretries=3 the
/// program is tried 4 times in all.
bool RetriesExhausted(int failures, int startretries);

/// No retry comes sooner than this, whatever `backoff` says: no fork loop.
constexpr int64_t kMinBackoffMs = 100;

/// The delay before the retry that follows the `failures`-th consecutive failed start:
/// backoff * 2^(failures-1), capped at backoff_max, then spread by +-10% using
/// `jitter` in [0, 1) (0.5: no spread), and never above backoff_max nor below
/// kMinBackoffMs.
int64_t BackoffDelayMs(int64_t backoff_ms, int64_t backoff_max_ms, int failures, double jitter);

}  // namespace tend

#endif  // TEND_RESTART_POLICY_H_
