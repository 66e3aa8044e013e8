// EventLoop: one epoll instance driving one process's I/O, timers and end-of-batch hooks.
//
// Threading: an EventLoop and everything registered on it belong to the thread that calls run();
// no member may be called from another thread. Signals reach the loop through SignalSet.
//
// Iteration: epoll_wait (timeout = nearest timer, 0 if work is posted) -> now_ms() and
// wall_clock() updated -> I/O events dispatched -> expired timers fired (earliest first, ties in
// arming order) -> posted callbacks run -> tick hooks run. Tick hooks are where buffered access-log
// lines and corked writes are flushed: once per batch, not once per request.
//
// Lifetime rules during dispatch:
//  - Every registration is identified by (fd, generation). remove(fd) takes effect at once: events
//    already fetched in this batch for that registration are dropped, even if the fd number is
//    reused by a new add() within the same batch. So a handler may remove itself or any other
//    handler from inside on_io() or a timer callback.
//  - Call remove(fd) BEFORE closing the fd or destroying its handler. The loop never touches a
//    handler after its on_io() returns, so `loop.remove(fd); delete this; return;` is safe, as is
//    destroying another handler after removing it. To destroy an object whose frames are still on
//    the stack (e.g. a connection owned by a list being iterated), hand it to defer_delete() /
//    post(): those run after the batch's events and timers.
//  - ~Timer cancels an armed timer, so an owner may be destroyed with its timer armed, before or
//    after the loop (the loop's destructor disarms every timer).
#pragma once

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/fd.h"
#include "core/result.h"

namespace wc::core {

class EventLoop;

// Implemented by whatever owns a registered fd (listener, connection, signal set, ...).
class IoHandler {
 public:
  // `events` is the epoll event mask (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR).
  virtual void on_io(uint32_t events) = 0;

 protected:
  ~IoHandler() = default;
};

// Intrusive one-shot timer: the owner embeds it, sets the callback once, then arms, re-arms and
// cancels it as often as it likes. Arming, re-arming and cancelling allocate nothing (amortised:
// the loop's heap vector grows to the peak number of armed timers and stays there). Not copyable or
// movable (the loop holds its address while armed). The callback runs on the loop's thread after
// the timer has been disarmed, so it may re-arm it, cancel others, or destroy the timer's owner.
class Timer {
 public:
  using Callback = std::function<void()>;

  Timer() = default;
  explicit Timer(Callback callback) : callback_(std::move(callback)) {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer();

  void set_callback(Callback callback) { callback_ = std::move(callback); }
  [[nodiscard]] bool armed() const noexcept { return loop_ != nullptr; }
  // Monotonic deadline in ms (EventLoop::now_ms() scale); meaningful only while armed().
  [[nodiscard]] uint64_t deadline_ms() const noexcept { return deadline_; }

 private:
  friend class EventLoop;
  Callback callback_;
  EventLoop* loop_ = nullptr;  // set while armed
  uint64_t deadline_ = 0;
  uint64_t sequence_ = 0;  // arming order, breaks deadline ties
  size_t heap_index_ = 0;
};

class EventLoop {
 public:
  // Creates the epoll instance (EPOLL_CLOEXEC). Errors: epoll_create1's.
  [[nodiscard]] static Result<std::unique_ptr<EventLoop>> create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Registers `fd` for `events` (pass EPOLLET for edge-triggered; nothing is implied). The handler
  // is borrowed and must outlive the registration. Errors: epoll_ctl's (EEXIST if already added).
  [[nodiscard]] Status add(int fd, uint32_t events, IoHandler* handler);
  // Changes the event mask and/or handler of a registered fd. Errors: epoll_ctl's (ENOENT).
  [[nodiscard]] Status modify(int fd, uint32_t events, IoHandler* handler);
  // Hands a registered fd to another handler, keeping its event mask: no system call (a pooled
  // connection passed between its pool and its users). Events already fetched in this batch go
  // to the new handler. Errors: ENOENT when `fd` is not registered.
  [[nodiscard]] Status rebind(int fd, IoHandler* handler);
  // Unregisters `fd` (no-op if not registered). Drops its not-yet-dispatched events.
  void remove(int fd);

