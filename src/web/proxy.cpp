#include "web/proxy.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/append_number.h"
#include "core/error_log.h"
#include "core/io.h"
#include "core/socket.h"
#include "http/status.h"
#include "http/uri.h"
#include "web/connection.h"
#include "web/upstream.h"
#include "web/worker.h"

namespace wc::web {

namespace {

constexpr size_t kReadSize = 16 * 1024;
constexpr uint64_t kOutputLimitOff = 64 * 1024;  // proxy_buffering off: pause above this

using core::append_hex;
using core::append_number;

// "0.012": nginx's $upstream_response_time (seconds with milliseconds).
void append_seconds(std::string& out, uint64_t ms) {
  char buf[32];
  const int n =
      std::snprintf(buf, sizeof buf, "%llu.%03llu", static_cast<unsigned long long>(ms / 1000),
                    static_cast<unsigned long long>(ms % 1000));
  out.append(buf, static_cast<size_t>(n));
}

void append_list(std::string& list, std::string_view item) {
  if (!list.empty()) list += ", ";
  list += item;
}

bool is(std::string_view a, std::string_view b) { return http::iequals(a, b); }

// Request headers nginx never passes as they came (ngx_http_proxy_headers: replaced or dropped).
bool request_hop_by_hop(std::string_view name) {
  return is(name, "Connection") || is(name, "Keep-Alive") || is(name, "TE") || is(name, "Expect") ||
         is(name, "Upgrade") || is(name, "Transfer-Encoding") || is(name, "Content-Length") ||
         is(name, "Proxy-Connection") || is(name, "Trailer");
}

// Response headers the client never gets from the upstream: hop-by-hop ones, and those nginx
// hides by default (its own Date and Server are sent instead).
bool response_hidden(std::string_view name) {
  if (is(name, "Connection") || is(name, "Keep-Alive") || is(name, "Transfer-Encoding") ||
      is(name, "Upgrade") || is(name, "TE") || is(name, "Trailer") ||
      is(name, "Proxy-Connection") || is(name, "Content-Length") || is(name, "Date") ||
      is(name, "Server") || is(name, "X-Pad")) {
    return true;
  }
  return name.size() >= 8 && is(name.substr(0, 8), "X-Accel-");
}

bool idempotent(http::Method m) {
  return m != http::Method::kPost && m != http::Method::kPatch && m != http::Method::kOther;
}

}  // namespace

ProxyRequest::ProxyRequest(ProxyClient& client, Worker& worker, const Exchange& ex,
                           std::string_view raw_head, std::unique_ptr<RequestBody> body)
    : client_(client),
      worker_(worker),
      conf_(ex.location->proxy),
      upstream_(worker.upstreams().get(*ex.location->proxy.upstream)),
      info_(ex.conn),
      head_bytes_(raw_head),
      uri_(ex.uri),
      filename_(ex.filename),
      args_(ex.args),
      request_id_(ex.request_id),
      ex_(info_, head_, ex.start_ms, uri_, filename_),
      body_(std::move(body)) {
  // The head again, over our own copy of its bytes.
  http::Limits limits;
  limits.max_request_line = limits.max_header_line = limits.max_head = head_bytes_.size() + 2;
  limits.max_headers = 100000;
  limits.require_host = false;
  limits.underscores_in_headers = true;
  limits.http2 = true;  // a head made from an HTTP/2 request says "HTTP/2.0"
  http::RequestParser reparse(limits);
  size_t consumed = 0;
  (void)reparse.parse(head_bytes_, head_, consumed);
  ex_.request_line = Router::request_line(head_);
  ex_.server = ex.server;
  ex_.location = ex.location;
  ex_.args = ex.args.data() == nullptr ? std::string_view{} : std::string_view(args_);
  ex_.redirects = ex.redirects;
  ex_.uri_changed = ex.uri_changed;
  ex_.keep_alive = ex.keep_alive;
  ex_.header_only = head_.method == http::Method::kHead;
  ex_.request_id = request_id_;
  ex_.proxy = true;
  ex_.proxy_host = conf_.host;
  ex_.proxy_port = conf_.port;
  ex_.h2_head = ex.h2_head;
  idempotent_ = idempotent(head_.method);
  streaming_ = body_ == nullptr && head_.body != http::RequestHead::Body::kNone &&
               conf_.pass_request_body && !conf_.request_buffering;
  stream_chunked_ = streaming_ && head_.body == http::RequestHead::Body::kChunked;
  timer_.set_callback([this] { on_timer(); });
}

ProxyRequest::~ProxyRequest() { close_upstream(); }

void ProxyRequest::log_error(const std::string& message) {
  std::string line = message;
  line += ", client: ";
  line += info_.remote_addr;
  line += ", server: ";
  line += ex_.server != nullptr ? ex_.server->primary_name() : "";
  line += ", request: \"";
  line += ex_.request_line;
  line += "\"";
  if (server_ >= 0) {
    const config::UpstreamServer& s = upstream_.server(server_);
    line += ", upstream: \"http://";
    line += s.addr_text;
    // The URI as sent upstream (nginx prints it too): the request line's middle.
    const size_t sp1 = request_.find(' ');
    const size_t sp2 = sp1 == std::string::npos ? sp1 : request_.find(' ', sp1 + 1);
    if (sp2 != std::string::npos) line.append(request_, sp1 + 1, sp2 - sp1 - 1);
    line += "\"";
  }
  if (!head_.host.empty()) {
    line += ", host: \"";
    line += head_.host;
    line += "\"";
  }
  worker_.router().log_of(ex_).log(core::LogLevel::error, info_.id, line);
}

// The request as the upstream gets it (the same bytes for every attempt).
void ProxyRequest::build_request() {
  std::string& r = request_;
  r.clear();
  r.append(head_.method_name);
  r += ' ';
  if (ex_.uri_changed) {
    // `rewrite ... break` changed $uri in this location: it goes as it is now (escaped), and
    // proxy_pass's URI part is not used (nginx's documented rule).
    http::escape_uri(ex_.uri, r, http::Escape::kUri);
    if (!ex_.args.empty()) {
      r += '?';
      r += ex_.args;
    }
  } else if (conf_.has_uri) {
    // The matched location prefix is replaced by the URI part of proxy_pass (on the normalized
    // $uri, escaped again), as nginx does for a prefix location.
    const std::string_view prefix =
        ex_.location->kind == config::LocationConf::Kind::kExact ||
                ex_.location->kind == config::LocationConf::Kind::kPrefix ||
                ex_.location->kind == config::LocationConf::Kind::kPrefixNoRegex
            ? std::string_view(ex_.location->pattern)
            : std::string_view{};
    std::string_view rest = ex_.uri;
    if (!prefix.empty() && rest.substr(0, prefix.size()) == prefix)
      rest.remove_prefix(prefix.size());
    std::string path = conf_.uri;
    path.append(rest);
    http::escape_uri(path, r, http::Escape::kUri);
    if (ex_.args.data() != nullptr) {
      r += '?';
      r += ex_.args;
    }
  } else if (head_.form == http::TargetForm::kAbsolute) {
    // An absolute-form target ("GET http://host/path") goes upstream in origin form, as nginx
    // sends it: the path and query.
    r.append(head_.path);
    if (head_.query.data() != nullptr && !head_.query.empty()) {
      r += '?';
      r += head_.query;
    }
  } else {
    // Without a URI part the request URI goes as the client sent it.
    r.append(head_.target);
  }
  r += conf_.http_minor == 1 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n";

  // proxy_set_header first (with nginx's defaults: Host $proxy_host, Connection close); an empty
  // value sends nothing. Then the client's headers, except hop-by-hop ones and those set here.
  std::vector<std::string> values;
  worker_.router().proxy_header_values(ex_, values);
  bool host_set = false;
  bool connection_set = false;
  for (size_t i = 0; i < conf_.set_headers.size() && i < values.size(); ++i) {
    const std::string& name = conf_.set_headers[i].name;
    if (is(name, "Host")) host_set = true;
    if (is(name, "Connection")) connection_set = true;
    if (values[i].empty()) continue;
    r += name;
    r += ": ";
    r += values[i];
    r += "\r\n";
  }
  if (!host_set) {
    r += "Host: ";
    r += conf_.host;
    r += "\r\n";
  }
  if (!connection_set) r += "Connection: close\r\n";
  if (stream_chunked_) {
    r += "Transfer-Encoding: chunked\r\n";
  } else if (streaming_) {
    r += "Content-Length: ";
    append_number(r, head_.content_length);
    r += "\r\n";
  } else if (body_ != nullptr &&
             (body_->size() > 0 || head_.body != http::RequestHead::Body::kNone)) {
    r += "Content-Length: ";
    append_number(r, body_->size());
    r += "\r\n";
  } else if (head_.body == http::RequestHead::Body::kLength && conf_.pass_request_body) {
    r += "Content-Length: 0\r\n";  // the client's empty body, said as it said it (nginx)
  }
  if (conf_.pass_request_headers) {
    for (const http::Header& h : head_.headers) {
      if (request_hop_by_hop(h.name)) continue;
      bool overridden = is(h.name, "Host");
      for (const config::ProxyHeaderConf& s : conf_.set_headers) {
        if (is(s.name, h.name)) overridden = true;
      }
      if (overridden) continue;
      r += h.name;
      r += ": ";
      r += h.value;
      r += "\r\n";
    }
  }
  r += "\r\n";
}

void ProxyRequest::start() {
  build_request();
  first_try_ms_ = worker_.loop().now_ms();
  next_attempt();
}

void ProxyRequest::next_attempt() {
  const uint64_t now = worker_.loop().now_ms();
  const int i = upstream_.pick(now, tried_);
  if (i < 0) {
    if (tries_ == 0) {
      server_ = -1;
      log_error("no live upstreams while connecting to upstream");
      append_list(upstream_addr_, upstream_.conf().name);
      append_list(upstream_status_, "502");
    }
    answer_error(upstream_code_ == 504 ? 504 : 502);
    return;
  }
  connect_to(i);
}

void ProxyRequest::connect_to(int i) {
  server_ = i;
  if (i < 64) tried_ |= 1ULL << i;
  ++tries_;
  const config::UpstreamServer& s = upstream_.server(i);
  append_list(upstream_addr_, s.addr_text);
  attempt_start_ms_ = worker_.loop().now_ms();
  request_sent_ = 0;
  body_sent_ = 0;
  request_fully_sent_ = false;
  in_.clear();
  http::ResponseLimits limits;
  limits.max_head = static_cast<size_t>(std::max<int64_t>(conf_.buffer_size, 1024));
  parser_ = http::ResponseParser(limits);
  upstream_.begin(i);

  reused_ = false;
  fd_requests_ = 0;
  fd_ = upstream_.take_idle(i, fd_requests_);
  if (fd_.valid()) {
    reused_ = true;
  } else {
    core::SocketAddress addr;
    std::memcpy(&addr.storage, &s.addr, sizeof addr.storage);
    addr.length = s.addr_len;
    auto fd = core::connect_tcp(addr);
    if (!fd) {
      attempt_failed(Failure::kError, fd.error().code, "connect() failed");
      return;
    }
    fd_ = std::move(*fd);
    if (addr.family() != AF_UNIX) (void)core::set_tcp_nodelay(fd_.get(), true);
  }
  if (auto st = reused_ ? worker_.loop().rebind(fd_.get(), this)
                        : worker_.loop().add(fd_.get(), kPooledEvents, this);
      !st) {
    attempt_failed(Failure::kError, st.error().code, "epoll_ctl() failed");
    return;
  }
  state_ = reused_ ? State::kSending : State::kConnecting;
  worker_.loop().arm(
      timer_, static_cast<uint64_t>(reused_ ? conf_.send_timeout_ms : conf_.connect_timeout_ms));
  if (reused_) send_request();
}

void ProxyRequest::on_io(uint32_t events) {
  if (state_ == State::kTunnel) {
    tunnel_io(events);
    return;
  }
  if (state_ == State::kConnecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    const int err = core::socket_error(fd_.get());
    if (err != 0 || (events & EPOLLERR) != 0) {
      attempt_failed(Failure::kError, err != 0 ? err : ECONNREFUSED, "connect() failed");
      return;
    }
    on_connected();
    return;
  }
  if (state_ == State::kSending && (events & EPOLLOUT) != 0) send_request();
  if (state_ == State::kDone || state_ == State::kIdle) return;
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) read_pending_ = true;
  if (read_pending_ && (state_ == State::kReadingHead || state_ == State::kReadingBody ||
                        state_ == State::kSending)) {
    read_upstream();
  }
}

