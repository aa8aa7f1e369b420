// Parsing and formatting of the small value types tend's options and config use.
#ifndef TEND_VALUES_H_
#define TEND_VALUES_H_

#include <stdint.h>

#include <string>
#include <string_view>

namespace tend {

/// Parses a duration: a bare number of seconds ("10", "1.5") or numbers with units
/// ms, s, m, h, optionally chained ("500ms", "2m", "1m30s"). Returns false and fills
/// `err` (a short reason, without the input) on anything else, on negative values and
/// on values above one year.
bool ParseDuration(const std::string& text, int64_t* ms, std::string* err);

/// Formats milliseconds the way ParseDuration reads them back: "8s", "1.5s", "250ms", "2m".
std::string FormatDuration(int64_t ms);

/// Rounds for people: "960ms", "1.9s", "12s", "2m30s".
std::string HumanDuration(int64_t ms);

/// Parses a signal as a name with or without "SIG" ("TERM", "SIGTERM", "term"), a number
/// ("15"), or "RTMIN+N" / "RTMAX-N". SIGKILL and SIGSTOP are accepted. Returns false
/// on an unknown name or a number outside 1..SIGRTMAX.
bool ParseSignal(const std::string& text, int* signo);

/// Parses a non-negative decimal integer of at most 12 digits that fills all of `s`.
bool ParseUint(const std::string& s, int64_t* out);

/// "TERM", "RTMIN+3", or the number in decimal when the signal has no name.
std::string SignalName(int signo);

/// `text` safe to show on a terminal: control bytes (below 0x20, and 0x7f) as `\xNN`,
/// except tab, and newline when `keep_newlines`; C1 controls (U+0080 to U+009F) and
/// bytes that are not UTF-8 too. Text from programs (output, STATUS=, names) must never
/// drive the operator's terminal.
std::string Printable(std::string_view text, bool keep_newlines = false);

/// The length of the valid UTF-8 sequence at the start of `s` (1 to 4), or 0 when it is
/// not one (a stray byte, an overlong form, a surrogate, past U+10FFFF, cut short).
size_t Utf8Length(std::string_view s);

/// `s` as a JSON string: "a\"b", control characters as \u00XX, and each byte that is
/// not part of valid UTF-8 as \u00XX too (its value: the output stays valid JSON).
std::string JsonString(std::string_view s);

/// "exited with status 3", "was killed by SIGSEGV".
std::string DescribeWaitStatus(int wait_status);

}  // namespace tend

#endif  // TEND_VALUES_H_
