// Resolves the `user` of a program from passwd and group files read directly, never
// through NSS (getpwnam), so that the static binary works in any image.
#ifndef TEND_CONFIG_USER_H_
#define TEND_CONFIG_USER_H_

#include <string>

#include "config/config.h"

namespace tend {

/// Resolves `text`, a user name or a numeric uid, from <etc_dir>/passwd and
/// <etc_dir>/group ("" means "/etc"): uid, primary gid, supplementary groups (the
/// primary gid first, then every group listing the user as a member, in file order),
/// home and shell. A numeric uid must have a passwd entry, as in supervisord. Returns
/// false with `err` set when the user is unknown or a file cannot be read.
bool ResolveUser(const std::string& text, const std::string& etc_dir, UserSpec* out,
                 std::string* err);

/// Resolves `text`, a group name or a numeric gid, from <etc_dir>/group.
bool ResolveGroup(const std::string& text, const std::string& etc_dir, gid_t* gid,
                  std::string* err);

}  // namespace tend

#endif  // TEND_CONFIG_USER_H_
