// The supervisorctl drop-in's command line: options and action words as a script or a
// person types them (the input: arguments separated by NUL bytes), the prompt's line
// splitting, and how NAME, GROUP:NAME and GROUP:* arguments resolve. Options parse
// to one of their three outcomes with the action's words where they start; words
// carry no whitespace; a name resolves only to programs that exist.
#include <ctype.h>

#include <string>
#include <vector>

#include "cli/supervisorctl.h"
#include "cli/supervisorctl_session.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::fuzz::Check;
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args = {"supervisorctl"};
  for (size_t at = 0; at <= input.size() && args.size() < 64;) {
    const size_t nul = input.find('\0', at);
    args.push_back(input.substr(at, nul == std::string::npos ? std::string::npos : nul - at));
    if (nul == std::string::npos) break;
    at = nul + 1;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int argc = static_cast<int>(args.size());

  tend::SctlOptions opts;
  std::string message;
  const tend::SctlParse r = tend::ParseSctlOptions(argc, argv.data(), &opts, &message);
  if (r == tend::SctlParse::kError) {
    Check(message.compare(0, 14, "Error: option ") == 0, "supervisorctl's error", message);
  } else if (r == tend::SctlParse::kRun) {
    Check(opts.first_word >= 1 && opts.first_word <= argc, "where the action starts");
  }

  // The prompt: the whole input as one typed line.
  std::string rejoined;
  for (const std::string& w : tend::Words(input)) {
    Check(!w.empty(), "no empty word");
    for (unsigned char c : w) Check(!isspace(c), "no whitespace in a word", w);
    rejoined += w;
  }
  std::string squeezed;
  for (unsigned char c : input) {
    if (!isspace(c)) squeezed += static_cast<char>(c);
  }
  Check(rejoined == squeezed, "words keep every other byte, in order");

  // Names against a fixed set of programs.
  tend::sctl::Sctl s;
  for (const char* spec : {"web:web", "pair:a", "pair:b", "worker:worker_00", "x:y:z"}) {
    tend::sctl::Proc p;
    const std::string sp = spec;
    p.group = sp.substr(0, sp.find(':'));
    p.name = sp.substr(sp.find(':') + 1);
    p.state = "RUNNING";
    s.procs.push_back(p);
  }
  std::vector<std::string> names(args.begin() + 1, args.end());
  for (const auto& t : tend::sctl::Resolve(s, names)) {
    for (const tend::sctl::Proc* p : t.procs) {
      Check(p >= &s.procs.front() && p <= &s.procs.back(), "resolves to a program");
    }
  }
  return 0;
}
