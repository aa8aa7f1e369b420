#include "config/config_keys.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "config/config_files.h"

namespace tend {
namespace {

constexpr char kManPage[] = "man/tend.conf.5";

// One `.It Cm key Ns = Ns Ar type` entry of the man page, with the lines of its item.
struct DocEntry {
  std::string sh;       // The enclosing .Sh title.
  SectionKind section;  // From the enclosing `.It Ic [name]` in SECTIONS, else kProgram.
  std::string key, type;
  std::vector<std::string> body;
};

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> w;
  size_t i = 0;
  while ((i = line.find_first_not_of(' ', i)) != std::string::npos) {
    size_t e = line.find(' ', i);
    w.push_back(line.substr(i, e == std::string::npos ? std::string::npos : e - i));
    i = e;
  }
  return w;
}

// The section an `.It Ic [name ...` line introduces: "[group: Ns Ar name ..." is
// [group:x].
SectionKind SectionOfItem(const std::string& line) {
  std::string name = Words(line).at(2).substr(1);
  if (!name.empty() && name.back() == ']') name.pop_back();
  if (!name.empty() && name.back() == ':') name += "x";
  std::string suffix;
  return ClassifySection(name, &suffix);
}

std::vector<DocEntry> ParseManPage() {
  std::string text, err;
  EXPECT_TRUE(ReadWholeFile(kManPage, &text, &err)) << kManPage << ": " << err;
  std::vector<DocEntry> entries;
  std::string sh;
  SectionKind section = SectionKind::kProgram;
  DocEntry* open = nullptr;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(i, nl - i);
    i = nl + 1;
    if (line.compare(0, 4, ".Sh ") == 0) sh = line.substr(4);
    if (line.compare(0, 4, ".It ") == 0 || line.compare(0, 3, ".El") == 0 ||
        line.compare(0, 4, ".Sh ") == 0)
      open = nullptr;
    if (line.compare(0, 8, ".It Ic [") == 0) section = SectionOfItem(line);
    if (line.compare(0, 4, ".Sh ") == 0) section = SectionKind::kProgram;
    if (line.compare(0, 7, ".It Cm ") == 0) {
      std::vector<std::string> w = Words(line);
      EXPECT_EQ(8u, w.size()) << "expected \".It Cm key Ns = Ns Ar type\": " << line;
      if (w.size() != 8) continue;
      entries.push_back({sh, section, w[2], w[7], {}});
      open = &entries.back();
      continue;
    }
    if (open) open->body.push_back(line);
  }
  return entries;
}

// A default as tend.conf(5) writes it: '-', '"' and '|' (an mdoc delimiter) escaped.
std::string ManEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c == '-'   ? std::string("\\-")
           : c == '"' ? std::string("\\(dq")
           : c == '|' ? std::string("\\(ba")
                      : std::string(1, c);
  }
  return out;
}

// Where tend.conf(5) documents the keys of a section kind.
std::string ExpectedSh(SectionKind kind) {
  return kind == SectionKind::kProgram ? "PROGRAM KEYS" : "SECTIONS";
}

TEST(ConfigKeysTest, NoDuplicateRows) {
  std::set<std::pair<SectionKind, std::string>> seen;
  for (const KeySpec& k : AllKeys())
    EXPECT_TRUE(seen.emplace(k.section, k.name).second) << "duplicate row " << k.name;
  EXPECT_GT(AllKeys().size(), 30u);
}

