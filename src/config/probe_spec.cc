#include "config/probe_spec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>

#include <utility>

#include "base/values.h"
#include "config/config_values.h"

namespace tend {

namespace {

// "[HOST:]PORT" into addr; HOST is numeric or localhost.
bool ParseHostPort(const std::string& text, ProbeSpec* out, std::string* why) {
  std::string host = "127.0.0.1", port = text;
  bool v6 = false;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *why = "expected [IPv6]:PORT";
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    v6 = true;
  } else if (size_t colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int64_t n = 0;
  if (port.empty()) {
    *why = "no port";
    return false;
  }
  if (!ParseUint(port, &n) || n < 1 || n > 65535) {
    *why = "port \"" + port + "\" is not a number from 1 to 65535";
    return false;
  }
  if (host == "localhost") host = "127.0.0.1";
  out->addr = {};
  if (!v6) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out->addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(n));
    if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
      *why = "\"" + host + "\" is not an IPv4 address, [IPv6] or localhost (probes do not "
             "look names up)";
      return false;
    }
    out->addr_len = sizeof(sockaddr_in);
    out->host_port = host + ":" + port;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out->addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(n));
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      *why = "\"" + host + "\" is not an IPv6 address";
      return false;
    }
    out->addr_len = sizeof(sockaddr_in6);
    out->host_port = "[" + host + "]:" + port;
  }
  return true;
}

}  // namespace

bool ParseProbe(const std::string& value, ProbeSpec* out, std::string* why) {
  ProbeSpec p;
  p.spec = value;
  auto starts = [&](const char* prefix) { return value.rfind(prefix, 0) == 0; };
  if (starts("tcp:")) {
    p.kind = ProbeSpec::Kind::kTcp;
    if (!ParseHostPort(value.substr(4), &p, why)) {
      *why = "tcp:[HOST:]PORT: " + *why;
      return false;
    }
  } else if (starts("http:")) {
    p.kind = ProbeSpec::Kind::kHttp;
    std::string rest = value.substr(5);
    if (rest.rfind("//", 0) == 0) {
      *why = "write http:[HOST:]PORT/PATH, without //";
      return false;
    }
    size_t slash = rest.find('/');
    p.path = slash == std::string::npos ? "/" : rest.substr(slash);
    for (char c : p.path) {
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
        *why = "http: the path must not contain spaces or control characters";
        return false;
      }
    }
    if (!ParseHostPort(rest.substr(0, slash), &p, why)) {
      *why = "http:[HOST:]PORT/PATH: " + *why;
      return false;
    }
  } else if (starts("exec:")) {
    p.kind = ProbeSpec::Kind::kExec;
    if (!SplitCommand(value.substr(5), &p.argv, why)) {
      *why = "exec: " + *why;
      return false;
    }
    if (p.argv.empty()) {
      *why = "exec: no command";
      return false;
    }
  } else {
    *why = "expected tcp:[HOST:]PORT, http:[HOST:]PORT/PATH or exec:COMMAND";
    return false;
  }
  *out = std::move(p);
  return true;
}

}  // namespace tend
