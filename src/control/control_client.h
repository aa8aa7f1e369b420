// ControlClient: the client side of the control protocol (protocol.h), with blocking
// I/O: tendctl and the tests.
#ifndef TEND_CONTROL_CLIENT_H_
#define TEND_CONTROL_CLIENT_H_

#include <stdint.h>

#include <string>

#include "base/sys.h"
#include "control/protocol.h"

namespace tend {

class ControlClient {
 public:
  /// Connects to the socket at `path` and exchanges HELLO. On failure returns false with
  /// a one-line `err` and `code`: kCodeUnreachable (no tend there, another protocol
  /// version), kCodeDenied (tend refused the caller's uid). With `wait_ms`, a socket
  /// that is not there yet or refuses is tried again until that much time has passed.
  bool Connect(const std::string& path, std::string* err, int* code, int64_t wait_ms = 0);
  /// Sends one frame. False with `err` if tend is gone.
  bool Send(const Message& m, std::string* err);
  /// Waits for the next frame. False with `err` when tend hung up or sent garbage.
  bool Receive(Message* m, std::string* err);
  /// For poll(2): readable when a frame may be waiting (call Buffered() first).
  int fd() const { return fd_.get(); }
  /// Whether a whole frame is already read and waiting.
  bool Buffered();
  /// tend's HELLO reply.
  const Message& hello() const { return hello_; }

 private:
  UniqueFd fd_;
  FrameReader frames_{kMaxReplyBytes};
  Message next_;
  bool has_next_ = false;
  Message hello_;
};

}  // namespace tend

#endif  // TEND_CONTROL_CLIENT_H_
