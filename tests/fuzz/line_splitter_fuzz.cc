// The log line splitter: the output of a program, read in chunks of any size. No piece is
// longer than the bound, no byte is lost, added or reordered, each piece's end says
// truly what followed it, and no more than one line's worth is ever held back.
#include <algorithm>
#include <string>
#include <string_view>

#include "fuzz.h"
#include "log/line_splitter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::LineSplitter;
  using tend::fuzz::Check;
  tend::fuzz::Input in(data, size);
  const size_t max_line = 1 + in.Byte() % 64;
  const uint8_t chunking = in.Byte();
  const std::string stream = in.Rest();

  LineSplitter splitter(max_line);
  std::string rebuilt;
  LineSplitter::End last = LineSplitter::End::kNewline;
  auto emit = [&](std::string_view piece, LineSplitter::End end) {
    Check(piece.size() <= max_line, "a piece within the bound");
    Check(piece.find('\n') == std::string_view::npos, "no newline inside a piece");
    Check(end != LineSplitter::End::kCut || piece.size() == max_line, "only full pieces cut");
    Check(!piece.empty() || end == LineSplitter::End::kNewline, "only a newline ends empty");
    rebuilt.append(piece);
    if (end == LineSplitter::End::kNewline) rebuilt += '\n';
    last = end;
  };
  // Chunks of 1 to 256 bytes, their sizes drawn from `chunking` as a seed.
  unsigned seed = chunking;
  for (size_t pos = 0; pos < stream.size();) {
    seed = seed * 1103515245u + 12345u;
    const size_t n = std::min(stream.size() - pos, static_cast<size_t>(1 + (seed >> 16) % 256));
    splitter.Feed(std::string_view(stream).substr(pos, n), emit);
    Check(splitter.pending() <= max_line, "held back at most a piece");
    pos += n;
  }
  splitter.Flush(emit);
  Check(splitter.pending() == 0, "nothing held after a flush");
  Check(rebuilt == stream, "every byte out, in order");
  (void)last;
  return 0;
}
