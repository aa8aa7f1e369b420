#include "base/pattern.h"

#include <gtest/gtest.h>
#include <regex.h>

#include <random>
#include <string>
#include <vector>

namespace tend {
namespace {

bool Search(const std::string& re, const std::string& text) {
  Pattern p;
  std::string why;
  EXPECT_TRUE(p.Compile(re, &why)) << re << ": " << why;
  return p.Search(text);
}

// glibc's regexec in the C locale, as the reference for what a POSIX ERE matches.
bool Glibc(const std::string& re, const std::string& text) {
  regex_t r;
  EXPECT_EQ(0, regcomp(&r, re.c_str(), REG_EXTENDED | REG_NOSUB)) << re;
  bool m = regexec(&r, text.c_str(), 0, nullptr, 0) == 0;
  regfree(&r);
  return m;
}

TEST(PatternTest, AgreesWithGlibcOnServersReadyLines) {
  const std::vector<std::string> patterns = {
      "ready to accept connections",
      "^.*LOG: +database system is ready",
      "Listening (at|on):? https?://[0-9.]+:[0-9]+",
      "[Rr]eady( to accept connections)?$",
      "start(ed)? worker process(es)?",
      "^[[:digit:]]{4}-[[:digit:]]{2}-[[:digit:]]{2}",
      "port [0-9]{2,5}$|port=[[:digit:]]+",
      "a{3}",
      "a{2,}b",
      "x{0,1}y",
      "^$",
      "[^a-z ]+",
      "(a|b)*c",
      "\\.\\*\\[",
      "[]a]",
      "[a-]z",
      "(ready|listening)[.!]$",
  };
  const std::vector<std::string> texts = {
      "2026-12-06 03:14:01.123 UTC [42] LOG:  database system is ready to accept connections",
      "[2026-12-06 03:14:01 +0000] [1] [INFO] Listening at: http://127.0.0.1:8000 (1)",
      "1:M 06 Dec 2026 03:14:01.123 * Ready to accept connections",
      "nginx: start worker processes",
      "started worker process 7",
      "",
      "aaa",
      "aab",
      "xy",
      "y",
      "abababc",
      ".*[",
      "]",
      "-z",
      "port 8080",
      "listening!",
      "listening",
      "READY",
  };
  for (const auto& re : patterns) {
    for (const auto& t : texts) {
      EXPECT_EQ(Glibc(re, t), Search(re, t)) << "/" << re << "/ on \"" << t << "\"";
    }
  }
}

TEST(PatternTest, AnchorsAndAlternation) {
  EXPECT_TRUE(Search("^abc$", "abc"));
  EXPECT_FALSE(Search("^abc$", "xabc"));
  EXPECT_TRUE(Search("b|^x", "abc"));
  EXPECT_TRUE(Search("", "anything"));
  EXPECT_TRUE(Search("a?", ""));
}

TEST(PatternTest, BadPatternsSayWhy) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"[", "unbalanced '['"},          {"(a", "unbalanced '('"},
      {"a)", "unbalanced ')'"},         {"*a", "nothing to repeat before '*'"},
      {"a\\", "trailing backslash"},   {"a{300}", "repetition count over 255"},
      {"a{99999}", "repetition count over 255"}, {"a{1,99999999999}", "repetition count over 255"},
      {"a{3,2}", "bad repetition count"}, {"a{2", "unbalanced '{'"},
      {"[[:nope:]]", "unknown character class"}, {"[z-a]", "bad range in '[...]'"},
      {"((a{100}){100}){100}", "too large: over 1024 instructions (fewer or smaller repetitions)"},
      {"(.{0,255}){8}x", "too large: over 1024 instructions (fewer or smaller repetitions)"},
      {std::string(50000, '('), "groups nested too deep"},
      {"a" + std::string(50000, '*'), "groups nested too deep"},
  };
  for (const auto& b : bad) {
    Pattern p;
    std::string why;
    EXPECT_FALSE(p.Compile(b.first, &why)) << b.first;
    EXPECT_EQ(b.second, why) << b.first;
  }
}

