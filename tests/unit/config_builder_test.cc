// The builder (config/config_builder.h): every program key and [tend] key into the
// model, readiness and probes, supervisord's sections that tend reads.
#include <signal.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "fakes/config_fixture.h"

namespace tend {
namespace {

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

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// A few bytes of numprocs in each of many sections must not become gigabytes of PID 1's
// memory: the processes of all sections together are bounded.
TEST(ConfigTest, ProcessesInAllAreBounded) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nnumprocs=6000\nprocess_name=a%(process_num)d\n"
      "[program:b]\ncommand=b\nnumprocs=6000\nprocess_name=b%(process_num)d\n");
  EXPECT_EQ(Lines({"t.conf:7: error: 12000 processes in all, more than tend's limit of 10000"}),
            l.Of(Kind::kError));
  EXPECT_EQ(6000u, l.config.programs.size());
}

}  // namespace
}  // namespace tend
