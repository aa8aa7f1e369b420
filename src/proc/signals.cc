#include "proc/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tend {

namespace {

// Set once SignalSource::Create has put every ignored signal back to SIG_DFL. tend sets
// no handler and ignores nothing after that, and exec resets handlers anyway, so a child
// then inherits SIG_DFL everywhere and need only open its mask.
bool g_dispositions_default = false;

// The signals ignored now, bit N-1 for signal N, from /proc/self/status: one read instead
// of a sigaction call for each of the 64 signals. False when /proc cannot tell.
bool IgnoredSignals(uint64_t* mask) {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof buf - 1 && ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0 ||
                                  (n < 0 && errno == EINTR))) {
    if (n > 0) len += static_cast<size_t>(n);
  }
  close(fd);
  buf[len] = '\0';
  const char* p = strstr(buf, "\nSigIgn:\t");
  if (!p) return false;
  p += strlen("\nSigIgn:\t");
  uint64_t m = 0;
  int digits = 0;
  for (; digits < 16; ++digits, ++p) {
    const char c = *p;
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) break;
    m = m << 4 | static_cast<uint64_t>(v);
  }
  if (digits != 16) return false;
  *mask = m;
  return true;
}

// SIG_DFL for `s`. glibc's sigaction refuses its internal signals (32, 33), but an
// ignored disposition for them survives exec like any other: those take the raw call.
bool ResetDisposition(int s) {
  if (s > SIGSYS && s < SIGRTMIN) {
    struct {
      void* handler;
      unsigned long flags;
      void* restorer;
      uint64_t mask;
    } ksa = {};
    return syscall(SYS_rt_sigaction, s, &ksa, nullptr, sizeof ksa.mask) == 0;
  }
  struct sigaction sa = {};
  sa.sa_handler = SIG_DFL;
  return sigaction(s, &sa, nullptr) == 0;
}

}  // namespace

SignalRole RoleOf(int signo) {
  switch (signo) {
    case SIGCHLD:
      return SignalRole::kChild;
    case SIGTERM:
    case SIGINT:
      return SignalRole::kStop;
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return SignalRole::kJobControl;
    case SIGPIPE:
      return SignalRole::kPipe;
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGTRAP:
    case SIGSYS:
    case SIGABRT:
      return SignalRole::kFault;
    case SIGKILL:
    case SIGSTOP:
      return SignalRole::kUntouched;
    default:
      // 32 and 33 sit below SIGRTMIN and belong to glibc's threads implementation.
      if (signo < 1 || signo > SIGRTMAX || (signo > SIGSYS && signo < SIGRTMIN)) {
        return SignalRole::kUntouched;
      }
      return SignalRole::kForward;
  }
}

std::unique_ptr<SignalSource> SignalSource::Create(EventLoop* loop, Handler handler,
                                                   std::string* err) {
  sigset_t handled;
  sigemptyset(&handled);
  // Only what was ignored needs resetting (an inherited handler cannot exist after exec);
  // when /proc cannot tell, everything.
  uint64_t ignored = ~uint64_t{0};
  (void)IgnoredSignals(&ignored);
  for (int s = 1; s <= SIGRTMAX; ++s) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    const bool was_ignored = s <= 64 && (ignored >> (s - 1) & 1);
    const SignalRole role = RoleOf(s);
    if (was_ignored && !ResetDisposition(s) && role != SignalRole::kUntouched) {
      *err = "unable to reset signal " + std::to_string(s) + ": " + ErrnoString(errno);
      return nullptr;
    }
    if (role != SignalRole::kUntouched) sigaddset(&handled, s);
  }
  g_dispositions_default = true;
  // Blocked signals are queued even for PID 1 (the kernel only drops unblocked
  // default-action signals sent to a namespace's init), and read from the signalfd.
  //
  // Blocking the fault signals is safe: a fault in tend's own code (a bad access, a
  // division by zero, abort()) is forced on the thread by the kernel, which unblocks the
  // signal and restores SIG_DFL when it is blocked, so tend still dies of it with a core
  // where enabled; it never reaches the signalfd. What does reach it was sent by a
  // process (kill, sigqueue: ssi_code <= 0), and is passed on like any other signal.
  //
  // PIPE is blocked rather than ignored for the same reason: another process's
  // `kill -PIPE` is passed on, while tend's own write to a closed pipe queues one that
  // names tend as its sender (the kernel's SI_USER from the current task), and is dropped.
  if (sigprocmask(SIG_SETMASK, &handled, nullptr) != 0) {
    *err = "unable to block signals: " + ErrnoString(errno);
    return nullptr;
  }
  int fd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    *err = "unable to create signalfd: " + ErrnoString(errno);
    return nullptr;
  }
  return std::unique_ptr<SignalSource>(new SignalSource(loop, UniqueFd(fd), std::move(handler)));
}

SignalSource::SignalSource(EventLoop* loop, UniqueFd fd, Handler handler)
    : fd_(std::move(fd)),
      self_(getpid()),
      watcher_(loop, fd_.get(), IoWatcher::kRead, [this] { Drain(); }),
      handler_(std::move(handler)) {
  watcher_.Start();
}

void SignalSource::Drain() {
  // Read a batch at a time; standard signals coalesce, real-time ones queue.
  signalfd_siginfo info[16];
  for (;;) {
    ssize_t n = ReadSome(fd_.get(), info, sizeof info);
    if (n <= 0) return;  // EAGAIN: drained. Other errors cannot happen on a signalfd.
    // Fewer than asked: that was all of them (no read only to hear EAGAIN). What comes
    // while they are handled wakes the loop again.
    const bool drained = static_cast<size_t>(n) < sizeof info;
    for (size_t i = 0; i < static_cast<size_t>(n) / sizeof info[0]; ++i) {
      const int signo = static_cast<int>(info[i].ssi_signo);
      const pid_t sender = static_cast<pid_t>(info[i].ssi_pid);
      switch (Judge(signo, info[i].ssi_code, sender, self_)) {
        case Verdict::kHandle:
          handler_(signo, sender);
          break;
        case Verdict::kDrop:
          break;
        case Verdict::kDie:
          DieOf(signo);
      }
    }
    if (drained) return;
  }
}

SignalSource::Verdict SignalSource::Judge(int signo, int code, pid_t sender, pid_t self) {
  switch (RoleOf(signo)) {
    case SignalRole::kFault:
      // A positive code is the kernel's own (SI_KERNEL, or a fault code such as
      // BUS_MCEERR_AO for an asynchronous memory error): it is meant for tend.
      return code > 0 ? Verdict::kDie : Verdict::kHandle;
    case SignalRole::kPipe:
      return code <= 0 && sender == self ? Verdict::kDrop : Verdict::kHandle;
    case SignalRole::kForward:
    case SignalRole::kStop:
    case SignalRole::kJobControl:
    case SignalRole::kChild:
    case SignalRole::kUntouched:
      return Verdict::kHandle;
  }
  return Verdict::kHandle;
}

void DieOf(int signo) {
  struct sigaction sa = {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(signo, &sa, nullptr);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, signo);
  raise(signo);  // Pending while blocked; delivered as the mask opens.
  sigprocmask(SIG_UNBLOCK, &one, nullptr);
  _exit(128 + signo);  // Only if the default action let us live.
}

void ResetSignalsInChild() {
  if (!g_dispositions_default) {
    for (int s = 1; s <= SIGRTMAX; ++s) {
      if (s != SIGKILL && s != SIGSTOP) (void)ResetDisposition(s);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace tend
