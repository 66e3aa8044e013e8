// One HTTP/1.1 response read off a client connection: the head through src/http's ResponseParser
// (the proxy's parser: same strictness), interim 1xx heads skipped, then the body by its framing
// (RFC 9112 6.3): Content-Length, chunked (http::ChunkedDecoder), until close, or none (HEAD,
// 204, 304). Pure: bytes in, events out, no I/O; one reader per response, one thread.
//
// Ownership: views handed to ResponseEvents are valid only during the call. The head's views
// (ParsedResponse) point into the reader's own copy of the head and stay valid until reset().
// Errors (state kFailed, error()): with curl's exit code, so `browse` exits as curl would:
//   8  the head is not HTTP/1.x ("weird server reply": the parser's nginx-worded reason)
//   52 the connection closed before any byte came ("empty reply from server")
//   18 it closed before the head or body ended ("transfer closed with N bytes remaining")
//   56 a malformed chunked body ("malformed chunked encoding")
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/chunked_decoder.h"
#include "http/response_parser.h"

namespace wc::client {

class ResponseEvents {
 public:
  // A head: `interim` for 1xx (skipped: another head follows). `raw` is the head's bytes as they
  // came (status line to the empty line). Return false to stop reading (state becomes kStopped).
  virtual bool on_head(const http::ParsedResponse& head, std::string_view raw, bool interim) = 0;
  // The next run of body bytes, de-framed (chunk sizes removed), in order.
  virtual void on_body(std::string_view bytes) = 0;

 protected:
  ~ResponseEvents() = default;
};

struct ReadError {
  int exit_code = 0;  // curl's
  std::string message;
};

class ResponseReader {
 public:
  enum class State : uint8_t { kHead, kBody, kDone, kStopped, kFailed };

  // `head_request`: the request was HEAD, so no body follows whatever the head says.
  explicit ResponseReader(bool head_request = false) { reset(head_request); }

  // Takes the next bytes from the connection. Returns the state after them.
  State feed(std::string_view bytes, ResponseEvents& events);
  // The peer closed its side (read returned 0). A close-delimited body ends here (kDone).
  State finish(ResponseEvents& events);

  void reset(bool head_request);
  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] const ReadError& error() const noexcept { return error_; }
  [[nodiscard]] const http::ParsedResponse& head() const noexcept { return head_; }
  // Body bytes as framed on the wire (before decoding), and after de-chunking.
  [[nodiscard]] uint64_t body_bytes() const noexcept { return body_bytes_; }
  [[nodiscard]] uint64_t wire_bytes() const noexcept { return wire_bytes_; }
  // kDone with the connection in a state to carry another request: the head allowed keep-alive
  // and no byte beyond this response came.
  [[nodiscard]] bool reusable() const noexcept;

 private:
  State fail(int code, std::string message);
  State parse_heads(ResponseEvents& events);
  State body(ResponseEvents& events);

  bool head_request_ = false;
  State state_ = State::kHead;
  std::string pending_;     // bytes not yet used
  std::string head_bytes_;  // the final head, which head_'s views point into
  http::ResponseParser parser_{http::ResponseLimits{.max_head = 102400}};  // curl's limit
  http::ParsedResponse head_;
  http::ChunkedDecoder chunked_;
  uint64_t remaining_ = 0;  // kLength
  uint64_t body_bytes_ = 0;
  uint64_t wire_bytes_ = 0;
  bool extra_bytes_ = false;
  ReadError error_;
};

}  // namespace wc::client
