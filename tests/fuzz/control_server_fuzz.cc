// tend's side of the control socket fed a client's bytes: a HELLO first (else every
// request is refused and the handlers are never reached), then the input, in pieces.
// The supervisor runs two programs on fake processes and a fake clock, the server on a
// real event loop, as in tests/unit/control_server_test.cc. Whatever the client sends,
// tend answers in well-formed frames within the reply bound, and keeps serving.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>

#include "base/diag.h"
#include "base/event_loop.h"
#include "control/control_server.h"
#include "control/protocol.h"
#include "core/supervisor.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_process_ops.h"
#include "fuzz.h"
#include "proc/reaper.h"

namespace {

using tend::fuzz::Check;

// Reads what the server wrote so far; every frame must decode.
void Drain(int fd, tend::FrameReader* replies, size_t* frames) {
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) replies->Feed(buf, static_cast<size_t>(n));
  for (;;) {
    tend::Message m;
    std::string err;
    const auto r = replies->Next(&m, &err);
    if (r == tend::FrameReader::Result::kNeedMore) return;
    Check(r == tend::FrameReader::Result::kFrame, "tend's replies are well formed", err);
    ++*frames;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  signal(SIGPIPE, SIG_IGN);  // As tend: a client that hung up is an error, not a signal.
  tend::SetDiagLevel(tend::Level::kError);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tend::EventLoop loop;
  tend::FakeProcessOps ops;
  tend::FakeClock clock;
  tend::Reaper reaper;
  std::unique_ptr<tend::ControlServer> server;
  tend::Supervisor::Callbacks cb;
  cb.changed = [&](tend::Service*) {
    if (server) server->OnServiceChanged();
  };
  tend::Supervisor sup(
      tend::Service::Env{&ops, &clock, &reaper, nullptr, [] { return 0.5; }, nullptr}, cb);
  tend::Config c;
  for (const char* name : {"web", "off"}) {
    tend::ProgramConfig p;
    p.name = p.program_name = p.command = name;
    p.argv = {name};
    p.autostart = std::string(name) == "web";
    c.programs.push_back(p);
  }
  sup.Configure(c);
  std::string err;
  Check(sup.Start(&err), "the supervisor starts", err);
  int shutdowns = 0;
  server = std::make_unique<tend::ControlServer>(
      &loop, &sup, nullptr, tend::ControlServer::Callbacks{[&] { ++shutdowns; }, nullptr, nullptr});
  int sv[2];
  Check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0, "socketpair");
  server->Serve(tend::UniqueFd(sv[0]));
  const int client = sv[1];

  tend::Message hello(tend::MsgType::kHello);
  hello.AddInt(tend::Tag::kVersion, tend::kProtocolVersion);
  std::string bytes = tend::Encode(hello);
  bytes.append(reinterpret_cast<const char*>(data), size);

  tend::FrameReader replies(tend::kMaxReplyBytes);
  size_t frames = 0, reported = 0;
  unsigned seed = static_cast<unsigned>(size);
  for (size_t at = 0; at < bytes.size();) {
    seed = seed * 1103515245u + 12345u;
    const size_t n = std::min(bytes.size() - at, static_cast<size_t>(1 + (seed >> 16) % 512));
    const ssize_t w = write(client, bytes.data() + at, n);
    if (w <= 0) break;  // The server hung up (a malformed frame), or its buffer is full.
    at += static_cast<size_t>(w);
    for (int i = 0; i < 4; ++i) loop.RunReady();
    Drain(client, &replies, &frames);
    // Programs come up in between, as a real client's requests would see them.
    if (seed & 0x100) {
      for (; reported < ops.spawned.size(); ++reported) {
        ops.observers[reported]->OnExecResult(100 + static_cast<int>(reported), nullptr);
      }
      clock.Advance(1000);
    }
  }
  for (int i = 0; i < 4; ++i) loop.RunReady();
  Drain(client, &replies, &frames);
  Check(frames >= 1, "HELLO is answered");
  Check(server->connections() <= 1, "no connection appears from nowhere");
  close(client);
  for (int i = 0; i < 2; ++i) loop.RunReady();
  server.reset();
  return 0;
}
