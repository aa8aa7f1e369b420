#include "control/xmlrpc.h"

#include <errno.h>
#include <stdlib.h>

#include <algorithm>

#include <fmt/format.h>

#include "base/values.h"

namespace tend {
namespace xmlrpc {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-' || c == ':';
}

// The characters XML 1.0 allows.
bool XmlChar(uint32_t cp) {
  return cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// [+-]digits[.digits][e[+-]digits], without strtod: it would bring glibc's locale and
// character-set machinery into the static binary (about 90 KB). Close, not correctly
// rounded: supervisord's interface takes no double.
bool ParseDouble(const std::string& s, double* out) {
  size_t i = 0;
  const bool neg = i < s.size() && s[i] == '-';
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  double v = 0;
  int scale = 0, digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) v = v * 10 + (s[i] - '0');
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits, --scale)
      v = v * 10 + (s[i] - '0');
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool eneg = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    int e = 0, edigits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++edigits) e = std::min(e * 10 + (s[i] - '0'), 9999);
    if (edigits == 0) return false;
    scale += eneg ? -e : e;
  }
  if (i != s.size()) return false;
  for (; scale > 0; --scale) v *= 10;
  for (; scale < 0; ++scale) v /= 10;
  *out = neg ? -v : v;
  return true;
}

// A double as text, without fmt's or printf's floating-point code (see ParseDouble).
std::string FormatDouble(double d) {
  if (!(d == d) || d > 9e18 || d < -9e18) return "0.0";
  std::string out = d < 0 ? "-" : "";
  double a = d < 0 ? -d : d;
  long long whole = static_cast<long long>(a);
  long long frac = static_cast<long long>((a - static_cast<double>(whole)) * 1e6 + 0.5);
  if (frac >= 1000000) {
    ++whole;
    frac -= 1000000;
  }
  std::string f = std::to_string(frac);
  f = std::string(6 - f.size(), '0') + f;
  while (f.size() > 1 && f.back() == '0') f.pop_back();
  return out + std::to_string(whole) + "." + f;
}