void ProxyRequest::on_connected() {
  connect_ms_ = worker_.loop().now_ms() - attempt_start_ms_;
  state_ = State::kSending;
  worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.send_timeout_ms));
  send_request();
}

void ProxyRequest::send_request() {
  while (state_ == State::kSending) {
    core::IoResult r;
    if (request_sent_ < request_.size()) {
      // Head and an in-memory body in one writev.
      iovec iov[2];
      size_t n = 0;
      iov[n++] = {request_.data() + request_sent_, request_.size() - request_sent_};
      if (body_ != nullptr && !body_->in_file() && body_->size() > 0) {
        iov[n++] = {const_cast<char*>(body_->memory().data()), body_->memory().size()};
      }
      r = core::writev_some(fd_.get(), std::span<const iovec>(iov, n));
      if (r.ok()) {
        const size_t head_part = std::min(r.bytes, request_.size() - request_sent_);
        request_sent_ += head_part;
        body_sent_ += r.bytes - head_part;
      }
    } else if (body_ != nullptr && body_sent_ < body_->size()) {
      if (body_->in_file()) {
        off_t off = static_cast<off_t>(body_sent_);
        r = core::sendfile_some(fd_.get(), body_->fd(), off,
                                static_cast<size_t>(body_->size() - body_sent_));
        if (r.ok()) {
          if (r.bytes == 0) {
            attempt_failed(Failure::kError, EIO, "sendfile() failed");
            return;
          }
          body_sent_ = static_cast<uint64_t>(off);
        }
      } else {
        const std::string_view rest = body_->memory().substr(static_cast<size_t>(body_sent_));
        r = core::write_some(fd_.get(), rest);
        if (r.ok()) body_sent_ += r.bytes;
      }
    } else if (streaming_ && stream_sent_ < stream_out_.size()) {
      r = core::write_some(fd_.get(), std::string_view(stream_out_).substr(stream_sent_));
      if (r.ok()) {
        stream_sent_ += r.bytes;
        if (stream_sent_ == stream_out_.size()) {
          stream_out_.clear();
          stream_sent_ = 0;
        } else if (stream_sent_ > 65536) {
          stream_out_.erase(0, stream_sent_);  // sent bytes are not kept
          stream_sent_ = 0;
        }
        if (!stream_ended_) client_.proxy_output();  // room again: the client's bytes may come
      }
    } else if (streaming_ && !stream_ended_) {
      // The body is still arriving from the client: wait for it (under proxy_send_timeout).
      worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.send_timeout_ms));
      return;
    } else {
      request_fully_sent_ = true;
      state_ = State::kReadingHead;
      worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.read_timeout_ms));
      if (read_pending_) read_upstream();
      return;
    }
    if (r.would_block()) {
      worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.send_timeout_ms));
      return;
    }
    if (!r.ok()) {
      attempt_failed(Failure::kError, r.error, "writev() failed");
      return;
    }
  }
}

