// An XML-RPC request body (anyone who reaches the HTTP listener, with the password or
// not yet checked): decoded or refused with why, never a crash; what decodes encodes
// back and decodes to the same call.
#include <string>
#include <string_view>

#include "control/xmlrpc.h"
#include "fuzz.h"

namespace {

bool Same(const tend::xmlrpc::Value& a, const tend::xmlrpc::Value& b) {
  using T = tend::xmlrpc::Value::Type;
  if (a.type != b.type) return false;
  switch (a.type) {
    case T::kNil:
      return true;
    case T::kInt:
    case T::kBool:
      return a.i == b.i;
    case T::kDouble:
      return true;  // Written with 6 decimals: not the same bits.
    case T::kString:
      return a.s == b.s;
    case T::kArray:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i)
        if (!Same(a.items[i], b.items[i])) return false;
      return true;
    case T::kStruct:
      if (a.members.size() != b.members.size()) return false;
      for (size_t i = 0; i < a.members.size(); ++i)
        if (a.members[i].first != b.members[i].first || !Same(a.members[i].second, b.members[i].second))
          return false;
      return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::fuzz::Check;
  namespace x = tend::xmlrpc;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  x::Call c;
  std::string why;
  if (!x::ParseCall(body, &c, &why)) {
    Check(!why.empty(), "a refusal says why");
    return 0;
  }
  Check(!c.method.empty(), "a method");
  // What a call holds survives our own encoding.
  x::Call back;
  Check(x::ParseCall(x::Request(c.method, c.params), &back, &why), "our request decodes", why);
  Check(back.method == c.method, "the same method");
  Check(back.params.size() == c.params.size(), "as many params");
  for (size_t i = 0; i < c.params.size() && i < back.params.size(); ++i)
    Check(Same(c.params[i], back.params[i]), "the same params");
  return 0;
}
