// A Service with fakes around it: the kernel (FakeProcessOps, the Reaper), time and
// probes are played by the test.
#ifndef TEND_TESTS_SERVICE_FIXTURE_H_
#define TEND_TESTS_SERVICE_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/service.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_prober.h"
#include "fakes/fake_process_ops.h"

namespace tend {

using State = Service::State;

class ServiceTest : public testing::Test, public ServiceObserver {
 protected:
  void OnServiceChanged(Service* s) override { states_.push_back(Service::ToString(s->state())); }

  Service& Make(ProgramConfig c = {}, ServiceOptions o = {}) {
    if (c.name.empty()) c.name = c.program_name = "web";
    if (c.argv.empty()) c.argv = {"web", "--serve"};
    service_ = std::make_unique<Service>(
        c, o,
        Service::Env{&ops_, &clock_, &reaper_, this, [] { return 0.5; }, nullptr, &notify_address_,
                     &prober_});
    return *service_;
  }
  pid_t Pid() const { return ops_.next_pid - 1; }
  // The kernel's part: exec result, then exit.
  void ExecOk() { ops_.observers.back()->OnExecResult(Pid(), nullptr); }
  void Exit(int status) { reaper_.Dispatch(Pid(), status); }
  void Crash(int status) {
    ExecOk();
    Exit(status);
  }
  std::string States() {
    std::string s;
    for (const auto& x : states_) s += (s.empty() ? "" : " ") + x;
    states_.clear();
    return s;
  }

  FakeProcessOps ops_;
  FakeProber prober_;
  FakeClock clock_;
  Reaper reaper_;
  std::unique_ptr<Service> service_;
  std::vector<std::string> states_;
  std::string notify_address_ = "@abcde";  // NOTIFY_SOCKET for ready = notify.
};

}  // namespace tend

#endif  // TEND_TESTS_SERVICE_FIXTURE_H_