void ProxyRequest::read_upstream() {
  while (state_ == State::kReadingHead || state_ == State::kReadingBody ||
         state_ == State::kSending) {
    if (paused_) return;  // proxy_buffering off and the client is behind
    if (in_.writable() < kReadSize) in_.reserve(kReadSize);
    const core::IoResult r = core::read_into(fd_.get(), in_, 0);
    if (r.would_block()) {
      read_pending_ = false;
      return;
    }
    const bool eof = !r.ok();
    if (eof && r.status == core::IoStatus::error && state_ != State::kReadingBody) {
      attempt_failed(Failure::kError, r.error, "recv() failed");
      return;
    }
    if (state_ == State::kSending && !eof) {
      // An early answer (e.g. 413 before the body): read it as the response.
      state_ = State::kReadingHead;
    }
    if (state_ == State::kReadingHead || (state_ == State::kSending && eof)) {
      if (eof && in_.empty()) {
        attempt_failed(Failure::kError, 0,
                       "upstream prematurely closed connection while reading response header "
                       "from upstream");
        return;
      }
      if (!parse_head()) {
        if (state_ != State::kReadingHead) return;  // failed or finished
        if (eof) {
          attempt_failed(Failure::kInvalidHeader, 0,
                         "upstream prematurely closed connection while reading response header "
                         "from upstream");
          return;
        }
        continue;
      }
    }
    if (state_ == State::kReadingBody) {
      const std::string_view data = in_.readable();
      if (!relay_body(data, eof)) return;
      in_.consume(data.size());
      if (eof) return;
    }
    if (eof) return;
  }
}

