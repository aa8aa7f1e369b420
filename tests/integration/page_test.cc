// The status page, GET /api/status and the metrics-only listener as their users reach
// them: a browser (Debian's headless Chromium driven by python3-selenium,
// tests/data/page_probe.py), curl, Prometheus; and as another site would try to use a
// browser that holds the password.
#include <sys/stat.h>

#include <regex>

#include "harness.h"

namespace tend {
namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kChromium[] = "/usr/bin/chromium";
constexpr char kChromedriver[] = "/usr/bin/chromedriver";

std::string Request(const std::string& method, const std::string& target, const std::string& auth,
                    const std::string& headers = "", const std::string& body = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
         (auth.empty() ? "" : "Authorization: Basic " + auth + "\r\n") + headers +
         (method == "POST" ? "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n"
                           : "") +
         "\r\n" + body;
}

int StatusOf(const std::string& answer) {
  return answer.compare(0, 9, "HTTP/1.1 ") == 0 ? atoi(answer.c_str() + 9) : -1;
}

std::string BodyOf(const std::string& answer) {
  const size_t at = answer.find("\r\n\r\n");
  return at == std::string::npos ? "" : answer.substr(at + 4);
}

class Page : public Pid1Test {
 protected:
  // tend with an [inet_http_server] for u:p and programs in several states.
  void StartWithPrograms() {
    port_ = FreePort();
    conf_ = WriteConf(
        "p.conf", "[inet_http_server]\nport=127.0.0.1:" + std::to_string(port_) +
                      "\nusername=u\npassword=p\n"
                      "[program:web]\ncommand=sh -c 'echo \"hello <b>bold?</b> "
                      "<script>alert(1)</script>\"; exec sleep 100000'\nstartsecs=0\n"
                      "[program:idle]\ncommand=sleep 100001\nautostart=false\n"
                      "[program:doomed]\ncommand=sh -c 'exit 3'\nstartretries=0\n"
                      "[program:once]\ncommand=true\ntype=oneshot\n");
    Start({"-c", conf_});
    ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
    ASSERT_TRUE(Eventually([&] {
      std::string out;
      Ctl({"status"}, &out);
      return Has(out, "doomed") && Has(out, "FATAL") && Has(out, "EXITED");
    }));
  }
  std::string Token() {
    const std::string page = TcpExchange(port_, Request("GET", "/", "dTpw"));
    std::smatch m;
    return std::regex_search(page, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\"")) ? m[1].str()
                                                                                        : "";
  }
  int port_ = 0;
  std::string conf_;
};

TEST_F(Page, ChromiumListsStopsAndReadsWithoutJavaScript) {
  for (const char* p : {kPython, kChromium, kChromedriver}) {
    if (!Installed(p)) GTEST_SKIP() << p << " is not installed (make check installs it)";
  }
  if (RunCommand({kPython, "-c", "import selenium"}, nullptr, true) != 0) {
    GTEST_SKIP() << "python3-selenium is not installed (make check installs it)";
  }
  StartWithPrograms();
  // The screenshot README shows (docs/status-page.png is a copy of one).
  mkdir(Repo("build/docs").c_str(), 0755);
  std::string out;
  const int status = RunCommand({kPython, Repo("tests/data/page_probe.py"),
                                 "http://127.0.0.1:" + std::to_string(port_), "u", "p",
                                 Repo("build/docs/status-page.png"), "web=RUNNING",
                                 "idle=STOPPED", "doomed=FATAL", "once=EXITED"},
                                &out, /*with_stderr=*/true);
  EXPECT_EQ(0, status) << out << tend_->Stderr();
  EXPECT_EQ("ok\n", out);
}

