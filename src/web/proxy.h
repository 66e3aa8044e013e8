// ProxyRequest: one request passed to an upstream (proxy_pass), as nginx's upstream module does
// it. Owned by the client Connection for the time of the exchange (the connection is in its
// kProxy state and reads no further requests meanwhile).
//
//   pick a server (Upstream) -> take an idle keep-alive connection or connect
//   (proxy_connect_timeout)
//   -> send the request head and the buffered body (proxy_send_timeout)
//   -> read the response head (proxy_read_timeout; 1xx skipped)
//   -> head for the client: hop-by-hop and hidden headers dropped, Location rewritten
//      (proxy_redirect), our Server and Date
//   -> body relayed, re-framed for the client (Content-Length as given, else chunked for HTTP/1.1
//      or close-delimited for HTTP/1.0). proxy_buffering on: the upstream is read as fast as it
//      sends, the excess spilling to a temporary file, so it is free as soon as it has answered;
//      off (or X-Accel-Buffering: no): reading pauses while the client has a buffer's worth
//      pending.
//   -> the upstream connection back to the keep-alive cache when it can carry another request.
//
// Failures before anything was sent to the client go to the next server as proxy_next_upstream
// says (a non-idempotent request only if it was never sent), else 502 (error, bad header), 504
// (timeout). After the head went out, a failure closes the client connection so a truncated body
// is never taken for a whole one. Every failure is logged in error.log with nginx's words and the
// upstream's address.
//
// Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/fd.h"
#include "http/chunked_decoder.h"
#include "http/request_parser.h"
#include "http/response_head.h"
#include "http/response_parser.h"
#include "web/exchange.h"
#include "web/request_body.h"

namespace wc::web {

class Connection;
class Upstream;
class Worker;
namespace config {
struct ProxyConf;
}

class Output;

// The client side of a ProxyRequest: an HTTP/1.x Connection, or a stream of an HTTP/2 connection
// (web/h2_connection.h). The proxy appends the answer's head (through the Router) and body to
// output(), calls proxy_output() when there is more to send, and proxy_done() once at the end.
class ProxyClient {
 public:
  [[nodiscard]] virtual Output& output() noexcept = 0;
  virtual void proxy_output() = 0;
  virtual void proxy_done() = 0;

 protected:
  ~ProxyClient() = default;
};

class ProxyRequest final : public core::IoHandler {
 public:
  // `ex` is the router's exchange for the request (its values are copied: the connection's
  // buffers are free to move on); `raw_head` the request head as received.
  ProxyRequest(ProxyClient& client, Worker& worker, const Exchange& ex, std::string_view raw_head,
               std::unique_ptr<RequestBody> body);
  ~ProxyRequest();
  ProxyRequest(const ProxyRequest&) = delete;
  ProxyRequest& operator=(const ProxyRequest&) = delete;

  // Starts the first attempt. May finish at once (Connection::proxy_done is then called).
  void start();
  void on_io(uint32_t events) override;
  // The client's output has drained below the buffer size (proxy_buffering off resumes reading).
  void client_drained();
  // The client went away: the upstream connection is closed (not reused), nothing more is done.
  void abort();
  // Tunnel (after 101): the client's bytes for the upstream; returns how many were taken (0 when
  // the upstream is not ready: the caller keeps them and tries again after proxy_output()).
  [[nodiscard]] bool tunneling() const noexcept { return state_ == State::kTunnel; }
  size_t client_bytes(std::string_view data);
  // The client closed its side: the tunnel ends.
  void client_closed() { end_tunnel(); }

  // proxy_request_buffering off: the body arrives after start(). Room for more bytes (0: the
  // upstream is behind, or the body is not streamed); client_body() queues decoded bytes (framed
  // for the upstream) and sends what it can; client_body_end() after the last byte.
  [[nodiscard]] size_t body_room() const noexcept;
  void client_body(std::string_view bytes);
  void client_body_end();

