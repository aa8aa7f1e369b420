// The value parsers (config/config_values.h): the command splitter and the environment.
#include <string>
#include <vector>

#include "config/config_values.h"
#include "fakes/config_fixture.h"

namespace tend {
namespace {

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> words;
  std::string err;
  EXPECT_TRUE(SplitCommand(s, &words, &err)) << s << ": " << err;
  return words;
}

std::string SplitError(const std::string& s) {
  std::vector<std::string> words;
  std::string err;
  EXPECT_FALSE(SplitCommand(s, &words, &err)) << s;
  return err;
}

TEST(SplitCommandTest, Whitespace) {
  EXPECT_EQ(Lines({"a", "b", "c"}), Split("a b\tc"));
  EXPECT_EQ(Lines({"a", "b"}), Split("  a \n\t b  "));
  EXPECT_EQ(Lines{}, Split(""));
  EXPECT_EQ(Lines{}, Split(" \t\n"));
}

TEST(SplitCommandTest, Quotes) {
  EXPECT_EQ(Lines({"sh", "-c", "echo $HOME \\n"}), Split("sh -c 'echo $HOME \\n'"));
  EXPECT_EQ(Lines({"a b", "c"}), Split("\"a b\" c"));
  EXPECT_EQ(Lines({"ab cd"}), Split("a\"b c\"'d'"));
  EXPECT_EQ(Lines({"it's"}), Split("'it'\\''s'"));
  EXPECT_EQ(Lines({"say \"hi\""}), Split("'say \"hi\"'"));
}

TEST(SplitCommandTest, EmptyQuotesGiveEmptyWords) {
  EXPECT_EQ(Lines({""}), Split("\"\""));
  EXPECT_EQ(Lines({""}), Split("''"));
  EXPECT_EQ(Lines({"a", "", "b"}), Split("a \"\" b"));
}

TEST(SplitCommandTest, Backslashes) {
  EXPECT_EQ(Lines({"a b"}), Split("a\\ b"));
  EXPECT_EQ(Lines({"a'b"}), Split("a\\'b"));
  // Inside double quotes only " \ $ ` are escaped; other backslashes stay.
  EXPECT_EQ(Lines({"\"\\$`\\n"}), Split("\"\\\"\\\\\\$\\`\\n\""));
  // Inside single quotes nothing is.
  EXPECT_EQ(Lines({"\\\\"}), Split("'\\\\'"));
}

TEST(SplitCommandTest, BackslashNewlineIsRemoved) {
  EXPECT_EQ(Lines({"ab"}), Split("a\\\nb"));
  EXPECT_EQ(Lines({"a", "b"}), Split("a \\\n b"));
  EXPECT_EQ(Lines({"ab"}), Split("\"a\\\nb\""));
  EXPECT_EQ(Lines({"a"}), Split("a \\\n"));
}

TEST(SplitCommandTest, Errors) {
  EXPECT_EQ("unterminated single quote", SplitError("echo 'abc"));
  EXPECT_EQ("unterminated double quote", SplitError("echo \"abc"));
  EXPECT_EQ("unterminated double quote", SplitError("echo \"abc\\\""));
  EXPECT_EQ("trailing backslash", SplitError("echo abc\\"));
}

// From issue 34: `environment = A=b c` silently gave A=b (as supervisord does).
TEST(ConfigTest, EnvironmentPairsMustBeSeparatedByCommas) {
  EXPECT_EQ(
      Lines({"t.conf:3: error: bad environment \"A=b c\": \"c\" after A=b is not a comma "
             "(quote a value with spaces: A=\"b c\")"}),
      Load("[program:a]\ncommand=a\nenvironment=A=b c\n").Of(Kind::kError));
  EXPECT_EQ("", Load("[program:a]\ncommand=a\nenvironment=A=b, C=d\n").All());
}

// From issue 34: 100,000 pairs took over 20 s (each one looked for among the others).
TEST(ConfigTest, ManyEnvironmentPairsAreReadInLinearTime) {
  std::string pairs;
  for (int i = 0; i < 200000; ++i) pairs += (i ? ",V" : "V") + std::to_string(i) + "=" + std::to_string(i);
  Loaded l = Load("[supervisord]\nenvironment=" + pairs + "\n[program:a]\ncommand=a\nenvironment=" +
                  pairs + ",V7=seven\n");
  ASSERT_EQ("", l.All());
  ASSERT_EQ(200000u, l.Get("a").environment.size());
  EXPECT_EQ("V7=seven", l.Get("a").environment[7]);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// Found by tests/fuzz/values_fuzz.cc: a long value went on being read past its sixth
// digit, and the int overflowed (undefined behaviour, which UBSan reports).
TEST(ConfigValuesTest, ALongOctalMaskIsRefusedWithoutOverflow) {
  int mask = -1;
  std::string err;
  EXPECT_FALSE(ParseOctalMask("77777777777777777777777777777777", &mask, &err));
  EXPECT_FALSE(ParseOctalMask(std::string("5") + std::string(30, '\0'), &mask, &err));
  EXPECT_EQ(-1, mask);
  EXPECT_TRUE(ParseOctalMask("0o022", &mask, &err));
  EXPECT_EQ(022, mask);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// Found by tests/fuzz/values_fuzz.cc (through a review of its round trips): a size whose
// bytes have 19 digits was accepted but did not read back; sizes stop at 1 PiB.
TEST(ConfigValuesTest, ASizeReadsBackAsItsBytes) {
  int64_t n = 0, again = 0;
  std::string err;
  EXPECT_TRUE(ParseByteSize("1048576GB", &n, &err));
  EXPECT_TRUE(ParseByteSize(std::to_string(n), &again, &err));
  EXPECT_EQ(n, again);
  EXPECT_FALSE(ParseByteSize("1048577GB", &n, &err));
  EXPECT_FALSE(ParseByteSize("1000000000gb", &n, &err));
}

}  // namespace
}  // namespace tend
