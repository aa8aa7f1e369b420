// A program's status as every view shows it, from one place: the control protocol's
// PROGRAM message (tendctl status, the drop-in), its JSON (tendctl -j status and
// GET /api/status) and its table row (tendctl status and the status page).
#ifndef TEND_STATUS_REPORT_H_
#define TEND_STATUS_REPORT_H_

#include <stdint.h>

#include <string>
#include <vector>

#include "control/protocol.h"
#include "core/service.h"

namespace tend {

/// `s`'s PROGRAM message as of `now_ms` (the loop's clock).
Message ProgramReport(const Service& s, int64_t now_ms);

/// PROGRAM messages as tendctl -j status prints them: a JSON array, one object each
/// (name, state, pid, uptime_ms, restarts, last_exit, exit_code, autostart, tty, ready,
/// ready_wait_ms, ready_last, status, health, health_state, health_failures,
/// health_last, failure), without a newline.
std::string StatusJson(const std::vector<Message>& programs);

/// The columns of the status table, and a PROGRAM message's row under them (texts as
/// they come from the program: a terminal or a page escapes them).
const std::vector<std::string>& StatusColumns();
std::vector<std::string> StatusRow(const Message& p);

/// "42s", "3m12s", "5h02m", "12d03h": as ps and docker show an uptime.
std::string ShortDuration(int64_t ms);

}  // namespace tend

#endif  // TEND_STATUS_REPORT_H_
