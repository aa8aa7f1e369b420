#include "config/config.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "base/values.h"

extern char** environ;

namespace tend {

namespace {

const char* KindWord(ConfigProblem::Kind kind) {
  switch (kind) {
    case ConfigProblem::Kind::kError:
      return "error";
    case ConfigProblem::Kind::kMachine:
      return "unavailable";
    case ConfigProblem::Kind::kWarning:
      return "warning";
    case ConfigProblem::Kind::kNotice:
      return "notice";
  }
  return "error";
}

// A word for a human: as is when a shell would read it back unchanged, else quoted.
std::string ShellQuote(const std::string& w) {
  if (!w.empty() && w.find_first_of(" \t\n'\"\\$`;&|<>()*?[]#~{}") == std::string::npos) return w;
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Join(const std::vector<std::string>& v, const std::string& sep, bool quote) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + (quote ? ShellQuote(s) : s);
  return out;
}

}  // namespace

std::string ConfigProblem::ToString() const {
  std::string place;
  if (!where.file.empty()) place = where.line > 0 ? where.ToString() + ": " : where.file + ": ";
  return place + KindWord(kind) + ": " + message;
}

// Only what the running process is made of; supervision settings (autostart, restart,
// exitcodes, startsecs, startretries, stop*, priority, depends_on, critical, backoff*),
// log rotation limits and how its lines are shown (log_prefix, log_timestamps) can
// change without restarting it.
bool ReadySource::Matches(std::string_view line) const {
  if (kind != Kind::kLog) return false;
  return regex ? regex->Search(line) : line.find(text) != std::string_view::npos;
}

bool ParseReadySource(const std::string& value, ReadySource* out, std::string* why) {
  *out = ReadySource();
  if (value.empty()) return true;
  out->spec = value;
  const std::string usage =
      " (log:TEXT, log:/REGEX/, fd:N, notify, tcp:[HOST:]PORT, http:[HOST:]PORT/PATH or "
      "exec:COMMAND)";
  if (value.compare(0, 4, "tcp:") == 0 || value.compare(0, 5, "http:") == 0 ||
      value.compare(0, 5, "exec:") == 0) {
    out->kind = ReadySource::Kind::kProbe;
    return ParseProbe(value, &out->probe, why);
  }
  if (value.compare(0, 4, "log:") == 0) {
    out->kind = ReadySource::Kind::kLog;
    out->text = value.substr(4);
    if (out->text.empty()) {
      *why = "log: needs the text a line must contain";
      return false;
    }
    if (out->text.front() == '/') {
      // A text that starts with '/' is a pattern: never silently the text "/abc".
      if (out->text.size() < 2 || out->text.back() != '/') {
        *why = "log:/REGEX/ needs its closing '/'";
        return false;
      }
      out->text = out->text.substr(1, out->text.size() - 2);
      if (out->text.empty()) {
        *why = "log:// has an empty pattern, which every line would match";
        return false;
      }
      auto re = std::make_shared<Pattern>();
      std::string err;
      if (!re->Compile(out->text, &err)) {
        *why = "bad regular expression: " + err;
        return false;
      }
      out->regex = std::move(re);
    }
    return true;
  }
  if (value == "notify") {
    out->kind = ReadySource::Kind::kNotify;
    return true;
  }
  if (value.compare(0, 3, "fd:") == 0) {
    const std::string n = value.substr(3);
    char* end = nullptr;
    long fd = n.empty() ? -1 : strtol(n.c_str(), &end, 10);
    if (n.empty() || *end != '\0' || fd < 3 || fd > 255) {
      *why = "the descriptor must be a number from 3 to 255 (0, 1 and 2 are the program's "
             "standard streams)";
      return false;
    }
    out->kind = ReadySource::Kind::kFd;
    out->fd = static_cast<int>(fd);
    return true;
  }
  *why = "not a readiness source" + usage;
  return false;
}

bool ProgramConfig::SameRun(const ProgramConfig& o) const {
  const UserSpec& u = user;
  const UserSpec& v = o.user;
  return name == o.name && program_name == o.program_name && group == o.group &&
         process_num == o.process_num &&
         command == o.command && argv == o.argv && directory == o.directory &&
         environment == o.environment && u.name == v.name && u.uid == v.uid && u.gid == v.gid &&
         u.groups == v.groups && u.home == v.home && u.shell == v.shell &&
         u.resolved == v.resolved && umask == o.umask && redirect_stderr == o.redirect_stderr &&
         stdout_logfile == o.stdout_logfile && stderr_logfile == o.stderr_logfile && type == o.type && tty == o.tty &&
         ready == o.ready && listener == o.listener && events == o.events &&
         stdout_events == o.stdout_events && stderr_events == o.stderr_events &&
         buffer_size == o.buffer_size;
}

bool ProgramConfig::SameSettings(const ProgramConfig& o) const {
  return autostart == o.autostart && restart == o.restart && exitcodes == o.exitcodes &&
         startsecs_ms == o.startsecs_ms && startretries == o.startretries &&
         stopsignal == o.stopsignal && stopwaitsecs_ms == o.stopwaitsecs_ms &&
         stopasgroup == o.stopasgroup && killasgroup == o.killasgroup &&
         cleanupgroup == o.cleanupgroup && priority == o.priority &&
         stdout_logfile_maxbytes == o.stdout_logfile_maxbytes &&
         stdout_logfile_backups == o.stdout_logfile_backups &&
         stderr_logfile_maxbytes == o.stderr_logfile_maxbytes &&
         stderr_logfile_backups == o.stderr_logfile_backups && log_prefix == o.log_prefix &&
         log_timestamps == o.log_timestamps && depends_on == o.depends_on &&
         critical == o.critical && backoff_ms == o.backoff_ms &&
         backoff_max_ms == o.backoff_max_ms && ready_timeout_ms == o.ready_timeout_ms &&
         ready_interval_ms == o.ready_interval_ms && watchdog_ms == o.watchdog_ms &&
         SameHealth(o);
}

bool ProgramConfig::SameHealth(const ProgramConfig& o) const {
  return health == o.health && health_interval_ms == o.health_interval_ms &&
         health_timeout_ms == o.health_timeout_ms && health_retries == o.health_retries &&
         health_start_period_ms == o.health_start_period_ms;
}

std::string CommandPath(const ProgramConfig& p, const std::string& inherited) {
  std::string path = inherited;
  for (const auto& kv : p.environment) {
    if (kv.compare(0, 5, "PATH=") == 0) path = kv.substr(5);
  }
  return path;
}

ExpansionContext ExpansionContext::FromProcess() {
  ExpansionContext ctx;
  for (char** e = ::environ; e && *e; ++e) ctx.environ.emplace_back(*e);
  // Python's platform.node(), which supervisord uses, is uname's nodename.
  struct utsname u;
  if (uname(&u) == 0) ctx.host_node_name = u.nodename;
  ctx.euid = geteuid();
  return ctx;
}

void CheckStopChains(const Config& config, int64_t stop_timeout_ms,
                     std::vector<ConfigProblem>* problems) {
  // By section: the processes of one program share their settings.
  std::map<std::string, const ProgramConfig*> by_name;
  std::set<std::string> depended_on;
  for (const auto& p : config.programs) {
    by_name.emplace(p.program_name, &p);
    depended_on.insert(p.depends_on.begin(), p.depends_on.end());
  }
  // The longest chain from a program down, as the names along it.
  std::map<std::string, std::pair<int64_t, std::vector<std::string>>> memo;
  std::function<std::pair<int64_t, std::vector<std::string>>(const std::string&, int)> chain =
      [&](const std::string& name, int depth) -> std::pair<int64_t, std::vector<std::string>> {
    auto it = by_name.find(name);
    if (it == by_name.end() || depth > 64) return {0, {}};  // Cycles are errors already.
    auto m = memo.find(name);
    if (m != memo.end()) return m->second;
    std::pair<int64_t, std::vector<std::string>> best{0, {}};
    for (const auto& d : it->second->depends_on) {
      auto c = chain(d, depth + 1);
      if (c.first > best.first) best = std::move(c);
    }
    // A oneshot is done, with no process, by the time tend stops, as a rule.
    if (it->second->type == ProgramType::kLongrun) best.first += it->second->stopwaitsecs_ms;
    best.second.insert(best.second.begin(), name);
    return memo[name] = best;
  };
  for (const auto& p : config.programs) {
    const std::string& name = p.program_name;
    if (depended_on.count(name) || by_name.at(name) != &p) continue;  // Once per section.
    auto c = chain(name, 0);
    if (c.second.size() < 2 || c.first <= stop_timeout_ms) continue;
    problems->push_back(
        {ConfigProblem::Kind::kWarning, p.where,
         fmt::format("the stopwaitsecs along {} add up to {}, more than the stop timeout ({}): "
                     "tend's stop signals the programs lower down before those above are down",
                     Join(c.second, " -> ", false), FormatDuration(c.first),
                     FormatDuration(stop_timeout_ms))});
  }
}

bool DependenciesHold(const Config& config, std::string* why) {
  std::map<std::string, const std::vector<std::string>*> deps;  // By program name.
  for (const auto& p : config.programs) deps[p.program_name] = &p.depends_on;
  // Depth-first, each program once: a program met again on the path is a cycle.
  std::map<std::string, int> mark;  // 1: on the path, 2: done.
  std::function<bool(const std::string&)> visit = [&](const std::string& n) {
    if (mark[n] == 2) return true;
    if (mark[n] == 1) {
      *why = "dependency cycle through " + n;
      return false;
    }
    mark[n] = 1;
    for (const auto& d : *deps[n]) {
      if (deps.count(d) != 0 && !visit(d)) return false;
    }
    mark[n] = 2;
    return true;
  };
  for (const auto& kv : deps) {
    if (!visit(kv.first)) return false;
  }
  return true;
}

std::string FormatPrograms(const Config& config) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"NAME", "TYPE", "USER", "AUTOSTART", "DEPENDS_ON", "COMMAND"});
  for (const ProgramConfig& p : config.programs) {
    rows.push_back({p.name, p.listener ? "listener" : p.type == ProgramType::kOneshot ? "oneshot" : "longrun",
                    p.user.name.empty() ? "-" : p.user.name, p.autostart ? "yes" : "no",
                    p.depends_on.empty() ? "-" : Join(p.depends_on, ",", false),
                    Join(p.argv, " ", true)});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c + 1 < r.size(); ++c) line += fmt::format("{:<{}}  ", r[c], width[c]);
    out += line + r.back() + "\n";
  }
  return out;
}

}  // namespace tend
