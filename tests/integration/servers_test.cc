// tend with real servers from Debian (gunicorn, nginx), as users run them; each test is
// skipped when its server is not installed (contrib/install-deps installs them).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <glob.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

namespace tend {
namespace {

class Servers : public Pid1Test {
 protected:
  // `curl URL` in the background: the body and the HTTP status go to `file`.
  pid_t Curl(const std::string& url, const std::string& file) {
    pid_t pid = fork();
    if (pid == 0) {
      int out = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      dup2(out, 1);
      execlp("curl", "curl", "-s", "-m", "20", "-w", "\\n%{http_code}", url.c_str(), nullptr);
      _exit(127);
    }
    return pid;
  }
  int Reap(pid_t pid) {
    int status = -1;
    waitpid(pid, &status, 0);
    return status;
  }
  // A WSGI app: /slow writes `marker` (the request is in a worker), waits 1.5 s, then
  // answers; every path answers "ok".
  void WriteApp(const std::string& marker) {
    WriteFile(Path("app.py"),
              "import time\n"
              "def app(environ, start_response):\n"
              "    if environ['PATH_INFO'] == '/slow':\n"
              "        open('" + marker + "', 'w').close()\n"
              "        time.sleep(1.5)\n"
              "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
              "    return [b'ok\\n']\n");
  }
  // Everything the programs printed: tend passes their stderr to its own.
  std::string Output() { return tend_->Stdout() + tend_->Stderr(); }
  std::string Gunicorn(int port) {
    return "[program:gunicorn]\ncommand = gunicorn --chdir " + dir_ + " -w 2 -b 127.0.0.1:" +
           std::to_string(port) + " app:app\nstartsecs = 0\n";
  }
};

// gunicorn's workers do not handle HUP: sent to the whole group, it killed a worker in
// the middle of its request (a 502 behind nginx). `tendctl signal HUP` reaches the
// master alone, which replaces its workers gracefully: the request in flight completes.
TEST_F(Servers, GunicornReloadsWithARequestInFlight) {
  if (!Installed("/usr/bin/gunicorn") || !Installed("/usr/bin/curl")) {
    GTEST_SKIP() << "gunicorn or curl not installed";
  }
  const int port = FreePort();
  WriteApp(Path("in-flight"));
  Start({"-c", WriteConf("g.conf", Gunicorn(port))});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  std::string out;
  ASSERT_TRUE(Eventually([&] { return RunCommand({"curl", "-sf", url + "/"}, &out) == 0; }))
      << Output();
  ASSERT_TRUE(Eventually([&] { return CountLines(Output(), "Booting worker") == 2; })) << Output();
  pid_t curl = Curl(url + "/slow", Path("reply"));
  ASSERT_TRUE(Eventually([&] { return access(Path("in-flight").c_str(), F_OK) == 0; }));
  EXPECT_EQ(0, Ctl({"signal", "HUP", "gunicorn"}, &out)) << out;
  EXPECT_TRUE(Has(out, "gunicorn: signalled HUP (pid ")) << out;
  EXPECT_EQ(0, Reap(curl));
  EXPECT_EQ("ok\n\n200", ReadFile(Path("reply"))) << Output();
  // Two new workers, and none died of the HUP (gunicorn ends its idle old workers with
  // TERM itself: "terminated due to signal 15").
  EXPECT_TRUE(Eventually([&] { return CountLines(Output(), "Booting worker") >= 4; }))
      << Output();
  for (const auto& line : Lines(Output())) {
    const std::string hup = "terminated due to signal 1";
    EXPECT_FALSE(line.size() >= hup.size() && line.compare(line.size() - hup.size(), hup.size(), hup) == 0)
        << line;
  }
}

// nginx in front of gunicorn: HUP to nginx's master reloads it; its old workers finish
// the request they carry.
TEST_F(Servers, NginxReloadsWithARequestInFlight) {
  if (!Installed("/usr/bin/gunicorn") || !Installed("/usr/sbin/nginx") ||
      !Installed("/usr/bin/curl")) {
    GTEST_SKIP() << "gunicorn, nginx or curl not installed";
  }
  const int app_port = FreePort(), port = FreePort();
  WriteApp(Path("in-flight"));
  WriteFile(Path("nginx.conf"),
            "worker_processes 2;\npid " + Path("nginx.pid") +
                ";\nerror_log stderr notice;\nevents {}\nhttp {\n  access_log off;\n"
                "  server {\n    listen 127.0.0.1:" + std::to_string(port) +
                ";\n    location / { proxy_pass http://127.0.0.1:" + std::to_string(app_port) +
                "; }\n  }\n}\n");
  Start({"-c", WriteConf("n.conf", Gunicorn(app_port) + "[program:nginx]\ncommand = nginx -p " +
                                       dir_ + " -c " + Path("nginx.conf") +
                                       " -e stderr -g 'daemon off;'\nstartsecs = 0\n")});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  std::string out;
  ASSERT_TRUE(Eventually([&] { return RunCommand({"curl", "-sf", url + "/"}, &out) == 0; }))
      << Output();
  pid_t curl = Curl(url + "/slow", Path("reply"));
  ASSERT_TRUE(Eventually([&] { return access(Path("in-flight").c_str(), F_OK) == 0; }));
  EXPECT_EQ(0, Ctl({"signal", "HUP", "nginx"}, &out)) << out;
  EXPECT_EQ(0, Reap(curl));
  EXPECT_EQ("ok\n\n200", ReadFile(Path("reply"))) << Output();
  // The reload happened: nginx says so, and serves on.
  EXPECT_TRUE(Eventually([&] { return CountLines(Output(), "reconfiguring") > 0; }))
      << Output();
  EXPECT_EQ(0, RunCommand({"curl", "-sf", url + "/"}, &out));
}

// A server started in the background of a shell (`sh -c 'server & wait'`), whose shell
// is killed: the server would keep the port, and every restart fail with "Address
// already in use". tend stops it first, and the program comes back on the first try.
TEST_F(Servers, AKilledProgramsServerIsStoppedBeforeItStartsAgain) {
  if (!Installed("/usr/bin/python3") || !Installed("/usr/bin/curl")) {
    GTEST_SKIP() << "python3 or curl not installed";
  }
  const int port = FreePort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  Start({"-c", WriteConf("h.conf", "[program:web]\ncommand = sh -c '/usr/bin/python3 -m http.server " +
                                       std::to_string(port) +
                                       " --bind 127.0.0.1 & wait'\nstartsecs = 0\n")});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  std::string out, sh;
  ASSERT_TRUE(Eventually([&] { return RunCommand({"curl", "-sf", "-o", "/dev/null", url}) == 0; }))
      << Output();
  ASSERT_EQ(0, Ctl({"pid", "web"}, &sh));
  tend_->InNamespace({"kill", "-9", sh.substr(0, sh.size() - 1)});
  ASSERT_TRUE(WaitForLog("web: 1 process left behind in its group; stopping it (SIGTERM)"))
      << Output();
  ASSERT_TRUE(Eventually([&] { return CountLog("web: started") == 2; })) << Output();
  ASSERT_TRUE(Eventually([&] { return RunCommand({"curl", "-sf", "-o", "/dev/null", url}) == 0; }))
      << Output();
  std::string pid;
  ASSERT_EQ(0, Ctl({"pid", "web"}, &pid));
  EXPECT_NE(sh, pid);
  EXPECT_EQ(0, Ctl({"status", "web"}, &out)) << out;  // RUNNING, not in BACKOFF.
  EXPECT_FALSE(Has(Output(), "Address already in use")) << Output();
  EXPECT_EQ(2u, CountLog("web: started")) << Output();
}

// postgres from Debian: with `ready = log:...`, a oneshot that depends on it and runs
// psql at once always connects; with nothing but startsecs = 0, it is refused in most
// starts (shown too, so that this test can fail).
class Postgres : public Servers {
 protected:
  void SetUp() override {
    Servers::SetUp();
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/postgres", 0, nullptr, &g) == 0 && g.gl_pathc > 0) {
      bin_ = std::string(g.gl_pathv[g.gl_pathc - 1]);
      bin_ = bin_.substr(0, bin_.rfind('/'));
    }
    globfree(&g);
    if (bin_.empty()) GTEST_SKIP() << "postgresql is not installed (contrib/install-deps)";
    // The test's directory is root's: postgres must reach its own inside it.
    chmod(dir_.c_str(), 0755);
    data_ = Path("data");
    sock_ = Path("sock");
    std::string out;
    ASSERT_EQ(0, RunCommand({"sh", "-c", "mkdir -p " + data_ + " " + sock_ + " && chown postgres " +
                                             data_ + " " + sock_ + " && runuser -u postgres -- " +
                                             bin_ + "/initdb -D " + data_ +
                                             " -A trust --no-sync -U postgres"},
                            &out, true))
        << out;
  }
  // One start of tend: postgres, and `check` running psql once it may. Returns the
  // oneshot's exit line ("check: exited with status 0 (done)", or its failure).
  std::string OneStart(int i, const std::string& ready) {
    const std::string d = Path("run" + std::to_string(i));
    mkdir(d.c_str(), 0755);
    WriteFile(d + "/pg.conf",
              "[program:postgres]\ncommand = " + bin_ + "/postgres -D " + data_ + " -k " + sock_ +
                  " -h '' -c fsync=off\nuser = postgres\nstartsecs = 0\nstopsignal = INT\n" +
                  (ready.empty() ? "" : "ready = " + ready + "\n") +
                  "[program:check]\ncommand = " + bin_ + "/psql -h " + sock_ +
                  " -U postgres -d postgres -Atc 'select 1'\ntype = oneshot\nrestart = never\n"
                  "user = postgres\ndepends_on = postgres\n");
    TendProcess::Options o;
    TendProcess t(d, {"-s", "none", "-c", d + "/pg.conf"}, o);
    std::string line;
    Eventually([&] {
      for (const auto& l : Lines(t.Stderr())) {
        if (Has(l, "check: exited") || Has(l, "check: was killed")) line = l;
      }
      return !line.empty();
    });
    t.Signal(SIGTERM);
    EXPECT_EQ(0, t.Wait()) << t.Stderr();
    if (line.empty()) line = "no exit: " + t.Stderr();
    return line;
  }
  std::string bin_, data_, sock_;
};

TEST_F(Postgres, ADependentConnectsAtItsFirstTryWhenReadinessComesFromTheLog) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(Has(OneStart(i, "log:database system is ready to accept connections"),
                    "check: exited with status 0 (done)"))
        << "start " << i;
  }
}