TEST_F(Page, AnActionNeedsThePagesTokenAndTheSameSite) {
  StartWithPrograms();
  const std::string token = Token();
  ASSERT_EQ(32u, token.size());
  const std::string stop = "csrf=" + token + "&name=web&do=stop";
  // Without the password: 401, the token or not.
  EXPECT_EQ(401, StatusOf(TcpExchange(port_, Request("POST", "/action", "", "", stop))));
  // Another site's form: no token, a wrong one, or the browser says where it comes from.
  EXPECT_EQ(403, StatusOf(TcpExchange(port_, Request("POST", "/action", "dTpw", "",
                                                     "name=web&do=stop"))));
  EXPECT_EQ(403, StatusOf(TcpExchange(port_, Request("POST", "/action", "dTpw", "",
                                                     "csrf=" + std::string(32, '0') +
                                                         "&name=web&do=stop"))));
  EXPECT_EQ(403, StatusOf(TcpExchange(
                     port_, Request("POST", "/action", "dTpw",
                                    "Origin: http://evil.example\r\nSec-Fetch-Site: cross-site\r\n",
                                    stop))));
  // Nor through /RPC2: a text/plain form can carry an XML-RPC call, so only XML is taken,
  // and never from another site.
  const std::string call =
      "<?xml =?><methodCall><methodName>supervisor.stopProcess</methodName><params><param>"
      "<value><string>web</string></value></param></params></methodCall>";
  auto rpc = [&](const std::string& headers) {
    return StatusOf(TcpExchange(
        port_, "POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               "Authorization: Basic dTpw\r\n" + headers + "Content-Length: " +
                   std::to_string(call.size()) + "\r\n\r\n" + call));
  };
  EXPECT_EQ(415, rpc("Content-Type: text/plain\r\n"));
  EXPECT_EQ(415, rpc(""));
  EXPECT_EQ(403, rpc("Content-Type: text/xml\r\nSec-Fetch-Site: Cross-Site\r\n"));
  // An action is never a GET.
  EXPECT_EQ(405, StatusOf(TcpExchange(port_, Request("GET", "/action?" + stop, "dTpw"))));
  std::string out;
  Ctl({"status", "web"}, &out);
  EXPECT_TRUE(Has(out, "RUNNING")) << out;

  // The page's own form: a 303 back to the page, and web stops.
  const std::string done = TcpExchange(
      port_, Request("POST", "/action", "dTpw", "Sec-Fetch-Site: same-origin\r\n", stop + "&log=web"));
  EXPECT_EQ(303, StatusOf(done)) << done;
  EXPECT_TRUE(Has(done, "Location: /?log=web\r\n")) << done;
  EXPECT_TRUE(Eventually([&] {
    Ctl({"status", "web"}, &out);
    return Has(out, "STOPPED");
  })) << out;
  // The script's: JSON; a mistake is said, not done.
  const std::string json = TcpExchange(
      port_, Request("POST", "/action", "dTpw", "Accept: application/json\r\n",
                     "csrf=" + token + "&name=nosuch&do=start"));
  EXPECT_EQ(404, StatusOf(json)) << json;
  EXPECT_EQ("{\"ok\":false,\"message\":\"no such program: nosuch\"}\n", BodyOf(json));
  EXPECT_EQ(200, StatusOf(TcpExchange(port_, Request("POST", "/action", "dTpw",
                                                     "Accept: application/json\r\n",
                                                     "csrf=" + token + "&name=web&do=start"))));
  EXPECT_TRUE(Eventually([&] {
    Ctl({"status", "web"}, &out);
    return Has(out, "RUNNING");
  })) << out;
}

TEST_F(Page, EscapesWhatProgramsWriteAndFencesItself) {
  StartWithPrograms();
  std::string page;
  ASSERT_TRUE(Eventually([&] {
    page = TcpExchange(port_, Request("GET", "/?log=web", "dTpw"));
    return Has(page, "hello");
  })) << page;
  EXPECT_EQ(200, StatusOf(page));
  EXPECT_TRUE(Has(page, "hello &lt;b&gt;bold?&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;"))
      << page;
  EXPECT_FALSE(Has(page, "<script>alert")) << page;
  EXPECT_TRUE(Has(page, "Content-Security-Policy: default-src 'none'; script-src 'self';")) << page;
  EXPECT_TRUE(Has(page, "X-Frame-Options: DENY")) << page;
  // A chosen name is text wherever it lands (the attribute, the heading).
  const std::string odd = TcpExchange(port_, Request("GET", "/live?log=%22%3E%3Cimg%20src%3Dx%3E", "dTpw"));
  EXPECT_EQ(200, StatusOf(odd));
  EXPECT_FALSE(Has(odd, "<img")) << odd;
  EXPECT_TRUE(Has(odd, "&quot;&gt;&lt;img src=x&gt;: its last lines")) << odd;
  for (const char* path : {"/", "/live", "/api/status", "/tend.js", "/tend.css", "/metrics",
                           "/RPC2", "/nosuch"}) {
    EXPECT_EQ(401, StatusOf(TcpExchange(port_, Request("GET", path, "")))) << path;
  }
  EXPECT_EQ(404, StatusOf(TcpExchange(port_, Request("GET", "/nosuch", "dTpw"))));
}

