#include "ready/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/event_loop.h"
#include "base/sys.h"
#include "base/values.h"
#include "proc/reaper.h"
#include "proc/spawn.h"

namespace tend {

namespace {

// Probes report what they saw in the middle of a sentence: "connection refused".
std::string ErrnoText(int err) {
  std::string s = ErrnoString(err);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && !(s.size() > 1 && s[1] >= 'A' && s[1] <= 'Z')) {
    s[0] = static_cast<char>(s[0] - 'A' + 'a');
  }
  return s;
}

}  // namespace

ProbeResult HttpVerdict(std::string_view answer) {
  std::string line(answer.substr(0, answer.find('\n')));
  ProbeResult verdict;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) c = '?';
  }
  if (line.size() > 80) line.resize(80);
  const bool http = line.rfind("HTTP/", 0) == 0;
  const size_t sp = line.find(' ');
  int code = 0;
  // Three digits, then a space or the end: "2000" is no status.
  if (http && sp != std::string::npos && sp + 4 <= line.size() &&
      (sp + 4 == line.size() || line[sp + 4] == ' ')) {
    for (size_t i = sp + 1; i < sp + 4 && line[i] >= '0' && line[i] <= '9'; ++i) {
      code = code * 10 + (line[i] - '0');
    }
  }
  if (code < 100 || code > 999) {
    verdict = {false, "not an HTTP status line: \"" + line + "\""};
  } else {
    verdict = {code >= 200 && code < 400, "HTTP " + line.substr(sp + 1)};
  }
  return verdict;
}

// --- TCP and HTTP: a non-blocking connect, then (HTTP) a request and its status line.

namespace {

class NetProbe : public ProbeRun {
 public:
  NetProbe(EventLoop* loop, const ProbeSpec& p, int64_t timeout_ms, Prober::Done done)
      : loop_(loop),
        http_(p.kind == ProbeSpec::Kind::kHttp),
        what_(http_ ? "GET http://" + p.host_port + p.path : "connect " + p.host_port),
        done_(std::move(done)),
        timer_(loop->NewTimer([this] { Finish(); })) {
    timer_->Start(timeout_ms);
    result_.detail = what_ + ": no answer within " + FormatDuration(timeout_ms);
    if (http_) {
      request_ = "GET " + p.path + " HTTP/1.1\r\nHost: " + p.host_port +
                 "\r\nUser-Agent: tend\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    }
    fd_.Reset(socket(p.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_.valid()) {
      Fail("socket", errno);
      return;
    }
    int rc;
    do {
      rc = connect(fd_.get(), reinterpret_cast<const sockaddr*>(&p.addr), p.addr_len);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) {
      Fail("", errno);
      return;
    }
    Watch(IoWatcher::kWrite, [this] { Connected(); });
    constructed_ = true;
  }

 private:
  void Fail(const char* step, int err) {
    result_ = {false, what_ + ": " + (*step ? std::string(step) + ": " : "") + ErrnoText(err)};
    End();
  }
  // Ends the probe: the result now from a loop callback (one wake-up per probe saved),
  // or from the loop's next turn when still in the constructor. May destroy this.
  void End() {
    watcher_.reset();
    fd_.Reset();
    if (constructed_) {
      Finish();
    } else {
      timer_->Start(0);
    }
  }
  void Finish() {
    watcher_.reset();
    fd_.Reset();
    Prober::Done done = std::move(done_);
    done(result_);  // May destroy this.
  }
  void Watch(IoWatcher::Kind kind, std::function<void()> ready) {
    watcher_ = std::make_unique<IoWatcher>(loop_, fd_.get(), kind, std::move(ready));
    watcher_->Start();
  }
  void Connected() {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err != 0) return Fail("", err);
    if (!http_) {
      result_ = {true, "connected to " + what_.substr(8)};
      return End();
    }
    Write();
  }
  void Write() {
    while (sent_ < request_.size()) {
      ssize_t n = write(fd_.get(), request_.data() + sent_, request_.size() - sent_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        Watch(IoWatcher::kWrite, [this] { Write(); });
        return;
      }
      if (n < 0) return Fail("send", errno);
      sent_ += static_cast<size_t>(n);
    }
    Watch(IoWatcher::kRead, [this] { Read(); });
  }
  void Read() {
    char buf[512];
    for (;;) {
      ssize_t n = read(fd_.get(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0) return Fail("receive", errno);
      if (n == 0) {
        result_ = {false, what_ + ": connection closed before a status line"};
        return End();
      }
      answer_.append(buf, static_cast<size_t>(n));
      size_t eol = answer_.find('\n');
      if (eol != std::string::npos) return Status(answer_.substr(0, eol));
      if (answer_.size() > 1024) return Status(answer_);
    }
  }
  void Status(std::string_view line) {
    result_ = HttpVerdict(line);
    result_.detail = what_ + ": " + result_.detail;
    End();
  }

  EventLoop* loop_;
  const bool http_;
  const std::string what_;
  Prober::Done done_;
  std::unique_ptr<Timer> timer_;
  UniqueFd fd_;
  std::unique_ptr<IoWatcher> watcher_;
  std::string request_;
  size_t sent_ = 0;
  std::string answer_;
  ProbeResult result_;
  bool constructed_ = false;
};

// How much of an exec probe's output is kept for the log line.
constexpr size_t kExecOutputKept = 512;
// How much of it is read at most: past that, a noisy probe (`exec:yes`) is left to
// fill its pipe and block until its timeout, not read at tend's cost.
constexpr size_t kExecOutputRead = 64 << 10;

}  // namespace

// --- exec: a child process in a session of its own, killed at the deadline.

class SystemProber::ExecProbe : public SpawnObserver, public ExitObserver {
 public:
  explicit ExecProbe(SystemProber* owner)
      : owner_(owner), timer_(owner->loop_->NewTimer([this] { TimedOut(); })) {}
  void set_done(Prober::Done done) { done_ = std::move(done); }

