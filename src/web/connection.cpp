#include "web/connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>

#include "core/error_log.h"
#include "core/io.h"
#include "web/exchange.h"
#include "web/h2_connection.h"
#include "web/proxy.h"
#include "web/tls_servers.h"
#include "web/worker.h"

namespace wc::web {

namespace {

// Answers to pipelined requests are gathered up to this many bytes before they are written, so
// a long pipeline costs one write per batch but memory stays bounded.
constexpr size_t kMaxBatchOutput = 256 * 1024;
constexpr size_t kReadSize = 16 * 1024;
// Below this much pending output a proxied answer may queue more (proxy_buffering off).
constexpr uint64_t kProxyLowWater = 64 * 1024;
// nginx's lingering_timeout: how long to wait for the peer's next bytes after our final answer.
constexpr uint64_t kLingeringTimeoutMs = 5000;
// A graceful stop (QUIT, a reload's old workers) gives an idle kept-alive connection this long
// for a request already on its way (answered with Connection: close) before closing it.
constexpr uint64_t kStopGraceMs = 1000;

constexpr uint32_t kEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

uint32_t clamp_ms(int64_t ms) {
  return static_cast<uint32_t>(std::clamp<int64_t>(ms, 0, UINT32_MAX));
}

http::Limits limits_for(const config::ServerConf& server) {
  http::Limits limits;
  const auto size = static_cast<size_t>(server.large_client_header_buffers_size);
  limits.max_request_line = size;
  limits.max_header_line = size;
  limits.max_head = size * static_cast<size_t>(server.large_client_header_buffers_num);
  return limits;
}

}  // namespace

Connection::Connection(Worker& worker, core::Fd fd, const core::SocketAddress& peer,
                       const Listener& listener, const config::ListenGroup& group, uint64_t id)
    : worker_(worker),
      fd_(std::move(fd)),
      peer_port_(peer.port()),
      listener_(listener),
      group_(group),
      id_(id) {
  addr_len_ = static_cast<unsigned char>(peer.format_ip(addr_text_, sizeof addr_text_));
  timer_.set_callback([this] { on_timer(); });
}

Connection::~Connection() = default;

ConnectionInfo Connection::info_for_request() const {
  ConnectionInfo info;
  info.id = id_;
  info.requests = requests_;
  info.remote_addr = remote_addr();
  info.remote_port = peer_port_;
  info.server_port = listener_.port_text;
  info.group = &group_;
  info.fd = fd_.get();
  info.tls = tls_.get();
  info.plain_http = plain_http_on_tls_;
  return info;
}

Status Connection::start() {
  if (auto s = worker_.loop().add(fd_.get(), kEvents, this); !s) return s;
  if (group_.listen.ssl) {
    // The handshake comes first (drive), under client_header_timeout as nginx times it.
    const tls::ServerContext* ctx = worker_.tls_servers().for_server(group_.default_server);
    assert(ctx != nullptr);  // config load refuses an ssl listen without a certificate
    auto stream = tls::Stream::accept(*ctx, fd_.get(), this);
    if (!stream) return std::unexpected(stream.error());
    tls_ = std::make_unique<tls::Stream>(std::move(*stream));
  }
  if (group_.listen.http2 && tls_ == nullptr) {
    // A cleartext `listen ... http2` is HTTP/2 from the first byte (prior knowledge), as in
    // nginx 1.22: an HTTP/1.1 request gets the server's SETTINGS and a GOAWAY(PROTOCOL_ERROR).
    h2_ = std::make_unique<H2Connection>(*this, worker_);
    return h2_->start({});
  }
  read_pending_ = true;
  arm_wait_timer();
  return {};
}

bool Connection::idle() const noexcept {
  if (h2_ != nullptr) return h2_->idle();
  return state_ == State::kHead && in_.empty() && out_.empty() && head_scanned() == 0;
}

// Closed at once only between two requests of a kept-alive connection with nothing arrived. A
// connection that has not had its first request yet is waited for (nginx does the same): its
// request may already be in the socket, and closing would reset it during a reload.
bool Connection::closable_for_stop() const noexcept {
  if (h2_ != nullptr) return h2_->idle();
  return idle() && requests_ > 0 && !read_pending_;
}

void Connection::shutdown_when_idle() {
  stopping_ = true;
  if (h2_ != nullptr) {
    h2_->shutdown_when_idle();  // GOAWAY; closes once its streams are answered
    return;
  }
  if (closable_for_stop()) {
    // Not closed at once: the client may be sending its next request right now, and a close
    // would lose it (a reload under load must not). The idle timer closes it (on_timer) unless
    // a request comes first; that one is answered with Connection: close.
    worker_.loop().arm(timer_, std::min<uint64_t>(keepalive_timeout_ms_, kStopGraceMs));
  }
}

void Connection::on_io(uint32_t events) {
  if (h2_ != nullptr) {
    h2_->on_io(events);
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_pending_ = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peer_half_closed_ = true;
  // A TLS read that waited for the socket to be writable (a key update to answer) goes on.
  if (tls_read_wants_write_ && (events & EPOLLOUT)) read_pending_ = true;
  drive();
}

// The one loop that moves a connection forward: send what is queued, parse what is buffered,
// read what the socket has, until something has to wait. The worker's scratch buffers are
// borrowed for the duration, and given back when the connection has nothing left in them.
void Connection::drive() {
  if (in_drive_) return;  // a proxy callback inside this loop: the loop goes on by itself
  if (tls_ != nullptr && !tls_->established() && !tls_handshake()) return;
  in_drive_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_drive_};
  const bool borrowed_in = in_.empty() && in_.capacity() == 0;
  if (borrowed_in) std::swap(in_, worker_.scratch_in());
  const bool borrowed_out = out_.empty() && out_.bytes().capacity() == 0;
  if (borrowed_out) out_.swap_storage(worker_.scratch_out());

  for (;;) {
    if (!out_.empty()) {
      int err = 0;
      const Output::Flush f = tls_ == nullptr ? out_.flush(fd_.get(), err) : out_.flush(*tls_, err);
      if (f == Output::Flush::kBlocked) break;
      if (f == Output::Flush::kError) {
        if (err == EPROTO && tls_ != nullptr) {
          core::error_log().logf(core::LogLevel::info, id_,
                                 "%s while sending response to client, client: %.*s",
                                 tls_->error_text().c_str(), int(addr_len_), addr_text_);
        } else if (err != EPIPE && err != ECONNRESET) {
          core::error_log().logf(core::LogLevel::info, id_,
                                 "writev() failed (%d: %s) while sending response to client, "
                                 "client: %.*s",
                                 err, std::strerror(err), int(addr_len_), addr_text_);
        }
        close();
        break;
      }
    }
    if (state_ == State::kProxy) {
      // The upstream's answer is being relayed. Nothing more is parsed meanwhile; reading goes
      // on only to notice a client that went away (pipelined bytes stay buffered).
      if (out_.pending() < kProxyLowWater) {
        proxy_->client_drained();
        if (state_ != State::kProxy) continue;  // finished: go on with the connection
      }
      if (stream_body_ && !in_.empty()) {
        feed_body();
        if (state_ != State::kProxy) continue;
      }
      if (proxy_->tunneling() && !in_.empty()) {
        // WebSocket & co.: the client's bytes go upstream as they are.
        const size_t used = proxy_->client_bytes(in_.readable());
        in_.consume(used);
        if (state_ != State::kProxy) continue;
        if (used == 0 && !in_.empty()) break;  // the upstream is full: wait for it
      }
      if (!read_pending_ || in_.size() >= kMaxBatchOutput) break;
      if (in_.writable() < kReadSize) in_.reserve(kReadSize);
      const core::IoResult r = read_input(0);
      if (r.would_block()) {
        read_pending_ = false;
        break;
      }
      if (r.ok()) continue;
      if (proxy_->tunneling()) {
        proxy_->client_closed();  // logs, then proxy_done closes after the output
        continue;
      }
      core::error_log().logf(core::LogLevel::info, id_,
                             "client prematurely closed connection while waiting for the "
                             "upstream, client: %.*s",
                             int(addr_len_), addr_text_);
      proxy_->abort();
      close();
      break;
    }
    if (state_ == State::kLingering) {
      // Read and drop until the peer closes (or the lingering timer fires).
      in_.clear();
      const core::IoResult r = core::read_into(fd_.get(), in_, kReadSize);
      in_.clear();
      if (r.ok()) continue;
      if (r.would_block()) {
        read_pending_ = false;
        break;
      }
      close();
      break;
    }
    if (close_after_flush_) {
      finish_or_linger();
      if (state_ == State::kClosed) break;
      continue;
    }
    if ((!in_.empty() || state_ == State::kBody) && state_ != State::kProxy) {
      if (!process_input()) break;            // closed
      if (state_ == State::kProxy) continue;  // a streamed body may already be buffered
      if (!out_.empty() || close_after_flush_) continue;
    }
    if (stopping_ && closable_for_stop()) {
      close();
      break;
    }
    if (!read_pending_) break;
    if (in_.writable() < kReadSize) in_.reserve(kReadSize);
    const size_t offered = in_.writable();
    const core::IoResult r = read_input(0);
    if (r.would_block()) {
      read_pending_ = false;
      break;
    }
    if (r.status == core::IoStatus::eof) {
      if (!(state_ == State::kHead && in_.empty() && head_scanned() == 0)) {
        core::error_log().logf(core::LogLevel::info, id_,
                               "client prematurely closed connection, client: %.*s", int(addr_len_),
                               addr_text_);
      }
      close();
      break;
    }
    if (r.status == core::IoStatus::error) {
      if (r.error != ECONNRESET) {
        core::error_log().logf(core::LogLevel::info, id_,
                               "recv() failed (%d: %s) while reading client request, client: %.*s",
                               r.error, std::strerror(r.error), int(addr_len_), addr_text_);
      }
      close();
      break;
    }
    // A short read drained the socket: the next bytes come with a new edge. After EPOLLRDHUP we
    // read on until the end of the stream is seen.
    if (r.bytes < offered && !peer_half_closed_) read_pending_ = false;
  }

  if (state_ == State::kClosed) return;  // close() gave back what was borrowed
  if (in_.empty()) {
    in_.clear();
    if (borrowed_in) {
      std::swap(in_, worker_.scratch_in());
    } else {
      in_.shrink_if_idle();
    }
  }
  // else: a partial request is buffered; the connection keeps the buffer (the worker's scratch
  // is replaced lazily by the next reserve()).
  if (out_.empty()) {
    if (borrowed_out) {
      out_.swap_storage(worker_.scratch_out());
    } else if (out_.bytes().capacity() != 0) {
      std::string none;
      out_.swap_storage(none);
    }
  }
  arm_wait_timer();
}

bool Connection::tls_handshake() {
  if (!tls_->started()) {
    // nginx (ngx_http_ssl_handshake) looks at the first byte before it hands the socket to
    // OpenSSL: 0x16 starts a TLS handshake record, a set high bit an SSLv2-style hello; anything
    // else is a client speaking plain HTTP to an https port. It gets an answer it can read
    // (the router's 497, answered 400) instead of a TLS alert.
    unsigned char first = 0;
    const ssize_t n = ::recv(fd_.get(), &first, 1, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      arm_wait_timer();  // client_header_timeout, as for the handshake
      return false;
    }
    if (n == 1 && first != 0x16 && (first & 0x80) == 0) {
      tls_.reset();
      plain_http_on_tls_ = true;
      read_pending_ = true;
      return true;
    }
    // EOF or a socket error: the handshake below reports it as nginx words it.
  }
  const tls::IoResult r = tls_->handshake();
  if (r.ok()) {
    // HTTP/2 hand-off over TLS (ALPN "h2", offered only by `listen ... ssl http2`): H2Connection
    // takes the connection, reading and writing through tls().
    if (tls_->alpn() == "h2") {
      worker_.loop().cancel(timer_);
      h2_ = std::make_unique<H2Connection>(*this, worker_);
      if (auto s = h2_->start({}); !s) {
        core::error_log().log(core::LogLevel::alert, id_, s.error().message);
        close();
      }
      return false;
    }
    read_pending_ = true;  // the first request may have come with the client's Finished
    return true;
  }
  if (r.wants()) {
    arm_wait_timer();  // client_header_timeout, for the whole handshake
    return false;
  }
  core::error_log().logf(
      core::LogLevel::info, id_, "%s while SSL handshaking, client: %.*s, server: %s",
      tls_->error_text().c_str(), int(addr_len_), addr_text_, group_.listen.addr_text.c_str());
  close();
  return false;
}

core::IoResult Connection::read_input(size_t min_space) {
  if (tls_ == nullptr) return core::read_into(fd_.get(), in_, min_space);
  if (in_.writable() < min_space || in_.writable() == 0) {
    in_.reserve(min_space != 0 ? min_space : kReadSize);
  }
  size_t got = 0;
  while (in_.writable() > 0) {
    const tls::IoResult r = tls_->read({in_.write_ptr(), in_.writable()});
    if (r.ok()) {
      in_.commit(r.bytes);
      got += r.bytes;
      continue;
    }
    if (got > 0) break;  // an end or error is seen again by the next read
    switch (r.status) {
      case tls::IoStatus::kWantRead:
        tls_read_wants_write_ = false;
        return {core::IoStatus::would_block, 0, 0};
      case tls::IoStatus::kWantWrite:
        tls_read_wants_write_ = true;
        return {core::IoStatus::would_block, 0, 0};
      case tls::IoStatus::kEof:
        return {core::IoStatus::eof, 0, 0};
      default:
        // Logged here with OpenSSL's reason; ECONNRESET keeps the callers' recv() line out.
        core::error_log().logf(core::LogLevel::info, id_,
                               "%s while reading client request, client: %.*s",
                               tls_->error_text().c_str(), int(addr_len_), addr_text_);
        return {core::IoStatus::error, 0, ECONNRESET};
    }
  }
  return {core::IoStatus::ok, got, 0};
}

const tls::ServerContext* Connection::context_for_name(std::string_view name) {
  return worker_.tls_servers().for_name(group_, name);
}

std::string_view Connection::alpn_offer() const {
  using namespace std::string_view_literals;
  return group_.listen.http2 ? "\x02h2\x08http/1.1"sv : "\x08http/1.1"sv;
}

bool Connection::process_input() {
  while (state_ != State::kClosed && state_ != State::kProxy && !close_after_flush_) {
    if (state_ == State::kBody) {
      const BodyProgress p = discard_body();
      if (p == BodyProgress::kNeedMore) return true;
      if (pending_head_ != nullptr) {
        // The body of a request held back until now has ended (or broke): answer it.
        if (!answer_pending(p == BodyProgress::kError)) return false;
        continue;
      }
      if (p == BodyProgress::kError) {
        in_.clear();
        state_ = State::kHead;
        close_after_flush_ = true;
        linger_ = true;
        return true;
      }
      continue;
    }
    if (in_.empty()) return true;
    if (out_.bytes().size() >= kMaxBatchOutput || out_.pending() > out_.bytes().size()) {
      return true;  // send what is queued before parsing more
    }
    // A connection owns a parser only while part of a head is buffered; otherwise it uses the
    // worker's (idle connections stay small).
    http::RequestParser* parser = parser_.get();
    if (parser == nullptr) {
      parser = &worker_.scratch_parser();
      *parser = http::RequestParser(limits_for(*group_.default_server));
      request_start_ms_ = worker_.loop().now_ms();
    }
    http::RequestHead& head = worker_.scratch_head();
    size_t consumed = 0;
    const http::ParseStatus st = parser->parse(in_.readable(), head, consumed);
    if (st == http::ParseStatus::kNeedMore) {
      if (parser_ == nullptr) parser_ = std::make_unique<http::RequestParser>(*parser);
      return true;
    }
    // Read the verdict before the connection's own parser (if it used one) is freed.
    const http::ParseError e = parser->error();
    parser_.reset();
    parser = nullptr;
    if (st == http::ParseStatus::kError) {
      fail_request(e.status, e.reason);
      return state_ != State::kClosed;
    }
    if (!handle_head(consumed)) return false;
  }
  return state_ != State::kClosed;
}

// A request is answered only once all of it has been read: its head and, if it has one, its
// whole body (dropped: no handler of this issue reads bodies). So a malformed or unfinished body
// never gets a 2xx, and the answer can never be taken for the reply to bytes that follow.
bool Connection::handle_head(size_t head_len) {
  const http::RequestHead& head = worker_.scratch_head();
  ++requests_;
  header_timer_ = false;  // the next head gets its own client_header_timeout
  const std::string_view raw_head = in_.readable().substr(0, head_len);
  // The head's views stay valid: consume() only moves the read position.
  in_.consume(head_len);
  parser_.reset();
  const bool body_buffered = !in_.empty();
  if (head.body == http::RequestHead::Body::kLength && head.content_length > 0) {
    body_left_ = head.content_length;
    body_chunked_ = false;
    state_ = State::kBody;
  } else if (head.body == http::RequestHead::Body::kChunked) {
    // The decoder exists only while a chunked body is read: idle connections stay small.
    if (chunked_ == nullptr) chunked_ = std::make_unique<http::ChunkedDecoder>();
    chunked_->reset();
    body_chunked_ = true;
    state_ = State::kBody;
  }
  raw_head_ = raw_head;
  if (state_ != State::kBody) return answer(head, false);

  const Router::BodyCheck check = worker_.router().check_body(info_for_request(), head);
  if (check.status != 0) return answer(head, false);  // 413 and the like: without the body
  if (body_chunked_) {
    // client_max_body_size for a body of unknown length: 413 as soon as a chunk-size passes it
    // (0: no limit). Set for every request: the decoder is reused on the connection.
    *chunked_ = http::ChunkedDecoder(http::ChunkedLimits{
        .max_body = static_cast<uint64_t>(std::max<int64_t>(check.max_body, 0))});
  }
  body_timeout_ms_ = clamp_ms(static_cast<int64_t>(check.body_timeout_ms));
  body_store_failed_ = false;
  body_keep_.reset();
  stream_body_ = false;
  if (check.stream_body) {
    // proxy_request_buffering off: the request goes upstream now; its body follows as it comes
    // (fed from drive() while the connection is in kProxy).
    if (head.expect_continue && head.minor >= 1)
      out_.bytes().append("HTTP/1.1 100 Continue\r\n\r\n");
    stream_body_ = true;
    state_ = State::kHead;
    raw_head_ = raw_head;
    return answer(head, false);
  }
  if (check.keep_body) {
    body_keep_ = std::make_unique<RequestBody>(check.body_buffer_size);
    // A body that is read (proxy_pass) gets its 100 Continue even when bytes came already, as
    // nginx's ngx_http_read_client_request_body sends it.
    if (head.expect_continue && body_buffered && head.minor >= 1) {
      out_.bytes().append("HTTP/1.1 100 Continue\r\n\r\n");
    }
  }
  const BodyProgress p = body_buffered ? discard_body() : BodyProgress::kNeedMore;
  raw_head_ = raw_head;
  if (p != BodyProgress::kNeedMore) return answer(head, p == BodyProgress::kError);

  // Hold the answer until the body has been read: keep a copy of the head (the input buffer may
  // move as the body arrives) and parse it again then.
  pending_head_ = std::make_unique<std::string>(raw_head);
  if (head.expect_continue && !body_buffered && head.minor >= 1) {
    out_.bytes().append("HTTP/1.1 100 Continue\r\n\r\n");
  }
  return true;
}

bool Connection::answer_pending(bool body_error) {
  http::RequestHead& head = worker_.scratch_head();
  http::RequestParser reparse(limits_for(*group_.default_server));
  size_t consumed = 0;
  const http::ParseStatus st = reparse.parse(*pending_head_, head, consumed);
  assert(st == http::ParseStatus::kDone);  // it parsed the first time
  (void)st;
  raw_head_ = *pending_head_;
  const bool ok = answer(head, body_error);
  pending_head_.reset();
  return ok;
}

bool Connection::answer(const http::RequestHead& head, bool body_error) {
  const ConnectionInfo info = info_for_request();
  Exchange ex(info, head, request_start_ms_, worker_.scratch_uri(), worker_.scratch_filename());
  ex.keep_alive = head.keep_alive && !stopping_ && !worker_.stopping();
  Router& router = worker_.router();
  if (body_error) {
    ex.keep_alive = false;
    const int status = body_store_failed_ || chunked_ == nullptr ? 500 : chunked_->error().status;
    router.respond_error(ex, status, out_, Router::request_line(head));
  } else {
    router.respond(ex, out_);
    if (ex.proxy) return start_proxy(ex);
  }
  if (ex.status == Router::kCloseNow) {  // `return 444`: logged, then closed without an answer
    worker_.access_log().log(ex);
    close();
    return false;
  }
  if (ex.location != nullptr) {
    keepalive_timeout_ms_ = clamp_ms(ex.location->keepalive_timeout_ms);
    body_timeout_ms_ = clamp_ms(ex.location->client_body_timeout_ms);
    send_timeout_ms_ = clamp_ms(ex.location->send_timeout_ms);
  }
  worker_.access_log().log(ex);
  if (!ex.keep_alive) {
    // Closing: the rest of the body (if any) is not read; a lingering close drains it.
    close_after_flush_ = true;
    linger_ = state_ == State::kBody || !in_.empty();
    state_ = State::kHead;
  }
  return true;
}

Connection::BodyProgress Connection::discard_body() {
  if (body_chunked_) {
    size_t consumed = 0;
    const http::ParseStatus st =
        chunked_->decode(in_.readable(), consumed, [this](std::string_view piece) {
          if (body_keep_ != nullptr && !body_store_failed_ && !body_keep_->append(piece)) {
            body_store_failed_ = true;
          }
        });
    in_.consume(consumed);
    if (body_store_failed_) return BodyProgress::kError;
    if (st == http::ParseStatus::kDone) {
      state_ = State::kHead;
      return BodyProgress::kDone;
    }
    if (st == http::ParseStatus::kError) {
      core::error_log().logf(core::LogLevel::info, id_, "%.*s, client: %.*s",
                             int(chunked_->error().reason.size()), chunked_->error().reason.data(),
                             int(addr_len_), addr_text_);
      return BodyProgress::kError;
    }
    return BodyProgress::kNeedMore;
  }
  const size_t n = static_cast<size_t>(std::min<uint64_t>(body_left_, in_.size()));
  if (body_keep_ != nullptr) {
    if (auto s = body_keep_->append(in_.readable().substr(0, n)); !s) {
      core::error_log().logf(core::LogLevel::crit, id_, "%s, client: %.*s",
                             s.error().message.c_str(), int(addr_len_), addr_text_);
      body_store_failed_ = true;
      return BodyProgress::kError;
    }
  }
  in_.consume(n);
  body_left_ -= n;
  if (body_left_ == 0) {
    state_ = State::kHead;
    return BodyProgress::kDone;
  }
  return BodyProgress::kNeedMore;
}

void Connection::fail_request(int status, std::string_view reason) {
  core::error_log().logf(core::LogLevel::info, id_,
                         "%.*s while reading client request, client: %.*s", int(reason.size()),
                         reason.data(), int(addr_len_), addr_text_);
  answer_unparsed(status);
}

// Answers (and logs) a request whose head could not be parsed or did not arrive in time, then
// closes. $request shows its first line as received.
void Connection::answer_unparsed(int status) {
  ++requests_;
  http::RequestHead& head = worker_.scratch_head();
  head.clear();
  const ConnectionInfo info = info_for_request();
  Exchange ex(info, head, request_start_ms_, worker_.scratch_uri(), worker_.scratch_filename());
  const std::string_view raw = in_.readable();
  const size_t eol = std::min(raw.find_first_of("\r\n"), std::min<size_t>(raw.size(), 8192));
  worker_.router().respond_error(ex, status, out_, raw.substr(0, eol));
  worker_.access_log().log(ex);
  in_.clear();
  parser_.reset();
  close_after_flush_ = true;
  linger_ = true;
}

void Connection::finish_or_linger() {
  close_after_flush_ = false;
  // Everything is sent. If the peer may still be sending, closing now would make the kernel
  // answer its bytes with a RST that can destroy our last answer in flight: shut the write side
  // and drain for a while instead (nginx's lingering close).
  if (!linger_ && state_ == State::kHead && in_.empty() && !read_pending_) {
    close();
    return;
  }
  if (tls_ != nullptr) (void)tls_->shutdown();  // close_notify before the TCP FIN
  if (::shutdown(fd_.get(), SHUT_WR) != 0) {
    close();
    return;
  }
  state_ = State::kLingering;
  in_.clear();
  timer_for_send_ = false;
  worker_.loop().arm(timer_, kLingeringTimeoutMs);
}

void Connection::arm_wait_timer() {
  core::EventLoop& loop = worker_.loop();
  if (state_ == State::kClosed) return;
  if (!out_.empty()) {
    // send_timeout: between two successive writes.
    loop.arm(timer_, send_timeout_ms_);
    timer_for_send_ = true;
    return;
  }
  const bool was_send = timer_for_send_;
  timer_for_send_ = false;
  switch (state_) {
    case State::kLingering:
      if (!timer_.armed()) loop.arm(timer_, kLingeringTimeoutMs);
      return;
    case State::kBody:
      loop.arm(timer_, body_timeout_ms_);  // between two successive reads
      return;
    case State::kHead:
      if (in_.empty() && head_scanned() == 0 && requests_ > 0) {
        loop.arm(timer_, keepalive_timeout_ms_);
        header_timer_ = false;
      } else if (!header_timer_ || !timer_.armed() || was_send) {
        // client_header_timeout: for the whole head, not between reads (slowloris).
        loop.arm(timer_, static_cast<uint64_t>(group_.default_server->client_header_timeout_ms));
        header_timer_ = true;
      }
      return;
    case State::kProxy:
      loop.cancel(timer_);  // the ProxyRequest's own timers run now
      return;
    case State::kClosed:
      return;
  }
}

void Connection::on_timer() {
  if (state_ == State::kClosed) return;
  if (timer_for_send_) {
    core::error_log().logf(core::LogLevel::info, id_,
                           "client timed out (110: Connection timed out) while sending response "
                           "to client, client: %.*s",
                           int(addr_len_), addr_text_);
    close();
    return;
  }
  switch (state_) {
    case State::kLingering:
      close();
      return;
    case State::kBody:
      core::error_log().logf(core::LogLevel::info, id_,
                             "client timed out (110: Connection timed out) while reading client "
                             "request body, client: %.*s",
                             int(addr_len_), addr_text_);
      if (pending_head_ != nullptr) {
        answer_timeout();
        return;
      }
      close();
      return;
    case State::kHead:
      if (tls_ != nullptr && !tls_->established()) {
        core::error_log().logf(core::LogLevel::info, id_,
                               "client timed out (110: Connection timed out) while SSL "
                               "handshaking, client: %.*s, server: %s",
                               int(addr_len_), addr_text_, group_.listen.addr_text.c_str());
        close();
        return;
      }
      if (in_.empty() && head_scanned() == 0) {
        close();  // idle keep-alive (or a connection that never spoke): nothing to say
        return;
      }
      core::error_log().logf(core::LogLevel::info, id_,
                             "client timed out (110: Connection timed out) while reading client "
                             "request headers, client: %.*s",
                             int(addr_len_), addr_text_);
      fail_timeout();
      return;
    case State::kProxy:
      return;
    case State::kClosed:
      return;
  }
}

void Connection::fail_timeout() {
  answer_unparsed(408);
  drive();  // sends it, then closes
}

void Connection::answer_timeout() {
  http::RequestHead& head = worker_.scratch_head();
  http::RequestParser reparse(limits_for(*group_.default_server));
  size_t consumed = 0;
  (void)reparse.parse(*pending_head_, head, consumed);
  const ConnectionInfo info = info_for_request();
  Exchange ex(info, head, request_start_ms_, worker_.scratch_uri(), worker_.scratch_filename());
  worker_.router().respond_error(ex, 408, out_, Router::request_line(head));
  worker_.access_log().log(ex);
  pending_head_.reset();
  in_.clear();
  state_ = State::kHead;
  close_after_flush_ = true;
  linger_ = true;
  drive();  // sends it, then closes
}

void Connection::close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (tls_ != nullptr) (void)tls_->shutdown();  // close_notify, when the session is sound
  if (proxy_ != nullptr) {
    proxy_->abort();
    worker_.loop().defer_delete(std::move(proxy_));
  }
  worker_.loop().cancel(timer_);
  out_.discard();
  in_.clear();
  // Give the worker back any scratch storage this connection holds, so the next one starts warm.
  if (worker_.scratch_in().capacity() == 0 && in_.capacity() != 0)
    std::swap(in_, worker_.scratch_in());
  if (worker_.scratch_out().capacity() == 0 && out_.bytes().capacity() != 0) {
    out_.swap_storage(worker_.scratch_out());
  }
  worker_.close(*this);
}

