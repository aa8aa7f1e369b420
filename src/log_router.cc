#include "log_router.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

namespace tend {

LogRouter::~LogRouter() = default;

void LogRouter::SetNames(const std::vector<std::string>& names) {
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

std::string LogRouter::Prefix(const std::string& name, char sep) const {
  std::string p = name;
  if (p.size() < width_) p.resize(width_, ' ');
  p += ' ';
  p += sep;
  p += ' ';
  return p;
}

// A stable colour per name, for terminals only.
static std::string Colored(const std::string& prefix, const std::string& name) {
  static const char* const kColors[] = {"36", "33", "32", "35", "34", "31"};
  size_t h = 0;
  for (char c : name) h = h * 31 + static_cast<unsigned char>(c);
  return std::string("\033[") + kColors[h % 6] + "m" + prefix + "\033[0m";
}

std::unique_ptr<LogSource> LogRouter::Attach(const std::string& name, int stream, UniqueFd fd) {
  width_ = std::max(width_, name.size());
  LogOutput* out = Output(stream);
  LogSourceOptions o;
  o.name = name;
  o.prefix = Prefix(name, '|');
  o.cut_prefix = Prefix(name, '+');
  if (color_[stream == 2 ? 1 : 0]) {
    o.prefix = Colored(o.prefix, name);
    o.cut_prefix = Colored(o.cut_prefix, name);
  }
  lingering_.erase(std::remove_if(lingering_.begin(), lingering_.end(),
                                  [](const std::unique_ptr<LogSource>& s) { return s->eof(); }),
                   lingering_.end());
  return std::make_unique<LogSource>(loop_, std::move(fd), out, o);
}

void LogRouter::Linger(std::unique_ptr<LogSource> source) {
  if (source && !source->eof()) lingering_.push_back(std::move(source));
}

bool LogRouter::WriteDiag(const std::string& line) {
  if (!outputs_[1]) return false;
  outputs_[1]->Append(line, diag_credit_);
  return true;
}

void LogRouter::Flush(int deadline_ms) {
  for (auto& o : outputs_)
    if (o) o->FlushBlocking(deadline_ms);
}

}  // namespace tend