  // For the access log (valid until destruction).
  [[nodiscard]] Exchange& exchange() noexcept { return ex_; }
  [[nodiscard]] bool finished() const noexcept { return state_ == State::kDone; }
  // After proxy_done: whether the client connection can carry another request.
  [[nodiscard]] bool client_keep_alive() const noexcept { return ex_.keep_alive; }
  // After proxy_done: the upstream failed after the head went out, the body is cut short (HTTP/2
  // resets the stream instead of ending it).
  [[nodiscard]] bool truncated() const noexcept { return truncated_; }

 private:
  enum class State : uint8_t {
    kIdle,
    kConnecting,
    kSending,
    kReadingHead,
    kReadingBody,
    kTunnel,  // after a 101: bytes relayed both ways
    kDone,
  };
  enum class Failure : uint8_t { kError, kTimeout, kInvalidHeader, kHttpStatus };

  void build_request();
  void next_attempt();
  void connect_to(int server);
  void on_connected();
  void send_request();
  void read_upstream();
  bool parse_head();
  // Applies proxy_redirect's rules to value[begin..]; true when one matched.
  bool rewrite_redirect(std::string& value, size_t begin);
  void start_response();
  void start_tunnel();
  void tunnel_io(uint32_t events);
  void end_tunnel();
  bool relay_body(std::string_view data, bool eof);
  void append_client_body(std::string_view bytes);
  void upstream_done(bool reusable);
  void attempt_failed(Failure kind, int err, const char* what);
  void answer_error(int status);
  void finish();
  void close_upstream();
  void log_error(const std::string& message);
  void on_timer();
  void record_attempt_end();
  void hand_back();

  ProxyClient& client_;
  Worker& worker_;
  const config::ProxyConf& conf_;
  Upstream& upstream_;

  // The request, copied out of the connection's buffers.
  ConnectionInfo info_;
  std::string head_bytes_;
  http::RequestHead head_;
  std::string uri_;
  std::string filename_;
  std::string args_;
  std::string request_id_;
  Exchange ex_;
  std::unique_ptr<RequestBody> body_;
  bool idempotent_ = true;
  // A streamed body (proxy_request_buffering off): framed bytes waiting for the upstream.
  bool streaming_ = false;
  bool stream_chunked_ = false;
  bool stream_ended_ = false;
  uint64_t stream_passed_ = 0;  // body bytes taken from the client so far
  std::string stream_out_;
  size_t stream_sent_ = 0;

  // The upstream request (the same bytes for every attempt).
  std::string request_;
  // The current attempt.
  State state_ = State::kIdle;
  int server_ = -1;
  uint64_t tried_ = 0;  // servers tried (bit per index)
  int tries_ = 0;
  uint64_t first_try_ms_ = 0;
  uint64_t attempt_start_ms_ = 0;
  core::Fd fd_;
  bool reused_ = false;
  uint32_t fd_requests_ = 0;
  size_t request_sent_ = 0;
  uint64_t body_sent_ = 0;
  bool request_fully_sent_ = false;
  core::Timer timer_;

  // The response.
  core::Buffer in_;
  http::ResponseParser parser_;
  http::ParsedResponse resp_;
  size_t in_consume_head_ = 0;  // bytes of in_ the response head took
  std::unique_ptr<http::ChunkedDecoder> chunked_;
  uint64_t length_left_ = 0;
  bool client_chunked_ = false;
  bool head_sent_ = false;
  bool truncated_ = false;
  bool buffering_ = true;
  bool paused_ = false;  // proxy_buffering off: waiting for the client to drain
  bool read_pending_ = false;
  std::shared_ptr<core::Fd> spill_file_;  // proxy_buffering's temporary file (shared with Output)
  uint64_t spill_size_ = 0;
  bool spill_failed_ = false;
  std::string sent_store_;  // the client head's headers ($sent_http_*)
  std::vector<http::Header> sent_;

  // $upstream_* (one entry per attempt, ", " joined).
  std::string upstream_addr_;
  std::string upstream_status_;
  std::string upstream_response_time_;
  std::string upstream_connect_time_;
  std::string upstream_header_time_;
  uint64_t connect_ms_ = 0;
  uint64_t header_ms_ = 0;
  int upstream_code_ = 0;
};

}  // namespace wc::web
