#include "client/session.h"

#include <arpa/inet.h>
#include <sys/epoll.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/content_decoder.h"
#include "client/html_text.h"
#include "client/request.h"
#include "client/response_reader.h"
#include "client/url.h"
#include "core/ascii.h"
#include "core/event_loop.h"
#include "core/io.h"
#include "core/socket.h"
#include "tls/stream.h"

namespace wc::client {
namespace {

constexpr double kDefaultConnectTimeoutS = 300;  // curl's

std::string ms(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(us) / 1000.0);
  return buf;
}

using core::iequals;

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string framing_name(const http::ParsedResponse& head) {
  using Body = http::ParsedResponse::Body;
  switch (head.body) {
    case Body::kNone:
      return "no body";
    case Body::kLength:
      return "Content-Length";
    case Body::kChunked:
      return "chunked";
    case Body::kClose:
      return "until the server closed";
    case Body::kInformational:
      return "interim";
  }
  return "?";
}
core::SocketAddress to_socket_address(const dns::IpAddress& ip, uint16_t port) {
  core::SocketAddress a;
  if (ip.v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, ip.bytes.data(), 16);
    sin6->sin6_port = htons(port);
    a.length = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&a.storage);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, ip.bytes.data(), 4);
    sin->sin_port = htons(port);
    a.length = sizeof(sockaddr_in);
  }
  return a;
}

class Session final : public core::IoHandler, public ResponseEvents {
 public:
  Session(core::EventLoop& loop, ResolverConfig config, const BrowseOptions& options,
          const Trace& trace, bool render_text)
      : loop_(loop),
        resolver_(loop, std::move(config)),
        options_(options),
        trace_(trace),
        render_text_(render_text) {
    max_timer_.set_callback([this] {
      finish(28, "operation timed out after " + std::to_string(trace_.elapsed_us() / 1000) +
                     " ms with " + std::to_string(received_) + " bytes received");
    });
    connect_timer_.set_callback([this] {
      finish(28, "connection to " + url_.authority() + " timed out after " +
                     std::to_string(trace_.elapsed_us() / 1000) + " ms");
    });
  }

  ~Session() { close_connection(); }

  // Starts the first request; the loop runs it. Returns the exit code once the loop stops.
  void start(Url url) {
    method_ = options_.method;
    if (method_.empty()) method_ = options_.head ? "HEAD" : options_.data ? "POST" : "GET";
    body_ = options_.data;
    user_headers_ = options_.headers;
    if (options_.max_time_s > 0) {
      loop_.arm(max_timer_, static_cast<uint64_t>(options_.max_time_s * 1000.0));
    }
    begin(std::move(url));
  }

  [[nodiscard]] int exit_code() const noexcept { return exit_code_; }

 private:
  enum class Phase : uint8_t {
    kIdle,
    kResolving,
    kConnecting,
    kHandshaking,  // https: the TLS handshake
    kSending,
    kReading,
    kDone
  };

  // ---- one request -------------------------------------------------------------------------

  void begin(Url url) {
    url_ = std::move(url);
    reader_.reset(method_ == "HEAD");
    got_bytes_ = false;
    redirect_to_.clear();
    decoder_.reset();
    output_this_ = false;
    request_start_us_ = trace_.elapsed_us();
    if (fd_.valid() && reusable_ && conn_url_.same_origin(url_)) {
      trace_.line('*', "reusing the connection to " + peer_.to_string() + " (keep-alive)");
      reused_ = true;
      send_request();
      return;
    }
    close_connection();
    reused_ = false;
    arm_connect_timer();
    // An IP literal is its own address: no lookup.
    dns::IpAddress ip;
    if (dns::IpAddress::parse(url_.host, ip)) {
      trace_.line('*', url_.host + " is an IP address: no lookup");
      addresses_ = {to_socket_address(ip, url_.port)};
      next_address_ = 0;
      connect_next();
      return;
    }
    phase_ = Phase::kResolving;
    trace_.line('*', "looking up " + url_.host);
    uint64_t started = trace_.elapsed_us();
    TraceFn trace_fn;
    if (trace_.on()) {
      trace_fn = [this](uint64_t, std::string_view line) {
        trace_.line('*', "resolve: " + std::string(line));
      };
    }
    lookup_id_ = resolver_.lookup(
        url_.host, options_.family,
        [this, started](LookupResult result) { resolved(std::move(result), started); },
        std::move(trace_fn));
  }

