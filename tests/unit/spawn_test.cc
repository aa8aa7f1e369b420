// The few unit tests that really start processes: the staged child set-up and its error
// reports.
#include "proc/spawn.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "proc/reaper.h"

namespace tend {
namespace {

// Runs a spawn to completion on a real loop: exec result plus exit status.
struct Outcome : SpawnObserver, ExitObserver {
  void OnExecResult(pid_t, const ExecError* e) override {
    exec_known = true;
    if (e) error = *e, failed = true;
  }
  void OnReaped(pid_t, int s) override {
    reaped = true;
    status = s;
  }
  bool exec_known = false, failed = false, reaped = false;
  ExecError error{};
  int status = -1;
};

Outcome RunToEnd(const SpawnSpec& spec) {
  EventLoop loop;
  SystemProcessOps ops(&loop);
  Reaper reaper;
  Outcome out;
  std::string err;
  pid_t pid = ops.Spawn(spec, &out, &err);
  EXPECT_GT(pid, 0) << err;
  reaper.Watch(pid, &out);
  // The status pipe is read by the loop; the exit is collected with a blocking wait
  // (this test process has no SIGCHLD plumbing).
  while (!out.exec_known) loop.RunOnce();
  int status;
  EXPECT_EQ(pid, waitpid(pid, &status, 0));
  reaper.Dispatch(pid, status);
  return out;
}

TEST(SpawnTest, Success) {
  SpawnSpec s;
  s.argv = {"sh", "-c", "exit 7"};
  Outcome o = RunToEnd(s);
  EXPECT_FALSE(o.failed);
  EXPECT_EQ(7, WEXITSTATUS(o.status));
}

TEST(SpawnTest, NotFoundIs127AndNamesTheCommand) {
  SpawnSpec s;
  s.argv = {"tend-no-such-command"};
  Outcome o = RunToEnd(s);
  ASSERT_TRUE(o.failed);
  EXPECT_EQ(ExecStage::kExec, o.error.stage);
  EXPECT_EQ(ENOENT, o.error.err);
  EXPECT_EQ(127, WEXITSTATUS(o.status));
  EXPECT_EQ("unable to run \"tend-no-such-command\": command not found",
            DescribeExecError(s, o.error));
}

TEST(SpawnTest, NotExecutableIs126) {
  SpawnSpec s;
  s.argv = {"/etc/passwd"};
  Outcome o = RunToEnd(s);
  ASSERT_TRUE(o.failed);
  EXPECT_EQ(EACCES, o.error.err);
  EXPECT_EQ(126, WEXITSTATUS(o.status));
  EXPECT_EQ("unable to run \"/etc/passwd\": Permission denied", DescribeExecError(s, o.error));
}

TEST(SpawnTest, MissingAbsolutePathIs127) {
  SpawnSpec s;
  s.argv = {"/nonexistent/bin/x"};
  Outcome o = RunToEnd(s);
  EXPECT_EQ(127, WEXITSTATUS(o.status));
  EXPECT_EQ("unable to run \"/nonexistent/bin/x\": No such file or directory",
            DescribeExecError(s, o.error));
}

TEST(SpawnTest, BadDirectoryFailsAtThatStage) {
  SpawnSpec s;
  s.argv = {"true"};
  s.cwd = "/nonexistent-dir";
  Outcome o = RunToEnd(s);
  ASSERT_TRUE(o.failed);
  EXPECT_EQ(ExecStage::kDirectory, o.error.stage);
  EXPECT_EQ(126, WEXITSTATUS(o.status));
  EXPECT_EQ(
      "unable to change directory to \"/nonexistent-dir\" for \"true\": "
      "No such file or directory",
      DescribeExecError(s, o.error));
}

TEST(SpawnTest, ScriptWithoutShebangRunsWithSh) {
  char path[] = "/tmp/tend-spawn-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const char body[] = "exit 42\n";
  ASSERT_EQ(static_cast<ssize_t>(sizeof body - 1), write(fd, body, sizeof body - 1));
  fchmod(fd, 0700);
  close(fd);
  SpawnSpec s;
  s.argv = {path};
  Outcome o = RunToEnd(s);
  unlink(path);
  EXPECT_FALSE(o.failed);
  EXPECT_EQ(42, WEXITSTATUS(o.status));
}

// wait_for_exec (the main command's clone in tend's memory) reports exactly what a
// forked child does, stage and errno included, and its child gets its process group.
TEST(SpawnTest, WaitForExecReportsAsAForkedChild) {
  std::vector<SpawnSpec> specs(6);
  specs[0].argv = {"sh", "-c", "exit 7"};
  specs[1].argv = {"tend-no-such-command"};
  specs[2].argv = {"/etc/passwd"};
  specs[3].argv = {"true"};
  specs[3].cwd = "/nonexistent-dir";
  specs[4].argv = {"sh", "-c", "test \"$TEND_X\" = yes && test \"$(pwd)\" = /tmp"};
  specs[4].env = {"TEND_X=yes"};
  specs[4].cwd = "/tmp";
  specs[5].argv = {"sh", "-c", "test \"$(ps -o pgid= -p $$ | tr -d ' ')\" = $$"};
  specs[5].isolation = SpawnSpec::Isolation::kGroup;
  for (size_t i = 0; i < specs.size(); ++i) {
    SpawnSpec forked = specs[i], in_place = specs[i];
    in_place.wait_for_exec = true;
    Outcome a = RunToEnd(forked), b = RunToEnd(in_place);
    EXPECT_EQ(a.failed, b.failed) << i;
    EXPECT_EQ(static_cast<int>(a.error.stage), static_cast<int>(b.error.stage)) << i;
    EXPECT_EQ(a.error.err, b.error.err) << i;
    EXPECT_EQ(a.status, b.status) << i;
  }
}

TEST(SpawnTest, EnvironmentAndDirectory) {
  SpawnSpec s;
  s.argv = {"sh", "-c", "test \"$TEND_X\" = yes && test \"$(pwd)\" = /tmp"};
  s.env = {"TEND_X=yes"};
  s.cwd = "/tmp";
  EXPECT_EQ(0, WEXITSTATUS(RunToEnd(s).status));
}

// The child's environment is tend's, not copied, with the program's entries applied in
// order: one replaces tend's variable of the same name, the last word wins, and its
// PATH is the one the command is looked up in.
TEST(SpawnTest, EnvironmentEntriesReplaceTendsOwnAndTheLastWins) {
  setenv("TEND_Y", "tend's", 1);
  SpawnSpec s;
  s.argv = {"sh", "-c", "test \"$TEND_Y\" = second && test \"$(env | grep -c '^TEND_Y=')\" = 1"};
  s.env = {"TEND_Y=first", "TEND_Y=second", "TEND_Z=z"};
  EXPECT_EQ(0, WEXITSTATUS(RunToEnd(s).status));
  EXPECT_STREQ("tend's", getenv("TEND_Y"));
  std::vector<std::string> merged = MergeEnvironment(s.env);
  EXPECT_EQ(1, std::count(merged.begin(), merged.end(), "TEND_Y=second"));
  EXPECT_EQ(0, std::count(merged.begin(), merged.end(), "TEND_Y=tend's"));
  EXPECT_EQ("TEND_Z=z", merged.back());
  unsetenv("TEND_Y");

  SpawnSpec p;
  p.argv = {"sh", "-c", "exit 0"};
  p.env = {"PATH=/nonexistent"};
  Outcome o = RunToEnd(p);
  ASSERT_TRUE(o.failed);
  EXPECT_EQ(127, WEXITSTATUS(o.status));
}

TEST(SpawnTest, ChildGetsItsOwnProcessGroup) {
  SpawnSpec s;
  s.argv = {"sh", "-c", "test \"$(ps -o pgid= -p $$ | tr -d ' ')\" = $$"};
  EXPECT_EQ(0, WEXITSTATUS(RunToEnd(s).status));
}

TEST(DescendantsTest, FindsGrandchildren) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A grandchild that outlives nothing: both sleep until killed.
    if (fork() == 0) execlp("sleep", "sleep", "30", nullptr);
    execlp("sleep", "sleep", "30", nullptr);
    _exit(1);
  }
  // Wait (with a deadline) until the grandchild shows up.
  std::vector<pid_t> d;
  for (int i = 0; i < 500 && d.size() < 2; ++i) {
    d = Descendants(getpid());
    if (d.size() < 2) usleep(10000);
  }
  EXPECT_GE(d.size(), 2u);
  for (pid_t p : d) kill(p, SIGKILL);
  waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST(SpawnTest, OutputsToFilesDevNullAndMerged) {
  char dir[] = "/tmp/tend-spawn-out-XXXXXX";
  ASSERT_NE(nullptr, mkdtemp(dir));
  std::string out = std::string(dir) + "/out", err = std::string(dir) + "/err";
  SpawnSpec s;
  s.argv = {"sh", "-c", "echo to-out; echo to-err >&2"};
  s.output[0] = out;
  s.output[1] = err;
  EXPECT_EQ(0, WEXITSTATUS(RunToEnd(s).status));
  s.merge_stderr = true;  // Appends, both streams to `out`.
  EXPECT_EQ(0, WEXITSTATUS(RunToEnd(s).status));
  s.output[0] = "/dev/null";  // NONE.
  EXPECT_EQ(0, WEXITSTATUS(RunToEnd(s).status));
  auto slurp = [](const std::string& p) {
    std::string r;
    FILE* f = fopen(p.c_str(), "r");
    char b[256];
    size_t n;
    while (f && (n = fread(b, 1, sizeof b, f)) > 0) r.append(b, n);
    if (f) fclose(f);
    return r;
  };
  EXPECT_EQ("to-out\nto-out\nto-err\n", slurp(out));
  EXPECT_EQ("to-err\n", slurp(err));
  unlink(out.c_str());
  unlink(err.c_str());
  rmdir(dir);
}

TEST(SpawnTest, UnopenableOutputIsASpawnError) {
  EventLoop loop;
  SystemProcessOps ops(&loop);
  SpawnSpec s;
  s.argv = {"true"};
  s.output[0] = "/nonexistent-dir/log";
  std::string err;
  EXPECT_EQ(-1, ops.Spawn(s, nullptr, &err));
  EXPECT_EQ("unable to open \"/nonexistent-dir/log\": No such file or directory", err);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST(SpawnTest, FifoWithoutReaderDoesNotBlock) {
  char dir[] = "/tmp/tend-spawn-fifo-XXXXXX";
  ASSERT_NE(nullptr, mkdtemp(dir));
  std::string fifo = std::string(dir) + "/log";
  ASSERT_EQ(0, mkfifo(fifo.c_str(), 0600));
  EventLoop loop;
  SystemProcessOps ops(&loop);
  SpawnSpec s;
  s.argv = {"true"};
  s.output[0] = fifo;
  std::string err;
  EXPECT_EQ(-1, ops.Spawn(s, nullptr, &err));
  EXPECT_NE(std::string::npos, err.find("No such device or address")) << err;
  unlink(fifo.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST(SpawnTest, OwnerOfReadsTheUidsOfAProcess) {
  EventLoop loop;
  SystemProcessOps ops(&loop);
  uid_t uid = 12345;
  ASSERT_TRUE(ops.OwnerOf(getpid(), &uid));
  EXPECT_EQ(getuid(), uid);
  EXPECT_FALSE(ops.OwnerOf(0x3fffffff, &uid));  // No such process.
}

// A held process's exit is seen whoever reaps it, and once held no signal reaches its pid.
TEST(SpawnTest, AHeldProcessIsSeenToExit) {
  EventLoop loop;
  SystemProcessOps ops(&loop);
  pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  bool gone = false;
  ASSERT_TRUE(ops.Hold(pid, [&] { gone = true; }));
  kill(pid, SIGKILL);
  for (int i = 0; i < 100 && !gone; ++i) loop.RunOnce();
  EXPECT_TRUE(gone);
  int status;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  ops.Unhold(pid);
  EXPECT_FALSE(ops.Hold(pid, [] {}));  // Reaped: gone.
}

}  // namespace
}  // namespace tend
