#include "config/config_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "base/sys.h"

namespace tend {

namespace {

// Matches the bracket expression that starts after '[' at *p against c, as Python's
// fnmatch does: '!' negates, ranges a-z, a leading ']' is literal. Returns false when
// there is no closing ']' (the '[' is then an ordinary character).
bool MatchClass(const char** p, char c, bool* matched) {
  const char* q = *p;
  bool negate = *q == '!';
  if (negate) ++q;
  const char* end = strchr(*q == ']' ? q + 1 : q, ']');
  if (!end) return false;
  bool in = false;
  for (; q < end; ++q) {
    if (q + 2 < end && q[1] == '-') {
      in = in || (c >= q[0] && c <= q[2]);
      q += 2;
    } else {
      in = in || c == *q;
    }
  }
  *matched = in != negate;
  *p = end + 1;
  return true;
}

// Shell wildcard matching of one file name: '*', '?' and [...]; a '*' backtracks.
bool WildMatch(const char* p, const char* s) {
  const char* star_p = nullptr;
  const char* star_s = nullptr;
  while (*s) {
    if (*p == '*') {
      star_p = ++p;
      star_s = s;
      continue;
    }
    bool step = false;
    const char* next = p + 1;
    if (*p == '[' && !MatchClass(&next, *s, &step)) step = *s == '[';
    if (*p == '?' || (*p != '[' && *p && *p == *s)) step = true;
    if (step) {
      p = next;
      ++s;
    } else if (star_p) {
      p = star_p;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (*p == '*') ++p;
  return *p == '\0';
}

// ConfineFileAccess's directory, absolute; "" when not confined.
std::string& Confinement() {
  static std::string dir;
  return dir;
}

// Whether `path` is out of bounds for a confined process (as if it did not exist).
bool Outside(const std::string& path) {
  const std::string& root = Confinement();
  if (root.empty()) return false;
  const std::string a = AbsolutePath(path);
  return a != root && a.compare(0, root.size() + 1, root + "/") != 0;
}

// The entries of `dir` that match `part`; as with Python's glob, a wildcard does not
// match a leading '.' unless the pattern starts with one.
std::vector<std::string> MatchingEntries(const std::string& dir, const std::string& part) {
  std::vector<std::string> names;
  if (Outside(dir)) return names;
  DIR* d = opendir(dir.c_str());
  if (!d) return names;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || (name[0] == '.' && part[0] != '.')) continue;
    if (WildMatch(part.c_str(), name.c_str())) names.push_back(name);
  }
  closedir(d);
  return names;
}

std::string Child(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace

bool ReadWholeFile(const std::string& path, std::string* text, std::string* err) {
  // Non-blocking, so that a FIFO or a terminal cannot hold PID 1 in open(2) or read(2);
  // anything but a regular file is refused before a byte is read.
  if (Outside(path)) {
    *err = "unable to read: " + ErrnoString(ENOENT);
    return false;
  }
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st;
  if (!fd.valid() || fstat(fd.get(), &st) != 0) {
    *err = "unable to read: " + ErrnoString(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *err = "unable to read: " + ErrnoString(EISDIR);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = "unable to read: not a regular file";
    return false;
  }
  text->clear();
  char buf[8192];
  for (;;) {
    ssize_t n = ReadSome(fd.get(), buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) {
      *err = "unable to read: " + ErrnoString(errno);
      return false;
    }
    // The size fstat gave may be 0 (/proc) or grow while read: bound what is kept.
    if (text->size() + static_cast<size_t>(n) > kMaxFileBytes) {
      *err = fmt::format("unable to read: larger than {} MiB", kMaxFileBytes >> 20);
      return false;
    }
    text->append(buf, static_cast<size_t>(n));
  }
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return !Outside(path) && stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return !Outside(path) && stat(path.c_str(), &st) == 0;
}

void ConfineFileAccess(const std::string& dir) {
  Confinement() = dir.empty() ? "" : AbsolutePath(dir);
}

bool ListConfFiles(const std::string& dir, std::vector<std::string>* files, std::string* err) {
  const bool outside = Outside(dir);
  DIR* d = outside ? nullptr : opendir(dir.c_str());
  if (!d) {
    *err = "unable to read directory: " + ErrnoString(outside ? ENOENT : errno);
    return false;
  }
  std::vector<std::string> names;
  static const std::string kSuffix = ".conf";
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.' || name.size() <= kSuffix.size()) continue;
    if (name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) continue;
    struct stat st;
    std::string full = JoinPath(dir, name);
    if (stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  files->clear();
  for (const std::string& n : names) files->push_back(JoinPath(dir, n));
  return true;
}

std::vector<std::string> GlobPaths(const std::string& pattern) {
  std::vector<std::string> paths = {pattern.compare(0, 1, "/") == 0 ? "/" : ""};
  size_t i = 0;
  while (i < pattern.size()) {
    size_t slash = pattern.find('/', i);
    if (slash == std::string::npos) slash = pattern.size();
    std::string part = pattern.substr(i, slash - i);
    i = slash + 1;
    if (part.empty()) continue;
    std::vector<std::string> next;
    for (const std::string& p : paths) {
      if (part.find_first_of("*?[") == std::string::npos) {
        next.push_back(Child(p, part));
      } else {
        for (const std::string& name : MatchingEntries(p.empty() ? "." : p, part))
          next.push_back(Child(p, name));
      }
    }
    paths.swap(next);
  }
  std::vector<std::string> out;
  struct stat st;
  for (const std::string& p : paths)
    if (!p.empty() && !Outside(p) && lstat(p.c_str(), &st) == 0) out.push_back(p);
  std::sort(out.begin(), out.end());
  return out;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(const std::string& base, const std::string& rel) {
  if (!rel.empty() && rel[0] == '/') return rel;
  if (base.empty()) return rel;
  if (base.back() == '/') return base + rel;
  return base + "/" + rel;
}

std::string AbsolutePath(const std::string& path) {
  std::string full = path;
  if (full.empty() || full[0] != '/') {
    char cwd[PATH_MAX];
    full = JoinPath(getcwd(cwd, sizeof cwd) ? cwd : "/", path);
  }
  // Normalise segment by segment, as os.path.normpath does (".." above "/" stays at "/").
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= full.size()) {
    size_t slash = full.find('/', i);
    if (slash == std::string::npos) slash = full.size();
    std::string seg = full.substr(i, slash - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = slash + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string CanonicalPath(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf)) return buf;
  return AbsolutePath(path);
}

}  // namespace tend
