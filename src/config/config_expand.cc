#include "config/config_expand.h"

#include <fmt/format.h>
#include <string.h>

#include <algorithm>

namespace tend {

namespace {

constexpr char kEnvPrefix[] = "ENV_";

// The parsed "[flags][width][.precision]conv" of one %(name) conversion.
struct FormatSpec {
  bool left = false, zero = false, plus = false, space = false;
  int width = 0;
  int precision = -1;
  char conv = 0;
};

// Reads the spec after "%(name)" at s[i]; returns the index after the conversion
// character, or npos when the text ends first.
size_t ParseSpec(const std::string& s, size_t i, FormatSpec* f) {
  for (; i < s.size() && strchr("#0- +", s[i]) && s[i]; ++i) {
    if (s[i] == '-') f->left = true;
    if (s[i] == '0') f->zero = true;
    if (s[i] == '+') f->plus = true;
    if (s[i] == ' ') f->space = true;
  }
  // Saturated just past the bound, so that a long run of digits cannot overflow.
  auto digit = [](int n, char c) { return std::min(n * 10 + (c - '0'), kMaxFormatWidth + 1); };
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) f->width = digit(f->width, s[i]);
  if (i < s.size() && s[i] == '.') {
    f->precision = 0;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
      f->precision = digit(f->precision, s[i]);
  }
  while (i < s.size() && (s[i] == 'h' || s[i] == 'l' || s[i] == 'L')) ++i;
  if (i >= s.size()) return std::string::npos;
  f->conv = s[i];
  return i + 1;
}

std::string Pad(const std::string& body, const FormatSpec& f, char fill) {
  if (static_cast<int>(body.size()) >= f.width) return body;
  std::string pad(f.width - body.size(), fill);
  return f.left ? body + pad : pad + body;
}

// Python's %d with flags: sign, zero padding after the sign, precision as minimum digits.
std::string FormatNumber(int64_t n, const FormatSpec& f) {
  uint64_t mag = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  std::string digits = std::to_string(mag);
  if (f.precision > static_cast<int>(digits.size()))
    digits.insert(0, f.precision - digits.size(), '0');
  std::string sign = n < 0 ? "-" : f.plus ? "+" : f.space ? " " : "";
  if (f.zero && !f.left && f.width > static_cast<int>(sign.size() + digits.size()))
    digits.insert(0, f.width - sign.size() - digits.size(), '0');
  return Pad(sign + digits, f, ' ');
}

std::string FormatText(const std::string& text, const FormatSpec& f) {
  if (f.precision >= 0 && static_cast<size_t>(f.precision) < text.size())
    return Pad(text.substr(0, f.precision), f, ' ');
  return Pad(text, f, ' ');
}

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

}  // namespace

Expander::Expander(const std::vector<std::string>& environ) {
  for (const std::string& e : environ) {
    size_t eq = e.find('=');
    if (eq != std::string::npos) env_[e.substr(0, eq)] = e.substr(eq + 1);
  }
}

void Expander::SetEnv(const std::string& name, const std::string& value) { env_[name] = value; }

void Expander::SetText(const std::string& name, const std::string& value) {
  Var v;
  v.text = value;
  vars_[name] = v;
}

void Expander::SetNumber(const std::string& name, int64_t value) {
  Var v;
  v.is_number = true;
  v.number = value;
  v.text = std::to_string(value);
  vars_[name] = v;
}

