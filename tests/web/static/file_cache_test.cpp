#include "web/static/file_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace wc::web::static_files {
namespace {

namespace fs = std::filesystem;

class FileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "wc_file_cache_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    return path;
  }
  static void set_mtime(const std::string& path, time_t t) {
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), ts, 0), 0);
  }
  static bool fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

  std::string dir_;
};

TEST_F(FileCacheTest, HitServesMetadataAndContentFromMemory) {
  std::string path = write("a.txt", "hello");
  set_mtime(path, 784111777);
  FileCache cache;
  auto r = cache.lookup(path, 0);
  ASSERT_TRUE(r) << r.error().message;
  const CachedFile* f = r->get();
  EXPECT_TRUE(f->is_regular);
  EXPECT_FALSE(f->is_dir);
  EXPECT_EQ(f->size, 5u);
  EXPECT_EQ(f->mtime, 784111777);
  EXPECT_EQ(f->etag.view(), "\"2ebc98a1-5\"");
  EXPECT_EQ(f->last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_TRUE(f->has_content);
  EXPECT_EQ(f->content, "hello");
  EXPECT_TRUE(fd_open(f->fd));

  auto again = cache.lookup(path, 500);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), f);  // same entry, no reload
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(FileCacheTest, RevalidatesOnlyAfterValidTime) {
  std::string path = write("a.txt", "one");
  FileCache cache({.valid_ms = 1000});
  {
    auto r = cache.lookup(path, 0);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->content, "one");
  }
  write("a.txt", "second");
  {
    auto r = cache.lookup(path, 999);  // still trusted
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->content, "one");
    EXPECT_EQ((*r)->size, 3u);
  }
  {
    auto r = cache.lookup(path, 1000);  // stat shows a change: reloaded
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->content, "second");
    EXPECT_EQ((*r)->size, 6u);
  }
}

TEST_F(FileCacheTest, UnchangedFileKeepsItsEntryAfterRevalidation) {
  std::string path = write("a.txt", "same");
  FileCache cache({.valid_ms = 10});
  auto first = cache.lookup(path, 0);
  ASSERT_TRUE(first);
  const CachedFile* f = first->get();
  first->reset();
  auto later = cache.lookup(path, 5000);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->get(), f);
}

TEST_F(FileCacheTest, SameSizeNewMtimeOrReplacedFileReloads) {
  std::string path = write("a.txt", "aaaa");
  set_mtime(path, 1000);
  FileCache cache({.valid_ms = 10});
  ASSERT_TRUE(cache.lookup(path, 0));

  write("a.txt", "bbbb");
  set_mtime(path, 2000);
  auto r = cache.lookup(path, 100);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->content, "bbbb");
  EXPECT_EQ((*r)->mtime, 2000);
  EXPECT_EQ((*r)->etag.view(), "\"7d0-4\"");

  // Replaced by rename with identical size and mtime: the inode differs.
  std::string other = write("b.txt", "cccc");
  set_mtime(other, 2000);
  ASSERT_EQ(rename(other.c_str(), path.c_str()), 0);
  auto r2 = cache.lookup(path, 200);
  ASSERT_TRUE(r2);
  EXPECT_EQ((*r2)->content, "cccc");
  // The old entry is still pinned by `r` and still readable.
  EXPECT_EQ((*r)->content, "bbbb");
  EXPECT_TRUE(fd_open((*r)->fd));
}

TEST_F(FileCacheTest, MissingFileIs404AndCachedNegatively) {
  std::string path = dir_ + "/missing.html";
  FileCache cache({.valid_ms = 1000});
  auto r = cache.lookup(path, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_EQ(r.error().message, "open() \"" + path + "\" failed (2: No such file or directory)");
  EXPECT_EQ(status_for_errno(r.error().code).status, 404);
  EXPECT_EQ(status_for_errno(r.error().code).level, ErrnoLogLevel::error);

  write("missing.html", "now here");
  EXPECT_FALSE(cache.lookup(path, 999));  // the failure is trusted for `valid`
  auto later = cache.lookup(path, 1000);
  ASSERT_TRUE(later);
  EXPECT_EQ((*later)->content, "now here");
}

TEST_F(FileCacheTest, ErrorsNotCachedWhenDisabled) {
  std::string path = dir_ + "/x";
  FileCache cache({.cache_errors = false});
  EXPECT_FALSE(cache.lookup(path, 0));
  EXPECT_EQ(cache.size(), 0u);
  write("x", "1");
  EXPECT_TRUE(cache.lookup(path, 1));
}

TEST_F(FileCacheTest, NotADirectoryAndSymlinkLoopStatuses) {
  std::string file = write("f", "x");
  FileCache cache;
  auto notdir = cache.lookup(file + "/child", 0);
  ASSERT_FALSE(notdir);
  EXPECT_EQ(notdir.error().code, ENOTDIR);
  EXPECT_EQ(status_for_errno(ENOTDIR).status, 404);

  std::string loop = dir_ + "/loop";
  ASSERT_EQ(symlink(loop.c_str(), loop.c_str()), 0);
  auto l = cache.lookup(loop, 0);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, ELOOP);
  EXPECT_EQ(status_for_errno(ELOOP).status, 403);
}

