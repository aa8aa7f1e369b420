// The INI layer (config/config_reader.h): supervisord's lexical rules.
#include <string>
#include <vector>

#include "fakes/config_fixture.h"

namespace tend {
namespace {

TEST(ConfigSyntaxTest, CommentsFollowSupervisord) {
  Loaded l = Load(
      "; a comment\n# another\n[program:a] ; after a header\n"
      "command=echo a;b c#d e ;comment\n  # an indented comment\n"
      "directory=/x\t# a comment after a tab\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"echo", "a;b", "c#d", "e"}), l.Get("a").argv);
  EXPECT_EQ("/x", l.Get("a").directory);
}

TEST(ConfigSyntaxTest, ContinuationLines) {
  Loaded l = Load(
      "[program:a]\ncommand=/bin/prog\n    --one\n\n    --two ; comment\n"
      "  # a comment line inside the value\n    --three\n"
      "environment=\n    A=\"1\",\n    B=2\nKey = Value\n");
  EXPECT_EQ(Lines({"/bin/prog", "--one", "--two", "--three"}), l.Get("a").argv);
  EXPECT_EQ("/bin/prog\n--one\n\n--two\n--three", l.Get("a").command);
  EXPECT_EQ(Lines({"A=1", "B=2"}), l.Get("a").environment);
  // Keys are case-insensitive; a continuation needs more indentation than its key.
  EXPECT_EQ(Lines({"t.conf:11: warning: unknown key key in [program:a]; ignored"}),
            l.Of(Kind::kWarning));
}

TEST(ConfigSyntaxTest, IndentedKeyAfterHeaderIsAKey) {
  Loaded l = Load("[program:a]\n  command=a\n  priority=3\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(3, l.Get("a").priority);
}

TEST(ConfigSyntaxTest, ColonSeparatesToo) {
  Loaded l = Load("[program:a]\ncommand: echo a=b\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"echo", "a=b"}), l.Get("a").argv);
}

TEST(ConfigSyntaxTest, CrlfBomAndNoFinalNewline) {
  Loaded l = Load("\xEF\xBB\xBF[program:a]\r\ncommand=echo a  \r\n  b\r\npriority=7");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"echo", "a", "b"}), l.Get("a").argv);
  EXPECT_EQ(7, l.Get("a").priority);
}

TEST(ConfigSyntaxTest, LongLines) {
  Loaded l = LoadPath("tests/config/long.conf");
  ASSERT_EQ("", l.All());
  ASSERT_EQ(1u, l.config.programs.size());
  const ProgramConfig& p = l.config.programs[0];
  EXPECT_EQ("a-program-whose-name-is-longer-than-inih-fifty-byte-section-buffer", p.name);
  ASSERT_EQ(41u, p.argv.size());
  EXPECT_EQ("--option-39=value-39", p.argv.back());
  ASSERT_EQ(13u, p.environment.size());
  EXPECT_EQ("VARIABLE_11=value with spaces 11", p.environment[11]);
  EXPECT_EQ("CONTINUED=after a long line", p.environment[12]);
}

TEST(ConfigSyntaxTest, LongLinesInline) {
  std::string big(5000, 'x');
  Loaded l = Load("[program:a]\ncommand=echo " + big + " ;c\n  " + big + "\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"echo", big, big}), l.Get("a").argv);
}

}  // namespace
}  // namespace tend
