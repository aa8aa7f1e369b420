#include "config/config.h"

#include <ftw.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "config/config_files.h"
#include "config/config_load.h"
#include "config/config_values.h"

namespace tend {
namespace {

using Kind = ConfigProblem::Kind;

// A fresh directory under /tmp, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tend-config-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  // Writes `text` to `name` (which may contain directories) and returns its full path.
  std::string Write(const std::string& name, const std::string& text) const {
    std::string full = path_ + "/" + name;
    for (size_t i = path_.size() + 1; (i = full.find('/', i)) != std::string::npos; ++i)
      mkdir(full.substr(0, i).c_str(), 0755);
    FILE* f = fopen(full.c_str(), "wb");
    fwrite(text.data(), 1, text.size(), f);
    fclose(f);
    return full;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ExpansionContext TestContext() {
  ExpansionContext ctx;
  ctx.environ = {"HOME=/home/test", "NAME=world", "EMPTY=", "SPACED=a b"};
  ctx.host_node_name = "testhost";
  ctx.etc_dir = "tests/config/etc";
  return ctx;
}

struct Loaded {
  Config config;
  std::vector<ConfigProblem> problems;

  // The problems of one kind as "file:line: kind: message".
  std::vector<std::string> Of(Kind kind) const {
    std::vector<std::string> out;
    for (const ConfigProblem& p : problems)
      if (p.kind == kind) out.push_back(p.ToString());
    return out;
  }
  std::string All() const {
    std::string s;
    for (const ConfigProblem& p : problems) s += p.ToString() + "\n";
    return s;
  }
  const ProgramConfig* Find(const std::string& name) const {
    for (const ProgramConfig& p : config.programs)
      if (p.name == name) return &p;
    return nullptr;
  }
  const ProgramConfig& Get(const std::string& name) const {
    const ProgramConfig* p = Find(name);
    EXPECT_NE(nullptr, p) << "no process " << name;
    static const ProgramConfig kEmpty;
    return p ? *p : kEmpty;
  }
};

Loaded LoadPath(const std::string& path, const ExpansionContext& ctx = TestContext()) {
  Loaded l;
  l.config = LoadConfig(path, ctx, &l.problems);
  return l;
}

// Loads `text` as "t.conf" in a temporary directory; problems name it "t.conf".
Loaded Load(const std::string& text, const ExpansionContext& ctx = TestContext()) {
  TempDir dir;
  Loaded l = LoadPath(dir.Write("t.conf", text), ctx);
  std::string prefix = dir.path() + "/";
  for (ConfigProblem& p : l.problems) {
    if (p.where.file.compare(0, prefix.size(), prefix) == 0) p.where.file.erase(0, prefix.size());
    for (size_t i; (i = p.message.find(prefix)) != std::string::npos;)
      p.message.erase(i, prefix.size());
  }
  return l;
}

using Lines = std::vector<std::string>;

// --- ConfigProblem::ToString ---

TEST(ConfigProblemTest, ToString) {
  EXPECT_EQ("a.conf:3: error: bad", (ConfigProblem{Kind::kError, {"a.conf", 3}, "bad"}).ToString());
  EXPECT_EQ("a.conf:3: unavailable: x", (ConfigProblem{Kind::kMachine, {"a.conf", 3}, "x"}).ToString());
  EXPECT_EQ("a.conf:1: warning: x", (ConfigProblem{Kind::kWarning, {"a.conf", 1}, "x"}).ToString());
  EXPECT_EQ("a.conf:1: notice: x", (ConfigProblem{Kind::kNotice, {"a.conf", 1}, "x"}).ToString());
  EXPECT_EQ("a.conf: error: x", (ConfigProblem{Kind::kError, {"a.conf", 0}, "x"}).ToString());
  EXPECT_EQ("error: x", (ConfigProblem{Kind::kError, {}, "x"}).ToString());
}

// --- SplitCommand ---

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

// --- Program keys ---

TEST(ConfigTest, DefaultsFollowTheContract) {
  Loaded l = Load("[program:a]\ncommand = a\n");
  ASSERT_EQ("", l.All());
  ASSERT_EQ(1u, l.config.programs.size());
  const ProgramConfig& p = l.config.programs[0];
  ProgramConfig d;
  EXPECT_EQ("a", p.name);
  EXPECT_EQ("a", p.program_name);
  EXPECT_EQ(0, p.process_num);
  EXPECT_EQ(Lines({"a"}), p.argv);
  EXPECT_EQ("", p.directory);
  EXPECT_TRUE(p.environment.empty());
  EXPECT_EQ("", p.user.name);
  EXPECT_EQ(-1, p.umask);
  EXPECT_TRUE(p.autostart);
  EXPECT_EQ(RestartPolicy::kOnFailure, p.restart);
  EXPECT_EQ(std::vector<int>{0}, p.exitcodes);
  EXPECT_EQ(1000, p.startsecs_ms);
  EXPECT_EQ(3, p.startretries);
  EXPECT_EQ(SIGTERM, p.stopsignal);
  EXPECT_EQ(8000, p.stopwaitsecs_ms);
  EXPECT_TRUE(p.stopasgroup);
  EXPECT_TRUE(p.killasgroup);
  EXPECT_TRUE(p.cleanupgroup);
  EXPECT_EQ(999, p.priority);
  EXPECT_FALSE(p.redirect_stderr);
  EXPECT_EQ(d.stdout_logfile, p.stdout_logfile);
  EXPECT_EQ(d.stdout_logfile_maxbytes, p.stdout_logfile_maxbytes);
  EXPECT_EQ(10, p.stdout_logfile_backups);
  EXPECT_TRUE(p.depends_on.empty());
  EXPECT_EQ(ProgramType::kLongrun, p.type);
  EXPECT_FALSE(p.critical);
  EXPECT_EQ(1000, p.backoff_ms);
  EXPECT_EQ(30000, p.backoff_max_ms);
  EXPECT_FALSE(p.log_prefix.has_value());
  EXPECT_FALSE(p.log_timestamps.has_value());
  EXPECT_EQ(1, p.where.line);
}

TEST(ConfigTest, EveryProgramKey) {
  Loaded l = LoadPath("tests/config/all_keys.conf");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"tests/config/all_keys.conf"}), l.config.files);
  ASSERT_EQ(4u, l.config.programs.size());
  const ProgramConfig& p = l.Get("web");
  EXPECT_EQ("/usr/bin/web --port 8080 \"two words\"", p.command);
  EXPECT_EQ(Lines({"/usr/bin/web", "--port", "8080", "two words"}), p.argv);
  EXPECT_EQ("/srv/web", p.directory);
  EXPECT_EQ(Lines({"A=1", "B=two"}), p.environment);
  EXPECT_EQ("app", p.user.name);
  EXPECT_TRUE(p.user.resolved);
  EXPECT_EQ(027, p.umask);
  EXPECT_FALSE(p.autostart);
  EXPECT_EQ(RestartPolicy::kAlways, p.restart);
  EXPECT_EQ(std::vector<int>({0, 2}), p.exitcodes);
  EXPECT_EQ(500, p.startsecs_ms);
  EXPECT_EQ(-1, p.startretries);
  EXPECT_EQ(SIGQUIT, p.stopsignal);
  EXPECT_EQ(20000, p.stopwaitsecs_ms);
  EXPECT_FALSE(p.stopasgroup);
  EXPECT_FALSE(p.killasgroup);
  EXPECT_FALSE(p.cleanupgroup);
  EXPECT_EQ(10, p.priority);
  EXPECT_TRUE(p.redirect_stderr);
  EXPECT_EQ("/var/log/web.log", p.stdout_logfile);
  EXPECT_EQ(10 * 1024 * 1024, p.stdout_logfile_maxbytes);
  EXPECT_EQ(3, p.stdout_logfile_backups);
  EXPECT_EQ("", p.stderr_logfile);
  EXPECT_EQ(1024, p.stderr_logfile_maxbytes);
  EXPECT_EQ(0, p.stderr_logfile_backups);
  EXPECT_EQ(Lines({"db", "cache"}), p.depends_on);
  EXPECT_EQ(ProgramType::kOneshot, p.type);
  EXPECT_TRUE(p.critical);
  EXPECT_EQ(2000, p.backoff_ms);
  EXPECT_EQ(60000, p.backoff_max_ms);
  EXPECT_EQ(std::optional<std::string>("{name}>"), p.log_prefix);
  EXPECT_EQ(std::optional<bool>(true), p.log_timestamps);
  EXPECT_EQ(2, p.where.line);

