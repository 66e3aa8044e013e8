#include "core/event_loop.h"

#include <cassert>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

#include "core/error_log.h"

namespace wc::core {

namespace {

constexpr size_t kInitialEvents = 512;
constexpr size_t kMaxEvents = 8192;

uint64_t pack(int fd, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}

}  // namespace

Timer::~Timer() {
  if (loop_ != nullptr) loop_->cancel(*this);
}

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return sys_fail("epoll_create1()");
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->epoll_.reset(fd);
  loop->events_.resize(kInitialEvents);
  loop->update_time();
  return loop;
}

EventLoop::~EventLoop() {
  // Deferred deletions may still unregister fds or cancel timers: run them while the loop is whole.
  posted_.clear();
  running_posted_.clear();
  for (Timer* t : heap_) t->loop_ = nullptr;
  heap_.clear();
}

void EventLoop::update_time() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  now_ms_ = static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec / 1000000);
  wall_clock_.update();
}

Status EventLoop::add(int fd, uint32_t events, IoHandler* handler) {
  assert(handler != nullptr && fd >= 0);
  if (++generation_ == 0) generation_ = 1;  // 0 never names a live registration
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = pack(fd, generation_);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
    return sys_fail("epoll_ctl(EPOLL_CTL_ADD, " + std::to_string(fd) + ")");
  }
  if (static_cast<size_t>(fd) >= registrations_.size()) {
    registrations_.resize(static_cast<size_t>(fd) + 1 > registrations_.size() * 2
                              ? static_cast<size_t>(fd) + 1
                              : registrations_.size() * 2);
  }
  // Overwrites a stale entry left by an fd closed without remove(): the kernel had dropped it.
  registrations_[fd] = {handler, generation_};
  return {};
}

Status EventLoop::modify(int fd, uint32_t events, IoHandler* handler) {
  assert(handler != nullptr && fd >= 0);
  if (static_cast<size_t>(fd) >= registrations_.size() || !registrations_[fd].handler) {
    return fail(ENOENT, "epoll_ctl(EPOLL_CTL_MOD, " + std::to_string(fd) + "): not registered");
  }
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = pack(fd, registrations_[fd].generation);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) < 0) {
    return sys_fail("epoll_ctl(EPOLL_CTL_MOD, " + std::to_string(fd) + ")");
  }
  registrations_[fd].handler = handler;
  return {};
}

Status EventLoop::rebind(int fd, IoHandler* handler) {
  assert(handler != nullptr && fd >= 0);
  if (static_cast<size_t>(fd) >= registrations_.size() || !registrations_[fd].handler) {
    return fail(ENOENT, "rebind(" + std::to_string(fd) + "): not registered");
  }
  registrations_[fd].handler = handler;
  return {};
}

void EventLoop::remove(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= registrations_.size()) return;
  Registration& reg = registrations_[fd];
  if (!reg.handler) return;
  reg = {};
  // EBADF/ENOENT are fine here: the fd may already be closed (the kernel then dropped it).
  if (!abandoned_) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::run() {
  while (!stopping_) run_once(-1);
  stopping_ = false;
}

void EventLoop::run_once(int max_wait_ms) {
  const int timeout = next_timeout(max_wait_ms);
  const bool hooks = wait_before_ != nullptr && timeout != 0;
  if (hooks) wait_before_(wait_ctx_);
  int n = ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()), timeout);
  const int err = errno;
  if (hooks) wait_after_(wait_ctx_);
  update_time();
  if (n < 0) {
    if (err != EINTR) {
      error_log().logf(LogLevel::alert, 0, "epoll_wait() failed (%d: %s)", err, std::strerror(err));
      if (err == EBADF || err == EINVAL) stopping_ = true;  // no usable epoll fd: stop spinning
    }
    n = 0;
  }
  for (int i = 0; i < n; ++i) {
    const uint64_t data = events_[i].data.u64;
    const auto fd = static_cast<uint32_t>(data);
    const auto generation = static_cast<uint32_t>(data >> 32);
    if (fd >= registrations_.size()) continue;
    const Registration& reg = registrations_[fd];
    // A registration removed earlier in this batch (or replaced by a new one on a reused fd
    // number) no longer matches: its stale event is dropped.
    if (reg.handler == nullptr || reg.generation != generation) continue;
    reg.handler->on_io(events_[i].events);
  }
  if (static_cast<size_t>(n) == events_.size() && events_.size() < kMaxEvents) {
    events_.resize(events_.size() * 2);
  }
  run_timers();
  run_posted();
  for (size_t i = 0; i < tick_hooks_.size(); ++i) tick_hooks_[i]();
}

