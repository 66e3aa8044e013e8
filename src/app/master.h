// AppMaster: the arbiter of `webcycle app` (gunicorn's Arbiter). It binds the sockets, writes the
// pid file, pre-forks --workers workers (importing the application first with --preload), and
// keeps that many alive: a worker that dies is replaced, a worker stuck inside the application
// longer than --timeout on one request is killed (SIGKILL; the log names its pid and request) and
// replaced, and a worker that stops after --max-requests is replaced.
//
// Signals, gunicorn's meanings: HUP reload (re-read the settings, start new workers, stop the old
// ones gracefully), TERM graceful stop (workers finish their requests within --graceful-timeout,
// then are killed), INT/QUIT quick stop, TTIN/TTOU one worker more/less, USR1 reopen the logs
// (forwarded to the workers), CHLD reap, WINCH ignored.
//
// Exit codes: 0 after a stop; 1 when the sockets cannot be bound; 3 ("Worker failed to boot.")
// and 4 ("App failed to load.") when a worker reports that it could not start the application.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/options/app_options.h"
#include "app/python/application.h"
#include "app/scoreboard.h"
#include "app/worker.h"
#include "core/event_loop.h"
#include "core/fd.h"
#include "core/signals.h"

namespace wc::app {

// Produces the settings (command line + config file); called at start and on every HUP.
using OptionsLoader = std::function<Result<AppOptions>()>;

class AppMaster {
 public:
  explicit AppMaster(OptionsLoader loader) : loader_(std::move(loader)) {}
  // Runs until stopped; returns the process exit code.
  int run(AppOptions options);

 private:
  struct Worker {
    size_t slot = 0;
    uint64_t generation = 0;  // options generation (reload) the worker was started with
    uint64_t started_ms = 0;
    bool stop_sent = false;
    bool killed_for_timeout = false;
  };

  [[nodiscard]] Status bind_sockets();
  [[nodiscard]] Status spawn_worker();
  void manage_workers();
  void reap();
  void murder_workers();
  void on_signal(int signo);
  void reload();
  void begin_stop(bool graceful);
  void halt(int code, const char* reason);
  void signal_workers(int signo);
  void cleanup();

  OptionsLoader loader_;
  AppOptions options_;
  std::unique_ptr<core::EventLoop> loop_;
  std::unique_ptr<core::SignalSet> signals_;
  std::vector<core::Fd> socket_fds_;
  std::vector<ListenSocket> sockets_;
  std::vector<std::string> unix_paths_;
  Scoreboard board_;
  std::vector<bool> slot_used_;
  std::map<pid_t, Worker> workers_;
  unsigned wanted_ = 1;
  uint64_t generation_ = 0;
  python::Application preloaded_;
  bool has_preloaded_ = false;
  bool stopping_ = false;
  int exit_code_ = 0;
  core::Timer tick_;        // timeouts, respawns
  core::Timer kill_timer_;  // end of the graceful period
};

}  // namespace wc::app
