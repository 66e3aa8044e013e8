#include "http2/server_session.h"

#include <nghttp2/nghttp2.h>

#include <cassert>
#include <string>

namespace wc::http2 {

namespace {

// RAII for the option and callback tables: they are only needed while the session is made.
struct OptionPtr {
  nghttp2_option* p = nullptr;
  ~OptionPtr() { nghttp2_option_del(p); }
};
struct CallbacksPtr {
  nghttp2_session_callbacks* p = nullptr;
  ~CallbacksPtr() { nghttp2_session_callbacks_del(p); }
};

std::string_view view(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

// The connection window nginx 1.22 opens at once (its first WINDOW_UPDATE): request bodies are
// held back by the stream windows, not by the connection's.
constexpr int32_t kConnectionWindow = 0x7fff0000 + 65535;

}  // namespace

// nghttp2's callbacks, as static functions with the session as user data.
struct Callbacks {
  static ServerSession& self(void* user) { return *static_cast<ServerSession*>(user); }

  // RFC 9113 5.1.1: a new stream's id must be above every id the client used before. nghttp2
  // 1.52 ignores a HEADERS frame that opens a stream below them; it is a connection error
  // (PROTOCOL_ERROR), as nginx makes it too ("client sent HEADERS frame with incorrect
  // identifier"). Trailers on a stream still open are HEADERS below the highest id too: allowed.
  static int on_begin_frame(nghttp2_session* session, const nghttp2_frame_hd* hd, void* user) {
    auto& s = self(user);
    if (hd->type != NGHTTP2_HEADERS || hd->stream_id == 0 || (hd->stream_id & 1) == 0) return 0;
    if (hd->stream_id > s.highest_stream_) {
      s.highest_stream_ = hd->stream_id;
      return 0;
    }
    // A stream nghttp2 still knows (open, or closed a moment ago: frames on a stream just reset
    // are its to ignore or refuse, RFC 9113 5.1) is not a new one.
    nghttp2_stream* stream = nghttp2_session_find_stream(session, hd->stream_id);
    if (stream != nullptr && nghttp2_stream_get_state(stream) != NGHTTP2_STREAM_STATE_IDLE) {
      return 0;
    }
    s.stream_id_error_ = true;
    (void)nghttp2_session_terminate_session(session, kProtocolError);
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      self(user).incoming_[frame->hd.stream_id] = RequestFields{};
    }
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto& s = self(user);
    const auto it = s.incoming_.find(frame->hd.stream_id);
    if (it == s.incoming_.end()) return 0;  // trailers: dropped
    RequestFields& f = it->second;
    const std::string_view n = view(name, namelen);
    const std::string_view v = view(value, valuelen);
    // nghttp2 has checked that pseudo-headers come first, once each, and are the request's.
    if (n == ":method") {
      f.method = v;
    } else if (n == ":scheme") {
      f.scheme = v;
    } else if (n == ":authority") {
      f.authority = v;
    } else if (n == ":path") {
      f.path = v;
    } else if (!n.empty() && n[0] != ':') {
      f.headers.emplace_back(n, v);
    }
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& s = self(user);
    const int32_t id = frame->hd.stream_id;
    const bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        const auto it = s.incoming_.find(id);
        if (it != s.incoming_.end()) {
          RequestFields fields = std::move(it->second);
          s.incoming_.erase(it);
          s.handler_.on_request(id, std::move(fields), end);
        } else if (end) {
          s.handler_.on_request_end(id);  // trailers end the body
        }
        break;
      }
      case NGHTTP2_DATA:
        if (end) s.handler_.on_request_end(id);
        break;
      default:
        break;
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                           size_t len, void* user) {
    self(user).handler_.on_request_data(stream_id, view(data, len));
    return 0;
  }

  static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* user) {
    auto& s = self(user);
    s.incoming_.erase(stream_id);
    s.handler_.on_stream_close(stream_id, error_code);
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    auto* body = static_cast<BodySource*>(source->ptr);
    Result<BodySource::Read> r = body->read(reinterpret_cast<char*>(buf), length);
    if (!r) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
    if (r->state == BodySource::State::kEnd) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    } else if (r->state == BodySource::State::kWait && r->bytes == 0) {
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(r->bytes);
  }
};