void ProxyRequest::record_attempt_end() {
  const uint64_t now = worker_.loop().now_ms();
  std::string t;
  append_seconds(t, now - attempt_start_ms_);
  append_list(upstream_response_time_, t);
  t.clear();
  append_seconds(t, connect_ms_);
  append_list(upstream_connect_time_, t);
  t.clear();
  append_seconds(t, header_ms_);
  append_list(upstream_header_time_, header_ms_ == 0 ? std::string_view("-") : std::string_view(t));
}

void ProxyRequest::attempt_failed(Failure kind, int err, const char* what) {
  worker_.loop().cancel(timer_);
  const bool timed_out = kind == Failure::kTimeout;
  std::string message = what;
  if (err != 0 && kind != Failure::kTimeout) {
    message += " (";
    message += std::to_string(err);
    message += ": ";
    message += std::strerror(err);
    message += ")";
  }
  if (kind == Failure::kTimeout)
    message = std::string("upstream timed out (110: Connection timed out) ") + what;
  else if (kind == Failure::kError && std::strncmp(what, "connect()", 9) == 0)
    message += " while connecting to upstream";
  else if (kind == Failure::kError && std::strncmp(what, "upstream", 8) != 0)
    message += " while reading response header from upstream";
  // A cached keep-alive connection the upstream closed just before we used it is not the
  // server's failure: try again on a fresh connection, as nginx does.
  const bool stale_keepalive = reused_ && in_.empty() && !head_sent_ && kind == Failure::kError;
  if (!stale_keepalive) log_error(message);
  upstream_code_ = timed_out ? 504 : 502;
  if (server_ >= 0) {
    upstream_.end(server_);
    if (!stale_keepalive) upstream_.failed(server_, worker_.loop().now_ms());
    record_attempt_end();
    append_list(upstream_status_, timed_out ? "504" : "502");
  }
  close_upstream();
  if (head_sent_) {
    // The client already has part of the answer: what it has goes out, then the connection
    // closes without the body's end (no last chunk, or fewer bytes than Content-Length), so the
    // truncation shows; it is never completed as if whole.
    ex_.keep_alive = false;
    truncated_ = true;
    hand_back();
    return;
  }
  if (stale_keepalive) {
    tried_ &= server_ < 64 ? ~(1ULL << server_) : ~0ULL;
    --tries_;
    connect_to(server_);
    return;
  }
  const uint32_t cond = timed_out                         ? config::kNextTimeout
                        : kind == Failure::kInvalidHeader ? config::kNextInvalidHeader
                                                          : config::kNextError;
  bool retry = (conf_.next_upstream & config::kNextOff) == 0 && (conf_.next_upstream & cond) != 0;
  // A streamed body cannot be sent twice once bytes of it left the client's buffer.
  if (streaming_ && stream_passed_ > 0) retry = false;
  // A non-idempotent request is passed on again only if it was never sent (nginx's rule).
  if (retry && !idempotent_ && request_sent_ > 0 &&
      (conf_.next_upstream & config::kNextNonIdempotent) == 0) {
    retry = false;
  }
  if (retry && conf_.next_upstream_tries > 0 && tries_ >= conf_.next_upstream_tries) retry = false;
  if (retry && conf_.next_upstream_timeout_ms > 0 &&
      worker_.loop().now_ms() - first_try_ms_ >=
          static_cast<uint64_t>(conf_.next_upstream_timeout_ms)) {
    retry = false;
  }
  if (retry) {
    next_attempt();
    return;
  }
  answer_error(timed_out ? 504 : 502);
}

