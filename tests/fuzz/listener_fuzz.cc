// What an event listener writes on its stdout (any program a configuration names): the
// channel's state only moves as the protocol allows, every outcome fits the state it
// came from, and a broken listener stays broken until it restarts.
#include <algorithm>
#include <string>
#include <vector>

#include "core/event_listener.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::ListenerChannel;
  using tend::fuzz::Check;
  using Kind = ListenerChannel::Outcome::Kind;
  tend::fuzz::Input in(data, size);
  unsigned seed = in.Byte();
  const std::string bytes = in.Rest();
  ListenerChannel c;
  bool broken = false;
  for (size_t at = 0; at < bytes.size();) {
    seed = seed * 1103515245u + 12345u;
    const size_t n = std::min(bytes.size() - at, static_cast<size_t>(1 + (seed >> 16) % 16));
    // A READY listener is sent an event at once, as the pool does.
    if (c.state() == ListenerChannel::State::kReady) c.Sent();
    std::vector<ListenerChannel::Outcome> out;
    c.Feed(bytes.substr(at, n), &out);
    at += n;
    for (const auto& o : out) {
      Check(!broken, "nothing after broken");
      if (o.kind == Kind::kBroken) {
        Check(!o.detail.empty(), "broken says why");
        broken = true;
      }
      if (o.kind == Kind::kAccepted) Check(o.detail == "OK", "accepted is OK");
      if (o.kind == Kind::kRejected) Check(o.detail != "OK", "rejected is not OK");
    }
    Check(broken == (c.state() == ListenerChannel::State::kUnknown), "UNKNOWN when broken");
  }
  c.Reset();
  Check(c.state() == ListenerChannel::State::kAcknowledged, "a restart starts over");
  return 0;
}