  const ProgramConfig& db = l.Get("db");
  EXPECT_EQ(RestartPolicy::kNever, db.restart);
  EXPECT_EQ("NONE", db.stderr_logfile);

  EXPECT_EQ(nullptr, l.Find("cache"));
  EXPECT_EQ(5, l.Get("cache-5").process_num);
  EXPECT_EQ(6, l.Get("cache-6").process_num);
  EXPECT_EQ("cache", l.Get("cache-6").program_name);
  EXPECT_FALSE(db.log_prefix.has_value());
  EXPECT_FALSE(db.log_timestamps.has_value());

  const TendSettings& t = l.config.tend;
  EXPECT_EQ("[{name} {pid} {stream}] ", t.log_prefix);
  EXPECT_TRUE(t.log_timestamps);
  EXPECT_EQ(1024 * 1024, t.log_max_line);
  EXPECT_TRUE(t.log_overflow_drop);
  EXPECT_EQ(0, t.log_buffer);
  EXPECT_EQ(44, t.where.line);
}

TEST(ConfigTest, BooleansAndEnumsIgnoreCase) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nautostart=No\nstopasgroup=OFF\ncritical=1\nautorestart=UNEXPECTED\n"
      "[program:b]\ncommand=b\nautostart=YES\nautorestart=False\ntype=OneShot\nstdout_logfile="
      "auto\n"
      "[program:c]\ncommand=c\nrestart=Always\nstderr_logfile=off\n");
  ASSERT_EQ("", l.All());
  EXPECT_FALSE(l.Get("a").autostart);
  EXPECT_FALSE(l.Get("a").stopasgroup);
  EXPECT_FALSE(l.Get("a").killasgroup);  // Follows stopasgroup, as in supervisord.
  EXPECT_TRUE(l.Get("a").critical);
  EXPECT_EQ(RestartPolicy::kOnFailure, l.Get("a").restart);
  EXPECT_TRUE(l.Get("b").autostart);
  EXPECT_EQ(RestartPolicy::kNever, l.Get("b").restart);
  EXPECT_EQ(ProgramType::kOneshot, l.Get("b").type);
  EXPECT_EQ("AUTO", l.Get("b").stdout_logfile);
  EXPECT_EQ(RestartPolicy::kAlways, l.Get("c").restart);
  EXPECT_EQ("NONE", l.Get("c").stderr_logfile);
}

TEST(ConfigTest, NumbersDurationsAndSizes) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nstartsecs=10\nstopwaitsecs=1m30s\nstartretries=0\npriority=-5\n"
      "stdout_logfile_maxbytes=0\nstderr_logfile_maxbytes=2gb\nexitcodes=\numask=0o022\n");
  ASSERT_EQ("", l.All());
  const ProgramConfig& p = l.Get("a");
  EXPECT_EQ(10000, p.startsecs_ms);
  EXPECT_EQ(90000, p.stopwaitsecs_ms);
  EXPECT_EQ(0, p.startretries);
  EXPECT_EQ(-5, p.priority);
  EXPECT_EQ(0, p.stdout_logfile_maxbytes);
  EXPECT_EQ(2LL * 1024 * 1024 * 1024, p.stderr_logfile_maxbytes);
  EXPECT_TRUE(p.exitcodes.empty());
  EXPECT_EQ(022, p.umask);
}

TEST(ConfigTest, SignalsByNameOrNumber) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nstopsignal=int\n[program:b]\ncommand=b\nstopsignal=SIGHUP\n"
      "[program:c]\ncommand=c\nstopsignal=9\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(SIGINT, l.Get("a").stopsignal);
  EXPECT_EQ(SIGHUP, l.Get("b").stopsignal);
  EXPECT_EQ(SIGKILL, l.Get("c").stopsignal);
}

TEST(ConfigTest, KillasgroupRules) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nkillasgroup=false\n"
      "[program:b]\ncommand=b\nstopasgroup=true\nkillasgroup=false\n");
  // killasgroup=false alone turns the default stopasgroup off too.
  EXPECT_FALSE(l.Get("a").stopasgroup);
  EXPECT_FALSE(l.Get("a").killasgroup);
  EXPECT_EQ(Lines({"t.conf:7: error: killasgroup = false contradicts stopasgroup = true (a "
                   "group asked to stop must also be killed as a group)"}),
            l.Of(Kind::kError));
}

TEST(ConfigTest, EnvironmentSyntax) {
  // F=k=v: the second '=' is a separate token, as supervisord's shlex reads it.
  EXPECT_EQ(
      "t.conf:3: error: bad environment \"F=k=v\": expected KEY=value pairs separated by "
      "commas near \"=\" (quote values that hold other characters than letters, digits and "
      "_/.+-():)",
      Load("[program:a]\ncommand=a\nenvironment=F=k=v\n").Of(Kind::kError).at(0));
}

TEST(ConfigTest, EnvironmentValues) {
  Loaded l = Load(
      "[program:a]\ncommand=a\n"
      "environment=A=1,B=\"x,y\",C='it is',D=/usr/bin:/bin,E=\"\",A=again\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"A=again", "B=x,y", "C=it is", "D=/usr/bin:/bin", "E="}),
            l.Get("a").environment);
}

TEST(ConfigTest, SupervisordEnvironmentAppliesToEveryProgram) {
  Loaded l = Load(
      "[supervisord]\nenvironment=G=global,SHARED=global\n"
      "[program:a]\ncommand=echo %(ENV_G)s %(ENV_OWN)s\nenvironment=SHARED=own,OWN=mine\n"
      "[program:b]\ncommand=b\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"G=global", "SHARED=own", "OWN=mine"}), l.Get("a").environment);
  EXPECT_EQ(Lines({"echo", "global", "mine"}), l.Get("a").argv);
  EXPECT_EQ(Lines({"G=global", "SHARED=global"}), l.Get("b").environment);
}

TEST(ConfigTest, UserResolution) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nuser=app\n[program:b]\ncommand=b\nuser=33\n"
      "[program:c]\ncommand=c\nuser=root\n");
  ASSERT_EQ("", l.All());
  const UserSpec& a = l.Get("a").user;
  EXPECT_TRUE(a.resolved);
  EXPECT_EQ("app", a.name);
  EXPECT_EQ(1000u, a.uid);
  EXPECT_EQ(1000u, a.gid);
  EXPECT_EQ(std::vector<gid_t>({1000, 4, 999}), a.groups);
  EXPECT_EQ("/home/app", a.home);
  EXPECT_EQ("/bin/sh", a.shell);
  const UserSpec& b = l.Get("b").user;
  EXPECT_EQ("33", b.name);
  EXPECT_EQ(33u, b.uid);
  EXPECT_EQ(std::vector<gid_t>({33}), b.groups);
  EXPECT_EQ("/var/www", b.home);
  EXPECT_EQ(0u, l.Get("c").user.uid);
}

TEST(ConfigTest, UnknownUserIsAMachineProblem) {
  Loaded l = Load("[program:a]\ncommand=a\nuser=nobody\n[program:b]\ncommand=b\nuser=4242\n");
  EXPECT_TRUE(l.Of(Kind::kError).empty()) << l.All();
  EXPECT_EQ(Lines({"t.conf:3: unavailable: user: unknown user nobody (not in tests/config/etc/passwd)",
                   "t.conf:6: unavailable: user: unknown uid 4242 (not in tests/config/etc/passwd)"}),
            l.Of(Kind::kMachine));
  EXPECT_EQ("nobody", l.Get("a").user.name);
  EXPECT_FALSE(l.Get("a").user.resolved);
}

// --- [tend] and the programs' log keys ---