// What makes a backtracking matcher take exponential time is linear here: a line of
// log_max_line bytes against a nested repetition finishes (no time threshold: it would
// never finish otherwise).
TEST(PatternTest, NestedRepetitionsStayLinear) {
  std::string line(16 * 1024, 'a');
  EXPECT_FALSE(Search("(a*)*b", line));
  EXPECT_FALSE(Search("(a|aa)+$x", line));
  EXPECT_TRUE(Search("(a|aa)+$", line));
}

// One Pattern searched again and again (its states cached across searches, and the cache
// started over when full) agrees with glibc on random patterns and texts.
TEST(PatternTest, ACachedPatternAgreesWithGlibcOnRandomInput) {
  std::mt19937 rng(34);
  const std::vector<std::string> atoms = {"a", "b", ".", "[ab]", "[^a]", "(a|b)", "(ab|ba)",
                                          "^", "$", "(a|$)", "(^|b)"};
  const std::vector<std::string> ops = {"", "", "*", "+", "?", "{2}", "{1,3}", "{0,4}"};
  for (int round = 0; round < 300; ++round) {
    std::string re;
    const int len = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < len; ++i) {
      const std::string& atom = atoms[rng() % atoms.size()];
      re += atom;
      // Not what may match empty through an anchor: glibc's {2} of (a|$) matches "a"
      // then an empty string that is not at the end (grep -E does not).
      if (atom.find_first_of("^$") == std::string::npos) re += ops[rng() % ops.size()];
      if (rng() % 6 == 0) re += "|";
    }
    if (re.back() == '|') re.pop_back();
    Pattern p;
    std::string why;
    ASSERT_TRUE(p.Compile(re, &why)) << re << ": " << why;
    for (int t = 0; t < 60; ++t) {
      std::string text;
      const int n = static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) text += "abc"[rng() % 3];
      ASSERT_EQ(Glibc(re, text), p.Search(text)) << "/" << re << "/ on \"" << text << "\"";
    }
  }
}

// From issue 34: `.{0,255}ready to accept` on 40 lines of 16 KB held tend for 0.8 s,
// each byte costing 255 threads' steps. Cached states make a byte one lookup: no search
// comes near the step bound (a Pike VM would need 4 million steps per line).
TEST(PatternTest, ALongRepetitionCostsALookupPerByte) {
  Pattern p;
  std::string why;
  ASSERT_TRUE(p.Compile(".{0,255}ready to accept", &why)) << why;
  const std::string line(16 * 1024, 'x');
  for (int i = 0; i < 40; ++i) EXPECT_FALSE(p.Search(line));
  EXPECT_TRUE(p.Search(line + "ready to accept"));
  EXPECT_EQ(0u, p.gave_up());
}

// From a review: a cached transition counted as a step, so any line over 500,000 bytes
// gave up, even against a plain text.
TEST(PatternTest, ALongLineAloneNeverGivesUp) {
  Pattern p;
  std::string why;
  ASSERT_TRUE(p.Compile("ready$", &why)) << why;
  EXPECT_TRUE(p.Search(std::string(1 << 20, 'x') + "ready"));
  EXPECT_EQ(0u, p.gave_up());
}

// A pattern whose sets of threads vary without end (2^41 of them here) fills the cache
// again and again; the search then gives up at the step bound rather than hold the loop.
TEST(PatternTest, ASearchThatWouldCostTooMuchGivesUp) {
  Pattern p;
  std::string why;
  ASSERT_TRUE(p.Compile("(a|b)*a(a|b){40}c", &why)) << why;
  std::mt19937 rng(7);
  std::string line;
  for (int i = 0; i < 16 * 1024; ++i) line += "ab"[rng() % 2];
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(p.Search(line));
  EXPECT_LT(0u, p.gave_up());
  EXPECT_TRUE(p.Search(std::string(45, 'a') + "c"));  // Short lines still match.
}

}  // namespace
}  // namespace tend
