// Serializing a response head fast, in nginx's header order, so outputs compare byte for byte:
// status line, Server, Date, Content-Type, Content-Length, Last-Modified, Location,
// Transfer-Encoding, Connection, Keep-Alive, ETag, Accept-Ranges, then `extra` in order.
// Pure; thread-safe. Nothing is validated: values must not contain CR/LF (the caller's job).
#pragma once

#include <cstdint>
#include <ctime>
#include <span>
#include <string>
#include <string_view>

#include "http/request_parser.h"

namespace wc::http {

struct ResponseHead {
  enum class Connection : uint8_t { kNone, kKeepAlive, kClose, kUpgrade };

  int status = 200;
  bool server_tokens = false;       // "Server: webcycle/VERSION" instead of "Server: webcycle"
  std::string_view server_version;  // VERSION for server_tokens (e.g. "0.1.0")
  std::string_view date;            // cached IMF-fixdate; empty = no Date header
  std::string_view content_type;    // empty = none
  std::string_view charset;         // appended as "; charset=X" when content_type is set
  int64_t content_length = -1;      // -1 = no Content-Length
  time_t last_modified = -1;        // -1 = none
  std::string_view location;        // empty = none (already absolute/escaped by the caller)
  bool chunked = false;             // "Transfer-Encoding: chunked"
  Connection connection = Connection::kNone;
  int keep_alive_timeout = -1;  // >= 0: "Keep-Alive: timeout=N" (nginx keepalive_timeout 2nd arg)
  bool vary_accept_encoding = false;  // "Vary: Accept-Encoding" (gzip_vary), after Keep-Alive
  std::string_view etag;              // full value including quotes (and W/ if weak)
  std::string_view content_encoding;  // "Content-Encoding: X" right after ETag (gzip_static)
  bool accept_ranges = false;         // "Accept-Ranges: bytes"
  std::span<const Header> extra;      // Content-Range, a proxied response's headers, ...: last
  // add_header's headers. Written after ETag, before Accept-Ranges and `extra`, where nginx has
  // them (its headers filter runs before the range filter adds Accept-Ranges/Content-Range);
  // with added_last, after `extra` (a proxied answer: the upstream's headers come first).
  std::span<const Header> added;
  bool added_last = false;
};

// Appends the head, ending with the empty line, to `out`.
void append_response_head(const ResponseHead& head, std::string& out);

// Upper bound of the bytes append_response_head/write_response_head produce.
[[nodiscard]] size_t response_head_max_size(const ResponseHead& head);

// Writes the head into out[0..cap); returns bytes written, or 0 when cap is too small.
[[nodiscard]] size_t write_response_head(const ResponseHead& head, char* out, size_t cap);

}  // namespace wc::http