// A recursive-descent reader of the few elements XML-RPC has.
class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  bool Call(xmlrpc::Call* out) {
    SkipSpace();
    if (in_.substr(pos_, 5) == "<?xml") {
      size_t end = in_.find("?>", pos_);
      if (end == std::string_view::npos) return Fail("unfinished XML declaration");
      pos_ = end + 2;
    }
    if (!Open("methodCall") || !Open("methodName") || !Text(&out->method) ||
        !Close("methodName")) {
      return false;
    }
    if (out->method.empty()) return Fail("empty methodName");
    Tag t;
    if (!Peek(&t)) return false;
    if (!t.close && t.name == "params") {
      bool empty = false;
      if (!Open("params", &empty)) return false;
      if (!empty) {
        for (;;) {
          if (!Peek(&t)) return false;
          if (t.close) break;
          out->params.emplace_back();
          if (!Open("param") || !ParseValue(&out->params.back(), 0) || !Close("param"))
            return false;
        }
        if (!Close("params")) return false;
      }
    }
    if (!Close("methodCall")) return false;
    SkipSpace();
    if (pos_ != in_.size()) return Fail("data after </methodCall>");
    return true;
  }

  const std::string& why() const { return why_; }

 private:
  struct Tag {
    std::string name;
    bool close = false;  // </name>
    bool empty = false;  // <name/>
    size_t end = 0;      // Just past the '>'.
  };

  bool Fail(std::string why) {
    if (why_.empty()) why_ = std::move(why) + " at byte " + std::to_string(pos_);
    return false;
  }
  void SkipSpace() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
  }
  // The tag at pos_ (after white space), without moving past it.
  bool Peek(Tag* t) {
    SkipSpace();
    size_t p = pos_;
    if (p >= in_.size() || in_[p] != '<') return Fail("expected a tag");
    ++p;
    if (p < in_.size() && (in_[p] == '!' || in_[p] == '?'))
      return Fail("comments, DTDs, CDATA and processing instructions are not accepted");
    t->close = p < in_.size() && in_[p] == '/';
    if (t->close) ++p;
    size_t start = p;
    while (p < in_.size() && IsNameChar(in_[p])) ++p;
    t->name.assign(in_.substr(start, p - start));
    while (p < in_.size() && IsSpace(in_[p])) ++p;
    t->empty = !t->close && p < in_.size() && in_[p] == '/';
    if (t->empty) ++p;
    if (t->name.empty() || p >= in_.size() || in_[p] != '>')
      return Fail("a malformed tag (attributes are not accepted)");
    t->end = p + 1;
    return true;
  }
  // <name> (or <name/>, when `empty` is given).
  bool Open(const char* name, bool* empty = nullptr) {
    Tag t;
    if (!Peek(&t)) return false;
    if (t.close || t.name != name || (t.empty && !empty))
      return Fail(std::string("expected <") + name + ">");
    if (empty) *empty = t.empty;
    pos_ = t.end;
    return true;
  }
  bool Close(const char* name) {
    Tag t;
    if (!Peek(&t)) return false;
    if (!t.close || t.name != name) return Fail(std::string("expected </") + name + ">");
    pos_ = t.end;
    return true;
  }
  // Character data up to the next tag, its references decoded. Only what XML allows:
  // UTF-8, no control character but tab, newline and carriage return (what is taken is
  // what the answers can carry back).
  bool Text(std::string* out) {
    out->clear();
    while (pos_ < in_.size() && in_[pos_] != '<') {
      const unsigned char c = static_cast<unsigned char>(in_[pos_]);
      if (c != '&') {
        const size_t n = c < 0x80 ? (XmlChar(c) ? 1 : 0) : Utf8Length(in_.substr(pos_));
        const bool nonchar = n == 3 && c == 0xEF &&
                             static_cast<unsigned char>(in_[pos_ + 1]) == 0xBF &&
                             static_cast<unsigned char>(in_[pos_ + 2]) >= 0xBE;
        if (n == 0 || nonchar) return Fail("a character XML does not allow");
        out->append(in_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      size_t semi = in_.find(';', pos_);
      if (semi == std::string_view::npos || semi - pos_ > 12) return Fail("a bad reference");
      std::string_view ref = in_.substr(pos_ + 1, semi - pos_ - 1);
      if (ref == "lt") {
        *out += '<';
      } else if (ref == "gt") {
        *out += '>';
      } else if (ref == "amp") {
        *out += '&';
      } else if (ref == "quot") {
        *out += '"';
      } else if (ref == "apos") {
        *out += '\'';
      } else if (ref.size() >= 2 && ref[0] == '#') {
        const bool hex = ref[1] == 'x';
        std::string digits(ref.substr(hex ? 2 : 1));
        char* end = nullptr;
        errno = 0;
        unsigned long cp = digits.empty() ? 0 : strtoul(digits.c_str(), &end, hex ? 16 : 10);
        if (digits.empty() || *end || errno || digits[0] == '-' || digits[0] == '+' ||
            cp > 0x10FFFF || !XmlChar(static_cast<uint32_t>(cp))) {
          return Fail("a bad character reference");
        }
        AppendUtf8(static_cast<uint32_t>(cp), out);
      } else {
        return Fail("an unknown entity");
      }
      pos_ = semi + 1;
    }
    if (pos_ >= in_.size()) return Fail("unfinished document");
    return true;
  }
  // The text of <name>...</name> (or "" for <name/>).
  bool Scalar(const std::string& name, bool empty, std::string* out) {
    out->clear();
    if (empty) return true;
    return Text(out) && Close(name.c_str());
  }

  bool ParseValue(Value* v, int depth) {
    if (depth > kMaxDepth) return Fail("values nested too deep");
    if (!Open("value")) return false;
    std::string text;
    if (!Text(&text)) return false;
    Tag t;
    if (!Peek(&t)) return false;
    if (t.close) {  // No type: a string.
      v->type = Value::Type::kString;
      v->s = std::move(text);
      return Close("value");
    }
    for (char c : text) {
      if (!IsSpace(c)) return Fail("text before a value's type");
    }
    pos_ = t.end;
    const std::string& type = t.name;
    std::string s;
    if (type == "int" || type == "i4" || type == "i8") {
      if (!Scalar(type, t.empty, &s)) return false;
      size_t a = 0, b = s.size();
      while (a < b && IsSpace(s[a])) ++a;
      while (b > a && IsSpace(s[b - 1])) --b;
      std::string digits = s.substr(a, b - a);
      char* end = nullptr;
      errno = 0;
      long long n = digits.empty() ? 0 : strtoll(digits.c_str(), &end, 10);
      if (digits.empty() || *end || errno) return Fail("a bad integer");
      v->type = Value::Type::kInt;
      v->i = n;
    } else if (type == "boolean") {
      if (!Scalar(type, t.empty, &s)) return false;
      if (s != "0" && s != "1") return Fail("a bad boolean");
      v->type = Value::Type::kBool;
      v->i = s == "1";
    } else if (type == "double") {
      if (!Scalar(type, t.empty, &s)) return false;
      if (!ParseDouble(s, &v->d)) return Fail("a bad double");
      v->type = Value::Type::kDouble;
    } else if (type == "string" || type == "dateTime.iso8601" || type == "base64") {
      v->type = Value::Type::kString;
      if (!Scalar(type, t.empty, &v->s)) return false;
    } else if (type == "nil") {
      v->type = Value::Type::kNil;
      if (!t.empty && !Close("nil")) return false;
    } else if (type == "array") {
      v->type = Value::Type::kArray;
      bool empty = t.empty;
      if (!empty) {
        if (!Open("data", &empty)) return false;
        while (!empty) {
          Tag n;
          if (!Peek(&n)) return false;
          if (n.close) break;
          v->items.emplace_back();
          if (!ParseValue(&v->items.back(), depth + 1)) return false;
        }
        if (!empty && !Close("data")) return false;
        if (!Close("array")) return false;
      }
    } else if (type == "struct") {
      v->type = Value::Type::kStruct;
      if (!t.empty) {
        for (;;) {
          Tag n;
          if (!Peek(&n)) return false;
          if (n.close) break;
          std::string name;
          v->members.emplace_back();
          if (!Open("member") || !Open("name") || !Text(&name) || !Close("name") ||
              !ParseValue(&v->members.back().second, depth + 1) || !Close("member")) {
            return false;
          }
          v->members.back().first = std::move(name);
        }
        if (!Close("struct")) return false;
      }
    } else {
      return Fail("an unknown value type <" + type + ">");
    }
    return Close("value");
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string why_;
};

}  // namespace

// Python writes any text as it is, and a control character or a byte that is not UTF-8
// (a program's log read back) then makes the answer XML no parser takes: each becomes
// U+FFFD, so the rest of the text arrives.
void EscapeMarkup(std::string_view s, std::string* out, bool quotes) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (quotes && c == '"') {
      *out += "&quot;";
    } else if (quotes && c == '\'') {
      *out += "&#39;";
    } else if (c == '&') {
      *out += "&amp;";
    } else if (c == '<') {
      *out += "&lt;";
    } else if (c == '>') {
      *out += "&gt;";
    } else if (c == '\r') {
      *out += "&#13;";  // Raw, a parser would read it as a newline.
    } else if (c >= 0x20 || c == '\t' || c == '\n') {
      const size_t n = c < 0x80 ? 1 : Utf8Length(s.substr(i));
      // U+FFFE and U+FFFF are not XML characters either.
      const bool nonchar = n == 3 && c == 0xEF && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
                           static_cast<unsigned char>(s[i + 2]) >= 0xBE;
      if (n > 0 && !nonchar) {
        out->append(s.data() + i, n);
        i += n;
        continue;
      }
      *out += "\xEF\xBF\xBD";
      i += n > 0 ? n : 1;
      continue;
    } else {
      *out += "\xEF\xBF\xBD";
    }
    ++i;
  }
}

