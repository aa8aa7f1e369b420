// What a probe is (`ready = tcp:|http:|exec:`, `health =`), as the configuration holds
// it; probe.h runs them.
#ifndef TEND_PROBE_SPEC_H_
#define TEND_PROBE_SPEC_H_

#include <sys/socket.h>

#include <string>
#include <vector>

namespace tend {

/// A parsed probe. `tcp:[HOST:]PORT`, `http:[HOST:]PORT[/PATH]`, `exec:COMMAND`. HOST is
/// an IPv4 address, `[IPv6]` or `localhost` (probes never resolve names: a static tend
/// has no NSS, and a container's own servers are on its loopback); it defaults to
/// 127.0.0.1.
struct ProbeSpec {
  enum class Kind { kNone, kTcp, kHttp, kExec } kind = Kind::kNone;
  std::string spec;  ///< As written ("tcp:8080"), for messages and status.
  sockaddr_storage addr{};  ///< kTcp, kHttp.
  socklen_t addr_len = 0;
  std::string host_port;  ///< "127.0.0.1:8080", "[::1]:80": messages and Host:.
  std::string path;       ///< kHttp: "/" when not given.
  std::vector<std::string> argv;  ///< kExec: split as `command` is.

  bool active() const { return kind != Kind::kNone; }
  bool operator==(const ProbeSpec& o) const { return spec == o.spec; }
};

/// Parses a probe; `value` must start with tcp:, http: or exec:. False with `why`.
bool ParseProbe(const std::string& value, ProbeSpec* out, std::string* why);

}  // namespace tend

#endif  // TEND_PROBE_SPEC_H_
