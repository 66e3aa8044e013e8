// Worker: one worker process of `webcycle web`. Runs its own event loop over the listening
// sockets it inherited from the master, accepts connections, and owns everything per-process:
// the open-file cache, the access-log writers, and the scratch buffers a connection borrows while
// it is being served.
//
// Signals (from the master): QUIT graceful stop (stop accepting, finish in-flight requests, close
// idle keep-alive connections, exit when none is left), TERM/INT fast stop, USR1 reopen logs.
// Single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/file_writer.h"
#include "core/signals.h"
#include "http/request_parser.h"
#include "web/access_log.h"
#include "web/config/web_config.h"
#include "web/router.h"
#include "web/static/file_cache.h"
#include "web/upstream.h"

namespace wc::web {

class Connection;
class TlsServers;
class Worker;

// A listening socket as this worker sees it.
struct Listener final : core::IoHandler {
  Worker* worker = nullptr;
  int fd = -1;  // owned by the master's socket set (inherited); not closed here
  const config::ListenGroup* group = nullptr;
  bool shares_port = false;  // other groups share the port: pick the group by local address
  std::string port_text;     // $server_port
  void on_io(uint32_t events) override;
};

struct WorkerSetup {
  const config::WebConfig* config = nullptr;
  struct Socket {
    int fd;
    const config::ListenGroup* group;
  };
  std::vector<Socket> sockets;
  const TlsServers* tls = nullptr;  // the configuration's TLS contexts (never null)
  unsigned index = 0;               // 0-based worker number (connection ids are spread by it)
  unsigned count = 1;
};

class Worker {
 public:
  // The child's main: returns the process exit code.
  static int run(const WorkerSetup& setup);

  [[nodiscard]] core::EventLoop& loop() noexcept { return *loop_; }
  [[nodiscard]] const config::WebConfig& config() const noexcept { return *config_; }
  [[nodiscard]] Router& router() noexcept { return router_; }
  [[nodiscard]] UpstreamSet& upstreams() noexcept { return upstreams_; }
  [[nodiscard]] AccessLog& access_log() noexcept { return access_log_; }
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }
  [[nodiscard]] const TlsServers& tls_servers() const noexcept { return *tls_; }

  // Scratch space lent to the connection being served (see Connection::drive).
  [[nodiscard]] core::Buffer& scratch_in() noexcept { return scratch_in_; }
  [[nodiscard]] std::string& scratch_out() noexcept { return scratch_out_; }
  [[nodiscard]] http::RequestHead& scratch_head() noexcept { return scratch_head_; }
  [[nodiscard]] http::RequestParser& scratch_parser() noexcept { return scratch_parser_; }
  [[nodiscard]] std::string& scratch_uri() noexcept { return scratch_uri_; }
  [[nodiscard]] std::string& scratch_filename() noexcept { return scratch_filename_; }

  void accept_from(Listener& listener);
  // Unregisters and destroys `c` after the current batch.
  void close(Connection& c);

 private:
  explicit Worker(const WorkerSetup& setup);
  [[nodiscard]] Status init(const WorkerSetup& setup);
  void on_signal(int signo);
  void begin_graceful_stop();
  void maybe_exit();

  const config::WebConfig* config_;
  const TlsServers* tls_;
  std::unique_ptr<core::EventLoop> loop_;
  std::unique_ptr<core::SignalSet> signals_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  Router router_;
  UpstreamSet upstreams_;
  AccessLog access_log_;
  Connection* connections_ = nullptr;  // intrusive list head
  size_t connection_count_ = 0;
  size_t max_connections_ = 512;
  uint64_t next_id_ = 0;
  uint64_t id_step_ = 1;
  bool stopping_ = false;
  bool accepting_paused_ = false;
  core::Timer accept_resume_;
  core::Buffer scratch_in_;
  std::string scratch_out_;
  http::RequestHead scratch_head_;
  http::RequestParser scratch_parser_;
  std::string scratch_uri_;
  std::string scratch_filename_;
};

}  // namespace wc::web
