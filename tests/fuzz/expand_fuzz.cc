// The expansions of configuration values alone (%(name)s with Python's flags, width and
// precision; ${VAR} and ${VAR:-default}), much faster than the whole loading path. The
// first byte picks the mode. No value grows by more than the widest conversion per byte
// written (a number in a file must not become an allocation), text without '%' or '$'
// comes out as written, and an error leaves no half-expanded surprise: expanding is a
// function of the text.
#include <string>
#include <vector>

#include "config/config_expand.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::fuzz::Check;
  tend::fuzz::Input in(data, size);
  const auto mode = in.Byte() & 1 ? tend::Expander::Mode::kCommand : tend::Expander::Mode::kValue;
  const std::string text = in.Rest();
  tend::Expander ex({"HOME=/root", "EMPTY=", "LONG=" + std::string(100, 'x'), "N=3"});
  ex.SetText(tend::kExpandProgramName, "web");
  ex.SetText(tend::kExpandGroupName, "web");
  ex.SetText(tend::kExpandHere, "/etc/tend");
  ex.SetNumber(tend::kExpandProcessNum, 7);
  ex.SetNumber("numprocs", 2);
  std::vector<tend::ExpandIssue> issues;
  const std::string out = ex.Expand(text, mode, &issues);
  // Each conversion is at least 4 bytes ("%(x)s") and gives at most the widest of
  // kMaxFormatWidth and the longest value (100 bytes).
  Check(out.size() <= text.size() + (text.size() / 4 + 1) * tend::kMaxFormatWidth,
        "expansion bounded", std::to_string(out.size()) + " bytes from " +
                                 std::to_string(text.size()));
  if (text.find_first_of("%$") == std::string::npos) {
    Check(out == text && issues.empty(), "plain text as written", text);
  }
  for (const auto& i : issues) Check(!i.message.empty(), "an issue says what");
  std::vector<tend::ExpandIssue> again_issues;
  Check(ex.Expand(text, mode, &again_issues) == out && again_issues.size() == issues.size(),
        "expanding is a function of the text");
  return 0;
}
