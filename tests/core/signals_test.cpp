#include "core/signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "core/process.h"

namespace wc::core {
namespace {

bool is_blocked(int signo) {
  sigset_t current;
  pthread_sigmask(SIG_SETMASK, nullptr, &current);
  return sigismember(&current, signo) == 1;
}

TEST(SignalSet, DeliversSignalsThroughTheLoop) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  std::vector<int> got;
  auto set = SignalSet::open({SIGUSR1, SIGUSR2}, [&](int signo) { got.push_back(signo); });
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_TRUE(is_blocked(SIGUSR1));
  ASSERT_TRUE((*set)->attach(**loop));

  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);  // blocked: would otherwise kill the test
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  for (int i = 0; i < 10 && got.size() < 2; ++i) (*loop)->run_once(1000);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], SIGUSR1);
  EXPECT_EQ(got[1], SIGUSR2);

  (*set)->restore();
  EXPECT_FALSE(is_blocked(SIGUSR1));
  EXPECT_FALSE(is_blocked(SIGUSR2));
}

TEST(SignalSet, ChildAfterRestoreGetsDefaultBehaviour) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  int parent_got = 0;
  auto set = SignalSet::open({SIGUSR1}, [&](int) { ++parent_got; });
  ASSERT_TRUE(set);
  ASSERT_TRUE((*set)->attach(**loop));
  SignalSet* raw = set->get();
  auto child = spawn([raw] {
    raw->restore_after_fork();
    raise(SIGUSR1);  // default action: terminate
    return 0;
  });
  ASSERT_TRUE(child);
  auto status = wait_for(*child);
  ASSERT_TRUE(status);
  EXPECT_EQ(describe_exit(*status), "killed by signal " + std::to_string(SIGUSR1));
  // The child's restore_after_fork did not unregister the parent's signalfd.
  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  for (int i = 0; i < 10 && parent_got == 0; ++i) (*loop)->run_once(1000);
  EXPECT_EQ(parent_got, 1);
  (*set)->restore();
}

TEST(Signals, IgnoreSigpipeTurnsBrokenPipeIntoEpipe) {
  ASSERT_TRUE(ignore_sigpipe());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  EXPECT_EQ(write(fds[1], "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  close(fds[1]);
}

}  // namespace
}  // namespace wc::core
