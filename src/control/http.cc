#include "control/http.h"

#include <ctype.h>
#include <stdint.h>

#include <fmt/format.h>

namespace tend {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
  return std::string(s.substr(a, b - a));
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= ' ' || c >= 127 || c == ':' || c == '(' || c == ')' || c == '"' || c == '/')
      return false;
  }
  return true;
}

// Whether a comma-separated header value names `token` (case-insensitively).
bool HasToken(const std::string* value, std::string_view token) {
  if (!value) return false;
  size_t at = 0;
  while (at <= value->size()) {
    size_t comma = value->find(',', at);
    if (comma == std::string::npos) comma = value->size();
    std::string t = Trim(std::string_view(*value).substr(at, comma - at));
    if (t.size() == token.size()) {
      bool same = true;
      for (size_t i = 0; i < t.size(); ++i) same = same && Lower(t[i]) == Lower(token[i]);
      if (same) return true;
    }
    at = comma + 1;
  }
  return false;
}

uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

}  // namespace

const std::string* HttpRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

HttpParse ParseHttpRequest(std::string_view in, HttpRequest* out, size_t* used, int* status) {
  // What is no request line at its first bytes (a TLS hello, a port scanner's probe) is
  // refused at once rather than waited for.
  for (size_t i = 0; i < in.size() && in[i] != ' '; ++i) {
    if (in[i] < 'A' || in[i] > 'Z' || i >= 16) {
      *status = 400;
      return HttpParse::kBad;
    }
  }
  size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (in.size() > kMaxHttpHead) {
      *status = 431;
      return HttpParse::kBad;
    }
    return HttpParse::kIncomplete;
  }
  if (head_end + 4 > kMaxHttpHead) {
    *status = 431;
    return HttpParse::kBad;
  }
  *out = HttpRequest();
  *status = 400;
  std::string_view head = in.substr(0, head_end);
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  // The request line: METHOD SP TARGET SP HTTP/1.x
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return HttpParse::kBad;
  out->method.assign(line.substr(0, sp1));
  out->target.assign(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(out->method) || out->target.empty() || out->target[0] != '/') return HttpParse::kBad;
  for (char c : out->target) {
    if (c <= ' ' || c >= 127) return HttpParse::kBad;
  }
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || version[7] < '0' ||
      version[7] > '9') {
    *status = version.substr(0, 5) == "HTTP/" ? 505 : 400;
    return HttpParse::kBad;
  }
  out->minor = version[7] - '0';
  // Header fields: NAME ":" OWS VALUE OWS; no folding.
  while (eol != std::string_view::npos) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view field = head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    size_t colon = field.find(':');
    if (colon == std::string_view::npos || !IsToken(field.substr(0, colon))) return HttpParse::kBad;
    std::string name;
    for (char c : field.substr(0, colon)) name += Lower(c);
    std::string value = Trim(field.substr(colon + 1));
    for (char c : value) {
      if ((c < ' ' && c != '\t') || c == 127) return HttpParse::kBad;
    }
    out->headers.emplace_back(std::move(name), std::move(value));
  }
  if (out->Header("transfer-encoding")) {
    *status = 501;  // Chunked bodies: clients of XML-RPC send a length.
    return HttpParse::kBad;
  }
  size_t length = 0;
  if (const std::string* cl = out->Header("content-length")) {
    if (cl->empty() || cl->size() > 9) {
      *status = cl->size() > 9 ? 413 : 400;
      return HttpParse::kBad;
    }
    for (char c : *cl) {
      if (c < '0' || c > '9') return HttpParse::kBad;
      length = length * 10 + static_cast<size_t>(c - '0');
    }
    size_t n = 0;
    for (const auto& h : out->headers) n += h.first == "content-length";
    if (n > 1) return HttpParse::kBad;
  }
  if (length > kMaxHttpBody) {
    *status = 413;
    return HttpParse::kBad;
  }
  if (in.size() - head_end - 4 < length) return HttpParse::kIncomplete;
  out->body.assign(in.substr(head_end + 4, length));
  const std::string* conn = out->Header("connection");
  out->keep_alive = out->minor >= 1 ? !HasToken(conn, "close") : HasToken(conn, "keep-alive");
  *used = head_end + 4 + length;
  *status = 200;
  return HttpParse::kDone;
}

