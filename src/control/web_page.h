// WebPage: tend's status page and its JSON, served by RpcServer behind the same password
// as the XML-RPC interface. GET / is a page that reads without JavaScript: every program
// with its state, pid, uptime, restarts, last exit, readiness and health, buttons to
// start, stop and restart it (forms that POST /action with a CSRF token), and the last
// lines of the program chosen (?log=NAME). A little script (GET /tend.js) refreshes the
// programs and the lines from GET /live every two seconds and sends the buttons' forms
// without leaving the page. GET /api/status is tendctl -j status's array.
//
// Text from programs reaches the page only escaped (EscapeMarkup); the page loads
// nothing but its own style and script (a Content-Security-Policy says so), may not be
// framed, and an action needs the token of a page tend served: a browser that holds the
// password for tend cannot be made to act by another site.
#ifndef TEND_WEB_PAGE_H_
#define TEND_WEB_PAGE_H_

#include <string>
#include <vector>

#include "control/http.h"
#include "control/protocol.h"
#include "core/supervisor.h"

namespace tend {

class LogRouter;

/// An answer for RpcServer to send.
struct WebAnswer {
  int status = 200;
  std::vector<std::string> headers;
  std::string body;
};

/// Lines of the chosen program's log the page shows.
constexpr size_t kPageLogLines = 100;

class WebPage {
 public:
  /// `logs` (may be null) holds the programs' recent lines.
  WebPage(Supervisor* supervisor, const LogRouter* logs);
  /// Whether `path` (a target without its query) is the page's.
  static bool Serves(const std::string& path);
  /// Answers `r` for `path`.
  WebAnswer Handle(const HttpRequest& r, const std::string& path);

 private:
  /// Every program's PROGRAM message, as tendctl status lists them, and whether it is
  /// the main command (which the page offers no button for).
  struct Listed {
    Message report;
    bool main;
  };
  std::vector<Listed> List() const;

  WebAnswer Page(const std::string& log);
  /// The part the script refreshes: the summary, the table, the chosen log.
  std::string Live(const std::string& log);
  std::string Row(const Listed& l, const std::string& log);
  std::string Log(const std::string& name) const;
  WebAnswer Action(const HttpRequest& r);
  /// The token each form carries, made at the first page (from the kernel's random).
  const std::string& Token();

  Supervisor* supervisor_;
  const LogRouter* logs_;
  std::string token_;
};

/// A query string's or a form's `key` (application/x-www-form-urlencoded: + and %XX
/// decoded); "" when absent.
std::string FormValue(std::string_view form, std::string_view key);

/// The page's style and script (web_assets.cc).
extern const char kPageCss[];
extern const char kPageJs[];

}  // namespace tend

#endif  // TEND_WEB_PAGE_H_