// postgres says READY=1 on NOTIFY_SOCKET (sd_notify), from its postmaster.
TEST_F(Postgres, ADependentConnectsAtItsFirstTryWithReadyNotify) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(Has(OneStart(i, "notify"), "check: exited with status 0 (done)")) << "start " << i;
  }
}

TEST_F(Postgres, WithoutReadinessTheDependentIsRefusedInSomeStarts) {
  int failed = 0;
  for (int i = 0; i < 10; ++i) failed += !Has(OneStart(i, ""), "check: exited with status 0");
  fprintf(stderr, "without ready: psql failed in %d starts of 10\n", failed);
  EXPECT_GT(failed, 0) << "psql never started before postgres was ready: this test cannot fail";
}

// redis 7 with --supervised systemd speaks sd_notify: STATUS= lines, then READY=1
// once it accepts commands (its port answers LOADING before that).
class Redis : public Servers {
 protected:
  void SetUp() override {
    Servers::SetUp();
    if (!Installed("/usr/bin/redis-server") || !Installed("/usr/bin/redis-cli")) {
      GTEST_SKIP() << "redis-server is not installed (contrib/install-deps)";
    }
  }
  std::string Conf(int port) {
    const std::string p = std::to_string(port);
    return "[program:redis]\ncommand = redis-server --port " + p +
           " --bind 127.0.0.1 --save '' --appendonly no --supervised systemd --dir " + dir_ +
           "\nready = notify\nstartsecs = 0\n"
           "[program:check]\ncommand = redis-cli -p " + p +
           " ping\ntype = oneshot\nrestart = never\ndepends_on = redis\n";
  }
};

