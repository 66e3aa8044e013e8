#include "app/worker.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app/connection.h"
#include "app/log/app_log.h"
#include "app/python/interpreter.h"
#include "core/socket.h"

namespace wc::app {

namespace {

constexpr int kAcceptBatch = 64;
// Caps for gunicorn's "0 = unlimited" request limits: a head still has to fit in memory.
constexpr size_t kUnlimitedLine = 64 * 1024;
constexpr size_t kMaxHead = 1024 * 1024;

// QUIT/INT: gunicorn's quick stop ends a worker even in the middle of the application, so these
// two are not routed through the loop's signalfd (the loop is not running while Python is).
void quick_exit(int) { ::_exit(0); }

http::Limits limits_for(const AppOptions& o) {
  http::Limits l;
  // gunicorn counts the request line and each header line without their CRLF; ours include it.
  l.max_request_line = o.limit_request_line == 0 ? kUnlimitedLine : o.limit_request_line + 2;
  l.max_header_line =
      o.limit_request_field_size == 0 ? kUnlimitedLine : o.limit_request_field_size + 2;
  l.max_headers = o.limit_request_fields == 0 ? 32768 : o.limit_request_fields;
  l.max_head = std::min(kMaxHead, l.max_request_line + l.max_headers * l.max_header_line + 2);
  l.require_host = false;           // gunicorn serves HTTP/1.1 without Host
  l.underscores_in_headers = true;  // SCRIPT_NAME is a header; map_request drops the others
  return l;
}

}  // namespace

void AppListener::on_io(uint32_t) { worker->accept_from(*this); }

int AppWorker::run(const WorkerSetup& setup) {
  AppWorker worker;
  if (auto s = worker.init(setup); !s) {
    app_log().log(AppLogLevel::error, "Exception in worker process: " + s.error().message);
    return kWorkerBootError;
  }
  if (int code = worker.load_application(setup); code != 0) {
    app_log().logf(AppLogLevel::info, "Worker exiting (pid: %d)", static_cast<int>(::getpid()));
    return code;
  }
  // The application's threads (if it starts any) run while the loop sleeps.
  worker.loop_->set_wait_hooks(python::release_gil_while_idle, python::take_gil_after_idle,
                               nullptr);
  worker.loop_->run();
  worker.access_writer_.flush();
  app_log().logf(AppLogLevel::info, "Worker exiting (pid: %d)", static_cast<int>(::getpid()));
  return 0;
}

Result<python::Application> import_application(const AppOptions& options,
                                               const std::vector<ListenSocket>& sockets) {
  python::InterpreterSettings settings;
  settings.path_prepend.push_back(options.chdir);
  for (const std::string& p : options.pythonpath) settings.path_prepend.push_back(p);
  if (auto s = python::initialize(settings); !s) return std::unexpected(s.error());
  python::ServerInfo info;
  if (!sockets.empty()) {
    info.server_name = sockets.front().server_name;
    info.server_port = sockets.front().server_port;
  }
  info.multiprocess = options.workers > 1;
  return python::Application::load(options.app_spec, info, options.env);
}

int AppWorker::load_application(const WorkerSetup& setup) {
  if (setup.preloaded != nullptr) {
    app_ = setup.preloaded;
    return 0;
  }
  auto app = import_application(*options_, sockets_);
  if (!app) {
    // gunicorn prints the reason (and the traceback) on stderr, not only in the log.
    std::fprintf(stderr, "%s\n", app.error().message.c_str());
    std::fflush(stderr);
    return kAppLoadError;
  }
  own_app_ = std::move(*app);
  app_ = &own_app_;
  return 0;
}

Status AppWorker::init(const WorkerSetup& setup) {
  options_ = setup.options;
  pid_ = static_cast<int>(::getpid());
  slot_ = setup.slot;
  sockets_ = setup.sockets;
  max_requests_ = setup.max_requests;
  limits_ = limits_for(*options_);
  io_timeout_ms_ = options_->timeout == 0 ? 30000 : options_->timeout * 1000ULL;
  trusted_ = TrustedProxies::from(options_->forwarded_allow_ips);
  for (const auto& [k, v] : options_->env) {
    if (k == "SCRIPT_NAME") env_script_name_ = v;
  }
  if (env_script_name_.empty()) {
    if (const char* s = std::getenv("SCRIPT_NAME")) env_script_name_ = s;
  }

  // A worker never outlives its master (gunicorn's workers check their parent too): if the master
  // is killed outright, the kernel sends this worker SIGQUIT, its quick stop.
  ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
  if (setup.master != 0 && ::getppid() != setup.master) {
    return fail("the master exited before the worker started");
  }
  // The master's signals are still blocked here (inherited): TERM, USR1 & co. sent since the
  // fork wait in the SignalSet below. Only the quick-stop pair runs as a plain handler.
  struct sigaction sa {};
  sa.sa_handler = quick_exit;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGQUIT, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, SIGQUIT);
  sigaddset(&unblock, SIGINT);
  sigaddset(&unblock, SIGCHLD);  // the application's own subprocesses
  ::pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);

  auto loop = core::EventLoop::create();
  if (!loop) return std::unexpected(loop.error());
  loop_ = std::move(*loop);
  auto signals =
      core::SignalSet::open({SIGTERM, SIGUSR1, SIGHUP, SIGTTIN, SIGTTOU, SIGWINCH, SIGUSR2},
                            [this](int signo) { on_signal(signo); });
  if (!signals) return std::unexpected(signals.error());
  signals_ = std::move(*signals);
  if (auto s = signals_->attach(*loop_); !s) return s;

  if (!options_->access_logfile.empty()) {
    auto fmt = AccessFormat::compile(options_->access_log_format);
    if (!fmt) return std::unexpected(fmt.error());
    access_format_ = std::make_unique<AccessFormat>(std::move(*fmt));
    Status st = options_->access_logfile == "-" ? access_writer_.open_fd(STDOUT_FILENO)
                                                : access_writer_.open(options_->access_logfile);
    if (!st) return st;
    loop_->add_tick_hook([this] { access_writer_.flush(); });
  }

  for (const ListenSocket& s : sockets_) {
    auto l = std::make_unique<AppListener>();
    l->worker = this;
    l->socket = &s;
    // Level-triggered with EPOLLEXCLUSIVE: one worker is woken per new connection.
    if (auto st = loop_->add(s.fd, EPOLLIN | EPOLLEXCLUSIVE, l.get()); !st) return st;
    listeners_.push_back(std::move(l));
  }
  graceful_deadline_.set_callback([this] { loop_->stop(); });
  // Heartbeat: once per loop pass, and a pass at least every second while idle.
  slot_->heartbeat_ms.store(monotonic_ms(), std::memory_order_relaxed);
  loop_->add_tick_hook(
      [this] { slot_->heartbeat_ms.store(loop_->now_ms(), std::memory_order_relaxed); });
  heartbeat_.set_callback([this] { loop_->arm(heartbeat_, 1000); });
  loop_->arm(heartbeat_, 1000);
  accept_resume_.set_callback([this] {
    accept_paused_ = false;
    if (stopping_) return;
    for (auto& l : listeners_) (void)loop_->add(l->socket->fd, EPOLLIN | EPOLLEXCLUSIVE, l.get());
  });
  return {};
}

