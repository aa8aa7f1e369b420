// The INI layer of configuration loading: reads files (and directories, and [include]d
// files) into raw sections of (key, value, file:line), with supervisord's lexical rules.
// Nothing here interprets a key, except [include] files.
#ifndef TEND_CONFIG_READER_H_
#define TEND_CONFIG_READER_H_

#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_expand.h"

namespace tend {

/// One key of a section, as written.
struct RawEntry {
  std::string key;       ///< Lower-cased, as supervisord's configparser does.
  std::string value;     ///< Without inline comments; continuation lines joined with "\n".
  SourceLocation where;  ///< The line of the key.
  std::string here;      ///< The file's directory, absolute: what %(here)s gives.
};

struct RawSection {
  std::string name;               ///< As between the brackets: "program:web".
  SourceLocation where;           ///< Its first header.
  std::vector<RawEntry> entries;  ///< One per key (the last given), in the order of those lines.
  /// The entry for `key`, or nullptr.
  const RawEntry* Find(const std::string& key) const;
};

struct RawConfig {
  /// In order of first appearance. Sections with the same name are merged, as
  /// supervisord's configparser (strict=False) merges them, except [include], which
  /// belongs to its file.
  std::vector<RawSection> sections;
  std::vector<std::string> files;  ///< Every file read, in order.
};

/// Reads `path`, a file or a directory of *.conf files (in byte order of their names),
/// and the files their [include] sections name (after each including file, patterns
/// relative to its directory, matches in byte order, each file read once).
///
/// Lexical rules, as supervisord's: ';' and '#' start a comment at the start of a line
/// or after whitespace; a line indented more than its key's line continues the value;
/// a key given again in a section replaces the earlier value (with a kWarning); keys are
/// case-insensitive. CRLF line ends, a UTF-8 BOM, a missing final newline and lines of
/// any length are accepted. Syntax errors are kError problems with file:line; reading
/// goes on after them.
RawConfig ReadRawConfig(const std::string& path, const ExpansionContext& ctx,
                        std::vector<ConfigProblem>* problems);

/// Appends `issues` from expanding the value of `key` as problems at `where`
/// ("key: message"); kError issues become kError, and so on.
void AddExpandIssues(const std::vector<ExpandIssue>& issues, const std::string& key,
                     const SourceLocation& where, std::vector<ConfigProblem>* problems);

}  // namespace tend

#endif  // TEND_CONFIG_READER_H_
