// supervisord's XML-RPC interface as its clients reach it: Python's xmlrpc.client and
// supervisor's own transport (tests/data/rpc_probe.py) see what they see from Debian's
// supervisord on the same file; HTTP asks for the password and survives garbage; a
// listener acts through SUPERVISOR_SERVER_URL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

namespace tend {
namespace {

constexpr char kSupervisord[] = "/usr/bin/supervisord";
constexpr char kPython[] = "/usr/bin/python3";

std::string Post(const std::string& body, const std::string& auth) {
  return "POST /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/xml\r\n" +
         (auth.empty() ? "" : "Authorization: Basic " + auth + "\r\n") +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const char kGetPid[] =
    "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getPID</methodName>\n"
    "<params>\n</params>\n</methodCall>\n";

class XmlRpc : public Pid1Test {
 protected:
  void SetUp() override {
    Pid1Test::SetUp();
    if (!Installed(kPython)) GTEST_SKIP() << "python3 is not installed";
  }
};

TEST_F(XmlRpc, ClientsSeeWhatSupervisordShows) {
  if (!Installed(kSupervisord)) {
    GTEST_SKIP() << "Debian's supervisor is not installed (contrib/install-deps)";
  }
  const std::string conf = SupervisordSections(dir_) +
                           "[program:web]\ncommand=sleep 100000\n"
                           "[program:idle]\ncommand=sleep 100001\nautostart=false\n"
                           "[program:ghost]\ncommand=/nonexistent/ghost\nautostart=false\n"
                           "[program:a]\ncommand=sleep 100002\n[program:b]\ncommand=sleep 100003\n"
                           "[group:pair]\nprograms=a,b\n"
                           "[program:talk]\ncommand=sh -c 'echo out1; echo err1 >&2; echo out2; "
                           "exec sleep 100004'\n"
                           "[program:merged]\ncommand=sh -c 'echo m-out; echo m-err >&2; "
                           "exec sleep 100005'\nredirect_stderr=true\n"
                           "[program:quiet]\ncommand=sh -c 'echo q; exec sleep 100006'\n"
                           "stdout_logfile=NONE\n";
  WriteFile(Path("supervisord.conf"), conf);
  ASSERT_EQ(mkdir(Path("real").c_str(), 0755), 0);
  TendProcess::Options opts;
  opts.binary = kSupervisord;
  TendProcess supervisord(Path("real"), {"-n", "-c", Path("supervisord.conf")}, opts);
  Start({"-c", Path("supervisord.conf")});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  auto probe = [&](const std::string& url, const char* logs = "") {
    std::string out;
    RunCommand({kPython, Repo("tests/data/rpc_probe.py"), url, logs}, &out, true);
    return out;
  };
  // Both up, with web, pair, talk, merged and quiet RUNNING (startsecs).
  auto settled = [&](const std::string& url) {
    return Eventually([&] { return CountLines(probe(url), " RUNNING 20 ") == 6; });
  };
  ASSERT_TRUE(settled("unix://" + dir_ + "/supervisor.sock")) << probe("unix://" + dir_ + "/supervisor.sock");
  ASSERT_TRUE(settled("unix://" + Path("ctl.sock"))) << probe("unix://" + Path("ctl.sock"));
  const std::string theirs = probe("unix://" + dir_ + "/supervisor.sock", "logs");
  EXPECT_EQ(theirs, probe("unix://" + Path("ctl.sock"), "logs"));
  EXPECT_TRUE(Has(theirs, "getProcessInfo ('nosuch',) -> fault 10 BAD_NAME: nosuch")) << theirs;
  EXPECT_TRUE(Has(theirs, "readProcessStdoutLog ('talk', -1600, 0) -> 'out1\\nout2\\n'")) << theirs;
  EXPECT_TRUE(Has(theirs, "readProcessStdoutLog ('talk', 0, 0) -> ''")) << theirs;  // Cleared.
  EXPECT_TRUE(Has(theirs, "restart by multicall [True, True]")) << theirs;
  EXPECT_TRUE(Has(theirs, "merged -> fault 20")) << theirs;
  EXPECT_TRUE(Has(theirs, "quiet -> fault 20")) << theirs;
  supervisord.Signal(SIGTERM);
  EXPECT_EQ(0, supervisord.Wait());
}

TEST_F(XmlRpc, HttpAsksThePasswordAndSurvivesGarbage) {
  const int port = FreePort();
  std::string conf = WriteConf(
      "h.conf", "[inet_http_server]\nport=127.0.0.1:" + std::to_string(port) +
                    "\nusername=u\npassword={SHA}9d4e1e23bd5b727046a9e3b4b7db57bd8d6ee684\n"
                    "[program:web]\ncommand=sleep 100000\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  const std::string good = "dTpwYXNz";  // u:pass
  // The listener may come a moment after the control socket.
  ASSERT_TRUE(Eventually([&] { return Has(TcpExchange(port, Post(kGetPid, good)), "HTTP/1.1 200"); }));
  std::string a = TcpExchange(port, Post(kGetPid, good));
  EXPECT_TRUE(Has(a, "Content-Type: text/xml")) << a;
  EXPECT_TRUE(Has(a, "<value><int>1</int></value>")) << a;  // PID 1.
  a = TcpExchange(port, Post(kGetPid, ""));
  EXPECT_EQ(0u, a.find("HTTP/1.1 401 Unauthorized\r\n")) << a;
  EXPECT_TRUE(Has(a, "WWW-Authenticate: Basic realm=\"default\"")) << a;
  EXPECT_EQ(0u, TcpExchange(port, Post(kGetPid, "dTp3cm9uZw==")).find("HTTP/1.1 401")) << "u:wrong";
  // Garbage, a deep body, a huge length, no request at all: refused, tend unharmed.
  EXPECT_EQ(0u, TcpExchange(port, Post("<methodCall><oops", good)).find("HTTP/1.1 400"));
  std::string deep = "<methodCall><methodName>m</methodName><params><param>";
  for (int i = 0; i < 10000; ++i) deep += "<value><array><data>";
  EXPECT_EQ(0u, TcpExchange(port, Post(deep, good)).find("HTTP/1.1 400"));
  EXPECT_EQ(0u, TcpExchange(port, "POST /RPC2 HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n")
                    .find("HTTP/1.1 413"));
  EXPECT_EQ(0u, TcpExchange(port, std::string("\x16\x03\x01\x02\x00", 5)).find("HTTP/1.1 400"));
  EXPECT_EQ(0u, TcpExchange(port, Post(kGetPid, good)).find("HTTP/1.1 200"));
  // Pipelined: each answered in turn, once the one before is written.
  std::string keep = Post(kGetPid, good);
  keep.replace(keep.find("Connection: close"), 17, "Connection: keep-alive");
  a = TcpExchange(port, keep + keep + Post(kGetPid, ""));
  EXPECT_EQ(2u, CountLines(a, "HTTP/1.1 200 OK")) << a;
  EXPECT_EQ(1u, CountLines(a, "HTTP/1.1 401 Unauthorized")) << a;
  EXPECT_EQ(0, Ctl({"pid"}));  // tend answers its own socket too.
}

// What supervisord's methods do not say, as tend must: a multicall's answer is bounded
// (256 whole logs would be PID 1's memory); while restart is under way every method is
// refused, as by a restarting supervisord, and it ends with the programs anew; a group
// whose addition or removal would break a dependency is refused, nothing changed.
TEST_F(XmlRpc, BoundsAndRefusalsSupervisordDoesNotHave) {
  std::string conf = WriteConf(
      "b.conf", "[program:chatty]\ncommand=sh -c 'yes 0123456789012345678901234567890123456789"
                "012345678901234567890123456789 | head -n 2000; exec sleep 100000'\n"
                "startsecs=0\n"
                "[program:slow]\ncommand=sh -c 'trap \"sleep 0.5; exit 0\" TERM; "
                "while :; do sleep 0.05; done'\nstartsecs=0\n"
                "[program:db]\ncommand=sleep 100001\nstartsecs=0\n"
                "[program:web]\ncommand=sleep 100002\nstartsecs=0\ndepends_on=db\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  ASSERT_TRUE(Eventually([&] { return CountLines(tend_->Stdout(), "chatty | 0123") == 2000; }));
  WriteFile(Path("probe.py"),
            "import sys, time, xmlrpc.client\n"
            "from supervisor import xmlrpc as sx\n"
            "p = xmlrpc.client.ServerProxy('http://127.0.0.1', transport=sx.SupervisorTransport("
            "'', '', 'unix://" + Path("ctl.sock") + "'))\n"
            "s = p.supervisor\n"
            "def fault(f, *a):\n"
            "    try:\n"
            "        return repr(f(*a))\n"
            "    except xmlrpc.client.Fault as e:\n"
            "        return 'fault %d %s' % (e.faultCode, e.faultString)\n"
            "r = p.system.multicall([{'methodName': 'supervisor.readProcessStdoutLog',"
            " 'params': ['chatty', 0, 0]}] * 256)\n"
            "ok = [x for x in r if isinstance(x, str)]\n"
            "print('multicall', len(ok) > 0, len(r) - len(ok) > 0, len(ok[0]) > 50000,"
            " r[-1]['faultString'][:40])\n"
            "print('reread', s.reloadConfig())\n"
            "print('db first', fault(s.stopProcessGroup, 'db'), fault(s.removeProcessGroup, 'db'),"
            " fault(s.addProcessGroup, 'db'))\n"
            "print('web then db', fault(s.stopProcessGroup, 'web'), fault(s.removeProcessGroup, 'web'),"
            " fault(s.addProcessGroup, 'web'), fault(s.addProcessGroup, 'db'))\n"
            "pid = s.getProcessInfo('slow')['pid']\n"
            "print('restart', s.restart(), fault(s.getState))\n"
            "for i in range(400):\n"
            "    r = fault(s.getState)\n"
            "    if not r.startswith('fault'): break\n"
            "    time.sleep(0.05)\n"
            "print('after', r, s.getProcessInfo('slow')['pid'] != pid)\n");
  // The dependency turned round: applied group by group, the order matters.
  std::string text = ReadFile(conf + "/b.conf");
  text.replace(text.find("depends_on=db\n"), 14, "");
  text.replace(text.find("[program:db]\ncommand=sleep 100001\n"), 34,
               "[program:db]\ncommand=sleep 100001\ndepends_on=web\n");
  WriteFile(conf + "/b.conf", text);
  std::string out;
  RunCommand({kPython, Path("probe.py")}, &out, true);
  // Each answer is what the 64 KiB ring keeps; past 8 MiB the calls fail.
  EXPECT_TRUE(Has(out, "multicall True True True FAILED: the answer is too large: call")) << out;
  EXPECT_TRUE(Has(out, "reread [[[], ['web', 'db'], []]]")) << out;  // web first.
  EXPECT_TRUE(Has(out, "True fault 30 FAILED: db: dependency cycle through ")) << out;
  // web stopped with db, which it depended on: nothing left to stop.
  EXPECT_TRUE(Has(out, "web then db [] True True True")) << out;
  EXPECT_TRUE(Has(out, "restart True fault 6 SHUTDOWN_STATE")) << out;
  EXPECT_TRUE(Has(out, "after {'statecode': 1, 'statename': 'RUNNING'} True")) << out;
  EXPECT_EQ(0, Ctl({"pid", "web"})) << tend_->Stderr();
}

// supervisorctl tail -f: the real one follows a program's stdout over HTTP (/logtail,
// chunked) from the last bytes kept on, lines written after it connected included; the
// main log too; a wrong name is a 404, no password a 401.
TEST_F(XmlRpc, TailFollowsAProgramsLinesAsTheyCome) {
  if (!Installed("/usr/bin/supervisorctl")) GTEST_SKIP() << "Debian's supervisor is not installed";
  const int port = FreePort();
  std::string conf = WriteConf(
      "t.conf", "[inet_http_server]\nport=127.0.0.1:" + std::to_string(port) +
                    "\nusername=u\npassword=p\n"
                    "[program:talk]\ncommand=sh -c 'echo before; echo oops >&2; "
                    "while [ ! -e " + Path("go") + " ]; do sleep 0.05; done; "
                    "echo after 1; echo after 2; exec sleep 100000'\nstartsecs=0\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  ASSERT_TRUE(Eventually([&] { return Has(tend_->Stdout(), "talk | before"); }));
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  TendProcess::Options opts;
  opts.binary = "/usr/bin/supervisorctl";
  opts.pid_namespace = false;
  ASSERT_EQ(0, mkdir(Path("tail").c_str(), 0755));
  TendProcess tail(Path("tail"), {"-s", url, "-u", "u", "-p", "p", "tail", "-f", "talk"}, opts);
  ASSERT_TRUE(Eventually([&] { return Has(tail.Stdout(), "before\n"); })) << tail.Stdout();
  WriteFile(Path("go"), "");
  ASSERT_TRUE(Eventually([&] { return Has(tail.Stdout(), "after 2\n"); })) << tail.Stdout();
  EXPECT_EQ("==> Press Ctrl-C to exit <==\nbefore\nafter 1\nafter 2\n", tail.Stdout());
  ASSERT_EQ(0, mkdir(Path("err").c_str(), 0755));
  TendProcess err(Path("err"), {"-s", url, "-u", "u", "-p", "p", "tail", "-f", "talk", "stderr"},
                  opts);
  EXPECT_TRUE(Eventually([&] { return Has(err.Stdout(), "oops\n"); })) << err.Stdout();
  const std::string get = "GET /logtail/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  EXPECT_EQ(0u, TcpExchange(port, get + "Authorization: Basic dTpw\r\n\r\n").find("HTTP/1.1 404"));
  EXPECT_EQ(0u, TcpExchange(port, get + "\r\n").find("HTTP/1.1 401"));
  std::string out;
  RunCommand({"timeout", "1", "/usr/bin/supervisorctl", "-s", url, "-u", "u", "-p", "p", "maintail",
              "-f"},
             &out);
  EXPECT_TRUE(Has(out, "tend: talk: started")) << out;
  // tend leaving ends the stream as HTTP ends one: its last, empty chunk.
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a = {};
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", Path("ctl.sock").c_str());
  ASSERT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a));
  const std::string follow = "GET /mainlogtail HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(static_cast<ssize_t>(follow.size()), write(fd, follow.data(), follow.size()));
  timeval tv = {20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string stream;
  char buf[4096];
  ssize_t n;
  while (!Has(stream, "\r\n\r\n") && (n = read(fd, buf, sizeof buf)) > 0) {
    stream.append(buf, static_cast<size_t>(n));
  }
  tend_->Signal(SIGTERM);
  while ((n = read(fd, buf, sizeof buf)) > 0) stream.append(buf, static_cast<size_t>(n));
  close(fd);
  EXPECT_EQ(0, n);
  EXPECT_EQ(0, tend_->Wait());
  ASSERT_GE(stream.size(), 7u);
  EXPECT_EQ("\r\n0\r\n\r\n", stream.substr(stream.size() - 7)) << stream;
}

// A follower that stops reading is dropped once 1 MiB waits for it: tend's memory stays
// bounded, the program's output is not held back, and everything else goes on.
TEST_F(XmlRpc, AStalledTailIsDroppedNotKeptInMemory) {
  const int port = FreePort();
  std::string conf = WriteConf(
      "s.conf", "[inet_http_server]\nport=127.0.0.1:" + std::to_string(port) +
                    "\nusername=u\npassword=p\n"
                    "[program:flood]\ncommand=sh -c 'while [ ! -e " + Path("go") +
                    " ]; do sleep 0.05; done; yes " + std::string(98, 'x') +
                    " | head -n 60000; exec sleep 100000'\nstartsecs=0\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  // On tend's unix socket, whose buffers are small: what the reader does not take
  // waits in tend.
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a = {};
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", Path("ctl.sock").c_str());
  ASSERT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a));
  const std::string get =
      "GET /logtail/flood HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(static_cast<ssize_t>(get.size()), write(fd, get.data(), get.size()));
  WriteFile(Path("go"), "");
  // All 6 MB went through tend's log path while nobody read the follower.
  ASSERT_TRUE(Eventually([&] {
    std::string out;
    RunCommand({"grep", "-c", "^flood | x", Path("stdout")}, &out);
    return out == "60000\n";
  })) << tend_->Stderr();
  // Read what is there: the end comes, well before 6 MB.
  timeval tv = {20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t got = 0;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) got += static_cast<size_t>(n);
  close(fd);
  EXPECT_EQ(0, n) << "the follower was not dropped";
  EXPECT_LT(got, 3000000u);
  EXPECT_EQ(0, Ctl({"pid"}));
  EXPECT_EQ(0u, TcpExchange(port, Post(kGetPid, "dTpw")).find("HTTP/1.1 200"));
}

// 70 connections that never give the password (more than the 64 TCP clients served at
// once): the administrator still gets in, each new connection taking the place of the
// oldest stranger.
TEST_F(XmlRpc, IdleStrangersCannotKeepTheAdministratorOut) {
  const int port = FreePort();
  std::string conf = WriteConf("i.conf", "[inet_http_server]\nport=127.0.0.1:" +
                                             std::to_string(port) +
                                             "\nusername=u\npassword=p\n"
                                             "[program:web]\ncommand=sleep 100000\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  ASSERT_TRUE(Eventually([&] { return Has(TcpExchange(port, Post(kGetPid, "dTpw")), "200 OK"); }));
  std::vector<int> idle;
  for (int i = 0; i < 70; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a));
    idle.push_back(fd);
  }
  EXPECT_EQ(0u, TcpExchange(port, Post(kGetPid, "dTpw")).find("HTTP/1.1 200 OK"));
  for (int fd : idle) close(fd);
}

// A listener that stops a program through supervisor's childutils, as superlance's
// tools do: SUPERVISOR_SERVER_URL is tend's unix socket, which answers XML-RPC too.
TEST_F(XmlRpc, AListenerStopsAProgramThroughSupervisorServerUrl) {
  if (!Installed(kSupervisord)) GTEST_SKIP() << "supervisor's Python package is not installed";
  WriteFile(Path("stopper.py"),
            "import os, sys\n"
            "from supervisor import childutils\n"
            "rpc = childutils.getRPCInterface(os.environ)\n"
            "while True:\n"
            "    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)\n"
            "    if 'processname:victim ' in payload:\n"
            "        rpc.supervisor.stopProcess('victim')\n"
            "    childutils.listener.ok(sys.stdout)\n");
  std::string conf = WriteConf(
      "l.conf", "[program:victim]\ncommand=sleep 100000\nstartsecs=0\n"
                "[eventlistener:stopper]\ncommand=" + std::string(kPython) + " " + Path("stopper.py") +
                    "\nevents=PROCESS_STATE_RUNNING\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  ASSERT_TRUE(Eventually([&] {
    std::string out;
    Ctl({"status", "victim"}, &out);
    return Has(out, "STOPPED");
  })) << tend_->Stderr();
  EXPECT_TRUE(Has(tend_->Stderr(), "victim: stopped")) << tend_->Stderr();
}

}  // namespace
}  // namespace tend
