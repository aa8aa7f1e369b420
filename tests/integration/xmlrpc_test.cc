// supervisord's XML-RPC interface as its clients reach it: Python's xmlrpc.client and
// supervisor's own transport (tests/data/rpc_probe.py) see what they see from Debian's
// supervisord on the same file; HTTP asks for the password and survives garbage; a
// listener acts through SUPERVISOR_SERVER_URL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

namespace tend {
namespace {

constexpr char kSupervisord[] = "/usr/bin/supervisord";
constexpr char kPython[] = "/usr/bin/python3";

std::string Repo(const std::string& path) {
  char cwd[4096];
  return std::string(getcwd(cwd, sizeof cwd) ? cwd : ".") + "/" + path;
}

// Sends `request` to 127.0.0.1:`port` and reads the answer until the server closes.
std::string Exchange(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

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
                           "[group:pair]\nprograms=a,b\n";
  WriteFile(Path("supervisord.conf"), conf);
  ASSERT_EQ(mkdir(Path("real").c_str(), 0755), 0);
  TendProcess::Options opts;
  opts.binary = kSupervisord;
  TendProcess supervisord(Path("real"), {"-n", "-c", Path("supervisord.conf")}, opts);
  Start({"-c", Path("supervisord.conf")});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  auto probe = [&](const std::string& url) {
    std::string out;
    RunCommand({kPython, Repo("tests/data/rpc_probe.py"), url}, &out, true);
    return out;
  };
  // Both up, with web and pair RUNNING (startsecs).
  auto settled = [&](const std::string& url) {
    return Eventually([&] { return CountLines(probe(url), " RUNNING 20 ") == 3; });
  };
  ASSERT_TRUE(settled("unix://" + dir_ + "/supervisor.sock")) << probe("unix://" + dir_ + "/supervisor.sock");
  ASSERT_TRUE(settled("unix://" + Path("ctl.sock"))) << probe("unix://" + Path("ctl.sock"));
  const std::string theirs = probe("unix://" + dir_ + "/supervisor.sock");
  EXPECT_EQ(theirs, probe("unix://" + Path("ctl.sock")));
  EXPECT_TRUE(Has(theirs, "getProcessInfo ('nosuch',) -> fault 10 BAD_NAME: nosuch")) << theirs;
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
  ASSERT_TRUE(Eventually([&] { return Has(Exchange(port, Post(kGetPid, good)), "HTTP/1.1 200"); }));
  std::string a = Exchange(port, Post(kGetPid, good));
  EXPECT_TRUE(Has(a, "Content-Type: text/xml")) << a;
  EXPECT_TRUE(Has(a, "<value><int>1</int></value>")) << a;  // PID 1.
  a = Exchange(port, Post(kGetPid, ""));
  EXPECT_EQ(0u, a.find("HTTP/1.1 401 Unauthorized\r\n")) << a;
  EXPECT_TRUE(Has(a, "WWW-Authenticate: Basic realm=\"default\"")) << a;
  EXPECT_EQ(0u, Exchange(port, Post(kGetPid, "dTp3cm9uZw==")).find("HTTP/1.1 401")) << "u:wrong";
  // Garbage, a deep body, a huge length, no request at all: refused, tend unharmed.
  EXPECT_EQ(0u, Exchange(port, Post("<methodCall><oops", good)).find("HTTP/1.1 400"));
  std::string deep = "<methodCall><methodName>m</methodName><params><param>";
  for (int i = 0; i < 10000; ++i) deep += "<value><array><data>";
  EXPECT_EQ(0u, Exchange(port, Post(deep, good)).find("HTTP/1.1 400"));
  EXPECT_EQ(0u, Exchange(port, "POST /RPC2 HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n")
                    .find("HTTP/1.1 413"));
  EXPECT_EQ(0u, Exchange(port, std::string("\x16\x03\x01\x02\x00", 5)).find("HTTP/1.1 400"));
  EXPECT_EQ(0u, Exchange(port, Post(kGetPid, good)).find("HTTP/1.1 200"));
  // Pipelined: each answered in turn, once the one before is written.
  std::string keep = Post(kGetPid, good);
  keep.replace(keep.find("Connection: close"), 17, "Connection: keep-alive");
  a = Exchange(port, keep + keep + Post(kGetPid, ""));
  EXPECT_EQ(2u, CountLines(a, "HTTP/1.1 200 OK")) << a;
  EXPECT_EQ(1u, CountLines(a, "HTTP/1.1 401 Unauthorized")) << a;
  EXPECT_EQ(0, Ctl({"pid"}));  // tend answers its own socket too.
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
