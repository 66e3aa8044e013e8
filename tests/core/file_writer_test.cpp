#include "core/file_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/error_log.h"
#include "test_files.h"

namespace wc::core {
namespace {

using testing::make_temp_dir;
using testing::read_file;

TEST(BufferedFileWriter, BuffersUntilFlush) {
  const std::string path = make_temp_dir() + "/access.log";
  BufferedFileWriter w;
  ASSERT_TRUE(w.open(path));
  EXPECT_TRUE(w.is_open());
  w.append("line 1\n");
  w.append("line 2\n");
  EXPECT_EQ(read_file(path), "");  // nothing written yet
  EXPECT_EQ(w.buffered(), 14u);
  EXPECT_TRUE(w.flush());
  EXPECT_EQ(read_file(path), "line 1\nline 2\n");
  EXPECT_EQ(w.buffered(), 0u);
}

TEST(BufferedFileWriter, WritesWholeLinesWhenTheBufferFills) {
  const std::string path = make_temp_dir() + "/access.log";
  BufferedFileWriter w(16);
  ASSERT_TRUE(w.open(path));
  w.append("0123456789\n");  // 11
  w.append("abcdefghi\n");   // 10: would overflow 16, so the first line goes out alone
  EXPECT_EQ(read_file(path), "0123456789\n");
  w.append(std::string(40, 'L') + "\n");  // bigger than the buffer: written directly, in order
  EXPECT_EQ(read_file(path), "0123456789\nabcdefghi\n" + std::string(40, 'L') + "\n");
}

TEST(BufferedFileWriter, AppendsToExistingFileAndCreatesWith0644) {
  const std::string path = make_temp_dir() + "/access.log";
  {
    BufferedFileWriter w;
    ASSERT_TRUE(w.open(path));
    w.append("first\n");
  }  // destructor flushes
  {
    BufferedFileWriter w;
    ASSERT_TRUE(w.open(path));
    w.append("second\n");
  }
  EXPECT_EQ(read_file(path), "first\nsecond\n");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0644u & ~mask);
}

TEST(BufferedFileWriter, ReopenAfterRotationWritesToTheNewFile) {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/access.log";
  BufferedFileWriter w;
  ASSERT_TRUE(w.open(path));
  w.append("old 1\n");
  w.flush();
  ASSERT_EQ(rename(path.c_str(), (dir + "/access.log.1").c_str()), 0);
  w.append("old 2\n");  // buffered before the signal: belongs to the old file
  ASSERT_TRUE(w.reopen());
  w.append("new 1\n");
  w.flush();
  EXPECT_EQ(read_file(dir + "/access.log.1"), "old 1\nold 2\n");
  EXPECT_EQ(read_file(path), "new 1\n");
}

TEST(BufferedFileWriter, OpenFailureNamesThePath) {
  BufferedFileWriter w;
  auto s = w.open("/nonexistent-dir/access.log");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "open() \"/nonexistent-dir/access.log\" failed (2: No such file or directory)");
  EXPECT_FALSE(w.is_open());
  w.append("dropped\n");  // "off": accepted and dropped, no crash
  EXPECT_EQ(w.buffered(), 0u);
}

TEST(BufferedFileWriter, WriteFailureIsReportedOnceAndDataDropped) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  const std::string dir = make_temp_dir();
  const std::string log_path = dir + "/error.log";
  ErrorLog& log = error_log();
  const std::string old_path = log.path();
  const LogLevel old_level = log.level();
  ASSERT_TRUE(log.open(log_path, LogLevel::error));

  BufferedFileWriter w(32);
  ASSERT_TRUE(w.open("/dev/full"));  // every write fails with ENOSPC
  for (int i = 0; i < 10; ++i) w.append("0123456789abcdef\n");
  EXPECT_FALSE(w.flush());
  EXPECT_EQ(w.buffered(), 0u);  // dropped, not kept growing

  const std::string text = read_file(log_path);
  size_t first = text.find("write() to \"/dev/full\" failed (28:");
  EXPECT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("write() to", first + 1), std::string::npos) << "reported twice:\n" << text;
  ASSERT_TRUE(log.open(old_path, old_level));
}

TEST(FileWriterSet, SharesOneWriterPerPath) {
  const std::string dir = make_temp_dir();
  FileWriterSet set;
  auto a = set.get(dir + "/a.log");
  auto a2 = set.get(dir + "/a.log");
  auto b = set.get(dir + "/b.log");
  ASSERT_TRUE(a && a2 && b);
  EXPECT_EQ(*a, *a2);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(set.size(), 2u);
  (*a)->append("to a\n");
  (*a2)->append("also a\n");
  (*b)->append("to b\n");
  set.flush_all();
  EXPECT_EQ(read_file(dir + "/a.log"), "to a\nalso a\n");
  EXPECT_EQ(read_file(dir + "/b.log"), "to b\n");
  ASSERT_EQ(rename((dir + "/a.log").c_str(), (dir + "/a.log.1").c_str()), 0);
  EXPECT_TRUE(set.reopen_all());
  (*a)->append("new a\n");
  set.flush_all();
  EXPECT_EQ(read_file(dir + "/a.log"), "new a\n");
  EXPECT_FALSE(set.get(dir + "/missing/c.log"));
}

}  // namespace
}  // namespace wc::core