void AppWorker::write_access_line(std::string_view line) { access_writer_.append(line); }

void AppWorker::accept_from(AppListener& listener) {
  for (int i = 0; i < kAcceptBatch && !stopping_; ++i) {
    core::Accepted a = core::accept_connection(listener.socket->fd);
    if (a.outcome == core::AcceptOutcome::would_block) return;
    if (a.outcome != core::AcceptOutcome::accepted) {
      if (a.error == ECONNABORTED) continue;  // the client gave up first: take the next one
      app_log().logf(AppLogLevel::error, "accept4() failed (%d: %s)", a.error,
                     std::strerror(a.error));
      if (a.error == EMFILE || a.error == ENFILE) {
        // Out of descriptors: a level-triggered listener would fire again at once. Stop
        // accepting for a while instead of spinning (and flooding the log).
        accept_paused_ = true;
        for (auto& l : listeners_) loop_->remove(l->socket->fd);
        loop_->arm(accept_resume_, 100);
      }
      return;
    }
    char addr[64];
    size_t len = 0;
    if (!listener.socket->is_unix) {
      len = a.peer.format_ip(addr, sizeof addr);
      (void)core::set_tcp_nodelay(a.fd.get(), true);
    }
    auto* c = new AppConnection(*this, std::move(a.fd), *listener.socket, {addr, len},
                                listener.socket->is_unix ? 0 : a.peer.port());
    c->next = connections_;
    if (connections_ != nullptr) connections_->prev = c;
    connections_ = c;
    ++connection_count_;
    if (auto s = c->start(); !s) {
      app_log().log(AppLogLevel::error, s.error().message);
      close(*c);
    }
  }
}

void AppWorker::close(AppConnection& c) {
  if (c.prev != nullptr)
    c.prev->next = c.next;
  else
    connections_ = c.next;
  if (c.next != nullptr) c.next->prev = c.prev;
  c.prev = c.next = nullptr;
  --connection_count_;
  loop_->defer_delete(std::unique_ptr<AppConnection>(&c));
  maybe_exit();
}

void AppWorker::response_done() {
  slot_->requests.fetch_add(1, std::memory_order_relaxed);
  ++answered_;
  if (max_requests_ != 0 && answered_ >= max_requests_ && !stopping_) {
    app_log().log(AppLogLevel::info, "Autorestarting worker after current request.");
    begin_graceful_stop();
  }
}

void AppWorker::on_signal(int signo) {
  switch (signo) {
    case SIGTERM:
      begin_graceful_stop();
      break;
    case SIGUSR1:
      (void)app_log().reopen();
      if (auto s = access_writer_.reopen(); !s)
        app_log().log(AppLogLevel::error, s.error().message);
      break;
    default:
      break;  // HUP, TTIN, TTOU, WINCH, USR2 are the master's
  }
}

void AppWorker::begin_graceful_stop() {
  if (stopping_) return;
  stopping_ = true;
  for (auto& l : listeners_) loop_->remove(l->socket->fd);
  const unsigned grace = options_->graceful_timeout;
  loop_->arm(graceful_deadline_, grace == 0 ? 1 : grace * 1000ULL);
  // shutdown_when_idle() may close (and unlink) the connection: walk a copy of the links.
  for (AppConnection* c = connections_; c != nullptr;) {
    AppConnection* next = c->next;
    c->shutdown_when_idle();
    c = next;
  }
  maybe_exit();
}

void AppWorker::maybe_exit() {
  if (stopping_ && connection_count_ == 0) loop_->stop();
}

}  // namespace wc::app
