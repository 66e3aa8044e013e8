// Exchange: one request and its answer on a connection (nginx's ngx_http_request_t, trimmed to
// what webcycle needs). Built by the Connection when a head is parsed, filled by the Router,
// read by the access log, then dropped: nothing in it outlives the request.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "http/request_parser.h"
#include "web/config/regex.h"

namespace wc::tls {
class Stream;
}  // namespace wc::tls

namespace wc::web {

namespace config {
struct ServerConf;
struct LocationConf;
}  // namespace config

namespace config {
struct ListenGroup;
}  // namespace config

class H2Head;

// What the router and the log need to know of the connection a request came on. Filled by the
// Connection per request (no copies); a test fills it by hand, with no socket.
struct ConnectionInfo {
  uint64_t id = 0;                             // $connection
  uint64_t requests = 0;                       // $connection_requests, this request included
  std::string_view remote_addr;                // $remote_addr
  uint16_t remote_port = 0;                    // $remote_port
  std::string_view server_port;                // $server_port
  const config::ListenGroup* group = nullptr;  // servers on the address the client reached
  int fd = -1;                       // the socket, for $server_addr on wildcard listeners; -1: none
  const tls::Stream* tls = nullptr;  // `listen ... ssl`: $scheme https, $ssl_* (else null)
  bool plain_http = false;  // plain HTTP on an ssl listen: answered 497 (nginx's NGX_HTTP_TO_HTTPS)
};

struct Exchange {
  Exchange(const ConnectionInfo& c, const http::RequestHead& h, uint64_t start,
           std::string& uri_scratch, std::string& filename_scratch)
      : conn(c), head(h), start_ms(start), uri(uri_scratch), filename(filename_scratch) {}

  const ConnectionInfo& conn;
  const http::RequestHead& head;  // views into the connection's input; valid until the log line
  uint64_t start_ms = 0;          // monotonic ms when the head's first byte was read

  std::string_view request_line;  // $request: the first line as received, without CRLF

  // Routing (Router::respond).
  const config::ServerConf* server = nullptr;
  const config::LocationConf* location = nullptr;
  std::string& uri;           // $uri: normalized path (worker scratch, reused)
  std::string& filename;      // $request_filename (worker scratch, reused)
  std::string_view args;      // $args
  config::Captures captures;  // from the last regex location match
  int redirects = 0;          // internal redirects so far (index, try_files, error_page)

  // error_page (Router::send_error), as nginx's request fields of the same roles: the status the
  // answer carries whatever the page's own (r->err_status; 0 = the page's own), whether an error
  // page is being served (no second one: r->error_page), the request turned into a GET by it,
  // and the redirect it asks of Router::run (to `uri`, or to the named location).
  int err_status = 0;
  bool in_error_page = false;
  bool method_get = false;
  bool redirect_pending = false;
  const config::LocationConf* named_next = nullptr;
  // `rewrite` changed $uri: the proxy sends it (escaped) instead of the client's target; and the
  // location's script has run, so its `return`s are not run again.
  bool uri_changed = false;
  bool script_ran = false;
  // An `if` of ex.location matched: nginx then uses the if's configuration, without try_files.
  bool if_matched = false;
  // The method is one ex.location's limit_except does not name: its block's settings apply, and
  // the location's rewrite statements (return included) do not (nginx switches the whole
  // location configuration to the block's).
  bool limited = false;
  std::string_view auth_challenge;  // auth_basic's WWW-Authenticate value for a 401
  bool gzip_vary = false;     // gzip_static looked at Accept-Encoding (Vary with gzip_vary on)
  bool gzip_encoded = false;  // the file sent is FILE.gz (Content-Encoding: gzip)

  // The answer (Router::respond).
  int status = 0;
  bool keep_alive = true;  // "Connection: keep-alive" will be sent
  // Set when the request came over HTTP/2: the head is made into fields there (Router's
  // finish_head) instead of HTTP/1.1 text in the Output, which then holds only the body.
  H2Head* h2_head = nullptr;
  bool header_only = false;            // HEAD: no body bytes
  uint64_t header_bytes = 0;           // queued head bytes
  uint64_t body_bytes = 0;             // queued body bytes ($body_bytes_sent)
  std::string_view sent_content_type;  // for $sent_http_content_type
  uint64_t sent_content_length = 0;
  bool has_content_length = false;
  std::string_view sent_location;
  std::string_view request_id;  // made on first use ($request_id)

  // proxy_pass: the router only decides; the connection hands the request to a ProxyRequest.
  bool proxy = false;
  std::string_view proxy_host;  // $proxy_host / $proxy_port
  std::string_view proxy_port;
  std::string_view upstream_addr;  // $upstream_* as nginx prints them
  std::string_view upstream_status;
  std::string_view upstream_response_time;
  std::string_view upstream_connect_time;
  std::string_view upstream_header_time;
  std::span<const http::Header> sent_headers;  // the proxied response's headers ($sent_http_*)
};

}  // namespace wc::web
