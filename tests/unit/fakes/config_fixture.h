// Loading configurations in tests: a temporary directory, a fixed expansion context,
// and what a load gave (the configuration and its problems, by kind).
#ifndef TEND_TESTS_CONFIG_FIXTURE_H_
#define TEND_TESTS_CONFIG_FIXTURE_H_

#include <ftw.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_load.h"

namespace tend {

using Kind = ConfigProblem::Kind;

// A fresh directory under /tmp, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tend-config-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  // Writes `text` to `name` (which may contain directories) and returns its full path.
  std::string Write(const std::string& name, const std::string& text) const {
    std::string full = path_ + "/" + name;
    for (size_t i = path_.size() + 1; (i = full.find('/', i)) != std::string::npos; ++i)
      mkdir(full.substr(0, i).c_str(), 0755);
    FILE* f = fopen(full.c_str(), "wb");
    fwrite(text.data(), 1, text.size(), f);
    fclose(f);
    return full;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline ExpansionContext TestContext() {
  ExpansionContext ctx;
  ctx.environ = {"HOME=/home/test", "NAME=world", "EMPTY=", "SPACED=a b"};
  ctx.host_node_name = "testhost";
  ctx.etc_dir = "tests/config/etc";
  return ctx;
}

struct Loaded {
  Config config;
  std::vector<ConfigProblem> problems;

  // The problems of one kind as "file:line: kind: message".
  std::vector<std::string> Of(Kind kind) const {
    std::vector<std::string> out;
    for (const ConfigProblem& p : problems)
      if (p.kind == kind) out.push_back(p.ToString());
    return out;
  }
  std::string All() const {
    std::string s;
    for (const ConfigProblem& p : problems) s += p.ToString() + "\n";
    return s;
  }
  const ProgramConfig* Find(const std::string& name) const {
    for (const ProgramConfig& p : config.programs)
      if (p.name == name) return &p;
    return nullptr;
  }
  const ProgramConfig& Get(const std::string& name) const {
    const ProgramConfig* p = Find(name);
    EXPECT_NE(nullptr, p) << "no process " << name;
    static const ProgramConfig kEmpty;
    return p ? *p : kEmpty;
  }
};

inline Loaded LoadPath(const std::string& path, const ExpansionContext& ctx = TestContext()) {
  Loaded l;
  l.config = LoadConfig(path, ctx, &l.problems);
  return l;
}

// Loads `text` as "t.conf" in a temporary directory; problems name it "t.conf".
inline Loaded Load(const std::string& text, const ExpansionContext& ctx = TestContext()) {
  TempDir dir;
  Loaded l = LoadPath(dir.Write("t.conf", text), ctx);
  std::string prefix = dir.path() + "/";
  for (ConfigProblem& p : l.problems) {
    if (p.where.file.compare(0, prefix.size(), prefix) == 0) p.where.file.erase(0, prefix.size());
    for (size_t i; (i = p.message.find(prefix)) != std::string::npos;)
      p.message.erase(i, prefix.size());
  }
  return l;
}

using Lines = std::vector<std::string>;

}  // namespace tend

#endif  // TEND_TESTS_CONFIG_FIXTURE_H_
