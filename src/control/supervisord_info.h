// supervisord's words for a process's state, shared by the supervisorctl drop-in and
// the XML-RPC interface: its descriptions and state codes. Pure.
#ifndef TEND_SUPERVISORD_INFO_H_
#define TEND_SUPERVISORD_INFO_H_

#include <string>
#include <string_view>

namespace tend {

/// A RUNNING program's description: "pid 12, uptime 0:41:12" ("1 day, 2:03:04" past a
/// day), as Python prints a timedelta.
std::string RunningDescription(long long pid, long long uptime_s);

/// A stop time as supervisord shows it: "Dec 05 01:02 PM", in UTC (containers keep
/// UTC; local time would bring glibc's time-zone code into the static binary).
std::string StopDescription(long long unix_time);

/// supervisord's number for a state name: STOPPED 0, STARTING 10, RUNNING 20, BACKOFF 30,
/// STOPPING 40, EXITED 100, FATAL 200, UNKNOWN 1000 (for anything else).
int SupervisordStateCode(std::string_view state);

}  // namespace tend

#endif  // TEND_SUPERVISORD_INFO_H_
