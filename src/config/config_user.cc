#include "config/config_user.h"

#include <algorithm>
#include <vector>

#include "config/config_files.h"
#include "config/config_values.h"

namespace tend {

namespace {

std::vector<std::string> SplitFields(const std::string& line, char sep) {
  std::vector<std::string> f;
  size_t i = 0;
  for (;;) {
    size_t e = line.find(sep, i);
    f.push_back(line.substr(i, e == std::string::npos ? std::string::npos : e - i));
    if (e == std::string::npos) return f;
    i = e + 1;
  }
}

// The colon-separated records of a passwd or group file, skipping comments and NIS
// "+"/"-" lines, which only NSS understands.
std::vector<std::vector<std::string>> Records(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(i, nl - i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    i = nl + 1;
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
    out.push_back(SplitFields(line, ':'));
  }
  return out;
}

bool ParseId(const std::string& s, int64_t* id) {
  std::string err;
  return !s.empty() && s[0] != '+' && s[0] != '-' && ParseInteger(s, 0, 0xfffffffe, id, &err);
}

// Finds the passwd record whose name matches, or whose uid does when `by_uid`.
bool FindPasswd(const std::string& text, const std::string& name, bool by_uid, int64_t id,
                UserSpec* u) {
  for (const auto& r : Records(text)) {
    int64_t uid = 0, gid = 0;
    if (r.size() < 7 || !ParseId(r[2], &uid) || !ParseId(r[3], &gid)) continue;
    if (by_uid ? uid != id : r[0] != name) continue;
    u->uid = static_cast<uid_t>(uid);
    u->gid = static_cast<gid_t>(gid);
    u->home = r[5];
    u->shell = r[6];
    return true;
  }
  return false;
}

void AddGroups(const std::string& text, const std::string& user, UserSpec* u) {
  u->groups.assign(1, u->gid);
  for (const auto& r : Records(text)) {
    int64_t gid = 0;
    if (r.size() < 4 || !ParseId(r[2], &gid)) continue;
    std::vector<std::string> members = SplitFields(r[3], ',');
    if (std::find(members.begin(), members.end(), user) == members.end()) continue;
    if (std::find(u->groups.begin(), u->groups.end(), static_cast<gid_t>(gid)) == u->groups.end())
      u->groups.push_back(static_cast<gid_t>(gid));
  }
}

// The account name of `uid` in the passwd text, for group membership.
std::string NameOf(const std::string& text, uid_t uid) {
  for (const auto& r : Records(text)) {
    int64_t id = 0;
    if (r.size() >= 3 && ParseId(r[2], &id) && static_cast<uid_t>(id) == uid) return r[0];
  }
  return "";
}

}  // namespace

bool ResolveUser(const std::string& text, const std::string& etc_dir, UserSpec* out,
                 std::string* err) {
  std::string dir = etc_dir.empty() ? "/etc" : etc_dir;
  std::string passwd_path = JoinPath(dir, "passwd"), group_path = JoinPath(dir, "group");
  std::string passwd, group, why;
  if (!ReadWholeFile(passwd_path, &passwd, &why)) {
    *err = passwd_path + ": " + why;
    return false;
  }
  int64_t id = 0;
  bool numeric = ParseId(text, &id);
  UserSpec u;
  u.name = text;
  if (!FindPasswd(passwd, text, numeric, id, &u)) {
    *err = (numeric ? "unknown uid " : "unknown user ") + text + " (not in " + passwd_path + ")";
    return false;
  }
  // A missing group file only means no supplementary groups, as with initgroups(3).
  if (!ReadWholeFile(group_path, &group, &why)) group.clear();
  AddGroups(group, numeric ? NameOf(passwd, u.uid) : text, &u);
  u.resolved = true;
  *out = u;
  return true;
}

bool ResolveGroup(const std::string& text, const std::string& etc_dir, gid_t* gid,
                  std::string* err) {
  const std::string path = JoinPath(etc_dir.empty() ? "/etc" : etc_dir, "group");
  std::string group, why;
  int64_t id = 0;
  const bool numeric = ParseId(text, &id);
  if (ReadWholeFile(path, &group, &why)) {
    for (const auto& r : Records(group)) {
      int64_t g = 0;
      if (r.size() < 3 || !ParseId(r[2], &g)) continue;
      if (numeric ? g == id : r[0] == text) {
        *gid = static_cast<gid_t>(g);
        return true;
      }
    }
  }
  *err = (numeric ? "unknown gid " : "unknown group ") + text + " (not in " + path + ")";
  return false;
}

}  // namespace tend
