#include "app/scoreboard.h"

#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace wc::app {

void WorkerSlot::begin(uint64_t now_ms, std::string_view method, std::string_view target) noexcept {
  // Written before busy_since_ms is set, read by the master only after it saw it set: at worst the
  // master logs a request text being overwritten by the next request, never out of bounds.
  const size_t m = std::min(method.size(), sizeof request - 2);
  std::memcpy(request, method.data(), m);
  request[m] = ' ';
  const size_t t = std::min(target.size(), sizeof request - m - 2);
  std::memcpy(request + m + 1, target.data(), t);
  request[m + 1 + t] = '\0';
  busy_since_ms.store(now_ms == 0 ? 1 : now_ms, std::memory_order_relaxed);
  // Starting a request is a sign of life too: a loop pass that serves many requests (hundreds of
  // slow readers' answers) may outlast --timeout without being stuck, and its tick heartbeat
  // carries the pass's start time.
  heartbeat_ms.store(now_ms, std::memory_order_relaxed);
}

void WorkerSlot::reset() noexcept {
  busy_since_ms.store(0, std::memory_order_relaxed);
  requests.store(0, std::memory_order_relaxed);
  heartbeat_ms.store(0, std::memory_order_relaxed);
  request[0] = '\0';
}

Result<Scoreboard> Scoreboard::create() {
  void* p = ::mmap(nullptr, sizeof(WorkerSlot) * kMaxSlots, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return sys_fail("mmap() of the worker scoreboard");
  Scoreboard board;
  board.slots_ = static_cast<WorkerSlot*>(p);
  for (size_t i = 0; i < kMaxSlots; ++i) new (&board.slots_[i]) WorkerSlot();
  return board;
}

Scoreboard::~Scoreboard() {
  if (slots_ != nullptr) ::munmap(slots_, sizeof(WorkerSlot) * kMaxSlots);
}

Scoreboard::Scoreboard(Scoreboard&& other) noexcept
    : slots_(std::exchange(other.slots_, nullptr)) {}

Scoreboard& Scoreboard::operator=(Scoreboard&& other) noexcept {
  if (this != &other) {
    if (slots_ != nullptr) ::munmap(slots_, sizeof(WorkerSlot) * kMaxSlots);
    slots_ = std::exchange(other.slots_, nullptr);
  }
  return *this;
}

uint64_t monotonic_ms() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

}  // namespace wc::app