TEST(ConfigTendTest, Defaults) {
  Loaded l = Load("[program:a]\ncommand=a\n");
  ASSERT_EQ("", l.All());
  const TendSettings& t = l.config.tend;
  EXPECT_EQ("{name} | ", t.log_prefix);
  EXPECT_FALSE(t.log_timestamps);
  EXPECT_EQ(16 * 1024, t.log_max_line);
  EXPECT_FALSE(t.log_overflow_drop);
  EXPECT_EQ(64 * 1024, t.log_buffer);
  EXPECT_EQ("", t.where.file);
  // An empty [tend] changes nothing but where it is.
  Loaded e = Load("[program:a]\ncommand=a\n[tend]\n");
  ASSERT_EQ("", e.All());
  EXPECT_EQ("{name} | ", e.config.tend.log_prefix);
  EXPECT_EQ(64 * 1024, e.config.tend.log_buffer);
  EXPECT_EQ(3, e.config.tend.where.line);
}

TEST(ConfigTendTest, Values) {
  Loaded l = Load(
      "[tend]\nlog_prefix = {stream}:{pid}:{name}|\nlog_timestamps = TRUE\n"
      "log_max_line = 128\nlog_overflow = Block\nlog_buffer = 64MB\n");
  ASSERT_EQ("", l.All());
  const TendSettings& t = l.config.tend;
  EXPECT_EQ("{stream}:{pid}:{name}|", t.log_prefix);
  EXPECT_TRUE(t.log_timestamps);
  EXPECT_EQ(128, t.log_max_line);
  EXPECT_FALSE(t.log_overflow_drop);
  EXPECT_EQ(64 * 1024 * 1024, t.log_buffer);

  Loaded m = Load("[tend]\nlog_max_line = 16kb\nlog_overflow = DROP\nlog_buffer = 1024\n");
  ASSERT_EQ("", m.All());
  EXPECT_EQ(16 * 1024, m.config.tend.log_max_line);
  EXPECT_TRUE(m.config.tend.log_overflow_drop);
  EXPECT_EQ(1024, m.config.tend.log_buffer);
}

TEST(ConfigTendTest, EmptyPrefixMeansNone) {
  for (const char* line : {"log_prefix=", "log_prefix =", "log_prefix = \"\"", "log_prefix=''"}) {
    Loaded l = Load(std::string("[tend]\n") + line + "\n[program:a]\ncommand=a\n" + line + "\n");
    ASSERT_EQ("", l.All()) << line;
    EXPECT_EQ("", l.config.tend.log_prefix) << line;
    EXPECT_EQ(std::optional<std::string>(""), l.Get("a").log_prefix) << line;
  }
}

