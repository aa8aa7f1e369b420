#include "config/config_load.h"

#include <algorithm>
#include <utility>

#include "config/config_builder.h"
#include "config/config_files.h"
#include "config/config_reader.h"

namespace tend {

namespace {

constexpr char kDefaultConfigFile[] = "/etc/tend/tend.conf";
constexpr char kDefaultConfigDir[] = "/etc/tend/conf.d";

}  // namespace

Config LoadConfig(const std::string& path, const ExpansionContext& ctx,
                  std::vector<ConfigProblem>* problems) {
  size_t first = problems->size();
  RawConfig raw = ReadRawConfig(path, ctx, problems);
  Config config = BuildConfig(raw, ctx, problems);
  // Problems are found pass by pass; a reader wants them in the order of the files.
  const std::vector<std::string>& files = config.files;
  auto rank = [&](const ConfigProblem& p) {
    auto it = std::find(files.begin(), files.end(), p.where.file);
    return std::make_pair(it == files.end() ? -1L : static_cast<long>(it - files.begin()),
                          p.where.line);
  };
  std::stable_sort(
      problems->begin() + first, problems->end(),
      [&](const ConfigProblem& a, const ConfigProblem& b) { return rank(a) < rank(b); });
  return config;
}

std::string DefaultConfigPath() {
  if (PathExists(kDefaultConfigFile)) return kDefaultConfigFile;
  if (IsDirectory(kDefaultConfigDir)) return kDefaultConfigDir;
  return "";
}

}  // namespace tend