void ProxyRequest::on_timer() {
  switch (state_) {
    case State::kConnecting:
      attempt_failed(Failure::kTimeout, 0, "while connecting to upstream");
      return;
    case State::kSending:
      attempt_failed(Failure::kTimeout, 0, "while sending request to upstream");
      return;
    case State::kReadingHead:
      attempt_failed(Failure::kTimeout, 0, "while reading response header from upstream");
      return;
    case State::kReadingBody:
      attempt_failed(Failure::kTimeout, 0, "while reading upstream");
      return;
    case State::kTunnel:
      end_tunnel();  // nothing moved either way for proxy_read_timeout
      return;
    default:
      return;
  }
}

void ProxyRequest::answer_error(int status) {
  close_upstream();
  worker_.router().respond_proxy_error(ex_, status, client_.output());
  hand_back();
}

// The end of every exchange, answered or failed: $upstream_* for the access log (the lists gathered
// over every attempt), what is queued goes out, and the connection takes over again.
void ProxyRequest::hand_back() {
  state_ = State::kDone;
  ex_.upstream_addr = upstream_addr_;
  ex_.upstream_status = upstream_status_;
  ex_.upstream_response_time = upstream_response_time_;
  ex_.upstream_connect_time = upstream_connect_time_;
  ex_.upstream_header_time = upstream_header_time_;
  client_.proxy_output();
  client_.proxy_done();
}

void ProxyRequest::close_upstream() {
  worker_.loop().cancel(timer_);
  if (fd_.valid()) {
    worker_.loop().remove(fd_.get());
    fd_.reset();
  }
}

void ProxyRequest::abort() {
  if (state_ == State::kDone) return;
  if (server_ >= 0 && fd_.valid()) upstream_.end(server_);
  close_upstream();
  state_ = State::kDone;
}

size_t ProxyRequest::body_room() const noexcept {
  if (!streaming_ || stream_ended_ || state_ == State::kDone) return 0;
  constexpr size_t kStreamBuffer = 64 * 1024;
  const size_t pending = stream_out_.size() - stream_sent_;
  return pending >= kStreamBuffer ? 0 : kStreamBuffer - pending;
}

void ProxyRequest::client_body(std::string_view bytes) {
  if (!streaming_ || bytes.empty()) return;
  stream_passed_ += bytes.size();
  if (stream_chunked_) {
    append_hex(stream_out_, bytes.size());
    stream_out_ += "\r\n";
    stream_out_.append(bytes);
    stream_out_ += "\r\n";
  } else {
    stream_out_.append(bytes);
  }
  if (state_ == State::kSending && request_sent_ == request_.size()) send_request();
}

void ProxyRequest::client_body_end() {
  if (!streaming_ || stream_ended_) return;
  stream_ended_ = true;
  if (stream_chunked_) stream_out_ += "0\r\n\r\n";
  if (state_ == State::kSending && request_sent_ == request_.size()) send_request();
}

void ProxyRequest::client_drained() {
  if (!paused_) return;
  paused_ = false;
  if (state_ == State::kTunnel) {
    tunnel_io(EPOLLIN);
    return;
  }
  if (fd_.valid() && state_ == State::kReadingBody) {
    // Resume: read what arrived meanwhile (edge-triggered, so read even without a new event).
    read_pending_ = true;
    read_upstream();
  }
}

}  // namespace wc::web

