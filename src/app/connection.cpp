#include "app/connection.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "app/log/access_format.h"
#include "app/log/app_log.h"
#include "app/worker.h"
#include "core/append_number.h"
#include "core/io.h"
#include "http/status.h"

namespace wc::app {

namespace {

// Pending output above which the application's iteration pauses until the client has read.
constexpr size_t kHighWater = 256 * 1024;
// Pipelined answers are gathered up to this much before a write.
constexpr size_t kBatch = 64 * 1024;
// In-memory request body limit; beyond it the body goes to an unlinked temporary file.
constexpr uint64_t kBodyInMemory = 1 << 20;

using core::append_hex;
using core::append_number;

bool iequal(std::string_view a, std::string_view b) { return http::iequals(a, b); }

// gunicorn's util.write_error page, byte for byte.
void append_error_page(std::string& out, int status, std::string_view reason,
                       std::string_view message) {
  std::string escaped;
  for (char c : message) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#x27;";
        break;
      default:
        escaped += c;
    }
  }
  std::string html = "<html>\n  <head>\n    <title>";
  html.append(reason);
  html += "</title>\n  </head>\n  <body>\n    <h1><p>";
  html.append(reason);
  html += "</p></h1>\n    ";
  html += escaped;
  html += "\n  </body>\n</html>\n";
  out += "HTTP/1.1 ";
  append_number(out, static_cast<uint64_t>(status));
  out += ' ';
  out.append(reason);
  out += "\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: ";
  append_number(out, html.size());
  out += "\r\n\r\n";
  out += html;
}

}  // namespace

AppConnection::AppConnection(AppWorker& worker, core::Fd fd, const ListenSocket& socket,
                             std::string_view peer_addr, uint16_t peer_port)
    : worker_(worker),
      fd_(std::move(fd)),
      socket_(socket),
      peer_port_(peer_port),
      parser_(worker.limits()) {
  peer_addr_len_ = static_cast<uint8_t>(std::min(peer_addr.size(), sizeof peer_addr_));
  std::memcpy(peer_addr_, peer_addr.data(), peer_addr_len_);
  if (!socket.is_unix) {
    auto r = std::to_chars(peer_port_text_, peer_port_text_ + sizeof peer_port_text_, peer_port);
    peer_port_len_ = static_cast<uint8_t>(r.ptr - peer_port_text_);
  }
  timer_.set_callback([this] { on_timer(); });
}

AppConnection::~AppConnection() {
  call_.finish();
  if (body_fd_ >= 0) ::close(body_fd_);
}

Status AppConnection::start() {
  if (auto s = worker_.loop().add(fd_.get(), EPOLLIN | EPOLLRDHUP | EPOLLET, this); !s) return s;
  arm_timer(worker_.io_timeout_ms());
  // The first request is usually already here (the accept was woken by it).
  read_input();
  if (state_ != State::kClosed) process();
  return {};
}

bool AppConnection::idle() const noexcept {
  return state_ == State::kHead && in_.empty() && out_off_ == out_.size();
}

void AppConnection::shutdown_when_idle() {
  stopping_ = true;
  // A connection accepted but not yet used has a request on its way: closing it now would
  // reset that request. It gets its one answer (then closes), within the read timeout.
  if (idle() && served_ != 0) close();
}

void AppConnection::arm_timer(uint64_t ms) { worker_.loop().arm(timer_, ms); }

void AppConnection::on_timer() {
  // Idle keep-alive, a stalled request or a client that stopped reading: gunicorn closes silently.
  close();
}

