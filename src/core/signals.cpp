#include "core/signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "core/error_log.h"

namespace wc::core {

Result<std::unique_ptr<SignalSet>> SignalSet::open(std::initializer_list<int> signals,
                                                   Callback callback) {
  std::unique_ptr<SignalSet> set(new SignalSet());
  sigemptyset(&set->mask_);
  for (int signo : signals) {
    if (sigaddset(&set->mask_, signo) < 0)
      return sys_fail("sigaddset(" + std::to_string(signo) + ")");
  }
  // Block first: a signal arriving between here and the first read stays pending for the fd.
  if (int err = pthread_sigmask(SIG_BLOCK, &set->mask_, nullptr); err != 0) {
    return sys_fail("sigprocmask()", err);
  }
  int fd = ::signalfd(-1, &set->mask_, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return sys_fail("signalfd()");
  set->fd_.reset(fd);
  set->callback_ = std::move(callback);
  return set;
}

SignalSet::~SignalSet() {
  if (loop_ != nullptr && fd_.valid()) loop_->remove(fd_.get());
}

Status SignalSet::attach(EventLoop& loop) {
  if (auto s = loop.add(fd_.get(), EPOLLIN | EPOLLET, this); !s) return s;
  loop_ = &loop;
  return {};
}

void SignalSet::on_io(uint32_t) {
  signalfd_siginfo info[8];
  for (;;) {
    ssize_t n = ::read(fd_.get(), info, sizeof info);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        error_log().logf(LogLevel::alert, 0, "read() on signalfd failed (%d: %s)", errno,
                         std::strerror(errno));
      }
      return;
    }
    if (n == 0) return;
    const size_t count = static_cast<size_t>(n) / sizeof info[0];
    for (size_t i = 0; i < count; ++i) {
      if (callback_) callback_(static_cast<int>(info[i].ssi_signo));
    }
    if (!fd_.valid()) return;  // a callback ran restore_after_fork() or similar
  }
}

void SignalSet::restore() noexcept {
  for (int signo = 1; signo < NSIG; ++signo) {
    if (sigismember(&mask_, signo) == 1) ::signal(signo, SIG_DFL);
  }
  pthread_sigmask(SIG_UNBLOCK, &mask_, nullptr);
}

void SignalSet::close_after_fork() noexcept {
  loop_ = nullptr;
  fd_.reset();
}

void SignalSet::restore_after_fork() noexcept {
  loop_ = nullptr;  // never EPOLL_CTL_DEL on the parent's epoll instance
  fd_.reset();
  restore();
}

void unblock_all_signals() noexcept {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_UNBLOCK, &all, nullptr);
}

Status ignore_sigpipe() {
  struct sigaction sa {};
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGPIPE, &sa, nullptr) < 0) return sys_fail("sigaction(SIGPIPE)");
  return {};
}

}  // namespace wc::core
