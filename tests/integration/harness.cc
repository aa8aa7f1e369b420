#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sstream>

namespace tend {

namespace {

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

std::vector<char*> Argv(const std::vector<std::string>& v) {
  std::vector<char*> a;
  for (const auto& s : v) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  return a;
}

// Closes every descriptor above 2, so that nothing of the test runner leaks into tend.
void CloseExtraFds() { syscall(SYS_close_range, 3u, ~0u, 0u); }

}  // namespace

std::string BuildPath(const std::string& name) {
  const char* b = getenv("TEND_BUILD");
  std::string build = b && *b ? b : "build";
  std::string p = build + "/" + name;
  if (p[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) p = std::string(cwd) + "/" + p;
  }
  return p;
}

bool Eventually(const std::function<bool()>& cond, int deadline_ms) {
  int64_t end = NowMs() + deadline_ms;
  for (;;) {
    if (cond()) return true;
    if (NowMs() > end) return false;
    timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

std::string ReadFile(const std::string& path) {
  std::string s;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return s;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  close(fd);
  return s;
}

void WriteFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(static_cast<ssize_t>(text.size()), write(fd, text.data(), text.size()));
  close(fd);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

int RunCommand(const std::vector<std::string>& argv, std::string* out, bool with_stderr) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    int null = open("/dev/null", O_WRONLY);
    dup2(with_stderr ? p[1] : null, 2);
    CloseExtraFds();
    execvp(argv[0].c_str(), Argv(argv).data());
    _exit(127);
  }
  close(p[1]);
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  close(p[0]);
  int status = -1;
  waitpid(pid, &status, 0);
  if (out) *out = s;
  return status;
}

TendProcess::TendProcess(const std::string& dir, std::vector<std::string> args, Options opts)
    : dir_(dir), ns_(opts.pid_namespace) {
  std::vector<std::string> argv;
  if (ns_) argv = {"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"};
  argv.push_back(opts.binary.empty() ? BuildPath("tend") : opts.binary);
  for (auto& a : args) argv.push_back(a);
  std::string out = dir + "/stdout", err = dir + "/stderr";
  int pfd[2] = {-1, -1};
  if (opts.stdout_pipe && pipe2(pfd, O_CLOEXEC) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    // A process group of its own, away from the test runner's terminal and signals.
    setpgid(0, 0);
    // A control socket of the test's own, never the machine's /run/tend.sock.
    if (opts.default_socket) {
      unsetenv("TEND_SOCKET");
    } else {
      setenv("TEND_SOCKET", (dir + "/ctl.sock").c_str(), 1);
    }
    unsetenv("TEND_CONTROL");
    for (int s : opts.ignore_signals) {
      // The raw call, because glibc refuses its own signals 32 and 33.
      struct {
        void* handler;
        unsigned long flags;
        void* restorer;
        uint64_t mask;
      } ksa = {reinterpret_cast<void*>(SIG_IGN), 0, nullptr, 0};
      syscall(SYS_rt_sigaction, s, &ksa, nullptr, sizeof ksa.mask);
    }
    sigset_t block;
    sigemptyset(&block);
    for (int s : opts.block_signals) sigaddset(&block, s);
    sigprocmask(SIG_BLOCK, &block, nullptr);
    int in = open("/dev/null", O_RDONLY);
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0) _exit(120);
    dup2(in, 0);
    dup2(opts.stdout_pipe ? pfd[1] : o, 1);
    dup2(e, 2);
    if (opts.close_stdin) close(0);
    CloseExtraFds();
    execvp(argv[0].c_str(), Argv(argv).data());
    _exit(127);
  }
  if (opts.stdout_pipe) {
    close(pfd[1]);
    pipe_read_ = pfd[0];
    fcntl(pipe_read_, F_SETFL, O_NONBLOCK);
  }
}