void AppConnection::on_io(uint32_t events) {
  if (state_ == State::kClosed) return;
  if ((events & EPOLLERR) != 0) {
    close();
    return;
  }
  const bool readable = (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0;
  if (readable) read_pending_ = true;  // edge-triggered: remember it until we read
  if ((events & EPOLLOUT) != 0 && want_write_) {
    if (!flush()) return;
    if (state_ == State::kRespond) {
      produce();
      if (state_ == State::kClosed) return;
    }
    // Pipelined requests may have waited for the output to drain.
    if (state_ == State::kHead && !readable) process();
    if (state_ == State::kClosed) return;
  }
  if (readable && state_ != State::kRespond) {
    read_input();
    if (state_ != State::kClosed) process();
  }
}

void AppConnection::read_input() {
  read_pending_ = false;
  if (read_closed_) return;
  for (;;) {
    // The head must fit its limit; a body beyond memory goes to body_ as it comes (take_body).
    core::IoResult r = core::read_into(fd_.get(), in_, 16384);
    if (r.ok()) {
      if (in_.writable() != 0) return;  // short read: drained
      if (in_.size() > worker_.limits().max_head + kBatch && state_ == State::kHead) {
        read_pending_ = true;  // bytes are left in the socket: no new edge will say so
        return;
      }
      continue;
    }
    if (r.would_block()) return;
    read_closed_ = true;  // EOF or error
    return;
  }
}

void AppConnection::process() {
  if (in_process_) return;  // end_response() inside this loop: the loop goes on by itself
  in_process_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_process_};
  while (state_ == State::kHead || state_ == State::kBody) {
    if (state_ == State::kBody) {
      if (!take_body()) {
        if (state_ == State::kClosed) return;
        if (read_closed_) {
          close();
          return;
        }
        // Earlier pipelined answers go out while this request's body is awaited.
        if (!flush()) return;
        arm_timer(worker_.io_timeout_ms());
        return;
      }
      dispatch();
      continue;
    }
    if (in_.empty() && read_pending_) read_input();
    if (in_.empty()) {
      if (!flush()) return;
      if (read_closed_ || closing_ || stopping_) {
        if (out_off_ == out_.size()) close();
        return;
      }
      in_.shrink_if_idle();
      const unsigned ka = worker_.options().keep_alive;
      arm_timer(ka == 0 ? worker_.io_timeout_ms() : ka * 1000ULL);
      return;
    }
    if (closing_) {
      // Bytes after a "close" request are not read: the answer goes out, then the close.
      if (flush() && out_off_ == out_.size()) close();
      return;
    }
    // Answers to pipelined requests wait while the client is not reading them.
    if (out_.size() - out_off_ > kHighWater && !flush()) return;
    size_t consumed = 0;
    const http::ParseStatus st = parser_.parse(in_.readable(), head_, consumed);
    if (st == http::ParseStatus::kNeedMore) {
      if (read_pending_) {
        const size_t before = in_.size();
        read_input();
        if (in_.size() != before) continue;
      }
      if (!flush()) return;
      if (read_closed_) {
        close();
        return;
      }
      arm_timer(worker_.io_timeout_ms());
      return;
    }
    if (st == http::ParseStatus::kError) {
      const http::ParseError e = parser_.error();
      app_log().logf(AppLogLevel::debug, "Invalid request from ip=%.*s: %.*s", peer_addr_len_,
                     peer_addr_, static_cast<int>(e.reason.size()), e.reason.data());
      answer_error(400, "Bad Request", e.reason);
      return;
    }
    head_len_ = consumed;
    begin_request();
  }
}

void AppConnection::begin_request() {
  request_start_us_ = static_cast<uint64_t>(access_clock_usec());
  body_.clear();
  if (head_.body == http::RequestHead::Body::kNone) {
    dispatch();
    return;
  }
  if (head_.transfer_coded) {
    answer_error(501, "Not Implemented", "transfer codings other than chunked");
    return;
  }
  // The body will be read from in_ after the head: keep a copy of the head to point into.
  head_copy_.assign(in_.readable().data(), head_len_);
  in_.consume(head_len_);
  head_len_ = 0;
  parser_.reset();
  size_t consumed = 0;
  if (parser_.parse(head_copy_, head_, consumed) != http::ParseStatus::kDone) {
    answer_error(400, "Bad Request", "request head");
    return;
  }
  if (head_.body == http::RequestHead::Body::kLength) {
    body_left_ = head_.content_length;
    if (body_left_ <= kBodyInMemory) body_.reserve(static_cast<size_t>(body_left_));
  } else {
    chunked_ = std::make_unique<http::ChunkedDecoder>();
  }
  if (head_.expect_continue && in_.empty()) {
    // After any earlier pipelined answers, never before them.
    out_ += "HTTP/1.1 100 Continue\r\n\r\n";
  }
  state_ = State::kBody;
}

bool AppConnection::take_body() {
  if (chunked_) {
    size_t consumed = 0;
    bool spooled = true;
    const http::ParseStatus st =
        chunked_->decode(in_.readable(), consumed,
                         [&](std::string_view piece) { spooled = spooled && append_body(piece); });
    in_.consume(consumed);
    if (!spooled) {
      answer_error(500, "Internal Server Error", "");
      return false;
    }
    if (st == http::ParseStatus::kError) {
      const http::ParseError e = chunked_->error();
      answer_error(400, "Bad Request", e.reason);
      return false;
    }
    if (st == http::ParseStatus::kNeedMore) {
      read_input();
      if (!in_.empty()) return take_body();
      return false;
    }
    chunked_.reset();
    return true;
  }
  for (;;) {
    const size_t take = static_cast<size_t>(std::min<uint64_t>(body_left_, in_.size()));
    if (!append_body(in_.readable().substr(0, take))) {
      answer_error(500, "Internal Server Error", "");
      return false;
    }
    in_.consume(take);
    body_left_ -= take;
    if (body_left_ == 0) return true;
    const size_t before = in_.size();
    read_input();
    if (in_.size() == before) return false;
  }
}

