// tbench: the measuring half of bench/run. It compares container inits side by side
// and prints a markdown table; bench/run builds it into build/bench/ and calls
//
//   tbench measure OPTIONS INIT...   INIT is NAME:PATH:SEP, SEP "--" or empty (dumb-init)
//   tbench startup REPS BASE INIT... start-up alone, for bench/startup: medians, p90 and
//                                    page faults, with ratios to the init named BASE
//
// Every namespace it starts is `unshare --pid --fork --mount-proc --kill-child`, spawned
// with PR_SET_PDEATHSIG(SIGKILL): killing that unshare kills the namespace's PID 1, and
// the kernel then kills everything left in the namespace. Nothing outlives tbench.
//
// It is also the program that runs under the inits during the measurements:
//   tbench orphan-maker N   N double-forked orphans, released at once on request
//   tbench sigwaiter        reports when it receives SIGUSR1, with a timestamp
//   tbench mini-init -- CMD a bare wait() loop as PID 1: the floor for reaping
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace {

using Argv = std::vector<std::string>;

const char* g_self = nullptr;  // absolute path of this program

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void SleepNs(int64_t ns) {
  timespec ts{time_t(ns / 1000000000), long(ns % 1000000000)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

[[noreturn]] void Die(const std::string& msg) {
  fprintf(stderr, "tbench: %s\n", msg.c_str());
  exit(1);
}

void Note(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void Note(const char* fmt, ...) {
  static const int64_t start = NowNs();
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench: [%3.0f s] ", double(NowNs() - start) / 1e9);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

double Median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool ReadFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, size_t(n));
  }
  close(fd);
  return true;
}

// The pids listed in /proc/PID/task/PID/children (zombies included until reaped).
std::vector<pid_t> Children(pid_t pid) {
  std::vector<pid_t> kids;
  std::string s;
  std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
  if (!ReadFile(path, &s)) return kids;
  const char* p = s.c_str();
  char* end;
  for (;;) {
    long v = strtol(p, &end, 10);
    if (end == p) break;
    kids.push_back(pid_t(v));
    p = end;
  }
  return kids;
}

// A "Key:   123 kB" field of a /proc status-like file, -1 when missing.
long Field(const std::string& path, const char* key) {
  std::string s;
  if (!ReadFile(path, &s)) return -1;
  std::string k = std::string("\n") + key + ":";
  s.insert(0, "\n");
  size_t at = s.find(k);
  if (at == std::string::npos) return -1;
  return strtol(s.c_str() + at + k.size(), nullptr, 10);
}

std::string Comm(pid_t pid) {
  std::string s;
  ReadFile("/proc/" + std::to_string(pid) + "/comm", &s);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// fork + exec with the child bound to our life (PDEATHSIG). in/out: -1 keeps ours,
// -2 means /dev/null. The same for err. Returns the pid.
pid_t Spawn(const Argv& argv, int in = -1, int out = -1, int err = -1) {
  std::vector<char*> av;
  for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) Die(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (in == -2 || out == -2 || err == -2) {
      int null = open("/dev/null", O_RDWR);
      if (in == -2) in = null;
      if (out == -2) out = null;
      if (err == -2) err = null;
    }
    if (in >= 0) dup2(in, 0);
    if (out >= 0) dup2(out, 1);
    if (err >= 0) dup2(err, 2);
    execv(av[0], av.data());
    fprintf(stderr, "tbench: exec %s: %s\n", av[0], strerror(errno));
    _exit(127);
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return st;
}

void KillAndWait(pid_t pid) {
  kill(pid, SIGKILL);
  WaitExit(pid);
}

struct Init {
  std::string name, path;
  bool dash;         // takes `--` before the command
  Argv options = {};  // between path and `--`
};

Argv Under(const Init& init, const Argv& cmd) {
  Argv a{init.path};
  a.insert(a.end(), init.options.begin(), init.options.end());
  if (init.dash) a.push_back("--");
  a.insert(a.end(), cmd.begin(), cmd.end());
  return a;
}

Argv InNamespace(const Argv& cmd) {
  Argv a{"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child"};
  a.insert(a.end(), cmd.begin(), cmd.end());
  return a;
}

// Polls until `pred` holds, up to `timeout_ms`.
template <class F>
bool WaitFor(int timeout_ms, F pred) {
  int64_t end = NowNs() + int64_t(timeout_ms) * 1000000;
  while (!pred()) {
    if (NowNs() > end) return false;
    SleepNs(200000);
  }
  return true;
}

// A namespace running INIT CMD: the unshare, and the host pids of its PID 1 and of
// PID 1's child (the command).
struct Ns {
  pid_t unshare = -1, init = -1, child = -1;
  int out = -1;  // read end of the command's stdout, when piped
  int in = -1;   // write end of the command's stdin, when piped
};

Ns StartNs(const Init& init, const Argv& cmd, bool pipes, const std::string& child_comm) {
  Ns ns;
  int o[2] = {-1, -1}, i[2] = {-1, -1};
  if (pipes && (pipe2(o, O_CLOEXEC) != 0 || pipe2(i, O_CLOEXEC) != 0)) Die("pipe");
  ns.unshare = Spawn(InNamespace(Under(init, cmd)), pipes ? i[0] : -2, pipes ? o[1] : -2);
  if (pipes) {
    close(o[1]);
    close(i[0]);
    ns.out = o[0];
    ns.in = i[1];
  }
  bool ok = WaitFor(5000, [&] {
    auto k = Children(ns.unshare);
    if (k.empty()) return false;
    ns.init = k[0];
    auto c = Children(ns.init);
    for (pid_t p : c) {
      if (Comm(p) == child_comm) {
        ns.child = p;
        return true;
      }
    }
    return false;
  });
  if (!ok) Die(init.name + ": its child did not start (" + child_comm + ")");
  return ns;
}

// tbench is a child subreaper: once the unshare is gone, its orphaned PID 1 is ours to
// reap, and PID 1 of a namespace is reaped only after everything else in it.
void StopNs(Ns* ns) {
  if (ns->init > 0) kill(ns->init, SIGKILL);
  if (ns->unshare > 0) KillAndWait(ns->unshare);
  if (ns->init > 0) WaitExit(ns->init);
  if (ns->out >= 0) close(ns->out);
  if (ns->in >= 0) close(ns->in);
  *ns = Ns();
}

// Reads exactly n bytes, waiting at most timeout_ms overall.
bool ReadFull(int fd, void* buf, size_t n, int timeout_ms) {
  char* p = static_cast<char*>(buf);
  int64_t end = NowNs() + int64_t(timeout_ms) * 1000000;
  while (n > 0) {
    int left = int((end - NowNs()) / 1000000);
    if (left < 0) return false;
    pollfd pfd{fd, POLLIN, 0};
    int r = poll(&pfd, 1, left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t got = read(fd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= size_t(got);
  }
  return true;
}

bool ReadLine(int fd, std::string* line, int timeout_ms) {
  line->clear();
  char c;
  while (ReadFull(fd, &c, 1, timeout_ms)) {
    if (c == '\n') return true;
    line->push_back(c);
  }
  return false;
}

// ---- results -----------------------------------------------------------------------

struct Row {
  std::string label;
  std::map<std::string, double> v;  // by init name; missing or NaN: not measured
  int decimals = 0;
};

std::string Fmt(double v, int decimals) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Ratio(const Row& r, const std::string& a, const std::string& b) {
  auto ia = r.v.find(a), ib = r.v.find(b);
  if (ia == r.v.end() || ib == r.v.end()) return "n/a";
  double x = ia->second, y = ib->second;
  if (std::isnan(x) || std::isnan(y) || y <= 0 || x < 0) return "n/a";
  return Fmt(x / y, 2);
}

// ---- the measurements --------------------------------------------------------------

struct Options {
  int startup_reps = 300;
  int startup_warmup = 20;
  int orphans = 2000;
  int orphan_reps = 5;
  int signal_reps = 200;
  int idle_seconds = 10;
  std::string strip_dir;  // where stripped copies go; empty: no stripped sizes
};

// 1. Wall time of INIT -- /bin/true, directly and as PID 1 of a fresh PID namespace.
// Every round runs every variant once, in a rotating order, so that drift in the
// machine's load spreads evenly over them.
void Startup(const Options& o, const std::vector<Init>& inits, std::vector<Row>* rows) {
  struct Variant {
    std::string init;  // "" for bare /bin/true
    bool ns;
    Argv argv;
    std::vector<double> ms;
  };
  std::vector<Variant> vs;
  for (bool ns : {true, false}) {
    Argv bare{"/bin/true"};
    vs.push_back({"", ns, ns ? InNamespace(bare) : bare, {}});
    for (const auto& in : inits) {
      Argv a = Under(in, bare);
      vs.push_back({in.name, ns, ns ? InNamespace(a) : a, {}});
    }
  }
  Note("startup: %zu variants x %d runs", vs.size(), o.startup_reps);
  int rounds = o.startup_warmup + o.startup_reps;
  for (int r = 0; r < rounds; r++) {
    for (size_t k = 0; k < vs.size(); k++) {
      Variant& v = vs[(k + size_t(r)) % vs.size()];
      int64_t t0 = NowNs();
      // stderr to /dev/null too: tini, not PID 1, warns on every run.
      pid_t pid = Spawn(v.argv, -2, -2, -2);
      int st = WaitExit(pid);
      int64_t t1 = NowNs();
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        std::string c;
        for (const auto& a : v.argv) c += " " + a;
        Die("startup: this failed (run it to see why):" + c);
      }
      if (r >= o.startup_warmup) v.ms.push_back(double(t1 - t0) / 1e6);
    }
  }
  for (bool ns : {true, false}) {
    double bare = NAN;
    for (auto& v : vs)
      if (v.ns == ns && v.init.empty()) bare = Median(v.ms);
    const char* where = ns ? "as PID 1 (`unshare --pid --fork --mount-proc`)" : "direct";
    Row med{"startup, " + std::string(where) + ", median ms (bare /bin/true: " + Fmt(bare, 3) + ")", {}, 3};
    Row over{"startup overhead over bare /bin/true, " + std::string(ns ? "as PID 1" : "direct") + ", ms", {}, 3};
    for (auto& v : vs) {
      if (v.ns != ns || v.init.empty()) continue;
      double m = Median(v.ms);
      med.v[v.init] = m;
      over.v[v.init] = m - bare;
    }
    rows->push_back(med);
    rows->push_back(over);
  }
}

// 2 and 6. Every init as PID 1 with `sleep 1000` under it, all at once: VmRSS and PSS
// once settled, then the context switches the init makes over idle_seconds.
void Resident(const Options& o, const std::vector<Init>& inits, std::vector<Row>* rows) {
  Note("memory and idle wake-ups: %zu inits side by side, %d s", inits.size(), o.idle_seconds);
  std::vector<Ns> nss;
  for (const auto& in : inits) nss.push_back(StartNs(in, {"/bin/sleep", "1000"}, false, "sleep"));
  SleepNs(500000000);  // settle
  Row rss{"VmRSS of the init while its child sleeps, KiB", {}, 0};
  Row pss{"PSS of the init (`smaps_rollup`), KiB", {}, 0};
  Row wake{"idle wake-ups: context switches of the init in " + std::to_string(o.idle_seconds) + " s", {}, 0};
  std::vector<long> before;
  for (size_t k = 0; k < inits.size(); k++) {
    std::string p = "/proc/" + std::to_string(nss[k].init) + "/";
    rss.v[inits[k].name] = double(Field(p + "status", "VmRSS"));
    pss.v[inits[k].name] = double(Field(p + "smaps_rollup", "Pss"));
    before.push_back(Field(p + "status", "voluntary_ctxt_switches") +
                     Field(p + "status", "nonvoluntary_ctxt_switches"));
  }
  SleepNs(int64_t(o.idle_seconds) * 1000000000);
  for (size_t k = 0; k < inits.size(); k++) {
    std::string p = "/proc/" + std::to_string(nss[k].init) + "/status";
    long after = Field(p, "voluntary_ctxt_switches") + Field(p, "nonvoluntary_ctxt_switches");
    if (Children(nss[k].init).empty()) Die(inits[k].name + ": the sleeping child vanished");
    wake.v[inits[k].name] = double(after - before[k]);
  }
  for (auto& ns : nss) StopNs(&ns);
  rows->push_back(rss);
  rows->push_back(pss);
  rows->push_back(wake);
}

// 3. File sizes, as installed and stripped.
void Sizes(const Options& o, const std::vector<Init>& inits, std::vector<Row>* rows) {
  Row size{"binary size, KiB", {}, 1};
  Row stripped{"binary size stripped (`strip -o`), KiB", {}, 1};
  for (const auto& in : inits) {
    struct stat st;
    if (stat(in.path.c_str(), &st) == 0) size.v[in.name] = double(st.st_size) / 1024;
    if (o.strip_dir.empty()) continue;
    std::string out = o.strip_dir + "/" + in.name + ".stripped";
    int s = WaitExit(Spawn({"/usr/bin/strip", "-o", out, in.path}, -2, -2));
    if (WIFEXITED(s) && WEXITSTATUS(s) == 0 && stat(out.c_str(), &st) == 0)
      stripped.v[in.name] = double(st.st_size) / 1024;
    unlink(out.c_str());
  }
  rows->push_back(size);
  if (!o.strip_dir.empty()) rows->push_back(stripped);
}

char State(pid_t pid) {
  std::string s;
  if (!ReadFile("/proc/" + std::to_string(pid) + "/stat", &s)) return '?';
  size_t at = s.rfind(')');
  return at != std::string::npos && at + 2 < s.size() ? s[at + 2] : '?';
}

// 4. The init as PID 1, its child `tbench orphan-maker N`: N orphans that all exit at
// the same moment. Time from that moment until the init has no child left but the maker.
// `tbench mini-init`, a bare wait() loop, gives the floor: the cost of the exits alone.
// Second variant (`stopped`): the init is SIGSTOPped while the orphans exit, so that all
// N zombies are waiting for it; timed from its SIGCONT: the reaping alone.
void Orphans(const Options& o, const std::vector<Init>& inits, std::vector<Row>* rows) {
  Note("orphans: %d orphans, %d rounds per init, twice", o.orphans, o.orphan_reps);
  std::map<std::string, std::vector<double>> ms[2];
  std::vector<Init> all = inits;
  all.push_back({"", g_self, true, {"mini-init"}});
  for (int r = 0; r < 2 * o.orphan_reps; r++) {
    bool stopped = r % 2;
    for (const auto& in : all) {
      Ns ns = StartNs(in, {g_self, "orphan-maker", std::to_string(o.orphans)}, true, "tbench");
      std::string line;
      if (!ReadLine(ns.out, &line, 30000) || line != "armed") Die(in.name + ": orphan-maker failed");
      // All N orphans are alive and already the init's children.
      std::vector<pid_t> orphans;
      for (pid_t p : Children(ns.init))
        if (p != ns.child) orphans.push_back(p);
      if (orphans.size() != size_t(o.orphans)) Die(in.name + ": orphans not reparented to the init");
      if (stopped) {
        kill(ns.init, SIGSTOP);
        if (!WaitFor(5000, [&] { return State(ns.init) == 'T'; })) Die(in.name + ": SIGSTOP failed");
      }
      if (write(ns.in, "g", 1) != 1) Die("write to orphan-maker");
      if (!ReadLine(ns.out, &line, 10000) || line.rfind("done ", 0) != 0) Die(in.name + ": no done");
      int64_t released = strtoll(line.c_str() + 5, nullptr, 10);
      if (stopped) {
        for (pid_t p : orphans)
          if (!WaitFor(10000, [&] { return State(p) == 'Z'; })) Die(in.name + ": an orphan did not exit");
        released = NowNs();
        kill(ns.init, SIGCONT);
      }
      // A zombie still answers kill(pid, 0); a reaped process does not. Walk the list
      // with a cursor so that a poll costs O(1) plus what was reaped since the last one
      // (reading the children file costs ~0.5 ms with 2000 entries, too much to spin on).
      int64_t end = 0;
      int64_t give_up = NowNs() + 20000000000LL;
      size_t cursor = 0;
      for (;;) {
        while (cursor < orphans.size() && kill(orphans[cursor], 0) != 0 && errno == ESRCH) cursor++;
        int64_t t = NowNs();
        if (cursor == orphans.size()) {
          auto k = Children(ns.init);  // confirm: the maker is the init's only child
          if (k.size() == 1 && k[0] == ns.child) {
            end = t;
            break;
          }
          cursor = 0;  // a pid was reused: fall back to the children file
          orphans = k;
          orphans.erase(std::remove(orphans.begin(), orphans.end(), ns.child), orphans.end());
        }
        if (t > give_up) Die(in.name + ": zombies still there after 20 s");
        SleepNs(20000);
      }
      ms[stopped][in.name].push_back(double(end - released) / 1e6);
      StopNs(&ns);
    }
  }
  const char* what[2] = {" orphans exiting at once, from their release",
                         " zombies already there (init SIGSTOPped meanwhile), from SIGCONT"};
  for (int stopped = 0; stopped < 2; stopped++) {
    Row row{"reap " + std::to_string(o.orphans) + what[stopped] + ", as PID 1, median of " +
                std::to_string(o.orphan_reps) + ", ms (floor, a bare wait() loop: " +
                Fmt(Median(ms[stopped][""]), 2) + ")",
            {}, 2};
    for (auto& [name, v] : ms[stopped])
      if (!name.empty()) row.v[name] = Median(v);
    rows->push_back(row);
  }
}

// 5. SIGUSR1 to the init (which forwards it) versus to the child directly: from just
// before kill() to the child's sigwaitinfo() return, both on CLOCK_MONOTONIC.
void Signals(const Options& o, const std::vector<Init>& inits, std::vector<Row>* rows) {
  Note("signals: %d round trips per init, via the init and direct", o.signal_reps);
  std::vector<Ns> nss;
  for (const auto& in : inits) {
    nss.push_back(StartNs(in, {g_self, "sigwaiter"}, true, "tbench"));
    int64_t ready;
    if (!ReadFull(nss.back().out, &ready, sizeof ready, 5000) || ready != 0)
      Die(in.name + ": sigwaiter not ready");
  }
  std::map<std::string, std::vector<double>> via, direct;
  for (int r = 0; r < o.signal_reps; r++) {
    for (size_t k = 0; k < inits.size(); k++) {
      for (bool d : {false, true}) {
        pid_t target = d ? nss[k].child : nss[k].init;
        int64_t t0 = NowNs();
        if (kill(target, SIGUSR1) != 0) Die("kill: " + std::string(strerror(errno)));
        int64_t t1;
        if (!ReadFull(nss[k].out, &t1, sizeof t1, 5000))
          Die(inits[k].name + ": SIGUSR1 never arrived" + (d ? " (direct)" : " (via the init)"));
        (d ? direct : via)[inits[k].name].push_back(double(t1 - t0) / 1e3);
        SleepNs(300000);
      }
    }
  }
  for (auto& ns : nss) StopNs(&ns);
  Row v{"signal latency, SIGUSR1 to the init until the child has it, median µs", {}, 1};
  Row d{"signal latency, SIGUSR1 straight to the child (baseline), median µs", {}, 1};
  Row over{"signal forwarding overhead (via init - direct), µs", {}, 1};
  for (const auto& in : inits) {
    v.v[in.name] = Median(via[in.name]);
    d.v[in.name] = Median(direct[in.name]);
    over.v[in.name] = v.v[in.name] - d.v[in.name];
  }
  rows->push_back(v);
  rows->push_back(d);
  rows->push_back(over);
}

// ---- the programs run under the inits ----------------------------------------------

int OrphanMaker(int n) {
  int gate[2];
  if (pipe(gate) != 0) return 1;
  for (int i = 0; i < n; i++) {
    pid_t mid = fork();
    if (mid < 0) return 2;
    if (mid == 0) {
      pid_t leaf = fork();
      if (leaf == 0) {
        close(gate[1]);
        char c;
        while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
        }
        _exit(0);
      }
      _exit(leaf < 0 ? 1 : 0);
    }
    int st;
    if (waitpid(mid, &st, 0) != mid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 3;
  }
  close(gate[0]);
  SleepNs(100000000);  // every orphan is blocked in read()
  if (write(1, "armed\n", 6) != 6) return 4;
  char c;
  if (read(0, &c, 1) != 1) return 5;
  int64_t t = NowNs();
  close(gate[1]);  // wakes all N: they exit together
  char buf[64];
  int len = snprintf(buf, sizeof buf, "done %lld\n", static_cast<long long>(t));
  if (write(1, buf, size_t(len)) != len) return 6;
  for (;;) pause();
}

// The least an init can do: start CMD, then wait() for any child, forever.
int MiniInit(char** cmd) {
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    execv(cmd[0], cmd);
    _exit(127);
  }
  for (;;) {
    if (wait(nullptr) < 0 && errno == ECHILD) pause();
  }
}

int SigWaiter() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int64_t t = 0;
  if (write(1, &t, sizeof t) != sizeof t) return 1;  // ready
  for (;;) {
    siginfo_t si;
    if (sigwaitinfo(&set, &si) < 0) continue;
    t = NowNs();
    if (write(1, &t, sizeof t) != sizeof t) return 1;
  }
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

// Start-up alone, as PID 1 of a fresh namespace: `unshare ... INIT -- /bin/true` against
// `unshare ... /bin/true`, every variant once per round in a rotating order (sequential
// runs drift by milliseconds on a shared machine). Page faults are the minor faults of
// the whole waited tree (unshare, the init, /bin/true), from wait4's rusage; the bare
// run's are subtracted, which leaves the init's.
int StartupOnly(int argc, char** argv) {
  if (argc < 3) Die("usage: tbench startup REPS BASE NAME:PATH:SEP...");
  const int reps = atoi(argv[0]), warmup = 20;
  const std::string base = argv[1];
  struct Variant {
    std::string name;
    Argv argv;
    std::vector<double> ms, faults;
  };
  std::vector<Variant> vs;
  vs.push_back({"", InNamespace({"/bin/true"}), {}, {}});
  for (int i = 2; i < argc; i++) {
    std::string a = argv[i];
    size_t c1 = a.find(':'), c2 = a.rfind(':');
    if (c1 == std::string::npos || c1 == c2) Die("bad init spec " + a + " (NAME:PATH:SEP)");
    Init in{a.substr(0, c1), a.substr(c1 + 1, c2 - c1 - 1), a.substr(c2 + 1) == "--"};
    vs.push_back({in.name, InNamespace(Under(in, {"/bin/true"})), {}, {}});
  }
  Note("startup: %zu variants x %d rounds", vs.size(), reps);
  for (int r = 0; r < warmup + reps; r++) {
    for (size_t k = 0; k < vs.size(); k++) {
      Variant& v = vs[(k + size_t(r)) % vs.size()];
      int64_t t0 = NowNs();
      pid_t pid = Spawn(v.argv, -2, -2, -2);
      int st;
      struct rusage ru;
      while (wait4(pid, &st, 0, &ru) < 0) {
        if (errno != EINTR) Die(std::string("wait4: ") + strerror(errno));
      }
      int64_t t1 = NowNs();
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) Die("startup: " + v.argv.back() + " failed");
      if (r < warmup) continue;
      v.ms.push_back(double(t1 - t0) / 1e6);
      v.faults.push_back(double(ru.ru_minflt));
    }
  }
  const double bare_ms = Median(vs[0].ms), bare_faults = Median(vs[0].faults);
  double base_over = NAN;
  for (const auto& v : vs) {
    if (v.name == base) base_over = Median(v.ms) - bare_ms;
  }
  printf("| as PID 1, `INIT -- /bin/true` | median ms | p90 ms | overhead ms | page faults "
         "| overhead / %s |\n|---|---:|---:|---:|---:|---:|\n", base.c_str());
  for (const auto& v : vs) {
    const double over = Median(v.ms) - bare_ms;
    printf("| %s | %s | %s | %s | %s | %s |\n",
           v.name.empty() ? "bare `/bin/true`" : v.name.c_str(), Fmt(Median(v.ms), 3).c_str(),
           Fmt(Percentile(v.ms, 0.9), 3).c_str(), v.name.empty() ? "" : Fmt(over, 3).c_str(),
           v.name.empty() ? Fmt(bare_faults, 0).c_str()
                          : ("+" + Fmt(Median(v.faults) - bare_faults, 0)).c_str(),
           v.name.empty() || !(base_over > 0) ? "" : Fmt(over / base_over, 2).c_str());
  }
  return 0;
}

int Measure(int argc, char** argv) {
  Options o;
  std::vector<Init> inits;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    auto num = [&](int* out) {
      if (i + 1 >= argc) Die("missing value for " + a);
      *out = atoi(argv[++i]);
    };
    if (a == "--startup-reps") num(&o.startup_reps);
    else if (a == "--orphans") num(&o.orphans);
    else if (a == "--orphan-reps") num(&o.orphan_reps);
    else if (a == "--signal-reps") num(&o.signal_reps);
    else if (a == "--idle-seconds") num(&o.idle_seconds);
    else if (a == "--strip-dir" && i + 1 < argc) o.strip_dir = argv[++i];
    else {
      size_t c1 = a.find(':'), c2 = a.rfind(':');
      if (c1 == std::string::npos || c1 == c2) Die("bad init spec " + a + " (NAME:PATH:SEP)");
      inits.push_back({a.substr(0, c1), a.substr(c1 + 1, c2 - c1 - 1), a.substr(c2 + 1) == "--"});
    }
  }
  if (inits.empty()) Die("no init to measure");
  signal(SIGPIPE, SIG_IGN);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) Die("PR_SET_CHILD_SUBREAPER failed");

  std::vector<Row> rows;
  Startup(o, inits, &rows);
  Resident(o, inits, &rows);
  Sizes(o, inits, &rows);
  Orphans(o, inits, &rows);
  Signals(o, inits, &rows);
  Note("done");
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }

  auto has = [&](const char* n) {
    for (const auto& in : inits)
      if (in.name == n) return true;
    return false;
  };
  bool dyn = has("tend") && has("tini");
  bool sta = has("tend-static") && has("tini-static");
  std::string head = "| metric |", rule = "|---|";
  for (const auto& in : inits) {
    head += " " + in.name + " |";
    rule += "---:|";
  }
  if (dyn) head += " tend/tini |", rule += "---:|";
  if (sta) head += " tend-static/tini-static |", rule += "---:|";
  printf("%s\n%s\n", head.c_str(), rule.c_str());
  for (const auto& r : rows) {
    std::string line = "| " + r.label + " |";
    for (const auto& in : inits) {
      auto it = r.v.find(in.name);
      line += " " + (it == r.v.end() ? std::string("n/a") : Fmt(it->second, r.decimals)) + " |";
    }
    if (dyn) line += " " + Ratio(r, "tend", "tini") + " |";
    if (sta) line += " " + Ratio(r, "tend-static", "tini-static") + " |";
    printf("%s\n", line.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  static char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) Die("readlink /proc/self/exe");
  self[n] = '\0';
  g_self = self;
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "measure") return Measure(argc - 2, argv + 2);
  if (cmd == "startup") return StartupOnly(argc - 2, argv + 2);
  if (cmd == "orphan-maker" && argc == 3) return OrphanMaker(atoi(argv[2]));
  if (cmd == "sigwaiter") return SigWaiter();
  if (cmd == "mini-init" && argc > 3 && strcmp(argv[2], "--") == 0) return MiniInit(argv + 3);
  fprintf(stderr, "usage: tbench measure [OPTIONS] NAME:PATH:SEP... | orphan-maker N | sigwaiter | mini-init -- CMD\n");
  return 2;
}