namespace wc::web {

// Parses the response head from in_. True when the body phase has begun (state kReadingBody, or
// the whole exchange is finished); false to wait for more bytes or after a failure.
// proxy_redirect: the rules in order, the first that matches wins (nginx's
// ngx_http_proxy_rewrite_redirect). A literal FROM is a case-sensitive prefix; a regex one
// (~, ~*) is matched on the whole value and TO may use its captures ($1..$9). Variables other
// than captures in a rule are not evaluated (such rules are kept as written).
bool ProxyRequest::rewrite_redirect(std::string& value, size_t begin) {
  const std::string_view subject = std::string_view(value).substr(begin);
  for (const config::ProxyRedirect& rule : conf_.redirect_rules) {
    if (!rule.regex) {
      if (rule.from.empty() || subject.substr(0, rule.from.size()) != rule.from) continue;
      value.replace(begin, rule.from.size(), rule.to);
      return true;
    }
    config::Captures caps;
    if (rule.compiled == nullptr || !rule.compiled->match(subject, &caps)) continue;
    std::string out;
    for (size_t i = 0; i < rule.to.size(); ++i) {
      const char c = rule.to[i];
      if (c == '$' && i + 1 < rule.to.size() && rule.to[i + 1] >= '0' && rule.to[i + 1] <= '9') {
        out.append(caps.group(rule.to[i + 1] - '0'));
        ++i;
      } else {
        out.push_back(c);
      }
    }
    value.replace(begin, std::string::npos, out);
    return true;
  }
  return false;
}

bool ProxyRequest::parse_head() {
  for (;;) {
    size_t consumed = 0;
    const http::ParseStatus st = parser_.parse(in_.readable(), head_.method, resp_, consumed);
    if (st == http::ParseStatus::kNeedMore) return false;
    if (st == http::ParseStatus::kError) {
      const std::string reason =
          std::string(parser_.error().reason) + " while reading response header from upstream";
      attempt_failed(Failure::kInvalidHeader, 0, reason.c_str());
      return false;
    }
    if (resp_.body == http::ParsedResponse::Body::kInformational) {
      in_.consume(consumed);  // 100 Continue & co.: the final answer follows
      parser_.reset();
      continue;
    }
    header_ms_ = worker_.loop().now_ms() - attempt_start_ms_;
    upstream_code_ = resp_.status;
    // proxy_next_upstream http_5xx & co.: another server, while one is left and nothing was sent.
    uint32_t cond = 0;
    switch (resp_.status) {
      case 500:
        cond = config::kNextHttp500;
        break;
      case 502:
        cond = config::kNextHttp502;
        break;
      case 503:
        cond = config::kNextHttp503;
        break;
      case 504:
        cond = config::kNextHttp504;
        break;
      case 403:
        cond = config::kNextHttp403;
        break;
      case 404:
        cond = config::kNextHttp404;
        break;
      case 429:
        cond = config::kNextHttp429;
        break;
      default:
        break;
    }
    if (cond != 0 && (conf_.next_upstream & cond) != 0 &&
        (conf_.next_upstream & config::kNextOff) == 0 &&
        (idempotent_ || (conf_.next_upstream & config::kNextNonIdempotent) != 0) &&
        (conf_.next_upstream_tries == 0 || tries_ < conf_.next_upstream_tries)) {
      if (upstream_.untried(tried_) > 0) {
        upstream_.end(server_);
        if (resp_.status >= 500 || resp_.status == 429)
          upstream_.failed(server_, worker_.loop().now_ms());
        record_attempt_end();
        append_list(upstream_status_, std::to_string(resp_.status));
        close_upstream();
        next_attempt();
        return false;
      }
    }
    in_consume_head_ = consumed;
    if (resp_.tunnel) {
      // 101 Switching Protocols: only for a client that asked to upgrade (and a config that
      // passed its Upgrade on); otherwise the stream cannot be relayed as HTTP any more.
      if (!head_.upgrade || resp_.status != 101) {
        attempt_failed(Failure::kInvalidHeader, 0,
                       "upstream sent unexpected 101 Switching Protocols while reading response "
                       "header from upstream");
        return false;
      }
      start_tunnel();
      return true;
    }
    start_response();
    return true;
  }
}

// WebSocket & co.: the 101 goes to the client, then bytes are relayed both ways until either side
// closes or nothing moves for proxy_read_timeout (nginx's ngx_http_upstream_upgrade).
void ProxyRequest::start_tunnel() {
  std::string& out = client_.output().bytes();
  const size_t before = out.size();
  out += "HTTP/1.1 101 Switching Protocols\r\nServer: ";
  out += ex_.location->server_tokens ? "webcycle/" WEBCYCLE_VERSION : "webcycle";
  out += "\r\nDate: ";
  out += worker_.loop().wall_clock().http_date();
  out += "\r\nConnection: upgrade\r\n";
  for (const http::Header& h : resp_.headers) {
    if (is(h.name, "Connection") || is(h.name, "Keep-Alive") || is(h.name, "Date") ||
        is(h.name, "Server") || is(h.name, "Transfer-Encoding") || is(h.name, "Content-Length")) {
      continue;
    }
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  out += "\r\n";
  ex_.header_bytes = out.size() - before;
  ex_.status = 101;
  ex_.keep_alive = false;  // the connection ends with the tunnel
  head_sent_ = true;
  in_.consume(in_consume_head_);
  state_ = State::kTunnel;
  header_ms_ = worker_.loop().now_ms() - attempt_start_ms_;
  worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.read_timeout_ms));
  // Bytes that came after the 101 belong to the new protocol.
  if (!in_.empty()) {
    client_.output().bytes().append(in_.readable());
    ex_.body_bytes += in_.size();
    in_.clear();
  }
  // Edge-triggered: what the upstream sent after the 101 (or its close) may already be waiting.
  tunnel_io(EPOLLIN);
}

size_t ProxyRequest::client_bytes(std::string_view data) {
  if (state_ != State::kTunnel || data.empty()) return 0;
  const core::IoResult r = core::write_some(fd_.get(), data);
  if (r.ok()) {
    worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.read_timeout_ms));
    return r.bytes;
  }
  if (r.would_block()) return 0;  // EPOLLOUT (edge-triggered) will bring the client back
  end_tunnel();
  return 0;
}

void ProxyRequest::tunnel_io(uint32_t events) {
  if ((events & EPOLLOUT) != 0) client_.proxy_output();  // client bytes may flow again
  if (state_ != State::kTunnel) return;
  // Upstream -> client, while the client keeps up.
  while (client_.output().pending() < kOutputLimitOff) {
    std::string& out = client_.output().bytes();
    const size_t before = out.size();
    out.resize(before + kReadSize);
    const ssize_t n = ::read(fd_.get(), out.data() + before, kReadSize);
    if (n > 0) {
      out.resize(before + static_cast<size_t>(n));
      ex_.body_bytes += static_cast<uint64_t>(n);
      worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.read_timeout_ms));
      continue;
    }
    out.resize(before);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      read_pending_ = false;
      break;
    }
    if (n < 0 && errno == EINTR) continue;
    end_tunnel();  // the upstream closed (or failed): the client's connection ends too
    return;
  }
  if (client_.output().pending() >= kOutputLimitOff) paused_ = true;
  client_.proxy_output();
}