Result<std::unique_ptr<ServerSession>> ServerSession::create(SessionHandler& handler,
                                                             const Settings& settings) {
  std::unique_ptr<ServerSession> s(new ServerSession(handler));
  CallbacksPtr cb;
  if (nghttp2_session_callbacks_new(&cb.p) != 0) return fail("nghttp2: out of memory");
  nghttp2_session_callbacks_set_on_begin_frame_callback(cb.p, Callbacks::on_begin_frame);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb.p, Callbacks::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb.p, Callbacks::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb.p, Callbacks::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb.p, Callbacks::on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb.p, Callbacks::on_stream_close);
  OptionPtr opt;
  if (nghttp2_option_new(&opt.p) != 0) return fail("nghttp2: out of memory");
  // Header blocks are bounded by what we announce (SETTINGS_MAX_HEADER_LIST_SIZE).
  nghttp2_option_set_max_settings(opt.p, 64);
  if (nghttp2_session_server_new2(&s->session_, cb.p, s.get(), opt.p) != 0) {
    return fail("nghttp2: out of memory");
  }
  const nghttp2_settings_entry entries[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initial_window_size},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, settings.max_frame_size},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.max_header_list_size},
  };
  if (nghttp2_submit_settings(s->session_, NGHTTP2_FLAG_NONE, entries,
                              sizeof entries / sizeof entries[0]) != 0 ||
      nghttp2_session_set_local_window_size(s->session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow) !=
          0) {
    return fail("nghttp2: cannot queue the server's SETTINGS");
  }
  return s;
}

ServerSession::~ServerSession() { nghttp2_session_del(session_); }

Status ServerSession::receive(std::string_view bytes) {
  const ssize_t n = nghttp2_session_mem_recv(
      session_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (n >= 0) return {};
  const int err = static_cast<int>(n);
  if (stream_id_error_) return fail("client sent HEADERS frame with incorrect identifier");
  // What nghttp2 does not answer itself: say why with a GOAWAY before the connection closes.
  const uint32_t code =
      err == NGHTTP2_ERR_FLOODED ? kEnhanceYourCalm
      : err == NGHTTP2_ERR_BAD_CLIENT_MAGIC || err == NGHTTP2_ERR_SETTINGS_EXPECTED
          ? kProtocolError
          : kInternalError;
  (void)nghttp2_session_terminate_session(session_, code);
  if (err == NGHTTP2_ERR_BAD_CLIENT_MAGIC) return fail("invalid connection preface");
  return fail(std::string("nghttp2: ") + nghttp2_strerror(err));
}

Status ServerSession::send(std::string& out, size_t max) {
  while (out.size() < max) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) return fail(std::string("nghttp2: ") + nghttp2_strerror(static_cast<int>(n)));
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  return {};
}

bool ServerSession::want_read() const noexcept { return nghttp2_session_want_read(session_) != 0; }

bool ServerSession::want_write() const noexcept {
  return nghttp2_session_want_write(session_) != 0;
}

Status ServerSession::respond(int32_t stream_id, int status, std::span<const Field> fields,
                              BodySource* body) {
  char status_text[4] = {char('0' + status / 100 % 10), char('0' + status / 10 % 10),
                         char('0' + status % 10), 0};
  std::vector<nghttp2_nv> nv;
  nv.reserve(fields.size() + 1);
  auto add = [&nv](std::string_view n, std::string_view v) {
    nv.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                            reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(),
                            v.size(), NGHTTP2_NV_FLAG_NONE});
  };
  add(":status", std::string_view(status_text, 3));
  for (const Field& f : fields) add(f.name, f.value);
  nghttp2_data_provider provider{};
  provider.source.ptr = body;
  provider.read_callback = Callbacks::read_body;
  const int rv = nghttp2_submit_response(session_, stream_id, nv.data(), nv.size(),
                                         body != nullptr ? &provider : nullptr);
  if (rv != 0) return fail(std::string("nghttp2_submit_response: ") + nghttp2_strerror(rv));
  return {};
}

void ServerSession::resume(int32_t stream_id) {
  (void)nghttp2_session_resume_data(session_, stream_id);
}

void ServerSession::reset(int32_t stream_id, uint32_t code) {
  (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, code);
}

void ServerSession::goaway(uint32_t code) {
  if (goaway_sent_) return;
  goaway_sent_ = true;
  (void)nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(session_), code, nullptr, 0);
}

int32_t ServerSession::last_stream_id() const noexcept {
  return nghttp2_session_get_last_proc_stream_id(session_);
}

}  // namespace wc::http2
