#include "log/log_router.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

namespace tend {

LogRouter::~LogRouter() = default;

void LogRouter::Configure(const TendSettings& settings, const std::vector<std::string>& names) {
  settings_ = settings;
  for (const auto& n : names) width_ = std::max(width_, n.size());
}

LogOutput* LogRouter::Output(int stream) {
  int i = stream == 2 ? 1 : 0;
  if (!outputs_[i]) {
    // Created on first use: a single command that owns tend's streams never reopens them.
    outputs_[i] = std::make_unique<LogOutput>(loop_, i + 1);
    const char* no_color = getenv("NO_COLOR");
    color_[i] = isatty(i + 1) && !(no_color && *no_color);
  }
  return outputs_[i].get();
}

// Expands {name} (padded), {pid} and {stream}; `sep` replaces '|' in the continuation
// pieces of a cut line ('+').
std::string LogRouter::Prefix(const std::string& tmpl, const Source& s, char sep) const {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, 6, "{name}") == 0) {
      out += s.name;
      if (s.name.size() < width_) out.append(width_ - s.name.size(), ' ');
      i += 6;
    } else if (tmpl.compare(i, 5, "{pid}") == 0) {
      out += std::to_string(s.pid);
      i += 5;
    } else if (tmpl.compare(i, 8, "{stream}") == 0) {
      out += s.stream == 2 ? "err" : "out";
      i += 8;
    } else {
      out += tmpl[i] == '|' ? sep : tmpl[i];
      ++i;
    }
  }
  return out;
}

// A stable colour per name, for terminals only.
static std::string Colored(const std::string& prefix, const std::string& name) {
  static const char* const kColors[] = {"36", "33", "32", "35", "34", "31"};
  size_t h = 0;
  for (char c : name) h = h * 31 + static_cast<unsigned char>(c);
  return std::string("\033[") + kColors[h % 6] + "m" + prefix + "\033[0m";
}

LogSourceOptions LogRouter::Options(const Source& s) {
  width_ = std::max(width_, s.name.size());
  LogSourceOptions o;
  o.name = s.name;
  o.stream = s.stream;
  o.max_line = static_cast<size_t>(settings_.log_max_line);
  o.drop = settings_.log_overflow_drop;
  o.timestamps = s.timestamps.value_or(settings_.log_timestamps);
  o.tap = &tap_;
  o.strip_cr = s.terminal;
  if (settings_.log_buffer > 0) {
    auto& ring = rings_[s.name];
    if (!ring) ring = std::make_unique<LogRing>(static_cast<size_t>(settings_.log_buffer));
    o.ring = ring.get();
  }
  lingering_.erase(std::remove_if(lingering_.begin(), lingering_.end(),
                                  [](const std::unique_ptr<LogSource>& l) { return l->eof(); }),
                   lingering_.end());
  return o;
}

std::unique_ptr<LogSource> LogRouter::Attach(const Source& s, UniqueFd fd) {
  LogOutput* out = Output(s.destination);
  LogSourceOptions o = Options(s);
  const std::string& tmpl = s.prefix ? *s.prefix : settings_.log_prefix;
  o.prefix = Prefix(tmpl, s, '|');
  o.cut_prefix = Prefix(tmpl, s, '+');
  if (color_[s.destination == 2 ? 1 : 0] && !o.prefix.empty()) {
    o.prefix = Colored(o.prefix, s.name);
    o.cut_prefix = Colored(o.cut_prefix, s.name);
  }
  return std::make_unique<LogSource>(loop_, std::move(fd), out, o);
}

std::unique_ptr<LogSource> LogRouter::AttachFile(const Source& s, const std::string& path,
                                                 int64_t max_bytes, int backups, UniqueFd fd,
                                                 std::string* err) {
  auto& file = files_[path];
  if (!file) {
    file = std::make_unique<LogOutput>(loop_, path, max_bytes, backups, err);
    if (!file->valid()) {
      files_.erase(path);
      return nullptr;
    }
  }
  LogSourceOptions o = Options(s);
  o.timestamps = s.timestamps.value_or(false);  // A file gets the program's own lines.
  return std::make_unique<LogSource>(loop_, std::move(fd), file.get(), o);
}

void LogRouter::Linger(std::unique_ptr<LogSource> source) {
  if (source && !source->eof()) lingering_.push_back(std::move(source));
}

const LogRing* LogRouter::Ring(const std::string& name) const {
  auto it = rings_.find(name);
  return it == rings_.end() ? nullptr : it->second.get();
}

void LogRouter::ClearRing(const std::string& name) {
  auto it = rings_.find(name);
  if (it != rings_.end()) it->second->Clear();
}

bool LogRouter::WriteDiag(const std::string& line) {
  // Kept for supervisorctl maintail, as supervisord keeps its own log, and told to its
  // followers (maintail -f) even with no ring.
  LogRing* ring = nullptr;
  if (settings_.log_buffer > 0) {
    auto& r = rings_[kDiagRing];
    if (!r) r = std::make_unique<LogRing>(static_cast<size_t>(settings_.log_buffer));
    ring = r.get();
  }
  for (size_t i = 0, nl; i < line.size(); i = nl + 1) {
    nl = line.find('\n', i);
    if (nl == std::string::npos) nl = line.size();
    const std::string_view text(line.data() + i, nl - i);
    const uint64_t seq = NextLineSeq();
    if (ring) ring->Add(2, text, seq);
    if (tap_) tap_->OnLine(kDiagRing, 2, text, seq);
  }
  if (!outputs_[1]) return false;
  outputs_[1]->Append(line, diag_credit_);
  return true;
}

void LogRouter::Flush(int deadline_ms) {
  for (auto& o : outputs_)
    if (o) o->FlushBlocking(deadline_ms);
}

}  // namespace tend
