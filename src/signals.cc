#include "signals.h"

#include <errno.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tend {

SignalRole RoleOf(int signo) {
  switch (signo) {
    case SIGCHLD:
      return SignalRole::kChild;
    case SIGTERM:
    case SIGINT:
      return SignalRole::kStop;
    case SIGPIPE:
      return SignalRole::kIgnore;
    case SIGKILL:
    case SIGSTOP:
    // Faults raised by tend's own code must take their default action.
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGTRAP:
    case SIGSYS:
    case SIGABRT:
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
  for (int s = 1; s <= SIGRTMAX; ++s) {
    SignalRole role = RoleOf(s);
    if (role == SignalRole::kUntouched) continue;
    struct sigaction sa = {};
    sa.sa_handler = role == SignalRole::kIgnore ? SIG_IGN : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    if (sigaction(s, &sa, nullptr) != 0) {
      *err = "unable to reset signal " + std::to_string(s) + ": " + ErrnoString(errno);
      return nullptr;
    }
    if (role != SignalRole::kIgnore) sigaddset(&handled, s);
  }
  // Blocked signals are queued even for PID 1 (the kernel only drops unblocked
  // default-action signals sent to a namespace's init), and read from the signalfd.
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
    for (size_t i = 0; i < static_cast<size_t>(n) / sizeof info[0]; ++i) {
      handler_(static_cast<int>(info[i].ssi_signo), static_cast<pid_t>(info[i].ssi_pid));
    }
  }
}

void ResetSignalsInChild() {
  struct sigaction sa = {};
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s <= SIGRTMAX; ++s) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    if (s > SIGSYS && s < SIGRTMIN) {
      // glibc's sigaction refuses its internal signals (32, 33), but an ignored
      // disposition for them survives exec like any other: reset it with the raw call.
      struct {
        void* handler;
        unsigned long flags;
        void* restorer;
        uint64_t mask;
      } ksa = {};
      syscall(SYS_rt_sigaction, s, &ksa, nullptr, sizeof ksa.mask);
      continue;
    }
    sigaction(s, &sa, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace tend