std::string Expander::Expand(const std::string& s, Mode mode,
                             std::vector<ExpandIssue>* issues) const {
  std::string out;
  bool in_single = false, in_double = false;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    // supervisord expands %(...) everywhere, quotes or not, so this comes first.
    if (c == '%') {
      i = ExpandPercent(s, i, &out, issues);
      continue;
    }
    if (mode == Mode::kCommand) {
      if (in_single) {
        in_single = c != '\'';
        out += c;
        ++i;
        continue;
      }
      if (c == '\\' && i + 1 < s.size() && strchr("$'\"\\", s[i + 1])) {
        out.append(s, i, 2);
        i += 2;
        continue;
      }
      if (c == '\'' && !in_double) in_single = true;
      if (c == '"') in_double = !in_double;
    }
    if (c == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      i = ExpandBrace(s, i, &out, issues);
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// Handles the '%' at s[i]; returns the index after what it consumed. On a malformed
// format the text is kept as written, so later messages still make sense.
size_t Expander::ExpandPercent(const std::string& s, size_t i, std::string* out,
                               std::vector<ExpandIssue>* issues) const {
  using Kind = ExpandIssue::Kind;
  if (i + 1 < s.size() && s[i + 1] == '%') {
    *out += '%';
    return i + 2;
  }
  if (i + 1 >= s.size() || s[i + 1] != '(') {
    issues->push_back({Kind::kError, "lone % at \"" + s.substr(i, 6) +
                                         "\" (write %% for a literal %, as in supervisord)"});
    *out += '%';
    return i + 1;
  }
  // Python allows nested parentheses inside the name.
  size_t j = i + 2;
  int depth = 1;
  for (; j < s.size() && depth > 0; ++j) depth += s[j] == '(' ? 1 : s[j] == ')' ? -1 : 0;
  FormatSpec f;
  size_t end = depth == 0 ? ParseSpec(s, j, &f) : std::string::npos;
  if (end == std::string::npos) {
    issues->push_back({Kind::kError, "incomplete format \"" + s.substr(i) + "\""});
    out->append(s, i, std::string::npos);
    return s.size();
  }
  std::string name = s.substr(i + 2, j - 1 - (i + 2));
  std::string written = s.substr(i, end - i);
  if (f.width > kMaxFormatWidth || f.precision > kMaxFormatWidth) {
    issues->push_back({Kind::kError, fmt::format("width or precision over {} in {}",
                                                 kMaxFormatWidth, written.substr(0, 40))});
    return end;
  }
  Var v;
  if (!Lookup(name, &v, issues)) return end;
  if (strchr("diu", f.conv) && f.conv) {
    if (!v.is_number) {
      issues->push_back({Kind::kError, written + " needs a number; use %(" + name + ")s"});
      return end;
    }
    *out += FormatNumber(v.number, f);
  } else if (f.conv == 's') {
    *out += FormatText(v.text, f);
  } else {
    issues->push_back({Kind::kError, "unsupported conversion in " + written + " (use s or d)"});
  }
  return end;
}

// Finds a %(name) value: ENV_X from the environment (kMachine when unset), the others
// from the names set with SetText/SetNumber (kError when unknown).
bool Expander::Lookup(const std::string& name, Var* v, std::vector<ExpandIssue>* issues) const {
  using Kind = ExpandIssue::Kind;
  size_t plen = sizeof kEnvPrefix - 1;
  if (name.compare(0, plen, kEnvPrefix) == 0) {
    auto it = env_.find(name.substr(plen));
    if (it == env_.end()) {
      issues->push_back(
          {Kind::kMachine, "undefined variable " + name.substr(plen) + " in %(" + name + ")s"});
      v->text.clear();
      return true;
    }
    v->text = it->second;
    return true;
  }
  auto it = vars_.find(name);
  if (it == vars_.end()) {
    std::string known;
    for (const auto& kv : vars_) known += kv.first + ", ";
    issues->push_back(
        {Kind::kError, "unknown name in %(" + name + ") (known: " + known + "ENV_<variable>)"});
    return false;
  }
  *v = it->second;
  return true;
}

// Handles the "${" at s[i]: ${NAME} and ${NAME:-default}; anything else (${#x}, ${x%y})
// is shell syntax and stays as written.
size_t Expander::ExpandBrace(const std::string& s, size_t i, std::string* out,
                             std::vector<ExpandIssue>* issues) const {
  size_t j = i + 2;
  if (j >= s.size() || !IsNameStart(s[j])) {
    *out += '$';
    return i + 1;
  }
  while (j < s.size() && IsNameChar(s[j])) ++j;
  std::string name = s.substr(i + 2, j - i - 2);
  bool has_default = s.compare(j, 2, ":-") == 0;
  size_t close = has_default ? s.find('}', j) : j;
  if (close == std::string::npos || close >= s.size() || s[close] != '}') {
    *out += '$';
    return i + 1;
  }
  auto it = env_.find(name);
  if (it != env_.end() && !(has_default && it->second.empty())) {
    *out += it->second;
  } else if (has_default) {
    *out += Expand(s.substr(j + 2, close - j - 2), Mode::kValue, issues);
  } else {
    issues->push_back({ExpandIssue::Kind::kWarning,
                       "undefined variable " + name + " in ${" + name + "}; left as written"});
    out->append(s, i, close + 1 - i);
  }
  return close + 1;
}

}  // namespace tend
