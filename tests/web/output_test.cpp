// Output sends memory and file ranges in order, through a real socketpair.
#include "web/output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

namespace wc::web {
namespace {

std::string drain(int fd) {
  std::string got;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

TEST(OutputTest, InterleavesBytesAndFileRangesInOrder) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  char path[] = "/tmp/webcycle-output-XXXXXX";
  const int file = ::mkstemp(path);
  ASSERT_GE(file, 0);
  ::unlink(path);
  ASSERT_EQ(::write(file, "abcdefghij", 10), 10);

  Output out;
  out.bytes() += "head:";
  out.add_file(FileRange{file, 2, 3, nullptr});
  out.bytes() += ":mid:";
  out.add_file(FileRange{file, 0, 2, nullptr});
  out.bytes() += ":end";
  EXPECT_EQ(out.pending(), 5u + 3 + 5 + 2 + 4);
  out.insert_at(0, "100:");
  int err = 0;
  EXPECT_EQ(out.flush(sv[0], err), Output::Flush::kDone);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(drain(sv[1]), "100:head:cde:mid:ab:end");
  ::close(file);
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(OutputTest, BlocksWhenThePeerDoesNotReadAndResumes) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  Output out;
  const std::string big(4 * 1024 * 1024, 'z');
  out.bytes() = big;
  int err = 0;
  EXPECT_EQ(out.flush(sv[0], err), Output::Flush::kBlocked);
  EXPECT_FALSE(out.empty());
  std::string got;
  while (!out.empty()) {
    got += drain(sv[1]);
    const Output::Flush f = out.flush(sv[0], err);
    ASSERT_NE(f, Output::Flush::kError);
  }
  got += drain(sv[1]);
  EXPECT_EQ(got.size(), big.size());
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(OutputTest, ReportsAPeerThatWentAway) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  ::close(sv[1]);
  Output out;
  out.bytes() = "x";
  int err = 0;
  EXPECT_EQ(out.flush(sv[0], err), Output::Flush::kError);
  EXPECT_EQ(err, EPIPE);
  ::close(sv[0]);
}

}  // namespace
}  // namespace wc::web
