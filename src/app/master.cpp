#include "app/master.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "app/log/app_log.h"
#include "app/python/interpreter.h"
#include "core/notify.h"
#include "core/process.h"
#include "core/socket.h"

namespace wc::app {

namespace {

constexpr uint64_t kTickMs = 500;

const char* signal_name(int signo) {
  switch (signo) {
    case SIGHUP:
      return "hup";
    case SIGTERM:
      return "term";
    case SIGINT:
      return "int";
    case SIGQUIT:
      return "quit";
    case SIGTTIN:
      return "ttin";
    case SIGTTOU:
      return "ttou";
    case SIGUSR1:
      return "usr1";
    case SIGUSR2:
      return "usr2";
    case SIGWINCH:
      return "winch";
    default:
      return "signal";
  }
}

std::string bind_text(const BindAddress& b, uint16_t port) {
  if (b.is_unix) return "unix:" + b.path;
  if (b.host.find(':') != std::string::npos)
    return "http://[" + b.host + "]:" + std::to_string(port);
  return "http://" + b.host + ":" + std::to_string(port);
}

}  // namespace

int AppMaster::run(AppOptions options) {
  options_ = std::move(options);
  wanted_ = options_.workers;
  AppLog& log = app_log();
  log.logf(AppLogLevel::info, "Starting webcycle app %s", WEBCYCLE_VERSION);

  auto board = Scoreboard::create();
  if (!board) {
    log.log(AppLogLevel::error, board.error().message);
    return 1;
  }
  board_ = std::move(*board);
  slot_used_.assign(Scoreboard::kMaxSlots, false);

  auto loop = core::EventLoop::create();
  if (!loop) {
    log.log(AppLogLevel::error, loop.error().message);
    return 1;
  }
  loop_ = std::move(*loop);
  // Blocked before any fork: a signal sent while a worker starts is never lost or misrouted.
  auto signals = core::SignalSet::open(
      {SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH},
      [this](int signo) { on_signal(signo); });
  if (!signals) {
    log.log(AppLogLevel::error, signals.error().message);
    return 1;
  }
  signals_ = std::move(*signals);
  if (auto s = signals_->attach(*loop_); !s) {
    log.log(AppLogLevel::error, s.error().message);
    return 1;
  }
  (void)core::ignore_sigpipe();

  if (auto s = bind_sockets(); !s) {
    log.log(AppLogLevel::error, s.error().message);
    cleanup();
    return 1;
  }
  std::string listening;
  for (size_t i = 0; i < sockets_.size(); ++i) {
    if (i != 0) listening += ",";
    const BindAddress& b = options_.binds[i];
    listening +=
        bind_text(b, static_cast<uint16_t>(b.is_unix ? 0 : std::stoi(sockets_[i].server_port)));
  }
  log.logf(AppLogLevel::info, "Listening at: %s (%d)", listening.c_str(),
           static_cast<int>(::getpid()));
  log.log(AppLogLevel::info, "Using worker: sync");

  if (!options_.pidfile.empty()) {
    if (auto s = core::write_pid_file(options_.pidfile); !s) {
      log.log(AppLogLevel::error, s.error().message);
      cleanup();
      return 1;
    }
  }

  if (options_.preload) {
    auto app = import_application(options_, sockets_);
    if (!app) {
      std::fprintf(stderr, "%s\n", app.error().message.c_str());
      halt(kAppLoadError, "App failed to load.");
      cleanup();
      return exit_code_;
    }
    preloaded_ = std::move(*app);
    has_preloaded_ = true;
  }

  tick_.set_callback([this] {
    murder_workers();
    manage_workers();
    loop_->arm(tick_, kTickMs);
  });
  kill_timer_.set_callback([this] { signal_workers(SIGKILL); });
  manage_workers();
  loop_->arm(tick_, kTickMs);
  if (!stopping_) core::notify_ready("serving");
  if (!stopping_) loop_->run();
  cleanup();
  return exit_code_;
}

Status AppMaster::bind_sockets() {
  for (const BindAddress& b : options_.binds) {
    ListenSocket ls;
    if (b.is_unix) {
      auto fd = core::listen_unix(b.path, static_cast<int>(options_.backlog));
      if (!fd) return std::unexpected(fd.error());
      ls.fd = fd->get();
      ls.is_unix = true;
      ls.server_name = b.path;
      unix_paths_.push_back(b.path);
      socket_fds_.push_back(std::move(*fd));
    } else {
      const std::string text = b.host.find(':') != std::string::npos
                                   ? "[" + b.host + "]:" + std::to_string(b.port)
                                   : b.host + ":" + std::to_string(b.port);
      auto addr = core::SocketAddress::parse(text);
      if (!addr) return std::unexpected(addr.error());
      core::ListenOptions lo;
      lo.backlog = static_cast<int>(options_.backlog);
      lo.reuseport = options_.reuse_port;
      auto fd = core::listen_tcp(*addr, lo);
      if (!fd) {
        if (fd.error().code == EADDRINUSE) {
          return fail(EADDRINUSE,
                      "Connection in use: ('" + b.host + "', " + std::to_string(b.port) + ")");
        }
        return std::unexpected(fd.error());
      }
      ls.fd = fd->get();
      auto local = core::local_address(ls.fd);
      ls.server_name = local ? local->ip_string() : b.host;
      ls.server_port = std::to_string(local ? local->port() : b.port);
      socket_fds_.push_back(std::move(*fd));
    }
    sockets_.push_back(std::move(ls));
  }
  return {};
}

Status AppMaster::spawn_worker() {
  size_t slot = 0;
  while (slot < slot_used_.size() && slot_used_[slot]) ++slot;
  if (slot == slot_used_.size()) return fail("no free worker slot (at most 1024 workers)");
  board_.slot(slot).reset();
  // Counts from the fork: importing the application is under --timeout too (gunicorn's).
  board_.slot(slot).heartbeat_ms.store(monotonic_ms(), std::memory_order_relaxed);

  WorkerSetup setup;
  setup.options = &options_;
  setup.sockets = sockets_;
  setup.slot = &board_.slot(slot);
  setup.preloaded = has_preloaded_ ? &preloaded_ : nullptr;
  setup.max_requests = options_.max_requests;
  setup.master = ::getpid();
  if (setup.max_requests != 0 && options_.max_requests_jitter != 0) {
    static std::mt19937 rng(static_cast<unsigned>(::getpid()) ^
                            static_cast<unsigned>(monotonic_ms()));
    setup.max_requests +=
        std::uniform_int_distribution<unsigned>(0, options_.max_requests_jitter)(rng);
  }
  const bool python_here = python::initialized();
  if (python_here) python::before_fork();
  auto pid = core::spawn([this, &setup, python_here]() -> int {
    loop_->abandon_after_fork();
    signals_->close_after_fork();  // signals stay blocked until the worker's own set has them
    if (python_here) python::after_fork_child();
    return AppWorker::run(setup);
  });
  if (python_here) python::after_fork_parent();
  if (!pid) return std::unexpected(pid.error());
  slot_used_[slot] = true;
  Worker w;
  w.slot = slot;
  w.generation = generation_;
  w.started_ms = monotonic_ms();
  workers_.emplace(*pid, w);
  app_log().logf(AppLogLevel::info, "Booting worker with pid: %d", static_cast<int>(*pid));
  return {};
}

void AppMaster::manage_workers() {
  if (stopping_) return;
  size_t live = 0;
  for (const auto& [pid, w] : workers_) {
    if (!w.stop_sent) ++live;
  }
  while (live < wanted_) {
    if (auto s = spawn_worker(); !s) {
      app_log().log(AppLogLevel::error, s.error().message);
      return;
    }
    ++live;
  }
  // Too many (TTOU, or a reload that lowered --workers): the oldest go first, as gunicorn does.
  while (live > wanted_) {
    pid_t oldest = 0;
    uint64_t oldest_ms = UINT64_MAX;
    for (const auto& [pid, w] : workers_) {
      if (!w.stop_sent && w.started_ms < oldest_ms) {
        oldest = pid;
        oldest_ms = w.started_ms;
      }
    }
    if (oldest == 0) break;
    workers_[oldest].stop_sent = true;
    (void)core::send_signal(oldest, SIGTERM);
    --live;
  }
}

void AppMaster::murder_workers() {
  if (options_.timeout == 0) return;
  const uint64_t now = monotonic_ms();
  const uint64_t limit = options_.timeout * 1000ULL;
  for (auto& [pid, w] : workers_) {
    if (w.killed_for_timeout) continue;
    WorkerSlot& slot = board_.slot(w.slot);
    // Stamps newer than `now` (written after it was read) are fresh, never wrapped-around old.
    const uint64_t since = slot.busy_since_ms.load(std::memory_order_relaxed);
    const uint64_t beat = slot.heartbeat_ms.load(std::memory_order_relaxed);
    const bool stuck_in_app = since != 0 && since < now && now - since > limit;
    const bool silent = beat != 0 && beat < now && now - beat > limit;
    if (!stuck_in_app && !silent) continue;
    if (since != 0) {
      app_log().logf(AppLogLevel::critical, "WORKER TIMEOUT (pid:%d) handling \"%s\" for %llu ms",
                     static_cast<int>(pid), slot.request,
                     static_cast<unsigned long long>(since < now ? now - since : 0));
    } else {
      app_log().logf(AppLogLevel::critical,
                     "WORKER TIMEOUT (pid:%d) silent for %llu ms (not in a request)",
                     static_cast<int>(pid), static_cast<unsigned long long>(now - beat));
    }
    w.killed_for_timeout = true;
    w.stop_sent = true;
    ::kill(pid, SIGKILL);
  }
}

void AppMaster::reap() {
  for (const core::ExitedChild& c : core::reap()) {
    auto it = workers_.find(c.pid);
    if (it == workers_.end()) continue;
    const Worker w = it->second;
    workers_.erase(it);
    slot_used_[w.slot] = false;
    if (WIFEXITED(c.status)) {
      const int code = WEXITSTATUS(c.status);
      if (code == kWorkerBootError) {
        halt(kWorkerBootError, "Worker failed to boot.");
        continue;
      }
      if (code == kAppLoadError) {
        halt(kAppLoadError, "App failed to load.");
        continue;
      }
      if (code != 0) {
        app_log().logf(AppLogLevel::error, "Worker (pid:%d) exited with code %d",
                       static_cast<int>(c.pid), code);
      }
    } else if (WIFSIGNALED(c.status)) {
      const int sig = WTERMSIG(c.status);
      app_log().logf(AppLogLevel::warning, "Worker with pid %d was terminated due to signal %d",
                     static_cast<int>(c.pid), sig);
      if (!w.killed_for_timeout && sig != SIGKILL && sig != SIGTERM && sig != SIGQUIT &&
          sig != SIGINT) {
        app_log().logf(AppLogLevel::error, "Worker (pid:%d) was sent %s!", static_cast<int>(c.pid),
                       sigabbrev_np(sig) != nullptr
                           ? (std::string("SIG") + sigabbrev_np(sig)).c_str()
                           : "a signal");
      }
    }
  }
  if (stopping_) {
    if (workers_.empty()) loop_->stop();
    return;
  }
  manage_workers();
}

void AppMaster::on_signal(int signo) {
  if (signo == SIGCHLD) {
    reap();
    return;
  }
  if (signo == SIGWINCH) return;  // not daemonized: nothing to do (gunicorn logs it at debug)
  app_log().logf(AppLogLevel::info, "Handling signal: %s", signal_name(signo));
  switch (signo) {
    case SIGHUP:
      if (!stopping_) core::notify_reloading();
      reload();
      if (!stopping_) core::notify_ready("serving");  // the new settings, or the old ones kept
      break;
    case SIGTERM:
      begin_stop(true);
      break;
    case SIGINT:
    case SIGQUIT:
      begin_stop(false);
      break;
    case SIGTTIN:
      if (wanted_ < Scoreboard::kMaxSlots / 2) ++wanted_;
      manage_workers();
      break;
    case SIGTTOU:
      if (wanted_ > 1) --wanted_;
      manage_workers();
      break;
    case SIGUSR1:
      (void)app_log().reopen();
      signal_workers(SIGUSR1);
      break;
    case SIGUSR2:
      app_log().log(AppLogLevel::warning, "USR2 (re-exec) is not supported; ignored.");
      break;
    default:
      break;
  }
}

void AppMaster::reload() {
  if (stopping_) return;  // workers forked now would never get the stop signal
  app_log().log(AppLogLevel::info, "Hang up: Master");
  auto fresh = loader_();
  if (!fresh) {
    app_log().log(AppLogLevel::error,
                  "Reload failed, keeping the current settings: " + fresh.error().message);
    return;
  }
  // The sockets stay (a reload never drops queued connections); a changed --bind needs a restart.
  std::vector<BindAddress> binds = options_.binds;
  options_ = std::move(*fresh);
  options_.binds = std::move(binds);
  if (auto s = app_log().open(options_.error_logfile, options_.log_level); !s) {
    app_log().log(AppLogLevel::error, s.error().message);
  }
  wanted_ = options_.workers;
  ++generation_;
  // New workers first, then the old ones finish their requests and leave.
  std::vector<pid_t> old;
  for (auto& [pid, w] : workers_) {
    if (!w.stop_sent) old.push_back(pid);
  }
  for (unsigned i = 0; i < wanted_; ++i) {
    if (auto s = spawn_worker(); !s) app_log().log(AppLogLevel::error, s.error().message);
  }
  for (pid_t pid : old) {
    workers_[pid].stop_sent = true;
    (void)core::send_signal(pid, SIGTERM);
  }
}

void AppMaster::begin_stop(bool graceful) {
  if (stopping_ && graceful) return;
  if (!stopping_) core::notify_stopping();
  stopping_ = true;
  signal_workers(graceful ? SIGTERM : SIGQUIT);
  const unsigned grace = options_.graceful_timeout;
  loop_->arm(kill_timer_, graceful ? grace * 1000ULL + 100 : 1000);
  if (workers_.empty()) loop_->stop();
}

void AppMaster::halt(int code, const char* reason) {
  exit_code_ = code;
  app_log().log(AppLogLevel::info, "Shutting down: Master");
  app_log().logf(AppLogLevel::info, "Reason: %s", reason);
  if (!stopping_) {
    core::notify_stopping();
    stopping_ = true;
    signal_workers(SIGTERM);
    if (loop_) loop_->arm(kill_timer_, options_.graceful_timeout * 1000ULL + 100);
  }
  if (workers_.empty() && loop_) loop_->stop();
}

void AppMaster::signal_workers(int signo) {
  for (auto& [pid, w] : workers_) {
    if (signo != SIGUSR1) w.stop_sent = true;
    ::kill(pid, signo);
  }
}

void AppMaster::cleanup() {
  if (exit_code_ == 0) app_log().log(AppLogLevel::info, "Shutting down: Master");
  for (const std::string& p : unix_paths_) ::unlink(p.c_str());
  if (!options_.pidfile.empty()) ::unlink(options_.pidfile.c_str());
}

}  // namespace wc::app
