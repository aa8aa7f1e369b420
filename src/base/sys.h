// Thin POSIX helpers: the one place that fixes up system calls (EINTR, flags, errno text).
#ifndef TEND_SYS_H_
#define TEND_SYS_H_

#include <sys/types.h>
#include <sys/un.h>

#include <string>

namespace tend {

/// Owns a file descriptor and closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership without closing.
  int Release();
  /// Closes the current descriptor (if any) and takes `fd`.
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

/// strerror(err) without locale machinery; thread-safe.
std::string ErrnoString(int err);

/// The time now as log_timestamps shows it, with its trailing space:
/// "2026-11-23T13:49:46.123Z ". No time-zone code (gmtime would cost 70 KB statically).
std::string UtcTimestamp();

/// The time of day: milliseconds since 1970-01-01 UTC (CLOCK_REALTIME).
int64_t WallClockMs();
/// Milliseconds on CLOCK_MONOTONIC, for a blocking client's deadlines (tend's loop has
/// its own clock).
int64_t MonotonicMs();
/// Days since 1970-01-01 to a civil date: year, month 1-12, day 1-31.
void CivilFromDays(int64_t days, int* year, unsigned* month, unsigned* day);

/// Gives the memory malloc holds free back to the system (malloc_trim): after work that
/// allocated much and kept little, such as reading the configuration.
void ReleaseFreeMemory();

/// Sets O_NONBLOCK / FD_CLOEXEC on `fd`. Return false with errno set on failure.
bool SetNonblock(int fd, bool on = true);
bool SetCloexec(int fd, bool on = true);

/// Creates a pipe with both ends O_CLOEXEC (and O_NONBLOCK on the read end if asked).
bool MakePipe(UniqueFd* read_end, UniqueFd* write_end, bool nonblock_read);

/// read(2) retried on EINTR. Returns bytes read, 0 at EOF, -1 with errno (EAGAIN included).
ssize_t ReadSome(int fd, void* buf, size_t len);

/// Writes all of `len` bytes, retrying on EINTR and short writes. Blocks on a blocking fd;
/// on a non-blocking fd returns false with errno EAGAIN when it would block.
bool WriteAll(int fd, const void* buf, size_t len);

/// Fills `a` with the unix socket address `path`; false if it is empty or too long.
bool UnixAddress(const std::string& path, sockaddr_un* a);
/// A close-on-exec stream socket connected to `a` (retried on EINTR); invalid, with
/// errno set, on failure.
UniqueFd ConnectUnix(const sockaddr_un& a);

/// A file holding this process's pid and a newline ([supervisord] pidfile, for scripts
/// written for supervisord), removed when the Pidfile is destroyed.
class Pidfile {
 public:
  Pidfile() = default;
  Pidfile(const Pidfile&) = delete;
  Pidfile& operator=(const Pidfile&) = delete;
  ~Pidfile();
  /// Writes the file (never through a symbolic link). False with errno set.
  bool Write(const std::string& path);

 private:
  std::string path_;
};

}  // namespace tend

#endif  // TEND_SYS_H_
