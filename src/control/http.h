// HTTP/1.x as tend's XML-RPC server needs it: a bounded request parser, responses, and
// supervisord's Basic authentication (a plain password or "{SHA}" and SHA-1 hex). Pure.
#ifndef TEND_HTTP_H_
#define TEND_HTTP_H_

#include <stddef.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tend {

/// The most a request's line and headers may take, and its body.
constexpr size_t kMaxHttpHead = 16 * 1024;
constexpr size_t kMaxHttpBody = 256 * 1024;

struct HttpRequest {
  std::string method;   ///< "POST"
  std::string target;   ///< "/RPC2"
  int minor = 1;        ///< HTTP/1.minor
  std::vector<std::pair<std::string, std::string>> headers;  ///< Names in lower case.
  std::string body;
  bool keep_alive = true;  ///< The connection stays open after the answer.
  /// A header's value (name in lower case), or null.
  const std::string* Header(std::string_view name) const;
};

/// What the bytes at the head of a connection hold.
enum class HttpParse {
  kIncomplete,  ///< Not a whole request yet (and within the bounds).
  kDone,        ///< A request; `*used` bytes were its.
  kBad,         ///< Not one the server takes; `*status` says how to answer (400, 413,
                ///< 431, 501, 505) and the connection ends.
};
HttpParse ParseHttpRequest(std::string_view in, HttpRequest* out, size_t* used, int* status);

/// A whole response: the status line, Content-Length, Connection: close unless
/// `keep_alive`, each of `headers` ("Name: value"), then `body`.
std::string HttpResponse(int status, const std::vector<std::string>& headers,
                         std::string_view body, bool keep_alive);
/// The head of a response streamed until the connection ends (supervisord's /logtail):
/// 200, each of `headers`, and chunked transfer coding when `chunked` (HTTP/1.1); an
/// HTTP/1.0 client gets the bytes as they are, and the end of the connection ends them.
std::string HttpStreamHead(const std::vector<std::string>& headers, bool chunked);
/// `data` (not empty) as one chunk of chunked transfer coding.
std::string HttpChunk(std::string_view data);
/// Whether a browser says `r` comes from another site (Sec-Fetch-Site: cross-site).
bool CrossSite(const HttpRequest& r);
/// Whether `r`'s body is XML by its Content-Type (text/xml, application/xml): XML-RPC's
/// type, which no HTML form can send.
bool XmlBody(const HttpRequest& r);
/// A request target's %XX escapes decoded (others left as they are).
std::string PercentDecode(std::string_view s);
/// The reason phrase of a status ("Unauthorized").
const char* HttpReason(int status);

/// Whether an Authorization header's value gives `username` and `password` (supervisord's:
/// plain, or "{SHA}" and the SHA-1 of the password in hex).
bool BasicAuthMatches(const std::string* authorization, const std::string& username,
                      const std::string& password);

/// Standard base64 (RFC 4648); false on anything else.
bool Base64Decode(std::string_view in, std::string* out);
/// The SHA-1 of `data`, in lower-case hex.
std::string Sha1Hex(std::string_view data);

}  // namespace tend

#endif  // TEND_HTTP_H_
