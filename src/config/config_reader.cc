#include "config/config_reader.h"

#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <set>

#include "config/config_files.h"
#include "config/config_keys.h"
#include "config/config_values.h"

namespace tend {

namespace {

using Kind = ConfigProblem::Kind;

// inih is given a normalised line per physical line: every section name, key and value
// is replaced by a token "\x01<n>" whose text is kept in a side table. So inih's
// 200-byte line limit and its 50-byte section and name buffers never cut anything, and
// comments follow supervisord's rules (stripped before inih sees the line).
constexpr char kTokenMark = '\x01';

// How a message quotes a line of the file: whole when short, else its start.
std::string Quote(const std::string& s) {
  return "\"" + (s.size() <= 40 ? s : s.substr(0, 37) + "...") + "\"";
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

// Python's str.split(): words separated by any whitespace.
std::vector<std::string> SplitWhitespace(const std::string& s) {
  std::vector<std::string> words;
  size_t i = 0;
  while ((i = s.find_first_not_of(" \t\n\r\f\v", i)) != std::string::npos) {
    size_t e = s.find_first_of(" \t\n\r\f\v", i);
    if (e == std::string::npos) e = s.size();
    words.push_back(s.substr(i, e - i));
    i = e;
  }
  return words;
}

// Where supervisord's configparser (inline_comment_prefixes ';' and '#') starts a
// comment: at the first ';' or '#' that begins the line or follows whitespace.
size_t CommentStart(const std::string& line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if ((line[i] == ';' || line[i] == '#') && (i == 0 || IsBlank(line[i - 1]))) return i;
  }
  return std::string::npos;
}

// The sections of all files, merged by name; [include] sections stay per file.
class SectionSet {
 public:
  explicit SectionSet(RawConfig* out) : out_(out) {}

  static std::string MergeKey(const std::string& name, const std::string& file) {
    std::string suffix;
    if (ClassifySection(name, &suffix) == SectionKind::kInclude) return name + "\n" + file;
    return name;
  }

  void Begin(const std::string& name, const SourceLocation& where) {
    std::string key = MergeKey(name, where.file);
    auto it = index_.find(key);
    if (it == index_.end()) {
      it = index_.emplace(key, out_->sections.size()).first;
      out_->sections.push_back(RawSection{name, where, {}});
    }
    current_ = it->second;
  }

  bool Open() const { return current_ != kNone; }
  const std::string& CurrentName() const { return out_->sections[current_].name; }

  // Adds a key line; a key already in the section is replaced, and the new line moves
  // to the end so that entries stay in the order of the lines that won.
  void Add(const RawEntry& e, std::vector<ConfigProblem>* problems) {
    std::vector<RawEntry>& entries = out_->sections[current_].entries;
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (it->key != e.key) continue;
      problems->push_back({Kind::kWarning, e.where,
                           "duplicate key " + e.key + " (also at " + it->where.ToString() +
                               "); the last one wins"});
      entries.erase(it);
      break;
    }
    entries.push_back(e);
  }

  void Append(const std::string& text) { out_->sections[current_].entries.back().value += text; }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  RawConfig* out_;
  std::map<std::string, size_t> index_;
  size_t current_ = kNone;
};

// Feeds one file to inih and collects its keys into the SectionSet.
class FileParser {
 public:
  FileParser(const std::string& file, const std::string& text, SectionSet* sections,
             std::vector<ConfigProblem>* problems)
      : file_(file),
        here_(AbsolutePath(DirName(file))),
        text_(text),
        sections_(sections),
        problems_(problems) {}

  // Runs inih over the file; returns true when it had an [include] files key.
  bool Parse() {
    int rc = ini_parse_stream(&FileParser::Reader, this, &FileParser::Handler, this);
    // Every syntax error is reported by Translate; this catches what inih alone saw.
    if (rc != 0 && reported_.count(rc) == 0) Error(rc > 0 ? rc : 0, "unable to parse this line");
    return include_files_;
  }

 private:
  enum class LineKind { kOther, kKey, kContinuation };

  static char* Reader(char* buf, int size, void* self) {
    auto* fp = static_cast<FileParser*>(self);
    std::string line;
    if (!fp->NextPhysicalLine(&line)) return nullptr;
    std::string t = fp->Translate(line);
    if (t.size() >= static_cast<size_t>(size)) t = "\n";  // Cannot happen: tokens are short.
    memcpy(buf, t.c_str(), t.size() + 1);
    return buf;
  }

