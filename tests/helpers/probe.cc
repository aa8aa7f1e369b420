// A multi-tool the integration tests run under tend, so that what a child sees and
// receives can be checked from outside. Usage: probe COMMAND [ARGS...]
//
//   sigrecord FILE [CODE [term-only]]  block every signal; append "ready", then each
//                          signal's number as received; exit CODE (default 0) on TERM,
//                          INT or QUIT (on TERM alone with term-only).
//   lifecycle FILE NAME    append "NAME start"; on TERM or INT append "NAME stop", exit 0.
//   ignore-term FILE       ignore TERM and INT, append "ready", sleep until killed.
//   orphans N              make N orphans (double fork); print "done"; sleep forever.
//   state                  print the open fds, and SigBlk/SigIgn from /proc/self/status.
//   spew N FILE            write N lines "spew <i>" (100 bytes each) to stdout; on TERM,
//                          or at the end, write how many were written to FILE; exit 0.
//   wait-file FILE TEXT    wait until FILE contains a line TEXT (no deadline: the test
//                          has one).
//   notify N DATAGRAM...   send each DATAGRAM N times to $NOTIFY_SOCKET ("@name":
//                          abstract), then sleep until killed (notify-exit: exit 0).
#include <dirent.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>

static void Append(const char* file, const std::string& line) {
  int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) _exit(90);
  std::string l = line + "\n";
  if (write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size())) _exit(91);
  close(fd);
}

[[noreturn]] static void SleepForever() {
  for (;;) pause();
}

static int SigRecord(const char* file, int code, bool term_only) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  Append(file, "ready");
  for (;;) {
    int s = sigwaitinfo(&all, nullptr);
    if (s < 0) continue;
    Append(file, std::to_string(s));
    if (s == SIGTERM || (!term_only && (s == SIGINT || s == SIGQUIT))) return code;
  }
}

static int Lifecycle(const char* file, const std::string& name) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  Append(file, name + " start");
  for (;;) {
    int s = sigwaitinfo(&all, nullptr);
    if (s == SIGTERM || s == SIGINT) {
      Append(file, name + " stop");
      return 0;
    }
  }
}

static int IgnoreTerm(const char* file) {
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  Append(file, "ready");
  SleepForever();
}

static int Orphans(int n) {
  for (int i = 0; i < n; ++i) {
    pid_t p = fork();
    if (p < 0) {
      perror("fork");
      return 1;
    }
    if (p == 0) {
      // The grandchild exits at once: it becomes a zombie that, once its parent is gone,
      // only init can reap.
      if (fork() == 0) _exit(0);
      _exit(0);
    }
    waitpid(p, nullptr, 0);
  }
  printf("done\n");
  fflush(stdout);
  SleepForever();
}

static int State() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return 1;
  std::string fds;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
    fds += std::string(fds.empty() ? "" : " ") + e->d_name;
  }
  closedir(d);
  printf("fds: %s\n", fds.c_str());
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f)) {
    if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7)) fputs(line, stdout);
  }
  if (f) fclose(f);
  return 0;
}

static volatile sig_atomic_t g_term = 0;

static int Spew(long n, const char* file) {
  struct sigaction sa = {};
  sa.sa_handler = [](int) { g_term = 1; };
  sigaction(SIGTERM, &sa, nullptr);  // No SA_RESTART: a blocked write returns EINTR.
  long i = 0;
  for (; i < n && !g_term; ++i) {
    char line[101];
    int len = snprintf(line, sizeof line, "spew %ld ", i);
    memset(line + len, '.', 99 - len);
    line[99] = '\n';
    if (write(1, line, 100) != 100) break;  // Atomic (<= PIPE_BUF): all or nothing.
  }
  Append(file, std::to_string(i));
  return 0;
}

static int WaitFile(const char* file, const char* text) {
  std::string want = std::string(text) + "\n";
  for (;;) {
    FILE* f = fopen(file, "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
      if (want == line) {
        fclose(f);
        return 0;
      }
    }
    if (f) fclose(f);
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

static int Notify(long n, int count, char** datagrams, bool stay) {
  const char* env = getenv("NOTIFY_SOCKET");
  if (!env || !*env) return 4;
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  size_t len = strlen(env);
  if (len >= sizeof addr.sun_path) return 4;
  memcpy(addr.sun_path, env, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  socklen_t alen = static_cast<socklen_t>(sizeof(sa_family_t) + len);
  for (long k = 0; k < n; ++k) {
    for (int i = 0; i < count; ++i) {
      // A full receive queue: wait for room rather than lose the datagram.
      while (sendto(fd, datagrams[i], strlen(datagrams[i]), 0, reinterpret_cast<sockaddr*>(&addr),
                    alen) < 0) {
        if (errno != EAGAIN && errno != ENOBUFS) return 5;
      }
    }
  }
  if (stay) SleepForever();
  return 0;
}

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "sigrecord" && argc >= 3) {
    return SigRecord(argv[2], argc > 3 ? atoi(argv[3]) : 0,
                     argc > 4 && strcmp(argv[4], "term-only") == 0);
  }
  if (cmd == "lifecycle" && argc == 4) return Lifecycle(argv[2], argv[3]);
  if (cmd == "ignore-term" && argc == 3) return IgnoreTerm(argv[2]);
  if (cmd == "orphans" && argc == 3) return Orphans(atoi(argv[2]));
  if (cmd == "state") return State();
  if (cmd == "spew" && argc == 4) return Spew(atol(argv[2]), argv[3]);
  if (cmd == "wait-file" && argc == 4) return WaitFile(argv[2], argv[3]);
  if ((cmd == "notify" || cmd == "notify-exit") && argc >= 4) {
    return Notify(atol(argv[2]), argc - 3, argv + 3, cmd == "notify");
  }
  fprintf(stderr, "probe: bad usage\n");
  return 2;
}
