// tend's supervisorctl drop-in against the real thing: Debian's supervisord and its own
// supervisorctl run the same configuration as tend, and every command line of
// tests/data/supervisorctl_table.txt goes to both, in order. After normalising pids,
// uptimes and dates, the output and the exit status must be the same, row by row.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <regex>

#include "harness.h"

namespace tend {
namespace {

constexpr char kSupervisord[] = "/usr/bin/supervisord";
constexpr char kSupervisorctl[] = "/usr/bin/supervisorctl";

// Programs that stay up, one not started, one that goes FATAL, one that exits 0 and is
// not restarted, a [group:x] of two, numprocs = 2, and one that writes to both streams.
// `trap` keeps the programs' states still when the table signals them.
std::string Conf(const std::string& dir) {
  return SupervisordSections(dir) +
         "[program:web]\ncommand=sleep 100000\n"
         "[program:idle]\ncommand=sleep 100001\nautostart=false\n"
         "[program:crash]\ncommand=sh -c 'sleep 0.2; exit 1'\nstartretries=1\n"
         // (Not at once: supervisord would then answer its start before ghost's or
         // after it by timing, and so the exit status of start all.)
         // Up a moment: supervisord says "abnormal termination" for a start whose program
         // is gone before it checks.
         "[program:once]\ncommand=sh -c 'echo once done; sleep 0.3'\nautorestart=false\n"
         "startsecs=0\n"
         "[program:a]\ncommand=sleep 100002\n"
         "[program:b]\ncommand=sleep 100003\n"
         "[group:pair]\nprograms=a,b\n"
         "[program:worker]\ncommand=sleep 100004\nnumprocs=2\npriority=5\n"
         "process_name=%(program_name)s_%(process_num)02d\n"
         // A command that does not exist (issue 36): supervisord checks before spawning.
         "[program:ghost]\ncommand=/nonexistent/ghost\nautostart=false\n"
         // A group whose programs' priorities are not their order (issue 36).
         "[program:t1]\ncommand=sleep 100006\npriority=30\n"
         "[program:t2]\ncommand=sleep 100007\npriority=10\n"
         "[program:t3]\ncommand=sleep 100008\npriority=20\n"
         "[group:trio]\nprograms=t1,t2,t3\n"
         "[program:talk]\ncommand=sh -c 'echo to stdout; echo to stderr >&2; exec sleep 100005'\n";
}

struct Result {
  int status = -1;
  std::string out;
  bool operator==(const Result& o) const { return status == o.status && out == o.out; }
};

std::string Replace(const std::string& s, const char* re, const char* with) {
  return std::regex_replace(s, std::regex(re), with);
}

// What differs between two runs of the same thing: pids, uptimes, dates, the directory.
std::string Normalise(std::string s, const std::string& dir) {
  for (size_t at; (at = s.find(dir)) != std::string::npos;) s.replace(at, dir.size(), "DIR");
  s = Replace(s, "pid [0-9]+", "pid N");
  s = Replace(s, "uptime ([0-9]+ days?, )?[0-9]+:[0-9]{2}:[0-9]{2}", "uptime U");
  s = Replace(s, "[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2} [AP]M", "DATE");
  return Replace(s, "(^|\n)[0-9]+(?=\n)", "$1N");
}

std::string SortedLines(const std::string& s) {
  std::vector<std::string> lines = Lines(s);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class Supervisorctl : public Pid1Test {
 protected:
  void SetUp() override {
    Pid1Test::SetUp();
    if (!Installed(kSupervisord) || !Installed(kSupervisorctl)) {
      GTEST_SKIP() << "Debian's supervisor is not installed (contrib/install-deps)";
    }
    conf_ = Path("supervisord.conf");
    WriteFile(conf_, Conf(dir_));
    // tend under the name scripts call it by.
    ASSERT_EQ(symlink(BuildPath("tend").c_str(), Path("supervisorctl").c_str()), 0);
    if (over_http_) {
      // tend's own file with an [inet_http_server] (supervisord would take its port),
      // which includes the one both read, so that changes to it reach both.
      http_url_ = "http://127.0.0.1:" + std::to_string(FreePort());
      WriteFile(Path("tend.conf"), "[include]\nfiles=" + conf_ + "\n[inet_http_server]\nport=" +
                                       http_url_.substr(7) + "\nusername=u\npassword=p\n");
      Start({"-c", Path("tend.conf")});
    } else {
      Start({"-c", conf_});
    }
    ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
    TendProcess::Options opts;
    opts.binary = kSupervisord;
    ASSERT_EQ(mkdir(Path("real").c_str(), 0755), 0);
    real_ = std::make_unique<TendProcess>(dir_ + "/real", std::vector<std::string>{"-n", "-c", conf_},
                                          opts);
  }

  Result Real(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kSupervisorctl, "-c", conf_};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv);
  }
  Result Ours(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"env", "TEND_SOCKET=" + Path("ctl.sock"),
                                     Path("supervisorctl"), "-c", conf_};
    // The real supervisorctl, over tend's XML-RPC interface.
    if (over_http_) argv = {kSupervisorctl, "-c", conf_, "-s", http_url_, "-u", "u", "-p", "p"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv);
  }
  Result Run(const std::vector<std::string>& argv) {
    Result r;
    int status = RunCommand(argv, &r.out, /*with_stderr=*/true);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }

