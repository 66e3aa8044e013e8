// Connection: one accepted HTTP/1.1 client connection in a worker, as a state machine driven by
// edge-triggered epoll events and one timer.
//
//   reading head --(head parsed)--> respond (Router writes the answer into Output, the access log
//   line is written) --> discarding the request body, if any --> next request (pipelined bytes
//   already buffered are parsed at once) ... --> keep-alive wait / lingering close / close.
//
// Answers to pipelined requests are queued in order and sent with one write per batch. While the
// peer is slow to read (Output blocked), no further request is parsed: memory stays bounded by one
// batch. An idle keep-alive connection holds no buffers (it borrows the worker's scratch buffers
// while it works).
//
// Owned by its Worker (intrusive list); destroyed through Worker::close(). Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/fd.h"
#include "core/io.h"
#include "core/socket.h"
#include "http/chunked_decoder.h"
#include "http/request_parser.h"
#include "tls/stream.h"
#include "web/exchange.h"
#include "web/output.h"
#include "web/proxy.h"
#include "web/request_body.h"

namespace wc::web {

class Worker;
class ProxyRequest;
class H2Connection;
struct Listener;
namespace config {
struct ListenGroup;
struct ServerConf;
}  // namespace config

class Connection final : public core::IoHandler, public ProxyClient, public tls::ServerHooks {
 public:
  // `group` is the listen group the connection belongs to (the listener's, or the one its local
  // address selects when several share a port).
  Connection(Worker& worker, core::Fd fd, const core::SocketAddress& peer, const Listener& listener,
             const config::ListenGroup& group, uint64_t id);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers with the loop and arms the header timer. Errors: epoll_ctl's.
  [[nodiscard]] Status start();
  void on_io(uint32_t events) override;

  // Graceful stop of the worker: an idle connection closes now, a busy one after its response.
  void shutdown_when_idle();
  [[nodiscard]] bool idle() const noexcept;
  [[nodiscard]] bool closable_for_stop() const noexcept;

  [[nodiscard]] uint64_t id() const noexcept { return id_; }
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] uint16_t peer_port() const noexcept { return peer_port_; }
  [[nodiscard]] const Listener& listener() const noexcept { return listener_; }
  [[nodiscard]] const config::ListenGroup& group() const noexcept { return group_; }
  [[nodiscard]] Worker& worker() noexcept { return worker_; }
  [[nodiscard]] uint32_t requests() const noexcept { return requests_; }
  // The peer's address as text ($remote_addr), formatted once at accept.
  [[nodiscard]] std::string_view remote_addr() const noexcept { return {addr_text_, addr_len_}; }
  // The TLS stream of a `listen ... ssl` connection (null on a cleartext one). Its handshake is
  // done before any request byte is read; HTTP/2 takes over when tls()->alpn() is "h2" and then
  // reads and writes through it (tls::Stream::read / write_gather) instead of the socket.
  [[nodiscard]] tls::Stream* tls() noexcept { return tls_.get(); }

  // Intrusive list links (Worker's list of live connections).
  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  enum class State : uint8_t {
    kHead,       // waiting for / reading a request head (keep-alive idle when nothing buffered)
    kBody,       // discarding the current request's body
    kLingering,  // response sent, write side shut, reading until the peer closes or time runs out
    kProxy,      // a ProxyRequest answers the current request; no further request is parsed
    kClosed,
  };