void ProxyRequest::end_tunnel() {
  if (state_ != State::kTunnel) return;
  worker_.loop().cancel(timer_);
  record_attempt_end();
  append_list(upstream_status_, "101");
  upstream_.end(server_);
  close_upstream();
  ex_.keep_alive = false;
  hand_back();
}

void ProxyRequest::start_response() {
  // The client's head, from the upstream's: our Server/Date/Connection, framing decided here.
  std::string& store = sent_store_;
  store.clear();
  std::string location;
  std::string_view content_type;
  bool has_content_type = false;
  std::vector<std::pair<size_t, size_t>> spans;  // offsets of name/value pairs in `store`
  auto keep = [&](std::string_view name, std::string_view value) {
    const size_t n0 = store.size();
    store += name;
    const size_t v0 = store.size();
    store += value;
    spans.emplace_back(n0, v0);
  };
  // `expires` replaces the upstream's Expires and Cache-Control on the codes it applies to
  // (they come after the upstream's other headers here; nginx overwrites them in place).
  const bool replace_expires = ex_.location->expires.kind != config::ExpiresConf::Kind::kOff &&
                               headers_filter_applies(resp_.status);
  for (const http::Header& h : resp_.headers) {
    bool hidden = response_hidden(h.name);
    if (replace_expires && (is(h.name, "Expires") || is(h.name, "Cache-Control"))) hidden = true;
    for (const std::string& name : conf_.hide_headers) {
      if (is(name, h.name)) hidden = true;
    }
    for (const std::string& name : conf_.pass_headers) {
      if (is(name, h.name)) hidden = false;
    }
    if (is(h.name, "X-Accel-Buffering")) buffering_ = conf_.buffering && !is(h.value, "no");
    if (hidden) continue;
    if (is(h.name, "Content-Type") && !has_content_type) {
      content_type = h.value;
      has_content_type = true;
      continue;
    }
    if (is(h.name, "Location") || is(h.name, "Refresh")) {
      // proxy_redirect: the upstream's own address becomes ours.
      std::string value(h.value);
      bool rewritten = false;
      if (conf_.redirect != config::ProxyConf::Redirect::kOff) {
        const size_t at = is(h.name, "Refresh") ? value.find("url=") : 0;
        const size_t begin =
            at == std::string::npos ? std::string::npos : (is(h.name, "Refresh") ? at + 4 : 0);
        if (begin != std::string::npos) rewritten = rewrite_redirect(value, begin);
      }
      if (is(h.name, "Location")) {
        // A relative Location from the upstream stays relative (nginx passes it as it is); one
        // proxy_redirect rewrote is made absolute as nginx's header filter does.
        if (rewritten) {
          worker_.router().absolute_location(ex_, value, location);
        } else {
          location = std::move(value);
        }
        continue;
      }
      keep(h.name, value);
      continue;
    }
    keep(h.name, h.value);
  }
  buffering_ = buffering_ && conf_.buffering;
  // Content-Type and Location live in `store` too, so every view below stays valid.
  const size_t ct0 = store.size();
  store += content_type;
  const size_t loc0 = store.size();
  store += location;
  sent_.clear();
  for (size_t k = 0; k < spans.size(); ++k) {
    const size_t end = k + 1 < spans.size() ? spans[k + 1].first : ct0;
    sent_.push_back(
        {std::string_view(store).substr(spans[k].first, spans[k].second - spans[k].first),
         std::string_view(store).substr(spans[k].second, end - spans[k].second)});
  }

  http::ResponseHead head;
  head.status = resp_.status;
  if (has_content_type) head.content_type = std::string_view(store).substr(ct0, loc0 - ct0);
  if (!location.empty()) head.location = std::string_view(store).substr(loc0);
  const bool no_body = resp_.body == http::ParsedResponse::Body::kNone;
  if (resp_.content_length >= 0 && resp_.body != http::ParsedResponse::Body::kChunked) {
    head.content_length = resp_.content_length;
  }
  if (!no_body && resp_.body != http::ParsedResponse::Body::kLength) {
    if (!head_.http1()) {
      // HTTP/2: DATA frames carry the body and END_STREAM ends it.
    } else if (head_.minor >= 1) {
      head.chunked = true;
      client_chunked_ = !ex_.header_only;
    } else {
      ex_.keep_alive = false;  // an HTTP/1.0 client reads to the close
    }
  }
  head.extra = sent_;
  Output& out = client_.output();
  worker_.router().proxy_head(ex_, out, head);
  head_sent_ = true;
  // $sent_http_* for the log: what the client got besides Server/Date/Connection.
  if (has_content_type) sent_.push_back({"Content-Type", head.content_type});
  if (!location.empty()) sent_.push_back({"Location", head.location});
  ex_.sent_headers = sent_;

  in_.consume(in_consume_head_);
  state_ = State::kReadingBody;
  length_left_ = resp_.body == http::ParsedResponse::Body::kLength
                     ? static_cast<uint64_t>(resp_.content_length)
                     : 0;
  if (resp_.body == http::ParsedResponse::Body::kChunked) {
    chunked_ = std::make_unique<http::ChunkedDecoder>();
  }
  worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.read_timeout_ms));
  if (no_body || (resp_.body == http::ParsedResponse::Body::kLength && length_left_ == 0)) {
    upstream_done(resp_.keep_alive && in_.empty());
    return;
  }
  // The head goes out now only when no body bytes came with it (otherwise they carry it: one
  // write for both).
  if (in_.empty()) client_.proxy_output();
}

