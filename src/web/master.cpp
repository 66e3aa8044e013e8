#include "web/master.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error_log.h"
#include "core/notify.h"
#include "core/process.h"
#include "core/socket.h"
#include "web/config/server_names.h"
#include "web/error_page.h"
#include "web/worker.h"

namespace wc::web {

namespace {

// How long a fast stop waits before SIGKILL for workers that did not exit.
constexpr uint64_t kKillAfterMs = 5000;

core::LogLevel to_core(config::LogLevel l) {
  return static_cast<core::LogLevel>(static_cast<int>(l) + 1);
}

Status open_error_log(const config::WebConfig& config) {
  if (config.main.error_logs.empty()) return {};
  const config::ErrorLogConf& e = config.main.error_logs.front();
  return core::error_log().open(e.path, to_core(e.level));
}

void say(const char* level, const std::string& message) {
  std::fprintf(stderr, "webcycle: [%s] %s\n", level, message.c_str());
}

config::LoadOptions load_options(const WebOptions& options) {
  config::LoadOptions lo;
  lo.conf_file = options.conf_file;
  lo.prefix = options.prefix;
  lo.g_directives = options.g_directives;
  lo.share_dir = options.share_dir;
  return lo;
}

// Every log file the configuration names must open before workers start (as nginx opens them in
// the master): a worker that cannot open its access log would exit, leaving nobody to serve.
Status check_log_files(const config::WebConfig& config) {
  std::vector<const config::LocationConf*> stack{&config.http.loc};
  for (const auto& server : config.http.servers) stack.push_back(&server->loc);
  auto check = [](const std::string& path) -> Status {
    if (path == "stderr") return {};
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return sys_fail("open() \"" + path + "\"");
    ::close(fd);
    return {};
  };
  while (!stack.empty()) {
    const config::LocationConf* loc = stack.back();
    stack.pop_back();
    for (const auto& child : loc->nested) stack.push_back(child.get());
    for (const config::AccessLogConf& al : loc->access_logs) {
      if (auto st = check(al.path); !st) return st;
    }
    for (const config::ErrorLogConf& el : loc->error_logs) {
      if (auto st = check(el.path); !st) return st;
    }
  }
  return {};
}

std::string socket_key(const config::ListenGroup& g) {
  return g.listen.addr_text + (g.listen.reuseport ? "#reuseport" : "");
}

// nginx's wording for a child's end: "exited with code 1", "exited on signal 9 (core dumped)".
std::string exit_text(int status) {
  if (WIFSIGNALED(status)) {
    return "exited on signal " + std::to_string(WTERMSIG(status)) +
           (WCOREDUMP(status) ? " (core dumped)" : "");
  }
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

const char* signal_name(int signo) {
  switch (signo) {
    case SIGHUP:
      return "SIGHUP";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGCHLD:
      return "SIGCHLD";
    default:
      return "signal";
  }
}

// listen's sndbuf= and rcvbuf= (nginx's), set on the listening socket so that every accepted
// connection inherits them. A bounded send buffer keeps a client that reads slowly under
// send_timeout, instead of letting the kernel park megabytes of the answer for it. A failure is
// logged and ignored, as nginx does.
void set_buffer_sizes(int fd, const config::ListenConf& listen) {
  const struct {
    int option;
    int size;
    const char* name;
  } sizes[] = {{SO_RCVBUF, listen.rcvbuf, "SO_RCVBUF"}, {SO_SNDBUF, listen.sndbuf, "SO_SNDBUF"}};
  for (const auto& s : sizes) {
    if (s.size < 0) continue;
    if (::setsockopt(fd, SOL_SOCKET, s.option, &s.size, sizeof s.size) != 0) {
      const int err = errno;
      core::error_log().logf(core::LogLevel::alert, 0,
                             "setsockopt(%s, %d) %s failed (%d: %s), ignored", s.name, s.size,
                             listen.addr_text.c_str(), err, std::strerror(err));
    }
  }
}

}  // namespace

Master::Master(const WebOptions& options, std::unique_ptr<config::WebConfig> config,
               std::unique_ptr<TlsServers> tls, const tls::TicketKeys& ticket_keys)
    : options_(options), ticket_keys_(ticket_keys) {
  current_.config = std::move(config);
  current_.tls = std::move(tls);
}

Master::~Master() = default;

unsigned Master::worker_count(const config::WebConfig& config) const {
  const int n = config.main.worker_processes;
  return n <= 0 ? core::cpu_count() : static_cast<unsigned>(n);
}

Status Master::open_sockets(const config::WebConfig& config, unsigned workers, SocketMap& sockets) {
  for (const config::ListenGroup& g : config::listen_sockets(config)) {
    if (!g.bind) continue;
    const std::string key = socket_key(g);
    if (sockets.count(key) != 0) continue;
    const unsigned wanted = g.listen.reuseport ? workers : 1;
    std::vector<core::Fd> fds;
    // Keep the sockets we already have (a reload must not drop queued connections).
    if (auto it = sockets_.find(key); it != sockets_.end() && it->second.size() >= wanted) {
      continue;
    }
    core::SocketAddress addr;
    std::memcpy(&addr.storage, &g.listen.addr, sizeof addr.storage);
    addr.length = g.listen.addr_len;
    core::ListenOptions lo;
    lo.backlog = g.listen.backlog;
    lo.reuseport = g.listen.reuseport;
    lo.ipv6only = g.listen.ipv6only;
    lo.defer_accept_s = g.listen.deferred ? 1 : 0;
    for (unsigned i = 0; i < wanted; ++i) {
      auto fd = core::listen_tcp(addr, lo);
      if (!fd) return std::unexpected(fd.error());
      set_buffer_sizes(fd->get(), g.listen);
      fds.push_back(std::move(*fd));
    }
    sockets.emplace(key, std::move(fds));
  }
  return {};
}

Status Master::start_worker(unsigned slot) {
  const config::WebConfig& config = *current_.config;
  const unsigned count = static_cast<unsigned>(current_.slots.size());
  WorkerSetup setup;
  setup.config = &config;
  setup.tls = current_.tls.get();
  setup.index = slot;
  setup.count = count;
  for (const config::ListenGroup& g : config::listen_sockets(config)) {
    if (!g.bind) continue;
    const auto& fds = sockets_.at(socket_key(g));
    setup.sockets.push_back({fds[g.listen.reuseport ? slot % fds.size() : 0].get(), &g});
  }
  core::EventLoop* loop = loop_.get();
  core::SignalSet* signals = signals_.get();
  const pid_t master = ::getpid();
  auto pid = core::spawn([loop, signals, setup, master]() -> int {
    // The child must not touch the master's epoll instance or signalfd registrations. The signal
    // mask stays blocked (the worker's own SignalSet takes the same signals), so nothing is lost
    // between fork and the worker's loop.
    loop->abandon_after_fork();
    ::close(signals->fd());
    // A worker does not outlive its master (nginx's do, holding the ports with no one to reload
    // or stop them): if the master is killed outright, the kernel sends SIGQUIT, the graceful
    // stop, which waits blocked in the mask for the worker's SignalSet. A master gone before
    // this line is caught by the parent check.
    (void)::prctl(PR_SET_PDEATHSIG, SIGQUIT);
    if (::getppid() != master) return 0;
    return Worker::run(setup);
  });
  if (!pid) return std::unexpected(pid.error());
  current_.slots[slot] = Slot{*pid, loop_->now_ms()};
  core::error_log().logf(core::LogLevel::notice, 0, "start worker process %d", int(*pid));
  return {};
}

int Master::run() {
  const config::WebConfig& config = *current_.config;
  if (auto s = core::ignore_sigpipe(); !s) {
    say("emerg", s.error().message);
    return 1;
  }
  if (auto s = open_error_log(config); !s) {
    say("emerg", s.error().message);
    return 1;
  }
  if (auto s = check_log_files(config); !s) {
    say("emerg", s.error().message);
    core::error_log().log(core::LogLevel::emerg, 0, s.error().message);
    return 1;
  }
  auto loop = core::EventLoop::create();
  if (!loop) {
    say("emerg", loop.error().message);
    return 1;
  }
  loop_ = std::move(*loop);

  const unsigned workers = worker_count(config);
  SocketMap fresh;
  if (auto s = open_sockets(config, workers, fresh); !s) {
    say("emerg", s.error().message);
    core::error_log().log(core::LogLevel::emerg, 0, s.error().message);
    return 1;
  }
  for (auto& [key, fds] : fresh) sockets_[key] = std::move(fds);

  pid_path_ = config.main.pid_path;
  if (auto s = core::write_pid_file(pid_path_); !s) {
    say("emerg", s.error().message);
    core::error_log().log(core::LogLevel::emerg, 0, s.error().message);
    return 1;
  }

  auto signals =
      core::SignalSet::open({SIGHUP, SIGUSR1, SIGQUIT, SIGTERM, SIGINT, SIGCHLD, SIGWINCH},
                            [this](int signo) { on_signal(signo); });
  if (!signals) {
    say("emerg", signals.error().message);
    return 1;
  }
  signals_ = std::move(*signals);
  if (auto s = signals_->attach(*loop_); !s) {
    say("emerg", s.error().message);
    return 1;
  }
  kill_timer_.set_callback([this] {
    for (const Slot& s : current_.slots) {
      if (s.pid > 0) ::kill(s.pid, SIGKILL);
    }
    for (pid_t p : retiring_) ::kill(p, SIGKILL);
  });

  core::error_log().logf(core::LogLevel::notice, 0, "webcycle/%s",
                         std::string(server_version()).c_str());
  core::error_log().log(core::LogLevel::notice, 0, "start worker processes");
  current_.slots.assign(workers, Slot{});
  for (unsigned i = 0; i < workers; ++i) {
    if (auto s = start_worker(i); !s) {
      core::error_log().log(core::LogLevel::alert, 0, s.error().message);
    }
  }
  core::notify_ready("serving");
  loop_->run();

  ::unlink(pid_path_.c_str());
  core::error_log().log(core::LogLevel::notice, 0, "exit");
  return 0;
}

void Master::on_signal(int signo) {
  if (signo != SIGCHLD) {
    core::error_log().logf(core::LogLevel::notice, 0, "signal %d (%s) received", signo,
                           signal_name(signo));
  }
  switch (signo) {
    case SIGCHLD:
      reap();
      break;
    case SIGHUP:
      if (!stopping_) {
        core::notify_reloading();
        reload();
        core::notify_ready("serving");  // the new configuration, or the old one kept
      }
      break;
    case SIGUSR1:
      core::error_log().log(core::LogLevel::notice, 0, "reopening logs");
      if (auto s = core::error_log().reopen(); !s) {
        core::error_log().log(core::LogLevel::alert, 0, s.error().message);
      }
      signal_workers(SIGUSR1, false);
      break;
    case SIGQUIT:
    case SIGTERM:
    case SIGINT:
      begin_stop(signo);
      break;
    default:
      break;
  }
}

void Master::reload() {
  core::error_log().log(core::LogLevel::notice, 0, "reconfiguring");
  auto loaded = config::load_config(load_options(options_));
  if (!loaded) {
    core::error_log().log(core::LogLevel::emerg, 0, loaded.error().message);
    core::error_log().log(core::LogLevel::alert, 0,
                          "the configuration was not reloaded: the old one keeps serving");
    return;
  }
  std::unique_ptr<config::WebConfig> next = std::move(*loaded);
  auto next_tls = TlsServers::build(*next, &ticket_keys_);
  if (!next_tls) {
    core::error_log().log(core::LogLevel::emerg, 0, next_tls.error().message);
    core::error_log().log(core::LogLevel::alert, 0,
                          "the configuration was not reloaded: the old one keeps serving");
    return;
  }
  if (auto s = check_log_files(*next); !s) {
    core::error_log().log(core::LogLevel::emerg, 0, s.error().message);
    core::error_log().log(core::LogLevel::alert, 0,
                          "the configuration was not reloaded: the old one keeps serving");
    return;
  }
  const unsigned workers = worker_count(*next);
  SocketMap fresh;
  if (auto s = open_sockets(*next, workers, fresh); !s) {
    core::error_log().log(core::LogLevel::emerg, 0, s.error().message);
    core::error_log().log(core::LogLevel::alert, 0,
                          "the configuration was not reloaded: the old one keeps serving");
    return;
  }
  if (auto s = open_error_log(*next); !s) {
    core::error_log().log(core::LogLevel::alert, 0, s.error().message);
  }
  for (auto& [key, fds] : fresh) sockets_[key] = std::move(fds);

  // Old workers finish what they are doing and exit; new ones start on the new config.
  for (const Slot& s : current_.slots) {
    if (s.pid > 0) retiring_.push_back(s.pid);
  }
  signal_workers(SIGQUIT, true);
  current_.config = std::move(next);
  current_.tls = std::move(*next_tls);
  current_.slots.assign(workers, Slot{});
  core::error_log().log(core::LogLevel::notice, 0, "start worker processes");
  for (unsigned i = 0; i < workers; ++i) {
    if (auto s = start_worker(i); !s) {
      core::error_log().log(core::LogLevel::alert, 0, s.error().message);
    }
  }
  // Close sockets the new configuration no longer listens on (the old workers keep their own
  // copies until they exit).
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    bool used = false;
    for (const config::ListenGroup& g : current_.config->listen_groups) {
      if (g.bind && socket_key(g) == it->first) used = true;
    }
    it = used ? std::next(it) : sockets_.erase(it);
  }
  pid_path_ = current_.config->main.pid_path;
}

void Master::reap() {
  for (const core::ExitedChild& child : core::reap()) {
    bool found = false;
    for (size_t i = 0; i < retiring_.size(); ++i) {
      if (retiring_[i] == child.pid) {
        retiring_.erase(retiring_.begin() + static_cast<std::ptrdiff_t>(i));
        found = true;
        core::error_log().logf(core::LogLevel::notice, 0, "worker process %d %s", int(child.pid),
                               exit_text(child.status).c_str());
        break;
      }
    }
    if (found) continue;
    for (unsigned slot = 0; slot < current_.slots.size(); ++slot) {
      if (current_.slots[slot].pid != child.pid) continue;
      current_.slots[slot].pid = 0;
      const bool clean = core::exited_cleanly(child.status);
      const bool fatal = WIFEXITED(child.status) && WEXITSTATUS(child.status) == 2;
      core::error_log().logf(stopping_ || clean ? core::LogLevel::notice : core::LogLevel::alert, 0,
                             "worker process %d %s", int(child.pid),
                             exit_text(child.status).c_str());
      if (!stopping_ && fatal) {
        core::error_log().logf(core::LogLevel::alert, 0,
                               "worker process %d exited with fatal code 2 and cannot be respawned",
                               int(child.pid));
      }
      if (!stopping_ && !fatal) {
        // A worker that died (crash, kill -9, OOM) is replaced in its slot at once.
        if (auto s = start_worker(slot); !s) {
          core::error_log().log(core::LogLevel::alert, 0, s.error().message);
        }
      }
      break;
    }
  }
  if (stopping_) check_done();
}

void Master::signal_workers(int signo, bool old_only) {
  if (old_only) {
    for (pid_t p : retiring_) ::kill(p, signo);
    return;
  }
  for (const Slot& s : current_.slots) {
    if (s.pid > 0) ::kill(s.pid, signo);
  }
  for (pid_t p : retiring_) ::kill(p, signo);
}

void Master::begin_stop(int signo) {
  const bool graceful = signo == SIGQUIT;
  if (stopping_ && (graceful || stop_signal_ != SIGQUIT)) return;
  stopping_ = true;
  stop_signal_ = signo;
  core::notify_stopping();
  core::error_log().log(core::LogLevel::notice, 0,
                        graceful ? "gracefully shutting down" : "exiting");
  signal_workers(graceful ? SIGQUIT : SIGTERM, false);
  sockets_.clear();  // stop accepting at the master level too
  if (!graceful) loop_->arm(kill_timer_, kKillAfterMs);
  check_done();
}

void Master::check_done() {
  for (const Slot& s : current_.slots) {
    if (s.pid > 0) return;
  }
  if (!retiring_.empty()) return;
  loop_->stop();
}

// ---- the `webcycle web` command ----

namespace {

int send_to_master(const WebOptions& options, const config::WebConfig& config) {
  auto pid = core::read_pid_file(config.main.pid_path);
  if (!pid) {
    say("error", pid.error().message);
    return 1;
  }
  int signo = SIGHUP;
  if (options.signal == "reopen") signo = SIGUSR1;
  if (options.signal == "stop") signo = SIGTERM;
  if (options.signal == "quit") signo = SIGQUIT;
  if (auto s = core::send_signal(*pid, signo); !s) {
    say("alert", s.error().message);
    return 1;
  }
  return 0;
}

}  // namespace

int run_web(const WebOptions& options) {
  auto loaded = config::load_config(load_options(options));
  if (!loaded) {
    say("emerg", loaded.error().message);
    if (options.test_only) {
      std::fprintf(stderr, "webcycle: configuration file %s test failed\n",
                   options.conf_file.c_str());
    }
    return 1;
  }
  std::unique_ptr<config::WebConfig> config = std::move(*loaded);
  for (const std::string& w : config->warnings) say("warn", w);
  // Certificates and keys are loaded here, so -t reports a bad one as nginx -t does.
  auto ticket_keys = tls::TicketKeys::generate();
  auto tls = ticket_keys
                 ? TlsServers::build(*config, &*ticket_keys)
                 : Result<std::unique_ptr<TlsServers>>(std::unexpected(ticket_keys.error()));
  if (!tls) {
    say("emerg", tls.error().message);
    if (options.test_only) {
      std::fprintf(stderr, "webcycle: configuration file %s test failed\n",
                   options.conf_file.c_str());
    }
    return 1;
  }
  if (options.test_only) {
    if (!options.quiet) {
      std::fprintf(stderr, "webcycle: the configuration file %s syntax is ok\n",
                   options.conf_file.c_str());
      std::fprintf(stderr, "webcycle: configuration file %s test is successful\n",
                   options.conf_file.c_str());
    }
    if (options.dump) {
      const std::string dump = config::dump_config(*config);
      std::fwrite(dump.data(), 1, dump.size(), stdout);
    }
    return 0;
  }
  if (!options.signal.empty()) return send_to_master(options, *config);
  Master master(options, std::move(config), std::move(*tls), *ticket_keys);
  return master.run();
}

}  // namespace wc::web
