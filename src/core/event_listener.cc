#include "core/event_listener.h"

#include <fmt/format.h>

#include <utility>

#include "base/values.h"
#include "config/event_names.h"

namespace tend {

namespace {

constexpr char kReadyToken[] = "READY\n";
constexpr size_t kReadyTokenLen = sizeof kReadyToken - 1;
constexpr char kResultToken[] = "RESULT ";
// A result longer than this is no answer of a listener's: a listener gone wrong.
constexpr int64_t kMaxResultLen = 64 * 1024;

// The characters of `s` when it is UTF-8 throughout, else npos.
size_t Utf8Chars(std::string_view s) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++chars) {
    const size_t n = Utf8Length(s.substr(i));
    if (n == 0) return std::string_view::npos;
    i += n;
  }
  return chars;
}

// Python's repr() of bytes, as supervisord shows output that is not UTF-8:
// b'caf\xc3' (double quotes when the bytes hold a ' and no ").
std::string BytesRepr(std::string_view data) {
  const bool dq = data.find('\'') != std::string_view::npos &&
                  data.find('"') == std::string_view::npos;
  const char q = dq ? '"' : '\'';
  std::string out = std::string("b") + q;
  for (unsigned char c : data) {
    if (c == '\\' || c == q) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + q;
}

}  // namespace

std::vector<std::string> ListenerStates(std::string_view shown, std::string_view to) {
  if (shown == "RUNNING" && to == "STARTING") return {"EXITED", "STARTING"};
  if (shown == "RUNNING" && to == "BACKOFF") return {"EXITED"};
  if (shown == "EXITED" && to == "BACKOFF") return {};
  if (shown == "STARTING" && to == "FATAL") return {"BACKOFF", "FATAL"};
  // A stop for failed health checks or the watchdog, and what follows at once.
  if (shown == "STOPPING" && to == "EXITED") return {"STOPPED"};
  if (shown == "STOPPING" && to != "STOPPED") return {"STOPPED", std::string(to)};
  return {std::string(to)};
}

std::string ProcessStatePayload(std::string_view to, std::string_view process,
                                std::string_view group, std::string_view from,
                                long long pid, int tries, bool expected) {
  std::string s = "processname:" + std::string(process) + " groupname:" + std::string(group) +
                  " from_state:" + std::string(from);
  if (to == "STARTING" || to == "BACKOFF") {
    s += " tries:" + std::to_string(tries);
  } else if (to == "EXITED") {
    s += std::string(" expected:") + (expected ? "1" : "0") + " pid:" + std::to_string(pid);
  } else if (to == "RUNNING" || to == "STOPPING" || to == "STOPPED") {
    s += " pid:" + std::to_string(pid);
  }
  return s;
}

std::string ProcessLogPayload(std::string_view process, std::string_view group, long long pid,
                              bool stderr_channel, std::string_view data) {
  return "processname:" + std::string(process) + " groupname:" + std::string(group) +
         " pid:" + std::to_string(pid) + " channel:" + (stderr_channel ? "stderr" : "stdout") +
         "\n" + (Utf8Chars(data) != std::string_view::npos ? std::string(data) : "Undecodable: " + BytesRepr(data));
}

std::string EventEnvelope(const ListenerEvent& event, std::string_view pool,
                          uint64_t pool_serial) {
  // Python's len() of the payload as supervisord holds it (a str): its characters; its
  // bytes when it is not UTF-8 (supervisord never sends such: ProcessLogPayload).
  const size_t chars = Utf8Chars(event.payload);
  const size_t len = chars == std::string_view::npos ? event.payload.size() : chars;
  return "ver:3.0 server:supervisor serial:" + std::to_string(event.serial) +
         " pool:" + std::string(pool) + " poolserial:" + std::to_string(pool_serial) +
         " eventname:" + event.type + " len:" + std::to_string(len) +
         "\n" + event.payload;
}