  // Both sides with no program between states: the crashing one given up on, the one
  // that runs once done.
  bool Settle() {
    auto still = [&](const Result& r) {
      return r.out.empty() || Has(r.out, "STARTING") || Has(r.out, "BACKOFF") ||
             Has(r.out, "STOPPING") || Has(r.out, "refused") || Has(r.out, "no such file") ||
             std::regex_search(r.out, std::regex("(^|\n)once +RUNNING"));
    };
    return Eventually([&] { return !still(Real({"status"})) && !still(Ours({"status"})); });
  }

  // Every row of tests/data/supervisorctl_table.txt to both, in order (only the commands
  // of `served`, when given): the same output and exit status, "differs" rows aside.
  void CompareTable(const std::vector<std::string>& served) {
    ASSERT_TRUE(Settle()) << Real({"status"}).out << Ours({"status"}).out;
    std::vector<std::string> rows = Lines(ReadFile("tests/data/supervisorctl_table.txt"));
    ASSERT_FALSE(rows.empty()) << "tests/data/supervisorctl_table.txt (run from the repository)";
    int compared = 0;
    bool differs = false;
    for (const auto& row : rows) {
      if (row.empty() || row[0] == '#') continue;
      std::vector<std::string> args;
      for (size_t i = 0, j; i < row.size(); i = j + 1) {
        j = row.find(' ', i);
        if (j == std::string::npos) j = row.size();
        if (j > i) args.push_back(row.substr(i, j - i));
      }
      if (args[0] == "settle") {
        ASSERT_TRUE(Settle()) << Real({"status"}).out << Ours({"status"}).out;
        continue;
      }
      if (args[0] == "differs") {
        differs = true;
        continue;
      }
      const bool sorted = args[0] == "sorted";
      if (sorted) args.erase(args.begin());
      const bool skip = !served.empty() &&
                        std::find(served.begin(), served.end(), args[0]) == served.end();
      // The drop-in differs there on purpose; the real client over HTTP must not.
      const bool compare = !skip && (!differs || !served.empty());
      differs = false;
      if (skip) continue;
      Result real = Real(args), ours = Ours(args);
      if (!compare) continue;
      real.out = Normalise(real.out, dir_);
      ours.out = Normalise(ours.out, dir_);
      if (sorted) {
        real.out = SortedLines(real.out);
        ours.out = SortedLines(ours.out);
      }
      EXPECT_EQ(ours.out, real.out) << "supervisorctl " << row;
      EXPECT_EQ(ours.status, real.status) << "supervisorctl " << row << "\n" << real.out;
      ++compared;
    }
    EXPECT_GE(compared, 40);
  }

  // One command line to both: the same output and status.
  void Same(const std::vector<std::string>& args) {
    Result real = Real(args), ours = Ours(args);
    EXPECT_EQ(Normalise(ours.out, dir_), Normalise(real.out, dir_)) << args[0];
    EXPECT_EQ(ours.status, real.status) << args[0] << "\n" << real.out;
  }

