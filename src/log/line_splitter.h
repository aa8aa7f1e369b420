// Frames a byte stream (a program's output pipe) into lines, for the log pipeline.
//
// Lines wholly inside a chunk are handed out in place, without a copy; only a line
// that spans reads is buffered. A line longer than the maximum is handed out in
// pieces of the maximum length, each marked kCut except the last. Bytes are never
// changed: "\r\n" keeps its "\r", NUL and invalid UTF-8 pass through.
#ifndef TEND_LINE_SPLITTER_H_
#define TEND_LINE_SPLITTER_H_

#include <string.h>

#include <string>
#include <string_view>

namespace tend {

class LineSplitter {
 public:
  /// How a piece handed out ends.
  enum class End {
    kNewline,       ///< At a '\n' (not included in the piece).
    kCut,           ///< The line goes on: it was longer than the maximum.
    kUnterminated,  ///< Flushed without a '\n' (end of stream, or a prompt).
  };

  /// `max_line` (at least 1): the longest piece handed out.
  explicit LineSplitter(size_t max_line) : max_line_(max_line ? max_line : 1) {}

  /// Frames `data`; calls emit(std::string_view piece, End end) for each piece, in order.
  template <typename Emit>
  void Feed(std::string_view data, Emit&& emit);

  /// Hands out what is buffered as kUnterminated (end of stream, or a timeout for a
  /// program that stopped mid-line). Nothing when nothing is buffered.
  template <typename Emit>
  void Flush(Emit&& emit);

  /// Bytes of an unfinished line held back.
  size_t pending() const { return pending_.size(); }

 private:
  size_t max_line_;
  std::string pending_;
};

template <typename Emit>
void LineSplitter::Feed(std::string_view data, Emit&& emit) {
  while (!data.empty()) {
    const char* nl = static_cast<const char*>(memchr(data.data(), '\n', data.size()));
    size_t len = nl ? static_cast<size_t>(nl - data.data()) : data.size();
    if (pending_.size() + len > max_line_) {
      // Too long for one piece: cut at the maximum, counting what was buffered.
      size_t take = max_line_ - pending_.size();
      if (pending_.empty()) {
        emit(data.substr(0, take), End::kCut);
      } else {
        pending_.append(data.data(), take);
        emit(std::string_view(pending_), End::kCut);
        pending_.clear();
      }
      data.remove_prefix(take);
      continue;
    }
    if (!nl) {
      pending_.append(data.data(), len);
      return;
    }
    if (pending_.empty()) {
      emit(data.substr(0, len), End::kNewline);
    } else {
      pending_.append(data.data(), len);
      emit(std::string_view(pending_), End::kNewline);
      pending_.clear();
    }
    data.remove_prefix(len + 1);
  }
}

template <typename Emit>
void LineSplitter::Flush(Emit&& emit) {
  if (pending_.empty()) return;
  emit(std::string_view(pending_), End::kUnterminated);
  pending_.clear();
}

}  // namespace tend

#endif  // TEND_LINE_SPLITTER_H_
