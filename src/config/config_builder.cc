#include "config/config_builder.h"

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "base/values.h"
#include "config/config_files.h"
#include "config/config_keys.h"
#include "config/config_values.h"
#include "proc/spawn.h"

namespace tend {

namespace {

using Kind = ConfigProblem::Kind;

constexpr int64_t kMaxNumprocs = 10000;
// In all the sections together: a few bytes of numprocs = 10000 in every section would
// otherwise make gigabytes of PID 1's memory out of a small file.
constexpr size_t kMaxProcesses = 10000;

// supervisord's process_or_group_name(): no space, ':' or '/' (they break its protocols
// and URLs, and tend's names appear in the same places).
// A name is shown on terminals and pages, and typed back: printable UTF-8 only.
bool ValidName(const std::string& name) {
  if (name.empty() || name.find_first_of(" \t:/") != std::string::npos) return false;
  for (size_t i = 0; i < name.size();) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const size_t n = c < 0x80 ? (c < 0x20 || c == 0x7f ? 0 : 1)
                              : Utf8Length(std::string_view(name).substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

constexpr char kNameRule[] =
    "must not be empty or contain a space, \":\", \"/\", a control character or bytes "
    "that are not UTF-8";

std::string BadValue(const std::string& key, const std::string& value, const std::string& why) {
  if (value.size() <= 60 && value.find('\n') == std::string::npos)
    return "bad " + key + " \"" + value + "\": " + why;
  return "bad " + key + ": " + why;
}

// True when expanding spoilt the value (an error, or an undefined %(ENV_X)s).
bool Spoilt(const std::vector<ExpandIssue>& issues) {
  for (const ExpandIssue& i : issues)
    if (i.kind != ExpandIssue::Kind::kWarning) return true;
  return false;
}

// Appends `local` to `out` without repeating a problem (numprocs copies of a program
// share their values, and so their mistakes).
void AppendUnique(const std::vector<ConfigProblem>& local, std::vector<ConfigProblem>* out) {
  std::vector<const ConfigProblem*> seen;
  for (const ConfigProblem& p : local) {
    bool dup = std::any_of(seen.begin(), seen.end(), [&](const ConfigProblem* q) {
      return q->kind == p.kind && q->message == p.message && q->where.file == p.where.file &&
             q->where.line == p.where.line;
    });
    if (dup) continue;
    seen.push_back(&p);
    out->push_back(p);
  }
}

// What one [program:x] section needs while its processes are built.
struct ProgramPlan {
  const RawSection* section;
  SectionKind kind;  // kProgram or kEventListener.
  std::string program_name;
  Expander expander;
  int64_t numprocs = 1;
  std::string process_name = kDefaultProcessName;
  const RawEntry* process_name_entry = nullptr;
  std::string group = {};  // supervisord's: its [group:x], else the program's name.
};

// What the cross-program checks need of each program.
struct ProgramInfo {
  std::string name;
  std::vector<std::string> depends_on;
  SourceLocation depends_where;
};

class Builder {
 public:
  Builder(const ExpansionContext& ctx, std::vector<ConfigProblem>* problems)
      : problems_(problems), base_(ctx.environ) {
    actx_.etc_dir = ctx.etc_dir;
    euid_ = ctx.euid;
    for (const auto& e : ctx.environ) {
      if (e.compare(0, 5, "PATH=") == 0) path_ = e.substr(5);
    }
    base_.SetText(kExpandHostNodeName, ctx.host_node_name);
  }

  Config Build(const RawConfig& raw) {
    config_.files = raw.files;
    Prepare(raw);
    for (const RawSection& s : raw.sections) {
      std::string suffix;
      SectionKind kind = ClassifySection(s.name, &suffix);
      CheckSection(s, kind);
      if (kind == SectionKind::kTend || kind == SectionKind::kSupervisord ||
          kind == SectionKind::kUnixHttpServer || kind == SectionKind::kInetHttpServer) {
        BuildTend(s, kind);
      }
      if (kind == SectionKind::kProgram || kind == SectionKind::kEventListener)
        BuildProgram(s, kind, Trim(suffix));
    }
    CheckNames();
    CheckDependencies();
    TendSettings& t = config_.tend;
    if (t.metrics_port != 0 && t.metrics_username.empty() && t.metrics_password.empty()) {
      t.metrics_username = t.http_username;
      t.metrics_password = t.http_password;
    }
    if (t.metrics_port != 0 && (t.metrics_username.empty() || t.metrics_password.empty())) {
      problems_->push_back({Kind::kError, metrics_where_,
                            fmt::format("{} needs a password: metrics_username and "
                                        "metrics_password, or [inet_http_server]'s",
                                        kKeyMetricsAddress)});
    }
    if (t.http_username.empty() || t.http_password.empty()) t.http_port = 0;
    return std::move(config_);
  }

 private:
  void Prepare(const RawConfig& raw);
  void CheckSection(const RawSection& s, SectionKind kind);
  void CheckKeys(const RawSection& s, SectionKind kind);
  void BuildTend(const RawSection& s, SectionKind kind);
  void BuildProgram(const RawSection& s, SectionKind kind, const std::string& name);
  int64_t ReadCount(const ProgramPlan& plan, const char* key, int64_t dflt, int64_t max,
                    std::vector<ConfigProblem>* local);
  void BuildProcess(const ProgramPlan& plan, int64_t num, std::vector<ConfigProblem>* local);
  template <typename Target>  // ProgramConfig or TendSettings.
  void ApplyEntry(const RawEntry& e, const KeySpec& row, Expander* ex, Target* target,
                  std::vector<ConfigProblem>* local);
  void CheckSameAs(const RawSection& s, SectionKind kind, std::vector<ConfigProblem>* local);
  void CheckUser(const std::map<std::string, SourceLocation>& given, ProgramConfig* p,
                 std::vector<ConfigProblem>* local) const;
  void CheckProbeCommands(const ProgramConfig& p, const std::map<std::string, SourceLocation>& given,
                          std::vector<ConfigProblem>* local) const;
  void CheckNames();
  void CheckDependencies();
  void FindCycles(const std::map<std::string, const ProgramInfo*>& by_name);

  std::vector<ConfigProblem>* problems_;
  ApplyContext actx_;
  std::string path_;  // tend's PATH ("" when unset).
  Expander base_;  // Environment, [supervisord] environment and host_node_name.
  std::vector<std::string> global_env_;
  std::map<std::string, std::string> group_of_;
  uid_t euid_ = 0;
  std::vector<ProgramInfo> infos_;
  Config config_;
  SourceLocation metrics_where_;  // [tend] metrics_address, for its problem.
};

// Reads what every program depends on: [group:x] membership (for %(group_name)s) and
// [supervisord] environment (in each program's environment and its %(ENV_X)s).
void Builder::Prepare(const RawConfig& raw) {
  for (const RawSection& s : raw.sections) {
    std::string suffix;
    SectionKind kind = ClassifySection(s.name, &suffix);
    const RawEntry* e = nullptr;
    if (kind == SectionKind::kGroup && (e = s.Find(kKeyPrograms))) {
      Expander ex = base_;
      ex.SetText(kExpandHere, e->here);
      std::vector<ExpandIssue> issues;
      std::string names = ex.Expand(e->value, Expander::Mode::kValue, &issues);
      AddExpandIssues(issues, e->key, e->where, problems_);
      for (const std::string& n : SplitNames(names)) group_of_.emplace(n, suffix);
    }
    if (kind == SectionKind::kSupervisord && (e = s.Find(kKeyEnvironment))) {
      ProgramConfig scratch;
      scratch.environment.clear();
      std::vector<ConfigProblem> local;
      Expander ex = base_;
      ApplyEntry(*e, *FindKey(kind, e->key), &ex, &scratch, &local);
      problems_->insert(problems_->end(), local.begin(), local.end());
      global_env_ = scratch.environment;
    }
  }
  for (const std::string& kv : global_env_) {
    size_t eq = kv.find('=');
    base_.SetEnv(kv.substr(0, eq), kv.substr(eq + 1));
  }
}

// Notices and warnings about a section as a whole, then about its keys.
void Builder::CheckSection(const RawSection& s, SectionKind kind) {
  std::string shown = "[" + s.name + "]";
  auto add = [&](Kind k, const std::string& msg) { problems_->push_back({k, s.where, msg}); };
  switch (kind) {
    case SectionKind::kTend:
      if (config_.tend.where.file.empty()) config_.tend.where = s.where;
      break;
    case SectionKind::kSupervisord:
      for (const RawEntry& e : s.entries) {
        if (FindKey(kind, e.key)) continue;
        add(Kind::kNotice, shown + ": tend uses only " + kKeyEnvironment +
                               " and pidfile here; the other keys are ignored");
        break;
      }
      break;
    case SectionKind::kEventListener:
      if (const RawEntry* e = s.Find(kKeyResultHandler)) {
        if (Trim(e->value) != kDefaultResultHandler) {
          problems_->push_back({Kind::kWarning, e->where,
                                std::string(kKeyResultHandler) + " = " + Trim(e->value) +
                                    ": tend has only " + kDefaultResultHandler +
                                    "; it is used instead"});
        }
      }
      break;
    case SectionKind::kFcgiProgram:
      add(Kind::kWarning, shown + " is not supported; ignored");
      break;
    case SectionKind::kUnixHttpServer:
      for (const RawEntry& e : s.entries) {
        if (FindKey(kind, e.key)) continue;
        add(Kind::kNotice, shown + ": tend uses only file, chmod and chown here (its socket "
                                   "checks who connects); the other keys are ignored");
        break;
      }
      break;
    case SectionKind::kInetHttpServer:
      // Served only with a password: an open port would let anyone stop the container.
      if (!s.Find(kKeyUsername) || !s.Find(kKeyPassword)) {
        add(Kind::kWarning, shown + " has no username and password: not opened (tend serves "
                                    "HTTP only with authentication)");
      }
      break;
    case SectionKind::kSupervisorctl:
    case SectionKind::kRpcInterface:
    case SectionKind::kCtlPlugin:
      add(Kind::kNotice, shown + " is for supervisord's control interface; ignored");
      break;
    case SectionKind::kUnknown:
      add(Kind::kWarning, "unknown section " + shown + "; ignored");
      break;
    case SectionKind::kProgram:
    case SectionKind::kInclude:
    case SectionKind::kGroup:
      break;
  }
  CheckKeys(s, kind);
}

void Builder::CheckKeys(const RawSection& s, SectionKind kind) {
  if (!ChecksKeys(kind)) return;
  std::string shown = "[" + s.name + "]";
  for (const RawEntry& e : s.entries) {
    SectionKind belongs = SectionKind::kUnknown;
    std::string msg;
    switch (ClassifyKey(kind, e.key, &belongs)) {
      case KeyStatus::kUsed:
      case KeyStatus::kIgnored:
        continue;
      case KeyStatus::kUnsupported:
        msg = e.key + " is not supported; ignored";
        break;
      case KeyStatus::kWrongSection:
        msg = e.key + " belongs in " + SectionDisplayName(belongs) + ", not in " + shown +
              "; ignored";
        break;
      case KeyStatus::kUnknown:
        msg = "unknown key " + e.key + " in " + shown + "; ignored";
        break;
    }
    problems_->push_back({Kind::kWarning, e.where, msg});
  }
}

// [tend]'s keys (and [supervisord]'s pidfile) go to Config::tend, expanded as a
// program's are but without the names of a program. [tend] sections of several files
// are one (the reader merges them), so a key given twice keeps its last value.
void Builder::BuildTend(const RawSection& s, SectionKind kind) {
  for (const RawEntry& e : s.entries) {
    const KeySpec* row = FindKey(kind, e.key);
    if (!row || !row->apply.tend) continue;
    Expander ex = base_;
    ex.SetText(kExpandHere, e.here);
    ApplyEntry(e, *row, &ex, &config_.tend, problems_);
    if (e.key == kKeyMetricsAddress) metrics_where_ = e.where;
    // Not root, tend cannot give its socket away: tendctl would not reach it at all.
    UserSpec& owner = config_.tend.socket_owner;
    if (e.key == kKeyChown && euid_ != 0 && owner.resolved && owner.uid != euid_) {
      problems_->push_back({Kind::kWarning, e.where,
                            fmt::format("chown = {}: tend runs as uid {}, not root; ignored",
                                        owner.name, euid_)});
      owner = UserSpec();
    }
  }
}

void Builder::BuildProgram(const RawSection& s, SectionKind kind, const std::string& name) {
  std::vector<ConfigProblem> local;
  if (!ValidName(name)) {
    problems_->push_back({Kind::kError, s.where,
                          "bad program name \"" + Printable(name) + "\": " + kNameRule});
    return;
  }
  auto group = group_of_.find(name);
  ProgramPlan plan{&s, kind, name, base_};
  plan.expander.SetText(kExpandProgramName, name);
  plan.group = group == group_of_.end() ? name : group->second;
  plan.expander.SetText(kExpandGroupName, plan.group);
  plan.numprocs = ReadCount(plan, kKeyNumprocs, 1, kMaxNumprocs, &local);
  int64_t start = ReadCount(plan, kKeyNumprocsStart, 0, INT32_MAX - kMaxNumprocs, &local);
  if ((plan.process_name_entry = s.Find(kKeyProcessName)))
    plan.process_name = plan.process_name_entry->value;
  std::string needed = std::string("%(") + kExpandProcessNum + ")";
  size_t first_new = config_.programs.size();
  if (plan.numprocs > 1 && plan.process_name.find(needed) == std::string::npos) {
    local.push_back(
        {Kind::kError, plan.process_name_entry ? plan.process_name_entry->where : s.where,
         needed + " must be present within " + kKeyProcessName + " when " + kKeyNumprocs + " > 1"});
  } else if (first_new + static_cast<size_t>(plan.numprocs) > kMaxProcesses) {
    const RawEntry* e = s.Find(kKeyNumprocs);
    local.push_back({Kind::kError, e ? e->where : s.where,
                     fmt::format("{} processes in all, more than tend's limit of {}",
                                 first_new + static_cast<size_t>(plan.numprocs), kMaxProcesses)});
  } else {
    for (int64_t n = start; n < start + plan.numprocs; ++n) BuildProcess(plan, n, &local);
  }
  CheckSameAs(s, kind, &local);
  ProgramInfo info{name, {}, s.where};
  if (const RawEntry* d = s.Find(kKeyDependsOn)) info.depends_where = d->where;
  if (config_.programs.size() > first_new) info.depends_on = config_.programs[first_new].depends_on;
  infos_.push_back(info);
  AppendUnique(local, problems_);
}

// numprocs and numprocs_start: expanded without process names; a spoilt expansion
// (an undefined %(ENV_X)s is kMachine) leaves the default.
int64_t Builder::ReadCount(const ProgramPlan& plan, const char* key, int64_t dflt, int64_t max,
                           std::vector<ConfigProblem>* local) {
  const RawEntry* e = plan.section->Find(key);
  if (!e) return dflt;
  Expander ex = plan.expander;
  ex.SetText(kExpandHere, e->here);
  std::vector<ExpandIssue> issues;
  std::string v = Trim(ex.Expand(e->value, Expander::Mode::kValue, &issues));
  AddExpandIssues(issues, key, e->where, local);
  if (Spoilt(issues)) return dflt;
  int64_t n = 0;
  std::string why;
  if (!ParseInteger(v, 0, max, &n, &why)) {
    local->push_back({Kind::kError, e->where, BadValue(key, v, why)});
    return dflt;
  }
  return n;
}

void Builder::BuildProcess(const ProgramPlan& plan, int64_t num,
                           std::vector<ConfigProblem>* local) {
  const RawSection& s = *plan.section;
  ProgramConfig p;
  p.program_name = plan.program_name;
  p.group = plan.group;
  p.process_num = static_cast<int>(num);
  p.where = s.where;
  p.listener = plan.kind == SectionKind::kEventListener;
  if (p.listener) p.priority = -1;  // supervisord's: listeners start first, stop last.
  p.environment = global_env_;
  Expander ex = plan.expander;
  ex.SetNumber(kExpandProcessNum, num);
  ex.SetNumber(kKeyNumprocs, plan.numprocs);  // supervisord's %(numprocs)d.
  std::map<std::string, SourceLocation> given;
  // environment first: the other values may use its variables as %(ENV_X)s.
  if (const RawEntry* e = s.Find(kKeyEnvironment))
    ApplyEntry(*e, *FindSectionKey(plan.kind, e->key), &ex, &p, local);
  for (const std::string& kv : p.environment) {
    size_t eq = kv.find('=');
    ex.SetEnv(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (const RawEntry& e : s.entries) {
    given[e.key] = e.where;
    const KeySpec* row = FindSectionKey(plan.kind, e.key);
    if (row && row->apply.program && e.key != kKeyEnvironment) ApplyEntry(e, *row, &ex, &p, local);
  }
  const RawEntry* pn = plan.process_name_entry;
  ex.SetText(kExpandHere, pn ? pn->here : AbsolutePath(DirName(s.where.file)));
  std::vector<ExpandIssue> issues;
  p.name = Trim(ex.Expand(plan.process_name, Expander::Mode::kValue, &issues));
  AddExpandIssues(issues, kKeyProcessName, pn ? pn->where : s.where, local);
  if (!ValidName(p.name)) {
    local->push_back({Kind::kError, pn ? pn->where : s.where,
                      "bad " + std::string(kKeyProcessName) + " \"" + Printable(p.name) +
                          "\": " + kNameRule});
  }
  CheckUser(given, &p, local);
  FinishProgram(given, s.where, &p, local);
  CheckProbeCommands(p, given, local);
  config_.programs.push_back(std::move(p));
}

// Not root (USER app, OpenShift's random uid), tend cannot switch users: a program of
// another user runs as tend's own, said once at load; one of root's cannot run at all.
void Builder::CheckUser(const std::map<std::string, SourceLocation>& given, ProgramConfig* p,
                        std::vector<ConfigProblem>* local) const {
  if (euid_ == 0 || !p->user.resolved || p->user.uid == euid_) return;
  auto where = given.find(kKeyUser);
  const SourceLocation& at = where != given.end() ? where->second : p->where;
  if (p->user.uid == 0) {
    local->push_back({Kind::kWarning, at,
                      fmt::format("user = {}: tend runs as uid {}, not root; {} cannot start",
                                  p->user.name, euid_, p->name)});
    return;
  }
  local->push_back({Kind::kWarning, at,
                    fmt::format("user = {}: tend runs as uid {}, not root; {} runs as uid {} "
                                "too",
                                p->user.name, euid_, p->name, euid_)});
  p->user = UserSpec();
}

// An exec probe whose command is nowhere to be found would fail every time: said at load
// (a warning: the image may still be missing a package that a later layer adds).
void Builder::CheckProbeCommands(const ProgramConfig& p,
                                 const std::map<std::string, SourceLocation>& given,
                                 std::vector<ConfigProblem>* local) const {
  // The program's PATH, else tend's, else execvp's default.
  const std::string path = CommandPath(p, path_);
  const std::pair<const char*, const ProbeSpec*> probes[] = {{kKeyReady, &p.ready.probe},
                                                             {kKeyHealth, &p.health}};
  for (const auto& [key, probe] : probes) {
    if (probe->kind != ProbeSpec::Kind::kExec) continue;
    bool found = false;
    for (const std::string& c : CommandCandidates(probe->argv[0], path.empty() ? nullptr : path.c_str())) {
      // Relative to the program's directory: left to the run.
      if (c[0] != '/' || access(c.c_str(), X_OK) == 0) found = true;
    }
    if (found) continue;
    auto it = given.find(key);
    local->push_back({Kind::kWarning, it == given.end() ? p.where : it->second,
                      std::string(key) + ": \"" + probe->argv[0] + "\" " +
                          (probe->argv[0].find('/') == std::string::npos
                               ? "is not found in PATH"
                               : "is not an executable file") +
                          ": the probe will fail"});
  }
}

// Expands one value, parses it with its row and reports what went wrong. A value
// spoilt by its expansion (an undefined %(ENV_X)s, a bad %-format) is reported once,
// not again as a bad value.
template <typename Target>
void Builder::ApplyEntry(const RawEntry& e, const KeySpec& row, Expander* ex, Target* target,
                         std::vector<ConfigProblem>* local) {
  ex->SetText(kExpandHere, e.here);
  auto mode = row.type == ValueType::kCommand ? Expander::Mode::kCommand : Expander::Mode::kValue;
  std::vector<ExpandIssue> issues;
  std::string v = Trim(ex->Expand(e.value, mode, &issues));
  AddExpandIssues(issues, e.key, e.where, local);
  std::string why;
  switch (row.apply(v, actx_, target, &why)) {
    case ApplyStatus::kOk:
      break;
    case ApplyStatus::kBad:
      if (!Spoilt(issues)) local->push_back({Kind::kError, e.where, BadValue(e.key, v, why)});
      break;
    case ApplyStatus::kMachine:
      local->push_back({Kind::kMachine, e.where, e.key + ": " + why});
      break;
  }
}

// Two keys for one setting (autorestart and restart): the later line wins, as a
// repeated key would.
void Builder::CheckSameAs(const RawSection& s, SectionKind kind,
                          std::vector<ConfigProblem>* local) {
  for (size_t i = 0; i < s.entries.size(); ++i) {
    const KeySpec* row = FindSectionKey(kind, s.entries[i].key);
    if (!row || !row->same_as) continue;
    for (size_t j = 0; j < i; ++j) {
      if (s.entries[j].key != row->same_as) continue;
      local->push_back({Kind::kWarning, s.entries[i].where,
                        s.entries[i].key + " and " + row->same_as + " (at " +
                            s.entries[j].where.ToString() +
                            ") set the same thing; this line wins"});
    }
  }
}

void Builder::CheckNames() {
  std::map<std::string, const ProgramConfig*> seen;
  for (const ProgramConfig& p : config_.programs) {
    auto it = seen.emplace(p.name, &p);
    if (it.second) continue;
    problems_->push_back({Kind::kError, p.where,
                          "duplicate process name \"" + p.name + "\" (also in program " +
                              it.first->second->program_name + " at " +
                              it.first->second->where.ToString() + ")"});
  }
}

void Builder::CheckDependencies() {
  std::map<std::string, const ProgramInfo*> by_name;
  for (const ProgramInfo& i : infos_) by_name.emplace(i.name, &i);
  for (const ProgramInfo& i : infos_) {
    for (const std::string& d : i.depends_on) {
      if (by_name.count(d)) continue;
      problems_->push_back({Kind::kError, i.depends_where,
                            std::string(kKeyDependsOn) + " names unknown program \"" + d + "\""});
    }
  }
  FindCycles(by_name);
}

// Depth-first search in file order; each cycle is reported once, at the depends_on
// line of the program where the search entered it, members in dependency order.
void Builder::FindCycles(const std::map<std::string, const ProgramInfo*>& by_name) {
  enum Color { kWhite, kGrey, kBlack };
  std::map<std::string, Color> color;
  std::vector<const ProgramInfo*> stack;
  std::function<void(const ProgramInfo*)> visit = [&](const ProgramInfo* u) {
    color[u->name] = kGrey;
    stack.push_back(u);
    for (const std::string& d : u->depends_on) {
      auto it = by_name.find(d);
      if (it == by_name.end() || color[d] == kBlack) continue;
      if (color[d] == kWhite) {
        visit(it->second);
        continue;
      }
      auto from = std::find(stack.begin(), stack.end(), it->second);
      std::string path;
      for (auto s = from; s != stack.end(); ++s) path += (*s)->name + " -> ";
      problems_->push_back({Kind::kError, (*from)->depends_where, "dependency cycle: " + path + d});
    }
    stack.pop_back();
    color[u->name] = kBlack;
  };
  for (const ProgramInfo& i : infos_)
    if (color[i.name] == kWhite) visit(&i);
}

}  // namespace

Config BuildConfig(const RawConfig& raw, const ExpansionContext& ctx,
                   std::vector<ConfigProblem>* problems) {
  Builder b(ctx, problems);
  return b.Build(raw);
}

}  // namespace tend
