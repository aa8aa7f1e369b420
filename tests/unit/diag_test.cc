#include "base/diag.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace tend {
namespace {

std::string Drain(int fd) {
  std::string s;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

TEST(DiagTest, OneLinePerMessageWithItsTag) {
  int p[2];
  ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
  SetDiagFd(p[1]);
  Diag(Level::kError, "unable to {}: {}", "run", "reason");
  Diag(Level::kWarn, "careful");
  Diag(Level::kDebug, "not shown at the default level");
  SetDiagFd(2);
  EXPECT_EQ("tend: unable to run: reason\ntend: warning: careful\n", Drain(p[0]));
  close(p[0]);
  close(p[1]);
}

TEST(DiagTest, AStalledReaderDoesNotBlockTheLoop) {
  int p[2];
  ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
  fcntl(p[1], F_SETFL, 0);  // A blocking write end, as tend's inherited stderr.
  std::string fill(65536, 'x');
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  while (write(p[1], fill.data(), fill.size()) > 0) {
  }
  fcntl(p[1], F_SETFL, 0);
  SetDiagFd(p[1]);
  SetDiagNonBlocking(true);
  Diag(Level::kError, "lost 1");  // Would block forever without the check.
  Diag(Level::kError, "lost 2");
  Drain(p[0]);
  Diag(Level::kError, "through");
  SetDiagNonBlocking(false);
  SetDiagFd(2);
  EXPECT_EQ(
      "tend: warning: 2 messages were dropped: standard error was not being read\n"
      "tend: through\n",
      Drain(p[0]));
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace tend
