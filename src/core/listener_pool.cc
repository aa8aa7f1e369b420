#include "core/listener_pool.h"

#include <errno.h>
#include <unistd.h>

#include <utility>

#include "base/diag.h"
#include "base/event_loop.h"
#include "base/values.h"
#include "config/event_names.h"

namespace tend {

namespace {

constexpr struct {
  const char* type;
  int64_t period_ms;
} kTicks[] = {{"TICK_5", 5000}, {"TICK_60", 60000}, {"TICK_3600", 3600000}};

// A timer may fire a little before the turn of the period it waits for (it runs on the
// monotonic clock): it is armed this much later.
constexpr int64_t kTickSlackMs = 5;

// How much of a listener's stdout is read at once, and at most how many times once it
// has ended.
constexpr size_t kReadChunk = 4096;
constexpr size_t kDrainChunks = 16;

// How what a listener wrote is shown in the line that says it broke the protocol.
constexpr size_t kShownBytes = 80;

}  // namespace

ListenerPools::ListenerPools(EventLoop* loop, std::function<int64_t()> wall_ms)
    : loop_(loop), wall_ms_(std::move(wall_ms)) {}

ListenerPools::~ListenerPools() = default;

void ListenerPools::Configure(const std::vector<ProgramConfig>& programs) {
  for (auto& [name, pool] : pools_) pool.configured = false;
  for (const ProgramConfig& p : programs) {
    if (!p.listener) continue;
    Pool& pool = pools_[p.program_name];
    pool.configured = true;
    pool.events = p.events;
    const size_t capacity = static_cast<size_t>(p.buffer_size);
    if (!pool.buffer || pool.capacity != capacity) {
      // A new size starts an empty buffer: the events held go (a reload's rare change).
      pool.buffer = std::make_unique<EventBuffer>(capacity);
      pool.capacity = capacity;
    }
  }
  for (auto it = pools_.begin(); it != pools_.end();) {
    if (it->second.configured) {
      ++it;
    } else {
      it = pools_.erase(it);
    }
  }
  ArmTicks();
}

bool ListenerPools::Wants(std::string_view type) const {
  for (const auto& [name, pool] : pools_) {
    for (const std::string& e : pool.events)
      if (EventCovers(e, type)) return true;
  }
  return false;
}

ListenerPools::Pool* ListenerPools::FindPool(const std::string& name) {
  auto it = pools_.find(name);
  return it == pools_.end() ? nullptr : &it->second;
}

ListenerPools::Listener* ListenerPools::FindListener(const std::string& name) {
  auto it = listeners_.find(name);
  return it == listeners_.end() ? nullptr : it->second.get();
}

void ListenerPools::Publish(const std::string& type, const std::string& payload) {
  if (!Wants(type)) return;
  // supervisord numbers only the events some pool takes.
  ListenerEvent event{type, payload, next_serial_++};
  for (auto& [name, pool] : pools_) {
    bool wanted = false;
    for (const std::string& e : pool.events) wanted = wanted || EventCovers(e, type);
    if (!wanted) continue;
    Hold(&pool, name, event, /*head=*/false, 0);
  }
  for (auto& [name, pool] : pools_) {
    if (!pool.buffer->empty()) Dispatch(name);
  }
}

// Into the buffer, or back at its head; the event that makes room is said.
void ListenerPools::Hold(Pool* p, const std::string& pool, ListenerEvent e, bool head,
                         uint64_t serial) {
  ListenerEvent dropped;
  const bool full = head ? p->buffer->PutBack(std::move(e), serial, &dropped)
                         : p->buffer->Add(std::move(e), &dropped);
  if (!full) return;
  // Said at the 1st, 2nd, 4th, 8th... drop: a flood of log events cannot become a flood
  // of tend's own lines.
  const uint64_t n = ++p->dropped;
  if ((n & (n - 1)) == 0) {
    Diag(Level::kWarn, "{}: event buffer full ({} events): dropped event {} ({}); {} dropped "
         "in all", pool, p->capacity, dropped.serial, dropped.type, n);
  }
}

void ListenerPools::Dispatch(const std::string& pool) {
  Pool* p = FindPool(pool);
  if (!p) return;
  for (auto& [name, l] : listeners_) {
    if (p->buffer->empty()) return;
    if (l->pool == pool && l->running && l->input.valid() &&
        l->channel.state() == ListenerChannel::State::kReady) {
      Send(l.get(), p);
    }
  }
}

void ListenerPools::Send(Listener* l, Pool* p) {
  l->event = p->buffer->Take(&l->pool_serial);
  l->has_event = true;
  l->channel.Sent();
  l->pending += EventEnvelope(l->event, l->pool, l->pool_serial);
  Flush(l);
}

// Writes what the pipe takes; the rest when it is writable again. A listener that closed
// its stdin (or died) keeps its event until its process ends (Ended gives it back).
void ListenerPools::Flush(Listener* l) {
  while (!l->pending.empty() && l->input.valid()) {
    ssize_t n = write(l->input.get(), l->pending.data(), l->pending.size());
    if (n > 0) {
      l->pending.erase(0, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (!l->input_watcher && loop_) {
        l->input_watcher = std::make_unique<IoWatcher>(loop_, l->input.get(), IoWatcher::kWrite,
                                                       [this, l] { Flush(l); });
      }
      if (l->input_watcher) l->input_watcher->Start();
      return;
    } else {
      Diag(Level::kWarn, "{}: unable to write an event to its stdin: {}", l->name,
           ErrnoString(n < 0 ? errno : EIO));
      l->input_watcher.reset();
      l->input.Reset();
      l->pending.clear();
      return;
    }
  }
  if (l->input_watcher) l->input_watcher->Stop();
}

void ListenerPools::OnReadable(Listener* l) {
  const std::string pool = l->pool;
  ReadOutput(l);
  Dispatch(pool);
}

bool ListenerPools::ReadOutput(Listener* l) {
  char buf[kReadChunk];
  ssize_t n = ReadSome(l->output.get(), buf, sizeof buf);
  if (n < 0 && errno == EAGAIN) return false;
  if (n <= 0) {
    l->output_watcher.reset();
    l->output.Reset();
    return false;
  }
  std::vector<ListenerChannel::Outcome> outcomes;
  l->channel.Feed(std::string_view(buf, static_cast<size_t>(n)), &outcomes);
  for (const ListenerChannel::Outcome& o : outcomes) {
    switch (o.kind) {
      case ListenerChannel::Outcome::Kind::kReady:
        break;
      case ListenerChannel::Outcome::Kind::kAccepted:
        l->has_event = false;
        break;
      case ListenerChannel::Outcome::Kind::kRejected:
        Diag(Level::kDebug, "{}: rejected event {}: {}; it is sent again", l->name,
             l->event.serial, Printable(o.detail.substr(0, kShownBytes)));
        GiveBack(l);
        break;
      case ListenerChannel::Outcome::Kind::kBroken:
        Diag(Level::kWarn, "{}: {}; it gets no more events (supervisord's UNKNOWN state)",
             l->name, Printable(o.detail.substr(0, kShownBytes)));
        GiveBack(l);
        break;
    }
  }
  return true;
}

void ListenerPools::GiveBack(Listener* l) {
  if (!l->has_event) return;
  l->has_event = false;
  if (Pool* p = FindPool(l->pool)) Hold(p, l->pool, std::move(l->event), /*head=*/true, l->pool_serial);
}

void ListenerPools::Started(const ProgramConfig& listener, UniqueFd input) {
  Ended(listener.name);
  auto l = std::make_unique<Listener>();
  l->name = listener.name;
  l->pool = listener.program_name;
  l->input = std::move(input);
  listeners_[listener.name] = std::move(l);
}

void ListenerPools::Output(const std::string& name, UniqueFd output) {
  Listener* l = FindListener(name);
  if (!l) return;
  l->output = std::move(output);
  if (!loop_) return;
  l->output_watcher =
      std::make_unique<IoWatcher>(loop_, l->output.get(), IoWatcher::kRead, [this, l] { OnReadable(l); });
  l->output_watcher->Start();
}

void ListenerPools::SetRunning(const std::string& name, bool running) {
  Listener* l = FindListener(name);
  if (!l || l->running == running) return;
  l->running = running;
  if (running) Dispatch(l->pool);
}

void ListenerPools::Ended(const std::string& name) {
  auto it = listeners_.find(name);
  if (it == listeners_.end()) return;
  Listener* l = it->second.get();
  const std::string pool = l->pool;
  // An answer written just before the exit is in the pipe (supervisord drains it too);
  // bounded, since what the listener left behind may still be writing.
  l->running = false;
  for (size_t i = 0; i < kDrainChunks && l->output.valid() && ReadOutput(l); ++i) {
  }
  GiveBack(l);
  listeners_.erase(it);
  Dispatch(pool);
}

std::string ListenerPools::ChannelState(const std::string& name) const {
  auto it = listeners_.find(name);
  return it == listeners_.end() ? "" : ListenerChannel::ToString(it->second->channel.state());
}

// A timer per TICK type some pool wants, none otherwise.
void ListenerPools::ArmTicks() {
  if (!loop_) return;
  if (ticks_.empty()) {
    for (const auto& k : kTicks) ticks_.push_back(Tick{k.type, k.period_ms, nullptr, -1});
    for (Tick& t : ticks_) t.timer = loop_->NewTimer([this, &t] { OnTick(&t); });
  }
  for (Tick& t : ticks_) {
    if (!Wants(t.type)) {
      t.timer->Stop();
      t.last = -1;
      continue;
    }
    if (t.timer->active()) continue;
    const int64_t now = wall_ms_();
    t.last = now - now % t.period_ms;
    t.timer->Start(t.last + t.period_ms - now + kTickSlackMs);
  }
}

// supervisord's tick(): an event when the period the time of day falls in changes,
// carrying its start in seconds.
void ListenerPools::OnTick(Tick* t) {
  const int64_t now = wall_ms_();
  const int64_t slice = now - now % t->period_ms;
  if (slice != t->last) {
    t->last = slice;
    Publish(t->type, "when:" + std::to_string(slice / 1000));
  }
  t->timer->Start(slice + t->period_ms - now + kTickSlackMs);
}

}  // namespace tend
