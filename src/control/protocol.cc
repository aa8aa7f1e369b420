#include "control/protocol.h"

#include <string.h>

namespace tend {

namespace {

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace

Message& Message::Add(Tag tag, std::string_view value) {
  fields.push_back({tag, std::string(value)});
  return *this;
}

Message& Message::AddInt(Tag tag, int64_t value) {
  std::string v;
  PutLe(&v, static_cast<uint64_t>(value), 8);
  return Add(tag, v);
}

bool Message::Has(Tag tag) const {
  for (const auto& f : fields)
    if (f.tag == tag) return true;
  return false;
}

std::string Message::Get(Tag tag, std::string_view fallback) const {
  for (const auto& f : fields)
    if (f.tag == tag) return f.value;
  return std::string(fallback);
}

int64_t Message::GetInt(Tag tag, int64_t fallback) const {
  for (const auto& f : fields) {
    // A value of another width is not an integer: the fallback, as for a missing one.
    if (f.tag == tag && f.value.size() == 8) return static_cast<int64_t>(GetLe(f.value.data(), 8));
  }
  return fallback;
}

std::vector<std::string> Message::GetAll(Tag tag) const {
  std::vector<std::string> v;
  for (const auto& f : fields)
    if (f.tag == tag) v.push_back(f.value);
  return v;
}

std::vector<int64_t> Message::GetAllInts(Tag tag) const {
  std::vector<int64_t> v;
  for (const auto& f : fields)
    if (f.tag == tag && f.value.size() == 8)
      v.push_back(static_cast<int64_t>(GetLe(f.value.data(), 8)));
  return v;
}

void Encode(const Message& m, std::string* out) {
  size_t size = 2;
  for (const auto& f : m.fields) size += 6 + f.value.size();
  out->reserve(out->size() + 4 + size);
  PutLe(out, size, 4);
  PutLe(out, static_cast<uint16_t>(m.type), 2);
  for (const auto& f : m.fields) {
    PutLe(out, static_cast<uint16_t>(f.tag), 2);
    PutLe(out, f.value.size(), 4);
    out->append(f.value);
  }
}

std::string Encode(const Message& m) {
  std::string out;
  Encode(m, &out);
  return out;
}

bool DecodeFields(std::string_view body, Message* m) {
  m->fields.clear();
  size_t at = 0;
  while (at < body.size()) {
    if (body.size() - at < 6) return false;
    Tag tag = static_cast<Tag>(GetLe(body.data() + at, 2));
    uint64_t len = GetLe(body.data() + at + 2, 4);
    at += 6;
    if (len > body.size() - at) return false;
    m->fields.push_back({tag, std::string(body.substr(at, len))});
    at += len;
  }
  return true;
}

FrameReader::Result FrameReader::Next(Message* m, std::string* err) {
  const size_t have = buf_.size() - pos_;
  if (have < 4) return Result::kNeedMore;
  const char* p = buf_.data() + pos_;
  uint64_t size = GetLe(p, 4);
  if (size < 2 || size > max_size_) {
    *err = size < 2 ? "malformed frame (no type)"
                    : "frame of " + std::to_string(size) + " bytes (the limit is " +
                          std::to_string(max_size_) + ")";
    return Result::kError;
  }
  if (have - 4 < size) return Result::kNeedMore;
  m->type = static_cast<MsgType>(GetLe(p + 4, 2));
  bool ok = DecodeFields(std::string_view(p + 6, size - 2), m);
  pos_ += 4 + size;
  // Consumed bytes go in one move now and then, not one per frame.
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ >= 64 * 1024) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  if (!ok) {
    *err = "malformed " + TypeName(m->type) + " frame (a field overruns it)";
    return Result::kError;
  }
  return Result::kFrame;
}

std::string TypeName(MsgType t) {
  switch (t) {
    case MsgType::kHello:
      return "HELLO";
    case MsgType::kStatus:
      return "STATUS";
    case MsgType::kStart:
      return "START";
    case MsgType::kStop:
      return "STOP";
    case MsgType::kRestart:
      return "RESTART";
    case MsgType::kSignal:
      return "SIGNAL";
    case MsgType::kLogs:
      return "LOGS";
    case MsgType::kReload:
      return "RELOAD";
    case MsgType::kShutdown:
      return "SHUTDOWN";
    case MsgType::kWait:
      return "WAIT";
    case MsgType::kHealth:
      return "HEALTH";
    case MsgType::kExecInfo:
      return "EXEC_INFO";
    case MsgType::kAttach:
      return "ATTACH";
    case MsgType::kInput:
      return "INPUT";
    case MsgType::kResize:
      return "RESIZE";
    case MsgType::kDetach:
      return "DETACH";
    case MsgType::kClear:
      return "CLEAR";
    case MsgType::kHelloReply:
      return "HELLO_REPLY";
    case MsgType::kOk:
      return "OK";
    case MsgType::kError:
      return "ERROR";
    case MsgType::kProgram:
      return "PROGRAM";
    case MsgType::kLog:
      return "LOG";
    case MsgType::kOutput:
      return "OUTPUT";
    case MsgType::kExec:
      return "EXEC";
  }
  return "type " + std::to_string(static_cast<unsigned>(t));
}

}  // namespace tend
