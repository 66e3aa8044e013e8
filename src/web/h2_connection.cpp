#include "web/h2_connection.h"

#include <algorithm>
#include <cstring>

#include "core/error_log.h"
#include "core/io.h"
#include "tls/stream.h"
#include "web/connection.h"
#include "web/exchange.h"
#include "web/h2_request.h"
#include "web/router.h"
#include "web/worker.h"

namespace wc::web {

namespace {

// Frames are made up to this many bytes ahead of what the socket took.
constexpr size_t kSendAhead = 64 * 1024;
// Finished streams kept for the next ones of the connection (their buffers stay warm).
constexpr size_t kSpareStreams = 8;
// A proxied answer's stream asks the upstream for more below this much queued.
constexpr uint64_t kProxyLowWater = 64 * 1024;

uint64_t clamp_ms(int64_t ms) { return static_cast<uint64_t>(std::max<int64_t>(ms, 1)); }

core::IoResult from_tls(const tls::IoResult& r) {
  core::IoResult out;
  out.bytes = r.bytes;
  switch (r.status) {
    case tls::IoStatus::kOk:
      out.status = core::IoStatus::ok;
      break;
    case tls::IoStatus::kWantRead:
    case tls::IoStatus::kWantWrite:
      out.status = core::IoStatus::would_block;
      break;
    case tls::IoStatus::kEof:
      out.status = core::IoStatus::eof;
      break;
    case tls::IoStatus::kError:
      out.status = core::IoStatus::error;
      out.error = EPROTO;
      break;
  }
  return out;
}

}  // namespace

class H2Connection::Stream final : public ProxyClient, public http2::BodySource {
 public:
  Stream(H2Connection& c, int32_t stream_id) : conn(c), id(stream_id) {}
  ~Stream() {
    if (proxy != nullptr) {
      proxy->abort();
      conn.worker_.loop().defer_delete(std::move(proxy));
    }
  }

  // Ready for the next stream of the connection (buffers keep their capacity).
  void recycle(int32_t stream_id) {
    id = stream_id;
    head_text.clear();
    head.clear();
    start_ms = 0;
    body.reset();
    body_received = 0;
    max_body = 0;
    keep_body = answered = submitted = body_done = waiting = body_failed = false;
    out.discard();
    h2head.clear();
    uri.clear();
    filename.clear();
  }

  Output& output() noexcept override { return out; }
  void proxy_output() override { conn.stream_output(*this); }
  void proxy_done() override { conn.stream_proxy_done(*this); }

  Result<Read> read(char* buf, size_t cap) override {
    Result<size_t> n = out.read_into(buf, std::min(cap, conn.chunk_size_));
    if (!n) return std::unexpected(n.error());
    if (*n == 0 && !body_done) {
      waiting = true;
      return Read{0, State::kWait};
    }
    if (proxy != nullptr && out.pending() < kProxyLowWater) conn.again_ = true;  // drained
    return Read{*n, body_done && out.empty() ? State::kEnd : State::kMore};
  }