TEST_F(FileCacheTest, PermissionDeniedIs403) {
  std::string path = write("secret", "x");
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  auto check = [&]() -> int {
    FileCache cache;
    auto r = cache.lookup(path, 0);
    if (r) return 1;
    if (r.error().code != EACCES) return 2;
    if (status_for_errno(r.error().code).status != 403) return 3;
    return 0;
  };
  if (geteuid() != 0) {
    EXPECT_EQ(check(), 0);
    return;
  }
  // Root ignores permissions: look the file up as "nobody" in a child process.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    _exit(check());
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(StatusForErrno, NginxMapping) {
  EXPECT_EQ(status_for_errno(ENOENT).status, 404);
  EXPECT_EQ(status_for_errno(ENAMETOOLONG).status, 404);
  EXPECT_EQ(status_for_errno(EACCES).status, 403);
  EXPECT_EQ(status_for_errno(EACCES).level, ErrnoLogLevel::error);
  EXPECT_EQ(status_for_errno(EPERM).status, 403);
  EXPECT_EQ(status_for_errno(EMFILE).status, 500);
  EXPECT_EQ(status_for_errno(EMFILE).level, ErrnoLogLevel::crit);
  EXPECT_EQ(status_for_errno(EIO).status, 500);
}

TEST_F(FileCacheTest, DirectoriesAndLargeFiles) {
  fs::create_directory(dir_ + "/sub");
  std::string big(20000, 'x');
  std::string bigpath = write("big.bin", big);
  FileCache cache({.max_inline_bytes = 16384});

  auto d = cache.lookup(dir_ + "/sub", 0);
  ASSERT_TRUE(d);
  EXPECT_TRUE((*d)->is_dir);
  EXPECT_FALSE((*d)->is_regular);
  EXPECT_EQ((*d)->fd, -1);

  auto b = cache.lookup(bigpath, 0);
  ASSERT_TRUE(b);
  EXPECT_FALSE((*b)->has_content);
  EXPECT_EQ((*b)->size, 20000u);
  char buf[4];
  EXPECT_EQ(pread((*b)->fd, buf, 4, 19996), 4);
  EXPECT_EQ(std::string_view(buf, 4), "xxxx");
}

TEST_F(FileCacheTest, EvictionClosesDescriptorsButNotPinnedOnes) {
  std::string a = write("a", "a"), b = write("b", "b"), c = write("c", "c");
  FileCache cache({.max_entries = 2});
  int fd_a, fd_b;
  {
    auto ra = cache.lookup(a, 0);
    ASSERT_TRUE(ra);
    fd_a = (*ra)->fd;
  }
  auto rb = cache.lookup(b, 1);
  ASSERT_TRUE(rb);
  fd_b = (*rb)->fd;
  ASSERT_TRUE(cache.lookup(a, 2));  // a is now the most recent; b the oldest, but pinned
  EXPECT_EQ(cache.open_fds(), 2u);

  auto rc = cache.lookup(c, 3);
  ASSERT_TRUE(rc);
  EXPECT_EQ(cache.size(), 2u);
  // b was evicted (least recent) yet stays open while `rb` pins it.
  EXPECT_TRUE(fd_open(fd_b));
  EXPECT_EQ((*rb)->content, "b");
  EXPECT_EQ(cache.open_fds(), 3u);
  rb->reset();
  EXPECT_FALSE(fd_open(fd_b));
  EXPECT_EQ(cache.open_fds(), 2u);

  // Next eviction takes a (unpinned): closed at once.
  ASSERT_TRUE(cache.lookup(b, 4));
  EXPECT_FALSE(fd_open(fd_a));
  EXPECT_EQ(cache.open_fds(), 2u);

  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.open_fds(), 1u);  // rc still pins c
  rc->reset();
  EXPECT_EQ(cache.open_fds(), 0u);
}

