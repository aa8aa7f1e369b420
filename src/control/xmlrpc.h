// XML-RPC as supervisord speaks it (through Python's xmlrpc.client): values, the decoder
// of a methodCall and the encoder of a methodResponse or a fault, byte for byte as
// Python's dumps() writes them. Pure. The decoder is strict and bounded: no DTD, no
// CDATA, no attributes but the XML declaration's, values nested at most kMaxDepth deep;
// anything else is refused with why, never a crash.
#ifndef TEND_XMLRPC_H_
#define TEND_XMLRPC_H_

#include <stdint.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tend {
namespace xmlrpc {

/// How deep arrays and structs may nest in a request.
constexpr int kMaxDepth = 32;

struct Value {
  enum class Type { kNil, kInt, kBool, kDouble, kString, kArray, kStruct };
  Type type = Type::kNil;
  int64_t i = 0;      ///< kInt; kBool as 0 or 1.
  double d = 0;       ///< kDouble.
  std::string s;      ///< kString (also what dateTime.iso8601 and base64 carry, as text).
  std::vector<Value> items;                            ///< kArray.
  std::vector<std::pair<std::string, Value>> members;  ///< kStruct, in order.

  static Value Int(int64_t v);
  static Value Bool(bool v);
  static Value String(std::string v);
  static Value Array(std::vector<Value> v = {});
  static Value Struct(std::vector<std::pair<std::string, Value>> v = {});
  /// A struct's member, or null.
  const Value* Member(std::string_view name) const;
};

/// A decoded methodCall.
struct Call {
  std::string method;
  std::vector<Value> params;
};

/// `s` as XML or HTML text: &, < and > as entities, and the quotes too when `quotes` (an
/// attribute's value); CR as &#13;; control characters, bytes that are not UTF-8, U+FFFE
/// and U+FFFF as U+FFFD. Text from programs can drive no parser and no page.
void EscapeMarkup(std::string_view s, std::string* out, bool quotes = false);

/// Decodes a methodCall; false with `why` when `body` is not one.
bool ParseCall(std::string_view body, Call* out, std::string* why);

/// A methodResponse carrying `v`.
std::string Response(const Value& v);
/// A methodResponse carrying a fault.
std::string Fault(int code, std::string_view text);

/// The request of a call (for tests and clients): a methodCall of `method` with `params`.
std::string Request(std::string_view method, const std::vector<Value>& params);

}  // namespace xmlrpc
}  // namespace tend

#endif  // TEND_XMLRPC_H_