TEST(ConfigKeysTest, RowsAreComplete) {
  for (const KeySpec& k : AllKeys()) {
    std::string name = k.name;
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(std::string::npos, name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_")) << name;
    EXPECT_STRNE("", k.doc) << name;
    EXPECT_STRNE("?", TypeName(k.type)) << name;
    EXPECT_EQ(&k, FindKey(k.section, name));
    SectionKind belongs;
    EXPECT_EQ(KeyStatus::kUsed, ClassifyKey(k.section, name, &belongs)) << name;
    if (k.same_as) {
      const KeySpec* other = FindKey(k.section, k.same_as);
      ASSERT_NE(nullptr, other) << name;
      EXPECT_STREQ(k.name, other->same_as) << name;
    }
  }
}

// [tend] rows (and [supervisord]'s pidfile) store into TendSettings, the others into a
// ProgramConfig.
TEST(ConfigKeysTest, AppliersFitTheirSection) {
  size_t tend_rows = 0;
  for (const KeySpec& k : AllKeys()) {
    if (k.section == SectionKind::kTend || k.section == SectionKind::kUnixHttpServer ||
        k.section == SectionKind::kInetHttpServer ||
        (k.section == SectionKind::kSupervisord && std::string(k.name) == "pidfile")) {
      ++tend_rows;
      EXPECT_NE(nullptr, k.apply.tend) << k.name;
      EXPECT_EQ(nullptr, k.apply.program) << k.name;
    } else {
      EXPECT_EQ(nullptr, k.apply.tend) << k.name;
    }
  }
  EXPECT_GE(tend_rows, 5u);
}

// The defaults the table shows (and tend.conf(5) with it) are TendSettings' own.
TEST(ConfigKeysTest, TendDefaultsAreTheStructs) {
  TendSettings t;
  t.log_prefix = "?";
  t.log_timestamps = true;
  t.log_max_line = 1;
  t.log_overflow_drop = true;
  t.log_buffer = 1;
  for (const KeySpec& k : AllKeys()) {
    if (k.section != SectionKind::kTend) continue;
    std::string why;
    EXPECT_EQ(ApplyStatus::kOk, k.apply(k.default_text, ApplyContext(), &t, &why))
        << k.name << ": " << why;
  }
  TendSettings d;
  EXPECT_EQ(d.log_prefix, t.log_prefix);
  EXPECT_EQ(d.log_timestamps, t.log_timestamps);
  EXPECT_EQ(d.log_max_line, t.log_max_line);
  EXPECT_EQ(d.log_overflow_drop, t.log_overflow_drop);
  EXPECT_EQ(d.log_buffer, t.log_buffer);
}

TEST(ConfigKeysTest, EveryKeyIsDocumented) {
  std::vector<DocEntry> doc = ParseManPage();
  for (const KeySpec& k : AllKeys()) {
    const DocEntry* found = nullptr;
    for (const DocEntry& d : doc)
      if (d.key == k.name && d.section == k.section) found = &d;
    ASSERT_NE(nullptr, found) << k.name << " is not documented as \".It Cm " << k.name
                              << " Ns = Ns Ar " << TypeName(k.type) << "\" under "
                              << ExpectedSh(k.section) << " in " << kManPage;
    EXPECT_EQ(ExpectedSh(k.section), found->sh) << k.name;
    EXPECT_EQ(TypeName(k.type), found->type) << k.name;
    if (*k.default_text == '\0') continue;
    std::string want = ".No Default: Ql " + ManEscape(k.default_text) + " .";
    bool has = false;
    for (const std::string& l : found->body) has = has || l == want;
    EXPECT_TRUE(has) << k.name << ": expected the line \"" << want << "\" in " << kManPage;
  }
}

// Every key the table has does what the page says: none may be described as accepted
// but not applied (rotation once was, while it worked; tests/integration LogfilesRotate
// proves it does).
TEST(ConfigKeysTest, NoKeyIsDocumentedAsNotApplied) {
  for (const DocEntry& d : ParseManPage()) {
    for (const std::string& l : d.body) {
      EXPECT_EQ(std::string::npos, l.find("not applied")) << d.key << ": " << l;
    }
  }
}

TEST(ConfigKeysTest, EveryDocumentedKeyIsInTheTable) {
  for (const DocEntry& d : ParseManPage()) {
    if (d.sh != "PROGRAM KEYS" && d.sh != "SECTIONS") continue;
    EXPECT_NE(nullptr, FindKey(d.section, d.key))
        << kManPage << " documents " << d.key << " in " << SectionDisplayName(d.section)
        << ", which the key table lacks";
  }
}

TEST(ConfigKeysTest, ClassifiesSections) {
  std::string suffix;
  EXPECT_EQ(SectionKind::kProgram, ClassifySection("program:web", &suffix));
  EXPECT_EQ("web", suffix);
  EXPECT_EQ(SectionKind::kTend, ClassifySection("tend", &suffix));
  EXPECT_EQ(SectionKind::kUnknown, ClassifySection("tend:x", &suffix));
  EXPECT_EQ(SectionKind::kUnknown, ClassifySection("program", &suffix));
  EXPECT_EQ(SectionKind::kUnknown, ClassifySection("Program:web", &suffix));
  EXPECT_EQ(SectionKind::kFcgiProgram, ClassifySection("fcgi-program:x", &suffix));
  EXPECT_EQ(SectionKind::kRpcInterface, ClassifySection("rpcinterface:supervisor", &suffix));
  EXPECT_EQ(SectionKind::kUnixHttpServer, ClassifySection("unix_http_server", &suffix));
  EXPECT_EQ("[program:x]", SectionDisplayName(SectionKind::kProgram));
  EXPECT_EQ("[supervisord]", SectionDisplayName(SectionKind::kSupervisord));
}

TEST(ConfigKeysTest, ClassifiesKeys) {
  SectionKind belongs = SectionKind::kUnknown;
  EXPECT_EQ(KeyStatus::kUsed, ClassifyKey(SectionKind::kProgram, "command", &belongs));
  EXPECT_EQ(KeyStatus::kUnsupported,
            ClassifyKey(SectionKind::kProgram, "startinorder", &belongs));
  // A listener takes a program's keys, and has its own.
  EXPECT_EQ(KeyStatus::kUsed, ClassifyKey(SectionKind::kEventListener, "command", &belongs));
  EXPECT_EQ(KeyStatus::kUsed, ClassifyKey(SectionKind::kEventListener, "events", &belongs));
  EXPECT_EQ(KeyStatus::kWrongSection, ClassifyKey(SectionKind::kProgram, "events", &belongs));
  EXPECT_EQ(KeyStatus::kIgnored, ClassifyKey(SectionKind::kSupervisord, "nodaemon", &belongs));
  EXPECT_EQ(KeyStatus::kWrongSection,
            ClassifyKey(SectionKind::kUnixHttpServer, "nodaemon", &belongs));
  EXPECT_EQ(SectionKind::kSupervisord, belongs);
  EXPECT_EQ(KeyStatus::kWrongSection, ClassifyKey(SectionKind::kTend, "priority", &belongs));
  EXPECT_EQ(SectionKind::kProgram, belongs);
  EXPECT_EQ(KeyStatus::kUnknown, ClassifyKey(SectionKind::kProgram, "frobnicate", &belongs));
  EXPECT_EQ(KeyStatus::kUsed, ClassifyKey(SectionKind::kTend, "log_buffer", &belongs));
  EXPECT_EQ(KeyStatus::kUsed, ClassifyKey(SectionKind::kTend, "log_prefix", &belongs));
  EXPECT_EQ(KeyStatus::kUsed, ClassifyKey(SectionKind::kProgram, "log_prefix", &belongs));
  EXPECT_EQ(KeyStatus::kWrongSection, ClassifyKey(SectionKind::kProgram, "log_buffer", &belongs));
  EXPECT_EQ(SectionKind::kTend, belongs);
}

// DESIGN.md, "one key table": key names are literals only in config_keys.cc. Checked
// over the configuration layer (but options.cc, the command line's own table), where a
// stray literal would bypass the table.
TEST(ConfigKeysTest, NoKeyLiteralsOutsideTheTable) {
  DIR* d = opendir("src/config");
  ASSERT_NE(nullptr, d);
  std::vector<std::string> files;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n[0] != '.' && n != "config_keys.cc" && n.compare(0, 8, "options.") != 0) {
      files.push_back("src/config/" + n);
    }
  }
  closedir(d);
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    std::string text, err;
    ASSERT_TRUE(ReadWholeFile(f, &text, &err)) << f;
    for (const KeySpec& k : AllKeys()) {
      EXPECT_EQ(std::string::npos, text.find("\"" + std::string(k.name) + "\""))
          << f << " spells the key " << k.name << " as a literal; use config_keys.h";
    }
  }
}

}  // namespace
}  // namespace tend
