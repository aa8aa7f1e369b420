// A program's user (config/config_user.h): resolved from passwd and group files.
#include <string>
#include <vector>

#include "fakes/config_fixture.h"

namespace tend {
namespace {

TEST(ConfigTest, UserResolution) {
  Loaded l = Load(
      "[program:a]\ncommand=a\nuser=app\n[program:b]\ncommand=b\nuser=33\n"
      "[program:c]\ncommand=c\nuser=root\n");
  ASSERT_EQ("", l.All());
  const UserSpec& a = l.Get("a").user;
  EXPECT_TRUE(a.resolved);
  EXPECT_EQ("app", a.name);
  EXPECT_EQ(1000u, a.uid);
  EXPECT_EQ(1000u, a.gid);
  EXPECT_EQ(std::vector<gid_t>({1000, 4, 999}), a.groups);
  EXPECT_EQ("/home/app", a.home);
  EXPECT_EQ("/bin/sh", a.shell);
  const UserSpec& b = l.Get("b").user;
  EXPECT_EQ("33", b.name);
  EXPECT_EQ(33u, b.uid);
  EXPECT_EQ(std::vector<gid_t>({33}), b.groups);
  EXPECT_EQ("/var/www", b.home);
  EXPECT_EQ(0u, l.Get("c").user.uid);
}

TEST(ConfigTest, UnknownUserIsAMachineProblem) {
  Loaded l = Load("[program:a]\ncommand=a\nuser=nobody\n[program:b]\ncommand=b\nuser=4242\n");
  EXPECT_TRUE(l.Of(Kind::kError).empty()) << l.All();
  EXPECT_EQ(Lines({"t.conf:3: unavailable: user: unknown user nobody (not in tests/config/etc/passwd)",
                   "t.conf:6: unavailable: user: unknown uid 4242 (not in tests/config/etc/passwd)"}),
            l.Of(Kind::kMachine));
  EXPECT_EQ("nobody", l.Get("a").user.name);
  EXPECT_FALSE(l.Get("a").user.resolved);
}

// From issue 35: not root (OpenShift's random uid), tend cannot switch users.
TEST(ConfigTest, NotRootAProgramOfAnotherUserRunsAsTendsOwn) {
  ExpansionContext ctx = TestContext();
  ctx.euid = 12345;
  Loaded l = Load("[program:a]\ncommand=a\nuser=www-data\n[program:b]\ncommand=b\nuser=root\n", ctx);
  EXPECT_FALSE(l.Get("a").user.resolved);
  EXPECT_TRUE(l.Get("b").user.resolved);
  // Nor give its socket away.
  EXPECT_EQ(Lines({"t.conf:2: warning: chown = app: tend runs as uid 12345, not root; ignored"}),
            Load("[unix_http_server]\nchown = app\n[program:x]\ncommand=x\n", ctx)
                .Of(Kind::kWarning));
  EXPECT_EQ(Lines({"t.conf:3: warning: user = www-data: tend runs as uid 12345, not root; a runs "
                   "as uid 12345 too",
                   "t.conf:6: warning: user = root: tend runs as uid 12345, not root; b cannot "
                   "start"}),
            l.Of(Kind::kWarning));
}

}  // namespace
}  // namespace tend