namespace {

// Python's xml escape: &, < and > (and what no XML may hold).
void Escape(std::string_view s, std::string* out) { EscapeMarkup(s, out, false); }

// As Python's Marshaller writes each type.
void Dump(const Value& v, std::string* out) {
  switch (v.type) {
    case Value::Type::kNil:
      *out += "<value><nil/></value>";
      return;
    case Value::Type::kInt:
      *out += fmt::format("<value><int>{}</int></value>\n", v.i);
      return;
    case Value::Type::kBool:
      *out += fmt::format("<value><boolean>{}</boolean></value>\n", v.i ? 1 : 0);
      return;
    case Value::Type::kDouble:
      *out += "<value><double>" + FormatDouble(v.d) + "</double></value>\n";
      return;
    case Value::Type::kString:
      *out += "<value><string>";
      Escape(v.s, out);
      *out += "</string></value>\n";
      return;
    case Value::Type::kArray:
      *out += "<value><array><data>\n";
      for (const Value& item : v.items) Dump(item, out);
      *out += "</data></array></value>\n";
      return;
    case Value::Type::kStruct:
      *out += "<value><struct>\n";
      for (const auto& [name, value] : v.members) {
        *out += "<member>\n<name>";
        Escape(name, out);
        *out += "</name>\n";
        Dump(value, out);
        *out += "</member>\n";
      }
      *out += "</struct></value>\n";
      return;
  }
}

}  // namespace

