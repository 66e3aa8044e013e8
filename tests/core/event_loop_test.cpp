#include "core/event_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/fd.h"

namespace wc::core {
namespace {

std::unique_ptr<EventLoop> make_loop() {
  auto loop = EventLoop::create();
  EXPECT_TRUE(loop.has_value());
  return std::move(*loop);
}

struct SocketPair {
  Fd a, b;
  SocketPair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    a.reset(fds[0]);
    b.reset(fds[1]);
  }
};

// Records the events it gets and optionally runs an action on each.
struct Recorder : IoHandler {
  std::vector<uint32_t> events;
  std::function<void(uint32_t)> action;
  void on_io(uint32_t ev) override {
    events.push_back(ev);
    if (action) action(ev);
  }
};

TEST(EventLoop, DeliversReadinessEdgeTriggered) {
  auto loop = make_loop();
  SocketPair sp;
  Recorder r;
  ASSERT_TRUE(loop->add(sp.a.get(), EPOLLIN | EPOLLET, &r));
  ASSERT_EQ(write(sp.b.get(), "x", 1), 1);
  loop->run_once(1000);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(r.events[0] & EPOLLIN);
  // Not drained, but edge-triggered: no new event without new data.
  loop->run_once(0);
  EXPECT_EQ(r.events.size(), 1u);
  ASSERT_EQ(write(sp.b.get(), "y", 1), 1);
  loop->run_once(1000);
  EXPECT_EQ(r.events.size(), 2u);
}

TEST(EventLoop, ModifyChangesInterest) {
  auto loop = make_loop();
  SocketPair sp;
  Recorder r;
  ASSERT_TRUE(loop->add(sp.a.get(), EPOLLIN | EPOLLET, &r));
  loop->run_once(0);
  EXPECT_TRUE(r.events.empty());  // nothing to read, and EPOLLOUT not asked for
  ASSERT_TRUE(loop->modify(sp.a.get(), EPOLLIN | EPOLLOUT | EPOLLET, &r));
  loop->run_once(1000);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(r.events[0] & EPOLLOUT);
  EXPECT_FALSE(loop->modify(1000000, EPOLLIN, &r));  // never added
}

TEST(EventLoop, AddTwiceFails) {
  auto loop = make_loop();
  SocketPair sp;
  Recorder r;
  ASSERT_TRUE(loop->add(sp.a.get(), EPOLLIN, &r));
  auto again = loop->add(sp.a.get(), EPOLLIN, &r);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, EEXIST);
}

TEST(EventLoop, RemovedHandlerGetsNoEvents) {
  auto loop = make_loop();
  SocketPair sp;
  Recorder r;
  ASSERT_TRUE(loop->add(sp.a.get(), EPOLLIN | EPOLLET, &r));
  loop->remove(sp.a.get());
  ASSERT_EQ(write(sp.b.get(), "x", 1), 1);
  loop->run_once(50);
  EXPECT_TRUE(r.events.empty());
}

// Two ready handlers: whichever runs first destroys the other, whose already-fetched event must be
// dropped rather than dispatched to freed memory.
TEST(EventLoop, HandlerMayDestroyAnotherDuringTheBatch) {
  auto loop = make_loop();
  SocketPair p1, p2;
  auto h1 = std::make_unique<Recorder>();
  auto h2 = std::make_unique<Recorder>();
  int calls = 0;
  h1->action = [&](uint32_t) {
    ++calls;
    loop->remove(p2.a.get());
    h2.reset();
    loop->remove(p1.a.get());
  };
  h2->action = [&](uint32_t) {
    ++calls;
    loop->remove(p1.a.get());
    h1.reset();
    loop->remove(p2.a.get());
  };
  ASSERT_TRUE(loop->add(p1.a.get(), EPOLLIN | EPOLLET, h1.get()));
  ASSERT_TRUE(loop->add(p2.a.get(), EPOLLIN | EPOLLET, h2.get()));
  ASSERT_EQ(write(p1.b.get(), "x", 1), 1);
  ASSERT_EQ(write(p2.b.get(), "x", 1), 1);
  usleep(1000);
  loop->run_once(1000);
  EXPECT_EQ(calls, 1);
}

// A handler that removes and deletes itself (a connection closing).
struct SelfDeleting final : IoHandler {
  EventLoop* loop;
  int fd;
  int* deleted;
  SelfDeleting(EventLoop* l, int f, int* d) : loop(l), fd(f), deleted(d) {}
  ~SelfDeleting() { ++*deleted; }
  void on_io(uint32_t) override {
    loop->remove(fd);
    delete this;
  }
};