// GET /api/status is tendctl -j status, from the TCP port and the control socket alike.
TEST_F(Page, ApiStatusIsTendctlsJson) {
  StartWithPrograms();
  std::string ctl;
  Ctl({"-j", "status"}, &ctl);
  const std::string api = TcpExchange(port_, Request("GET", "/api/status", "dTpw"));
  EXPECT_EQ(200, StatusOf(api)) << api;
  EXPECT_TRUE(Has(api, "Content-Type: application/json")) << api;
  std::string unix_api;
  RunCommand({"curl", "-s", "--unix-socket", Path("ctl.sock"), "http://tend/api/status"}, &unix_api);
  // Times move between two requests; everything else is the same.
  const std::regex times("\"(uptime_ms|ready_wait_ms)\":[0-9]+");
  const std::string want = std::regex_replace(ctl, times, "\"$1\":T");
  EXPECT_EQ(want, std::regex_replace(BodyOf(api), times, "\"$1\":T"));
  if (Installed("/usr/bin/curl")) {
    EXPECT_EQ(want, std::regex_replace(unix_api, times, "\"$1\":T"));
  }
}

// [tend] metrics_address: GET /metrics alone, behind its own password or the
// [inet_http_server]'s; a configuration without one is refused where it says so.
TEST_F(Page, AMetricsListenerServesMetricsAlone) {
  const int port = FreePort();
  const std::string conf = WriteConf(
      "m.conf", "[tend]\nmetrics_address = 127.0.0.1:" + std::to_string(port) +
                    "\nmetrics_username = prom\nmetrics_password = {SHA}" +
                    "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4\n"  // sha1("secret")
                    "[program:web]\ncommand=sleep 100000\n");
  Start({"-c", conf});
  ASSERT_TRUE(WaitForSocket()) << tend_->Stderr();
  const std::string auth = "cHJvbTpzZWNyZXQ=";  // prom:secret
  std::string m;
  ASSERT_TRUE(Eventually([&] {
    m = TcpExchange(port, Request("GET", "/metrics", auth));
    return Has(m, "tend_program_up{program=\"web\",group=\"web\"} 1");
  })) << m;
  EXPECT_EQ(200, StatusOf(m));
  EXPECT_EQ(401, StatusOf(TcpExchange(port, Request("GET", "/metrics", ""))));
  EXPECT_EQ(401, StatusOf(TcpExchange(port, Request("GET", "/metrics", "cHJvbTpub3Bl"))));
  for (const char* path : {"/", "/api/status", "/RPC2", "/logtail/web"}) {
    EXPECT_EQ(404, StatusOf(TcpExchange(port, Request("GET", path, auth)))) << path;
  }
  EXPECT_EQ(404, StatusOf(TcpExchange(port, Request("POST", "/RPC2", auth, "", "<x/>"))));

  std::string out;
  WriteFile(conf + "/bad.conf", "[tend]\nmetrics_address = 127.0.0.1:1\n");
  WriteFile(conf + "/m.conf", "[program:web]\ncommand=sleep 100000\n");
  EXPECT_EQ(2 << 8, RunCommand({BuildPath("tend"), "--check", "-c", conf}, &out, true)) << out;
  EXPECT_TRUE(Has(out, "bad.conf:2: error: metrics_address needs a password")) << out;
}

}  // namespace
}  // namespace tend
