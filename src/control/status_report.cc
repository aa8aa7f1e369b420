#include "control/status_report.h"

#include <fmt/format.h>

#include "base/values.h"
#include "proc/init.h"

namespace tend {

Message ProgramReport(const Service& s, int64_t now_ms) {
  Message p(MsgType::kProgram);
  const ProgramConfig& c = s.config();
  p.Add(Tag::kName, s.name())
      .Add(Tag::kState, Service::ToString(s.state()))
      .AddInt(Tag::kPid, s.has_process() ? s.pid() : 0)
      .AddInt(Tag::kUptimeMs, now_ms - s.state_since_ms())
      .AddInt(Tag::kRestarts, s.restarts())
      .Add(Tag::kExitStatus, s.last_exit())
      .Add(Tag::kFailure, s.last_failure())
      .AddInt(Tag::kExitCode, s.has_exited() ? ExitCodeOf(s.last_status()) : -1)
      .AddInt(Tag::kAutostart, c.autostart)
      .AddInt(Tag::kTty, c.tty)
      .Add(Tag::kGroupName, c.Group())
      .AddInt(Tag::kPriority, c.priority)
      // supervisord's group priority: a [group:x]'s own (not kept by tend: its default),
      // else the program's.
      .AddInt(Tag::kGroupPriority,
              c.group.empty() || c.group == c.program_name ? c.priority : 999);
  if (s.launched()) p.AddInt(Tag::kStartedAgoMs, now_ms - s.started_ms());
  if (c.ready.active()) {
    p.Add(Tag::kReady, c.ready.spec);
    if (s.waiting_ready()) p.AddInt(Tag::kReadyWaitMs, now_ms - s.started_ms());
    if (!s.notify_status().empty()) p.Add(Tag::kNotifyStatus, s.notify_status());
    if (s.waiting_ready() && !s.ready_probe_detail().empty()) {
      p.Add(Tag::kReadyDetail, s.ready_probe_detail());
    }
  }
  if (c.health.active()) {
    p.Add(Tag::kHealth, c.health.spec)
        .Add(Tag::kHealthState, s.health())
        .AddInt(Tag::kHealthFailures, s.health_failures())
        .Add(Tag::kHealthDetail, s.health_detail());
  }
  return p;
}

std::string StatusJson(const std::vector<Message>& programs) {
  std::string json = "[";
  for (const auto& p : programs) {
    const int64_t waited = p.GetInt(Tag::kReadyWaitMs, -1);
    json += fmt::format(
        "{}{{\"name\":{},\"state\":\"{}\",\"pid\":{},\"uptime_ms\":{},\"restarts\":{},"
        "\"last_exit\":{},\"exit_code\":{},\"autostart\":{},\"tty\":{},\"ready\":{},"
        "\"ready_wait_ms\":{},\"ready_last\":{},\"status\":{},\"health\":{},\"health_state\":{},"
        "\"health_failures\":{},\"health_last\":{},\"failure\":{}}}",
        json.size() > 1 ? "," : "", JsonString(p.Get(Tag::kName)), p.Get(Tag::kState),
        p.GetInt(Tag::kPid), p.GetInt(Tag::kUptimeMs), p.GetInt(Tag::kRestarts),
        JsonString(p.Get(Tag::kExitStatus)), p.GetInt(Tag::kExitCode, -1),
        p.GetInt(Tag::kAutostart) ? "true" : "false", p.GetInt(Tag::kTty) ? "true" : "false",
        JsonString(p.Get(Tag::kReady)), waited < 0 ? 0 : waited,
        JsonString(p.Get(Tag::kReadyDetail)), JsonString(p.Get(Tag::kNotifyStatus)),
        JsonString(p.Get(Tag::kHealth)), JsonString(p.Get(Tag::kHealthState)),
        p.GetInt(Tag::kHealthFailures), JsonString(p.Get(Tag::kHealthDetail)),
        JsonString(p.Get(Tag::kFailure)));
  }
  return json + "]";
}

const std::vector<std::string>& StatusColumns() {
  static const std::vector<std::string> columns = {"NAME",     "STATE",     "PID",   "UPTIME",
                                                   "RESTARTS", "LAST EXIT", "READY", "HEALTH"};
  return columns;
}

std::vector<std::string> StatusRow(const Message& p) {
  const int64_t pid = p.GetInt(Tag::kPid);
  const std::string last = p.Get(Tag::kExitStatus);
  const std::string ready = p.Get(Tag::kReady);
  const std::string said =
      p.Has(Tag::kNotifyStatus) ? p.Get(Tag::kNotifyStatus) : p.Get(Tag::kReadyDetail);
  const int64_t waited = p.GetInt(Tag::kReadyWaitMs, -1);
  const std::string health = p.Get(Tag::kHealthState);
  const int64_t failed = p.GetInt(Tag::kHealthFailures);
  return {p.Get(Tag::kName),
          p.Get(Tag::kState),
          pid > 0 ? std::to_string(pid) : "-",
          ShortDuration(p.GetInt(Tag::kUptimeMs)),
          std::to_string(p.GetInt(Tag::kRestarts)),
          last.empty() ? "-" : last,
          (ready.empty()  ? "-"
           : waited >= 0 ? "waiting " + ShortDuration(waited) + " for " + ready
                         : ready) +
              (said.empty() ? "" : ": " + said),
          health.empty() ? "-"
          : failed > 0
              ? fmt::format("{} ({} failed: {})", health, failed, p.Get(Tag::kHealthDetail))
              : health};
}

std::string ShortDuration(int64_t ms) {
  const int64_t s = ms / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  return fmt::format("{}d{:02}h", s / 86400, s / 3600 % 24);
}

}  // namespace tend
