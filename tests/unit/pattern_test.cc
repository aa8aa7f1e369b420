#include "pattern.h"

#include <gtest/gtest.h>
#include <regex.h>

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
      {"((a{100}){100}){100}", "too large (repetitions of repetitions)"},
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

}  // namespace
}  // namespace tend