  // Runs iterations until stop() is called (from a handler, timer, hook or signal callback).
  void run();
  // One iteration; waits at most `max_wait_ms` (-1 = until an event or the nearest timer).
  void run_once(int max_wait_ms = -1);
  // Makes run() return after the current iteration.
  void stop() noexcept { stopping_ = true; }
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }

  // CLOCK_MONOTONIC in ms, read once per iteration (after epoll_wait returns).
  [[nodiscard]] uint64_t now_ms() const noexcept { return now_ms_; }
  // Re-reads the monotonic clock (and the wall clock); the loop does this itself each iteration.
  void update_time();
  // Cached wall-clock strings for logs and Date headers, refreshed each iteration.
  [[nodiscard]] const WallClock& wall_clock() const noexcept { return wall_clock_; }

  // Arms (or re-arms) `timer` to fire `delay_ms` after now_ms(). The timer must have a callback.
  void arm(Timer& timer, uint64_t delay_ms);
  // Disarms `timer`; no-op if it is not armed.
  void cancel(Timer& timer);
  [[nodiscard]] size_t armed_timers() const noexcept { return heap_.size(); }

  // Runs `hook` once after every batch (every iteration), in registration order, for the loop's
  // lifetime.
  void add_tick_hook(std::function<void()> hook);
  // Runs `fn` once after the current batch's events and timers (before tick hooks); the next
  // epoll_wait does not block while posted work is pending. Callable from any loop callback.
  void post(std::move_only_function<void()> fn);
  // Destroys `object` after the current batch (see the lifetime rules above).
  template <class T>
  void defer_delete(std::unique_ptr<T> object) {
    post([p = std::move(object)]() mutable { p.reset(); });
  }

  // Calls `before(ctx)` just before each blocking epoll_wait and `after(ctx)` just after it (not
  // around a zero-timeout poll). The app worker releases and re-takes Python's GIL here, so the
  // application's own threads run while the loop sleeps. Plain function pointers: no allocation,
  // nothing to call when unset.
  void set_wait_hooks(void (*before)(void*), void (*after)(void*), void* ctx) noexcept {
    wait_before_ = before;
    wait_after_ = after;
    wait_ctx_ = ctx;
  }

  // In a forked child that inherited this loop: closes the epoll fd without touching the shared
  // epoll instance (EPOLL_CTL_DEL from the child would remove the parent's registrations); later
  // add/modify fail and remove() is a no-op. The child builds its own EventLoop.
  void abandon_after_fork() noexcept;

  [[nodiscard]] int epoll_fd() const noexcept { return epoll_.get(); }

 private:
  EventLoop() = default;
  struct Registration {
    IoHandler* handler = nullptr;
    uint32_t generation = 0;
  };
  int next_timeout(int max_wait_ms) const;
  void run_timers();
  void run_posted();
  static bool timer_less(const Timer* a, const Timer* b) noexcept;
  void heap_swap(size_t a, size_t b);
  void sift_up(size_t i);
  void sift_down(size_t i);
  void heap_erase(size_t i);

  Fd epoll_;
  void (*wait_before_)(void*) = nullptr;
  void (*wait_after_)(void*) = nullptr;
  void* wait_ctx_ = nullptr;
  bool stopping_ = false;
  bool abandoned_ = false;
  uint64_t now_ms_ = 0;
  uint64_t timer_sequence_ = 0;
  uint32_t generation_ = 0;
  WallClock wall_clock_;
  std::vector<Registration> registrations_;  // indexed by fd
  std::vector<Timer*> heap_;                 // 4-ary min-heap on (deadline, sequence)
  std::vector<epoll_event> events_;
  std::vector<std::function<void()>> tick_hooks_;
  std::vector<std::move_only_function<void()>> posted_;
  std::vector<std::move_only_function<void()>> running_posted_;
};

}  // namespace wc::core
