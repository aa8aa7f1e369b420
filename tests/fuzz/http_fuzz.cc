// What an HTTP probe reads back from the server it checks (any bytes: the server may be
// broken or hostile). The verdict's text is bounded and printable, and only a 2xx or 3xx
// status line passes.
#include <string>
#include <string_view>

#include "fuzz.h"
#include "ready/probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::fuzz::Check;
  const std::string_view answer(reinterpret_cast<const char*>(data), size);
  const tend::ProbeResult r = tend::HttpVerdict(answer);
  Check(r.detail.size() <= 80 + 40, "a bounded verdict", r.detail);
  for (unsigned char c : r.detail) Check(c >= ' ' && c != 0x7f, "a printable verdict", r.detail);
  if (r.ok) {
    Check(answer.substr(0, 5) == "HTTP/", "passes only from an HTTP status line", r.detail);
    Check(r.detail.compare(0, 6, "HTTP 2") == 0 || r.detail.compare(0, 6, "HTTP 3") == 0,
          "passes only a 2xx or 3xx", r.detail);
  }
  return 0;
}
