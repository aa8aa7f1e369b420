// The control protocol's frame decoder, fed a client's bytes in pieces of any size. A
// frame that decodes encodes back to exactly its bytes; a stream is consumed frame by
// frame, never past an error, and never holds more than one frame's worth.
#include <algorithm>
#include <string>

#include "control/protocol.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tend::fuzz::Check;
  tend::fuzz::Input in(data, size);
  unsigned seed = in.Byte();
  const std::string stream = in.Rest();
  // A small bound too, so that oversized frames are found without huge inputs.
  const uint32_t max = seed & 1 ? tend::kMaxRequestBytes : 64;
  tend::FrameReader reader(max);
  size_t fed = 0, consumed = 0;
  bool broken = false;
  while (fed < stream.size() && !broken) {
    seed = seed * 1103515245u + 12345u;
    const size_t n = std::min(stream.size() - fed, static_cast<size_t>(1 + (seed >> 16) % 97));
    reader.Feed(stream.data() + fed, n);
    fed += n;
    for (;;) {
      tend::Message m;
      std::string err;
      const auto r = reader.Next(&m, &err);
      if (r == tend::FrameReader::Result::kNeedMore) break;
      if (r == tend::FrameReader::Result::kError) {
        Check(!err.empty(), "an error says why");
        broken = true;
        break;
      }
      const size_t end = fed - reader.pending();
      Check(end > consumed && end - consumed <= 4 + size_t{max}, "a frame within the bound");
      Check(tend::Encode(m) == stream.substr(consumed, end - consumed),
            "a frame encodes back to its bytes");
      consumed = end;
      for (const auto& f : m.fields) m.GetInt(f.tag);
      tend::TypeName(m.type);
    }
    Check(broken || reader.pending() <= 4 + size_t{max} + 97, "held back at most one frame");
  }
  return 0;
}
