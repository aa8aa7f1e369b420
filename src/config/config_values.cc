#include "config/config_values.h"

#include <arpa/inet.h>
#include <string.h>

#include <unordered_map>

namespace tend {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Python's shlex.shlex wordchars plus the '/.+-():' supervisord adds; ASCII only, as
// non-POSIX shlex does.
bool IsWordChar(char c) { return IsAlnum(c) || (c != '\0' && strchr("_/.+-():", c) != nullptr); }

size_t SkipLine(const std::string& s, size_t i) {
  size_t nl = s.find('\n', i);
  return nl == std::string::npos ? s.size() : nl + 1;
}

// One word token of non-POSIX shlex: word characters and quote characters; a '#'
// swallows the rest of its line without ending the token (a shlex quirk kept on purpose).
size_t ReadWord(const std::string& s, size_t i, std::string* tok) {
  while (i < s.size()) {
    char c = s[i];
    if (IsWordChar(c) || c == '\'' || c == '"') {
      *tok += c;
      ++i;
    } else if (c == '#') {
      i = SkipLine(s, i);
    } else {
      break;
    }
  }
  return i;
}

// Tokenises like Python's shlex.shlex(text) in non-POSIX mode: words, quoted strings
// (quotes kept) and single punctuation characters.
bool ShlexTokens(const std::string& s, std::vector<std::string>* tokens, std::string* err) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (IsSpace(c)) {
      ++i;
    } else if (c == '#') {
      i = SkipLine(s, i);
    } else if (IsWordChar(c)) {
      std::string tok;
      i = ReadWord(s, i, &tok);
      tokens->push_back(tok);
    } else if (c == '\'' || c == '"') {
      size_t end = s.find(c, i + 1);
      if (end == std::string::npos) {
        *err = std::string("unterminated ") + (c == '"' ? "double" : "single") + " quote";
        return false;
      }
      tokens->push_back(s.substr(i, end - i + 1));
      i = end + 1;
    } else {
      tokens->push_back(std::string(1, c));
      ++i;
    }
  }
  return true;
}

std::string StripQuotes(const std::string& s) {
  size_t b = s.find_first_not_of("'\"");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of("'\"");
  return s.substr(b, e - b + 1);
}

// Reads the "..." that starts at s[*i] into `word`, with POSIX's rules: a backslash
// escapes only " \ $ ` and newline (removed); others stay as written.
bool ReadDoubleQuoted(const std::string& s, size_t* i, std::string* word, std::string* err) {
  for (size_t j = *i + 1; j < s.size(); ++j) {
    char c = s[j];
    if (c == '"') {
      *i = j + 1;
      return true;
    }
    if (c == '\\' && j + 1 < s.size() &&
        (s[j + 1] == '\n' || s[j + 1] == '"' || s[j + 1] == '\\' || s[j + 1] == '$' ||
         s[j + 1] == '`')) {
      if (s[j + 1] != '\n') *word += s[j + 1];
      ++j;
      continue;
    }
    *word += c;
  }
  *err = "unterminated double quote";
  return false;
}

}  // namespace

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool ParseBool(const std::string& text, bool* out, std::string* err) {
  std::string t = Lower(text);
  if (t == "true" || t == "yes" || t == "on" || t == "1") {
    *out = true;
    return true;
  }
  if (t == "false" || t == "no" || t == "off" || t == "0") {
    *out = false;
    return true;
  }
  *err = "not a boolean (true, false, yes, no, on, off, 1, 0)";
  return false;
}

bool ParseInteger(const std::string& text, int64_t min, int64_t max, int64_t* out,
                  std::string* err) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (i == text.size() || text.size() - i > 18) {
    *err = "not an integer";
    return false;
  }
  int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      *err = "not an integer";
      return false;
    }
    v = v * 10 + (text[i] - '0');
  }
  if (negative) v = -v;
  if (v < min || v > max) {
    *err = "out of range " + std::to_string(min) + ".." + std::to_string(max);
    return false;
  }
  *out = v;
  return true;
}

