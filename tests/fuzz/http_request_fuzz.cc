// The bytes a client sends to the HTTP listener, cut anywhere: a request is parsed within
// its bounds or refused with an error status, and the bytes it says it used are in.
#include <string>
#include <string_view>

#include "control/http.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::fuzz::Check;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  tend::HttpRequest r;
  size_t used = 0;
  int status = 0;
  switch (tend::ParseHttpRequest(in, &r, &used, &status)) {
    case tend::HttpParse::kIncomplete:
      Check(in.size() <= tend::kMaxHttpHead + tend::kMaxHttpBody + 4, "incomplete within bounds");
      break;
    case tend::HttpParse::kDone:
      Check(used <= in.size() && used >= r.body.size(), "used what it had");
      Check(r.body.size() <= tend::kMaxHttpBody, "a bounded body");
      Check(!r.target.empty() && r.target[0] == '/', "an origin-form target");
      Check(status == 200, "done is 200");
      break;
    case tend::HttpParse::kBad:
      Check(status == 400 || status == 413 || status == 431 || status == 501 || status == 505,
            "a known error status");
      break;
  }
  tend::BasicAuthMatches(r.Header("authorization"), "user", "{SHA}abc");
  return 0;
}
