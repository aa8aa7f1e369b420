// The expansions in configuration values: supervisord's Python-style %(name)s and
// tend's ${VAR} / ${VAR:-default}, done in one pass over the text as written.
#ifndef TEND_CONFIG_EXPAND_H_
#define TEND_CONFIG_EXPAND_H_

#include <stdint.h>

#include <map>
#include <string>
#include <vector>

namespace tend {

/// The %(name)s names supervisord defines (besides ENV_X, one per variable, and
/// %(numprocs)d, named after its key: see kKeyNumprocs).
constexpr char kExpandProgramName[] = "program_name";
constexpr char kExpandGroupName[] = "group_name";
constexpr char kExpandProcessNum[] = "process_num";
constexpr char kExpandHere[] = "here";
constexpr char kExpandHostNodeName[] = "host_node_name";

/// The largest width or precision a %(name) conversion may have: a file must not make
/// tend allocate in proportion to a number it contains (%(process_num)999999999d).
constexpr int kMaxFormatWidth = 1024;

/// A problem found while expanding one value. kError: the text is wrong (unknown
/// %(name), a lone '%'); kMachine: an undefined %(ENV_X)s, replaced by ""; kWarning: an
/// undefined ${VAR} without default, left as written.
struct ExpandIssue {
  enum class Kind { kError, kMachine, kWarning } kind;
  std::string message;
};

/// Holds the variables and expands values with them. Copy it to add per-program or
/// per-process names without touching the original.
class Expander {
 public:
  /// `environ`: "NAME=value" strings, read by %(ENV_NAME)s and ${NAME}.
  explicit Expander(const std::vector<std::string>& environ);

  /// Sets (or overrides) one environment variable.
  void SetEnv(const std::string& name, const std::string& value);
  /// Sets a %(name)s text value (here, program_name...).
  void SetText(const std::string& name, const std::string& value);
  /// Sets a %(name)d number value (process_num, numprocs).
  void SetNumber(const std::string& name, int64_t value);

  /// kValue expands everywhere. kCommand leaves ${...} alone inside single quotes and
  /// after a backslash outside them, as a shell would read them (%(...) is expanded
  /// everywhere, as supervisord does).
  enum class Mode { kValue, kCommand };

  /// Expands `text`. %% gives %; %(name)[flags][width][.precision]conv follows Python
  /// (conversions s, d, i, u); ${VAR} and ${VAR:-default} read the environment, other
  /// ${...} forms are left for a shell. Issues are appended to `issues`.
  std::string Expand(const std::string& text, Mode mode, std::vector<ExpandIssue>* issues) const;

 private:
  struct Var {
    bool is_number = false;
    int64_t number = 0;
    std::string text;
  };
  size_t ExpandPercent(const std::string& s, size_t i, std::string* out,
                       std::vector<ExpandIssue>* issues) const;
  size_t ExpandBrace(const std::string& s, size_t i, std::string* out,
                     std::vector<ExpandIssue>* issues) const;
  bool Lookup(const std::string& name, Var* v, std::vector<ExpandIssue>* issues) const;

  std::map<std::string, std::string> env_;
  std::map<std::string, Var> vars_;
};

}  // namespace tend

#endif  // TEND_CONFIG_EXPAND_H_
