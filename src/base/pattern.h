// Pattern: POSIX extended regular expressions for `ready = log:/REGEX/`, matched in
// time linear in the line, so that no pattern and no line can stall PID 1. Bytes, not
// characters: no locale. The compiled program is bounded (kMaxPatternProgram
// instructions); it runs as a lazy DFA (Thompson's sets of threads, each built once and
// cached with its transitions), so a byte usually costs one table lookup, and a search
// that would cost more than kMaxSearchSteps gives up (no match, counted).
//
// Supported: literals, `.`, bracket expressions (`[a-z]`, `[^0-9]`, `[[:digit:]]`...),
// `^`, `$`, grouping `( )`, alternation `|`, and the repetitions `*`, `+`, `?`, `{n}`,
// `{n,}`, `{n,m}` (counts up to 255). A backslash makes the next byte literal: GNU's
// \b, \w and the like are not supported (nor defined by POSIX).
// glibc's regcomp would cost the static binary 78 KB; this costs a few.
#ifndef TEND_PATTERN_H_
#define TEND_PATTERN_H_

#include <stdint.h>

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tend {

/// The most instructions a compiled pattern may have (`.{0,255}` takes 510).
constexpr size_t kMaxPatternProgram = 1024;
/// The most work one search may spend building states (a state costs its size; a cached
/// transition is free, so a long line alone never gives up): a few milliseconds.
constexpr uint64_t kMaxSearchSteps = 500000;

class Pattern {
 public:
  /// Compiles `source`; false with `why` ("unbalanced '('" ...) when it is not valid.
  bool Compile(std::string_view source, std::string* why);
  /// Whether some part of `text` matches (unanchored unless the pattern says ^ or $).
  /// False, and gave_up() one more, when it would cost more than kMaxSearchSteps.
  bool Search(std::string_view text) const;
  /// Searches that gave up so far.
  uint64_t gave_up() const { return gave_up_; }
  /// The work the last search spent building states (the fuzz target bounds it).
  uint64_t last_steps() const { return last_steps_; }

 private:
  enum class Op : uint8_t { kByte, kAny, kClass, kBol, kEol, kSplit, kJmp, kMatch };
  struct Inst {
    Op op;
    uint8_t byte = 0;
    int x = 0, y = 0;  // kSplit: both targets (x preferred); kJmp: x; kClass: class index.
  };
  std::vector<Inst> prog_;
  std::vector<std::vector<bool>> classes_;  // 256 entries each.

  // One DFA state: the threads alive at a position (the instructions that take a byte),
  // the $ it waits on, whether it has matched, and its transitions as found.
  struct DState {
    std::vector<int> threads, eols;
    bool match = false;
    int8_t end = -1;  // Matches at the end of the text: -1 not known yet, 0, 1.
    std::array<int16_t, 256> next;
  };
  /// Into `d`: the threads that `seeds` (and a new one at the start of the pattern)
  /// lead to at a position that is the text's start, its end, or neither.
  void Closure(const std::vector<int>& seeds, bool at_start, bool at_end, DState* d,
               uint64_t* steps) const;
  /// The index of the state `d` in the cache, added if new (the cache may start over).
  int Intern(DState d, uint64_t* steps) const;
  mutable std::vector<DState> states_;
  mutable std::unordered_map<std::string, int> index_;  // Threads and eols -> state.
  mutable std::vector<uint32_t> mark_;                  // Closure's visited marks.
  mutable uint32_t generation_ = 0;
  mutable std::vector<int> stack_, seeds_;
  mutable int start_ = -1;
  mutable uint64_t resets_ = 0;  // Times the cache started over.
  mutable uint64_t gave_up_ = 0;
  mutable uint64_t last_steps_ = 0;

  friend class PatternCompiler;
};

}  // namespace tend

#endif  // TEND_PATTERN_H_