bool AppConnection::append_body(std::string_view piece) {
  if (body_fd_ < 0 && body_.size() + piece.size() <= kBodyInMemory) {
    body_.append(piece);
    return true;
  }
  if (body_fd_ < 0) {
    // A large upload goes to an unlinked temporary file: memory stays bounded, Python reads it.
    const char* dir = std::getenv("TMPDIR");
    body_fd_ =
        ::open(dir != nullptr && *dir != '\0' ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (body_fd_ < 0) {
      app_log().logf(AppLogLevel::error,
                     "cannot buffer a request body: open(O_TMPFILE) failed (%d: %s)", errno,
                     std::strerror(errno));
      return false;
    }
    body_file_size_ = 0;
    if (!write_body_file(body_)) return false;
    body_.clear();
    body_.shrink_to_fit();
  }
  return write_body_file(piece);
}

bool AppConnection::write_body_file(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(body_fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      app_log().logf(AppLogLevel::error, "cannot buffer a request body: write() failed (%d: %s)",
                     errno, std::strerror(errno));
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    body_file_size_ += n;
  }
  return true;
}

void AppConnection::dispatch() {
  state_ = State::kRespond;
  AppWorker& w = worker_;
  MappedRequest& m = mapped_;
  map_request(head_, {peer_addr_, peer_addr_len_}, socket_.is_unix, w.env_script_name(),
              w.trusted(), m);
  head_request_ = head_.method == http::Method::kHead;
  head_written_ = false;
  chunked_out_ = false;
  no_body_ = false;
  length_left_ = -1;
  status_ = 0;
  body_bytes_ = 0;
  keep_alive_ = head_.keep_alive && !stopping_ && !w.stopping() && w.options().keep_alive != 0 &&
                !w.last_request_of_budget();
  response_start_ = out_.size();
  if (m.error_status != 0) {
    answer_error(m.error_status, "Bad Request", m.error);
    return;
  }

  python::Request req;
  req.method = head_.method_name;
  req.script_name = m.script_name;
  req.path_info = m.path_info;
  req.raw_uri = head_.target;
  req.query = head_.query;
  req.protocol = head_.minor == 0 ? std::string_view("HTTP/1.0") : std::string_view("HTTP/1.1");
  req.remote_addr = m.remote_addr;
  req.remote_port = {peer_port_text_, peer_port_len_};
  req.url_scheme = m.url_scheme;
  req.server_name = m.server_name;
  req.server_port = m.server_port;
  if (m.server_name.empty() && &socket_ != &w.first_socket()) {
    // The environ's constants are the first socket's; another bind says its own.
    req.server_name = socket_.server_name;
    req.server_port = socket_.server_port;
  }
  req.headers = m.headers;
  if (body_fd_ >= 0) {
    req.body_fd = std::exchange(body_fd_, -1);  // the Call owns it now
    req.body_file_size = body_file_size_;
  } else {
    req.body = std::move(body_);
    body_.clear();
  }
  if (head_.body == http::RequestHead::Body::kChunked) {
    req.content_length =
        req.body_fd >= 0 ? req.body_file_size : static_cast<int64_t>(req.body.size());
  }

  WorkerSlot& slot = w.slot();
  slot.begin(monotonic_ms(), head_.method_name, head_.target);
  call_ = w.application().call(std::move(req));
  slot.end();
  w.loop().update_time();  // Python may have run long: timers armed next must see it
  streaming_ = call_.known_length() < 0;
  produce();
}

void AppConnection::append_head(int64_t length_hint) {
  head_written_ = true;
  call_.commit_head();
  status_ = call_.status_code();
  no_body_ = head_request_ || status_ < 200 || status_ == 204 || status_ == 304;
  bool has_length = false;
  for (const python::ResponseHeader& h : call_.headers()) {
    if (iequal(h.name, "Content-Length")) {
      int64_t n = 0;
      const auto r = std::from_chars(h.value.data(), h.value.data() + h.value.size(), n);
      if (r.ec == std::errc() && r.ptr == h.value.data() + h.value.size() && n >= 0) {
        has_length = true;
        length_left_ = n;
      }
    }
  }
  bool add_length = false;
  if (!has_length && !no_body_) {
    const int64_t known = length_hint >= 0 ? length_hint : call_.known_length();
    if (known >= 0) {
      add_length = true;
      length_left_ = known;
    } else if (head_.minor >= 1) {
      chunked_out_ = true;
    } else {
      keep_alive_ = false;  // HTTP/1.0 without a length: the close ends the body
    }
  }
  if (head_request_ && !has_length) length_left_ = -1;

  out_ += "HTTP/1.1 ";
  out_ += call_.status();
  out_ += "\r\nServer: webcycle\r\nDate: ";
  out_ += worker_.loop().wall_clock().http_date();
  if (!keep_alive_) {
    out_ += "\r\nConnection: close";
  } else if (head_.minor == 0) {
    out_ += "\r\nConnection: keep-alive";
  }
  out_ += "\r\n";
  for (const python::ResponseHeader& h : call_.headers()) {
    out_ += h.name;
    out_ += ": ";
    out_ += h.value;
    out_ += "\r\n";
  }
  if (chunked_out_) out_ += "Transfer-Encoding: chunked\r\n";
  if (add_length) {
    out_ += "Content-Length: ";
    append_number(out_, static_cast<uint64_t>(length_left_));
    out_ += "\r\n";
  }
  out_ += "\r\n";
}

void AppConnection::append_piece(std::string_view bytes) {
  if (no_body_) return;
  if (length_left_ >= 0) {
    // Never more than the app's Content-Length (gunicorn cuts the rest too).
    bytes = bytes.substr(0, static_cast<size_t>(std::min<int64_t>(length_left_, bytes.size())));
    length_left_ -= static_cast<int64_t>(bytes.size());
  }
  if (bytes.empty()) return;
  body_bytes_ += bytes.size();
  if (chunked_out_) {
    append_hex(out_, bytes.size());
    out_ += "\r\n";
    out_.append(bytes);
    out_ += "\r\n";
  } else {
    out_.append(bytes);
  }
}

void AppConnection::produce() {
  WorkerSlot& slot = worker_.slot();
  while (state_ == State::kRespond) {
    if (file_fd_ >= 0 || out_.size() - out_off_ > kHighWater) {
      if (!flush()) return;  // resumed from on_io when writable
      if (state_ == State::kClosed) return;
    }
    python::Piece piece;
    slot.begin(monotonic_ms(), head_.method_name, head_.target);
    const python::Step step = call_.next(piece);
    slot.end();
    worker_.loop().update_time();
    switch (step) {
      case python::Step::kBody:
        if (!head_written_) append_head();
        append_piece(piece.body);
        if (streaming_ && !flush()) return;
        break;
      case python::Step::kFile: {
        int64_t count = piece.file.count;
        if (count < 0) {
          struct stat st {};
          if (::fstat(piece.file.fd, &st) == 0)
            count = std::max<int64_t>(0, st.st_size - piece.file.offset);
          else
            count = 0;
        }
        // A file_wrapper is the whole body: its size is the length when the app gave none.
        if (!head_written_) append_head(count);
        if (no_body_ || count == 0) break;
        if (length_left_ >= 0) {
          count = std::min(count, length_left_);
          length_left_ -= count;
        }
        if (count == 0) break;
        body_bytes_ += static_cast<uint64_t>(count);
        if (chunked_out_) {
          append_hex(out_, static_cast<uint64_t>(count));
          out_ += "\r\n";
        }
        file_fd_ = piece.file.fd;
        file_off_ = piece.file.offset;
        file_left_ = count;
        file_chunk_trailer_ = chunked_out_;
        if (!flush()) return;
        break;
      }
      case python::Step::kDone:
        if (!head_written_) append_head();
        if (chunked_out_) out_ += "0\r\n\r\n";
        if (length_left_ > 0 && !no_body_) keep_alive_ = false;  // shorter than announced
        end_response(true);
        return;
      case python::Step::kError:
        end_response(false);
        return;
    }
  }
}

void AppConnection::end_response(bool ok) {
  call_.finish();
  if (!ok) {
    keep_alive_ = false;
    if (!head_written_) {
      out_.resize(response_start_);
      append_error_page(out_, 500, "Internal Server Error", "");
      status_ = 500;
    }
    // else: the head is out; closing early is the only way to say the body is incomplete.
  }
  log_access();
  ++served_;
  worker_.response_done();
  // The request's bytes leave in_ now (its views were in use until here).
  if (head_len_ != 0) {
    in_.consume(head_len_);
    head_len_ = 0;
  }
  parser_.reset();
  head_copy_.clear();
  state_ = State::kHead;
  if (!keep_alive_) closing_ = true;
  if (closing_ || out_.size() - out_off_ >= kBatch || in_.empty()) {
    if (!flush()) return;
    if (closing_ && out_off_ == out_.size()) {
      close();
      return;
    }
  }
  // Resumed from on_io (not from inside process()): a pipelined request may be buffered.
  if (state_ == State::kHead && !want_write_ && !in_process_) process();
}

void AppConnection::answer_error(int status, std::string_view reason, std::string_view message) {
  if (state_ == State::kRespond || state_ == State::kBody) call_.finish();
  status_ = status;
  body_bytes_ = 0;
  append_error_page(out_, status, reason, message);
  keep_alive_ = false;
  closing_ = true;
  state_ = State::kHead;
  if (flush() && out_off_ == out_.size()) close();
}

void AppConnection::log_access() {
  const AccessFormat* fmt = worker_.access_format();
  if (fmt == nullptr) return;
  const MappedRequest& m = mapped_;
  AccessFacts f;
  f.remote_addr =
      m.remote_addr.empty() ? std::string_view(peer_addr_, peer_addr_len_) : m.remote_addr;
  f.method = head_.method_name;
  f.raw_uri = head_.target;
  f.path_info = m.path_info;
  f.query = head_.query;
  f.protocol = head_.minor == 0 ? std::string_view("HTTP/1.0") : std::string_view("HTTP/1.1");
  f.status = static_cast<unsigned>(status_);
  f.sent = body_bytes_;
  f.start_usec = static_cast<int64_t>(request_start_us_);
  f.end_usec = access_clock_usec();
  f.pid = worker_.pid();
  f.request_headers = AccessHeaders(std::span<const AccessHeader>(m.headers));
  if (head_written_) f.response_headers = AccessHeaders(call_.headers());
  AccessHeader environ[5];
  if (fmt->uses_environ()) {
    environ[0] = {"SCRIPT_NAME", m.script_name};
    environ[1] = {"SERVER_NAME", socket_.server_name};
    environ[2] = {"SERVER_PORT", socket_.server_port};
    environ[3] = {"REMOTE_PORT", {peer_port_text_, peer_port_len_}};
    environ[4] = {"wsgi.url_scheme", m.url_scheme};
    f.environ = AccessHeaders(std::span<const AccessHeader>(environ));
  }
  std::string& line = worker_.scratch_line();
  line.clear();
  fmt->render(f, line);
  worker_.write_access_line(line);
}

bool AppConnection::flush() {
  for (;;) {
    if (out_off_ < out_.size()) {
      core::IoResult r = core::write_some(fd_.get(), std::string_view(out_).substr(out_off_));
      if (r.ok()) {
        out_off_ += r.bytes;
        continue;
      }
      if (!r.would_block()) {
        close();
        return false;
      }
    } else {
      out_.clear();
      // An idle connection does not keep its largest answer's buffer.
      if (out_.capacity() > kHighWater && file_fd_ < 0) std::string().swap(out_);
      out_off_ = 0;
      response_start_ = 0;
      if (file_fd_ >= 0) {
        off_t off = file_off_;
        core::IoResult r =
            core::sendfile_some(fd_.get(), file_fd_, off, static_cast<size_t>(file_left_));
        if (r.ok() && r.bytes == 0) {
          // The file shrank under us: its announced length can no longer be met.
          app_log().log(AppLogLevel::error, "file_wrapper: the file ended before its length");
          close();
          return false;
        }
        if (r.ok()) {
          file_off_ = off;
          file_left_ -= static_cast<int64_t>(r.bytes);
          if (file_left_ <= 0) {
            file_fd_ = -1;
            if (file_chunk_trailer_) out_ += "\r\n";
          }
          continue;
        }
        if (!r.would_block()) {
          close();
          return false;
        }
      } else {
        if (want_write_) {
          want_write_ = false;
          (void)worker_.loop().modify(fd_.get(), EPOLLIN | EPOLLRDHUP | EPOLLET, this);
        }
        return true;
      }
    }
    // The socket is full: wait for EPOLLOUT.
    if (!want_write_) {
      want_write_ = true;
      (void)worker_.loop().modify(fd_.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this);
    }
    arm_timer(worker_.io_timeout_ms());
    return false;
  }
}

void AppConnection::close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  call_.finish();
  worker_.loop().cancel(timer_);
  worker_.loop().remove(fd_.get());
  worker_.close(*this);
}

}  // namespace wc::app
