// From a parsed request head to what the application is told (the HTTP side of the environ),
// decided in C++ so it is tested without Python: SCRIPT_NAME / PATH_INFO, the URL scheme and the
// client address behind a trusted proxy, and which header fields go through.
//
//  - SCRIPT_NAME: the "SCRIPT_NAME" request header if sent (gunicorn reads it so a proxy can mount
//    the app under a prefix), else the SCRIPT_NAME environment variable (--env SCRIPT_NAME=...).
//    PATH_INFO is the path with that prefix removed, percent-decoded (PEP 3333: bytes, which the
//    Python layer turns into a latin-1 str). A path outside the prefix is a 400.
//  - Forwarded headers are believed only from --forwarded-allow-ips peers ("*" = any; a unix
//    socket peer always, as gunicorn): X-Forwarded-Proto: https, X-Forwarded-Protocol: ssl and
//    X-Forwarded-Ssl: on make the scheme https (gunicorn's secure_scheme_headers), and
//    X-Forwarded-For gives REMOTE_ADDR: its rightmost address that is not itself a trusted proxy
//    (nginx's real_ip_recursive), so a client cannot choose its own address by sending the header.
//  - Header names with '_' are dropped (except SCRIPT_NAME, consumed above): "X_Auth" must not
//    become HTTP_X_AUTH next to a real X-Auth (gunicorn 22 drops them too).
// Pure; views point into the head or `peer_addr`.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_parser.h"

namespace wc::app {

struct TrustedProxies {
  bool any = false;                    // "*"
  std::vector<std::string> addresses;  // exact textual addresses ("127.0.0.1", "::1")
  [[nodiscard]] bool trusts(std::string_view addr) const;
  // From --forwarded-allow-ips values (each may itself be "a,b").
  [[nodiscard]] static TrustedProxies from(const std::vector<std::string>& values);
};

struct MappedRequest {
  std::string_view script_name;
  std::string path_info;  // decoded bytes
  std::string_view url_scheme = "http";
  std::string_view remote_addr;
  // Unix sockets only (TCP uses the bound address): SERVER_NAME and SERVER_PORT from the Host
  // header, as gunicorn does since WSGI has no word for a socket path ("80"/"443" when Host has
  // no port); both empty when there is no Host (the caller then uses the socket path and "").
  std::string_view server_name;
  std::string_view server_port;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  int error_status = 0;  // 400 when the request cannot be mapped
  std::string_view error;
};

// `peer_is_unix`: the connection came through a unix socket (peer_addr is then "").
void map_request(const http::RequestHead& head, std::string_view peer_addr, bool peer_is_unix,
                 std::string_view env_script_name, const TrustedProxies& trusted,
                 MappedRequest& out);

}  // namespace wc::app