std::string TendProcess::ReadPipe() {
  std::string s;
  char buf[65536];
  ssize_t n;
  while ((n = read(pipe_read_, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

int TendProcess::ReadPipeUntilExit(std::string* out, int deadline_ms) {
  int code = -1;
  Eventually(
      [&] {
        *out += ReadPipe();
        code = Wait(1);
        return code >= 0;
      },
      deadline_ms);
  *out += ReadPipe();
  return code;
}

TendProcess::~TendProcess() {
  if (pipe_read_ >= 0) close(pipe_read_);
  if (exited_ || pid_ <= 0) return;
  if (tend_pid_ > 0) kill(tend_pid_, SIGKILL);
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

char ProcessState(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

PrivateRun::PrivateRun() {
  host_ns_ = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  cwd_ = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok_ = host_ns_ >= 0 && cwd_ >= 0 && unshare(CLONE_NEWNS) == 0 &&
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
        mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") == 0;
}

PrivateRun::~PrivateRun() {
  // Back to the machine's mounts; entering a mount namespace resets the working
  // directory, which relative build paths need.
  if (host_ns_ >= 0 && setns(host_ns_, CLONE_NEWNS) == 0 && cwd_ >= 0) (void)!fchdir(cwd_);
  if (host_ns_ >= 0) close(host_ns_);
  if (cwd_ >= 0) close(cwd_);
}

pid_t FirstChild(pid_t pid) {
  std::vector<pid_t> all = Children(pid);
  return all.empty() ? 0 : all[0];
}

std::vector<pid_t> Children(pid_t pid) {
  std::string p = std::to_string(pid);
  std::vector<pid_t> all;
  std::string text = ReadFile("/proc/" + p + "/task/" + p + "/children");
  for (size_t at = 0; at < text.size();) {
    char* end;
    long v = strtol(text.c_str() + at, &end, 10);
    if (end == text.c_str() + at) break;
    all.push_back(static_cast<pid_t>(v));
    at = static_cast<size_t>(end - text.c_str());
  }
  return all;
}

long StatusKb(pid_t pid, const std::string& field) {
  for (const auto& line : Lines(ReadFile("/proc/" + std::to_string(pid) + "/status"))) {
    if (line.compare(0, field.size() + 1, field + ":") == 0) {
      return atol(line.c_str() + field.size() + 1);
    }
  }
  return -1;
}

pid_t TendProcess::TendPid() {
  if (tend_pid_ > 0) return tend_pid_;
  if (!ns_) return tend_pid_ = pid_;
  std::string path =
      "/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children";
  Eventually([&] {
    tend_pid_ = atoi(ReadFile(path).c_str());
    return tend_pid_ > 0;
  });
  return tend_pid_;
}

void TendProcess::Signal(int sig) {
  pid_t p = TendPid();
  ASSERT_GT(p, 0);
  kill(p, sig);
}

int TendProcess::Wait(int deadline_ms) {
  if (exited_) return exit_code_;
  int status = 0;
  bool done = Eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, deadline_ms);
  if (!done) return -1;
  exited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

std::string TendProcess::InNamespace(const std::vector<std::string>& argv) {
  std::vector<std::string> a = {"nsenter", "-t", std::to_string(TendPid()), "-p", "-m"};
  a.insert(a.end(), argv.begin(), argv.end());
  std::string out;
  RunCommand(a, &out);
  return out;
}

int TendProcess::ZombieCount() {
  int n = 0;
  for (const auto& l : Lines(InNamespace({"ps", "-e", "-o", "stat="}))) {
    if (!l.empty() && l[0] == 'Z') ++n;
  }
  return n;
}

void Pid1Test::SetUp() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for unshare --pid";
  char tmpl[] = "/tmp/tend-test-XXXXXX";
  ASSERT_NE(nullptr, mkdtemp(tmpl));
  dir_ = tmpl;
  probe_ = BuildPath("tests/probe");
}

void Pid1Test::TearDown() {
  tend_.reset();
  if (!dir_.empty()) RunCommand({"rm", "-rf", dir_});
}

Tmux::Tmux(const std::string& cmd) {
  static int serial = 0;
  socket_ = "tend-test-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
  ok_ = RunCommand({"tmux", "-L", socket_, "-f", "/dev/null", "new-session", "-d", "-x", "100",
                    "-y", "30", "-s", "t", cmd}) == 0;
  RunCommand({"tmux", "-L", socket_, "set-option", "-t", "t", "remain-on-exit", "on"});
}

Tmux::~Tmux() { RunCommand({"tmux", "-L", socket_, "kill-server"}); }

void Tmux::Keys(const std::vector<std::string>& keys) {
  std::vector<std::string> a = {"tmux", "-L", socket_, "send-keys", "-t", "t"};
  a.insert(a.end(), keys.begin(), keys.end());
  RunCommand(a);
}

std::string Tmux::Screen() {
  std::string s;
  RunCommand({"tmux", "-L", socket_, "capture-pane", "-p", "-t", "t"}, &s);
  return s;
}

bool Tmux::WaitScreen(const std::string& text) {
  return Eventually([&] { return Screen().find(text) != std::string::npos; });
}

bool Tmux::Exited(int* status) {
  std::string s;
  RunCommand({"tmux", "-L", socket_, "list-panes", "-t", "t", "-F",
              "#{pane_dead} #{pane_dead_status}"},
             &s);
  if (s.compare(0, 1, "1") != 0) return false;
  *status = atoi(s.c_str() + 2);
  return true;
}

int Pid1Test::Ctl(std::vector<std::string> args, std::string* out) {
  args.insert(args.begin(), {BuildPath("tendctl"), "-s", Path("ctl.sock")});
  int status = RunCommand(args, out, /*with_stderr=*/true);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool Pid1Test::WaitForSocket() {
  return Eventually([&] { return Ctl({"pid"}) == 0; });
}

TendProcess& Pid1Test::Start(std::vector<std::string> args, TendProcess::Options opts) {
  tend_ = std::make_unique<TendProcess>(dir_, std::move(args), opts);
  return *tend_;
}

std::string Pid1Test::WriteConf(const std::string& name, const std::string& text) {
  std::string dir = dir_ + "/conf.d";
  mkdir(dir.c_str(), 0755);
  WriteFile(dir + "/" + name, text);
  return dir;
}

std::string SupervisordSections(const std::string& dir) {
  return "[unix_http_server]\nfile=" + dir + "/supervisor.sock\n"
         "[supervisord]\nnodaemon=true\nlogfile=" + dir + "/supervisord.log\n"
         "pidfile=" + dir + "/supervisord.pid\nchildlogdir=" + dir + "\n"
         "[rpcinterface:supervisor]\n"
         "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
         "[supervisorctl]\nserverurl=unix://" + dir + "/supervisor.sock\n";
}

std::string Repo(const std::string& path) {
  char cwd[4096];
  return std::string(getcwd(cwd, sizeof cwd) ? cwd : ".") + "/" + path;
}

bool Installed(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::string TcpExchange(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

size_t CountLines(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (const auto& l : Lines(text)) n += Has(l, part);
  return n;
}

size_t Pid1Test::CountLog(const std::string& text) { return CountLines(tend_->Stderr(), text); }

bool Pid1Test::WaitForLog(const std::string& text, int deadline_ms) {
  return Eventually([&] { return tend_->Stderr().find(text) != std::string::npos; }, deadline_ms);
}

bool Pid1Test::WaitForLine(const std::string& file, const std::string& line, int deadline_ms) {
  return Eventually(
      [&] {
        for (const auto& l : Lines(ReadFile(file)))
          if (l == line) return true;
        return false;
      },
      deadline_ms);
}

}  // namespace tend