TEST(EventLoop, HandlerMayDeleteItself) {
  auto loop = make_loop();
  SocketPair sp;
  int deleted = 0;
  ASSERT_TRUE(
      loop->add(sp.a.get(), EPOLLIN | EPOLLET, new SelfDeleting(loop.get(), sp.a.get(), &deleted)));
  ASSERT_EQ(write(sp.b.get(), "x", 1), 1);
  loop->run_once(1000);
  EXPECT_EQ(deleted, 1);
  ASSERT_EQ(write(sp.b.get(), "y", 1), 1);
  loop->run_once(20);
  EXPECT_EQ(deleted, 1);
}

// fd reused within the batch: the old registration's pending event must not reach the new handler.
TEST(EventLoop, ReusedFdNumberDoesNotGetStaleEvents) {
  auto loop = make_loop();
  SocketPair p1, p2;
  Recorder old_handler, new_handler, trigger;
  Fd replacement;
  const int target = p2.a.get();
  trigger.action = [&](uint32_t) {
    loop->remove(target);
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    // Closes the old socket and puts a new one under the same number, as close + accept would.
    ASSERT_EQ(dup2(fds[0], target), target);
    close(fds[0]);
    replacement.reset(fds[1]);
    ASSERT_TRUE(loop->add(target, EPOLLIN | EPOLLET, &new_handler));
  };
  ASSERT_TRUE(loop->add(p1.a.get(), EPOLLIN | EPOLLET, &trigger));
  ASSERT_TRUE(loop->add(target, EPOLLIN | EPOLLET, &old_handler));
  ASSERT_EQ(write(p1.b.get(), "x", 1), 1);
  ASSERT_EQ(write(p2.b.get(), "x", 1), 1);
  usleep(1000);
  loop->run_once(1000);
  // Whichever order epoll reported them in, the new handler saw nothing from the old socket.
  EXPECT_TRUE(new_handler.events.empty());
  EXPECT_EQ(trigger.events.size(), 1u);
}

TEST(EventLoop, TimersFireInDeadlineOrder) {
  auto loop = make_loop();
  std::vector<int> fired;
  Timer t30([&] { fired.push_back(30); });
  Timer t10([&] { fired.push_back(10); });
  Timer t20([&] { fired.push_back(20); });
  loop->arm(t30, 30);
  loop->arm(t10, 10);
  loop->arm(t20, 20);
  EXPECT_TRUE(t10.armed());
  EXPECT_EQ(loop->armed_timers(), 3u);
  const uint64_t start = loop->now_ms();
  while (fired.size() < 3) loop->run_once(1000);
  EXPECT_EQ(fired, (std::vector<int>{10, 20, 30}));
  EXPECT_GE(loop->now_ms() - start, 30u);
  EXPECT_FALSE(t10.armed());
  EXPECT_EQ(loop->armed_timers(), 0u);
}

TEST(EventLoop, EqualDeadlinesFireInArmingOrder) {
  auto loop = make_loop();
  std::vector<int> fired;
  std::vector<std::unique_ptr<Timer>> timers;
  for (int i = 0; i < 20; ++i) {
    timers.push_back(std::make_unique<Timer>([&fired, i] { fired.push_back(i); }));
    loop->arm(*timers.back(), 0);
  }
  loop->run_once(0);
  ASSERT_EQ(fired.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(fired[i], i);
}

TEST(EventLoop, RearmMovesTheDeadlineAndCancelStopsIt) {
  auto loop = make_loop();
  int a = 0, b = 0;
  Timer ta([&] { ++a; });
  Timer tb([&] { ++b; });
  loop->arm(ta, 5);
  loop->arm(tb, 5);
  loop->arm(ta, 60000);  // pushed far out (a keep-alive connection re-arming)
  loop->cancel(tb);
  EXPECT_FALSE(tb.armed());
  EXPECT_TRUE(ta.armed());
  usleep(20000);
  loop->run_once(0);
  loop->run_once(10);
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 0);
  loop->arm(ta, 0);  // pulled in
  loop->run_once(100);
  EXPECT_EQ(a, 1);
  loop->cancel(tb);  // cancelling a disarmed timer is a no-op
}

TEST(EventLoop, ManyTimersStayOrderedUnderRandomRearmAndCancel) {
  auto loop = make_loop();
  constexpr int kCount = 500;
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<int> fire_count(kCount, 0);
  std::vector<std::pair<uint64_t, uint64_t>> fired;  // (deadline, now when fired)
  unsigned seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % 1000;
  };
  for (int i = 0; i < kCount; ++i) {
    timers.push_back(std::make_unique<Timer>());
    Timer* t = timers.back().get();
    t->set_callback([&, t, i] {
      ++fire_count[i];
      fired.emplace_back(t->deadline_ms(), loop->now_ms());
    });
    loop->arm(*t, next() % 40);
  }
  for (int i = 0; i < 3000; ++i) {
    Timer& t = *timers[next() % kCount];
    if (next() % 4 == 0) {
      loop->cancel(t);
    } else {
      loop->arm(t, next() % 40);
    }
  }
  std::vector<uint64_t> expected_deadlines;
  for (auto& t : timers) {
    if (t->armed()) expected_deadlines.push_back(t->deadline_ms());
  }
  EXPECT_EQ(loop->armed_timers(), expected_deadlines.size());
  for (int i = 0; i < 1000 && loop->armed_timers() > 0; ++i) loop->run_once(-1);
  EXPECT_EQ(loop->armed_timers(), 0u);
  ASSERT_EQ(fired.size(), expected_deadlines.size());
  std::sort(expected_deadlines.begin(), expected_deadlines.end());
  for (size_t i = 0; i < fired.size(); ++i) {
    EXPECT_EQ(fired[i].first, expected_deadlines[i]) << i;  // earliest deadline first
    EXPECT_GE(fired[i].second, fired[i].first) << i;        // never early
  }
  for (int i = 0; i < kCount; ++i) {
    EXPECT_LE(fire_count[i], 1) << i;
  }
}

