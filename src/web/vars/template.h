// Strings with nginx variables: "$name", "${name}" and captures "$1".."$9", compiled once at
// config time, evaluated per request by appending to a caller's buffer (no allocation once the
// buffer has grown).
//
// Names follow ngx_http_script_compile: after '$' a name is [A-Za-z0-9_]+, in the "${...}" form
// too (a name ends at the first other character); "$" at the end or with no name is `invalid
// variable name`; "${x" is `the closing bracket in "x" variable is missing`; an unknown name is
// `unknown "x" variable`. Known: remote_addr remote_port remote_user time_local time_iso8601 msec
// request status body_bytes_sent bytes_sent request_time request_length host hostname request_id
// request_method request_uri uri document_uri args query_string is_args server_name server_addr
// server_port server_protocol scheme https ssl_protocol ssl_cipher ssl_server_name
// ssl_session_reused connection connection_requests document_root
// request_filename content_type content_length pid nginx_version, the proxy ones proxy_host
// proxy_port proxy_add_x_forwarded_for upstream_addr upstream_status upstream_response_time
// upstream_connect_time upstream_header_time, and the prefixes http_, sent_http_, cookie_, arg_.
//
// A Template is immutable after compile(): share it between threads freely.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "web/vars/user_vars.h"
#include "web/vars/variables.h"

namespace wc::web::vars {

enum class Escape : unsigned char {
  none,  // bytes as they are; a missing value is empty (scripts, `escape=none` logs)
  log,   // access log default: '"', '\\', bytes < 0x20 and >= 0x7f as "\xHH" (uppercase); a
         // missing value prints "-"
  json,  // JSON string escapes ("\"", "\\\\", "\n", "\u0001", ...); a missing value is empty
};

// $arg_NAME of `args` as nginx's ngx_http_arg finds it: "name=value" between '&'s, the name
// compared case-insensitively; empty (not found) when absent.
[[nodiscard]] std::string_view find_arg(std::string_view args, std::string_view name) noexcept;

class Template {
 public:
  // Which variable a reference names (for callers that want to know whether a template uses,
  // say, $request_filename, and for tests).
  enum class Var : unsigned char {
    literal,
    capture,
    remote_addr,
    remote_port,
    remote_user,
    time_local,
    time_iso8601,
    msec,
    request,
    status,
    body_bytes_sent,
    bytes_sent,
    request_time,
    request_length,
    host,
    hostname,
    request_id,
    request_method,
    request_uri,
    uri,
    args,
    is_args,
    server_name,
    server_addr,
    server_port,
    server_protocol,
    scheme,
    https,
    ssl_protocol,
    ssl_cipher,
    ssl_server_name,
    ssl_session_reused,
    connection,
    connection_requests,
    document_root,
    request_filename,
    content_type,
    content_length,
    pid,
    nginx_version,
    proxy_host,
    proxy_port,
    proxy_add_x_forwarded_for,
    upstream_addr,
    upstream_status,
    upstream_response_time,
    upstream_connect_time,
    upstream_header_time,
    http_header,
    sent_http_header,
    cookie,
    arg,
    user,  // a variable the configuration declares (set, map, named capture): user_vars.h
  };

  Template() = default;

  // Errors (Error::code 0) carry nginx's message text, e.g. `unknown "foo" variable`.
  // `known`: the configuration's own variables, looked up after the built-in names and before
  // the prefixed ones (http_, arg_, ...), as nginx's ngx_http_variables_init_vars does.
  [[nodiscard]] static Result<Template> compile(std::string_view source,
                                                const VarRegistry* known = nullptr);
  // While a configuration is read: a name that is neither built in nor prefixed is referenced in
  // `registry` (see VarRegistry::reference; `where` is kept for the error), never an error here.
  [[nodiscard]] static Result<Template> compile_collecting(std::string_view source,
                                                           VarRegistry& registry,
                                                           std::string_view where);

  // Appends the value to `out`. `captures[0]` is the whole regex match, `captures[n]` is $n; a
  // capture past the end of the span is empty.
  void append(const RequestVars& v, std::string& out, Escape escape = Escape::none,
              std::span<const std::string_view> captures = {}) const;

  // Convenience for tests and config-time use: a new string with the value.
  [[nodiscard]] std::string evaluate(const RequestVars& v, Escape escape = Escape::none,
                                     std::span<const std::string_view> captures = {}) const;

  // True if the template references any variable or capture (false: plain text).
  [[nodiscard]] bool has_variables() const noexcept { return has_variables_; }
  [[nodiscard]] bool has_captures() const noexcept { return has_captures_; }
  [[nodiscard]] std::string_view source() const noexcept {
    return std::string_view(text_).substr(0, source_len_);
  }
  // True if any reference is `v`.
  [[nodiscard]] bool uses(Var v) const noexcept;

 private:
  static Result<Template> compile_impl(std::string_view source, const VarRegistry* known,
                                       VarRegistry* collect, std::string_view where);
  struct Part {
    Var var;
    uint32_t offset;  // literal: text range; header/cookie/arg: name range (lowercase, '_')
    uint32_t length;  // capture: index in `length`
  };
  std::string text_;  // the source, then the normalized names referenced by parts
  std::vector<Part> parts_;
  uint32_t source_len_ = 0;
  bool has_variables_ = false;
  bool has_captures_ = false;
};

}  // namespace wc::web::vars
