// Master: the process `webcycle web` starts as. It owns the configuration, the listening
// sockets and the pid file, starts `worker_processes` workers (fork, sharing the sockets),
// restarts a worker that dies, and turns signals into actions:
//   HUP   reload: read the config again; if it is good, open any new sockets, start new workers
//         with it and ask the old ones to finish their requests and exit (QUIT); if it is bad,
//         log why and keep the old config and workers.
//   USR1  reopen the logs (master and workers).
//   QUIT  graceful stop: workers finish in-flight requests, then everything exits.
//   TERM, INT  fast stop (workers still get 5 s before SIGKILL).
// Single-threaded, on its own event loop.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "core/fd.h"
#include "core/signals.h"
#include "tls/context.h"
#include "web/config/web_config.h"
#include "web/options.h"
#include "web/tls_servers.h"

namespace wc::web {

class Master {
 public:
  // `tls` is built from `config` with `ticket_keys` (kept for every reload's contexts).
  Master(const WebOptions& options, std::unique_ptr<config::WebConfig> config,
         std::unique_ptr<TlsServers> tls, const tls::TicketKeys& ticket_keys);
  ~Master();
  // Runs until stopped; returns the exit code.
  [[nodiscard]] int run();

 private:
  struct Slot {
    pid_t pid = 0;
    uint64_t started_ms = 0;
  };
  struct Generation {
    std::unique_ptr<config::WebConfig> config;
    std::unique_ptr<TlsServers> tls;  // config's TLS contexts, made before the workers fork
    std::vector<Slot> slots;          // one per worker
  };
  // Listening sockets by "addr:port"; reuseport groups have one socket per worker slot.
  using SocketMap = std::map<std::string, std::vector<core::Fd>>;

  [[nodiscard]] Status open_sockets(const config::WebConfig& config, unsigned workers,
                                    SocketMap& sockets);
  [[nodiscard]] unsigned worker_count(const config::WebConfig& config) const;
  [[nodiscard]] Status start_worker(unsigned slot);
  void on_signal(int signo);
  void reload();
  void reap();
  void signal_workers(int signo, bool old_only);
  void begin_stop(int signo);
  void check_done();

  WebOptions options_;
  tls::TicketKeys ticket_keys_;  // session ticket keys: one set for the master's whole life
  std::unique_ptr<core::EventLoop> loop_;
  std::unique_ptr<core::SignalSet> signals_;
  Generation current_;
  std::vector<pid_t> retiring_;  // old workers finishing their requests
  SocketMap sockets_;
  bool stopping_ = false;
  int stop_signal_ = 0;
  core::Timer kill_timer_;
  std::string pid_path_;
};

}  // namespace wc::web
