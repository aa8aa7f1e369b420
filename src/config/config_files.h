// File-system access for configuration loading: whole-file reads, directory listings,
// glob patterns and path arithmetic. No parsing here.
#ifndef TEND_CONFIG_FILES_H_
#define TEND_CONFIG_FILES_H_

#include <stddef.h>

#include <string>
#include <vector>

namespace tend {

/// The largest file ReadWholeFile reads.
constexpr size_t kMaxFileBytes = 16 << 20;

/// Reads the whole of `path`, a regular file of at most kMaxFileBytes, into `text`,
/// never blocking (a FIFO is refused, not waited on). Returns false with `err` set to
/// "unable to read: <why>" on failure.
bool ReadWholeFile(const std::string& path, std::string* text, std::string* err);

/// For the fuzz targets: from now on, every path outside `dir` is as if it did not
/// exist to the functions of this file, so that no input can make loading read the
/// machine's files (/dev/stdout, /proc); "" ends it. Never called by tend itself.
void ConfineFileAccess(const std::string& dir);

/// True when `path` names a directory (following symbolic links).
bool IsDirectory(const std::string& path);

/// True when `path` names an existing file or directory.
bool PathExists(const std::string& path);

/// The "*.conf" regular files (or links to them) directly in `dir`, as "dir/name",
/// in byte order of their names; names starting with '.' are skipped. Returns false with
/// `err` set when the directory cannot be read.
bool ListConfFiles(const std::string& dir, std::vector<std::string>* files, std::string* err);

/// The paths matching the glob `pattern` ('*', '?' and [...] in any component; a
/// wildcard does not match a leading '.', as in Python's glob), sorted in byte order;
/// empty when none match. Written here because glob(3) and fnmatch(3) add a fifth to
/// the static binary (wide characters, locales).
std::vector<std::string> GlobPaths(const std::string& pattern);

/// The directory part of `path` ("." when it has none).
std::string DirName(const std::string& path);

/// `base` + "/" + `rel`, or `rel` alone when it is absolute.
std::string JoinPath(const std::string& base, const std::string& rel);

/// `path` made absolute against the working directory and normalised like Python's
/// os.path.abspath: no ".", ".." or doubled slashes (symbolic links are kept).
std::string AbsolutePath(const std::string& path);

/// A name that identifies the file itself (realpath), for spotting include loops;
/// `path` unchanged when it cannot be resolved.
std::string CanonicalPath(const std::string& path);

}  // namespace tend

#endif  // TEND_CONFIG_FILES_H_
