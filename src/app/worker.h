// AppWorker: one worker process of `webcycle app`. Its event loop accepts connections on the
// sockets inherited from the master, reads each request whole without blocking (a slow client
// never holds Python), calls the WSGI application, and writes the answer without blocking; the
// application runs on the loop's thread, one request at a time (wsgi.multithread is False).
//
// Signals (from the master, gunicorn's meanings for a worker): TERM graceful stop (stop accepting,
// finish the requests in progress, close idle connections), QUIT/INT quick stop (exit at once, even
// from inside the application), USR1 reopen the logs. After --max-requests answers (plus jitter) a
// worker stops gracefully by itself and the master starts a new one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/log/access_format.h"
#include "app/options/app_options.h"
#include "app/python/application.h"
#include "app/request_mapping.h"
#include "app/scoreboard.h"
#include "core/event_loop.h"
#include "core/file_writer.h"
#include "core/signals.h"
#include "http/request_parser.h"

namespace wc::app {

class AppConnection;
class AppWorker;

// A listening socket as the master opened it.
struct ListenSocket {
  int fd = -1;  // owned by the master (inherited); not closed by workers
  bool is_unix = false;
  std::string server_name;  // SERVER_NAME: the bound host, or the unix path
  std::string server_port;  // SERVER_PORT: "8000", "" for unix sockets
};

struct WorkerSetup {
  const AppOptions* options = nullptr;
  std::vector<ListenSocket> sockets;
  WorkerSlot* slot = nullptr;
  // --preload: the application the master imported before forking (nullptr: import it here).
  python::Application* preloaded = nullptr;
  unsigned max_requests = 0;  // this worker's budget (jitter applied), 0 = unlimited
  pid_t master = 0;           // the master's pid (a worker exits with it)
};

// Exit codes a worker reports to the master (gunicorn's).
inline constexpr int kWorkerBootError = 3;
inline constexpr int kAppLoadError = 4;

// Starts the interpreter with --chdir and --pythonpath on sys.path and imports MODULE:CALLABLE
// (in a worker, or in the master with --preload / --check-config). `sockets` gives SERVER_NAME
// and SERVER_PORT (the first one). Errors: the interpreter's, or Application::load's (the text
// with the traceback, which the caller prints; the process then exits with kAppLoadError).
[[nodiscard]] Result<python::Application> import_application(
    const AppOptions& options, const std::vector<ListenSocket>& sockets);

struct AppListener final : core::IoHandler {
  AppWorker* worker = nullptr;
  const ListenSocket* socket = nullptr;
  void on_io(uint32_t events) override;
};

class AppWorker {
 public:
  // The child's main: returns the process exit code (0, kWorkerBootError or kAppLoadError).
  static int run(const WorkerSetup& setup);

  [[nodiscard]] core::EventLoop& loop() noexcept { return *loop_; }
  [[nodiscard]] const AppOptions& options() const noexcept { return *options_; }
  [[nodiscard]] python::Application& application() noexcept { return *app_; }
  [[nodiscard]] WorkerSlot& slot() noexcept { return *slot_; }
  [[nodiscard]] const TrustedProxies& trusted() const noexcept { return trusted_; }
  [[nodiscard]] std::string_view env_script_name() const noexcept { return env_script_name_; }
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }
  [[nodiscard]] const http::Limits& limits() const noexcept { return limits_; }
  [[nodiscard]] uint64_t io_timeout_ms() const noexcept { return io_timeout_ms_; }
  [[nodiscard]] int pid() const noexcept { return pid_; }
  [[nodiscard]] const ListenSocket& first_socket() const noexcept { return sockets_.front(); }

  // Access log (nullptr when off). Lines are flushed once per loop batch.
  [[nodiscard]] const AccessFormat* access_format() const noexcept { return access_format_.get(); }
  void write_access_line(std::string_view line);

  // Scratch space lent to the connection being served.
  [[nodiscard]] http::RequestHead& scratch_head() noexcept { return scratch_head_; }
  [[nodiscard]] std::string& scratch_line() noexcept { return scratch_line_; }

  void accept_from(AppListener& listener);
  void close(AppConnection& c);
  // A connection finished a response: counts it for --max-requests.
  void response_done();
  // The request being answered is the last this worker takes (--max-requests): say close.
  [[nodiscard]] bool last_request_of_budget() const noexcept {
    return max_requests_ != 0 && answered_ + 1 >= max_requests_;
  }

 private:
  AppWorker() = default;
  [[nodiscard]] Status init(const WorkerSetup& setup);
  [[nodiscard]] int load_application(const WorkerSetup& setup);
  void on_signal(int signo);
  void begin_graceful_stop();
  void maybe_exit();

  const AppOptions* options_ = nullptr;
  WorkerSlot* slot_ = nullptr;
  std::unique_ptr<core::EventLoop> loop_;
  std::unique_ptr<core::SignalSet> signals_;
  std::vector<ListenSocket> sockets_;
  std::vector<std::unique_ptr<AppListener>> listeners_;
  python::Application own_app_;
  python::Application* app_ = nullptr;
  TrustedProxies trusted_;
  std::string env_script_name_;
  http::Limits limits_;
  uint64_t io_timeout_ms_ = 30000;
  int pid_ = 0;
  std::unique_ptr<AccessFormat> access_format_;
  core::BufferedFileWriter access_writer_;
  AppConnection* connections_ = nullptr;
  size_t connection_count_ = 0;
  unsigned max_requests_ = 0;
  uint64_t answered_ = 0;
  bool stopping_ = false;
  core::Timer graceful_deadline_;
  core::Timer heartbeat_;      // keeps the scoreboard's heartbeat fresh while idle
  core::Timer accept_resume_;  // accepting again after EMFILE/ENFILE
  bool accept_paused_ = false;
  http::RequestHead scratch_head_;
  std::string scratch_line_;
};

}  // namespace wc::app