void ProxyRequest::append_client_body(std::string_view bytes) {
  if (bytes.empty() || ex_.header_only) return;
  Output& out = client_.output();
  ex_.body_bytes += bytes.size();
  if (client_chunked_) {
    append_hex(out.bytes(), bytes.size());
    out.bytes() += "\r\n";
  }
  const uint64_t memory_cap =
      static_cast<uint64_t>(conf_.buffers_num) * static_cast<uint64_t>(conf_.buffers_size) +
      static_cast<uint64_t>(conf_.buffer_size);
  const bool spill =
      buffering_ && out.pending() > memory_cap &&
      (conf_.max_temp_file_size == 0
           ? false
           : spill_size_ + bytes.size() <= static_cast<uint64_t>(conf_.max_temp_file_size));
  bool spilled = false;
  if (spill) {
    // proxy_buffering: the client is behind; the rest goes to a temporary file (sent with
    // sendfile when its turn comes) so the upstream is read to its end without waiting.
    if (!spill_file_) {
      const char* dir = std::getenv("TMPDIR");
      const std::string path = dir != nullptr && *dir != '\0' ? dir : "/tmp";
      auto fd =
          std::make_shared<core::Fd>(::open(path.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
      if (fd->valid()) spill_file_ = std::move(fd);
    }
    if (spill_file_) {
      size_t done = 0;
      while (done < bytes.size()) {
        const ssize_t n = ::pwrite(spill_file_->get(), bytes.data() + done, bytes.size() - done,
                                   static_cast<off_t>(spill_size_ + done));
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      if (done == bytes.size()) {
        FileRange range;
        range.fd = spill_file_->get();
        range.offset = static_cast<off_t>(spill_size_);
        range.length = bytes.size();
        range.keep = spill_file_;
        out.add_file(std::move(range));
        spill_size_ += bytes.size();
        spilled = true;
      }
    }
  }
  if (!spilled) out.bytes().append(bytes);
  if (client_chunked_) out.bytes() += "\r\n";
  // Without buffering (or past max_temp_file_size, or without a usable temporary file) the
  // upstream waits for the client; with it, the next bytes go to the file instead.
  const bool can_spill = buffering_ && conf_.max_temp_file_size > 0 &&
                         spill_size_ < static_cast<uint64_t>(conf_.max_temp_file_size) &&
                         (spill_file_ != nullptr || !spill_failed_);
  if (spill && !spilled) spill_failed_ = true;
  const uint64_t limit =
      buffering_ ? memory_cap
                 : std::max<uint64_t>(kOutputLimitOff, static_cast<uint64_t>(conf_.buffer_size));
  if (!spilled && out.pending() > limit && !(can_spill && !spill_failed_)) paused_ = true;
}

// Passes body bytes from the upstream on; false when the exchange ended (or failed) here.
bool ProxyRequest::relay_body(std::string_view data, bool eof) {
  worker_.loop().arm(timer_, static_cast<uint64_t>(conf_.read_timeout_ms));
  switch (resp_.body) {
    case http::ParsedResponse::Body::kLength: {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(length_left_, data.size()));
      append_client_body(data.substr(0, n));
      length_left_ -= n;
      if (length_left_ == 0) {
        in_.consume(data.size());
        upstream_done(resp_.keep_alive && n == data.size() && !eof);
        return false;
      }
      break;
    }
    case http::ParsedResponse::Body::kChunked: {
      size_t consumed = 0;
      const http::ParseStatus st = chunked_->decode(
          data, consumed, [this](std::string_view piece) { append_client_body(piece); });
      if (st == http::ParseStatus::kError) {
        in_.consume(data.size());
        attempt_failed(Failure::kInvalidHeader, 0,
                       "upstream sent invalid chunked response while reading upstream");
        return false;
      }
      if (st == http::ParseStatus::kDone) {
        in_.consume(data.size());
        upstream_done(resp_.keep_alive && consumed == data.size() && !eof);
        return false;
      }
      break;
    }
    case http::ParsedResponse::Body::kClose:
      append_client_body(data);
      if (eof) {
        in_.consume(data.size());
        upstream_done(false);
        return false;
      }
      break;
    default:
      break;
  }
  if (eof) {
    in_.consume(data.size());
    attempt_failed(Failure::kError, 0,
                   "upstream prematurely closed connection while reading upstream");
    return false;
  }
  client_.proxy_output();
  return state_ == State::kReadingBody;
}

void ProxyRequest::upstream_done(bool reusable) {
  worker_.loop().cancel(timer_);
  record_attempt_end();
  append_list(upstream_status_, std::to_string(resp_.status));
  upstream_.end(server_);
  if (resp_.status < 500) upstream_.succeeded(server_);
  if (reusable && conf_.http_minor == 1 && upstream_.conf().keepalive > 0) {
    upstream_.put_idle(server_, std::move(fd_), fd_requests_ + 1, /*registered=*/true);
  } else {
    worker_.loop().remove(fd_.get());
  }
  fd_.reset();
  finish();
}

void ProxyRequest::finish() {
  if (client_chunked_) client_.output().bytes() += "0\r\n\r\n";
  hand_back();
}

}  // namespace wc::web
