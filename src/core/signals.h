// SignalSet: turns process signals into loop events through signalfd(2), so signal handling is
// ordinary code on the loop's thread (no async-signal-safety concerns).
//
// open() blocks the listed signals in the calling thread (call it before starting other threads
// and before fork, so children inherit the mask and nothing is lost between fork and their own
// SignalSet). A forked child must call restore_after_fork() (or unblock_all_signals()) before
// exec or before it relies on default signal behaviour.
#pragma once

#include <signal.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>

#include "core/event_loop.h"
#include "core/fd.h"
#include "core/result.h"

namespace wc::core {

class SignalSet final : public IoHandler {
 public:
  using Callback = std::function<void(int signo)>;

  // Blocks `signals` and creates the signalfd (non-blocking, cloexec). The callback runs on the
  // loop's thread once per delivered signal (standard signals coalesce while pending, as usual).
  // Errors: sigprocmask's / signalfd's.
  [[nodiscard]] static Result<std::unique_ptr<SignalSet>> open(std::initializer_list<int> signals,
                                                               Callback callback);
  // Unregisters from the loop and closes the fd. The signals stay blocked (a signal arriving now
  // stays pending rather than killing the process); call restore() to unblock them.
  ~SignalSet();

  // Registers on `loop` (edge-triggered). Destroy the SignalSet before the loop: its destructor
  // unregisters from it.
  [[nodiscard]] Status attach(EventLoop& loop);
  // Reads and dispatches every pending signal; called by the loop, callable by hand.
  void on_io(uint32_t events) override;

  // Unblocks this set's signals and restores their default dispositions (this process only).
  void restore() noexcept;
  // In a forked child: closes the inherited signalfd WITHOUT touching the parent's epoll
  // registration, then restore(). Afterwards the object is inert and may be destroyed.
  void restore_after_fork() noexcept;
  // In a forked child that sets up its own SignalSet for (some of) the same signals: closes the
  // inherited signalfd without touching the parent's epoll registration and KEEPS the signals
  // blocked, so one sent between fork and the child's own set stays pending instead of killing it.
  void close_after_fork() noexcept;

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

 private:
  SignalSet() = default;
  Fd fd_;
  sigset_t mask_{};
  Callback callback_;
  EventLoop* loop_ = nullptr;
};

// Unblocks every signal in the calling thread (for a freshly forked child before exec).
void unblock_all_signals() noexcept;
// SIGPIPE -> SIG_IGN, so writes to a closed socket fail with EPIPE instead of killing the process.
[[nodiscard]] Status ignore_sigpipe();

}  // namespace wc::core