  void resolved(LookupResult result, uint64_t started) {
    lookup_id_ = 0;
    if (result.status != LookupStatus::kFound || result.addresses.empty()) {
      std::string message = "site not found: " + url_.host;
      if (result.status == LookupStatus::kServFail || result.status == LookupStatus::kTimeout) {
        message += " (" + std::string(lookup_status_text(result.status));
        if (!result.detail.empty()) message += ": " + result.detail;
        message += ")";
      }
      finish(6, message);
      return;
    }
    std::string list;
    addresses_.clear();
    for (const dns::IpAddress& ip : result.addresses) {
      addresses_.push_back(to_socket_address(ip, url_.port));
      if (!list.empty()) list += ", ";
      list += ip.to_string();
    }
    trace_.line('*', url_.host + " is " + list + " (" + (result.from_hosts ? "hosts file" : "DNS") +
                         ", " + ms(trace_.elapsed_us() - started) + ")");
    next_address_ = 0;
    connect_next();
  }

  void arm_connect_timer() {
    double s =
        options_.connect_timeout_s > 0 ? options_.connect_timeout_s : kDefaultConnectTimeoutS;
    loop_.arm(connect_timer_, static_cast<uint64_t>(s * 1000.0));
  }

  void connect_next() {
    while (next_address_ < addresses_.size()) {
      peer_ = addresses_[next_address_++];
      connect_started_us_ = trace_.elapsed_us();
      trace_.line('*', "connecting to " + peer_.to_string());
      Result<core::Fd> fd = core::connect_tcp(peer_);
      if (!fd) {
        connect_error_ = fd.error().code;
        trace_.line('*', "connect to " + peer_.to_string() + " failed: " + fd.error().message);
        continue;
      }
      fd_ = std::move(*fd);
      if (Status s = loop_.add(fd_.get(), EPOLLOUT, this); !s) {
        finish(7, "cannot watch the socket: " + s.error().message);
        return;
      }
      registered_ = true;
      phase_ = Phase::kConnecting;
      return;
    }
    std::string why = connect_error_ != 0 ? std::strerror(connect_error_) : "no address";
    finish(7, "cannot connect to " + url_.host + " port " + std::to_string(url_.port) + ": " + why);
  }

  void connected() {
    loop_.cancel(connect_timer_);
    (void)core::set_tcp_nodelay(fd_.get());
    trace_.line('*', "connected to " + peer_.to_string() + " in " +
                         ms(trace_.elapsed_us() - connect_started_us_));
    conn_url_ = url_;
    reusable_ = false;
    if (url_.scheme == "https") {
      start_tls();
      return;
    }
    send_request();
  }

  // ---- TLS (https://) ------------------------------------------------------------------------

  void start_tls() {
    if (!tls_ctx_) {
      tls::ClientOptions o;
      o.verify = !options_.insecure;
      o.ca_file = options_.cacert;
      o.alpn = {"http/1.1"};  // browse speaks HTTP/1.1
      auto ctx = tls::ClientContext::create(o);
      if (!ctx) {
        finish(77, ctx.error().message);  // curl's "problem with the CA cert"
        return;
      }
      tls_ctx_ = std::make_unique<tls::ClientContext>(std::move(*ctx));
      trace_.line('*', options_.insecure
                           ? std::string("certificate verification: off (-k)")
                           : "CA file: " + (options_.cacert.empty()
                                                ? std::string("/etc/ssl/certs (system store)")
                                                : options_.cacert));
    }
    auto stream = tls::Stream::connect(*tls_ctx_, fd_.get(), url_.host);
    if (!stream) {
      finish(35, stream.error().message);
      return;
    }
    tls_ = std::move(*stream);
    trace_.line('*', "TLS handshake with " + url_.host + " (ALPN offers http/1.1)");
    phase_ = Phase::kHandshaking;
    handshake();
  }