TEST(ConfigTendTest, QuotesKeepSpacesAtTheEnds) {
  Loaded l = Load(
      "[tend]\nlog_prefix = \" {name} | \"\n"
      "[program:a]\ncommand=a\nlog_prefix = '{name}: '\n"
      "[program:b]\ncommand=b\nlog_prefix = \"{name}' \n"
      "[program:c]\ncommand=c\nlog_prefix = say \"{name}\"\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(" {name} | ", l.config.tend.log_prefix);
  EXPECT_EQ(std::optional<std::string>("{name}: "), l.Get("a").log_prefix);
  // Only matching quotes around the whole value are removed.
  EXPECT_EQ(std::optional<std::string>("\"{name}'"), l.Get("b").log_prefix);
  EXPECT_EQ(std::optional<std::string>("say \"{name}\""), l.Get("c").log_prefix);
}

TEST(ConfigTendTest, BracesThatAreNotPlaceholdersAreText) {
  Loaded l = Load("[tend]\nlog_prefix = {} { name } {a-b} {{name}} {\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ("{} { name } {a-b} {{name}} {", l.config.tend.log_prefix);
}

TEST(ConfigTendTest, Errors) {
  Loaded l = Load(
      "[tend]\nlog_prefix = {name} {foo} |\nlog_timestamps = sometimes\nlog_max_line = 127\n"
      "log_overflow = wait\nlog_buffer = 65MB\n"
      "[program:a]\ncommand=a\nlog_prefix = [{Name}]\nlog_timestamps = 2\n");
  EXPECT_EQ(
      Lines({
          "t.conf:2: error: bad log_prefix \"{name} {foo} |\": unknown placeholder {foo} "
          "(known: {name}, {pid}, {stream})",
          "t.conf:3: error: bad log_timestamps \"sometimes\": not a boolean (true, false, yes, "
          "no, on, off, 1, 0)",
          "t.conf:4: error: bad log_max_line \"127\": not between 128 and 1MB",
          "t.conf:5: error: bad log_overflow \"wait\": not block or drop",
          "t.conf:6: error: bad log_buffer \"65MB\": not between 0 and 64MB",
          "t.conf:9: error: bad log_prefix \"[{Name}]\": unknown placeholder {Name} (known: "
          "{name}, {pid}, {stream})",
          "t.conf:10: error: bad log_timestamps \"2\": not a boolean (true, false, yes, no, on, "
          "off, 1, 0)",
      }),
      l.Of(Kind::kError));
  // A bad value leaves the default.
  EXPECT_EQ("{name} | ", l.config.tend.log_prefix);
  EXPECT_EQ(16 * 1024, l.config.tend.log_max_line);
  EXPECT_FALSE(l.Get("a").log_prefix.has_value());
}

TEST(ConfigTendTest, SizeErrors) {
  Loaded l = Load("[tend]\nlog_max_line = lots\nlog_buffer = -1\n");
  EXPECT_EQ(Lines({"t.conf:2: error: bad log_max_line \"lots\": not a size such as 1024, 10KB, "
                   "50MB or 1GB",
                   "t.conf:3: error: bad log_buffer \"-1\": not a size such as 1024, 10KB, 50MB "
                   "or 1GB"}),
            l.Of(Kind::kError));
  EXPECT_EQ(Lines({"t.conf:2: error: bad log_max_line \"1025KB\": not between 128 and 1MB"}),
            Load("[tend]\nlog_max_line = 1025KB\n").Of(Kind::kError));
  EXPECT_EQ(Lines({"t.conf:2: error: bad log_max_line \"0\": not between 128 and 1MB"}),
            Load("[tend]\nlog_max_line = 0\n").Of(Kind::kError));
  EXPECT_EQ(Lines({"t.conf:2: error: bad log_buffer \"1GB\": not between 0 and 64MB"}),
            Load("[tend]\nlog_buffer = 1GB\n").Of(Kind::kError));
}

TEST(ConfigTendTest, ProgramOverrides) {
  Loaded l = Load(
      "[tend]\nlog_prefix = {name} |\nlog_timestamps = true\n"
      "[program:a]\ncommand=a\nlog_prefix = %(program_name)s/{pid}>\nlog_timestamps = false\n"
      "[program:b]\ncommand=b\n");
  ASSERT_EQ("", l.All());
  EXPECT_EQ("{name} |", l.config.tend.log_prefix);
  EXPECT_TRUE(l.config.tend.log_timestamps);
  EXPECT_EQ(std::optional<std::string>("a/{pid}>"), l.Get("a").log_prefix);
  EXPECT_EQ(std::optional<bool>(false), l.Get("a").log_timestamps);
  EXPECT_FALSE(l.Get("b").log_prefix.has_value());
  EXPECT_FALSE(l.Get("b").log_timestamps.has_value());
}

TEST(ConfigTendTest, Expansions) {
  ExpansionContext ctx = TestContext();
  ctx.environ.push_back("BUF=2KB");
  Loaded l = Load(
      "[supervisord]\nenvironment=SEP=\">\"\n"
      "[tend]\nlog_prefix = ${NAME}{name}%(ENV_SEP)s%(host_node_name)s %%\n"
      "log_buffer = ${BUF}\nlog_max_line = ${UNSET:-256}\n",
      ctx);
  ASSERT_EQ("", l.All());
  EXPECT_EQ("world{name}>testhost %", l.config.tend.log_prefix);
  EXPECT_EQ(2048, l.config.tend.log_buffer);
  EXPECT_EQ(256, l.config.tend.log_max_line);

  // No program names in [tend]; an undefined %(ENV_X)s leaves the default.
  Loaded bad = Load("[tend]\nlog_prefix = %(program_name)s\nlog_buffer = %(ENV_NOPE)s\n");
  EXPECT_EQ(Lines({"t.conf:2: error: log_prefix: unknown name in %(program_name) (known: here, "
                   "host_node_name, ENV_<variable>)"}),
            bad.Of(Kind::kError));
  EXPECT_EQ(Lines({"t.conf:3: unavailable: log_buffer: undefined variable NOPE in %(ENV_NOPE)s"}),
            bad.Of(Kind::kMachine));
  EXPECT_EQ(64 * 1024, bad.config.tend.log_buffer);
}

TEST(ConfigTendTest, AnyFileLastValueWins) {
  TempDir dir;
  dir.Write("a.conf", "[program:a]\ncommand=a\n[tend]\nlog_buffer=1KB\nlog_overflow=drop\n");
  dir.Write("b.conf", "[tend]\nlog_buffer=2KB\n");
  Loaded l = LoadPath(dir.path());
  EXPECT_EQ(Lines({dir.path() + "/b.conf:2: warning: duplicate key log_buffer (also at " +
                   dir.path() + "/a.conf:4); the last one wins"}),
            l.Of(Kind::kWarning));
  EXPECT_EQ(2048, l.config.tend.log_buffer);
  EXPECT_TRUE(l.config.tend.log_overflow_drop);
  EXPECT_EQ(dir.path() + "/a.conf", l.config.tend.where.file);
  EXPECT_EQ(3, l.config.tend.where.line);
}

TEST(ConfigTendTest, KeysInTheWrongSection) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nlog_max_line=1KB\nlog_buffer=0\n"
      "[tend]\nlog_prefix=x\nautostart=false\n");
  EXPECT_EQ(Lines({"t.conf:3: warning: log_max_line belongs in [tend], not in [program:a]; "
                   "ignored",
                   "t.conf:4: warning: log_buffer belongs in [tend], not in [program:a]; ignored",
                   "t.conf:7: warning: autostart belongs in [program:x], not in [tend]; ignored"}),
            l.Of(Kind::kWarning));
  EXPECT_TRUE(l.Of(Kind::kError).empty()) << l.All();
  EXPECT_EQ(64 * 1024, l.config.tend.log_buffer);
  EXPECT_EQ("x", l.config.tend.log_prefix);
}

// --- Errors, each with its file:line ---

TEST(ConfigErrorTest, MissingCommand) {
  EXPECT_EQ(Lines({"t.conf:2: error: [program:web] has no command"}),
            Load("\n[program:web]\nautostart=true\n").Of(Kind::kError));
}

TEST(ConfigErrorTest, EmptyCommand) {
  EXPECT_EQ(Lines({"t.conf:2: error: bad command \"\": empty command"}),
            Load("[program:a]\ncommand=\n").Of(Kind::kError));
}

TEST(ConfigErrorTest, BadValues) {
  Loaded l = Load(
      "[program:a]\ncommand=a\npriority=high\nstartsecs=soon\nautostart=maybe\n"
      "stopsignal=FOO\numask=089\nexitcodes=0,256\nstartretries=-1\nnumprocs=x\n"
      "autorestart=sometimes\nrestart=always-ish\ntype=daemon\nstdout_logfile_maxbytes=1TB\n");
  EXPECT_EQ(
      Lines({
          "t.conf:3: error: bad priority \"high\": not an integer",
          "t.conf:4: error: bad startsecs \"soon\": expected a number such as 10s, 500ms or 2m",
          "t.conf:5: error: bad autostart \"maybe\": not a boolean (true, false, yes, no, on, "
          "off, 1, 0)",
          "t.conf:6: error: bad stopsignal \"FOO\": unknown signal",
          "t.conf:7: error: bad umask \"089\": not an octal mask such as 022 (at most 0777)",
          "t.conf:8: error: bad exitcodes \"0,256\": not a comma-separated list of exit codes "
          "0..255",
          "t.conf:9: error: bad startretries \"-1\": not a count (an integer >= 0 or infinite)",
          "t.conf:10: error: bad numprocs \"x\": not an integer",
          "t.conf:11: error: bad autorestart \"sometimes\": not true, false or unexpected",
          "t.conf:12: error: bad restart \"always-ish\": not always, on-failure or never",
          "t.conf:13: error: bad type \"daemon\": not longrun or oneshot",
          "t.conf:14: error: bad stdout_logfile_maxbytes \"1TB\": not a size such as 1024, "
          "10KB, 50MB or 1GB",
      }),
      l.Of(Kind::kError));
}

TEST(ConfigErrorTest, UnterminatedQuoteInCommand) {
  EXPECT_EQ(Lines({"t.conf:2: error: bad command \"echo 'abc\": unterminated single quote"}),
            Load("[program:a]\ncommand=echo 'abc\n").Of(Kind::kError));
}

TEST(ConfigErrorTest, ProcessNameWithoutProcessNum) {
  EXPECT_EQ(Lines({"t.conf:1: error: %(process_num) must be present within process_name when "
                   "numprocs > 1"}),
            Load("[program:a]\ncommand=a\nnumprocs=2\n").Of(Kind::kError));
  EXPECT_EQ(Lines({"t.conf:4: error: %(process_num) must be present within process_name when "
                   "numprocs > 1"}),
            Load("[program:a]\ncommand=a\nnumprocs=2\nprocess_name=%(program_name)s_x\n")
                .Of(Kind::kError));
}

TEST(ConfigErrorTest, BadNames) {
  Loaded l = Load("[program:a b]\ncommand=a\n[program:c]\ncommand=c\nprocess_name=c/1\n");
  EXPECT_EQ(Lines({"t.conf:1: error: bad program name \"a b\": must not be empty or contain a "
                   "space, \":\" or \"/\"",
                   "t.conf:5: error: bad process_name \"c/1\": must not be empty or contain a "
                   "space, \":\" or \"/\""}),
            l.Of(Kind::kError));
}

TEST(ConfigErrorTest, DuplicateProcessNames) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nprocess_name=same\n"
      "[program:b]\ncommand=b\nprocess_name=same\n");
  EXPECT_EQ(Lines({"t.conf:4: error: duplicate process name \"same\" (also in program a at "
                   "t.conf:1)"}),
            l.Of(Kind::kError));
}

TEST(ConfigErrorTest, DependsOnUnknownProgram) {
  Loaded l = Load("[program:a]\ncommand=a\ndepends_on = b, db\n[program:b]\ncommand=b\n");
  EXPECT_EQ(Lines({"t.conf:3: error: depends_on names unknown program \"db\""}),
            l.Of(Kind::kError));
}

TEST(ConfigErrorTest, DependencyCycles) {
  Loaded l = Load(
      "[program:a]\ncommand=a\ndepends_on=b\n"
      "[program:b]\ncommand=b\ndepends_on=c a\n"
      "[program:c]\ncommand=c\n"
      "[program:d]\ncommand=d\ndepends_on=d\n");
  EXPECT_EQ(Lines({"t.conf:3: error: dependency cycle: a -> b -> a",
                   "t.conf:11: error: dependency cycle: d -> d"}),
            l.Of(Kind::kError));
}

TEST(ConfigErrorTest, DependsOnNamesProgramsNotProcesses) {
  Loaded l = Load(
      "[program:w]\ncommand=w\nnumprocs=2\nprocess_name=w_%(process_num)d\n"
      "[program:a]\ncommand=a\ndepends_on=w\n");
  EXPECT_EQ("", l.All());
}

TEST(ConfigErrorTest, SyntaxErrorsAreAllReported) {
  Loaded l = Load(
      "orphan = 1\n[program:a\n[program:b]\ncommand=b\njust words\n= nokey\n[]\n"
      "[program:c]\ncommand=c\n");
  EXPECT_EQ(Lines({"t.conf:1: error: key orphan is outside any [section]",
                   "t.conf:2: error: bad section header \"[program:a\" (expected [name])",
                   "t.conf:5: error: expected \"key = value\" or \"[section]\", not \"just "
                   "words\"",
                   "t.conf:6: error: missing key before \"=\"",
                   "t.conf:7: error: bad section header \"[]\" (expected [name])"}),
            l.Of(Kind::kError));
  EXPECT_NE(nullptr, l.Find("b"));
  EXPECT_NE(nullptr, l.Find("c"));
}