TEST_F(Redis, ADependentConnectsAtItsFirstTryAndStatusShowsWhatRedisSaid) {
  for (int i = 0; i < 10; ++i) {
    const std::string d = Path("run" + std::to_string(i));
    mkdir(d.c_str(), 0755);
    WriteFile(d + "/r.conf", Conf(FreePort()));
    TendProcess t(d, {"-s", "none", "-c", d + "/r.conf"}, TendProcess::Options{});
    EXPECT_TRUE(Eventually([&] { return Has(t.Stderr(), "check: exited"); })) << t.Stderr();
    EXPECT_TRUE(Has(t.Stderr(), "check: exited with status 0 (done)")) << "start " << i << "\n"
                                                                       << t.Stderr();
    EXPECT_TRUE(Has(t.Stdout(), "PONG")) << t.Stdout();
    t.Signal(SIGTERM);
    EXPECT_EQ(0, t.Wait());
  }
  // tendctl status shows redis's own words.
  Start({"-c", WriteConf("r.conf", Conf(FreePort()))});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  std::string out;
  ASSERT_TRUE(Eventually([&] { return Ctl({"wait", "redis"}, &out) == 0; })) << out;
  EXPECT_EQ(0, Ctl({"status", "redis"}, &out));
  EXPECT_TRUE(Has(out, "notify: Ready to accept connections")) << out;
  EXPECT_EQ(0, Ctl({"-j", "status", "redis"}, &out));
  EXPECT_TRUE(Has(out, "\"status\":\"Ready to accept connections\"")) << out;
}

