// Loading a configuration: the reader (config_reader.h) and the builder
// (config_builder.h) run in turn over a file or a directory, into the model (config.h).
#ifndef TEND_CONFIG_LOAD_H_
#define TEND_CONFIG_LOAD_H_

#include <string>
#include <vector>

#include "config/config.h"

namespace tend {

/// Reads `path`: a file, or a directory whose *.conf files are read in lexical order.
/// Every problem is appended to `problems` (all of them, not just the first); the result
/// is usable only when none is of kind kError or kMachine. Never exits, never throws.
Config LoadConfig(const std::string& path, const ExpansionContext& ctx,
                  std::vector<ConfigProblem>* problems);

/// The default configuration path when neither -c nor TEND_CONFIG is given:
/// /etc/tend/tend.conf if it exists, else /etc/tend/conf.d; "" when neither exists.
std::string DefaultConfigPath();

}  // namespace tend

#endif  // TEND_CONFIG_LOAD_H_