  // `reread` and `update` after the configuration file changed under both: a program
  // added, one changed (not running: it stays so), one removed.
  void RereadAndUpdate() {
    ASSERT_TRUE(Settle());
    Same({"reread"});
    Same({"reread", "extra"});
    // A dry run changes nothing, so it leaves nothing in tend's log.
    EXPECT_FALSE(Has(tend_->Stderr(), "reloading")) << tend_->Stderr();
    std::string conf = ReadFile(conf_);
    conf.replace(conf.find("sleep 100001"), 12, "sleep 100011");
    const size_t talk = conf.find("[program:talk]");
    conf = conf.substr(0, talk) + "[program:extra]\ncommand=sleep 100009\n";
    WriteFile(conf_, conf);
    Same({"reread"});
    Same({"update", "nope"});
    Same({"update"});
    ASSERT_TRUE(Settle());
    Same({"status"});
    Same({"avail"});
    Same({"reread"});
    Same({"update"});
  }

  // `remove` and `add` after `reread`, as supervisord's documentation has them: a program
  // gone from the files is stopped, then removed; a new one added.
  void RemoveAndAdd() {
    ASSERT_TRUE(Settle());
    std::string conf = ReadFile(conf_);
    WriteFile(conf_, conf.substr(0, conf.find("[program:talk]")));
    Same({"reread"});
    Same({"remove", "talk"});
    Same({"stop", "talk"});
    Same({"remove", "talk", "nope"});
    Same({"status"});
    Same({"reread"});
    WriteFile(conf_, conf.substr(0, conf.find("[program:talk]")) +
                         "[program:extra]\ncommand=sleep 100009\n");
    Same({"reread"});
    Same({"add", "extra"});
    Same({"add", "extra"});
    ASSERT_TRUE(Settle());
    Same({"status"});
    Same({"reread"});
  }

  std::string conf_;
  std::unique_ptr<TendProcess> real_;
  bool over_http_ = false;
  std::string http_url_;
};

// The real supervisorctl against tend's [inet_http_server] and against supervisord.
class SupervisorctlOverHttp : public Supervisorctl {
 protected:
  void SetUp() override {
    over_http_ = true;
    Supervisorctl::SetUp();
  }
};

TEST_F(Supervisorctl, EveryRowOfTheTableMatchesTheRealSupervisorctl) { CompareTable({}); }

// The table's rows of the commands the XML-RPC interface serves, from the real
// supervisorctl over HTTP: the same output and exit status as supervisord's. The others
// (maintail, version, fg...) are skipped on both sides, so that both stay alike.
TEST_F(SupervisorctlOverHttp, TheTablesRowsMatchSupervisord) {
  CompareTable({"status", "start", "stop", "restart", "signal", "pid", "tail", "clear", "avail",
                "add", "remove", "reload"});
}

TEST_F(Supervisorctl, RereadAndUpdateMatchAfterTheConfigurationChanges) { RereadAndUpdate(); }
TEST_F(SupervisorctlOverHttp, RereadAndUpdateMatchAfterTheConfigurationChanges) {
  RereadAndUpdate();
}

TEST_F(Supervisorctl, RemoveAndAddMatchAfterTheConfigurationChanges) { RemoveAndAdd(); }
TEST_F(SupervisorctlOverHttp, RemoveAndAddMatchAfterTheConfigurationChanges) { RemoveAndAdd(); }

// shutdown over HTTP: the same answer, and both end, tend with status 0.
TEST_F(SupervisorctlOverHttp, ShutdownEndsBoth) {
  ASSERT_TRUE(Settle());
  Same({"shutdown"});
  EXPECT_EQ(0, tend_->Wait());
  EXPECT_EQ(0, real_->Wait());
  EXPECT_TRUE(Has(tend_->Stderr(), "web: stopped")) << tend_->Stderr();
}

// reload with files that no longer load is refused before anything stops (a restarting
// supervisord would exit instead): tend's drop-in only.
TEST_F(Supervisorctl, ReloadRefusesABrokenConfigurationBeforeStoppingAnything) {
  ASSERT_TRUE(Settle());
  const Result before = Ours({"pid", "web"});
  ASSERT_EQ(0, before.status) << before.out;
  WriteFile(conf_, ReadFile(conf_) + "[program:bad]\ncommand=true\nautorestart=sometimes\n");
  const Result r = Ours({"reload"});
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_EQ(0u, r.out.find("ERROR: CANT_REREAD: ")) << r.out;
  EXPECT_EQ(before.out, Ours({"pid", "web"}).out);  // The same pid: never stopped.
}

