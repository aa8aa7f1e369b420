// Loading as a whole (config/config_load.h): every problem reported with its file:line,
// in file order, and the supervisord files of public images.
#include <signal.h>

#include <string>
#include <vector>

#include "config/config_files.h"
#include "fakes/config_fixture.h"

namespace tend {
namespace {

TEST(ConfigErrorTest, MissingCommand) {
  EXPECT_EQ(Lines({"t.conf:2: error: [program:web] has no command"}),
            Load("\n[program:web]\nautostart=true\n").Of(Kind::kError));
}

TEST(ConfigErrorTest, EmptyCommand) {
  EXPECT_EQ(Lines({"t.conf:2: error: bad command \"\": empty command"}),
            Load("[program:a]\ncommand=\n").Of(Kind::kError));
  // Found by tests/fuzz/config_load_fuzz.cc: quotes around nothing are a word, but no
  // program's name.
  EXPECT_EQ(Lines({"t.conf:2: error: bad command \"\"\"\"\" -x\": the program's name is empty"}),
            Load("[program:a]\ncommand=\"\"\"\" -x\n").Of(Kind::kError));
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
  Loaded l = Load(
      "[program:a b]\ncommand=a\n[program:c]\ncommand=c\nprocess_name=c/1\n"
      "[program:d\x01]\ncommand=d\n[program:e]\ncommand=e\nprocess_name=e\xff\n");
  const std::string rule =
      ": must not be empty or contain a space, \":\", \"/\", a control character or bytes "
      "that are not UTF-8";
  EXPECT_EQ(Lines({"t.conf:1: error: bad program name \"a b\"" + rule,
                   "t.conf:5: error: bad process_name \"c/1\"" + rule,
                   "t.conf:6: error: bad program name \"d\\x01\"" + rule,
                   "t.conf:10: error: bad process_name \"e\\xff\"" + rule}),
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

TEST(ConfigWarningTest, Keys) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nfoo=1\nstdout_capture_maxbytes=1MB\nstartinorder=true\n"
      "nodaemon=true\n[unix_http_server]\nfile=/tmp/s.sock\nnodaemon=true\n"
      "[tend]\ncommand=x\n[supervisord]\nexitcodes=1\n");
  EXPECT_EQ(Lines({"t.conf:3: warning: unknown key foo in [program:a]; ignored",
                   "t.conf:4: warning: stdout_capture_maxbytes is not supported; ignored",
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
                "t.conf:7: notice: [rpcinterface:supervisor] is for supervisord's control "
                "interface; ignored",
            }),
            l.Of(Kind::kNotice));
  EXPECT_EQ(Lines({"t.conf:5: warning: [inet_http_server] has no username and password: not "
                   "opened (tend serves HTTP only with authentication)",
                   "t.conf:17: warning: [fcgi-program:f] is not supported; ignored",
                   "t.conf:19: warning: unknown section [frobnicate]; ignored"}),
            l.Of(Kind::kWarning));
  EXPECT_EQ(0, l.config.tend.http_port);  // Not opened.
  // A listener is a program: [eventlistener:tick] has no command.
  EXPECT_EQ(Lines({"t.conf:15: error: [eventlistener:tick] has no command"}), l.Of(Kind::kError));
  EXPECT_EQ(Lines({"A=1"}), l.Get("a").environment);
}

TEST(ConfigHttpTest, InetHttpServer) {
  Loaded l = Load("[inet_http_server]\nport=*:9001\nusername=u\npassword={SHA}abc\n");
  EXPECT_EQ("", l.All());
  EXPECT_EQ("", l.config.tend.http_host);
  EXPECT_EQ(9001, l.config.tend.http_port);
  EXPECT_EQ("u", l.config.tend.http_username);
  EXPECT_EQ("{SHA}abc", l.config.tend.http_password);
  l = Load("[inet_http_server]\nport=localhost:80\nusername=u\npassword=p\n");
  EXPECT_EQ("127.0.0.1", l.config.tend.http_host);
  l = Load("[inet_http_server]\nport=9002\nusername=u\npassword=p\n");
  EXPECT_EQ(9002, l.config.tend.http_port);
  l = Load("[inet_http_server]\nport=example.com:9001\nusername=u\npassword=p\n");
  EXPECT_EQ(Lines({"t.conf:2: error: bad port \"example.com:9001\": the host must be an IPv4 "
                   "address, localhost or *"}),
            l.Of(Kind::kError));
  l = Load("[inet_http_server]\nport=1.2.3.4:70000\nusername=u\npassword=p\n");
  EXPECT_EQ(1u, l.Of(Kind::kError).size()) << l.All();
}

// [eventlistener:x] takes a program's keys and its own; its mistakes are supervisord's.
TEST(ConfigListenerTest, Sections) {
  Loaded l = Load(
      "[eventlistener:quit]\ncommand=kill-it\nevents=PROCESS_STATE_FATAL, TICK_60\n"
      "buffer_size=3\nuser=nobody\nautorestart=true\nnumprocs=2\n"
      "process_name=%(program_name)s_%(process_num)d\nresult_handler=x:y\n"
      "[eventlistener:bad]\ncommand=x\nevents=PROCESS_STATE_FATAL,BOGUS\nredirect_stderr=true\n"
      "tty=true\nbuffer_size=0\nstdout_capture_maxbytes=1MB\n"
      "[eventlistener:none]\ncommand=y\n[program:p]\ncommand=p\nevents=TICK_5\n");
  EXPECT_EQ(Lines({"t.conf:9: warning: result_handler = x:y: tend has only "
                   "supervisor.dispatchers:default_handler; it is used instead",
                   "t.conf:16: warning: stdout_capture_maxbytes is not supported; ignored",
                   "t.conf:21: warning: events belongs in [eventlistener:x], not in "
                   "[program:p]; ignored"}),
            l.Of(Kind::kWarning));
  EXPECT_EQ(Lines({"t.conf:12: error: bad events \"PROCESS_STATE_FATAL,BOGUS\": unknown event "
                   "type BOGUS",
                   "t.conf:13: error: redirect_stderr = true is not allowed for an event "
                   "listener: its stdout is the protocol's",
                   "t.conf:14: error: tty = true is not allowed for an event listener: it reads "
                   "events on its stdin",
                   "t.conf:15: error: bad buffer_size \"0\": out of range 1..65536",
                   "t.conf:17: error: an event listener needs an events line"}),
            l.Of(Kind::kError));
  const ProgramConfig& q = l.Get("quit_1");
  EXPECT_TRUE(q.listener);
  EXPECT_EQ(Lines({"PROCESS_STATE_FATAL", "TICK_60"}), q.events);
  EXPECT_EQ(3, q.buffer_size);
  EXPECT_EQ(RestartPolicy::kAlways, q.restart);
  EXPECT_EQ("quit", q.group);
  EXPECT_FALSE(l.Get("p").listener);
  EXPECT_EQ(10, l.Get("none").buffer_size);
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

// The supervisord files of public images: TEND_COMPAT_DIR, else the corpus beside the
// clone (CI has it there). A lone clone has none, and these tests skip, saying so; a
// TEND_COMPAT_DIR that names no directory fails them (it was meant to be there).
std::string CompatDir() {
  const char* d = getenv("TEND_COMPAT_DIR");
  return d && *d ? d : "../shared/compat/supervisord";
}

bool CorpusAbsent() {
  const char* d = getenv("TEND_COMPAT_DIR");
  return !(d && *d) && !IsDirectory(CompatDir());
}

#define SKIP_WITHOUT_CORPUS()                                                            \
  if (CorpusAbsent())                                                                    \
  GTEST_SKIP() << "no supervisord corpus at " << CompatDir()                             \
               << " (set TEND_COMPAT_DIR): the tests of supervisord's real files did not run"

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
  SKIP_WITHOUT_CORPUS();
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
  SKIP_WITHOUT_CORPUS();
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
