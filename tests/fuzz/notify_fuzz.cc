// sd_notify datagrams, as any program (or anything that can reach the abstract socket)
// sends them. A datagram that parses has fields in their documented ranges, and parses
// the same once more.
#include <string>
#include <string_view>

#include "fuzz.h"
#include "ready/notify_socket.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::fuzz::Check;
  const std::string_view datagram(reinterpret_cast<const char*>(data), size);
  tend::NotifyMessage m;
  if (!tend::ParseNotifyMessage(datagram, &m)) return 0;
  Check(m.mainpid >= -1, "MAINPID is a pid, absent or invalid");
  Check(m.extend_timeout_usec >= -1, "EXTEND_TIMEOUT_USEC is a number or absent");
  Check(m.errno_value >= -1, "ERRNO is a number or absent");
  Check(m.unknown >= 0, "unknown fields are counted");
  Check(m.status.size() <= size, "STATUS is part of the datagram");
  Check(datagram.find('\0') == std::string_view::npos, "no NUL in a datagram that parses");
  tend::NotifyMessage again;
  Check(tend::ParseNotifyMessage(datagram, &again) && again.ready == m.ready &&
            again.status == m.status && again.mainpid == m.mainpid,
        "parsing is a function of the bytes");
  return 0;
}
