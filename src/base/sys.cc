#include "base/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace tend {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) Reset(o.Release());
  return *this;
}

int UniqueFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset(int fd) {
  // close() is not retried on EINTR: on Linux the descriptor is released either way.
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

std::string ErrnoString(int err) {
  // strerrordesc_np does not touch the locale and returns static text (glibc >= 2.32).
  const char* s = strerrordesc_np(err);
  if (s) return s;
  return "error " + std::to_string(err);
}

static bool SetFlag(int fd, int get, int set, int flag, bool on) {
  int flags = fcntl(fd, get);
  if (flags < 0) return false;
  int want = on ? (flags | flag) : (flags & ~flag);
  if (want == flags) return true;
  return fcntl(fd, set, want) == 0;
}

void ReleaseFreeMemory() { malloc_trim(0); }

bool SetNonblock(int fd, bool on) { return SetFlag(fd, F_GETFL, F_SETFL, O_NONBLOCK, on); }

bool SetCloexec(int fd, bool on) { return SetFlag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on); }

bool MakePipe(UniqueFd* read_end, UniqueFd* write_end, bool nonblock_read) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end->Reset(fds[0]);
  write_end->Reset(fds[1]);
  return !nonblock_read || SetNonblock(fds[0]);
}

ssize_t ReadSome(int fd, void* buf, size_t len) {
  ssize_t n;
  do {
    n = read(fd, buf, len);
  } while (n < 0 && errno == EINTR);
  return n;
}

bool WriteAll(int fd, const void* buf, size_t len) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

bool UnixAddress(const std::string& path, sockaddr_un* a) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a->sun_path) return false;
  memcpy(a->sun_path, path.data(), path.size());
  return true;
}

UniqueFd ConnectUnix(const sockaddr_un& a) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  int r;
  do {
    r = connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a);
  } while (r != 0 && errno == EINTR);
  if (r != 0) {
    const int e = errno;  // Of connect, not of the close.
    fd.Reset();
    errno = e;
  }
  return fd;
}

// Howard Hinnant's algorithm. gmtime_r would pull glibc's time-zone code, sscanf and
// strtod into the static binary: 70 KB.
void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (*m <= 2));
}

int64_t WallClockMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string UtcTimestamp() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t secs = ts.tv_sec, days = secs / 86400, rem = secs % 86400;
  int y;
  unsigned mo, d;
  CivilFromDays(days, &y, &mo, &d);
  char buf[96];  // Room for any int the compiler cannot rule out.
  snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ ", y, mo, d,
           static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
           static_cast<int>(rem % 60), static_cast<int>(ts.tv_nsec / 1000000));
  return buf;
}

bool Pidfile::Write(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  const std::string text = std::to_string(getpid()) + "\n";
  if (!fd.valid() || !WriteAll(fd.get(), text.data(), text.size())) return false;
  path_ = path;
  return true;
}

Pidfile::~Pidfile() {
  if (!path_.empty()) unlink(path_.c_str());
}

}  // namespace tend
