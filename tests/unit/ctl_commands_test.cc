#include "cli/ctl_commands.h"

#include <gtest/gtest.h>
#include <stdio.h>

#include <regex>
#include <set>

#include "base/values.h"
#include "cli/ctl_terminal.h"

namespace tend {
namespace {

std::string Slurp(const char *path) {
  std::string text;
  FILE *f = fopen(path, "r");
  if (!f) return text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  fclose(f);
  return text;
}

TEST(DetachKeysTest, CtrlPCtrlQDetachesAndAnythingElsePassesThrough) {
  DetachKeys keys;
  bool detach = false;
  EXPECT_EQ("ls\r", keys.Feed("ls\r", 3, &detach));
  EXPECT_FALSE(detach);
  // Ctrl-P then another key: both go to the program.
  EXPECT_EQ("\x10x", keys.Feed("\x10x", 2, &detach));
  EXPECT_FALSE(detach);
  // The sequence split across two reads.
  EXPECT_EQ("ab", keys.Feed("ab\x10", 3, &detach));
  EXPECT_FALSE(detach);
  EXPECT_EQ("", keys.Feed("\x11zz", 3, &detach));
  EXPECT_TRUE(detach);
  // Ctrl-P twice: the first is the program's, the second may start the
  // sequence.
  DetachKeys again;
  EXPECT_EQ("\x10", again.Feed("\x10\x10\x11", 3, &detach));
  EXPECT_TRUE(detach);
}

TEST(CtlTest, JsonStringsAreEscaped) {
  EXPECT_EQ("\"plain\"", JsonString("plain"));
  EXPECT_EQ("\"a\\\"b\\\\c\\u000a\\u001b\"", JsonString("a\"b\\c\n\x1b"));
}

// man/tendctl.1 documents every command and option of the table, and nothing
// else; the bash completion offers every command.
TEST(CtlTest, ManPageAndCompletionMatchTheTable) {
  std::string page = Slurp("man/tendctl.1");
  ASSERT_FALSE(page.empty()) << "run from the source tree";
  std::set<std::string> documented;
  std::regex cmd(R"(\n\.It Cm ([a-z]+))");
  for (std::sregex_iterator it(page.begin(), page.end(), cmd), end; it != end; ++it) {
    documented.insert((*it)[1].str());
  }
  std::vector<std::string> names = CtlCommandNames();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), documented);

  std::set<std::string> options;
  std::regex long_opt(R"(Fl \\-((?:[a-z]|\\-)+))");
  for (std::sregex_iterator it(page.begin(), page.end(), long_opt), end; it != end; ++it) {
    options.insert(std::regex_replace((*it)[1].str(), std::regex(R"(\\-)"), "-"));
  }
  std::vector<std::string> opts = CtlOptionNames();
  EXPECT_EQ(std::set<std::string>(opts.begin(), opts.end()), options);

  std::string completion = Slurp("contrib/bash-completion/tendctl");
  ASSERT_FALSE(completion.empty());
  for (const auto &n : names) {
    EXPECT_NE(std::string::npos, completion.find(n)) << n << " is not completed";
  }
  for (const auto &o : opts) {
    EXPECT_NE(std::string::npos, completion.find("--" + o)) << "--" << o << " is not completed";
  }
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 34: bytes that are not UTF-8 (a program's output, STATUS=) passed raw into
// -j output, which was then not JSON.
TEST(CtlTest, JsonStringsEscapeWhatIsNotUtf8) {
  EXPECT_EQ("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
            JsonString("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_EQ("\"a\\u00ffb\"", JsonString("a\xff" "b"));
  EXPECT_EQ("\"\\u00c0\\u0080\"", JsonString("\xc0\x80"));          // Overlong.
  EXPECT_EQ("\"\\u00ed\\u00a0\\u0080\"", JsonString("\xed\xa0\x80"));  // A surrogate.
  EXPECT_EQ("\"\\u00e2\\u0082\"", JsonString("\xe2\x82"));          // Cut short.
  EXPECT_EQ("\"\\u00f4\\u0090\\u0080\\u0080\"", JsonString("\xf4\x90\x80\x80"));  // Past U+10FFFF.
}

// From issue 34: STATUS= with escape sequences was printed raw by tendctl status.
TEST(CtlTest, PrintableEscapesControlBytes) {
  EXPECT_EQ("\\x1b]0;pwned\\x07\\x1b[31mRED\\x0dX", Printable("\x1b]0;pwned\x07\x1b[31mRED\rX"));
  EXPECT_EQ("a\tb\\x0ac\\x7f", Printable("a\tb\nc\x7f"));
  EXPECT_EQ("a\nb", Printable("a\nb", /*keep_newlines=*/true));
  EXPECT_EQ("caf\xc3\xa9", Printable("caf\xc3\xa9"));
  // C1 controls (CSI is U+009B) and bytes that are not UTF-8 drive some terminals too.
  EXPECT_EQ("a\\xc2\\x9b31mb\\xff\\x9b", Printable("a\xc2\x9b" "31mb\xff\x9b"));
  EXPECT_EQ("\xc2\xa0\xe2\x82\xac", Printable("\xc2\xa0\xe2\x82\xac"));
}

}  // namespace
}  // namespace tend
