// Scoreboard: a slot written by a forked child is seen by the parent (shared, not copied).
#include "app/scoreboard.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace wc::app {
namespace {

TEST(Scoreboard, ChildWritesAreVisibleToTheParent) {
  auto board = Scoreboard::create();
  ASSERT_TRUE(board.has_value());
  WorkerSlot& slot = board->slot(3);
  EXPECT_EQ(slot.busy_since_ms.load(), 0u);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    board->slot(3).begin(12345, "GET", "/slow?x=1");
    board->slot(3).requests.store(7);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(slot.busy_since_ms.load(), 12345u);
  EXPECT_EQ(slot.requests.load(), 7u);
  EXPECT_STREQ(slot.request, "GET /slow?x=1");
  slot.end();
  EXPECT_EQ(slot.busy_since_ms.load(), 0u);
}

TEST(Scoreboard, LongRequestTextIsCutAndTerminated) {
  auto board = Scoreboard::create();
  ASSERT_TRUE(board.has_value());
  const std::string target(1000, 'a');
  board->slot(0).begin(1, "POST", target);
  EXPECT_EQ(std::strlen(board->slot(0).request), sizeof(board->slot(0).request) - 1);
  EXPECT_EQ(std::string_view(board->slot(0).request).substr(0, 5), "POST ");
}

}  // namespace
}  // namespace wc::app
