// `ready = log:/REGEX/` patterns and the lines they are matched against. Input: the
// pattern, a NUL byte, the line. Compiling never takes more than the program bound, a
// search never spends more than its step bound, and where glibc's regcomp/regexec
// (POSIX extended, C locale) and Pattern both accept a pattern in the part of the
// syntax that POSIX defines the same way for both, they agree on every line.
#include <regex.h>

#include <string>
#include <string_view>

#include "base/pattern.h"
#include "fuzz.h"

namespace {

// Constructs where POSIX leaves the meaning open or GNU extends it, and Pattern decides
// otherwise by design (pattern.h): GNU's backslash escapes (\w, \b, \<, \1...),
// collating and equivalence classes, "{" that does not start a bound, a bound's lower
// count omitted ("{,3}"), and repetition operators with nothing to repeat.
bool Comparable(std::string_view p) {
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' || c == '\n' || c == '\0') return false;
    if (c == '[' && i + 1 < p.size() && (p.substr(i).find("[.") == 0 || p.substr(i).find("[=") == 0)) {
      return false;
    }
    if (c == '{') {
      size_t j = i + 1;
      if (j >= p.size() || p[j] < '0' || p[j] > '9') return false;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      if (i == 0) return false;
      const char prev = p[i - 1];
      if (prev == '(' || prev == '|' || prev == '^' || prev == '*' || prev == '+' ||
          prev == '?' || prev == '}') {
        return false;
      }
    }
    if ((c == '(' && i + 1 < p.size() && p[i + 1] == ')') ||
        (c == '|' && (i == 0 || i + 1 == p.size() || p[i + 1] == '|' || p[i + 1] == ')' ||
                      p[i - 1] == '('))) {
      return false;  // Empty groups and alternatives.
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::fuzz::Check;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string source = input.substr(0, nul);
  std::string line = nul == std::string::npos ? "" : input.substr(nul + 1);
  for (char& c : line) {
    if (c == '\n' || c == '\0') c = ' ';  // A line has neither.
  }

  tend::Pattern pattern;
  std::string why;
  if (!pattern.Compile(source, &why)) {
    Check(!why.empty(), "a refused pattern says why", source);
    return 0;
  }
  const uint64_t gave_up = pattern.gave_up();
  const bool found = pattern.Search(line);
  // One state's construction may run past the bound before the check.
  Check(pattern.last_steps() <= tend::kMaxSearchSteps + 8 * tend::kMaxPatternProgram,
        "a search within its step bound", source);
  // Searching again (from the cache) gives the same answer.
  const bool again = pattern.Search(line);
  if (pattern.gave_up() != gave_up) return 0;  // No answer to compare.
  Check(again == found, "the same answer from the cache", source + " / " + line);

  if (!Comparable(source)) return 0;
  regex_t re;
  if (regcomp(&re, source.c_str(), REG_EXTENDED | REG_NOSUB) != 0) return 0;
  const bool glibc = regexec(&re, line.c_str(), 0, nullptr, 0) == 0;
  regfree(&re);
  Check(glibc == found, found ? "Pattern matches where glibc does not"
                              : "glibc matches where Pattern does not",
        "/" + source + "/ on \"" + line + "\"");
  return 0;
}