TEST(EventLoop, TimerCallbackMayRearmItselfWithoutStarvingTheLoop) {
  auto loop = make_loop();
  int count = 0;
  Timer t;
  t.set_callback([&] {
    ++count;
    loop->arm(t, 0);
  });
  loop->arm(t, 0);
  loop->run_once(0);
  EXPECT_EQ(count, 1);  // the re-armed timer waits for the next iteration
  loop->run_once(0);
  EXPECT_EQ(count, 2);
}

TEST(EventLoop, DestroyingAnArmedTimerDisarmsIt) {
  auto loop = make_loop();
  int fired = 0;
  {
    Timer t([&] { ++fired; });
    loop->arm(t, 0);
    EXPECT_EQ(loop->armed_timers(), 1u);
  }
  EXPECT_EQ(loop->armed_timers(), 0u);
  loop->run_once(0);
  EXPECT_EQ(fired, 0);
}

TEST(EventLoop, TimeoutComesFromTheNearestTimer) {
  auto loop = make_loop();
  bool fired = false;
  Timer t([&] { fired = true; });
  loop->arm(t, 30);
  const uint64_t start = loop->now_ms();
  loop->run_once(-1);  // would block forever without the timer
  EXPECT_TRUE(fired);
  EXPECT_GE(loop->now_ms() - start, 30u);
}

TEST(EventLoop, TickHooksRunAfterEachBatchAfterHandlers) {
  auto loop = make_loop();
  SocketPair sp;
  std::vector<std::string> trace;
  Recorder r;
  r.action = [&](uint32_t) { trace.push_back("io"); };
  loop->add_tick_hook([&] { trace.push_back("tick1"); });
  loop->add_tick_hook([&] { trace.push_back("tick2"); });
  ASSERT_TRUE(loop->add(sp.a.get(), EPOLLIN | EPOLLET, &r));
  ASSERT_EQ(write(sp.b.get(), "x", 1), 1);
  loop->run_once(1000);
  EXPECT_EQ(trace, (std::vector<std::string>{"io", "tick1", "tick2"}));
  loop->run_once(0);
  EXPECT_EQ(trace.size(), 5u);
}

TEST(EventLoop, PostedWorkRunsAfterTheBatchAndDoesNotBlock) {
  auto loop = make_loop();
  std::vector<std::string> trace;
  loop->add_tick_hook([&] { trace.push_back("tick"); });
  loop->post([&] { trace.push_back("posted"); });
  const uint64_t start = loop->now_ms();
  loop->run_once(5000);  // posted work: epoll_wait must not wait
  EXPECT_LT(loop->now_ms() - start, 1000u);
  EXPECT_EQ(trace, (std::vector<std::string>{"posted", "tick"}));
}

TEST(EventLoop, DeferDeleteDestroysAfterTheBatch) {
  auto loop = make_loop();
  struct Flag {
    explicit Flag(bool* d) : destroyed(d) {}
    ~Flag() { *destroyed = true; }
    bool* destroyed;
  };
  bool destroyed = false;
  loop->defer_delete(std::make_unique<Flag>(&destroyed));
  EXPECT_FALSE(destroyed);
  loop->run_once(0);
  EXPECT_TRUE(destroyed);
}

TEST(EventLoop, StopEndsRun) {
  auto loop = make_loop();
  int ticks = 0;
  Timer t([&] {
    ++ticks;
    if (ticks == 3) {
      loop->stop();
    } else {
      loop->arm(t, 1);
    }
  });
  loop->arm(t, 1);
  loop->run();
  EXPECT_EQ(ticks, 3);
  EXPECT_FALSE(loop->stopping());  // reset, so the loop can run again
}

TEST(EventLoop, WallClockIsRefreshedEachIteration) {
  auto loop = make_loop();
  loop->run_once(0);
  EXPECT_LE(std::llabs(static_cast<long long>(loop->wall_clock().unix_seconds() - time(nullptr))),
            1);
  EXPECT_EQ(loop->wall_clock().http_date().size(), 29u);
}

}  // namespace
}  // namespace wc::core
