#include "control/metrics.h"

#include <sys/wait.h>

#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "base/counters.h"
#include "base/sys.h"
#include "base/version.h"  // Generated: build/gen/base/version.h.
#include "proc/spawn.h"

namespace tend {

namespace {

using State = Service::State;

constexpr State kStates[] = {State::kStopped, State::kStarting, State::kRunning, State::kBackoff,
                             State::kStopping, State::kExited,   State::kFatal};

// A label value as the text format wants it: backslash, quote and newline escaped.
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Writer {
 public:
  // The # HELP and # TYPE lines of a family; its samples follow.
  void Family(const char* name, const char* type, const char* help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void Sample(const char* name, const std::string& labels, double value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += fmt::format(" {}\n", value);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

Metrics::Metrics(const Supervisor* supervisor)
    : supervisor_(supervisor), start_wall_ms_(WallClockMs()) {}

std::string Metrics::Text() const {
  Writer w;
  const Counters& n = TendCounters();
  w.Family("tend_build_info", "gauge", "tend's version, as a label.");
  w.Sample("tend_build_info", fmt::format("version=\"{}\"", Label(kTendVersion)), 1);
  w.Family("tend_start_time_seconds", "gauge", "When tend started, in seconds since the epoch.");
  w.Sample("tend_start_time_seconds", "", static_cast<double>(start_wall_ms_) / 1000);
  const struct {
    const char* name;
    const char* help;
    uint64_t value;
  } counts[] = {
      {"tend_log_lines_total", "Lines of output written, long lines counted by piece.",
       n.log_lines},
      {"tend_log_bytes_total", "Bytes of output written, prefixes included.", n.log_bytes},
      {"tend_log_lines_dropped_total", "Lines dropped for a slow reader (log_overflow = drop).",
       n.log_lines_dropped},
      {"tend_log_lines_marked_total", "Pieces of lines shown with the continuation mark.",
       n.log_lines_marked},
      {"tend_control_requests_total", "Requests on tend's control protocol.", n.control_requests},
      {"tend_http_requests_total", "HTTP requests: XML-RPC, logs and metrics.", n.http_requests},
      {"tend_notify_datagrams_total", "sd_notify datagrams received.", n.notify_datagrams},
  };
  for (const auto& c : counts) {
    w.Family(c.name, "counter", c.help);
    w.Sample(c.name, "", static_cast<double>(c.value));
  }

  const std::vector<Service*> all = supervisor_->Controllable(true);
  std::vector<pid_t> pids;
  for (const Service* s : all) {
    if (s->has_process()) pids.push_back(s->pid());
  }
  const std::map<pid_t, TreeUsage> usage = ProcessTreeUsage(pids);
  const int64_t mono = supervisor_->NowMs();
  const double wall = static_cast<double>(WallClockMs()) / 1000;
  auto labels = [](const Service* s) {
    return fmt::format("program=\"{}\",group=\"{}\"", Label(s->name()), Label(s->config().Group()));
  };
  // A family of one sample per program; a program whose value is nullopt has none.
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    w.Family(name, type, help);
    for (const Service* s : all) {
      if (const std::optional<double> v = value(s)) w.Sample(name, labels(s), *v);
    }
  };
  using Opt = std::optional<double>;
  w.Family("tend_program_state", "gauge", "1 for the state a program is in, 0 for the others.");
  for (const Service* s : all) {
    for (State st : kStates) {
      w.Sample("tend_program_state",
               labels(s) + fmt::format(",state=\"{}\"", Service::ToString(st)),
               s->state() == st ? 1 : 0);
    }
  }
  family("tend_program_up", "gauge", "1 while the program has a process.",
         [](const Service* s) -> Opt { return s->has_process() ? 1 : 0; });
  family("tend_program_ready", "gauge",
         "1 when the program is ready: RUNNING, or a oneshot that is done.",
         [](const Service* s) -> Opt { return s->Up() ? 1 : 0; });
  family("tend_program_healthy", "gauge",
         "1 when the program is ready and its health checks, if any, pass.",
         [](const Service* s) -> Opt {
           const std::string h = s->health();
           return s->Up() && (h.empty() || h == "healthy") ? 1 : 0;
         });
  family("tend_program_restarts_total", "counter", "Restarts of the program by tend.",
         [](const Service* s) -> Opt { return s->restarts(); });
  family("tend_program_last_exit_code", "gauge",
         "The exit code of the program's last run (128 + N when killed by signal N).",
         [](const Service* s) -> Opt {
           if (!s->has_exited()) return std::nullopt;
           const int st = s->last_status();
           return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
         });
  family("tend_program_start_time_seconds", "gauge",
         "When the program's last run started, in seconds since the epoch.",
         [&](const Service* s) -> Opt {
           if (!s->launched()) return std::nullopt;
           return wall - static_cast<double>(mono - s->started_ms()) / 1000;
         });
  family("tend_program_uptime_seconds", "gauge", "How long the program has been RUNNING.",
         [&](const Service* s) -> Opt {
           if (s->state() != State::kRunning) return 0;
           return static_cast<double>(mono - s->state_since_ms()) / 1000;
         });
  family("tend_program_ready_wait_seconds", "gauge",
         "How long the program has been waiting to be ready (0 when it is not waiting).",
         [&](const Service* s) -> Opt {
           if (!s->waiting_ready()) return 0;
           return static_cast<double>(mono - s->started_ms()) / 1000;
         });
  family("tend_program_health_check_failures", "gauge", "Health checks failed in a row.",
         [](const Service* s) -> Opt { return s->health_failures(); });
  // A program's tree as /proc showed it, or null (no process, or gone meanwhile).
  auto used = [&](const Service* s) -> const TreeUsage* {
    auto it = usage.find(s->pid());
    return s->has_process() && it != usage.end() ? &it->second : nullptr;
  };
  family("tend_program_resident_memory_bytes", "gauge",
         "Resident memory of the program's processes, from /proc.", [&](const Service* s) -> Opt {
           const TreeUsage* u = used(s);
           if (!u) return std::nullopt;
           return static_cast<double>(u->rss_bytes);
         });
  family("tend_program_cpu_seconds_total", "counter",
         "CPU time of the program's processes (and the children they waited for), from /proc.",
         [&](const Service* s) -> Opt {
           const TreeUsage* u = used(s);
           if (!u) return std::nullopt;
           return u->cpu_seconds;
         });
  return w.Take();
}

}  // namespace tend