  void drive();
  // TLS: steps the handshake. True once it is done (requests may be read).
  bool tls_handshake();
  // Reads into in_ from the socket or, on TLS, the decrypted stream (filling the buffer, so a
  // short count means the socket is drained, as for a plain read).
  core::IoResult read_input(size_t min_space);
  // tls::ServerHooks: SNI picks the server block's context, ALPN the listen's protocols.
  const tls::ServerContext* context_for_name(std::string_view name) override;
  [[nodiscard]] std::string_view alpn_offer() const override;
  // Bytes of an unfinished head already scanned (0: waiting for a new request).
  [[nodiscard]] size_t head_scanned() const noexcept { return parser_ ? parser_->scanned() : 0; }
  [[nodiscard]] ConnectionInfo info_for_request() const;
  // Parses and answers buffered requests. Returns false when the connection was closed.
  bool process_input();
  bool handle_head(size_t head_len);
  // Answers a request whose head (and body, if any) has been read. Returns false if closed.
  bool answer(const http::RequestHead& head, bool body_error);
  // Starts proxying the request the router sent upstream.
  bool start_proxy(const Exchange& ex);
  bool answer_pending(bool body_error);
  void answer_timeout();
  enum class BodyProgress : uint8_t { kDone, kNeedMore, kError };
  // Reads and drops the buffered part of the current request's body.
  BodyProgress discard_body();
  void on_timer();
  void arm_wait_timer();
  void finish_or_linger();
  void fail_request(int status, std::string_view reason);
  void fail_timeout();
  void answer_unparsed(int status);
  void close();

  // HTTP/2 (web/h2_connection.h): once the connection is HTTP/2, every event goes to h2_, which
  // uses the socket, the request counter and close() of this object.
  friend class H2Connection;
  std::unique_ptr<H2Connection> h2_;

  // For the ProxyRequest this connection owns.
  friend class ProxyRequest;
  [[nodiscard]] Output& output() noexcept override { return out_; }
  [[nodiscard]] std::string_view peer_text() const noexcept { return {addr_text_, addr_len_}; }
  // The proxy queued output: send what the socket takes.
  void proxy_output() override;
  // The proxy is finished (answered, or failed and answered): log, then go on or close.
  void proxy_done() override;

  Worker& worker_;
  core::Fd fd_;
  uint16_t peer_port_;
  const Listener& listener_;
  const config::ListenGroup& group_;
  uint64_t id_;
  uint32_t requests_ = 0;
  State state_ = State::kHead;
  bool close_after_flush_ = false;  // the last answer said "Connection: close"
  bool read_pending_ = false;       // unread socket data may be waiting (edge-triggered)
  bool stopping_ = false;           // worker is shutting down gracefully
  bool timer_for_send_ = false;     // the armed timer is send_timeout (vs. a read timeout)
  bool header_timer_ = false;       // the armed timer is client_header_timeout (not re-armed)
  bool peer_half_closed_ = false;   // EPOLLRDHUP seen: read until the end of the stream
  bool linger_ = false;             // the peer may still be sending: lingering close
  uint64_t body_left_ = 0;          // Content-Length body still to discard
  bool body_chunked_ = false;
  int64_t max_body_ = 0;              // client_max_body_size of the current request's location
  uint32_t body_timeout_ms_ = 60000;  // 32 bits: 49 days is plenty, and idle connections are many
  uint32_t send_timeout_ms_ = 60000;
  uint32_t keepalive_timeout_ms_ = 75000;
  uint64_t request_start_ms_ = 0;
  std::unique_ptr<http::RequestParser> parser_;    // only while a partial head is buffered
  std::unique_ptr<http::ChunkedDecoder> chunked_;  // while a chunked body is read
  core::Buffer in_;
  // Head of a request whose body is still being read (allocated only then).
  std::unique_ptr<std::string> pending_head_;
  std::string_view raw_head_;               // the head being answered (for start_proxy)
  std::unique_ptr<RequestBody> body_keep_;  // the body, kept for proxy_pass
  bool body_store_failed_ = false;
  std::unique_ptr<ProxyRequest> proxy_;  // while kProxy
  bool in_drive_ = false;
  bool stream_body_ = false;  // proxy_request_buffering off: body still coming
  void feed_body();
  Output out_;
  std::unique_ptr<tls::Stream> tls_;   // `listen ... ssl` only
  bool tls_read_wants_write_ = false;  // the last TLS read waits for EPOLLOUT, not EPOLLIN
  // The first byte on an ssl listen could not start a TLS record: the client speaks plain HTTP,
  // and its request gets nginx's 400 "The plain HTTP request was sent to HTTPS port".
  bool plain_http_on_tls_ = false;
  core::Timer timer_;
  char addr_text_[40];  // the longest IPv6 text is 39 characters
  unsigned char addr_len_ = 0;
};

}  // namespace wc::web
