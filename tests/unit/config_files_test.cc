// Files (config/config_files.h): includes, directories, globs, bounded reads.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "config/config_files.h"
#include "fakes/config_fixture.h"

namespace tend {
namespace {

TEST(ConfigFilesTest, IncludeGlobsRelativeToTheIncludingFile) {
  Loaded l = LoadPath("tests/config/include/main.conf");
  EXPECT_EQ(Lines({"tests/config/include/main.conf", "tests/config/include/conf.d/a.conf",
                   "tests/config/include/conf.d/b.conf", "tests/config/include/sub/other.conf"}),
            l.config.files);
  std::vector<std::string> names;
  for (const ProgramConfig& p : l.config.programs) names.push_back(p.name);
  EXPECT_EQ(Lines({"main", "a", "b", "other"}), names);
  EXPECT_EQ(Lines({"tests/config/include/main.conf:6: notice: no file matches "
                   "tests/config/include/nothing/*.conf"}),
            l.Of(Kind::kNotice));
  EXPECT_EQ(Lines({"tests/config/include/conf.d/a.conf:6: warning: include loop: "
                   "tests/config/include/conf.d/../main.conf is being read; not read again"}),
            l.Of(Kind::kWarning));
  EXPECT_TRUE(l.Of(Kind::kError).empty());
}

TEST(ConfigFilesTest, DirectoryInByteOrder) {
  Loaded l = LoadPath("tests/config/dir");
  ASSERT_EQ("", l.All());
  EXPECT_EQ(Lines({"tests/config/dir/10-first.conf", "tests/config/dir/2-second.conf"}),
            l.config.files);
  ASSERT_EQ(2u, l.config.programs.size());
  EXPECT_EQ("first", l.config.programs[0].name);
  EXPECT_EQ("second", l.config.programs[1].name);
}

TEST(ConfigFilesTest, GlobPaths) {
  std::string d = "tests/config/dir/";
  EXPECT_EQ(Lines({d + "10-first.conf", d + "2-second.conf"}), GlobPaths(d + "*.conf"));
  EXPECT_EQ(Lines({d + "10-first.conf", d + "2-second.conf", d + "notes.txt"}), GlobPaths(d + "*"));
  EXPECT_EQ(Lines({d + ".hidden.conf"}), GlobPaths(d + ".*.conf"));
  EXPECT_EQ(Lines({d + "2-second.conf"}), GlobPaths(d + "?-*"));
  EXPECT_EQ(Lines({d + "10-first.conf", d + "2-second.conf"}), GlobPaths(d + "[12]*.conf"));
  EXPECT_EQ(Lines({d + "2-second.conf", d + "notes.txt"}), GlobPaths(d + "[!1]*"));
  EXPECT_EQ(Lines({d + "notes.txt"}), GlobPaths(d + "[m-o]otes.t?t"));
  EXPECT_EQ(Lines({d + "notes.txt"}), GlobPaths(d + "notes.txt"));
  EXPECT_EQ(Lines{}, GlobPaths(d + "missing.txt"));
  EXPECT_EQ(Lines{}, GlobPaths(d + "*.nothing"));
  EXPECT_EQ(Lines({"tests/config/include/conf.d/a.conf", "tests/config/include/conf.d/b.conf",
                   "tests/config/include/sub/other.conf"}),
            GlobPaths("tests/config/include/*/*.conf"));
  std::string abs = AbsolutePath(d);
  EXPECT_EQ(Lines({abs + "/10-first.conf"}), GlobPaths(abs + "//1*.conf"));
}

TEST(ConfigFilesTest, AbsolutePath) {
  EXPECT_EQ("/x/y", AbsolutePath("/x//y/"));
  EXPECT_EQ("/a/c", AbsolutePath("/a/./b/../c"));
  EXPECT_EQ("/", AbsolutePath("/.."));
  EXPECT_EQ(AbsolutePath(".") + "/tests", AbsolutePath("tests/config/.."));
  EXPECT_EQ('/', AbsolutePath("x")[0]);
}

TEST(ConfigFilesTest, AFileIsReadOnce) {
  TempDir dir;
  dir.Write("a.conf", "[program:a]\ncommand=a\n[include]\nfiles=b.conf\n");
  dir.Write("b.conf", "[program:b]\ncommand=b\n");
  Loaded l = LoadPath(dir.path());
  EXPECT_EQ(Lines({dir.path() + "/a.conf", dir.path() + "/b.conf"}), l.config.files);
  EXPECT_EQ(Lines({dir.path() + "/b.conf: notice: " + dir.path() +
                   "/b.conf was already read; not read again"}),
            l.Of(Kind::kNotice));
  EXPECT_EQ(2u, l.config.programs.size());
}

TEST(ConfigFilesTest, EmptyDirectory) {
  TempDir dir;
  Loaded l = LoadPath(dir.path());
  EXPECT_EQ(Lines({dir.path() + ": warning: no *.conf file in this directory"}),
            l.Of(Kind::kWarning));
}

TEST(ConfigFilesTest, ProblemsComeInFileOrder) {
  TempDir dir;
  dir.Write("a.conf", "[program:a]\ncommand=a\ndepends_on=b\nbogus=1\n");
  dir.Write("b.conf", "[program:b]\ncommand=b\ndepends_on=a\nbogus=2\n");
  Loaded l = LoadPath(dir.path());
  ASSERT_EQ(3u, l.problems.size()) << l.All();
  // The cycle is found last but is at a.conf:3, before the unknown keys.
  EXPECT_EQ(dir.path() + "/a.conf:3: error: dependency cycle: a -> b -> a",
            l.problems[0].ToString());
  EXPECT_EQ(dir.path() + "/a.conf", l.problems[1].where.file);
  EXPECT_EQ(dir.path() + "/b.conf", l.problems[2].where.file);
}

// From issue 34: reading the configuration must never block PID 1 nor grow without bound.
TEST(ReadWholeFile, RefusesWhatIsNotARegularFileAndBoundsTheSize) {
  TempDir dir;
  std::string text, err;
  EXPECT_FALSE(ReadWholeFile("/dev/zero", &text, &err));
  EXPECT_EQ("unable to read: not a regular file", err);
  const std::string fifo = dir.path() + "/fifo.conf";
  ASSERT_EQ(0, mkfifo(fifo.c_str(), 0600));
  EXPECT_FALSE(ReadWholeFile(fifo, &text, &err));  // Returns at once: no writer needed.
  EXPECT_EQ("unable to read: not a regular file", err);
  const std::string big = dir.Write("big.conf", "");
  ASSERT_EQ(0, truncate(big.c_str(), kMaxFileBytes + 1));
  EXPECT_FALSE(ReadWholeFile(big, &text, &err));
  EXPECT_EQ("unable to read: larger than 16 MiB", err);
  ASSERT_EQ(0, truncate(big.c_str(), 10));
  EXPECT_TRUE(ReadWholeFile(big, &text, &err)) << err;
  EXPECT_EQ(std::string(10, '\0'), text);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

// What the fuzz targets rely on: confined, the loader sees nothing outside the directory,
// whatever path leads there ("..", absolute, a glob); "" ends it.
TEST(ConfigFilesTest, ConfinedLoadingReadsNothingOutside) {
  TempDir dir;
  const std::string inside = dir.Write("t.conf", "[include]\nfiles = /etc/passwd ../*/passwd\n");
  ConfineFileAccess(dir.path());
  std::string text, err;
  EXPECT_TRUE(ReadWholeFile(inside, &text, &err)) << err;
  EXPECT_FALSE(ReadWholeFile("/etc/passwd", &text, &err));
  EXPECT_FALSE(ReadWholeFile(dir.path() + "/../../etc/passwd", &text, &err));
  EXPECT_FALSE(PathExists("/etc"));
  EXPECT_TRUE(GlobPaths("/etc/*").empty());
  Loaded l = LoadPath(inside);
  ConfineFileAccess("");
  EXPECT_EQ(Lines({inside}), l.config.files);
  EXPECT_TRUE(ReadWholeFile("/etc/passwd", &text, &err)) << err;
}

}  // namespace
}  // namespace tend