bool ParseByteSize(const std::string& text, int64_t* out, std::string* err) {
  static const struct {
    const char* suffix;
    int64_t factor;
  } kSuffixes[] = {{"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024 * 1024 * 1024}};
  std::string t = Lower(text);
  int64_t factor = 1;
  for (const auto& s : kSuffixes) {
    if (t.size() > 2 && t.compare(t.size() - 2, 2, s.suffix) == 0) {
      factor = s.factor;
      t = Trim(t.substr(0, t.size() - 2));
      break;
    }
  }
  // 1 PiB: far past any log, and a size's bytes in decimal read back as a size.
  constexpr int64_t kMaxByteSize = int64_t{1} << 50;
  int64_t n = 0;
  if (!ParseInteger(t, 0, kMaxByteSize / factor, &n, err)) {
    *err = "not a size such as 1024, 10KB, 50MB or 1GB";
    return false;
  }
  *out = n * factor;
  return true;
}

bool ParseLogPrefix(const std::string& text, std::string* out, std::string* err) {
  static const char* const kPlaceholders[] = {"name", "pid", "stream"};
  std::string t = text;
  if (t.size() >= 2 && (t[0] == '"' || t[0] == '\'') && t.back() == t[0])
    t = t.substr(1, t.size() - 2);
  for (size_t i = 0; (i = t.find('{', i)) != std::string::npos; ++i) {
    size_t end = i + 1;
    while (end < t.size() && (IsAlnum(t[end]) || t[end] == '_')) ++end;
    if (end == i + 1 || end == t.size() || t[end] != '}') continue;
    std::string word = t.substr(i + 1, end - i - 1);
    bool known = false;
    std::string list;
    for (const char* p : kPlaceholders) {
      known = known || word == p;
      list += std::string(list.empty() ? "" : ", ") + "{" + p + "}";
    }
    if (known) continue;
    *err = "unknown placeholder {" + word + "} (known: " + list + ")";
    return false;
  }
  *out = t;
  return true;
}

bool ParseOctalMask(const std::string& text, int* out, std::string* err) {
  std::string t = Lower(text);
  if (t.size() > 2 && t[0] == '0' && t[1] == 'o') t = t.substr(2);
  int v = 0;
  bool ok = !t.empty() && t.size() <= 6;
  for (size_t i = 0; ok && i < t.size(); ++i) {
    ok = t[i] >= '0' && t[i] <= '7';
    v = v * 8 + (t[i] - '0');
  }
  if (!ok || v > 0777) {
    *err = "not an octal mask such as 022 (at most 0777)";
    return false;
  }
  *out = v;
  return true;
}

bool ParseExitCodes(const std::string& text, std::vector<int>* out, std::string* err) {
  out->clear();
  if (text.empty()) return true;
  size_t i = 0;
  while (i <= text.size()) {
    size_t comma = text.find(',', i);
    if (comma == std::string::npos) comma = text.size();
    int64_t code = 0;
    if (!ParseInteger(Trim(text.substr(i, comma - i)), 0, 255, &code, err)) {
      *err = "not a comma-separated list of exit codes 0..255";
      return false;
    }
    out->push_back(static_cast<int>(code));
    i = comma + 1;
  }
  return true;
}

bool ParseEnvironment(const std::string& text,
                      std::vector<std::pair<std::string, std::string>>* out, std::string* err) {
  std::vector<std::string> t;
  if (!ShlexTokens(text, &t, err)) return false;
  out->clear();
  std::unordered_map<std::string, size_t> at;  // Key -> its index in `out`.
  // Groups of four tokens: KEY, '=', value and a comma (supervisord does not check the
  // comma, and so drops the "c" of A=b c without a word).
  for (size_t i = 0; i < t.size(); i += 4) {
    if (i + 2 >= t.size() || t[i + 1] != "=") {
      *err = "expected KEY=value pairs separated by commas near \"" + t[i] +
             "\" (quote values that hold other characters than letters, digits and _/.+-():)";
      return false;
    }
    if (i + 3 < t.size() && t[i + 3] != "," && !IsWordChar(t[i + 3][0]) &&
        t[i + 3][0] != '\'' && t[i + 3][0] != '"') {
      *err = "expected KEY=value pairs separated by commas near \"" + t[i + 3] +
             "\" (quote values that hold other characters than letters, digits and _/.+-():)";
      return false;
    }
    if (i + 3 < t.size() && t[i + 3] != ",") {
      *err = "\"" + t[i + 3] + "\" after " + t[i] + "=" + t[i + 2] +
             " is not a comma (quote a value with spaces: " + t[i] + "=\"" +
             StripQuotes(t[i + 2]) + " " + t[i + 3] + "\")";
      return false;
    }
    std::string value = StripQuotes(t[i + 2]);
    auto [it, fresh] = at.emplace(t[i], out->size());
    if (fresh) {
      out->emplace_back(t[i], std::move(value));
    } else {
      (*out)[it->second].second = std::move(value);
    }
  }
  return true;
}

std::vector<std::string> SplitNames(const std::string& text) {
  std::vector<std::string> names;
  std::string cur;
  for (char c : text) {
    if (c == ',' || IsSpace(c)) {
      if (!cur.empty()) names.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) names.push_back(cur);
  return names;
}

void MergeEnvironment(const std::vector<std::pair<std::string, std::string>>& pairs,
                      std::vector<std::string>* env) {
  std::unordered_map<std::string, size_t> at;  // Name -> its index in `env`.
  for (size_t i = 0; i < env->size(); ++i) {
    const std::string& e = (*env)[i];
    at.emplace(e.substr(0, e.find('=')), i);
  }
  for (const auto& [name, value] : pairs) {
    auto [it, fresh] = at.emplace(name, env->size());
    if (fresh) {
      env->push_back(name + "=" + value);
    } else {
      (*env)[it->second] = name + "=" + value;
    }
  }
}

bool SplitCommand(const std::string& command, std::vector<std::string>* words, std::string* err) {
  words->clear();
  std::string word;
  bool in_word = false;
  size_t i = 0;
  while (i < command.size()) {
    char c = command[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words->push_back(word);
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      size_t end = command.find('\'', i + 1);
      if (end == std::string::npos) {
        *err = "unterminated single quote";
        return false;
      }
      word.append(command, i + 1, end - i - 1);
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      if (!ReadDoubleQuoted(command, &i, &word, err)) return false;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) {
        *err = "trailing backslash";
        return false;
      }
      // Backslash-newline joins lines and makes no word of its own.
      if (command[i + 1] != '\n') {
        word += command[i + 1];
        in_word = true;
      }
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words->push_back(word);
  return true;
}

bool ValidIpv4(const std::string& s) {
  in_addr a;
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

}  // namespace tend