TEST(ConfigErrorTest, UnreadablePath) {
  Loaded l = LoadPath("tests/config/does-not-exist.conf");
  EXPECT_EQ(Lines({"tests/config/does-not-exist.conf: error: unable to read: No such file or "
                   "directory"}),
            l.Of(Kind::kError));
}

// --- Warnings and notices ---

TEST(ConfigWarningTest, Keys) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nfoo=1\nstdout_events_enabled=true\nstartinorder=true\n"
      "nodaemon=true\n[unix_http_server]\nfile=/tmp/s.sock\nnodaemon=true\n"
      "[tend]\ncommand=x\n[supervisord]\nexitcodes=1\n");
  EXPECT_EQ(Lines({"t.conf:3: warning: unknown key foo in [program:a]; ignored",
                   "t.conf:4: warning: stdout_events_enabled is not supported; ignored",
                   "t.conf:5: warning: startinorder is not supported; ignored",
                   "t.conf:6: warning: nodaemon belongs in [supervisord], not in [program:a]; "
                   "ignored",
                   "t.conf:9: warning: nodaemon belongs in [supervisord], not in "
                   "[unix_http_server]; ignored",
                   "t.conf:11: warning: command belongs in [program:x], not in [tend]; ignored",
                   "t.conf:13: warning: exitcodes belongs in [program:x], not in [supervisord]; "
                   "ignored"}),
            l.Of(Kind::kWarning));
  EXPECT_TRUE(l.Of(Kind::kError).empty()) << l.All();
  EXPECT_EQ(10, l.config.tend.where.line);
}

// Scripts written for supervisord look for its pidfile: tend writes its own pid there.
TEST(ConfigTest, SupervisordPidfileIsTends) {
  Loaded l = Load("[supervisord]\nnodaemon=true\npidfile=%(here)s/run/supervisord.pid\n"
                  "[program:a]\ncommand=a\n");
  EXPECT_TRUE(l.Of(Kind::kError).empty()) << l.All();
  EXPECT_EQ(std::string::npos, l.config.tend.pidfile.find("%(here)s"));
  EXPECT_EQ("/run/supervisord.pid",
            l.config.tend.pidfile.substr(l.config.tend.pidfile.size() - 20));
  EXPECT_EQ("", Load("[program:a]\ncommand=a\n").config.tend.pidfile);
}

TEST(ConfigWarningTest, Sections) {
  Loaded l = Load(
      "[supervisord]\nnodaemon=true\nenvironment=A=1\n[supervisorctl]\n[inet_http_server]\n"
      "port=9001\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory=x:y\n"
      "[group:g]\nprograms=a\npriority=5\n[eventlistener:quit]\nevents=PROCESS_STATE_FATAL\n"
      "command=x\n[eventlistener:tick]\nevents=TICK_60\n[fcgi-program:f]\ncommand=f\n"
      "[frobnicate]\nx=1\n[program:a]\ncommand=a\n");
  EXPECT_EQ(Lines({
                "t.conf:1: notice: [supervisord]: tend uses only environment and pidfile here; "
                "the other keys are ignored",
                "t.conf:4: notice: [supervisorctl] is for supervisord's control interface; ignored",
                "t.conf:5: notice: [inet_http_server] is for supervisord's control interface; "
                "ignored",
                "t.conf:7: notice: [rpcinterface:supervisor] is for supervisord's control "
                "interface; ignored",
                "t.conf:12: notice: [eventlistener:quit] is not supported; ignored (to stop when a "
                "program fails, set critical = true on that program instead)",
                "t.conf:15: notice: [eventlistener:tick] is not supported; ignored",
            }),
            l.Of(Kind::kNotice));
  EXPECT_EQ(Lines({"t.conf:17: warning: [fcgi-program:f] is not supported; ignored",
                   "t.conf:19: warning: unknown section [frobnicate]; ignored"}),
            l.Of(Kind::kWarning));
  EXPECT_TRUE(l.Of(Kind::kError).empty());
  EXPECT_EQ(Lines({"A=1"}), l.Get("a").environment);
}

TEST(ConfigWarningTest, DuplicateKeysLastWins) {
  Loaded l = Load("[program:a]\ncommand=a\nstartsecs=10\ndirectory=/x\nstartsecs=0\n");
  EXPECT_EQ(Lines({"t.conf:5: warning: duplicate key startsecs (also at t.conf:3); the last "
                   "one wins"}),
            l.Of(Kind::kWarning));
  EXPECT_EQ(0, l.Get("a").startsecs_ms);
}

TEST(ConfigWarningTest, SectionsWithTheSameNameAreMerged) {
  Loaded l = Load("[program:a]\ncommand=a\n[program:b]\ncommand=b\n[program:a]\npriority=5\n");
  ASSERT_EQ("", l.All());
  ASSERT_EQ(2u, l.config.programs.size());
  EXPECT_EQ("a", l.config.programs[0].name);
  EXPECT_EQ(5, l.config.programs[0].priority);
}

TEST(ConfigWarningTest, AutorestartAndRestartTogether) {
  Loaded l = Load("[program:a]\ncommand=a\nrestart=never\nautorestart=true\n");
  EXPECT_EQ(Lines({"t.conf:4: warning: autorestart and restart (at t.conf:3) set the same "
                   "thing; this line wins"}),
            l.Of(Kind::kWarning));
  EXPECT_EQ(RestartPolicy::kAlways, l.Get("a").restart);
}

TEST(ConfigWarningTest, RedirectStderrVoidsStderrLogfile) {
  Loaded l = Load("[program:a]\ncommand=a\nredirect_stderr=true\nstderr_logfile=/x.log\n");
  EXPECT_EQ(Lines({"t.conf:4: warning: stderr_logfile is ignored: redirect_stderr = true sends "
                   "stderr to stdout's destination"}),
            l.Of(Kind::kWarning));
  EXPECT_EQ("", l.Get("a").stderr_logfile);
}

// --- The INI layer ---

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

// --- Expansions ---

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

// --- Files: includes and directories ---

TEST(ConfigFilesTest, IncludeGlobsRelativeToTheIncludingFile) {
  Loaded l = LoadPath("tests/config/include/main.conf");
  EXPECT_EQ(Lines({"tests/config/include/main.conf", "tests/config/include/conf.d/a.conf",
                   "tests/config/include/conf.d/b.conf", "tests/config/include/sub/other.conf"}),
            l.config.files);
  std::vector<std::string> names;
  for (const ProgramConfig& p : l.config.programs) names.push_back(p.name);
  EXPECT_EQ(Lines({"main", "a", "b", "other"}), names);
  EXPECT_EQ(Lines({"tests/config/include/main.conf:6: notice: no file matches "
                   "tests/config/include/nothing/*.conf"}),
            l.Of(Kind::kNotice));
  EXPECT_EQ(Lines({"tests/config/include/conf.d/a.conf:6: warning: include loop: "
                   "tests/config/include/conf.d/../main.conf is being read; not read again"}),
            l.Of(Kind::kWarning));
  EXPECT_TRUE(l.Of(Kind::kError).empty());
}

TEST(ConfigFilesTest, DirectoryInByteOrder) {
  Loaded l = LoadPath("tests/config/dir");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"tests/config/dir/10-first.conf", "tests/config/dir/2-second.conf"}),
            l.config.files);
  ASSERT_EQ(2u, l.config.programs.size());
  EXPECT_EQ("first", l.config.programs[0].name);
  EXPECT_EQ("second", l.config.programs[1].name);
}

