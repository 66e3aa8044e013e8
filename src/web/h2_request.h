// The request head of an HTTP/2 stream written as the HTTP/1.1-style text the rest of `web`
// reads (the Router and ProxyRequest take a parsed http::RequestHead over the head's bytes):
//
//   METHOD :path HTTP/2.0 CRLF, Host from :authority (unless a host field came), the other
//   fields in order (cookie crumbs joined with "; ", RFC 9113 8.2.3), Content-Length when the
//   body's length is known, CRLF.
//
// nghttp2 has already refused what RFC 9113 8.2-8.3 forbids (uppercase names, connection-specific
// fields, missing or repeated pseudo-headers, CR/LF/NUL in values). The text is then parsed with
// http::RequestParser (Limits::http2), so every rule of HTTP/1.1's parser applies to HTTP/2 too
// (nginx's HTTP/2 module reuses its HTTP/1 header handlers the same way). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "http2/server_session.h"

namespace wc::web {

// Writes the head into `out` (replacing it). `content_length`: the body's length when known
// (the client's content-length, or the bytes received once the body has ended).
void h2_request_head(const http2::RequestFields& fields, std::optional<uint64_t> content_length,
                     std::string& out);

}  // namespace wc::web
