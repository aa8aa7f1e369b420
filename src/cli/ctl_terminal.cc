#include "cli/ctl_terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>

#include "base/diag.h"
#include "base/sys.h"
#include "base/values.h"
#include "proc/signals.h"

extern char** environ;

namespace tend {

namespace {

void Note(const std::string& s) { WriteAll(STDERR_FILENO, s.data(), s.size()); }

int signal_pipe = -1;
void OnSignal(int signo) {
  const int saved = errno;
  unsigned char b = static_cast<unsigned char>(signo);
  (void)!write(signal_pipe, &b, 1);
  errno = saved;
}

// The caller's terminal in raw mode for as long as it lives; restored however we leave.
class RawTerminal {
 public:
  bool Enter() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return false;
    struct termios raw = saved_;
    cfmakeraw(&raw);
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    return active_;
  }
  ~RawTerminal() {
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

 private:
  struct termios saved_ = {};
  bool active_ = false;
};

bool SendResize(ControlClient* client) {
  struct winsize ws = {};
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0) return true;
  Message r(MsgType::kResize);
  r.AddInt(Tag::kRows, ws.ws_row).AddInt(Tag::kCols, ws.ws_col);
  std::string err;
  return client->Send(r, &err);
}

// Whether `name` is a file in one of $PATH's directories.
bool InPath(const std::string& name) {
  const char* path = getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  for (;;) {
    size_t end = p.find(':', start);
    std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    struct stat st;
    if (stat(((dir.empty() ? "." : dir) + "/" + name).c_str(), &st) == 0) return true;
    if (end == std::string::npos) return false;
    start = end + 1;
  }
}

}  // namespace

int Fail(int code, const std::string& message) {
  std::string line = "tendctl: " + Printable(message, true) + "\n";
  WriteAll(STDERR_FILENO, line.data(), line.size());
  return code;
}

std::string DetachKeys::Feed(const char* data, size_t n, bool* detach) {
  constexpr char kCtrlP = 0x10, kCtrlQ = 0x11;
  std::string out;
  *detach = false;
  for (size_t i = 0; i < n; ++i) {
    const char c = data[i];
    if (after_ctrl_p_) {
      after_ctrl_p_ = false;
      if (c == kCtrlQ) {
        *detach = true;
        return out;
      }
      out += kCtrlP;
      if (c == kCtrlP) {
        after_ctrl_p_ = true;
        continue;
      }
      out += c;
    } else if (c == kCtrlP) {
      after_ctrl_p_ = true;
    } else {
      out += c;
    }
  }
  return out;
}

int ExecAsProgram(const std::string& name, const Message& info,
                  const std::vector<std::string>& command) {
  std::vector<std::string> argv = command;
  if (argv.empty()) {
    const char* shell = getenv("SHELL");
    argv.push_back(shell && *shell ? shell : "/bin/sh");
  }
  std::vector<std::string> env = info.GetAll(Tag::kEnv);
  // TERM describes the caller's terminal, which is where the command runs.
  const char* term = getenv("TERM");
  if (term) {
    auto it = std::find_if(env.begin(), env.end(),
                           [](const std::string& e) { return e.compare(0, 5, "TERM=") == 0; });
    if (it != env.end())
      *it = std::string("TERM=") + term;
    else
      env.push_back(std::string("TERM=") + term);
  }
  const uid_t uid = static_cast<uid_t>(info.GetInt(Tag::kUid));
  const gid_t gid = static_cast<gid_t>(info.GetInt(Tag::kGid));
  std::vector<gid_t> groups;
  for (int64_t g : info.GetAllInts(Tag::kGroup)) groups.push_back(static_cast<gid_t>(g));
  // The directory first, as root, as tend does for the program (one only root may
  // enter still works).
  const std::string dir = info.Get(Tag::kDirectory);
  if (!dir.empty() && chdir(dir.c_str()) != 0) {
    return Fail(126,
                fmt::format("exec: unable to change directory to {}: {}", dir, ErrnoString(errno)));
  }
  if (geteuid() == 0) {
    // Groups before uid: once the uid is dropped, the groups can no longer be changed.
    if (setgroups(groups.size(), groups.data()) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
      return Fail(126, fmt::format("exec: unable to switch to uid {} (gid {}) as {} runs: {}", uid,
                                   gid, name, ErrnoString(errno)));
    }
  } else if (geteuid() != uid) {
    return Fail(126, fmt::format("exec: {} runs as uid {}: only root can become it", name, uid));
  }
  umask(static_cast<mode_t>(info.GetInt(Tag::kUmask, 022)));
  // The command gets default dispositions and no mask, as tend's programs do: not
  // tendctl's ignored SIGPIPE, nor whatever its own caller ignored.
  ResetSignalsInChild();
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(&a[0]);
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(&e[0]);
  cenv.push_back(nullptr);
  environ = cenv.data();  // execvp searches the program's PATH, not the caller's.
  execvp(cargv[0], cargv.data());
  int e = errno;
  // execvp says EACCES when a PATH directory is closed to the user, even when the
  // command is nowhere: say "not found" as a shell would.
  if (e == EACCES && argv[0].find('/') == std::string::npos && !InPath(argv[0])) e = ENOENT;
  return Fail(e == ENOENT ? 127 : 126,
              fmt::format("exec: unable to run \"{}\": {}", argv[0],
                          e == ENOENT ? std::string("command not found") : ErrnoString(e)));
}

