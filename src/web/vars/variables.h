// The per-request values nginx variables are made of. The web layer fills one RequestVars per
// request (views into its own buffers: filling it copies no bytes) just before an access-log
// line, a `return` or a `try_files` is evaluated; templates (template.h) read it.
//
// "Not found" versus empty: a view whose data() is nullptr means the value does not exist
// (nginx's not_found: no Remote user, no '?' in the URI, header absent); the access log's default
// escaping prints it as "-". A non-null empty view is an empty value and prints nothing.
// Default-constructed views are therefore "not found".
//
// Lifetime: every view must stay valid while a template reads the RequestVars. Single thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace wc::web::vars {

class UserVars;

// Same layout as wc::http::Header ({name, value} views), so a span of those can be converted
// element-wise (or, as both are two string_views, viewed in place by the caller if it wishes).
struct HeaderView {
  std::string_view name;  // as received; matched case-insensitively, '-' == '_'
  std::string_view value;
};

struct RequestVars {
  // Connection.
  std::string_view remote_addr;      // $remote_addr "192.0.2.1" / "::1"
  std::string_view remote_port;      // $remote_port
  std::string_view server_addr;      // $server_addr (local address of the connection)
  std::string_view server_port;      // $server_port
  uint64_t connection = 0;           // $connection: connection serial number
  uint64_t connection_requests = 0;  // $connection_requests: requests so far on it, this included

  // Request.
  std::string_view request_line;     // $request "GET /a?b HTTP/1.1" (raw first line, no CRLF)
  std::string_view method;           // $request_method
  std::string_view request_uri;      // $request_uri: the raw target, with args
  std::string_view uri;              // $uri / $document_uri: normalized, decoded path
  std::string_view args;             // $args / $query_string: nullptr data = no '?'
  std::string_view host;             // Host header (or request-line host) as received; $host
                                     // lowercases it, drops ":port" and a trailing dot, and
                                     // falls back to server_name
  std::string_view server_protocol;  // $server_protocol "HTTP/1.1"
  std::string_view scheme;           // $scheme "http" / "https"
  // TLS (`listen ... ssl`); nullptr data on a cleartext connection ($https is "" there).
  std::string_view https;               // $https "on"
  std::string_view ssl_protocol;        // $ssl_protocol "TLSv1.3"
  std::string_view ssl_cipher;          // $ssl_cipher "TLS_AES_256_GCM_SHA384"
  std::string_view ssl_server_name;     // $ssl_server_name: the SNI name
  std::string_view ssl_session_reused;  // $ssl_session_reused "r" or "."
  std::string_view remote_user;      // $remote_user: nullptr data when no auth
  std::string_view request_id;       // $request_id: 32 hex chars (see request_id.h)
  uint64_t request_length = 0;       // $request_length: request line + headers + body bytes
  std::span<const HeaderView> request_headers;  // $http_*, $cookie_*, $content_type, ...

  // Server / location.
  std::string_view server_name;       // $server_name: the matched server's first name
  std::string_view document_root;     // $document_root
  std::string_view request_filename;  // $request_filename
  std::string_view hostname;          // $hostname (gethostname(), filled once per process)
  std::string_view pid;               // $pid as decimal text (filled once per worker)

  // Response.
  int status = 0;                // $status, printed as 3 digits ("000" before one is chosen)
  uint64_t bytes_sent = 0;       // $bytes_sent: everything written, head included
  uint64_t body_bytes_sent = 0;  // $body_bytes_sent: without the head
  std::span<const HeaderView> response_headers;  // $sent_http_*: every header sent, including
                                                 // Content-Type, Content-Length, Location, ...
  uint64_t request_time_us = 0;  // $request_time, printed as nginx does: "0.003" (s.ms)

  // Proxy (ngx_http_proxy_module / ngx_http_upstream_module). Empty (nullptr data) when the
  // request was not proxied; the upstream_* lists hold one entry per server tried, as nginx prints
  // them ("127.0.0.1:8001, 127.0.0.1:8002"), already joined by the caller.
  std::string_view proxy_host;              // $proxy_host
  std::string_view proxy_port;              // $proxy_port
  std::string_view upstream_addr;           // $upstream_addr
  std::string_view upstream_status;         // $upstream_status ("502, 200")
  std::string_view upstream_response_time;  // $upstream_response_time ("0.012, 0.004")
  std::string_view upstream_connect_time;   // $upstream_connect_time
  std::string_view upstream_header_time;    // $upstream_header_time
  // $proxy_add_x_forwarded_for is derived: the request's X-Forwarded-For, ", ", $remote_addr.

  // Time, pre-formatted per second by the caller's clock (core::WallClock's shapes).
  std::string_view time_local;    // $time_local "23/Nov/2026:19:20:01 +0000"
  std::string_view time_iso8601;  // $time_iso8601 "2026-11-23T19:20:01+00:00"
  std::string_view msec;          // $msec "1732389601.123"

  // The configuration's own variables (set, map, named captures) for this request; null when
  // it declares none (they then read as empty). Mutable: a map is evaluated on first read.
  UserVars* user = nullptr;
};

// What $nginx_version prints: webcycle's own version (e.g. "0.1.0"), since that is the server
// actually answering; nginx-specific log parsers only treat it as text.
[[nodiscard]] std::string_view nginx_version() noexcept;

}  // namespace wc::web::vars