TEST_F(FileCacheTest, PathWithNulIsNotTruncated) {
  std::string path = write("page.html", "x");
  FileCache cache;
  std::string evil = path + std::string("\0.php", 5);
  auto r = cache.lookup(evil, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(FileCacheTest, InlineContentHasATotalBudget) {
  std::string a = write("a", std::string(600, 'a'));
  std::string b = write("b", std::string(600, 'b'));
  FileCache cache({.max_inline_total = 1000});
  auto ra = cache.lookup(a, 0);
  auto rb = cache.lookup(b, 0);
  ASSERT_TRUE(ra && rb);
  EXPECT_TRUE((*ra)->has_content);
  EXPECT_FALSE((*rb)->has_content);  // over budget: served from the fd
  EXPECT_TRUE(fd_open((*rb)->fd));
  EXPECT_EQ(cache.inline_bytes(), 600u);
  ra->reset();
  rb->reset();
  cache.clear();
  EXPECT_EQ(cache.inline_bytes(), 0u);
  auto again = cache.lookup(b, 1);
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)->has_content);
}

}  // namespace
}  // namespace wc::web::static_files

namespace wc::web::static_files {
namespace {

// The same scratch folder as FileCacheTest's.
using FileCacheOptionsTest = FileCacheTest;

// open_file_cache inactive=: an entry nobody asked for during `inactive_ms` is dropped.
TEST_F(FileCacheOptionsTest, InactiveEntriesAreDropped) {
  FileCacheOptions o;
  o.inactive_ms = 100;
  o.valid_ms = 1000000;
  FileCache cache(o);
  const std::string a = write("a.txt", "a");
  const std::string b = write("b.txt", "b");
  ASSERT_TRUE(cache.lookup(a, 0));
  ASSERT_TRUE(cache.lookup(b, 60));
  EXPECT_EQ(cache.size(), 2u);
  ASSERT_TRUE(cache.lookup(b, 120));  // a idle for 120 ms: gone; b used at 60 and 120: kept
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.open_fds(), 1u);
  ASSERT_TRUE(cache.lookup(a, 500));  // b idle for 380 ms
  EXPECT_EQ(cache.size(), 1u);
}

// open_file_cache_min_uses: a file is kept open only from its min_uses-th use on; before, each
// lookup opens it for that request alone.
TEST_F(FileCacheOptionsTest, MinUsesBeforeKeepingAFileOpen) {
  FileCacheOptions o;
  o.min_uses = 3;
  o.valid_ms = 1000000;
  FileCache cache(o);
  const std::string a = write("a.txt", "hello");
  {
    auto r = cache.lookup(a, 0);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->content, "hello");
    EXPECT_EQ(cache.open_fds(), 1u);  // the one-off entry, while pinned
  }
  EXPECT_EQ(cache.open_fds(), 0u);  // closed on release: nothing kept yet
  write("a.txt", "world");          // seen at once while not kept
  {
    auto r = cache.lookup(a, 1);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->content, "world");
  }
  EXPECT_EQ(cache.open_fds(), 0u);
  ASSERT_TRUE(cache.lookup(a, 2));  // third use: kept from now on
  EXPECT_EQ(cache.open_fds(), 1u);
  EXPECT_EQ(cache.size(), 1u);
  // A missing file below min_uses is an error each time, never cached.
  EXPECT_FALSE(cache.lookup(dir_ + "/none", 3));
  EXPECT_FALSE(cache.lookup(dir_ + "/none", 4));
}

// max=: the least recently used entry goes first.
TEST_F(FileCacheOptionsTest, MaxEntriesLeastRecentlyUsedFirst) {
  FileCacheOptions o;
  o.max_entries = 2;
  o.valid_ms = 1000000;
  FileCache cache(o);
  const std::string a = write("a.txt", "a"), b = write("b.txt", "b"), c = write("c.txt", "c");
  ASSERT_TRUE(cache.lookup(a, 0));
  ASSERT_TRUE(cache.lookup(b, 1));
  ASSERT_TRUE(cache.lookup(a, 2));  // a is the most recent now
  ASSERT_TRUE(cache.lookup(c, 3));  // b goes
  EXPECT_EQ(cache.size(), 2u);
  std::filesystem::remove(a);
  std::filesystem::remove(b);
  EXPECT_TRUE(cache.lookup(a, 4));   // still cached (valid for long)
  EXPECT_FALSE(cache.lookup(b, 5));  // was evicted: looked up again, and gone
}

// open_file_cache off (valid 0, no errors kept): every lookup sees the file as it is now.
TEST_F(FileCacheOptionsTest, ValidZeroSeesEveryChange) {
  FileCacheOptions o;
  o.valid_ms = 0;
  o.cache_errors = false;
  FileCache cache(o);
  const std::string p = dir_ + "/late.txt";
  EXPECT_FALSE(cache.lookup(p, 0));
  write("late.txt", "now");
  auto r = cache.lookup(p, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->content, "now");
}

}  // namespace
}  // namespace wc::web::static_files