  void handshake() {
    const tls::IoResult r = tls_.handshake();
    if (r.wants()) {
      (void)loop_.modify(fd_.get(), r.status == tls::IoStatus::kWantRead ? EPOLLIN : EPOLLOUT,
                         this);
      return;
    }
    if (!r.ok()) {
      const long v = tls_.verify_result();
      if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        finish(60, "SSL: no alternative certificate subject name matches target host name '" +
                       url_.host + "'");
      } else if (v != X509_V_OK) {
        finish(60, "SSL certificate problem: " + tls_.verify_error_text());
      } else {
        // curl's wording: "OpenSSL/3.0.x: error:0A00010B:SSL routines::wrong version number".
        std::string why = tls_.error_text();
        if (const size_t at = why.find("(SSL: "); at != std::string::npos) {
          why = why.substr(at + 6, why.size() - at - 7);
        }
        finish(35, "OpenSSL/" + std::string(OpenSSL_version(OPENSSL_VERSION_STRING)) + ": " + why);
      }
      return;
    }
    if (trace_.on()) {
      trace_.line('*', "SSL connection using " + std::string(tls_.protocol()) + " / " +
                           std::string(tls_.cipher()));
      trace_.line('*', tls_.alpn().empty() ? std::string("ALPN: server did not agree on a protocol")
                                           : "ALPN: server accepted " + std::string(tls_.alpn()));
      trace_.line('*', "Server certificate:");
      trace_.line('*', " subject: " + tls_.peer_subject());
      trace_.line('*', " issuer: " + tls_.peer_issuer());
      trace_.line('*', options_.insecure ? " SSL certificate verify result: " +
                                               tls_.verify_error_text() + ", continuing anyway."
                                         : std::string(" SSL certificate verify ok."));
    }
    send_request();
  }

  void send_request() {
    RequestSpec spec;
    spec.method = method_;
    spec.headers = user_headers_;
    spec.body = body_;
    spec.form_body = body_.has_value();
    spec.compressed = options_.compressed;
    request_ = build_request(url_, spec);
    sent_ = 0;
    size_t head_end = request_.find("\r\n\r\n");
    trace_.head('>', std::string_view(request_).substr(
                         0, head_end == std::string::npos ? request_.size() : head_end + 2));
    trace_.line('>', "");
    if (body_ && trace_.on()) {
      trace_.line('*', "request body: " + std::to_string(body_->size()) + " bytes");
    }
    phase_ = Phase::kSending;
    reusable_ = false;
    write_more();
  }

  // One write or read, through TLS on an https:// connection.
  core::IoResult write_some(std::string_view data) {
    if (!tls_) return core::write_some(fd_.get(), data);
    return from_tls(tls_.write(data));
  }
  core::IoResult read_some(std::span<char> into) {
    if (!tls_) return core::read_some(fd_.get(), into);
    return from_tls(tls_.read(into));
  }
  core::IoResult from_tls(tls::IoResult r) {
    switch (r.status) {
      case tls::IoStatus::kOk:
        return {core::IoStatus::ok, r.bytes, 0};
      case tls::IoStatus::kWantRead:
      case tls::IoStatus::kWantWrite:
        return {core::IoStatus::would_block, 0, 0};
      case tls::IoStatus::kEof:
        return {core::IoStatus::eof, 0, 0};
      case tls::IoStatus::kError:
        break;
    }
    trace_.line('*', tls_.error_text());
    return {core::IoStatus::error, 0, ECONNRESET};
  }

  void write_more() {
    while (sent_ < request_.size()) {
      core::IoResult r = write_some(std::string_view(request_).substr(sent_));
      if (r.would_block()) {
        (void)loop_.modify(fd_.get(), EPOLLOUT, this);
        return;
      }
      if (!r.ok()) {
        if (reused_) {
          retry_fresh("the kept-alive connection was closed");
          return;
        }
        finish(55, std::string("send failure: ") + std::strerror(r.error));
        return;
      }
      sent_ += r.bytes;
    }
    phase_ = Phase::kReading;
    (void)loop_.modify(fd_.get(), EPOLLIN | EPOLLRDHUP, this);
  }

  // A reused connection the server had closed meanwhile: once more on a new one (as curl and
  // browsers do; the request never reached the application).
  void retry_fresh(std::string_view why) {
    trace_.line('*', std::string(why) + "; connecting again");
    close_connection();
    reused_ = false;
    reader_.reset(method_ == "HEAD");
    arm_connect_timer();
    next_address_ = 0;
    connect_next();
  }

  void on_io(uint32_t events) override {
    if (phase_ == Phase::kConnecting) {
      int err = core::socket_error(fd_.get());
      if (err == 0 && (events & (EPOLLERR | EPOLLHUP)) == 0) {
        connected();
        return;
      }
      if (err == 0) err = ECONNREFUSED;
      connect_error_ = err;
      trace_.line('*', "connect to " + peer_.to_string() + " failed: " + std::strerror(err));
      close_connection();
      connect_next();
      return;
    }
    if (phase_ == Phase::kHandshaking) {
      handshake();
      return;
    }
    if (phase_ == Phase::kSending) {
      write_more();
      return;
    }
    if (phase_ == Phase::kReading) {
      read_more();
      return;
    }
    // A kept-alive connection that the server closes between two requests: forget it.
    if (phase_ == Phase::kIdle && fd_.valid()) close_connection();
  }

  void read_more() {
    char buf[65536];
    for (int rounds = 0; rounds < 16 && phase_ == Phase::kReading; ++rounds) {
      core::IoResult r = read_some(std::span<char>(buf, sizeof buf));
      if (r.would_block()) return;
      if (r.status == core::IoStatus::eof ||
          (r.status == core::IoStatus::error && r.error == ECONNRESET && !got_bytes_)) {
        if (!got_bytes_ && reused_) {
          retry_fresh("the kept-alive connection was closed");
          return;
        }
        reusable_ = false;
        ResponseReader::State s = reader_.finish(*this);
        after_feed(s, true);
        return;
      }
      if (!r.ok()) {
        finish(56, std::string("recv failure: ") + std::strerror(r.error));
        return;
      }
      got_bytes_ = true;
      received_ += r.bytes;
      ResponseReader::State s = reader_.feed(std::string_view(buf, r.bytes), *this);
      after_feed(s, false);
      // A TLS read returns one record at most: only a would-block says the socket is drained.
      if (r.bytes < sizeof buf && !tls_) return;
    }
    // Rounds used up with bytes possibly left inside TLS (no new edge will come for them).
    if (tls_ && phase_ == Phase::kReading) loop_.post([this] { read_more(); });
  }

  void after_feed(ResponseReader::State s, bool closed) {
    if (phase_ != Phase::kReading) return;  // finish() already ran (e.g. -f, a write error)
    switch (s) {
      case ResponseReader::State::kFailed:
        finish(reader_.error().exit_code, reader_.error().message);
        return;
      case ResponseReader::State::kDone:
        response_done(closed);
        return;
      case ResponseReader::State::kStopped:
        return;
      default:
        if (closed) finish(56, "the connection closed early");
        return;
    }
  }

  // ---- response events ---------------------------------------------------------------------

  bool on_head(const http::ParsedResponse& head, std::string_view raw, bool interim) override {
    trace_.head('<', raw);
    if (interim) {
      if (options_.include || options_.head) write_out(raw);
      return true;
    }
    status_ = head.status;
    reason_ = std::string(head.reason);
    if (const http::Header* id = head.find("X-Request-ID")) {
      trace_.line('*', "request id: " + std::string(id->value) +
                           " (find it in the web server's access.log and the app's log)");
    }
    const http::Header* location = head.find("Location");
    bool redirect = location != nullptr && !location->value.empty() &&
                    (head.status == 301 || head.status == 302 || head.status == 303 ||
                     head.status == 307 || head.status == 308);
    if (redirect) {
      redirect_to_ = resolve_reference(url_.to_string(), location->value);
      if (size_t hash = redirect_to_.find('#'); hash != std::string::npos) {
        redirect_to_.resize(hash);
      }
      if (options_.include || options_.head) write_out(raw);
      return true;  // the body is read (so the connection can be reused) and dropped
    }
    if (options_.fail && head.status >= 400) {
      finish(22, "the requested URL returned error: " + std::to_string(head.status));
      return false;
    }
    output_this_ = true;
    if (!open_output()) return false;
    if (options_.include || options_.head) write_out(raw);
    const http::Header* coding = head.find("Content-Encoding");
    if (options_.compressed && coding != nullptr) {
      Result<std::unique_ptr<ContentDecoder>> d = ContentDecoder::create(coding->value);
      if (!d) {
        finish(61, d.error().message);
        return false;
      }
      decoder_ = std::move(*d);
    }
    const http::Header* type = head.find("Content-Type");
    text_this_ = render_text_ && (type == nullptr || icontains(type->value, "html"));
    return true;
  }

  void on_body(std::string_view bytes) override {
    if (!output_this_) return;
    std::string decoded;
    if (decoder_) {
      if (Status s = decoder_->feed(bytes, decoded); !s) {
        finish(61, s.error().message);
        return;
      }
      bytes = decoded;
    }
    decoded_bytes_ += bytes.size();
    if (text_this_) {
      page_.append(bytes);
    } else {
      write_out(bytes);
    }
  }

  void response_done(bool closed) {
    trace_.line('*', "body: " + std::to_string(reader_.body_bytes()) + " bytes (" +
                         framing_name(reader_.head()) + ") in " +
                         ms(trace_.elapsed_us() - request_start_us_) +
                         (decoder_ ? ", " + std::to_string(decoded_bytes_) + " decoded" : ""));
    reusable_ = !closed && reader_.reusable();
    if (!reusable_) {
      close_connection();
    } else {
      phase_ = Phase::kIdle;
      (void)loop_.modify(fd_.get(), EPOLLIN | EPOLLRDHUP, this);
    }
    if (!redirect_to_.empty()) {
      follow_redirect();
      return;
    }
    if (decoder_) {
      if (Status s = decoder_->finish(); !s) {
        finish(61, s.error().message);
        return;
      }
    }
    if (text_this_) {
      std::string text = format_text_page(render_html(page_, url_.to_string()));
      write_out(text);
    }
    trace_.line('*', "done: " + std::to_string(status_) + " " + reason_ + " from " +
                         url_.to_string() + ", " + ms(trace_.elapsed_us()) + " in all");
    finish(0, "");
  }

  void follow_redirect() {
    std::expected<Url, UrlFailure> next = parse_url(redirect_to_);
    if (!next) {
      finish(next.error().exit_code(), "redirect to " + next.error().message);
      return;
    }
    if (options_.max_redirs >= 0 && redirects_ >= options_.max_redirs) {
      finish(47, "maximum (" + std::to_string(options_.max_redirs) + ") redirects followed");
      return;
    }
    ++redirects_;
    // curl -L's method rules: 303 turns anything but HEAD into GET; 301 and 302 turn POST into
    // GET (as browsers do); 307 and 308 keep the method and the body.
    if ((status_ == 303 && method_ != "HEAD") ||
        ((status_ == 301 || status_ == 302) && method_ == "POST")) {
      method_ = "GET";
      body_.reset();
    }
    if (next->host != url_.host) {
      // Credentials stay with the host they were meant for (curl drops them too).
      std::erase_if(user_headers_, [](const std::string& h) {
        std::string_view name = std::string_view(h).substr(0, h.find_first_of(":;"));
        return iequals(name, "Authorization") || iequals(name, "Cookie");
      });
    }
    trace_.line('*', "redirect " + std::to_string(status_) + " (" + std::to_string(redirects_) +
                         " of " +
                         (options_.max_redirs < 0 ? std::string("no limit")
                                                  : std::to_string(options_.max_redirs)) +
                         ") to " + next->to_string() + " with " + method_);
    begin(std::move(*next));
  }

  // ---- output ------------------------------------------------------------------------------

  bool open_output() {
    if (out_ != nullptr) return true;
    if (options_.output.empty() || options_.output == "-") {
      out_ = stdout;
      return true;
    }
    out_ = std::fopen(options_.output.c_str(), "wb");
    if (out_ == nullptr) {
      finish(23, "cannot write \"" + options_.output + "\": " + std::strerror(errno));
      return false;
    }
    own_out_ = true;
    return true;
  }

  void write_out(std::string_view bytes) {
    if (bytes.empty() || write_failed_) return;
    if (!open_output()) return;
    if (std::fwrite(bytes.data(), 1, bytes.size(), out_) != bytes.size()) {
      write_failed_ = true;
      finish(23, "failed writing the body: " + std::string(std::strerror(errno)));
    }
  }

  // ---- the end -----------------------------------------------------------------------------

  void finish(int code, const std::string& message) {
    if (phase_ == Phase::kDone) return;
    phase_ = Phase::kDone;
    exit_code_ = code;
    if (lookup_id_ != 0) resolver_.cancel(lookup_id_);
    lookup_id_ = 0;
    loop_.cancel(max_timer_);
    loop_.cancel(connect_timer_);
    close_connection();
    if (out_ != nullptr) {
      if (std::fflush(out_) != 0 && exit_code_ == 0) {
        exit_code_ = 23;
        std::fprintf(stderr, "webcycle: failed writing the body: %s\n", std::strerror(errno));
      }
      if (own_out_) std::fclose(out_);
      out_ = nullptr;
    }
    if (code != 0) {
      trace_.line('*', "failed (exit " + std::to_string(code) + "): " + message);
      std::fprintf(stderr, "webcycle: %s\n", message.c_str());
    }
    loop_.stop();
  }

  void close_connection() {
    if (tls_) {
      (void)tls_.shutdown();  // close_notify, as curl
      tls_ = tls::Stream();
    }
    if (registered_) loop_.remove(fd_.get());
    registered_ = false;
    fd_.reset();
    reusable_ = false;
  }

  core::EventLoop& loop_;
  std::unique_ptr<tls::ClientContext> tls_ctx_;  // made at the first https:// connection
  tls::Stream tls_;                              // the connection's, on https://
  Resolver resolver_;
  const BrowseOptions& options_;
  const Trace& trace_;
  bool render_text_;
  core::Timer max_timer_;
  core::Timer connect_timer_;

  Phase phase_ = Phase::kIdle;
  Url url_;
  std::string method_;
  std::optional<std::string> body_;
  std::vector<std::string> user_headers_;
  int redirects_ = 0;
  uint64_t lookup_id_ = 0;

  std::vector<core::SocketAddress> addresses_;
  size_t next_address_ = 0;
  int connect_error_ = 0;
  core::SocketAddress peer_;
  core::Fd fd_;
  bool registered_ = false;
  Url conn_url_;
  bool reusable_ = false;
  bool reused_ = false;
  uint64_t connect_started_us_ = 0;
  uint64_t request_start_us_ = 0;

  std::string request_;
  size_t sent_ = 0;
  ResponseReader reader_;
  bool got_bytes_ = false;
  uint64_t received_ = 0;
  int status_ = 0;
  std::string reason_;
  std::string redirect_to_;
  std::unique_ptr<ContentDecoder> decoder_;
  uint64_t decoded_bytes_ = 0;
  bool output_this_ = false;
  bool text_this_ = false;
  std::string page_;

  std::FILE* out_ = nullptr;
  bool own_out_ = false;
  bool write_failed_ = false;
  int exit_code_ = 0;
};

}  // namespace

int run_session(core::EventLoop& loop, ResolverConfig config, const BrowseOptions& options,
                const Trace& trace, bool render_text, Url url) {
  Session session(loop, std::move(config), options, trace, render_text);
  session.start(std::move(url));
  loop.run();
  return session.exit_code();
}

}  // namespace wc::client
