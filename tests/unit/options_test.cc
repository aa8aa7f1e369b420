#include "config/options.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <set>
#include <vector>

namespace tend {
namespace {

struct Parsed {
  bool ok;
  Options opts;
  std::string err;
};

Parsed Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "tend");
  Parsed p;
  p.ok = ParseOptions(static_cast<int>(args.size()), args.data(), &p.opts, &p.err);
  return p;
}

TEST(OptionsTest, Defaults) {
  Parsed p = Parse({"--", "sleep", "1"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(8000, p.opts.stop_timeout_ms);
  EXPECT_EQ(0, p.opts.stop_signal);
  EXPECT_FALSE(p.opts.signal_child_only);
  EXPECT_EQ(Level::kInfo, p.opts.diag_level);
  EXPECT_EQ((std::vector<std::string>{"sleep", "1"}), p.opts.command);
}

TEST(OptionsTest, LongShortAndEqualsForms) {
  for (auto args : std::vector<std::vector<const char*>>{
           {"--stop-timeout", "2m", "x"},
           {"--stop-timeout=2m", "x"},
           {"-t", "2m", "x"},
           {"-t2m", "x"},
       }) {
    Parsed p = Parse(args);
    ASSERT_TRUE(p.ok) << p.err;
    EXPECT_EQ(120000, p.opts.stop_timeout_ms);
    EXPECT_EQ(std::vector<std::string>{"x"}, p.opts.command);
  }
}

TEST(OptionsTest, AllOptions) {
  Parsed p = Parse({"--stop-signal", "SIGQUIT", "--signal-child-only", "-v", "--", "a", "-v"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(SIGQUIT, p.opts.stop_signal);
  EXPECT_TRUE(p.opts.signal_child_only);
  EXPECT_EQ(Level::kDebug, p.opts.diag_level);
  EXPECT_EQ((std::vector<std::string>{"a", "-v"}), p.opts.command);
  EXPECT_EQ(Level::kError, Parse({"-q", "x"}).opts.diag_level);
}

TEST(OptionsTest, CommandWithoutDashDashStopsOptionParsing) {
  Parsed p = Parse({"-v", "ls", "-l", "--stop-timeout=1"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ((std::vector<std::string>{"ls", "-l", "--stop-timeout=1"}), p.opts.command);
  EXPECT_EQ(8000, p.opts.stop_timeout_ms);
}

TEST(OptionsTest, ConfigAndCheck) {
  Parsed p = Parse({"-c", "/etc/x", "--check"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ("/etc/x", p.opts.config_path);
  EXPECT_EQ(Options::Action::kCheck, p.opts.action);
  EXPECT_EQ("--config '': empty path", Parse({"--config="}).err);
}

TEST(OptionsTest, HelpAndVersionNeedNoCommand) {
  EXPECT_EQ(Options::Action::kHelp, Parse({"--help"}).opts.action);
  EXPECT_TRUE(Parse({"-h"}).ok);
  EXPECT_EQ(Options::Action::kVersion, Parse({"-V"}).opts.action);
}

TEST(OptionsTest, ErrorsNameTheArgument) {
  EXPECT_TRUE(Parse({}).ok);  // The configuration may have programs to run.
  EXPECT_EQ("unknown option '--bogus'", Parse({"--bogus", "x"}).err);
  EXPECT_EQ("unknown option '-z'", Parse({"-z", "x"}).err);
  EXPECT_EQ("--stop-timeout needs a DURATION", Parse({"--stop-timeout"}).err);
  EXPECT_EQ("--stop-signal 'FOO': unknown signal 'FOO'", Parse({"--stop-signal", "FOO", "x"}).err);
  EXPECT_EQ("-t '5x': unknown unit 'x' (use ms, s, m or h)", Parse({"-t", "5x", "x"}).err);
  EXPECT_EQ("--verbose takes no value", Parse({"--verbose=1", "x"}).err);
}

TEST(OptionsTest, HelpListsEveryOption) {
  std::string help = HelpText();
  for (const char* o : {"--config", "--check", "--stop-timeout", "--stop-signal", "--signal-child-only", "--verbose",
                        "--quiet", "--help", "--version"}) {
    EXPECT_NE(std::string::npos, help.find(o)) << o;
  }
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// man/tend.8 documents every option, and documents no option the table lacks.
TEST(OptionsTest, ManPageMatchesTheTable) {
  FILE* f = fopen("man/tend.8", "r");
  ASSERT_NE(nullptr, f) << "run from the source tree";
  std::string page;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) page.append(buf, n);
  fclose(f);
  // "Fl \-stop\-timeout" is how mdoc spells --stop-timeout.
  std::set<std::string> documented;
  std::regex long_opt(R"(Fl \\-((?:[a-z]|\\-)+))");
  for (std::sregex_iterator it(page.begin(), page.end(), long_opt), end; it != end; ++it) {
    documented.insert(std::regex_replace((*it)[1].str(), std::regex(R"(\\-)"), "-"));
  }
  std::vector<std::string> names = OptionNames();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), documented);
}

}  // namespace
}  // namespace tend
