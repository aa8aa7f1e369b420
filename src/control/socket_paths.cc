#include "control/socket_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/sys.h"
#include "base/values.h"
#include "config/config.h"
#include "config/config_expand.h"
#include "config/config_files.h"
#include "control/protocol.h"

namespace tend {

namespace {

// The socket a supervisord file names: [supervisorctl] serverurl, else
// [unix_http_server] file.
struct IniUrls {
  std::string serverurl, file;
};

int OnIni(void* user, const char* section, const char* name, const char* value) {
  auto* u = static_cast<IniUrls*>(user);
  if (strcmp(section, "supervisorctl") == 0 && strcmp(name, "serverurl") == 0) u->serverurl = value;
  if (strcmp(section, "unix_http_server") == 0 && strcmp(name, "file") == 0) u->file = value;
  return 1;
}

bool IsSocket(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Whether a tend answers at `path` (a connect succeeds, or the backlog is full).
bool Live(const std::string& path) {
  sockaddr_un addr;
  if (!UnixAddress(path, &addr)) return false;
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  int r;
  do {
    r = connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (r != 0 && errno == EINTR);
  return r == 0 || errno == EAGAIN;
}

// A path as tend reads it from the same file: %(here)s (the file's directory),
// %(ENV_X)s, ${X} and %(host_node_name)s expanded by tend's own expander.
std::string Expand(const std::string& v, const std::string& file) {
  const ExpansionContext ctx = ExpansionContext::FromProcess();
  Expander ex(ctx.environ);
  ex.SetText(kExpandHere, DirName(AbsolutePath(file)));
  ex.SetText(kExpandHostNodeName, ctx.host_node_name);
  std::vector<ExpandIssue> issues;  // A wrong path shows as the socket not found there.
  return ex.Expand(v, Expander::Mode::kValue, &issues);
}

// The path `file` names; false (with `err`) when it cannot be read or names another
// kind of server.
bool SocketOfFile(const std::string& file, std::string* path, std::string* err) {
  IniUrls u;
  const int r = ini_parse(file.c_str(), OnIni, &u);
  if (r < 0) {
    *err = "cannot read " + file;
    return false;
  }
  if (!u.serverurl.empty()) {
    if (u.serverurl.compare(0, 7, "unix://") != 0) {
      *err = file + ": serverurl " + u.serverurl +
             ": tend is reached over its unix socket only (unix:///path)";
      return false;
    }
    *path = Expand(u.serverurl.substr(7), file);
  } else {
    *path = Expand(u.file, file);
  }
  return true;
}

}  // namespace

std::vector<std::string> DefaultSocketPaths() {
  std::vector<std::string> paths = {kDefaultSocketPath};
  const char* xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg && xdg[0] == '/') paths.push_back(JoinPath(xdg, "tend.sock"));
  paths.push_back("/tmp/tend-" + std::to_string(geteuid()) + "/tend.sock");
  return paths;
}

bool PrivateSocketDir(const std::string& dir, std::string* err) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *err = "unable to create " + dir + ": " + ErrnoString(errno);
    return false;
  }
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    *err = "unable to use " + dir + ": " + ErrnoString(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    *err = dir + " is not a private directory of uid " + std::to_string(geteuid()) +
           " (mode 0700): not used";
    return false;
  }
  return true;
}

bool FindSocket(const std::string& flag, const std::string& config,
                const std::vector<std::string>& implicit_configs, SocketTarget* out,
                std::string* err) {
  out->named = true;
  const char* env = getenv("TEND_SOCKET");
  // What tend gives its programs comes after -c: a user inside a program who names a
  // file means that file's tend.
  const char* control = getenv("TEND_CONTROL");
  if (!flag.empty()) {
    out->path = flag;
    return true;
  }
  if (env && *env) {
    out->path = env;
    return true;
  }
  if (!config.empty()) {
    if (!SocketOfFile(config, &out->path, err)) return false;
    if (out->path.empty()) {
      *err = config + " names no socket ([supervisorctl] serverurl or [unix_http_server] file)";
      return false;
    }
    return true;
  }
  if (control && *control) {
    out->path = control;
    out->from_tend = true;
    return true;
  }
  for (const std::string& f : implicit_configs) {
    std::string path, ignored;
    if (SocketOfFile(f, &path, &ignored) && !path.empty() && IsSocket(path)) {
      out->path = path;
      return true;
    }
  }
  out->named = false;
  const std::vector<std::string> places = DefaultSocketPaths();
  out->path = places[0];
  for (const std::string& p : places) {
    // Root's or this user's own: a socket another user left in a shared place is not
    // the tend meant.
    struct stat st;
    if (stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
        (st.st_uid == 0 || st.st_uid == geteuid()) && access(p.c_str(), W_OK) == 0) {
      out->path = p;
      break;
    }
  }
  if (out->path != kDefaultSocketPath) return true;
  // Tends side by side share /run: the second took /run/tend.2.sock. Which one is
  // meant only the user knows.
  std::vector<std::string> live;
  for (int n = 1; n <= 9; ++n) {
    std::string p = n > 1 ? InstanceSocketPath(n) : std::string(kDefaultSocketPath);
    if (IsSocket(p) && Live(p)) live.push_back(p);
  }
  if (live.size() > 1) {
    std::string list;
    for (const auto& p : live) list += (list.empty() ? "" : ", ") + p;
    *err = "several tends listen here (" + list + "): choose one with -s";
    return false;
  }
  return true;
}

std::string ListenPath(const std::string& flag, const TendSettings& tend, bool* chosen) {
  std::string path = flag;
  const char* env = getenv("TEND_SOCKET");
  if (path.empty() && env && *env) path = env;
  *chosen = !path.empty();
  if (path.empty()) {
    path = tend.socket;
    if (path == kDefaultSocketPath && !tend.socket_file.empty()) {
      path = tend.socket_file;
    }
  }
  if (path != kDefaultSocketPath) *chosen = true;
  return path == "none" ? "" : path;
}

std::string InstanceSocketPath(int n) {
  std::string path = kDefaultSocketPath;
  return path.insert(path.rfind(".sock"), "." + std::to_string(n));
}

}  // namespace tend