TEST(ConfigFilesTest, GlobPaths) {
  std::string d = "tests/config/dir/";
  EXPECT_EQ(Lines({d + "10-first.conf", d + "2-second.conf"}), GlobPaths(d + "*.conf"));
  EXPECT_EQ(Lines({d + "10-first.conf", d + "2-second.conf", d + "notes.txt"}), GlobPaths(d + "*"));
  EXPECT_EQ(Lines({d + ".hidden.conf"}), GlobPaths(d + ".*.conf"));
  EXPECT_EQ(Lines({d + "2-second.conf"}), GlobPaths(d + "?-*"));
  EXPECT_EQ(Lines({d + "10-first.conf", d + "2-second.conf"}), GlobPaths(d + "[12]*.conf"));
  EXPECT_EQ(Lines({d + "2-second.conf", d + "notes.txt"}), GlobPaths(d + "[!1]*"));
  EXPECT_EQ(Lines({d + "notes.txt"}), GlobPaths(d + "[m-o]otes.t?t"));
  EXPECT_EQ(Lines({d + "notes.txt"}), GlobPaths(d + "notes.txt"));
  EXPECT_EQ(Lines{}, GlobPaths(d + "missing.txt"));
  EXPECT_EQ(Lines{}, GlobPaths(d + "*.nothing"));
  EXPECT_EQ(Lines({"tests/config/include/conf.d/a.conf", "tests/config/include/conf.d/b.conf",
                   "tests/config/include/sub/other.conf"}),
            GlobPaths("tests/config/include/*/*.conf"));
  std::string abs = AbsolutePath(d);
  EXPECT_EQ(Lines({abs + "/10-first.conf"}), GlobPaths(abs + "//1*.conf"));
}

TEST(ConfigFilesTest, AbsolutePath) {
  EXPECT_EQ("/x/y", AbsolutePath("/x//y/"));
  EXPECT_EQ("/a/c", AbsolutePath("/a/./b/../c"));
  EXPECT_EQ("/", AbsolutePath("/.."));
  EXPECT_EQ(AbsolutePath(".") + "/tests", AbsolutePath("tests/config/.."));
  EXPECT_EQ('/', AbsolutePath("x")[0]);
}

TEST(ConfigFilesTest, AFileIsReadOnce) {
  TempDir dir;
  dir.Write("a.conf", "[program:a]\ncommand=a\n[include]\nfiles=b.conf\n");
  dir.Write("b.conf", "[program:b]\ncommand=b\n");
  Loaded l = LoadPath(dir.path());
  EXPECT_EQ(Lines({dir.path() + "/a.conf", dir.path() + "/b.conf"}), l.config.files);
  EXPECT_EQ(Lines({dir.path() + "/b.conf: notice: " + dir.path() +
                   "/b.conf was already read; not read again"}),
            l.Of(Kind::kNotice));
  EXPECT_EQ(2u, l.config.programs.size());
}

TEST(ConfigFilesTest, EmptyDirectory) {
  TempDir dir;
  Loaded l = LoadPath(dir.path());
  EXPECT_EQ(Lines({dir.path() + ": warning: no *.conf file in this directory"}),
            l.Of(Kind::kWarning));
}

TEST(ConfigFilesTest, ProblemsComeInFileOrder) {
  TempDir dir;
  dir.Write("a.conf", "[program:a]\ncommand=a\ndepends_on=b\nbogus=1\n");
  dir.Write("b.conf", "[program:b]\ncommand=b\ndepends_on=a\nbogus=2\n");
  Loaded l = LoadPath(dir.path());
  ASSERT_EQ(3u, l.problems.size()) << l.All();
  // The cycle is found last but is at a.conf:3, before the unknown keys.
  EXPECT_EQ(dir.path() + "/a.conf:3: error: dependency cycle: a -> b -> a",
            l.problems[0].ToString());
  EXPECT_EQ(dir.path() + "/a.conf", l.problems[1].where.file);
  EXPECT_EQ(dir.path() + "/b.conf", l.problems[2].where.file);
}

// --- SameRun ---

TEST(SameRunTest, ComparesWhatTheProcessIsMadeOf) {
  Loaded l = Load("[program:a]\ncommand=a --x\nuser=app\nenvironment=A=1\n");
  const ProgramConfig& a = l.Get("a");
  EXPECT_TRUE(a.SameRun(a));
  ProgramConfig b = a;
  b.where.line = 40;
  b.autostart = false;
  b.priority = 1;
  b.restart = RestartPolicy::kNever;
  b.stopwaitsecs_ms = 1;
  b.depends_on = {"x"};
  b.critical = true;
  EXPECT_TRUE(a.SameRun(b));
  auto differs = [&](void (*change)(ProgramConfig*)) {
    ProgramConfig c = a;
    change(&c);
    return !a.SameRun(c);
  };
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->argv.push_back("--y"); }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->environment.push_back("B=2"); }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->user.uid = 0; }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->directory = "/tmp"; }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->umask = 0; }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->stdout_logfile = "/x"; }));
  EXPECT_TRUE(differs([](ProgramConfig* c) { c->type = ProgramType::kOneshot; }));
}

TEST(SameRunTest, IgnoresHowLinesAreShown) {
  Loaded l = Load("[program:a]\ncommand=a\n");
  Loaded changed = Load("[program:a]\ncommand=a\nlog_prefix={pid} |\nlog_timestamps=true\n");
  ASSERT_EQ("", changed.All());
  EXPECT_TRUE(l.Get("a").SameRun(changed.Get("a")));
  EXPECT_TRUE(changed.Get("a").SameRun(l.Get("a")));
  ProgramConfig c = changed.Get("a");
  c.log_prefix = "";
  c.log_timestamps = false;
  EXPECT_TRUE(changed.Get("a").SameRun(c));
}

// --- FormatPrograms ---

TEST(FormatProgramsTest, OneLinePerProcess) {
  Loaded l = Load(
      "[program:web]\ncommand=/bin/web --name \"a b\"\nuser=app\ndepends_on=db,cache\n"
      "[program:db]\ncommand=db\ntype=oneshot\nautostart=false\n[program:cache]\ncommand=c\n");
  EXPECT_EQ(
      "NAME   TYPE     USER  AUTOSTART  DEPENDS_ON  COMMAND\n"
      "web    longrun  app   yes        db,cache    /bin/web --name 'a b'\n"
      "db     oneshot  -     no         -           db\n"
      "cache  longrun  -     yes        -           c\n",
      FormatPrograms(l.config));
}

// --- The supervisord corpus ---

std::string CompatDir() {
  const char* d = getenv("TEND_COMPAT_DIR");
  return d && *d ? d : "../shared/compat/supervisord";
}

ExpansionContext CorpusContext() {
  ExpansionContext ctx = TestContext();
  ctx.environ = {"HOME=/root", "APP_USER=app", "HOSTNAME=box"};
  return ctx;
}

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  std::string err;
  ListConfFiles(CompatDir(), &files, &err);
  return files;
}

TEST(SupervisordCorpusTest, EveryFileLoadsWithoutErrors) {
  ASSERT_TRUE(IsDirectory(CompatDir()))
      << CompatDir() << " is missing: set TEND_COMPAT_DIR to the supervisord corpus";
  std::vector<std::string> files = CorpusFiles();
  ASSERT_GE(files.size(), 30u);
  for (const std::string& f : files) {
    Loaded l = LoadPath(f, CorpusContext());
    EXPECT_TRUE(l.Of(Kind::kError).empty()) << f << ":\n" << l.All();
    EXPECT_EQ(f, l.config.files.at(0));
  }
}

