// H2Connection: an HTTP/2 client connection (RFC 9113) in a worker. Taken over from the
// Connection that accepted the socket (web/connection.h: a cleartext `listen ... http2` is HTTP/2
// from its first byte, prior knowledge as in nginx 1.22; over TLS when ALPN chose "h2"); the
// Connection stays the worker's handle and owns this object.
//
//   bytes read -> http2::ServerSession (nghttp2) -> per stream: the head written as HTTP/1.1-style
//   text (web/h2_request.h) and parsed as every request is -> the same Router as HTTP/1.1
//   (locations, static files, error pages, rewrite/return, auth, proxy_pass, logs) with the
//   Exchange's h2_head set, so the response head arrives as fields (web/h2_head.h) and the
//   stream's Output holds only the body -> HEADERS, then DATA frames pulled from the Output
//   (file ranges read with pread) as flow control allows -> access log line ("GET /x HTTP/2.0").
//   A proxied answer streams through the same Output: the ProxyRequest appends, the stream pulls,
//   and the proxy is told to go on reading (client_drained) once the stream has sent most of it.
//
// Request bodies are read whole before the request is answered (nginx's proxy_request_buffering
// on; `off` is not honoured on HTTP/2), up to client_max_body_size (413 beyond).
//
// Timers: http2_idle_timeout while nothing happens (then GOAWAY and close), send_timeout while
// the peer does not read what is queued. A graceful stop sends GOAWAY and closes once the streams
// already taken are answered. Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event_loop.h"
#include "core/io.h"
#include "core/result.h"
#include "http/request_parser.h"
#include "http2/server_session.h"
#include "web/h2_head.h"
#include "web/output.h"
#include "web/proxy.h"
#include "web/request_body.h"

namespace wc::web {

class Connection;
class Worker;

class H2Connection final : public http2::SessionHandler {
 public:
  H2Connection(Connection& conn, Worker& worker);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // Makes the session (the server's SETTINGS are queued), feeds `already_read` (bytes the
  // Connection read before handing over) and runs. Errors: nghttp2's (out of memory).
  [[nodiscard]] Status start(std::string_view already_read);
  void on_io(uint32_t events);

  // Nothing open and nothing to send.
  [[nodiscard]] bool idle() const noexcept;
  // Graceful stop: GOAWAY now; the connection closes once the streams already taken are done.
  void shutdown_when_idle();

  // http2::SessionHandler
  void on_request(int32_t stream_id, http2::RequestFields&& fields, bool end_stream) override;
  void on_request_data(int32_t stream_id, std::string_view data) override;
  void on_request_end(int32_t stream_id) override;
  void on_stream_close(int32_t stream_id, uint32_t error_code) override;

 private:
  class Stream;
  void drive();
  void answer(Stream& s);
  void answer_error(Stream& s, int status);
  void submit(Stream& s);
  // A stream's Output has more, or its head is ready (ProxyClient::proxy_output).
  void stream_output(Stream& s);
  void stream_proxy_done(Stream& s);
  [[nodiscard]] bool parse_head(Stream& s, std::optional<uint64_t> content_length);
  [[nodiscard]] core::IoResult read_some(std::span<char> into);
  [[nodiscard]] core::IoResult write_some(std::string_view data);
  void arm_timer();
  void on_timer();
  void close();
  void log_info(const char* what);

  Connection& conn_;
  Worker& worker_;
  std::unique_ptr<http2::ServerSession> session_;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<std::unique_ptr<Stream>> spare_;  // finished streams, reused (never proxied ones)
  std::string out_;                             // frames to write
  size_t out_sent_ = 0;
  bool read_pending_ = true;
  bool write_blocked_ = false;
  bool in_drive_ = false;
  bool again_ = false;  // something changed while drive() ran: go round once more
  bool stopping_ = false;
  bool closed_ = false;
  bool timer_for_send_ = false;
  size_t chunk_size_ = 8192;
  core::Timer timer_;
};

}  // namespace wc::web
