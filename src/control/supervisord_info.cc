#include "control/supervisord_info.h"

#include <fmt/format.h>

#include "base/sys.h"

namespace tend {

std::string RunningDescription(long long pid, long long uptime_s) {
  if (uptime_s < 0) uptime_s = 0;
  const long long days = uptime_s / 86400;
  const long long rest = uptime_s % 86400;
  std::string up = fmt::format("{}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60);
  if (days > 0) up = fmt::format("{} day{}, {}", days, days == 1 ? "" : "s", up);
  return fmt::format("pid {}, uptime {}", pid, up);
}

std::string StopDescription(long long unix_time) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // In UTC, as containers keep time: local time would bring glibc's time-zone code, with
  // sscanf and strtod, into the static binary (70 KB).
  const long long days = unix_time >= 0 ? unix_time / 86400 : (unix_time - 86399) / 86400;
  const long long secs = unix_time - days * 86400;
  int year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  const long long hour = secs / 3600, minute = secs / 60 % 60;
  const long long hour12 = hour % 12 == 0 ? 12 : hour % 12;
  return fmt::format("{} {:02} {:02}:{:02} {}", kMonths[(month - 1) % 12], day, hour12, minute,
                     hour < 12 ? "AM" : "PM");
}

int SupervisordStateCode(std::string_view state) {
  static constexpr struct {
    const char* name;
    int code;
  } kCodes[] = {{"STOPPED", 0},   {"STARTING", 10}, {"RUNNING", 20}, {"BACKOFF", 30},
                {"STOPPING", 40}, {"EXITED", 100},  {"FATAL", 200}};
  for (const auto& c : kCodes) {
    if (state == c.name) return c.code;
  }
  return 1000;
}

}  // namespace tend
