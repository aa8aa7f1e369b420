// Parsers for the value types of configuration keys, following supervisord's
// datatypes.py where supervisord has the type. Each returns false with a short reason in
// `err` (without the input, which the caller quotes with the key and file:line).
#ifndef TEND_CONFIG_VALUES_H_
#define TEND_CONFIG_VALUES_H_

#include <stdint.h>

#include <string>
#include <utility>
#include <vector>

namespace tend {

/// Removes leading and trailing whitespace (space, tab, newline, CR, FF, VT).
std::string Trim(const std::string& s);

/// `s` with ASCII letters in lower case.
std::string Lower(std::string s);

/// true/false, yes/no, on/off, 1/0 in any case (supervisord's boolean()).
bool ParseBool(const std::string& text, bool* out, std::string* err);

/// A decimal integer with an optional sign, within [min, max].
bool ParseInteger(const std::string& text, int64_t min, int64_t max, int64_t* out,
                  std::string* err);

/// A byte count with an optional KB, MB or GB suffix in any case, powers of 1024
/// (supervisord's byte_size): "0", "1024", "10MB", "1gb".
bool ParseByteSize(const std::string& text, int64_t* out, std::string* err);

/// A log prefix template: text with the placeholders {name}, {pid} and {stream}; any
/// other {word} (letters, digits, '_') is an unknown placeholder, other braces are
/// text. Quotes (' or ") around the whole value are removed, so that it may end with a
/// space; "" (or an empty value) is no prefix.
bool ParseLogPrefix(const std::string& text, std::string* out, std::string* err);

/// An octal file mode mask such as "022" or "0o022", at most 0777.
bool ParseOctalMask(const std::string& text, int* out, std::string* err);

/// A comma-separated list of exit codes in 0..255; "" is the empty list
/// (supervisord's list_of_exitcodes).
bool ParseExitCodes(const std::string& text, std::vector<int>* out, std::string* err);

/// supervisord's environment syntax (datatypes.dict_of_key_value_pairs): KEY=value pairs
/// separated by commas, tokenised like Python's non-POSIX shlex, so a value with
/// characters other than letters, digits and _/.+-(): must be quoted with ' or ";
/// quotes are stripped from the ends of values; '#' starts a comment. A key given twice
/// keeps its first position and its last value. Returns the pairs in order. Unlike
/// supervisord, which drops the "c" of `A=b c`, a pair must be followed by a comma.
bool ParseEnvironment(const std::string& text,
                      std::vector<std::pair<std::string, std::string>>* out, std::string* err);

/// Names separated by commas and/or whitespace; empty names are dropped.
std::vector<std::string> SplitNames(const std::string& text);

/// Sets each NAME=value of `pairs` in `env` ("NAME=value" strings): replaced in place
/// when NAME is there, appended otherwise. Linear in the sizes of both.
void MergeEnvironment(const std::vector<std::pair<std::string, std::string>>& pairs,
                      std::vector<std::string>* env);

/// Splits a command line into words as a POSIX shell would, without running one:
/// whitespace separates words; '...' is literal; "..." allows \" \\ \$ \`; a backslash
/// outside quotes escapes the next character; backslash-newline is removed. Returns
/// false with `err` set on an unterminated quote or a trailing backslash.
bool SplitCommand(const std::string& command, std::vector<std::string>* words, std::string* err);

/// Whether `s` is a dotted IPv4 address ("127.0.0.1").
bool ValidIpv4(const std::string& s);

}  // namespace tend

#endif  // TEND_CONFIG_VALUES_H_