namespace {

// `value`, trimmed and in lower case, up to a ';' (a media type's parameters).
std::string Token(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string out(value);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool CrossSite(const HttpRequest& r) {
  for (const auto& [name, value] : r.headers) {
    if (name == "sec-fetch-site" && Token(value) == "cross-site") return true;
  }
  return false;
}

bool XmlBody(const HttpRequest& r) {
  const std::string* type = r.Header("content-type");
  if (!type) return false;
  const std::string t = Token(*type);
  return t == "text/xml" || t == "application/xml";
}

const char* HttpReason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 303:
      return "See Other";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 415:
      return "Unsupported Media Type";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
  }
  return "Unknown";
}

std::string HttpResponse(int status, const std::vector<std::string>& headers,
                         std::string_view body, bool keep_alive) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Length: {}\r\n", status,
                                HttpReason(status), body.size());
  if (!keep_alive) out += "Connection: close\r\n";
  for (const std::string& h : headers) out += h + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

std::string HttpStreamHead(const std::vector<std::string>& headers, bool chunked) {
  std::string out = "HTTP/1.1 200 OK\r\n";
  for (const std::string& h : headers) out += h + "\r\n";
  out += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Connection: close\r\n\r\n";
  return out;
}

std::string HttpChunk(std::string_view data) {
  return fmt::format("{:x}\r\n{}\r\n", data.size(), data);
}

std::string PercentDecode(std::string_view s) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  if (in.size() % 4 != 0) return false;
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else if (c == '=' && i + 2 >= in.size()) {
      ++pad;
      continue;
    } else {
      return false;
    }
    if (pad) return false;  // Data after padding.
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return pad <= 2;
}

std::string Sha1Hex(std::string_view data) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string msg(data);
  const uint64_t bit_len = static_cast<uint64_t>(data.size()) * 8;
  msg += static_cast<char>(0x80);
  while (msg.size() % 64 != 56) msg += '\0';
  for (int i = 7; i >= 0; --i) msg += static_cast<char>((bit_len >> (i * 8)) & 0xFF);
  for (size_t chunk = 0; chunk < msg.size(); chunk += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      const unsigned char* p = reinterpret_cast<const unsigned char*>(msg.data() + chunk + i * 4);
      w[i] = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    }
    for (int i = 16; i < 80; ++i) w[i] = Rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      uint32_t t = Rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = Rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  return fmt::format("{:08x}{:08x}{:08x}{:08x}{:08x}", h[0], h[1], h[2], h[3], h[4]);
}

bool BasicAuthMatches(const std::string* authorization, const std::string& username,
                      const std::string& password) {
  if (!authorization || authorization->size() < 6) return false;
  std::string scheme;
  for (char c : authorization->substr(0, 6)) scheme += Lower(c);
  if (scheme != "basic ") return false;
  std::string decoded;
  if (!Base64Decode(Trim(std::string_view(*authorization).substr(6)), &decoded)) return false;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  const std::string user = decoded.substr(0, colon), pass = decoded.substr(colon + 1);
  // Compared whole, every byte, so that the time says nothing of where they differ.
  auto same = [](const std::string& a, const std::string& b) {
    unsigned diff = a.size() != b.size();
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
      diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
  };
  if (password.compare(0, 5, "{SHA}") == 0) {
    std::string want;
    for (char c : password.substr(5)) want += Lower(c);
    const bool user_ok = same(user, username), pass_ok = same(Sha1Hex(pass), want);
    return user_ok && pass_ok;  // Both compared, whichever differs.
  }
  const bool user_ok = same(user, username), pass_ok = same(pass, password);
  return user_ok && pass_ok;
}

}  // namespace tend
