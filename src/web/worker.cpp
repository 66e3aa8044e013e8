#include "web/worker.h"

#include <signal.h>
#include <sys/epoll.h>

#include <cstring>

#include "core/error_log.h"
#include "core/socket.h"
#include "web/config/server_names.h"
#include "web/connection.h"

namespace wc::web {

namespace {

constexpr int kAcceptBatch = 64;
constexpr uint64_t kAcceptPauseMs = 500;  // after EMFILE/ENFILE, as nginx

}  // namespace

void Listener::on_io(uint32_t) { worker->accept_from(*this); }

Worker::Worker(const WorkerSetup& setup) : config_(setup.config), tls_(setup.tls) {}

int Worker::run(const WorkerSetup& setup) {
  Worker worker(setup);
  if (auto s = worker.init(setup); !s) {
    core::error_log().log(core::LogLevel::emerg, 0, s.error().message);
    return 2;  // fatal: the master does not respawn a worker that cannot start
  }
  worker.loop_->run();
  worker.access_log_.flush();
  return 0;
}

Status Worker::init(const WorkerSetup& setup) {
  auto loop = core::EventLoop::create();
  if (!loop) return std::unexpected(loop.error());
  loop_ = std::move(*loop);

  auto signals = core::SignalSet::open({SIGQUIT, SIGTERM, SIGINT, SIGUSR1, SIGHUP, SIGWINCH},
                                       [this](int signo) { on_signal(signo); });
  if (!signals) return std::unexpected(signals.error());
  signals_ = std::move(*signals);
  if (auto s = signals_->attach(*loop_); !s) return s;

  if (auto s = router_.init(*config_, *loop_); !s) return s;
  upstreams_.init(*config_, *loop_);
  if (auto s = access_log_.init(*config_, router_); !s) return s;

  max_connections_ = static_cast<size_t>(config_->main.worker_connections);
  id_step_ = setup.count == 0 ? 1 : setup.count;
  next_id_ = setup.index + 1;

  for (const WorkerSetup::Socket& s : setup.sockets) {
    auto l = std::make_unique<Listener>();
    l->worker = this;
    l->fd = s.fd;
    l->group = s.group;
    l->port_text = std::to_string(s.group->listen.port);
    for (const config::ListenGroup& other : config_->listen_groups) {
      if (&other != s.group && other.listen.port == s.group->listen.port) l->shares_port = true;
    }
    // Level-triggered with EPOLLEXCLUSIVE: one worker is woken per new connection.
    if (auto st = loop_->add(l->fd, EPOLLIN | EPOLLEXCLUSIVE, l.get()); !st) return st;
    listeners_.push_back(std::move(l));
  }

  accept_resume_.set_callback([this] {
    accepting_paused_ = false;
    for (auto& l : listeners_) {
      if (loop_->add(l->fd, EPOLLIN | EPOLLEXCLUSIVE, l.get())) continue;
    }
  });
  // Access-log lines are written once per batch of events.
  loop_->add_tick_hook([this] { access_log_.flush(); });
  return {};
}

void Worker::accept_from(Listener& listener) {
  for (int i = 0; i < kAcceptBatch && !stopping_; ++i) {
    core::Accepted a = core::accept_connection(listener.fd);
    switch (a.outcome) {
      case core::AcceptOutcome::would_block:
        return;
      case core::AcceptOutcome::transient_error:
        core::error_log().logf(core::LogLevel::error, 0, "accept4() failed (%d: %s)", a.error,
                               std::strerror(a.error));
        if (a.error == EMFILE || a.error == ENFILE) {
          // Out of descriptors: stop accepting for a while instead of spinning on the listener.
          accepting_paused_ = true;
          for (auto& l : listeners_) loop_->remove(l->fd);
          loop_->arm(accept_resume_, kAcceptPauseMs);
          return;
        }
        continue;
      case core::AcceptOutcome::fatal_error:
        core::error_log().logf(core::LogLevel::alert, 0, "accept4() failed (%d: %s)", a.error,
                               std::strerror(a.error));
        return;
      case core::AcceptOutcome::accepted:
        break;
    }
    if (connection_count_ >= max_connections_) {
      core::error_log().logf(core::LogLevel::alert, 0, "%zu worker_connections are not enough",
                             max_connections_);
      continue;  // a.fd closes here
    }
    const config::ListenGroup* group = listener.group;
    if (listener.shares_port) {
      if (auto local = core::local_address(a.fd.get())) {
        group = &config::find_listen_group(*config_, *listener.group, local->sockaddr_ptr());
      }
    }
    (void)core::set_tcp_nodelay(a.fd.get(), true);
    auto* c = new Connection(*this, std::move(a.fd), a.peer, listener, *group, next_id_);
    next_id_ += id_step_;
    c->next = connections_;
    if (connections_ != nullptr) connections_->prev = c;
    connections_ = c;
    ++connection_count_;
    if (auto s = c->start(); !s) {
      core::error_log().log(core::LogLevel::alert, 0, s.error().message);
      close(*c);
    }
  }
}

void Worker::close(Connection& c) {
  loop_->remove(c.fd());
  if (c.prev != nullptr) c.prev->next = c.next;
  if (c.next != nullptr) c.next->prev = c.prev;
  if (connections_ == &c) connections_ = c.next;
  c.prev = c.next = nullptr;
  --connection_count_;
  loop_->defer_delete(std::unique_ptr<Connection>(&c));
  if (stopping_) maybe_exit();
}

void Worker::on_signal(int signo) {
  switch (signo) {
    case SIGQUIT:
      core::error_log().log(core::LogLevel::notice, 0, "gracefully shutting down");
      begin_graceful_stop();
      break;
    case SIGTERM:
    case SIGINT:
      core::error_log().log(core::LogLevel::notice, 0, "exiting");
      loop_->stop();
      break;
    case SIGUSR1:
      core::error_log().log(core::LogLevel::notice, 0, "reopening logs");
      if (auto s = core::error_log().reopen(); !s) {
        core::error_log().log(core::LogLevel::alert, 0, s.error().message);
      }
      router_.reopen_logs();
      access_log_.flush();
      (void)access_log_.reopen();  // failures are logged by the writer set
      break;
    default:
      break;  // HUP and WINCH are the master's business
  }
}

void Worker::begin_graceful_stop() {
  if (stopping_) return;
  // Leaving a reload loses no connection: first the listeners leave this worker's epoll set, so
  // no new arrival wakes it; then what is already queued is accepted and served here. With
  // EPOLLEXCLUSIVE the kernel woke only this worker for those (the new workers were not told),
  // and leaving them queued would let them wait for the next arrival to wake someone.
  for (auto& l : listeners_) {
    if (!accepting_paused_) loop_->remove(l->fd);
  }
  for (auto& l : listeners_) {
    size_t before = 0;
    do {
      before = connection_count_;
      accept_from(*l);
    } while (connection_count_ >=
             before + static_cast<size_t>(kAcceptBatch));  // a full batch: more may wait
  }
  stopping_ = true;
  // The Listener objects stay: every connection accepted from one refers to it ($server_port)
  // until it is answered. (Destroying them here was a use-after-free that aborted the old worker
  // under ASan and reset its in-flight requests during a reload.)
  for (auto& l : listeners_) {
    ::close(l->fd);  // this process's copy; the master and the new workers keep theirs
    l->fd = -1;
  }
  loop_->cancel(accept_resume_);
  for (Connection* c = connections_; c != nullptr;) {
    Connection* next = c->next;
    c->shutdown_when_idle();
    c = next;
  }
  maybe_exit();
}

void Worker::maybe_exit() {
  if (connection_count_ == 0) loop_->stop();
}

}  // namespace wc::web
