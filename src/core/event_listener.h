// supervisord's events and its event listener protocol, as supervisor 4.2's events.py,
// dispatchers.py (PEventListenerDispatcher) and process.py (EventListenerPool) define
// them: event names and the groups an `events =` line may name, their payloads, one
// listener's side of the conversation, and a pool's buffer with its serials. Pure: no
// processes and no I/O; what runs the listeners feeds them bytes and events.
//
// The conversation. A listener starts ACKNOWLEDGED; it writes "READY\n" and is READY;
// tend writes it one event (a header line and the payload) and it is BUSY until it
// answers "RESULT N\n" and N bytes: "OK" (done) or anything else (rejected: the event
// goes back to the head of its pool's buffer and is sent again). Then ACKNOWLEDGED
// again. Anything else puts it in UNKNOWN, where it gets no more events (supervisord
// logs it and does the same). tend is stricter than supervisord's parsing in two
// corners: the result line must start "RESULT " with a plain decimal length (Python's
// int() also takes " 2" or "+2"), and a start that cannot become "READY\n" breaks the
// listener at once rather than when six bytes are in.
#ifndef TEND_EVENT_LISTENER_H_
#define TEND_EVENT_LISTENER_H_

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "config/event_names.h"

namespace tend {

/// The payload of a PROCESS_STATE_* event (`to` is the new state: "RUNNING"...):
/// "processname:web groupname:web from_state:STARTING pid:12", with tries:N instead of
/// the pid for STARTING and BACKOFF, expected:0|1 before the pid for EXITED, and nothing
/// after from_state for FATAL and UNKNOWN.
std::string ProcessStatePayload(std::string_view to, std::string_view process,
                                std::string_view group, std::string_view from,
                                long long pid, int tries, bool expected);

/// The payload of a PROCESS_LOG_STDOUT / _STDERR event: a header line, then the data;
/// data that is not UTF-8 as supervisord renders it, "Undecodable: b'...'" (Python's
/// repr), so that a listener reading characters stays in step.
std::string ProcessLogPayload(std::string_view process, std::string_view group, long long pid,
                              bool stderr_channel, std::string_view data);

/// The process states a listener is told of, in order, when a program goes from `shown`
/// (the last state listeners were told of, "STOPPED" at first) to tend's state `to`. tend
/// skips two of supervisord's stops, which listeners count on: a program that was up and
/// ends is EXITED before it is STARTING again (or waits in BACKOFF, tend's pause after a
/// short run), one that gives up is BACKOFF before FATAL, and a stop (for failed health
/// checks, the watchdog) ends in STOPPED whatever follows. The last element is what
/// `shown` becomes; empty when nothing is to be told (BACKOFF hidden after EXITED).
std::vector<std::string> ListenerStates(std::string_view shown, std::string_view to);

/// One event as pools hold it.
struct ListenerEvent {
  std::string type;     ///< "PROCESS_STATE_RUNNING", "TICK_60"...
  std::string payload;  ///< Rendered when the event happened.
  uint64_t serial = 0;  ///< Across every pool, from 0 (supervisord's GlobalSerial).
};

/// What tend writes to a listener's stdin for `event`: "ver:3.0 server:supervisor
/// serial:N pool:NAME poolserial:N eventname:TYPE len:N\n" and the payload. len counts
/// characters when the payload is UTF-8, as supervisord's (Python's len of a str) does,
/// since its listeners (childutils) read that many characters.
std::string EventEnvelope(const ListenerEvent& event, std::string_view pool,
                          uint64_t pool_serial);

/// One listener's side of the conversation, fed what it writes on stdout.
class ListenerChannel {
 public:
  enum class State { kAcknowledged, kReady, kBusy, kUnknown };
  /// What feeding bytes led to, in order.
  struct Outcome {
    enum class Kind {
      kReady,     ///< READY: it may be sent an event.
      kAccepted,  ///< RESULT ... OK: the event it was sent is done.
      kRejected,  ///< Another result: the event must be sent again.
      kBroken,    ///< It wrote what the protocol does not allow: no more events to it.
                  ///< From BUSY, the event it had goes back to its pool (PutBack), as
                  ///< supervisord's EventRejectedEvent does.
    } kind;
    std::string detail;  ///< kRejected: the result; kBroken: what was wrong.
  };

  State state() const { return state_; }
  /// The listener was sent an event: BUSY until its result. Only from READY.
  void Sent();
  /// Bytes the listener wrote on stdout; appends what they led to to `out`.
  void Feed(std::string_view bytes, std::vector<Outcome>* out);
  /// The listener (re)started: ACKNOWLEDGED, nothing held.
  void Reset();

  static const char* ToString(State s);

 private:
  State state_ = State::kAcknowledged;
  std::string buffer_;      // Bytes not yet understood.
  std::string result_;      // A result's bytes so far.
  int64_t result_len_ = -1;  // Its length, once the RESULT line is in.
};

/// A pool's events waiting for a READY listener: at most `capacity` (buffer_size);
/// when full, the oldest is dropped (and returned, for the line saying so).
class EventBuffer {
 public:
  explicit EventBuffer(size_t capacity) : capacity_(capacity ? capacity : 1) {}
  /// Adds a new event at the end, with the pool's next serial; true with `dropped`
  /// filled when the oldest had to go to make room.
  bool Add(ListenerEvent event, ListenerEvent* dropped);
  bool empty() const { return events_.empty(); }
  size_t size() const { return events_.size(); }
  /// Takes the oldest event off to send it, with its serial in this pool (given once
  /// per event: a rejected one keeps it). Not when empty.
  ListenerEvent Take(uint64_t* pool_serial);
  /// Puts a sent event that was rejected back at the head, to go first again; as Add
  /// when the buffer is full.
  bool PutBack(ListenerEvent event, uint64_t pool_serial, ListenerEvent* dropped);

 private:
  struct Held {
    ListenerEvent event;
    uint64_t pool_serial;
  };
  bool MakeRoom(ListenerEvent* dropped);
  size_t capacity_;
  std::deque<Held> events_;
  uint64_t next_pool_serial_ = 0;
};

}  // namespace tend

#endif  // TEND_EVENT_LISTENER_H_
