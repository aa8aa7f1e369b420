#include "control/socket_paths.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace tend {
namespace {

// A supervisord file in a fresh directory; removed at the end.
class SocketFile : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tend-ctl-socket-XXXXXX";
    dir_ = mkdtemp(tmpl);
    unsetenv("TEND_SOCKET");
    unsetenv("TEND_CONTROL");
  }
  void TearDown() override {
    unlink(file_.c_str());
    rmdir(dir_.c_str());
  }
  std::string Write(const std::string& text) {
    file_ = dir_ + "/supervisord.conf";
    FILE* f = fopen(file_.c_str(), "w");
    fputs(text.c_str(), f);
    fclose(f);
    return file_;
  }
  std::string dir_, file_;
};

TEST_F(SocketFile, TheFileNamesTheSocketWithItsExpansions) {
  setenv("TEND_TEST_RUN", "/srv/run", 1);
  SocketTarget t;
  std::string err;
  ASSERT_TRUE(FindSocket("", Write("[unix_http_server]\nfile = %(here)s/s.sock\n"), {}, &t, &err))
      << err;
  EXPECT_EQ(dir_ + "/s.sock", t.path);
  EXPECT_TRUE(t.named);
  ASSERT_TRUE(FindSocket("", Write("[unix_http_server]\nfile = /x.sock\n[supervisorctl]\n"
                                   "serverurl = unix://%(ENV_TEND_TEST_RUN)s/a.sock\n"),
                         {}, &t, &err))
      << err;
  EXPECT_EQ("/srv/run/a.sock", t.path);
  unsetenv("TEND_TEST_RUN");
}

// From a review: a file that names no socket fell through to the default places.
TEST_F(SocketFile, AFileThatNamesNoSocketIsAnError) {
  SocketTarget t;
  std::string err;
  const std::string f = Write("[program:a]\ncommand = a\n");
  EXPECT_FALSE(FindSocket("", f, {}, &t, &err));
  EXPECT_EQ(f + " names no socket ([supervisorctl] serverurl or [unix_http_server] file)", err);
  EXPECT_FALSE(FindSocket("", Write("[supervisorctl]\nserverurl = http://localhost:9001\n"), {},
                          &t, &err));
  EXPECT_NE(std::string::npos, err.find("over its unix socket only")) << err;
}

// -s, then TEND_SOCKET, then -c, then TEND_CONTROL (what tend gives its programs).
TEST_F(SocketFile, TheOrder) {
  const std::string f = Write("[unix_http_server]\nfile = /from/file.sock\n");
  SocketTarget t;
  std::string err;
  setenv("TEND_CONTROL", "/from/control.sock", 1);
  ASSERT_TRUE(FindSocket("", f, {}, &t, &err));
  EXPECT_EQ("/from/file.sock", t.path);
  ASSERT_TRUE(FindSocket("", "", {}, &t, &err));
  EXPECT_EQ("/from/control.sock", t.path);
  setenv("TEND_SOCKET", "/from/env.sock", 1);
  ASSERT_TRUE(FindSocket("", f, {}, &t, &err));
  EXPECT_EQ("/from/env.sock", t.path);
  ASSERT_TRUE(FindSocket("/from/flag.sock", f, {}, &t, &err));
  EXPECT_EQ("/from/flag.sock", t.path);
  unsetenv("TEND_SOCKET");
  unsetenv("TEND_CONTROL");
}

}  // namespace
}  // namespace tend
