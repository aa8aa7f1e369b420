// The validation pass of configuration loading: turns raw sections into ProgramConfigs
// with the key table, and checks what involves several programs.
#ifndef TEND_CONFIG_BUILDER_H_
#define TEND_CONFIG_BUILDER_H_

#include <vector>

#include "config/config.h"
#include "config/config_reader.h"

namespace tend {

/// Builds the Config from `raw` (Config::files is copied from it). Pure apart from
/// reading passwd and group for `user`: every problem is appended to `problems`, all of
/// them, each with the file:line it concerns. Per section: notices for the sections tend
/// ignores, warnings for unused keys, then the program's values (expanded, parsed,
/// applied in line order, environment first); then duplicate process names, unknown
/// depends_on names and dependency cycles.
Config BuildConfig(const RawConfig& raw, const ExpansionContext& ctx,
                   std::vector<ConfigProblem>* problems);

}  // namespace tend

#endif  // TEND_CONFIG_BUILDER_H_
