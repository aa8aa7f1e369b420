// ListenerPools: supervisord's event listeners at work. Each [eventlistener:x] section
// is a pool: its processes and one buffer of the events it subscribes to. An event
// published here goes into the buffer of every pool that wants it, and from there to a
// READY listener of the pool, written on its stdin without ever blocking tend; what the
// listener writes on its stdout moves its ListenerChannel on (event_listener.h). TICK
// events are made here, at the turn of each period of the wall clock, and only while
// some pool wants them: an idle tend without tick listeners makes no wake-up.
#ifndef TEND_LISTENER_POOL_H_
#define TEND_LISTENER_POOL_H_

#include <stdint.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/sys.h"
#include "config/config.h"
#include "core/event_listener.h"

namespace tend {

class EventLoop;
class IoWatcher;

class ListenerPools {
 public:
  /// `loop` runs the I/O and the tick timers; `wall_ms` is the time of day (ms since the
  /// epoch) that TICK events carry.
  ListenerPools(EventLoop* loop, std::function<int64_t()> wall_ms);
  ~ListenerPools();
  ListenerPools(const ListenerPools&) = delete;
  ListenerPools& operator=(const ListenerPools&) = delete;

  /// The pools of the listeners among `programs` (at start and at each reload): what
  /// they subscribe to and their buffers' size. A pool that is no longer configured
  /// keeps no events.
  void Configure(const std::vector<ProgramConfig>& programs);
  /// Whether some pool subscribes to events of `type`.
  bool Wants(std::string_view type) const;
  /// An event: into every pool that wants it, and on to a listener that is ready.
  void Publish(const std::string& type, const std::string& payload);

  /// A listener is being spawned: `input` is the write end of its stdin.
  void Started(const ProgramConfig& listener, UniqueFd input);
  /// The read end of the stdout of the listener named `name`.
  void Output(const std::string& name, UniqueFd output);
  /// Whether the listener is RUNNING (supervisord sends events only then); from the
  /// Supervisor at each of its state changes.
  void SetRunning(const std::string& name, bool running);
  /// Its process has ended: what it wrote last is read (an answer counts), and the event
  /// it had not answered goes back to its pool, first.
  void Ended(const std::string& name);

  /// What a listener's channel is in ("READY", "BUSY"...), "" for none: for tests.
  std::string ChannelState(const std::string& name) const;

 private:
  struct Pool {
    std::vector<std::string> events;
    std::unique_ptr<EventBuffer> buffer;
    size_t capacity = 0;
    bool configured = false;
    uint64_t dropped = 0;  // Events dropped for a full buffer.
  };
  struct Listener {
    std::string name, pool;
    ListenerChannel channel;
    UniqueFd input, output;
    std::unique_ptr<IoWatcher> input_watcher, output_watcher;
    std::string pending;  // Bytes of an event not yet taken by the pipe.
    bool running = false;
    bool has_event = false;  // BUSY with `event`.
    ListenerEvent event;
    uint64_t pool_serial = 0;
  };
  struct Tick {
    const char* type;
    int64_t period_ms;
    std::unique_ptr<Timer> timer;
    int64_t last = -1;  // The start of the period last told, ms.
  };

  Pool* FindPool(const std::string& name);
  Listener* FindListener(const std::string& name);
  /// Sends the pool's events to its ready listeners while it has some.
  void Dispatch(const std::string& pool);
  void Send(Listener* l, Pool* p);
  void Flush(Listener* l);
  void OnReadable(Listener* l);
  /// Reads one chunk of `l`'s stdout into its channel; false at EOF or when empty.
  bool ReadOutput(Listener* l);
  /// Gives `l`'s unanswered event back to its pool.
  void GiveBack(Listener* l);
  void Hold(Pool* p, const std::string& pool, ListenerEvent e, bool head, uint64_t serial);
  void ArmTicks();
  void OnTick(Tick* t);

  EventLoop* loop_;
  std::function<int64_t()> wall_ms_;
  std::map<std::string, Pool> pools_;
  std::map<std::string, std::unique_ptr<Listener>> listeners_;
  std::vector<Tick> ticks_;
  uint64_t next_serial_ = 0;  // supervisord's GlobalSerial.
};

}  // namespace tend

#endif  // TEND_LISTENER_POOL_H_
