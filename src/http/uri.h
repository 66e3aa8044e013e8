// Request-target handling: splitting, nginx-compatible normalization ($uri), percent-encoding.
// Pure functions; no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "http/request_parser.h"

namespace wc::http {

// Normalizes a raw path (the request-target before '?') the way nginx computes $uri:
// percent-decodes (a decoded byte is never decoded again: "%252e" -> "%2e"), merges repeated
// slashes, resolves "." and ".." segments (a decoded "%2F" is a '/' and "%2e%2e" is ".." too).
// The result always starts with '/' and can never climb above it.
// Writes into `out` (cleared first; capacity reused).
// Errors (each means 400 "client sent invalid request"): path not starting with '/', invalid
// %-escape, decoded NUL, ".." above the root. merge_slashes = false (nginx's `merge_slashes
// off`) keeps repeated slashes.
[[nodiscard]] Status normalize_path(std::string_view raw_path, std::string& out,
                                    bool merge_slashes = true);

// Same, for callers that already know the path contains no '%', "//", "/." (fast check).
// True when raw_path is already normal (so it can be used as $uri without copying).
[[nodiscard]] bool is_normal_path(std::string_view raw_path);

struct TargetParts {
  TargetForm form = TargetForm::kOrigin;
  std::string_view scheme;     // "http" / "https" for absolute-form (lower-case not enforced)
  std::string_view authority;  // absolute-form "host:port", or the authority-form target
  std::string_view path;       // origin/absolute-form path ("/" when absolute-form has none)
  std::string_view query;      // after '?', without it
};

// Splits a request-target (RFC 9112 3.2). Views point into `target`.
// Errors: not one of the four forms, or bad characters (400). Authority-form is accepted only
// when `method` is CONNECT and asterisk-form only for OPTIONS.
[[nodiscard]] Result<TargetParts> split_target(std::string_view target, Method method);

// RFC 3986 authority: [userinfo "@"] host [":" port], host a reg-name, IPv4 or "[IP-literal]".
// `allow_userinfo` false for Host header values. An empty string is not valid.
[[nodiscard]] bool is_valid_authority(std::string_view authority, bool allow_userinfo);

// Escaping as nginx's ngx_escape_uri does it.
enum class Escape : uint8_t {
  kUri,        // a path (Location header): SP '#' '%' '?', CTLs, DEL and bytes >= 0x80
  kArgs,       // one argument value: as kUri plus '&' '+' ';'
  kComponent,  // a single component: everything except unreserved (RFC 3986 2.3)
  kHtml,       // a URI inside an HTML attribute: SP '"' '#' '%' '\'' '<' '>', CTLs, DEL, >= 0x80
};

// Appends the escaped form of `in` to `out`.
void escape_uri(std::string_view in, std::string& out, Escape kind = Escape::kUri);
// True when escape_uri(in, .., kind) would change something.
[[nodiscard]] bool needs_escape(std::string_view in, Escape kind = Escape::kUri);
// Appends the escaped form of `in` to `out`, RFC 3986 component rules (== kComponent).
inline void percent_encode(std::string_view in, std::string& out) {
  escape_uri(in, out, Escape::kComponent);
}

// Percent-decodes `in` into `out` (appending). '+' is left alone. Invalid escapes are copied
// verbatim (as nginx's ngx_unescape_uri does for $arg_*). Never fails.
void percent_decode(std::string_view in, std::string& out);

}  // namespace wc::http
