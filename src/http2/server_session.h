// ServerSession: the server side of one HTTP/2 connection (RFC 9113), over Debian's nghttp2, with
// no I/O of its own: the caller feeds the bytes it read (receive), takes the bytes to write
// (send), and hears of requests through a SessionHandler. Framing, HPACK, flow control, SETTINGS,
// PING (acked by nghttp2), GOAWAY and priorities are nghttp2's; so is the validation of request
// header blocks (RFC 9113 8.2-8.3: pseudo-headers present once and first, no uppercase names, no
// connection-specific fields, TE only "trailers", Content-Length matching the DATA): a request
// that fails it is reset (PROTOCOL_ERROR) and never reaches the handler.
//
// Ownership: the session owns its nghttp2_session (RAII). Response bodies (BodySource) belong to
// the caller and must stay alive until on_stream_close for their stream. Loop thread only; the
// handler is called from inside receive() and send() only.
//
// Errors: receive() fails on what ends the connection at once (a bad client preface, a flood,
// nghttp2 out of memory); a GOAWAY is queued then, so send() what is left and close. A protocol
// error found in well-formed frames (RFC 9113 5.4.1) does not fail receive(): nghttp2 queues the
// GOAWAY itself and want_read()/want_write() go false once it is out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "http2/body_source.h"

struct nghttp2_session;

namespace wc::http2 {

// RFC 9113 7 error codes the callers name.
enum ErrorCode : uint32_t {
  kNoError = 0x0,
  kProtocolError = 0x1,
  kInternalError = 0x2,
  kFlowControlError = 0x3,
  kStreamClosed = 0x5,
  kFrameSizeError = 0x6,
  kRefusedStream = 0x7,
  kCancel = 0x8,
  kEnhanceYourCalm = 0xb,
};

struct Field {
  std::string_view name;  // lower case (HTTP/2 requires it on the wire)
  std::string_view value;
};

// One request's header block, copied out of nghttp2's buffers.
struct RequestFields {
  std::string method;                                        // :method
  std::string scheme;                                        // :scheme
  std::string authority;                                     // :authority (may be empty)
  std::string path;                                          // :path
  std::vector<std::pair<std::string, std::string>> headers;  // the rest, in order, names lower
};

class SessionHandler {
 public:
  // A request's header block is complete and valid. `end_stream`: it has no body.
  virtual void on_request(int32_t stream_id, RequestFields&& fields, bool end_stream) = 0;
  // Bytes of a request body (flow control is nghttp2's: consumed at once).
  virtual void on_request_data(int32_t stream_id, std::string_view data) = 0;
  // The request body has ended (END_STREAM on DATA or on trailers, which are dropped).
  virtual void on_request_end(int32_t stream_id) = 0;
  // The stream is gone (answered and ended, reset by either side, or the connection closing):
  // its BodySource is no longer used. error_code is RFC 9113's (0: a normal end).
  virtual void on_stream_close(int32_t stream_id, uint32_t error_code) = 0;

 protected:
  ~SessionHandler() = default;
};

struct Settings {
  uint32_t max_concurrent_streams = 128;  // http2_max_concurrent_streams
  uint32_t initial_window_size = 65536;   // what nginx 1.22 announces (a stream's receive window)
  uint32_t max_frame_size = 16384;
  uint32_t max_header_list_size = 65536;
};

class ServerSession {
 public:
  // Errors: nghttp2's (out of memory).
  [[nodiscard]] static Result<std::unique_ptr<ServerSession>> create(SessionHandler& handler,
                                                                     const Settings& settings);
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Feeds bytes read from the peer. See the header comment for what fails.
  [[nodiscard]] Status receive(std::string_view bytes);
  // Appends frames ready to go to `out`, stopping once it holds at least `max` bytes (the caller
  // writes them and comes back). Errors: nghttp2's fatal ones (the connection is closed).
  [[nodiscard]] Status send(std::string& out, size_t max);

  [[nodiscard]] bool want_read() const noexcept;
  [[nodiscard]] bool want_write() const noexcept;

  // Answers `stream_id`: :status, then `fields` (lower-case names; no connection-specific
  // fields: the caller's job), then the body from `body` (nullptr: none; END_STREAM on HEADERS).
  // Errors: the stream is already closed, or nghttp2 refused the submission.
  [[nodiscard]] Status respond(int32_t stream_id, int status, std::span<const Field> fields,
                               BodySource* body);
  // A BodySource that said kWait has more: the stream takes DATA frames again.
  void resume(int32_t stream_id);
  // RST_STREAM with `code`.
  void reset(int32_t stream_id, uint32_t code);
  // GOAWAY naming the last stream taken, with `code`: streams already taken finish (kNoError),
  // new ones are refused. Used on a graceful stop and on idle timeout.
  void goaway(uint32_t code);
  // The highest client stream id seen so far.
  [[nodiscard]] int32_t last_stream_id() const noexcept;

 private:
  ServerSession(SessionHandler& handler) : handler_(handler) {}
  friend struct Callbacks;

  SessionHandler& handler_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, RequestFields> incoming_;  // header blocks being received
  bool goaway_sent_ = false;
  int32_t highest_stream_ = 0;    // the highest stream id a client HEADERS frame used
  bool stream_id_error_ = false;  // a HEADERS frame went below it (RFC 9113 5.1.1)
};

}  // namespace wc::http2