  // Starts the process; false when none could be made (`err` says why).
  bool Start(SpawnSpec spec, int64_t timeout_ms, std::string* err) {
    timeout_ms_ = timeout_ms;
    spec_ = std::move(spec);
    pid_ = owner_->ops_->Spawn(spec_, this, err);
    if (pid_ < 0) return false;
    owner_->reaper_->Watch(pid_, this);
    timer_->Start(timeout_ms);
    return true;
  }
  // The run was cancelled: no result, and the process goes.
  void Cancel() {
    done_ = nullptr;
    Kill();
  }

  void OnExecResult(pid_t, const ExecError* error) override {
    exec_known_ = true;
    if (error) exec_error_ = DescribeExecError(spec_, *error);
    MaybeDone();
  }
  void OnOutputPipe(pid_t, int, UniqueFd read_end) override {
    out_ = std::move(read_end);
    watcher_ = std::make_unique<IoWatcher>(owner_->loop_, out_.get(), IoWatcher::kRead,
                                           [this] { ReadOutput(); });
    watcher_->Start();
  }
  void OnReaped(pid_t, int status) override {
    reaped_ = true;
    status_ = status;
    ReadOutput();
    MaybeDone();
  }

 private:
  void Kill() {
    timer_->Stop();
    if (!reaped_ && !killed_) {
      killed_ = true;
      owner_->ops_->Signal(pid_, SIGKILL, /*group=*/true);
    }
  }
  void TimedOut() {
    Kill();
    Deliver({false, "no answer within " + FormatDuration(timeout_ms_) + " (killed)"});
  }
  void ReadOutput() {
    if (!out_.valid()) return;
    char buf[4096];
    for (;;) {
      ssize_t n = read(out_.get(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        output_.append(buf, static_cast<size_t>(n));
        if (output_.size() > 2 * kExecOutputKept) output_.erase(0, output_.size() - kExecOutputKept);
        read_ += static_cast<size_t>(n);
        if (read_ >= kExecOutputRead) {
          watcher_.reset();  // Kept open: the probe blocks rather than dies of SIGPIPE.
          return;
        }
        continue;
      }
      if (n == 0 || errno != EAGAIN) {  // EOF: every writer is gone.
        watcher_.reset();
        out_.Reset();
      }
      return;
    }
  }
  void MaybeDone() {
    if (!reaped_ || !exec_known_) return;
    // What a daemon it started still writes is not waited for, and what it left in its
    // group goes with it, whatever the result (`sleep 300 &` every second would pile up).
    watcher_.reset();
    out_.Reset();
    timer_->Stop();
    owner_->ops_->SignalGroup(pid_, SIGKILL);
    if (done_) {
      if (!exec_error_.empty()) {
        Deliver({false, exec_error_});
      } else {
        Deliver({WIFEXITED(status_) && WEXITSTATUS(status_) == 0, Described()});
      }
    }
    owner_->Finished(this);  // Deletes this.
  }
  // "exited with status 1: Could not connect to Redis at 127.0.0.1:6379" (the output's
  // last lines, on one line).
  std::string Described() const {
    std::string text = output_.size() > kExecOutputKept
                           ? output_.substr(output_.size() - kExecOutputKept)
                           : output_;
    std::string flat;
    for (char c : text) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
      if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) continue;
      if (c == ' ' && (flat.empty() || flat.back() == ' ')) continue;
      flat += c;
    }
    while (!flat.empty() && flat.back() == ' ') flat.pop_back();
    std::string d = DescribeWaitStatus(status_);
    return flat.empty() ? d : d + ": " + flat;
  }
  void Deliver(const ProbeResult& r) {
    if (!done_) return;
    Prober::Done done = std::move(done_);
    done_ = nullptr;
    done(r);
  }

