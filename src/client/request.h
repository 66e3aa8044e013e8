// The request's bytes, as curl 7.88 writes them (so that a server sees the same thing from
// `webcycle browse` as from curl, apart from User-Agent). Pure; thread-safe.
//
//   METHOD TARGET HTTP/1.1
//   Host: AUTHORITY
//   Authorization: Basic ...        (only when the URL has userinfo)
//   User-Agent: webcycle/VERSION
//   Accept: */*
//   Accept-Encoding: deflate, gzip  (only with --compressed)
//   ...the user's -H headers, in order...
//   Content-Length: N               (when there is a body)
//   Content-Type: application/x-www-form-urlencoded   (with -d, unless -H set one)
//
// The user's headers follow curl's -H rules: "Name: value" replaces a built-in header of that
// name (Host, User-Agent, Accept, Accept-Encoding, Content-Type, Content-Length, Authorization)
// and is sent in the user's position; "Name:" (nothing after the colon) removes the built-in one
// and sends nothing; "Name;" sends "Name:" with an empty value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/url.h"
#include "core/result.h"

namespace wc::client {

struct RequestSpec {
  std::string method = "GET";
  std::vector<std::string> headers;  // -H values as typed
  std::optional<std::string> body;   // -d: sent with Content-Length
  bool form_body = false;            // -d: add the form Content-Type
  bool compressed = false;           // --compressed: ask for gzip and deflate
};

// Checks one -H value. Errors: no ':' or ';' after a token name, a CR/LF/NUL in it.
[[nodiscard]] Status check_header_arg(std::string_view header);

// The request head and body for `url`, ready for the socket.
[[nodiscard]] std::string build_request(const Url& url, const RequestSpec& spec);

// RFC 4648 base64 (for Basic authorization).
[[nodiscard]] std::string base64(std::string_view in);

}  // namespace wc::client