TEST(SupervisordCorpusTest, SpotChecks) {
  std::string d = CompatDir() + "/";
  // numprocs and process_name with %(process_num)02d.
  Loaded inv = LoadPath(d + "13-invoiceninja-dockerfiles.conf", CorpusContext());
  EXPECT_EQ(1, inv.Get("queue-worker_01").process_num);
  EXPECT_EQ("www-data", inv.Get("queue-worker_00").user.name);
  EXPECT_EQ(Lines({"HOME=/var/www"}), inv.Get("queue-worker_00").environment);
  // %(process_num)d with numprocs=1, and a command continued with backslash-newline.
  Loaded cvat = LoadPath(d + "01-cvat-ai-cvat.conf", CorpusContext());
  EXPECT_NE(nullptr, cvat.Find("nginx-0"));
  ASSERT_EQ(3u, cvat.Get("clamav_update").argv.size());
  EXPECT_NE(
      std::string::npos,
      cvat.Get("clamav_update").argv[2].find("freshclam -d -l /root/logs/freshclam.log --fore"));
  // Quoted environment values with expansions inside.
  Loaded opf = LoadPath(d + "16-opf-openproject.conf", CorpusContext());
  EXPECT_EQ(Lines({"HOME=/home/app", "USER=app"}), opf.Get("web").environment);
  // An environment continued over comment and blank lines; a quoted empty value.
  Loaded moz = LoadPath(d + "28-mozilla-solitude.conf", CorpusContext());
  EXPECT_EQ(Lines({"SOLITUDE_ZIPPY_PROXY=http://solitude-auth:2603/v1/reference/",
                   "SOLITUDE_URL=http://solitude:2602"}),
            moz.Get("solitude").environment);
  EXPECT_EQ(Lines({"SOLITUDE_DATABASE=", "SOLITUDE_PROXY=enabled"}), moz.Get("proxy").environment);
  EXPECT_EQ(SIGKILL, moz.Get("proxy").stopsignal);
  // startsecs given twice: the last one wins.
  Loaded cel = LoadPath(d + "14-mediacms-io-mediacms-include-celery_long.conf", CorpusContext());
  EXPECT_EQ(0, cel.Get("celery_long").startsecs_ms);
  EXPECT_EQ("--pidfile=/var/run/mediacms/%n.pid", cel.Get("celery_long").argv.at(4));
  // CRLF, no final newline, numprocs=8.
  Loaded lara = LoadPath(d + "15-laradock-laradock-include-laravel-worker.conf", CorpusContext());
  EXPECT_EQ(8u, lara.config.programs.size());
  EXPECT_NE(nullptr, lara.Find("laravel-worker_07"));
  // numprocs from an undefined %(ENV_X)s: one process, a kMachine problem.
  Loaded misp = LoadPath(d + "02-MISP-misp-docker-include-50-workers.conf", CorpusContext());
  EXPECT_NE(nullptr, misp.Find("default_00"));
  EXPECT_EQ(nullptr, misp.Find("default_01"));
  EXPECT_FALSE(misp.Of(Kind::kMachine).empty());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST(ConfigTest, ReadySources) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nready = log:ready to accept connections\nready_timeout = 90s\n"
      "[program:b]\ncommand=b\nready = fd:3\n"
      "[program:c]\ncommand=c\n"
      "[program:d]\ncommand=d\nready = log:/Listening (at|on): http/\n");
  ASSERT_EQ("", l.All());
  EXPECT_TRUE(l.Get("d").ready.Matches("[INFO] Listening at: http://0.0.0.0:8000 (1)"));
  EXPECT_FALSE(l.Get("d").ready.Matches("Listening at: unix:/run/app.sock"));
  EXPECT_FALSE(l.Get("d").ready.Matches("Listening (at|on): http"));
  EXPECT_EQ(ReadySource::Kind::kLog, l.Get("a").ready.kind);
  EXPECT_EQ("ready to accept connections", l.Get("a").ready.text);
  EXPECT_EQ(90000, l.Get("a").ready_timeout_ms);
  EXPECT_TRUE(l.Get("a").ready.Matches("LOG:  database system is ready to accept connections"));
  EXPECT_FALSE(l.Get("a").ready.Matches("database system is starting up"));
  EXPECT_EQ(ReadySource::Kind::kFd, l.Get("b").ready.kind);
  EXPECT_EQ(3, l.Get("b").ready.fd);
  EXPECT_FALSE(l.Get("c").ready.active());
  EXPECT_EQ(60000, l.Get("c").ready_timeout_ms);
}

TEST(ConfigTest, BadReadySourcesNameTheirLine) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nready = fd:1\n"
      "[program:b]\ncommand=b\nready = fd:x\n"
      "[program:c]\ncommand=c\nready = log:/[/\n"
      "[program:d]\ncommand=d\nready = nonsense\n"
      "[program:e]\ncommand=e\nready = log:\n"
      "[program:f]\ncommand=f\ntype = oneshot\nready = fd:3\n");
  auto errors = l.Of(Kind::kError);
  ASSERT_EQ(6u, errors.size()) << l.All();
  EXPECT_EQ("t.conf:3: error: bad ready \"fd:1\": the descriptor must be a number from 3 to 255 "
            "(0, 1 and 2 are the program's standard streams)",
            errors[0]);
  EXPECT_EQ(0u, errors[1].find("t.conf:6: error: bad ready \"fd:x\": the descriptor")) << errors[1];
  EXPECT_EQ("t.conf:9: error: bad ready \"log:/[/\": bad regular expression: unbalanced '['",
            errors[2]);
  EXPECT_EQ("t.conf:12: error: bad ready \"nonsense\": not a readiness source (log:TEXT, "
            "log:/REGEX/, fd:N, notify, tcp:[HOST:]PORT, http:[HOST:]PORT/PATH or exec:COMMAND)",
            errors[3]);
  EXPECT_EQ("t.conf:15: error: bad ready \"log:\": log: needs the text a line must contain",
            errors[4]);
  EXPECT_EQ("t.conf:19: error: ready is for longrun programs: a oneshot is done when it exits",
            errors[5]);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST(ConfigTest, WatchdogNeedsReadyNotify) {
  Loaded l = Load("[program:a]\ncommand=a\nready = notify\nwatchdog = 10s\n"
                  "[program:b]\ncommand=b\nwatchdog = 5s\n");
  EXPECT_EQ(10000, l.Get("a").watchdog_ms);
  EXPECT_EQ(Lines({"t.conf:7: error: watchdog needs ready = notify: it is sd_notify's "
                   "WATCHDOG=1"}),
            l.Of(Kind::kError));
}

TEST(ConfigTest, ProbesForReadyAndHealth) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nready = tcp:8080\nhealth = http:localhost:8080/healthz?full=1\n"
      "health_interval = 2s\nhealth_timeout = 500ms\nhealth_retries = 5\n"
      "health_start_period = 1m\nready_interval = 50ms\n"
      "[program:b]\ncommand=b\nready = tcp:[::1]:6379\nhealth = exec:sh -c 'exit 0'\n"
      "[program:c]\ncommand=c\nready = http:10.1.2.3:80\n");
  ASSERT_EQ("", l.All());
  const ProgramConfig& a = l.Get("a");
  EXPECT_EQ(ReadySource::Kind::kProbe, a.ready.kind);
  EXPECT_EQ(ProbeSpec::Kind::kTcp, a.ready.probe.kind);
  EXPECT_EQ("127.0.0.1:8080", a.ready.probe.host_port);
  EXPECT_EQ(ProbeSpec::Kind::kHttp, a.health.kind);
  EXPECT_EQ("127.0.0.1:8080", a.health.host_port);
  EXPECT_EQ("/healthz?full=1", a.health.path);
  EXPECT_EQ(2000, a.health_interval_ms);
  EXPECT_EQ(500, a.health_timeout_ms);
  EXPECT_EQ(5, a.health_retries);
  EXPECT_EQ(60000, a.health_start_period_ms);
  EXPECT_EQ(50, a.ready_interval_ms);
  const ProgramConfig& b = l.Get("b");
  EXPECT_EQ("[::1]:6379", b.ready.probe.host_port);
  EXPECT_EQ((std::vector<std::string>{"sh", "-c", "exit 0"}), b.health.argv);
  EXPECT_EQ(10000, b.health_interval_ms);  // The defaults.
  EXPECT_EQ(5000, b.health_timeout_ms);
  EXPECT_EQ(3, b.health_retries);
  EXPECT_EQ(0, b.health_start_period_ms);
  EXPECT_EQ(100, b.ready_interval_ms);
  EXPECT_EQ("/", l.Get("c").ready.probe.path);
  EXPECT_EQ("10.1.2.3:80", l.Get("c").ready.probe.host_port);
}