  SystemProber* owner_;
  Prober::Done done_;
  std::unique_ptr<Timer> timer_;
  SpawnSpec spec_;
  int64_t timeout_ms_ = 0;
  pid_t pid_ = -1;
  bool reaped_ = false, exec_known_ = false, killed_ = false;
  int status_ = 0;
  size_t read_ = 0;  // Bytes of output read.
  std::string exec_error_;
  UniqueFd out_;
  std::unique_ptr<IoWatcher> watcher_;
  std::string output_;
};

namespace {

// The handle of an exec probe: cancels it when destroyed before its end.
class ExecRun : public ProbeRun {
 public:
  explicit ExecRun(SystemProber::ExecProbe* p, std::shared_ptr<bool> ended)
      : probe_(p), ended_(std::move(ended)) {}
  ~ExecRun() override {
    if (!*ended_) probe_->Cancel();  // Not ended: the probe is still there.
  }

 private:
  SystemProber::ExecProbe* probe_;
  std::shared_ptr<bool> ended_;
};

// A failure known at once (no process could be made), delivered from the loop.
class FailedRun : public ProbeRun {
 public:
  FailedRun(Clock* clock, ProbeResult r, Prober::Done done)
      : result_(std::move(r)), done_(std::move(done)),
        timer_(clock->NewTimer([this] { done_(result_); })) {
    timer_->Start(0);
  }

 private:
  ProbeResult result_;
  Prober::Done done_;
  std::unique_ptr<Timer> timer_;
};

}  // namespace

SystemProber::SystemProber(EventLoop* loop, ProcessOps* ops, Reaper* reaper)
    : loop_(loop), ops_(ops), reaper_(reaper) {}

SystemProber::~SystemProber() {
  for (auto& p : exec_) p->Cancel();
}

void SystemProber::Finished(ExecProbe* p) {
  for (auto it = exec_.begin(); it != exec_.end(); ++it) {
    if (it->get() == p) {
      // Freed from the loop's next turn would be cleaner, but nothing of `p` runs after
      // this call: MaybeDone returns at once.
      exec_.erase(it);
      return;
    }
  }
}

std::unique_ptr<ProbeRun> SystemProber::Run(const ProbeSpec& probe, const SpawnSpec& exec,
                                            int64_t timeout_ms, Done done) {
  if (probe.kind != ProbeSpec::Kind::kExec) {
    return std::make_unique<NetProbe>(loop_, probe, timeout_ms, std::move(done));
  }
  SpawnSpec spec = exec;
  spec.argv = probe.argv;
  spec.isolation = SpawnSpec::Isolation::kSession;  // Its own group: killed as one.
  spec.take_terminal = false;
  spec.pty = false;
  spec.notify_fd = -1;
  spec.input = "/dev/null";
  for (int i = 0; i < 3; ++i) spec.stdio[i] = -1;
  spec.output[0] = "|";
  spec.output[1].clear();
  spec.merge_stderr = true;
  auto run = std::make_unique<ExecProbe>(this);
  std::string err;
  if (!run->Start(std::move(spec), timeout_ms, &err)) {
    return std::make_unique<FailedRun>(loop_, ProbeResult{false, err}, std::move(done));
  }
  // The run's end is told to its handle through `ended`, which outlives both.
  auto ended = std::make_shared<bool>(false);
  run->set_done([ended, done = std::move(done)](const ProbeResult& r) {
    *ended = true;
    done(r);
  });
  ExecProbe* p = run.get();
  exec_.push_back(std::move(run));
  return std::make_unique<ExecRun>(p, std::move(ended));
}

// --- ProbeLoop

ProbeLoop::ProbeLoop(Clock* clock, Prober* prober, std::function<void(const ProbeResult&)> result)
    : prober_(prober), result_(std::move(result)),
      timer_(clock->NewTimer([this] { Fire(); })) {}

void ProbeLoop::Start(const ProbeSpec* probe, const SpawnSpec& exec, Settings settings) {
  Stop();
  probe_ = probe;
  exec_ = std::make_unique<SpawnSpec>(exec);
  settings_ = settings;
  next_interval_ms_ = settings.interval_ms;
  timer_->Start(settings.first_ms);
}

void ProbeLoop::Stop() {
  timer_->Stop();
  run_.reset();
}

void ProbeLoop::Fire() {
  run_ = prober_->Run(*probe_, *exec_, settings_.timeout_ms, [this](const ProbeResult& r) {
    // Freed after the result is handled: the handler may Stop() or Start() this loop.
    std::unique_ptr<ProbeRun> done = std::move(run_);
    int64_t wait = settings_.interval_ms;
    if (r.ok) {
      next_interval_ms_ = settings_.interval_ms;
    } else if (settings_.max_interval_ms > settings_.interval_ms) {
      wait = next_interval_ms_;  // 100ms, 200ms, 400ms... up to the most.
      next_interval_ms_ = std::min(next_interval_ms_ * 2, settings_.max_interval_ms);
    }
    timer_->Start(wait);
    result_(r);
    (void)done;
  });
}

}  // namespace tend