Value Value::Int(int64_t v) {
  Value x;
  x.type = Type::kInt;
  x.i = v;
  return x;
}

Value Value::Bool(bool v) {
  Value x;
  x.type = Type::kBool;
  x.i = v;
  return x;
}

Value Value::String(std::string v) {
  Value x;
  x.type = Type::kString;
  x.s = std::move(v);
  return x;
}

Value Value::Array(std::vector<Value> v) {
  Value x;
  x.type = Type::kArray;
  x.items = std::move(v);
  return x;
}

Value Value::Struct(std::vector<std::pair<std::string, Value>> v) {
  Value x;
  x.type = Type::kStruct;
  x.members = std::move(v);
  return x;
}

const Value* Value::Member(std::string_view name) const {
  for (const auto& [n, v] : members) {
    if (n == name) return &v;
  }
  return nullptr;
}

bool ParseCall(std::string_view body, Call* out, std::string* why) {
  *out = Call();
  Parser p(body);
  if (p.Call(out)) return true;
  *why = p.why();
  return false;
}

std::string Response(const Value& v) {
  std::string out = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n";
  Dump(v, &out);
  out += "</param>\n</params>\n</methodResponse>\n";
  return out;
}

std::string Fault(int code, std::string_view text) {
  std::string out = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n";
  Dump(Value::Struct({{"faultCode", Value::Int(code)}, {"faultString", Value::String(std::string(text))}}),
       &out);
  out += "</fault>\n</methodResponse>\n";
  return out;
}

std::string Request(std::string_view method, const std::vector<Value>& params) {
  std::string out = "<?xml version='1.0'?>\n<methodCall>\n<methodName>";
  Escape(method, &out);
  out += "</methodName>\n<params>\n";
  for (const Value& p : params) {
    out += "<param>\n";
    Dump(p, &out);
    out += "</param>\n";
  }
  out += "</params>\n</methodCall>\n";
  return out;
}

}  // namespace xmlrpc
}  // namespace tend
