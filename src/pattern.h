// Pattern: POSIX extended regular expressions for `ready = log:/REGEX/`, matched in
// time linear in the line (a Pike VM over a compiled program, no backtracking), so that
// no pattern and no line can stall PID 1. Bytes, not characters: no locale.
//
// Supported: literals, `.`, bracket expressions (`[a-z]`, `[^0-9]`, `[[:digit:]]`...),
// `^`, `$`, grouping `( )`, alternation `|`, and the repetitions `*`, `+`, `?`, `{n}`,
// `{n,}`, `{n,m}` (counts up to 255). A backslash makes the next byte literal: GNU's
// \b, \w and the like are not supported (nor defined by POSIX).
// glibc's regcomp would cost the static binary 78 KB; this costs a few.
#ifndef TEND_PATTERN_H_
#define TEND_PATTERN_H_

#include <stdint.h>

#include <string>
#include <string_view>
#include <vector>

namespace tend {

class Pattern {
 public:
  /// Compiles `source`; false with `why` ("unbalanced '('" ...) when it is not valid.
  bool Compile(std::string_view source, std::string* why);
  /// Whether some part of `text` matches (unanchored unless the pattern says ^ or $).
  bool Search(std::string_view text) const;

 private:
  enum class Op : uint8_t { kByte, kAny, kClass, kBol, kEol, kSplit, kJmp, kMatch };
  struct Inst {
    Op op;
    uint8_t byte = 0;
    int x = 0, y = 0;  // kSplit: both targets (x preferred); kJmp: x; kClass: class index.
  };
  std::vector<Inst> prog_;
  std::vector<std::vector<bool>> classes_;  // 256 entries each.

  friend class PatternCompiler;
};

}  // namespace tend

#endif  // TEND_PATTERN_H_
