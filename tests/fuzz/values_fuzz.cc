// Every value parser of the configuration: the first byte picks one, the rest is the
// value as written. A value that parses formats back to text that parses to the same
// value; what is shown to a person is printable.
#include <signal.h>

#include <string>
#include <utility>
#include <vector>

#include "base/values.h"
#include "config/config.h"
#include "config/config_values.h"
#include "config/probe_spec.h"
#include "fuzz.h"

namespace tend {
namespace {

using fuzz::Check;

// `w` in single quotes as a shell reads it back ('\'' for a quote).
std::string Quote(const std::string& w) {
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void Duration(const std::string& text) {
  int64_t ms = 0, again = 0;
  std::string err;
  if (!ParseDuration(text, &ms, &err)) return;
  Check(ms >= 0 && ms <= 366LL * 24 * 3600 * 1000, "duration in range", text);
  const std::string formatted = FormatDuration(ms);
  Check(ParseDuration(formatted, &again, &err) && again == ms, "duration round trip",
        text + " -> " + formatted);
  HumanDuration(ms);
}

void Signal(const std::string& text) {
  int signo = 0, again = 0;
  if (!ParseSignal(text, &signo)) return;
  Check(signo >= 1 && signo <= SIGRTMAX, "signal in range", text);
  const std::string name = SignalName(signo);
  Check(ParseSignal(name, &again) && again == signo, "signal round trip", text + " -> " + name);
}

void Integers(const std::string& text) {
  int64_t n = 0, again = 0;
  std::string err;
  if (ParseUint(text, &n)) {
    Check(n >= 0 && ParseUint(std::to_string(n), &again) && again == n, "uint round trip", text);
  }
  if (ParseInteger(text, -1000000, 1000000, &n, &err)) {
    Check(n >= -1000000 && n <= 1000000, "integer in range", text);
    Check(ParseInteger(std::to_string(n), -1000000, 1000000, &again, &err) && again == n,
          "integer round trip", text);
  }
  if (ParseByteSize(text, &n, &err)) {
    Check(n >= 0 && ParseByteSize(std::to_string(n), &again, &err) && again == n,
          "byte size round trip", text);
  }
  int mask = 0, mask_again = 0;
  if (ParseOctalMask(text, &mask, &err)) {
    char buf[16];
    snprintf(buf, sizeof buf, "0%o", mask);
    Check(mask >= 0 && mask <= 0777 && ParseOctalMask(buf, &mask_again, &err) &&
              mask_again == mask,
          "octal mask round trip", text);
  }
}

void Bool(const std::string& text) {
  bool b = false, again = false;
  std::string err;
  if (!ParseBool(text, &b, &err)) return;
  Check(ParseBool(b ? "true" : "false", &again, &err) && again == b, "boolean round trip", text);
}

void ExitCodes(const std::string& text) {
  std::vector<int> codes, again;
  std::string err;
  if (!ParseExitCodes(text, &codes, &err)) return;
  std::string joined;
  for (int c : codes) {
    Check(c >= 0 && c <= 255, "exit code in range", text);
    joined += (joined.empty() ? "" : ",") + std::to_string(c);
  }
  Check(ParseExitCodes(joined, &again, &err) && again == codes, "exit codes round trip",
        text + " -> " + joined);
}

void Environment(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> pairs, again;
  std::string err;
  if (!ParseEnvironment(text, &pairs, &err)) return;
  // Written back with each value quoted; a value holding both quotes has no such form.
  std::string joined;
  for (const auto& [key, value] : pairs) {
    Check(!key.empty(), "environment key not empty", text);
    const bool single = value.find('\'') == std::string::npos;
    if (!single && value.find('"') != std::string::npos) return;
    const char q = single ? '\'' : '"';
    joined += (joined.empty() ? "" : ",") + key + "=" + q + value + q;
  }
  Check(ParseEnvironment(joined, &again, &err) && again == pairs, "environment round trip",
        text + " -> " + joined + (err.empty() ? "" : ": " + err));
  std::vector<std::string> env = {"A=1", "PATH=/bin"};
  MergeEnvironment(pairs, &env);
}

void Names(const std::string& text) {
  const std::vector<std::string> names = SplitNames(text);
  std::string joined;
  for (const std::string& n : names) {
    Check(!n.empty(), "names not empty", text);
    joined += (joined.empty() ? "" : ",") + n;
  }
  Check(SplitNames(joined) == names, "names round trip", text);
}

void Command(const std::string& text) {
  std::vector<std::string> words, again;
  std::string err;
  if (!SplitCommand(text, &words, &err)) return;
  std::string joined;
  for (const std::string& w : words) joined += (joined.empty() ? "" : " ") + Quote(w);
  Check(SplitCommand(joined, &again, &err) && again == words, "command round trip",
        text + " -> " + joined);
}

void Ready(const std::string& text) {
  ReadySource r, again;
  std::string why;
  if (!ParseReadySource(text, &r, &why)) return;
  Check(ParseReadySource(r.spec, &again, &why), "ready spec parses again", text);
  Check(again.kind == r.kind && again.text == r.text && again.fd == r.fd &&
            again.probe.host_port == r.probe.host_port && again.probe.path == r.probe.path &&
            again.probe.argv == r.probe.argv,
        "ready round trip", text);
  if (r.regex) r.regex->Search(text);
}

void Probe(const std::string& text) {
  ProbeSpec p, again;
  std::string why;
  if (!ParseProbe(text, &p, &why)) return;
  Check(ParseProbe(p.spec, &again, &why) && again.kind == p.kind &&
            again.host_port == p.host_port && again.path == p.path && again.argv == p.argv &&
            again.addr_len == p.addr_len,
        "probe round trip", text);
  for (char c : p.path) {
    Check(static_cast<unsigned char>(c) > ' ' && c != 0x7f, "probe path printable", text);
  }
}

void Prefix(const std::string& text) {
  std::string out, err;
  if (!ParseLogPrefix(text, &out, &err)) return;
  Check(out.size() <= text.size(), "a prefix is no longer than its value", text);
}

void Shown(const std::string& text, bool keep_newlines) {
  const std::string shown = Printable(text, keep_newlines);
  for (unsigned char c : shown) {
    Check(c >= 0x20 || c == '\t' || (keep_newlines && c == '\n'), "printable", text);
    Check(c != 0x7f, "printable", text);
  }
  Check(Utf8Length(shown) <= shown.size(), "UTF-8 length", text);
  // Valid UTF-8 throughout: what Printable keeps whole, it keeps as it was.
  Check(Printable(shown, keep_newlines) == shown, "printable twice is printable once", text);
}

}  // namespace
}  // namespace tend

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tend::fuzz::Input in(data, size);
  const uint8_t which = in.Byte();
  const std::string text = in.Rest();
  switch (which % 13) {
    case 0: tend::Duration(text); break;
    case 1: tend::Signal(text); break;
    case 2: tend::Integers(text); break;
    case 3: tend::Bool(text); break;
    case 4: tend::ExitCodes(text); break;
    case 5: tend::Environment(text); break;
    case 6: tend::Names(text); break;
    case 7: tend::Command(text); break;
    case 8: tend::Ready(text); break;
    case 9: tend::Probe(text); break;
    case 10: tend::Prefix(text); break;
    case 11: tend::Shown(text, false); break;
    case 12: tend::Shown(text, true); break;
  }
  return 0;
}