  // inih calls this synchronously for the line Reader just returned, so line_ is its line.
  static int Handler(void* self, const char* section, const char* name, const char* value) {
    auto* fp = static_cast<FileParser*>(self);
    if (fp->kind_ == LineKind::kContinuation) {
      fp->sections_->Append(fp->Resolve(value));
    } else if (fp->kind_ == LineKind::kKey) {
      RawEntry e{fp->Resolve(name), fp->Resolve(value), {fp->file_, fp->line_}, fp->here_};
      std::string suffix;
      if (ClassifySection(fp->sections_->CurrentName(), &suffix) == SectionKind::kInclude &&
          e.key == kKeyFiles)
        fp->include_files_ = true;
      fp->sections_->Add(e, fp->problems_);
    }
    return 1;
  }

  bool NextPhysicalLine(std::string* line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    if (nl == std::string::npos) nl = text_.size();
    *line = text_.substr(pos_, nl - pos_);
    if (pos_ == 0 && line->compare(0, 3, "\xEF\xBB\xBF") == 0) line->erase(0, 3);
    pos_ = nl + 1;
    if (!line->empty() && line->back() == '\r') line->pop_back();
    ++line_;
    return true;
  }

  std::string Token(const std::string& text) {
    tokens_.push_back(text);
    return kTokenMark + std::to_string(tokens_.size() - 1);
  }

  std::string Resolve(const char* token) const {
    if (!token || token[0] != kTokenMark) return token ? token : "";
    size_t n = static_cast<size_t>(atol(token + 1));
    return n < tokens_.size() ? tokens_[n] : "";
  }

  void Error(int line, const std::string& message) {
    problems_->push_back({Kind::kError, {file_, line}, message});
    reported_.insert(line);
  }

  // The line inih sees for `line`, which also classifies it the way configparser does.
  std::string Translate(const std::string& line) {
    kind_ = LineKind::kOther;
    size_t indent = 0;
    while (indent < line.size() && IsBlank(line[indent])) ++indent;
    size_t comment = CommentStart(line);
    std::string content = Trim(line.substr(0, comment));
    if (content.empty()) {
      // configparser keeps blank lines inside a value (not comment lines), up to the
      // next continuation line.
      if (comment == std::string::npos && in_value_) ++blank_lines_;
      return "\n";
    }
    if (in_value_ && indent > value_indent_) {
      kind_ = LineKind::kContinuation;
      std::string add(blank_lines_ + 1, '\n');
      blank_lines_ = 0;
      return " " + Token(add + content) + "\n";
    }
    blank_lines_ = 0;
    in_value_ = false;
    if (content[0] == '[') return TranslateSection(content);
    return TranslateKey(content, indent);
  }

  std::string TranslateSection(const std::string& content) {
    size_t close = content.rfind(']');
    if (close == std::string::npos || close < 2) {
      Error(line_, "bad section header " + Quote(content) + " (expected [name])");
      return "\n";
    }
    std::string name = content.substr(1, close - 1);
    sections_->Begin(name, {file_, line_});
    return "[" + Token(name) + "]\n";
  }

  std::string TranslateKey(const std::string& content, size_t indent) {
    size_t sep = content.find_first_of("=:");
    if (sep == std::string::npos) {
      Error(line_, "expected \"key = value\" or \"[section]\", not " + Quote(content));
      return "\n";
    }
    std::string key = Lower(Trim(content.substr(0, sep)));
    if (key.empty()) {
      Error(line_, "missing key before \"" + content.substr(sep, 1) + "\"");
      return "\n";
    }
    if (!sections_->Open()) {
      Error(line_, "key " + key + " is outside any [section]");
      return "\n";
    }
    kind_ = LineKind::kKey;
    in_value_ = true;
    value_indent_ = indent;
    return Token(key) + "=" + Token(Trim(content.substr(sep + 1))) + "\n";
  }

  std::string file_, here_;
  const std::string& text_;
  SectionSet* sections_;
  std::vector<ConfigProblem>* problems_;
  size_t pos_ = 0;
  int line_ = 0;
  std::vector<std::string> tokens_;
  LineKind kind_ = LineKind::kOther;
  bool in_value_ = false;
  size_t value_indent_ = 0;
  int blank_lines_ = 0;
  bool include_files_ = false;
  std::set<int> reported_;
};

// Reads files, directories and includes, each file once.
class ConfigReader {
 public:
  ConfigReader(const ExpansionContext& ctx, std::vector<ConfigProblem>* problems)
      : ctx_(ctx), problems_(problems), sections_(&out_) {}

