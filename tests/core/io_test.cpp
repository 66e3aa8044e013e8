#include "core/io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "core/fd.h"
#include "test_files.h"

namespace wc::core {
namespace {

struct Pair {
  Fd a, b;
  Pair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    a.reset(fds[0]);
    b.reset(fds[1]);
  }
};

TEST(Io, ReadIntoDistinguishesDataWouldBlockAndEof) {
  Pair p;
  Buffer buf;
  EXPECT_EQ(read_into(p.a.get(), buf).status, IoStatus::would_block);
  ASSERT_TRUE(write_some(p.b.get(), "hello").ok());
  IoResult r = read_into(p.a.get(), buf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.bytes, 5u);
  EXPECT_EQ(buf.readable(), "hello");
  p.b.reset();
  EXPECT_EQ(read_into(p.a.get(), buf).status, IoStatus::eof);
  EXPECT_EQ(buf.readable(), "hello");
}

TEST(Io, ReadIntoAnUnallocatedBufferWithNoMinimumStillReads) {
  Pair p;
  Buffer buf;  // no storage, as after shrink_if_idle()
  ASSERT_TRUE(write_some(p.b.get(), "data").ok());
  IoResult r = read_into(p.a.get(), buf, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(buf.readable(), "data");
}

TEST(Io, ReadErrorCarriesErrno) {
  Buffer buf;
  IoResult r = read_into(-1, buf);
  EXPECT_EQ(r.status, IoStatus::error);
  EXPECT_EQ(r.error, EBADF);
}

TEST(Io, WriteReportsWouldBlockWhenTheSocketIsFull) {
  Pair p;
  std::string chunk(65536, 'x');
  size_t total = 0;
  IoResult r;
  for (int i = 0; i < 10000; ++i) {
    r = write_some(p.a.get(), chunk);
    if (!r.ok()) break;
    total += r.bytes;
  }
  EXPECT_EQ(r.status, IoStatus::would_block);
  EXPECT_GT(total, 0u);
}

TEST(Io, WritevSendsSpansInOrderAndAdvanceTrimsThem) {
  Pair p;
  std::string h = "HTTP/1.1 200 OK\r\n", b = "\r\n", body = "body";
  iovec parts[3] = {{h.data(), h.size()}, {b.data(), b.size()}, {body.data(), body.size()}};
  IoResult r = writev_some(p.a.get(), parts);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.bytes, h.size() + b.size() + body.size());
  char got[64];
  ssize_t n = read(p.b.get(), got, sizeof got);
  EXPECT_EQ(std::string(got, n), h + b + body);

  // A short write of h.size() + 1 bytes leaves "\n" of the blank line and the body.
  auto rest = advance_iovecs(parts, h.size() + 1);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(std::string(static_cast<char*>(rest[0].iov_base), rest[0].iov_len), "\n");
  EXPECT_EQ(rest[1].iov_len, 4u);
  EXPECT_TRUE(advance_iovecs(rest, 5).empty());
}

TEST(Io, SendfileAdvancesTheOffset) {
  const std::string path = testing::make_temp_dir() + "/f";
  {
    Fd f(open(path.c_str(), O_WRONLY | O_CREAT, 0644));
    ASSERT_EQ(write(f.get(), "0123456789", 10), 10);
  }
  Fd file(open(path.c_str(), O_RDONLY));
  Pair p;
  off_t offset = 3;
  IoResult r = sendfile_some(p.a.get(), file.get(), offset, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.bytes, 4u);
  EXPECT_EQ(offset, 7);
  char got[16];
  ssize_t n = read(p.b.get(), got, sizeof got);
  EXPECT_EQ(std::string(got, n), "3456");
}

TEST(Fd, ClosesOnDestroyAndReleaseGivesUpOwnership) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  { Fd f(fds[0]); }
  EXPECT_EQ(fcntl(fds[0], F_GETFD), -1);  // closed
  Fd w(fds[1]);
  Fd moved = std::move(w);
  EXPECT_FALSE(w.valid());
  int raw = moved.release();
  EXPECT_FALSE(moved.valid());
  EXPECT_NE(fcntl(raw, F_GETFD), -1);  // still open
  close(raw);
}

}  // namespace
}  // namespace wc::core