int EventLoop::next_timeout(int max_wait_ms) const {
  if (!posted_.empty()) return 0;
  int timeout = -1;
  if (!heap_.empty()) {
    const uint64_t deadline = heap_[0]->deadline_;
    if (deadline <= now_ms_) return 0;
    const uint64_t wait = deadline - now_ms_;
    timeout = wait > INT_MAX ? INT_MAX : static_cast<int>(wait);
  }
  if (max_wait_ms >= 0 && (timeout < 0 || max_wait_ms < timeout)) timeout = max_wait_ms;
  return timeout;
}

void EventLoop::run_timers() {
  // Timers armed by callbacks during this pass wait for the next iteration, even with delay 0, so
  // a timer that re-arms itself cannot starve I/O.
  const uint64_t last_sequence = timer_sequence_;
  while (!heap_.empty()) {
    Timer* t = heap_[0];
    // A fresh timer's deadline is >= now_ms_, and ties go to the older timer, so once the
    // earliest timer is fresh every remaining due timer is fresh too.
    if (t->deadline_ > now_ms_ || t->sequence_ > last_sequence) break;
    heap_erase(0);
    // The callback may re-arm the timer or destroy its owner: touch nothing of `t` afterwards.
    t->callback_();
  }
}

void EventLoop::run_posted() {
  if (posted_.empty()) return;
  running_posted_.swap(posted_);
  for (auto& fn : running_posted_) fn();
  running_posted_.clear();
}

void EventLoop::add_tick_hook(std::function<void()> hook) {
  tick_hooks_.push_back(std::move(hook));
}

void EventLoop::post(std::move_only_function<void()> fn) { posted_.push_back(std::move(fn)); }

void EventLoop::abandon_after_fork() noexcept {
  abandoned_ = true;
  epoll_.reset();
}

// ---- timers: a 4-ary min-heap ordered by (deadline, arming sequence) ----

namespace {
constexpr size_t kArity = 4;
}

bool EventLoop::timer_less(const Timer* a, const Timer* b) noexcept {
  if (a->deadline_ != b->deadline_) return a->deadline_ < b->deadline_;
  return a->sequence_ < b->sequence_;
}

void EventLoop::arm(Timer& timer, uint64_t delay_ms) {
  assert(timer.callback_);
  if (timer.loop_ != nullptr && timer.loop_ != this) timer.loop_->cancel(timer);
  timer.deadline_ = now_ms_ + delay_ms;
  timer.sequence_ = ++timer_sequence_;
  if (timer.loop_ == this) {
    // Re-arm in place: the deadline can only have moved, so one of the sifts is a no-op.
    sift_up(timer.heap_index_);
    sift_down(timer.heap_index_);
    return;
  }
  timer.loop_ = this;
  timer.heap_index_ = heap_.size();
  heap_.push_back(&timer);
  sift_up(timer.heap_index_);
}

void EventLoop::cancel(Timer& timer) {
  if (timer.loop_ != this) return;
  heap_erase(timer.heap_index_);
}

void EventLoop::heap_swap(size_t a, size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a]->heap_index_ = a;
  heap_[b]->heap_index_ = b;
}

void EventLoop::sift_up(size_t i) {
  while (i > 0) {
    const size_t parent = (i - 1) / kArity;
    if (!timer_less(heap_[i], heap_[parent])) break;
    heap_swap(i, parent);
    i = parent;
  }
}

void EventLoop::sift_down(size_t i) {
  const size_t n = heap_.size();
  for (;;) {
    const size_t first = i * kArity + 1;
    if (first >= n) break;
    size_t best = first;
    const size_t last = first + kArity < n ? first + kArity : n;
    for (size_t c = first + 1; c < last; ++c) {
      if (timer_less(heap_[c], heap_[best])) best = c;
    }
    if (!timer_less(heap_[best], heap_[i])) break;
    heap_swap(i, best);
    i = best;
  }
}

void EventLoop::heap_erase(size_t i) {
  assert(i < heap_.size());
  Timer* removed = heap_[i];
  const size_t last = heap_.size() - 1;
  if (i != last) {
    heap_[i] = heap_[last];
    heap_[i]->heap_index_ = i;
    heap_.pop_back();
    sift_down(i);
    sift_up(i);
  } else {
    heap_.pop_back();
  }
  removed->loop_ = nullptr;
}

}  // namespace wc::core
