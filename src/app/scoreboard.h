// Scoreboard: what each worker of `webcycle app` is doing, in memory shared by the master and its
// workers (mmap'd anonymous and shared before the first fork), so the master can tell a worker
// stuck on one request (--timeout) from an idle one without any message passing: the worker
// stamps `busy_since_ms` when it hands a request to Python and clears it when Python returns.
// gunicorn does the same with a temp file's mtime; a shared word costs no system call.
//
// Ownership: the master creates the Scoreboard and assigns a slot to each worker it forks; the
// worker writes only its own slot; the master reads all of them. Fields are atomics (relaxed is
// enough: a stale read only delays a timeout by one check).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace wc::app {

struct WorkerSlot {
  std::atomic<uint64_t> busy_since_ms{0};  // CLOCK_MONOTONIC ms; 0 = not inside the application
  std::atomic<uint64_t> requests{0};       // requests answered by this worker
  // Last sign of life of the worker's loop (CLOCK_MONOTONIC ms): set by the master at fork, then
  // by the worker once per loop pass and at least every second while idle. A worker hung outside
  // the application (importing it, say) goes stale here (gunicorn's heartbeat file).
  std::atomic<uint64_t> heartbeat_ms{0};
  // "GET /path" of the request in progress, for the timeout message (NUL-terminated, cut).
  char request[248] = {};

  // The worker calls these around each call into the application.
  void begin(uint64_t now_ms, std::string_view method, std::string_view target) noexcept;
  void end() noexcept { busy_since_ms.store(0, std::memory_order_relaxed); }
  void reset() noexcept;
};

class Scoreboard {
 public:
  static constexpr size_t kMaxSlots = 1024;  // TTIN beyond this is refused

  // Maps kMaxSlots slots MAP_SHARED|MAP_ANONYMOUS. Errors: mmap's.
  [[nodiscard]] static Result<Scoreboard> create();
  Scoreboard() = default;
  ~Scoreboard();
  Scoreboard(Scoreboard&& other) noexcept;
  Scoreboard& operator=(Scoreboard&& other) noexcept;
  Scoreboard(const Scoreboard&) = delete;
  Scoreboard& operator=(const Scoreboard&) = delete;

  [[nodiscard]] WorkerSlot& slot(size_t index) noexcept { return slots_[index]; }

 private:
  WorkerSlot* slots_ = nullptr;
};

// CLOCK_MONOTONIC in ms (the same scale as EventLoop::now_ms(), shared across processes).
[[nodiscard]] uint64_t monotonic_ms() noexcept;

}  // namespace wc::app