  RawConfig Read(const std::string& path) {
    if (!IsDirectory(path)) {
      ReadOne(path, SourceLocation());
      return std::move(out_);
    }
    std::vector<std::string> files;
    std::string err;
    if (!ListConfFiles(path, &files, &err)) {
      problems_->push_back({Kind::kError, {path, 0}, err});
    } else if (files.empty()) {
      problems_->push_back({Kind::kWarning, {path, 0}, "no *.conf file in this directory"});
    }
    for (const std::string& f : files) ReadOne(f, SourceLocation());
    return std::move(out_);
  }

 private:
  // Reads one file; `from` is the [include] line that named it (empty for the top level).
  void ReadOne(const std::string& path, const SourceLocation& from) {
    std::string canon = CanonicalPath(path);
    for (const std::string& s : stack_) {
      if (s == canon) {
        problems_->push_back(
            {Kind::kWarning, from, "include loop: " + path + " is being read; not read again"});
        return;
      }
    }
    if (read_.count(canon)) {
      // In a directory, a file an earlier one included is met again: say so at the file.
      SourceLocation where = from.file.empty() ? SourceLocation{path, 0} : from;
      problems_->push_back({Kind::kNotice, where, path + " was already read; not read again"});
      return;
    }
    std::string text, err;
    if (!ReadWholeFile(path, &text, &err)) {
      if (from.file.empty()) {
        problems_->push_back({Kind::kError, {path, 0}, err});
      } else {
        problems_->push_back({Kind::kError, from, path + ": " + err});
      }
      return;
    }
    read_.insert(canon);
    stack_.push_back(canon);
    out_.files.push_back(path);
    FileParser parser(path, text, &sections_, problems_);
    if (parser.Parse()) FollowIncludes(path);
    stack_.pop_back();
  }

  // supervisord reads [include] files after the whole including file, relative to its
  // directory, each pattern's matches sorted.
  void FollowIncludes(const std::string& file) {
    std::string suffix;
    const RawEntry* e = nullptr;
    for (const RawSection& sec : out_.sections) {
      if (ClassifySection(sec.name, &suffix) == SectionKind::kInclude && sec.where.file == file)
        e = sec.Find(kKeyFiles);
    }
    if (!e) return;
    RawEntry entry = *e;  // out_.sections may grow while the includes are read.
    Expander ex(ctx_.environ);
    ex.SetText(kExpandHere, entry.here);
    ex.SetText(kExpandHostNodeName, ctx_.host_node_name);
    std::vector<ExpandIssue> issues;
    std::string patterns = ex.Expand(entry.value, Expander::Mode::kValue, &issues);
    AddExpandIssues(issues, entry.key, entry.where, problems_);
    for (const std::string& pattern : SplitWhitespace(patterns)) {
      std::string full = JoinPath(DirName(file), pattern);
      std::vector<std::string> matches = GlobPaths(full);
      if (matches.empty())
        problems_->push_back({Kind::kNotice, entry.where, "no file matches " + full});
      for (const std::string& m : matches) ReadOne(m, entry.where);
    }
  }

  const ExpansionContext& ctx_;
  std::vector<ConfigProblem>* problems_;
  RawConfig out_;
  SectionSet sections_;
  std::set<std::string> read_;
  std::vector<std::string> stack_;
};

}  // namespace

const RawEntry* RawSection::Find(const std::string& key) const {
  for (const RawEntry& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

RawConfig ReadRawConfig(const std::string& path, const ExpansionContext& ctx,
                        std::vector<ConfigProblem>* problems) {
  ConfigReader reader(ctx, problems);
  return reader.Read(path);
}

void AddExpandIssues(const std::vector<ExpandIssue>& issues, const std::string& key,
                     const SourceLocation& where, std::vector<ConfigProblem>* problems) {
  for (const ExpandIssue& i : issues) {
    Kind kind = i.kind == ExpandIssue::Kind::kError     ? Kind::kError
                : i.kind == ExpandIssue::Kind::kMachine ? Kind::kMachine
                                                        : Kind::kWarning;
    problems->push_back({kind, where, key + ": " + i.message});
  }
}

}  // namespace tend