bool Connection::start_proxy(const Exchange& ex) {
  state_ = State::kProxy;
  worker_.loop().cancel(timer_);
  proxy_ = std::make_unique<ProxyRequest>(*this, worker_, ex, raw_head_, std::move(body_keep_));
  proxy_->start();  // may finish at once (proxy_done)
  return state_ != State::kClosed;
}

void Connection::proxy_output() {
  if (!in_drive_) drive();
}

void Connection::proxy_done() {
  if (proxy_ == nullptr) return;
  ProxyRequest& p = *proxy_;
  worker_.access_log().log(p.exchange());
  if (stream_body_) {
    // Answered before the streamed body ended: the rest of it cannot be told from a next request.
    stream_body_ = false;
    close_after_flush_ = true;
    linger_ = true;
  }
  if (!p.client_keep_alive() || stopping_ || worker_.stopping()) {
    close_after_flush_ = true;
    linger_ = !in_.empty();
  }
  state_ = State::kHead;
  // We may be inside one of its callbacks: destroyed after this batch.
  worker_.loop().defer_delete(std::move(proxy_));
  if (!in_drive_) drive();
}

// proxy_request_buffering off: passes the decoded body bytes in in_ to the proxy, as far as it
// takes them; tells it when the body has ended.
void Connection::feed_body() {
  while (stream_body_ && !in_.empty() && proxy_ != nullptr && proxy_->body_room() > 0) {
    if (body_chunked_) {
      size_t consumed = 0;
      const http::ParseStatus st = chunked_->decode(
          in_.readable().substr(0, std::min<size_t>(in_.size(), proxy_->body_room())), consumed,
          [this](std::string_view piece) { proxy_->client_body(piece); });
      in_.consume(consumed);
      if (st == http::ParseStatus::kError) {
        core::error_log().logf(core::LogLevel::info, id_, "%.*s, client: %.*s",
                               int(chunked_->error().reason.size()),
                               chunked_->error().reason.data(), int(addr_len_), addr_text_);
        proxy_->abort();
        close();
        return;
      }
      if (st == http::ParseStatus::kDone) {
        stream_body_ = false;
        proxy_->client_body_end();
      }
      continue;
    }
    const size_t n = static_cast<size_t>(
        std::min<uint64_t>({body_left_, in_.size(), static_cast<uint64_t>(proxy_->body_room())}));
    proxy_->client_body(in_.readable().substr(0, n));
    in_.consume(n);
    body_left_ -= n;
    if (body_left_ == 0) {
      stream_body_ = false;
      proxy_->client_body_end();
    }
  }
}

}  // namespace wc::web