TEST(ConfigTest, BadProbesNameTheirLine) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nhealth = tcp:99999\n"
      "[program:b]\ncommand=b\nready = http:nohost\n"
      "[program:c]\ncommand=c\nhealth_interval = 0\n"
      "[program:d]\ncommand=d\nhealth = tcp:db.internal:5432\n"
      "[program:e]\ncommand=e\nhealth_retries = 0\n"
      "[program:f]\ncommand=f\nhealth = exec:\n"
      "[program:g]\ncommand=g\ntype = oneshot\nhealth = tcp:80\n"
      "[program:h]\ncommand=h\nhealth = ping:80\n");
  auto errors = l.Of(Kind::kError);
  ASSERT_EQ(8u, errors.size()) << l.All();
  EXPECT_EQ("t.conf:3: error: bad health \"tcp:99999\": tcp:[HOST:]PORT: port \"99999\" is "
            "not a number from 1 to 65535",
            errors[0]);
  EXPECT_EQ("t.conf:6: error: bad ready \"http:nohost\": http:[HOST:]PORT/PATH: port "
            "\"nohost\" is not a number from 1 to 65535",
            errors[1]);
  EXPECT_EQ("t.conf:9: error: bad health_interval \"0\": must be more than 0", errors[2]);
  EXPECT_EQ("t.conf:12: error: bad health \"tcp:db.internal:5432\": tcp:[HOST:]PORT: "
            "\"db.internal\" is not an IPv4 address, [IPv6] or localhost (probes do not look "
            "names up)",
            errors[3]);
  EXPECT_EQ(0u, errors[4].find("t.conf:15: error: bad health_retries \"0\"")) << errors[4];
  EXPECT_EQ("t.conf:18: error: bad health \"exec:\": exec: no command", errors[5]);
  EXPECT_EQ("t.conf:22: error: health is for longrun programs: a oneshot is done when it exits",
            errors[6]);
  EXPECT_EQ(0u, errors[7].find("t.conf:25: error: bad health \"ping:80\": expected tcp:"))
      << errors[7];
}

TEST(ConfigTest, AnExecProbeNowhereToBeFoundIsAWarning) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nhealth = exec:no-such-probe-tool --ping\n"
      "[program:b]\ncommand=b\nready = exec:/nonexistent/check\n"
      "[program:c]\ncommand=c\nhealth = exec:sh -c true\n");
  auto warnings = l.Of(Kind::kWarning);
  ASSERT_EQ(2u, warnings.size()) << l.All();
  EXPECT_EQ("t.conf:3: warning: health: \"no-such-probe-tool\" is not found in PATH: the probe "
            "will fail",
            warnings[0]);
  EXPECT_EQ("t.conf:6: warning: ready: \"/nonexistent/check\" is not an executable file: the "
            "probe will fail",
            warnings[1]);
  EXPECT_TRUE(l.Of(Kind::kError).empty());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST(StopChainsTest, AChainLongerThanTheStopTimeoutIsAWarning) {
  Loaded l = Load(
      "[program:db]\ncommand = db\nstopwaitsecs = 5s\n"
      "[program:migrate]\ncommand = m\ntype = oneshot\ndepends_on = db\n"
      "[program:app]\ncommand = app\nstopwaitsecs = 4s\ndepends_on = migrate\n"
      "[program:side]\ncommand = side\nstopwaitsecs = 3s\ndepends_on = db\n");
  ASSERT_TRUE(l.problems.empty());
  std::vector<ConfigProblem> w;
  CheckStopChains(l.config, 8000, &w);
  ASSERT_EQ(1u, w.size());
  EXPECT_EQ(l.config.programs[2].where.line, w[0].where.line);
  EXPECT_EQ(ConfigProblem::Kind::kWarning, w[0].kind);
  EXPECT_EQ("the stopwaitsecs along app -> migrate -> db add up to 9s, more than the stop "
            "timeout (8s): tend's stop signals the programs lower down before those above "
            "are down",
            w[0].message);
  w.clear();
  CheckStopChains(l.config, 9000, &w);
  EXPECT_TRUE(w.empty());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 34: reading the configuration must never block PID 1 nor grow without bound.
TEST(ReadWholeFile, RefusesWhatIsNotARegularFileAndBoundsTheSize) {
  TempDir dir;
  std::string text, err;
  EXPECT_FALSE(ReadWholeFile("/dev/zero", &text, &err));
  EXPECT_EQ("unable to read: not a regular file", err);
  const std::string fifo = dir.path() + "/fifo.conf";
  ASSERT_EQ(0, mkfifo(fifo.c_str(), 0600));
  EXPECT_FALSE(ReadWholeFile(fifo, &text, &err));  // Returns at once: no writer needed.
  EXPECT_EQ("unable to read: not a regular file", err);
  const std::string big = dir.Write("big.conf", "");
  ASSERT_EQ(0, truncate(big.c_str(), kMaxFileBytes + 1));
  EXPECT_FALSE(ReadWholeFile(big, &text, &err));
  EXPECT_EQ("unable to read: larger than 16 MiB", err);
  ASSERT_EQ(0, truncate(big.c_str(), 10));
  EXPECT_TRUE(ReadWholeFile(big, &text, &err)) << err;
  EXPECT_EQ(std::string(10, '\0'), text);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

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

// From issue 34: log:// matched every line; log:/abc silently became the text "/abc".
TEST(ConfigTest, ALogSourceThatStartsWithASlashIsAPattern) {
  std::vector<std::string> errors =
      Load("[program:a]\ncommand=a\nready = log://\n[program:b]\ncommand=b\nready = log:/abc\n")
          .Of(Kind::kError);
  EXPECT_EQ(Lines({"t.conf:3: error: bad ready \"log://\": log:// has an empty pattern, which "
                   "every line would match",
                   "t.conf:6: error: bad ready \"log:/abc\": log:/REGEX/ needs its closing '/'"}),
            errors);
  EXPECT_EQ("", Load("[program:a]\ncommand=a\nready = log:/abc/\n").All());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// From issue 35: supervisord's [unix_http_server] is where tend listens.
TEST(ConfigTest, UnixHttpServerNamesTheSocket) {
  Loaded l = Load(
      "[unix_http_server]\nfile = /tmp/app.sock\nchmod = 0770\nchown = app:docker\n"
      "username = u\npassword = p\n[program:a]\ncommand=a\n");
  EXPECT_EQ("/tmp/app.sock", l.config.tend.socket_file);
  EXPECT_EQ(0770, l.config.tend.socket_mode);
  ASSERT_TRUE(l.config.tend.socket_owner.resolved);
  EXPECT_EQ(1000u, l.config.tend.socket_owner.uid);
  EXPECT_EQ(999u, l.config.tend.socket_owner.gid);
  EXPECT_EQ(Lines({"t.conf:1: notice: [unix_http_server]: tend uses only file, chmod and chown "
                   "here (its socket checks who connects); the other keys are ignored"}),
            l.Of(Kind::kNotice));
  EXPECT_EQ(Lines({"t.conf:3: error: bad chmod \"0000\": the owner must keep read and write "
                   "(0600)"}),
            Load("[unix_http_server]\nfile = /tmp/a.sock\nchmod = 0000\n[program:a]\ncommand=a\n")
                .Of(Kind::kError));
}

// From issue 35: not root (OpenShift's random uid), tend cannot switch users.
TEST(ConfigTest, NotRootAProgramOfAnotherUserRunsAsTendsOwn) {
  ExpansionContext ctx = TestContext();
  ctx.euid = 12345;
  Loaded l = Load("[program:a]\ncommand=a\nuser=www-data\n[program:b]\ncommand=b\nuser=root\n", ctx);
  EXPECT_FALSE(l.Get("a").user.resolved);
  EXPECT_TRUE(l.Get("b").user.resolved);
  // Nor give its socket away.
  EXPECT_EQ(Lines({"t.conf:2: warning: chown = app: tend runs as uid 12345, not root; ignored"}),
            Load("[unix_http_server]\nchown = app\n[program:x]\ncommand=x\n", ctx)
                .Of(Kind::kWarning));
  EXPECT_EQ(Lines({"t.conf:3: warning: user = www-data: tend runs as uid 12345, not root; a runs "
                   "as uid 12345 too",
                   "t.conf:6: warning: user = root: tend runs as uid 12345, not root; b cannot "
                   "start"}),
            l.Of(Kind::kWarning));
}

}  // namespace
}  // namespace tend
