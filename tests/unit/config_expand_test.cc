// Expansions (config/config_expand.h): %(name)s and ${VAR}.
#include <string>
#include <vector>

#include "config/config_files.h"
#include "fakes/config_fixture.h"

namespace tend {
namespace {

TEST(ConfigExpandTest, SupervisordNames) {
  Loaded l = Load(
      "[group:grp]\nprograms=w\n"
      "[program:w]\nnumprocs=2\nnumprocs_start=1\nprocess_name=%(program_name)s_%(process_num)02d\n"
      "command=echo %(program_name)s %(group_name)s %(process_num)d %(numprocs)d "
      "%(host_node_name)s %(ENV_HOME)s 100%% [%(process_num)3d] [%(program_name)-3s] "
      "[%(process_num)-3d] [%(program_name).1s]\n"
      "[program:solo]\ncommand=echo %(group_name)s %(here)s\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"echo", "w", "grp", "2", "2", "testhost", "/home/test", "100%", "[", "2]", "[w",
                   "]", "[2", "]", "[w]"}),
            l.Get("w_02").argv);
  EXPECT_NE(nullptr, l.Find("w_01"));
  const ProgramConfig& solo = l.Get("solo");
  ASSERT_EQ(3u, solo.argv.size());
  EXPECT_EQ("solo", solo.argv[1]);
  EXPECT_EQ('/', solo.argv[2][0]);
  EXPECT_EQ(std::string::npos, solo.argv[2].find("/./"));
}

TEST(ConfigExpandTest, HereIsTheDirectoryOfTheFile) {
  Loaded l = LoadPath("tests/config/include/main.conf");
  EXPECT_EQ(AbsolutePath("tests/config/include/sub"), l.Get("other").argv.at(1));
}

TEST(ConfigExpandTest, UndefinedEnvIsAMachineProblem) {
  Loaded l = Load("[program:a]\ncommand=echo %(ENV_NOPE)s x\npriority=%(ENV_NOPE)s\n");
  EXPECT_EQ(Lines({"t.conf:2: unavailable: command: undefined variable NOPE in %(ENV_NOPE)s",
                   "t.conf:3: unavailable: priority: undefined variable NOPE in %(ENV_NOPE)s"}),
            l.Of(Kind::kMachine));
  EXPECT_TRUE(l.Of(Kind::kError).empty()) << l.All();
  EXPECT_EQ(Lines({"echo", "x"}), l.Get("a").argv);
}

TEST(ConfigExpandTest, NumprocsFromTheEnvironment) {
  ExpansionContext ctx = TestContext();
  ctx.environ.push_back("N=3");
  std::string text = "[program:w]\ncommand=w\nnumprocs=%(ENV_N)s\nprocess_name=w%(process_num)d\n";
  Loaded l = Load(text, ctx);
  ASSERT_EQ("", l.All());
  EXPECT_EQ(3u, l.config.programs.size());
  Loaded missing = Load(text);
  EXPECT_EQ(Lines({"t.conf:3: unavailable: numprocs: undefined variable N in %(ENV_N)s"}),
            missing.Of(Kind::kMachine));
  EXPECT_TRUE(missing.Of(Kind::kError).empty());
  EXPECT_EQ(1u, missing.config.programs.size());
}

TEST(ConfigExpandTest, FormatErrors) {
  Loaded l = Load(
      "[program:a]\ncommand=date +%s\ndirectory=%(nope)s\nuser=%(ENV_HOME)d\n"
      "stdout_logfile=%(program_name)x\n");
  EXPECT_EQ(Lines({"t.conf:2: error: command: lone % at \"%s\" (write %% for a literal %, as in "
                   "supervisord)",
                   "t.conf:3: error: directory: unknown name in %(nope) (known: group_name, "
                   "here, host_node_name, numprocs, process_num, program_name, ENV_<variable>)",
                   "t.conf:4: error: user: %(ENV_HOME)d needs a number; use %(ENV_HOME)s",
                   "t.conf:5: error: stdout_logfile: unsupported conversion in "
                   "%(program_name)x (use s or d)"}),
            l.Of(Kind::kError));
}

// A width or precision is bounded: a number in a file must not size an allocation.
TEST(ConfigExpandTest, HugeWidthsAreErrors) {
  Loaded l = Load(
      "[program:w]\ncommand = w\nprocess_name = w%(process_num)999999999d\n"
      "[program:x]\ncommand = x\nprocess_name = x%(program_name).99999999999999999999s\n"
      "[program:y]\ncommand = y\nprocess_name = y%(process_num)01024d\n");
  EXPECT_EQ(Lines({"t.conf:3: error: process_name: width or precision over 1024 in "
                   "%(process_num)999999999d",
                   "t.conf:6: error: process_name: width or precision over 1024 in "
                   "%(program_name).99999999999999999999s"}),
            l.Of(Kind::kError));
}

TEST(ConfigExpandTest, DollarBraces) {
  Loaded l = Load(
      "[program:a]\ncommand=echo ${NAME} \"${NAME}\" '${NAME}' \\${NAME} ${UNSET:-dflt} "
      "${EMPTY:-was-empty} ${NAME:-unused} ${#NAME} ${UNSET2}\n"
      "directory='${HOME}'\nenvironment=X=\"${SPACED}\",Y=${UNSET:-%(program_name)s}\n");
  EXPECT_EQ(Lines({"echo", "world", "world", "${NAME}", "${NAME}", "dflt", "was-empty", "world",
                   "${#NAME}", "${UNSET2}"}),
            l.Get("a").argv);
  EXPECT_EQ("'/home/test'", l.Get("a").directory);
  EXPECT_EQ(Lines({"X=a b", "Y=a"}), l.Get("a").environment);
  EXPECT_EQ(Lines({"t.conf:2: warning: command: undefined variable UNSET2 in ${UNSET2}; left as "
                   "written"}),
            l.Of(Kind::kWarning));
}

}  // namespace
}  // namespace tend
