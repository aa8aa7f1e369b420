#include "control/web_page.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <map>

#include <fmt/format.h>

#include "base/sys.h"
#include "base/values.h"
#include "base/version.h"  // Generated: build/gen/base/version.h.
#include "control/status_report.h"
#include "control/xmlrpc.h"
#include "log/log_router.h"

namespace tend {

namespace {

constexpr char kNoSniff[] = "X-Content-Type-Options: nosniff";

// The page may load its own style and script and talk to tend, nothing else; no other
// site may frame it (its buttons act).
const std::vector<std::string>& PageHeaders() {
  static const std::vector<std::string> headers = {
      "Content-Type: text/html; charset=utf-8",
      "Cache-Control: no-store",
      "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
      "connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
      "base-uri 'none'",
      "X-Frame-Options: DENY",
      kNoSniff,
      "Referrer-Policy: no-referrer",
  };
  return headers;
}

std::string Html(std::string_view s) {
  std::string out;
  xmlrpc::EscapeMarkup(s, &out, /*quotes=*/true);
  return out;
}

// For a URL's query: what is not unreserved as %XX.
std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The states a stop applies to (and a start does not): supervisord's RUNNING_STATES.
bool Up(const std::string& state) {
  return state == "STARTING" || state == "RUNNING" || state == "BACKOFF" || state == "STOPPING";
}

// Compares without telling, by its time, how much of a guess was right.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// 128 bits from the kernel, in hex; "" when it has none to give without blocking.
std::string RandomToken() {
  unsigned char bytes[16];
  ssize_t n;
  do {
    n = getrandom(bytes, sizeof bytes, GRND_NONBLOCK);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof bytes)) {
    // Before getrandom (kernels older than 3.17, some seccomp profiles): urandom.
    UniqueFd fd(open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid() || ReadSome(fd.get(), bytes, sizeof bytes) != sizeof bytes) return "";
  }
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

}  // namespace

std::string FormValue(std::string_view form, std::string_view key) {
  while (!form.empty()) {
    const size_t amp = form.find('&');
    std::string_view pair = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view() : form.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    if (eq == std::string_view::npos) return "";
    std::string value(pair.substr(eq + 1));
    for (char& c : value) {
      if (c == '+') c = ' ';
    }
    return PercentDecode(value);
  }
  return "";
}

WebPage::WebPage(Supervisor* supervisor, const LogRouter* logs)
    : supervisor_(supervisor), logs_(logs) {}

bool WebPage::Serves(const std::string& path) {
  return path == "/" || path == "/live" || path == "/action" || path == "/api/status" ||
         path == "/tend.css" || path == "/tend.js";
}

WebAnswer WebPage::Handle(const HttpRequest& r, const std::string& path) {
  const size_t q = r.target.find('?');
  const std::string_view query =
      q == std::string::npos ? std::string_view() : std::string_view(r.target).substr(q + 1);
  if (path == "/action") {
    if (r.method != "POST") return {405, {"Allow: POST"}, ""};
    return Action(r);
  }
  if (r.method != "GET") return {405, {"Allow: GET"}, ""};
  if (path == "/api/status") {
    std::vector<Message> programs;
    for (auto& l : List()) programs.push_back(std::move(l.report));
    return {200, {"Content-Type: application/json", "Cache-Control: no-store", kNoSniff},
            StatusJson(programs) + "\n"};
  }
  if (path == "/tend.css") {
    return {200, {"Content-Type: text/css; charset=utf-8", "Cache-Control: no-cache", kNoSniff},
            kPageCss};
  }
  if (path == "/tend.js") {
    return {200,
            {"Content-Type: text/javascript; charset=utf-8", "Cache-Control: no-cache", kNoSniff},
            kPageJs};
  }
  const std::string log = FormValue(query, "log");
  if (path == "/live") return {200, PageHeaders(), Live(log)};
  return Page(log);
}

WebAnswer WebPage::Page(const std::string& log) {
  const std::string host = Hostname();
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>tend{}{}</title><link rel=\"icon\" href=\"data:,\">"
      "<link rel=\"stylesheet\" href=\"/tend.css\"><script src=\"/tend.js\" defer></script>"
      "</head><body><header><h1>tend</h1><span class=\"where\">{}tend {}</span>"
      "<span id=\"note\" role=\"status\"></span></header>\n"
      "<main id=\"live\" data-log=\"{}\">",
      host.empty() ? "" : " on ", Html(host), host.empty() ? "" : Html(host) + " \u00b7 ",
      Html(kTendVersion), Html(log));
  html += Live(log);
  html +=
      "</main>\n<footer><a href=\"/api/status\">/api/status</a> <a href=\"/metrics\">/metrics</a>"
      "</footer></body></html>\n";
  return {200, PageHeaders(), html};
}

std::string WebPage::Live(const std::string& log) {
  const std::vector<Listed> programs = List();
  std::map<std::string, int> counts;
  for (const auto& l : programs) ++counts[l.report.Get(Tag::kState)];
  std::string html = fmt::format("<p class=\"summary\">{} program{}", programs.size(),
                                 programs.size() == 1 ? "" : "s");
  const char* sep = ": ";
  for (const auto& [state, n] : counts) {
    html += fmt::format("{}{} {}", sep, n, state);
    sep = ", ";
  }
  html += "</p>\n<table><thead><tr>";
  for (const auto& c : StatusColumns()) html += "<th>" + Html(c) + "</th>";
  html += "<th>ACTIONS</th></tr></thead><tbody>\n";
  for (const auto& l : programs) html += Row(l, log);
  html += "</tbody></table>\n";
  if (!log.empty()) html += Log(log);
  return html;
}