  H2Connection& conn;
  int32_t id;
  http2::RequestFields fields;
  std::string head_text;
  http::RequestHead head;
  uint64_t start_ms = 0;
  std::unique_ptr<RequestBody> body;  // kept for proxy_pass
  uint64_t body_received = 0;
  int64_t max_body = 0;
  bool keep_body = false;
  bool answered = false;   // the Router has run
  bool submitted = false;  // HEADERS are queued
  bool body_done = false;  // nothing more will be appended to `out`
  bool waiting = false;    // read() said kWait: resume() before the next DATA
  bool body_failed = false;
  Output out;
  H2Head h2head;
  std::unique_ptr<ProxyRequest> proxy;
  bool proxied = false;  // a ProxyRequest held it: never recycled (the proxy may still call it)
  std::string uri;
  std::string filename;
};

H2Connection::H2Connection(Connection& conn, Worker& worker) : conn_(conn), worker_(worker) {
  timer_.set_callback([this] { on_timer(); });
}

H2Connection::~H2Connection() = default;

Status H2Connection::start(std::string_view already_read) {
  const config::ServerConf& srv = *conn_.group().default_server;
  http2::Settings settings;
  settings.max_concurrent_streams = static_cast<uint32_t>(srv.http2_max_concurrent_streams);
  settings.max_header_list_size = static_cast<uint32_t>(std::min<int64_t>(
      srv.large_client_header_buffers_size * srv.large_client_header_buffers_num, UINT32_MAX));
  chunk_size_ = static_cast<size_t>(srv.http2_chunk_size);
  auto session = http2::ServerSession::create(*this, settings);
  if (!session) return std::unexpected(session.error());
  session_ = std::move(*session);
  if (!already_read.empty()) {
    if (auto st = session_->receive(already_read); !st) {
      log_info(st.error().message.c_str());
      read_pending_ = false;
    }
  }
  drive();
  return {};
}

void H2Connection::log_info(const char* what) {
  core::error_log().logf(core::LogLevel::info, conn_.id(),
                         "%s while processing HTTP/2 connection, client: %.*s, server: %s", what,
                         int(conn_.remote_addr().size()), conn_.remote_addr().data(),
                         conn_.group().listen.addr_text.c_str());
}

bool H2Connection::idle() const noexcept { return streams_.empty() && out_sent_ == out_.size(); }

void H2Connection::shutdown_when_idle() {
  stopping_ = true;
  if (session_ != nullptr) session_->goaway(http2::kNoError);
  drive();
}

void H2Connection::on_io(uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_pending_ = true;
  if (events & EPOLLOUT) write_blocked_ = false;
  if (conn_.tls() != nullptr) {
    // A TLS read may wait for the socket to be writable and a write for it to be readable
    // (a key update): any event retries both.
    read_pending_ = true;
    write_blocked_ = false;
  }
  drive();
}

// Writes what is queued, makes more frames, reads and feeds what the socket has, until
// everything waits for the peer.
void H2Connection::drive() {
  if (closed_) return;
  if (in_drive_) {
    again_ = true;
    return;
  }
  in_drive_ = true;
  while (!closed_) {
    again_ = false;
    // 1. Write.
    while (out_sent_ < out_.size() && !write_blocked_) {
      const core::IoResult r = write_some(std::string_view(out_).substr(out_sent_));
      if (r.would_block()) {
        write_blocked_ = true;
        break;
      }
      if (!r.ok()) {
        if (r.error != EPIPE && r.error != ECONNRESET) {
          core::error_log().logf(
              core::LogLevel::info, conn_.id(), "writev() failed (%d: %s), client: %.*s", r.error,
              std::strerror(r.error), int(conn_.remote_addr().size()), conn_.remote_addr().data());
        }
        close();
        break;
      }
      out_sent_ += r.bytes;
    }
    if (closed_) break;
    if (out_sent_ == out_.size()) {
      out_.clear();
      out_sent_ = 0;
    }
    // 2. Make frames while the socket keeps up.
    bool made = false;
    if (!write_blocked_ && out_.size() - out_sent_ < kSendAhead) {
      const size_t before = out_.size();
      if (auto st = session_->send(out_, out_sent_ + kSendAhead); !st) {
        log_info(st.error().message.c_str());
        close();
        break;
      }
      made = out_.size() != before;
    }
    // Proxied streams whose Output drained: the upstream may be read again.
    for (auto& [id, s] : streams_) {
      if (s->proxy != nullptr && s->submitted && s->out.pending() < kProxyLowWater) {
        s->proxy->client_drained();
      }
    }
    if (made) continue;
    // 3. Read.
    if (read_pending_ && session_->want_read()) {
      static thread_local std::string buf;
      const size_t size = static_cast<size_t>(conn_.group().default_server->http2_recv_buffer_size);
      if (buf.size() != size) buf.resize(size);
      const core::IoResult r = read_some(std::span<char>(buf.data(), size));
      if (r.would_block()) {
        read_pending_ = false;
      } else if (!r.ok() || r.bytes == 0) {
        close();  // the peer closed (or reset): every stream goes with it
        break;
      } else {
        if (auto st = session_->receive(std::string_view(buf.data(), r.bytes)); !st) {
          log_info(st.error().message.c_str());
          read_pending_ = false;
        }
        continue;
      }
    }
    if (again_) continue;
    break;
  }
  in_drive_ = false;
  if (closed_) return;
  const bool nothing_queued = out_sent_ == out_.size();
  if (nothing_queued && !session_->want_read() && !session_->want_write()) {
    close();  // a GOAWAY went out (protocol error, bad preface, or stop) and nothing is left
    return;
  }
  if (stopping_ && streams_.empty() && nothing_queued) {
    close();
    return;
  }
  arm_timer();
}

// The socket, or the TLS stream over it when ALPN chose "h2".
core::IoResult H2Connection::read_some(std::span<char> into) {
  tls::Stream* tls = conn_.tls();
  if (tls == nullptr) return core::read_some(conn_.fd(), into);
  const core::IoResult r = from_tls(tls->read(into));
  if (r.status == core::IoStatus::error) log_info(tls->error_text().c_str());
  return r;
}

core::IoResult H2Connection::write_some(std::string_view data) {
  tls::Stream* tls = conn_.tls();
  if (tls == nullptr) return core::write_some(conn_.fd(), data);
  const core::IoResult r = from_tls(tls->write(data));
  if (r.status == core::IoStatus::error) log_info(tls->error_text().c_str());
  return r;
}

void H2Connection::arm_timer() {
  const config::ServerConf& srv = *conn_.group().default_server;
  if (out_sent_ < out_.size()) {
    if (!timer_for_send_ || !timer_.armed()) {
      worker_.loop().arm(timer_, clamp_ms(srv.loc.send_timeout_ms));
      timer_for_send_ = true;
    }
    return;
  }
  timer_for_send_ = false;
  worker_.loop().arm(timer_, clamp_ms(srv.http2_idle_timeout_ms));
}

void H2Connection::on_timer() {
  if (closed_) return;
  if (timer_for_send_) {
    core::error_log().logf(core::LogLevel::info, conn_.id(),
                           "client timed out (110: Connection timed out) while sending response "
                           "to client, client: %.*s",
                           int(conn_.remote_addr().size()), conn_.remote_addr().data());
    close();
    return;
  }
  // http2_idle_timeout: nothing moved either way. Streams still open are cut (their proxies have
  // their own, shorter, timers; a client that stopped sending a body is the one waited for).
  session_->goaway(http2::kNoError);
  stopping_ = true;
  std::string tail;
  (void)session_->send(tail, 1024);
  (void)write_some(tail);
  close();
}

void H2Connection::close() {
  if (closed_) return;
  closed_ = true;
  worker_.loop().cancel(timer_);
  // Streams (and their proxies) go after this batch: one of them may be on the stack.
  for (auto& [id, s] : streams_) worker_.loop().defer_delete(std::move(s));
  streams_.clear();
  spare_.clear();
  conn_.close();
}

bool H2Connection::parse_head(Stream& s, std::optional<uint64_t> content_length) {
  h2_request_head(s.fields, content_length, s.head_text);
  const config::ServerConf& srv = *conn_.group().default_server;
  http::Limits limits;
  const auto line = static_cast<size_t>(srv.large_client_header_buffers_size);
  limits.max_request_line = line;
  limits.max_header_line = line;
  limits.max_head = line * static_cast<size_t>(srv.large_client_header_buffers_num);
  limits.http2 = true;
  http::RequestParser parser(limits);
  size_t consumed = 0;
  const http::ParseStatus st = parser.parse(s.head_text, s.head, consumed);
  if (st == http::ParseStatus::kDone) return true;
  const http::ParseError e = parser.error();
  core::error_log().logf(core::LogLevel::info, conn_.id(),
                         "%.*s while processing HTTP/2 connection, client: %.*s",
                         int(e.reason.size()), e.reason.data(), int(conn_.remote_addr().size()),
                         conn_.remote_addr().data());
  answer_error(s, st == http::ParseStatus::kError ? e.status : 400);
  return false;
}

void H2Connection::on_request(int32_t stream_id, http2::RequestFields&& fields, bool end_stream) {
  std::unique_ptr<Stream> owned;
  if (spare_.empty()) {
    owned = std::make_unique<Stream>(*this, stream_id);
  } else {
    owned = std::move(spare_.back());
    spare_.pop_back();
    owned->recycle(stream_id);
  }
  Stream& s = *owned;
  streams_[stream_id] = std::move(owned);
  s.fields = std::move(fields);
  s.start_ms = worker_.loop().now_ms();
  std::optional<uint64_t> length;
  for (const auto& [name, value] : s.fields.headers) {
    if (name != "content-length") continue;
    uint64_t v = 0;
    for (char c : value) v = v * 10 + static_cast<uint64_t>(c - '0');  // nghttp2 checked digits
    length = v;
  }
  if (end_stream) {
    if (parse_head(s, length && *length > 0 ? length : std::nullopt)) answer(s);
    return;
  }
  if (!parse_head(s, length)) return;
  ConnectionInfo info = conn_.info_for_request();
  const Router::BodyCheck check = worker_.router().check_body(info, s.head);
  if (check.status != 0) {
    answer(s);  // 413 and the like, without the body (the rest of it is dropped as it comes)
    return;
  }
  s.max_body = check.max_body;
  s.keep_body = check.keep_body;
  if (s.keep_body) s.body = std::make_unique<RequestBody>(check.body_buffer_size);
}

void H2Connection::on_request_data(int32_t stream_id, std::string_view data) {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  Stream& s = *it->second;
  if (s.answered) return;  // answered early (413...): the rest is dropped
  s.body_received += data.size();
  if (s.max_body > 0 && s.body_received > static_cast<uint64_t>(s.max_body)) {
    core::error_log().logf(core::LogLevel::error, conn_.id(),
                           "client intended to send too large body: %llu bytes, client: %.*s",
                           static_cast<unsigned long long>(s.body_received),
                           int(conn_.remote_addr().size()), conn_.remote_addr().data());
    answer_error(s, 413);
    return;
  }
  if (s.body != nullptr && !s.body_failed) {
    if (auto st = s.body->append(data); !st) {
      core::error_log().logf(core::LogLevel::crit, conn_.id(), "%s, client: %.*s",
                             st.error().message.c_str(), int(conn_.remote_addr().size()),
                             conn_.remote_addr().data());
      s.body_failed = true;
    }
  }
}

void H2Connection::on_request_end(int32_t stream_id) {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  Stream& s = *it->second;
  if (s.answered) return;
  if (s.body_failed) {
    answer_error(s, 500);
    return;
  }
  // The head again, now with the body's length (what the upstream is told).
  if (!parse_head(s, s.body_received)) return;
  answer(s);
}

void H2Connection::on_stream_close(int32_t stream_id, uint32_t) {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  std::unique_ptr<Stream> s = std::move(it->second);
  streams_.erase(it);
  if (s->proxied || spare_.size() >= kSpareStreams) {
    // Its proxy (if any) is aborted by ~Stream; the stream may be on the stack (a proxy
    // callback), so it goes after this batch.
    worker_.loop().defer_delete(std::move(s));
    return;
  }
  // Only loop-level code (drive's receive/send) closes streams, and no frame of a stream that
  // never proxied holds it across them: it can serve the next stream at once.
  spare_.push_back(std::move(s));
}

void H2Connection::answer(Stream& s) {
  s.answered = true;
  ++conn_.requests_;
  const ConnectionInfo info = conn_.info_for_request();
  Exchange ex(info, s.head, s.start_ms, s.uri, s.filename);
  ex.h2_head = &s.h2head;
  ex.keep_alive = true;
  Router& router = worker_.router();
  router.respond(ex, s.out);
  if (ex.proxy) {
    s.proxied = true;
    s.proxy = std::make_unique<ProxyRequest>(s, worker_, ex, s.head_text, std::move(s.body));
    s.proxy->start();  // may answer at once (stream_proxy_done)
    return;
  }
  worker_.access_log().log(ex);
  if (ex.status == Router::kCloseNow) {  // `return 444`: the stream is reset, nothing sent
    session_->reset(s.id, http2::kInternalError);
    drive();
    return;
  }
  s.body_done = true;
  submit(s);
  drive();
}

void H2Connection::answer_error(Stream& s, int status) {
  s.answered = true;
  ++conn_.requests_;
  const ConnectionInfo info = conn_.info_for_request();
  Exchange ex(info, s.head, s.start_ms, s.uri, s.filename);
  ex.h2_head = &s.h2head;
  std::string line = s.fields.method + " " + s.fields.path + " HTTP/2.0";
  worker_.router().respond_error(ex, status, s.out, line);
  worker_.access_log().log(ex);
  s.body_done = true;
  submit(s);
  drive();
}

void H2Connection::submit(Stream& s) {
  if (s.submitted || !s.h2head.ready()) return;
  s.submitted = true;
  const bool no_body = s.body_done && s.out.empty();
  if (auto st =
          session_->respond(s.id, s.h2head.status(), s.h2head.fields(), no_body ? nullptr : &s);
      !st) {
    // The client reset the stream meanwhile: nothing to send.
    return;
  }
}

void H2Connection::stream_output(Stream& s) {
  if (!s.submitted) {
    submit(s);
  } else if (s.waiting) {
    s.waiting = false;
    session_->resume(s.id);
  }
  drive();
}

void H2Connection::stream_proxy_done(Stream& s) {
  if (s.proxy == nullptr) return;
  ProxyRequest& p = *s.proxy;
  worker_.access_log().log(p.exchange());
  const bool truncated = p.truncated();
  worker_.loop().defer_delete(std::move(s.proxy));  // we may be inside one of its callbacks
  if (truncated) {
    // The upstream failed after the head went out: the stream is reset, never ended as whole.
    session_->reset(s.id, http2::kInternalError);
    drive();
    return;
  }
  s.body_done = true;
  stream_output(s);
}

}  // namespace wc::web