int AttachTo(ControlClient* client, const std::string& name) {
  const bool in_tty = isatty(STDIN_FILENO);
  struct winsize ws = {};
  if (in_tty) ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
  Message req(MsgType::kAttach);
  req.Add(Tag::kName, name).AddInt(Tag::kRows, ws.ws_row).AddInt(Tag::kCols, ws.ws_col);
  std::string err;
  Message m;
  if (!client->Send(req, &err) || !client->Receive(&m, &err)) return Fail(kCodeUnreachable, err);
  if (m.type == MsgType::kError) {
    return Fail(static_cast<int>(m.GetInt(Tag::kCode, kCodeFailed)), m.Get(Tag::kMessage));
  }
  const bool tty = m.GetInt(Tag::kTty) != 0;
  if (m.Has(Tag::kMessage)) Note("tendctl: " + m.Get(Tag::kMessage) + "\n");

  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
    return Fail(kCodeFailed, "pipe: " + ErrnoString(errno));
  signal_pipe = fds[1];
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  for (int sig : {SIGWINCH, SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);

  RawTerminal raw;
  bool read_stdin = tty;
  if (!tty) {
    Note("tendctl: " + name + " has no terminal: showing its output; input is not available " +
         "(Ctrl-C to stop)\n");
  } else if (in_tty) {
    raw.Enter();
    Note("[attached to " + name + ": Ctrl-P Ctrl-Q detaches]\r\n");
  } else {
    Note("[attached to " + name + "]\n");  // Input from a pipe or file, if any.
  }
  DetachKeys keys;
  for (;;) {
    while (client->Buffered()) {
      if (!client->Receive(&m, &err)) return Fail(kCodeUnreachable, err);
      if (m.type == MsgType::kOutput) {
        const std::string data = m.Get(Tag::kData);
        WriteAll(!tty && m.GetInt(Tag::kStream) == 2 ? STDERR_FILENO : STDOUT_FILENO, data.data(),
                 data.size());
      }
    }
    struct pollfd p[3] = {{client->fd(), POLLIN, 0},
                          {fds[0], POLLIN, 0},
                          {read_stdin ? STDIN_FILENO : -1, POLLIN, 0}};
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return Fail(kCodeFailed, "poll: " + ErrnoString(errno));
    }
    if (p[1].revents & POLLIN) {
      unsigned char sig = 0;
      while (read(fds[0], &sig, 1) == 1) {
        if (sig == SIGWINCH) {
          if (tty && in_tty) SendResize(client);
        } else {
          return 0;  // Interrupted: the program goes on.
        }
      }
    }
    if (p[2].revents & (POLLIN | POLLHUP)) {
      char buf[4096];
      ssize_t n = ReadSome(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) {
        read_stdin = false;  // End of input: keep showing the output.
      } else {
        bool detach = false;
        std::string data = keys.Feed(buf, static_cast<size_t>(n), &detach);
        if (!data.empty()) {
          Message in(MsgType::kInput);
          in.Add(Tag::kData, data);
          if (!client->Send(in, &err)) return Fail(kCodeUnreachable, err);
        }
        if (detach) {
          client->Send(Message(MsgType::kDetach), &err);
          Note("\r\n[detached from " + name + "]\r\n");
          return 0;
        }
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!client->Receive(&m, &err)) return Fail(kCodeUnreachable, "tend hung up");
      if (m.type == MsgType::kOutput) {
        const std::string data = m.Get(Tag::kData);
        WriteAll(!tty && m.GetInt(Tag::kStream) == 2 ? STDERR_FILENO : STDOUT_FILENO, data.data(),
                 data.size());
      }
    }
  }
}

}  // namespace tend