std::string WebPage::Row(const Listed& l, const std::string& log) {
  const Message& p = l.report;
  const std::vector<std::string> cells = StatusRow(p);
  const std::vector<std::string>& columns = StatusColumns();
  const std::string name = p.Get(Tag::kName);
  const std::string state = p.Get(Tag::kState);
  std::string html = fmt::format("<tr data-name=\"{}\" data-state=\"{}\">", Html(name), state);
  for (size_t i = 0; i < cells.size(); ++i) {
    html += fmt::format("<td data-label=\"{}\">", Html(columns[i]));
    if (i == 0) {
      html += fmt::format("<a href=\"/?log={}\"{}>{}</a>", Html(PercentEncode(name)),
                          name == log ? " class=\"chosen\"" : "", Html(name));
    } else if (i == 1) {
      // A oneshot done, or a program that ended by itself with 0, is no failure.
      const bool clean = state == "EXITED" && p.GetInt(Tag::kExitCode, -1) == 0;
      html += fmt::format("<span class=\"state {}{}\">{}</span>", state, clean ? " clean" : "",
                          state);
    } else {
      html += Html(cells[i]);
      if (i == 5 && !p.Get(Tag::kFailure).empty() && p.Get(Tag::kFailure) != cells[i]) {
        html += "<br><small>" + Html(p.Get(Tag::kFailure)) + "</small>";
      }
    }
    html += "</td>";
  }
  html += "<td class=\"actions\">";
  // The main command is not offered: stopping it ends tend.
  if (!l.main) {
    const bool up = Up(state);
    html += fmt::format(
        "<form method=\"post\" action=\"/action\"><input type=\"hidden\" name=\"csrf\" "
        "value=\"{}\"><input type=\"hidden\" name=\"name\" value=\"{}\"><input type=\"hidden\" "
        "name=\"log\" value=\"{}\"><button name=\"do\" value=\"start\"{}>start</button>"
        "<button name=\"do\" value=\"stop\"{}>stop</button>"
        "<button name=\"do\" value=\"restart\">restart</button></form>",
        Html(Token()), Html(name), Html(log), up ? " disabled" : "", up ? "" : " disabled");
  }
  return html + "</td></tr>\n";
}

std::string WebPage::Log(const std::string& name) const {
  const LogRing* ring = logs_ ? logs_->Ring(name) : nullptr;
  std::string html = fmt::format("<section class=\"log\"><h2>{}: its last lines</h2>", Html(name));
  if (!ring) return html + "<p>No such program.</p></section>\n";
  const std::vector<LogRing::Line> lines = ring->Tail(kPageLogLines);
  if (lines.empty()) return html + "<p>Nothing yet.</p></section>\n";
  html += "<pre>";
  for (const auto& l : lines) {
    html += l.stream == 2 ? "<span class=\"err\">" + Html(l.text) + "</span>\n" : Html(l.text) + "\n";
  }
  return html + "</pre></section>\n";
}

WebAnswer WebPage::Action(const HttpRequest& r) {
  const std::string* accept = r.Header("accept");
  const bool json = accept && accept->find("application/json") != std::string::npos;
  auto answer = [&](int status, const std::string& message) -> WebAnswer {
    if (json) {
      return {status,
              {"Content-Type: application/json", "Cache-Control: no-store"},
              fmt::format("{{\"ok\":{},\"message\":{}}}\n", status == 200 ? "true" : "false",
                          JsonString(message))};
    }
    std::vector<std::string> headers = PageHeaders();
    return {status, headers,
            fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                        "<title>tend</title><link rel=\"stylesheet\" href=\"/tend.css\"></head>"
                        "<body><p>{}</p><p><a href=\"/\">Back to the programs</a></p></body>"
                        "</html>\n",
                        Html(message))};
  };
  // A form of another site carries no token, and a browser says where a request comes
  // from. (Not Origin against Host: a proxy in front of tend may rewrite Host.)
  if (CrossSite(r)) {
    return answer(403, "refused: the request comes from another site");
  }
  if (Token().empty() || !SameSecret(FormValue(r.body, "csrf"), Token())) {
    return answer(403, "refused: the page is out of date (tend restarted?): load it again");
  }
  const std::string name = FormValue(r.body, "name");
  const std::string what = FormValue(r.body, "do");
  if (!supervisor_->Find(name)) return answer(404, "no such program: " + name);
  std::string err;
  bool ok;
  if (what == "start") {
    ok = supervisor_->StartPrograms({name}, &err);
  } else if (what == "stop") {
    ok = supervisor_->StopPrograms({name}, &err);
  } else if (what == "restart") {
    ok = supervisor_->RestartPrograms({name}, &err);
  } else {
    return answer(400, "no such action: " + what);
  }
  if (!ok) return answer(409, err);
  if (json) return answer(200, fmt::format("{} {}", what, name));
  const std::string log = FormValue(r.body, "log");
  return {303, {"Location: /" + (log.empty() ? "" : "?log=" + PercentEncode(log))}, ""};
}

std::vector<WebPage::Listed> WebPage::List() const {
  const int64_t now = supervisor_->NowMs();
  std::vector<Listed> programs;
  for (const Service* s : supervisor_->Controllable(true)) {
    programs.push_back({ProgramReport(*s, now), s == supervisor_->main()});
  }
  return programs;
}

const std::string& WebPage::Token() {
  if (token_.empty()) token_ = RandomToken();
  return token_;
}

}  // namespace tend