// With nothing at the socket: the same line and status. (supervisorctl's reread and update
// skip its check and print a Python error there; tend's give the same line as the rest.)
TEST_F(Supervisorctl, NoServerAtTheSocketIsReportedAlike) {
  const std::string url = "unix://" + Path("none.sock");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"pid"}, {"status"}, {"start", "web"}, {"tail", "web"}, {"version"}}) {
    std::vector<std::string> real = {kSupervisorctl, "-s", url};
    std::vector<std::string> ours = {Path("supervisorctl"), "-s", url};
    real.insert(real.end(), args.begin(), args.end());
    ours.insert(ours.end(), args.begin(), args.end());
    Result r = Run(real), o = Run(ours);
    EXPECT_EQ(o.out, r.out) << args[0];
    EXPECT_EQ(o.status, r.status) << args[0];
  }
}

// From issue 34: -c naming no file was ignored (the default socket used).
TEST_F(Supervisorctl, AConfigurationFileNotFoundIsReportedAlike) {
  for (const std::string& file : {Path("nonexistent.conf"), dir_}) {
    Result r = Run({kSupervisorctl, "-c", file, "status"});
    Result o = Run({Path("supervisorctl"), "-c", file, "status"});
    const size_t at = o.out.find(Path("supervisorctl"));
    if (at != std::string::npos) o.out.replace(at, Path("supervisorctl").size(), kSupervisorctl);
    EXPECT_EQ(o.out, r.out);
    EXPECT_EQ(o.status, r.status);
    EXPECT_EQ(2, o.status);
  }
}

// From issue 36: with no action, the prompt reads standard input to its end and exits 0;
// a bad option is the error and where help is.
TEST_F(Supervisorctl, ThePromptAtEndOfInputAndBadOptionsMatch) {
  ASSERT_TRUE(Settle());
  auto with_null_stdin = [&](const std::vector<std::string>& argv) {
    std::string cmd = "exec";
    for (const auto& a : argv) cmd += " '" + a + "'";
    return Run({"sh", "-c", cmd + " < /dev/null"});
  };
  Result real = with_null_stdin({kSupervisorctl, "-c", conf_});
  Result ours = with_null_stdin({"env", "TEND_SOCKET=" + Path("ctl.sock"), Path("supervisorctl"),
                                 "-c", conf_});
  EXPECT_EQ(Normalise(ours.out, dir_), Normalise(real.out, dir_));
  EXPECT_EQ(0, ours.status);
  EXPECT_EQ(real.status, ours.status);
  for (const char* bad : {"--bogus", "-x"}) {
    Result r = Run({kSupervisorctl, bad, "status"});
    Result o = Run({Path("supervisorctl"), bad, "status"});
    const size_t at = o.out.find(Path("supervisorctl"));
    if (at != std::string::npos) o.out.replace(at, Path("supervisorctl").size(), kSupervisorctl);
    EXPECT_EQ(r.out, o.out);
    EXPECT_EQ(r.status, o.status);
  }
}

// What HEALTHCHECKs and scripts pipe supervisorctl into, in each state of a program.
TEST_F(Supervisorctl, HealthCheckIdiomsExitAsWithSupervisord) {
  ASSERT_TRUE(Settle());
  const std::vector<std::string> idioms = {
      "$CTL status web | grep -q RUNNING",
      "$CTL status | grep -v RUNNING",
      "$CTL status web >/dev/null",
      "$CTL status pair:* >/dev/null",
      "$CTL pid web >/dev/null",
  };
  for (const char* state : {"running", "stopped"}) {
    if (std::string(state) == "stopped") {
      ASSERT_EQ(Real({"stop", "web"}).status, 0);
      ASSERT_EQ(Ours({"stop", "web"}).status, 0);
    }
    for (const auto& idiom : idioms) {
      Result real = Run({"sh", "-c", "CTL='" + std::string(kSupervisorctl) + " -c " + conf_ +
                                         "'; " + idiom + " >/dev/null"});
      Result ours = Run({"sh", "-c", "CTL='env TEND_SOCKET=" + Path("ctl.sock") + " " +
                                         Path("supervisorctl") + " -c " + conf_ + "'; " + idiom +
                                         " >/dev/null"});
      EXPECT_EQ(ours.status, real.status) << idiom << " with web " << state;
    }
  }
}

}  // namespace
}  // namespace tend
