// H2Head: a response head as HTTP/2 sends it -- :status and lower-case fields, in the order
// http::append_response_head writes them for HTTP/1.1 (nginx's order), without the
// connection-specific fields RFC 9113 8.2.2 forbids (Connection, Keep-Alive, Proxy-Connection,
// Transfer-Encoding, Upgrade; TE too). Filled by the Router (finish_head) for a request that came
// over HTTP/2; read by the H2 stream to submit HEADERS.
//
// Owns copies of every name and value (the ResponseHead's views die with the router's call).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http/response_head.h"
#include "http2/server_session.h"

namespace wc::web {

class H2Head {
 public:
  void assign(const http::ResponseHead& head);
  void clear();

  [[nodiscard]] bool ready() const noexcept { return status_ != 0; }
  [[nodiscard]] int status() const noexcept { return status_; }
  // Valid until the next assign()/clear().
  [[nodiscard]] const std::vector<http2::Field>& fields() const noexcept { return fields_; }
  // Bytes of the fields as HTTP/1.1 would count them ($bytes_sent's head part; HPACK makes the
  // real frames smaller).
  [[nodiscard]] uint64_t wire_size() const noexcept { return wire_size_; }

 private:
  void add(std::string_view name, std::string_view value);

  int status_ = 0;
  std::string text_;
  std::vector<std::pair<size_t, size_t>> spans_;  // name length, value length, back to back
  std::vector<http2::Field> fields_;
  uint64_t wire_size_ = 0;
};

// Connection-specific fields (RFC 9113 8.2.2) never sent on HTTP/2.
[[nodiscard]] bool h2_connection_specific(std::string_view name) noexcept;

}  // namespace wc::web
