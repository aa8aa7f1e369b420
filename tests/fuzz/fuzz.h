// What the fuzz targets share: a failed invariant aborts with a message, so that
// libFuzzer keeps the input that broke it (tests/fuzz/README.md).
#ifndef TEND_TESTS_FUZZ_H_
#define TEND_TESTS_FUZZ_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string>

namespace tend {
namespace fuzz {

/// Stops the run when `ok` is false: prints `what` and the value at fault, aborts.
inline void Check(bool ok, const char* what, const std::string& detail = "") {
  if (ok) return;
  fprintf(stderr, "invariant broken: %s%s%s\n", what, detail.empty() ? "" : ": ",
          detail.c_str());
  abort();
}

/// The input's bytes, consumed from the front.
class Input {
 public:
  Input(const uint8_t* data, size_t size)
      : data_(reinterpret_cast<const char*>(data)), size_(size) {}
  bool empty() const { return size_ == 0; }
  /// One byte, 0 when none is left.
  uint8_t Byte() {
    if (size_ == 0) return 0;
    --size_;
    return static_cast<uint8_t>(*data_++);
  }
  /// Everything left.
  std::string Rest() {
    std::string s(data_, size_);
    data_ += size_;
    size_ = 0;
    return s;
  }

 private:
  const char* data_;
  size_t size_;
};

}  // namespace fuzz
}  // namespace tend

#endif  // TEND_TESTS_FUZZ_H_