// health = exec:redis-cli ping: a hung redis (SIGSTOP: connections are still accepted
// by the kernel, never answered) is found and replaced; redis-cli is killed at its
// deadline each time; the stopped redis gets SIGCONT after its SIGTERM.
TEST_F(Redis, AHungRedisFailsRedisCliPingAndIsReplaced) {
  const std::string p = std::to_string(FreePort());
  Start({"-c", WriteConf("r.conf", "[program:redis]\ncommand = redis-server --port " + p +
                                       " --bind 127.0.0.1 --save '' --appendonly no "
                                       "--supervised systemd --dir " + dir_ +
                                       "\nready = notify\nstartsecs = 0\n"
                                       "health = exec:redis-cli -p " + p + " ping\n"
                                       "health_interval = 200ms\nhealth_timeout = 500ms\n"
                                       "health_retries = 2\nstopwaitsecs = 500ms\n")});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  std::string out;
  ASSERT_TRUE(Eventually([&] {
    return Ctl({"-j", "status", "redis"}, &out) == 0 &&
           Has(out, "\"health_state\":\"healthy\"");
  })) << out << tend_->Stderr();
  EXPECT_TRUE(Has(out, "\"health_last\":\"exited with status 0: PONG\"")) << out;
  const pid_t first = FirstChild(tend_->TendPid());
  ASSERT_EQ(0, kill(first, SIGSTOP));
  ASSERT_TRUE(WaitForLog("redis: unhealthy (2 checks failed: no answer within 500ms (killed)); "
                         "restarting"))
      << tend_->Stderr();
  // SIGCONT after its SIGTERM: the stopped redis stops at once, not at SIGKILL.
  ASSERT_TRUE(WaitForLog("redis: stopped (")) << tend_->Stderr();
  EXPECT_FALSE(Has(tend_->Stderr(), "redis: did not stop")) << tend_->Stderr();
  ASSERT_TRUE(Eventually([&] {
    return Ctl({"-j", "status", "redis"}, &out) == 0 &&
           Has(out, "\"health_state\":\"healthy\"");
  })) << out << tend_->Stderr();
  EXPECT_NE(first, FirstChild(tend_->TendPid()));
  EXPECT_EQ(0, Ctl({"health"}, &out)) << out;
  tend_->Signal(SIGTERM);
  EXPECT_EQ(0, tend_->Wait());
}

// ready = http: with nginx: a client that depends on it gets its page at the first try.
TEST_F(Servers, NginxIsReadyWhenItAnswersHttp) {
  if (!Installed("/usr/sbin/nginx") || !Installed("/usr/bin/curl")) {
    GTEST_SKIP() << "nginx or curl not installed";
  }
  const std::string port = std::to_string(FreePort());
  chmod(dir_.c_str(), 0755);  // nginx's workers run as nobody: they must reach www/.
  mkdir(Path("www").c_str(), 0755);
  WriteFile(Path("www/index.html"), "hello\n");
  WriteFile(Path("nginx.conf"),
            "pid " + Path("nginx.pid") + ";\nerror_log stderr notice;\nevents {}\nhttp {\n"
            "  access_log off;\n  server {\n    listen 127.0.0.1:" + port +
            ";\n    root " + Path("www") + ";\n  }\n}\n");
  Start({"-c", WriteConf("n.conf", "[program:nginx]\ncommand = nginx -p " + dir_ + " -c " +
                                       Path("nginx.conf") +
                                       " -e stderr -g 'daemon off;'\nstartsecs = 0\n"
                                       "ready = http:127.0.0.1:" + port + "/\n"
                                       "health = http:127.0.0.1:" + port + "/index.html\n"
                                       "[program:client]\ncommand = curl -sf http://127.0.0.1:" +
                                       port + "/\ntype = oneshot\nrestart = never\n"
                                       "depends_on = nginx\n")});
  ASSERT_TRUE(WaitForLog("client: exited")) << Output();
  EXPECT_TRUE(Has(tend_->Stderr(), "client: exited with status 0 (done)")) << Output();
  EXPECT_TRUE(Has(tend_->Stdout(), "client | hello")) << Output();
  EXPECT_LT(tend_->Stderr().find("nginx: ready after"), tend_->Stderr().find("client: started"));
  tend_->Signal(SIGTERM);
  EXPECT_EQ(0, tend_->Wait());
}

}  // namespace
}  // namespace tend
