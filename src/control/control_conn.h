// The state of one ControlServer client (its Conn), shared by the server's two halves:
// control_server.cc (the socket, the connection's I/O, the dispatch) and
// control_requests.cc (what each request does).
#ifndef TEND_CONTROL_CONN_H_
#define TEND_CONTROL_CONN_H_

#include <stdint.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/event_loop.h"
#include "base/sys.h"
#include "control/protocol.h"

namespace tend {

struct ControlConn {
  uint64_t id = 0;
  UniqueFd fd;
  std::unique_ptr<IoWatcher> reader, writer;
  std::unique_ptr<Timer> timer;  // The request deadline, or a wait's timeout.
  FrameReader frames{kMaxRequestBytes};
  std::string out;  // Queued output; out_pos bytes of it are written.
  size_t out_pos = 0;
  uint64_t written = 0;  // Bytes written so far: progress, for the deadline.
  uint64_t written_at_arm = 0;
  bool hello = false;
  bool sniffed = false;  // Its first bytes were read (HTTP or tend's frames).
  bool closing = false;  // Close once `out` is written.
  uid_t uid = 0;
  pid_t pid = 0;
  // A request that answers later: START/STOP/RESTART with kWait, or WAIT.
  MsgType waiting = MsgType::kOk;  // kOk: not waiting.
  std::vector<std::string> wait_names;
  // Streaming: LOGS with kFollow, or ATTACH.
  bool following = false;
  bool follow_all = false;
  std::vector<std::string> follow_names;
  std::string attached;  // ATTACH: the program's name.
  std::string input;     // Keystrokes the program's terminal did not take yet.
  std::unique_ptr<Timer> input_retry;
  uint64_t dropped = 0;  // Streamed frames dropped since the last notice.
};

}  // namespace tend

#endif  // TEND_CONTROL_CONN_H_
