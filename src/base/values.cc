#include "base/values.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <algorithm>

#include <fmt/format.h>

namespace tend {

namespace {

constexpr int64_t kMaxDurationMs = 366LL * 24 * 3600 * 1000;

struct SignalNameEntry {
  const char* name;
  int signo;
};

// The standard Linux signals; real-time ones are handled as RTMIN+N / RTMAX-N.
constexpr SignalNameEntry kSignalNames[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};


std::string Upper(const std::string& s) {
  std::string r = s;
  for (char& c : r)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return r;
}

}  // namespace

bool ParseUint(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 12) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool ParseDuration(const std::string& text, int64_t* ms, std::string* err) {
  if (text.empty()) {
    *err = "empty duration";
    return false;
  }
  size_t i = 0;
  double total_ms = 0;
  bool bare = true;
  while (i < text.size()) {
    // A number: digits with at most one decimal point, read without strtod (whose
    // locale-aware machinery would double the static binary's libc share).
    size_t start = i;
    double value = 0, scale_frac = 0;
    while (i < text.size() &&
           ((text[i] >= '0' && text[i] <= '9') || (text[i] == '.' && !scale_frac))) {
      if (text[i] == '.') {
        scale_frac = 1;
      } else if (scale_frac) {
        scale_frac /= 10;
        value += (text[i] - '0') * scale_frac;
      } else {
        value = value * 10 + (text[i] - '0');
      }
      ++i;
    }
    if (i == start || (i == start + 1 && text[start] == '.')) {
      *err = "expected a number such as 10s, 500ms or 2m";
      return false;
    }
    size_t ustart = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z') ++i;
    std::string unit = text.substr(ustart, i - ustart);
    double scale;
    if (unit.empty()) {
      if (!bare || i != text.size()) {
        *err = "a number needs a unit (ms, s, m or h) here";
        return false;
      }
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m" || unit == "min") {
      scale = 60 * 1000;
    } else if (unit == "h") {
      scale = 3600 * 1000;
    } else {
      *err = "unknown unit '" + unit + "' (use ms, s, m or h)";
      return false;
    }
    bare = false;
    total_ms += value * scale;
    if (total_ms > static_cast<double>(kMaxDurationMs)) {
      *err = "duration too long (at most a year)";
      return false;
    }
  }
  *ms = static_cast<int64_t>(total_ms + 0.5);
  return true;
}

std::string FormatDuration(int64_t ms) {
  if (ms % 60000 == 0 && ms >= 60000) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  if (ms > 1000 && ms % 100 == 0) {
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
  }
  return std::to_string(ms) + "ms";
}

std::string HumanDuration(int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  int64_t tenths = (ms + 50) / 100;
  if (tenths < 100) return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  int64_t s = (ms + 500) / 1000;
  if (s < 60) return std::to_string(s) + "s";
  return std::to_string(s / 60) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
}

bool ParseSignal(const std::string& text, int* signo) {
  int64_t n;
  if (ParseUint(text, &n)) {
    if (n < 1 || n > SIGRTMAX) return false;
    *signo = static_cast<int>(n);
    return true;
  }
  std::string name = Upper(text);
  if (name.compare(0, 3, "SIG") == 0) name.erase(0, 3);
  for (const auto& e : kSignalNames) {
    if (name == e.name) {
      *signo = e.signo;
      return true;
    }
  }
  // RTMIN, RTMIN+N, RTMAX, RTMAX-N.
  const bool min = name.compare(0, 5, "RTMIN") == 0;
  const bool max = name.compare(0, 5, "RTMAX") == 0;
  if (!min && !max) return false;
  std::string rest = name.substr(5);
  int64_t off = 0;
  if (!rest.empty()) {
    if (rest[0] != (min ? '+' : '-') || !ParseUint(rest.substr(1), &off)) return false;
  }
  if (off > SIGRTMAX - SIGRTMIN) return false;
  *signo = min ? SIGRTMIN + static_cast<int>(off) : SIGRTMAX - static_cast<int>(off);
  return true;
}

std::string SignalName(int signo) {
  for (const auto& e : kSignalNames) {
    // IOT, CLD and POLL are aliases; the first entry of each number is the canonical one.
    if (e.signo == signo) return e.name;
  }
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
    if (signo == SIGRTMIN) return "RTMIN";
    if (signo == SIGRTMAX) return "RTMAX";
    int from_min = signo - SIGRTMIN, from_max = SIGRTMAX - signo;
    return from_min <= from_max ? "RTMIN+" + std::to_string(from_min)
                                : "RTMAX-" + std::to_string(from_max);
  }
  return std::to_string(signo);
}

std::string Printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80 ? 1 : Utf8Length(text.substr(i));
    // C1 controls (U+0080 to U+009F: CSI is U+009B) drive terminals as C0 ones do; a byte
    // that is not UTF-8 may be one to a terminal that is not in UTF-8.
    const bool c1 = n == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0;
    if (n == 1 && ((c >= 0x20 && c != 0x7f) || c == '\t' || (c == '\n' && keep_newlines))) {
      out += static_cast<char>(c);
    } else if (n > 1 && !c1) {
      out.append(text, i, n);
    } else {
      for (size_t k = 0; k < std::max<size_t>(n, 1); ++k) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i + k]));
      }
    }
    i += std::max<size_t>(n, 1);
  }
  return out;
}

size_t Utf8Length(std::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // The second byte's range (RFC 3629's table).
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // Not overlong.
    if (c == 0xed) hi = 0x9f;  // Not a surrogate.
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;  // Not past U+10FFFF.
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
  }
  return n;
}

std::string DescribeWaitStatus(int status) {
  if (WIFSIGNALED(status)) {
    return "was killed by SIG" + SignalName(WTERMSIG(status)) +
           (WCOREDUMP(status) ? " (core dumped)" : "");
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
      ++i;
    } else if (size_t n = Utf8Length(s.substr(i))) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      // Not UTF-8 (a program's raw bytes): the byte as the code point of the same value,
      // so that the output stays JSON and the byte can be read back.
      out += fmt::format("\\u{:04x}", c);
      ++i;
    }
  }
  return out + "\"";
}

}  // namespace tend