const char* ListenerChannel::ToString(State s) {
  switch (s) {
    case State::kAcknowledged:
      return "ACKNOWLEDGED";
    case State::kReady:
      return "READY";
    case State::kBusy:
      return "BUSY";
    case State::kUnknown:
      return "UNKNOWN";
  }
  return "?";
}

void ListenerChannel::Reset() {
  state_ = State::kAcknowledged;
  buffer_.clear();
  result_.clear();
  result_len_ = -1;
}

void ListenerChannel::Sent() {
  if (state_ == State::kReady) state_ = State::kBusy;
}

// dispatchers.py's handle_listener_state_change, one token at a time while the bytes
// held allow a decision.
void ListenerChannel::Feed(std::string_view bytes, std::vector<Outcome>* out) {
  buffer_.append(bytes);
  auto broken = [&](std::string why) {
    state_ = State::kUnknown;
    buffer_.clear();
    result_.clear();
    result_len_ = -1;
    out->push_back({Outcome::Kind::kBroken, std::move(why)});
  };
  while (!buffer_.empty()) {
    switch (state_) {
      case State::kUnknown:
        buffer_.clear();  // It gets nothing more; what it says is only logged.
        return;
      case State::kAcknowledged:
        if (buffer_.size() < kReadyTokenLen) {
          if (std::string_view(kReadyToken).compare(0, buffer_.size(), buffer_) == 0) {
            return;  // Maybe READY, not all of it yet.
          }
          return broken("wrote \"" + Printable(buffer_) + "\" instead of READY");
        }
        if (buffer_.compare(0, kReadyTokenLen, kReadyToken) != 0) {
          return broken("wrote \"" + Printable(buffer_.substr(0, 40)) + "\" instead of READY");
        }
        buffer_.erase(0, kReadyTokenLen);
        state_ = State::kReady;
        out->push_back({Outcome::Kind::kReady, ""});
        break;
      case State::kReady:
        // Spurious output: supervisord is strict about it, and so is tend.
        return broken("wrote \"" + Printable(buffer_.substr(0, 40)) +
                      "\" while it had no event");
      case State::kBusy:
        if (result_len_ < 0) {
          const size_t nl = buffer_.find('\n');
          if (nl == std::string::npos) {
            if (buffer_.size() > 64) return broken("wrote a result line of over 64 bytes");
            return;
          }
          const std::string line = buffer_.substr(0, nl);
          buffer_.erase(0, nl + 1);
          int64_t n = -1;
          if (line.compare(0, sizeof kResultToken - 1, kResultToken) != 0 ||
              !ParseUint(line.substr(sizeof kResultToken - 1), &n) || n > kMaxResultLen) {
            return broken("bad result line \"" + Printable(line) + "\"");
          }
          result_len_ = n;
        }
        const size_t need = static_cast<size_t>(result_len_) - result_.size();
        result_.append(buffer_, 0, need);
        buffer_.erase(0, need);
        if (result_.size() < static_cast<size_t>(result_len_)) return;
        out->push_back({result_ == "OK" ? Outcome::Kind::kAccepted : Outcome::Kind::kRejected,
                        result_});
        result_.clear();
        result_len_ = -1;
        state_ = State::kAcknowledged;
        break;
    }
  }
}

bool EventBuffer::MakeRoom(ListenerEvent* dropped) {
  if (events_.size() < capacity_) return false;
  *dropped = std::move(events_.front().event);
  events_.pop_front();
  return true;
}

bool EventBuffer::Add(ListenerEvent event, ListenerEvent* dropped) {
  const bool full = MakeRoom(dropped);
  events_.push_back({std::move(event), next_pool_serial_++});
  return full;
}

ListenerEvent EventBuffer::Take(uint64_t* pool_serial) {
  Held h = std::move(events_.front());
  events_.pop_front();
  *pool_serial = h.pool_serial;
  return std::move(h.event);
}

bool EventBuffer::PutBack(ListenerEvent event, uint64_t pool_serial, ListenerEvent* dropped) {
  const bool full = MakeRoom(dropped);
  events_.push_front({std::move(event), pool_serial});
  return full;
}

}  // namespace tend
