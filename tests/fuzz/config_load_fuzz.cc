// The whole loading path from bytes: the INI reader with [include]s, directories and
// globs, the %(...)s and ${...} expansions, every key's parser and the builder's checks.
// The input is up to four files separated by NUL bytes, written to a private directory
// on tmpfs: main.conf, a.conf, conf.d/b.conf, conf.d/c.ini (the dictionary names them),
// outside which loading is confined (ConfineFileAccess).
// Loading reports every problem with a place and a message; a configuration without
// errors has unique, non-empty names and commands; loading twice gives the same; and
// the memory it holds at its peak is bounded by a multiple of the input's size and of
// the processes it makes (numprocs multiplies a few bytes by design).
#include <sanitizer/allocator_interface.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "base/diag.h"
#include "config/config.h"
#include "config/config_files.h"
#include "config/config_load.h"
#include "fuzz.h"

namespace {

using tend::fuzz::Check;

// Bytes held, and their peak, while `counting`.
bool counting = false;
size_t live = 0, peak = 0;

void OnMalloc(const volatile void*, size_t size) {
  if (!counting) return;
  live += size;
  if (live > peak) peak = live;
}
void OnFree(const volatile void* p) {
  if (!counting || !p) return;
  const size_t size = __sanitizer_get_allocated_size(const_cast<const void*>(p));
  live = size > live ? 0 : live - size;
}

void Put(const std::string& path, const std::string* text) {
  if (!text) {
    unlink(path.c_str());
    return;
  }
  FILE* f = fopen(path.c_str(), "wb");
  Check(f != nullptr, "a file written", path);
  fwrite(text->data(), 1, text->size(), f);
  fclose(f);
}

std::string Dir() {
  static std::string dir;
  if (dir.empty()) {
    char tmpl[] = "/dev/shm/tend-fuzz-XXXXXX";
    char tmpl2[] = "/tmp/tend-fuzz-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (!d) d = mkdtemp(tmpl2);
    Check(d != nullptr, "a private directory");
    dir = d;
    mkdir((dir + "/conf.d").c_str(), 0700);
    mkdir((dir + "/etc").c_str(), 0700);
    // The accounts `user =` resolves against, inside the directory: loading may read
    // nothing outside it (an include of /dev/stdout would read the fuzzer's own log).
    for (const char* f : {"passwd", "group"}) {
      std::string text, err;
      Check(tend::ReadWholeFile(std::string("tests/config/etc/") + f, &text, &err), "etc", err);
      Put(dir + "/etc/" + f, &text);
    }
    tend::ConfineFileAccess(dir);
    __sanitizer_install_malloc_and_free_hooks(OnMalloc, OnFree);
    atexit([] {
      for (const char* f : {"main.conf", "a.conf", "conf.d/b.conf", "conf.d/c.ini", "etc/passwd",
                            "etc/group"}) {
        unlink((dir + "/" + f).c_str());
      }
      rmdir((dir + "/conf.d").c_str());
      rmdir((dir + "/etc").c_str());
      rmdir(dir.c_str());
    });
  }
  return dir;
}


tend::ExpansionContext Context(const std::string& dir) {
  tend::ExpansionContext ctx;
  ctx.environ = {"HOME=/root", "USER=root", "PATH=/usr/bin:/bin", "EMPTY=", "N=3"};
  ctx.host_node_name = "fuzz";
  ctx.etc_dir = dir + "/etc";
  ctx.euid = 0;
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tend::SetDiagLevel(tend::Level::kError);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = Dir();
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (size_t at = 0; parts.size() < 4;) {
    const size_t nul = input.find('\0', at);
    parts.push_back(input.substr(at, nul == std::string::npos ? std::string::npos : nul - at));
    if (nul == std::string::npos) break;
    at = nul + 1;
  }
  const char* names[] = {"main.conf", "a.conf", "conf.d/b.conf", "conf.d/c.ini"};
  for (size_t i = 0; i < 4; ++i) Put(dir + "/" + names[i], i < parts.size() ? &parts[i] : nullptr);

  const tend::ExpansionContext ctx = Context(dir);
  std::vector<tend::ConfigProblem> problems;
  live = peak = 0;
  counting = true;
  tend::Config config = tend::LoadConfig(dir + "/main.conf", ctx, &problems);
  counting = false;
  // What the configuration holds is its own (one ProgramConfig is about 1.4 KB); what
  // loading holds on the way is a multiple of the text it read.
  const size_t bound = (1 << 20) + 512 * size + 8192 * config.programs.size();
  Check(peak <= bound, "loading's memory bounded",
        std::to_string(peak) + " bytes at the peak for " + std::to_string(size) +
            " bytes of input and " + std::to_string(config.programs.size()) + " processes");

  bool usable = true;
  for (const auto& p : problems) {
    Check(!p.message.empty(), "a problem says what");
    Check(!p.where.file.empty() || p.where.line == 0, "a problem's place");
    usable &= p.kind != tend::ConfigProblem::Kind::kError &&
              p.kind != tend::ConfigProblem::Kind::kMachine;
  }
  if (usable) {
    std::set<std::string> seen;
    for (const auto& p : config.programs) {
      Check(!p.name.empty() && seen.insert(p.name).second, "unique process names", p.name);
      Check(!p.argv.empty() && !p.argv[0].empty(), "a command", p.name);
      Check(p.stopwaitsecs_ms >= 0 && p.startsecs_ms >= 0 && p.backoff_ms >= 0,
            "durations not negative", p.name);
    }
  }
  // One input in eight: loading is half of the time a run takes.
  if (size % 8 == 0) {
    const std::string listing = tend::FormatPrograms(config);
    std::vector<tend::ConfigProblem> again_problems;
    tend::Config again = tend::LoadConfig(dir + "/main.conf", ctx, &again_problems);
    Check(again_problems.size() == problems.size() && tend::FormatPrograms(again) == listing,
          "loading twice gives the same");
  }
  tend::CheckStopChains(config, 10000, &problems);
  return 0;
}
