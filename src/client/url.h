// Absolute http(s) URLs as the client fetches them, and RFC 3986 reference resolution (for a
// redirect's Location and a page's links). Pure functions: no I/O, no allocation beyond the
// results, thread-safe.
//
// What parse_url() accepts is what curl's URL parser accepts for http, narrowed where curl is
// lenient only by accident: scheme (any case) "://" [userinfo "@"] host [":" port] [path]
// ["?" query] ["#" fragment]. The host is a reg-name (letters, digits, '-', '.', '_', and
// percent-escapes kept as they are), an IPv4 literal, or an "[IPv6]" literal. The fragment is
// dropped (it never goes on the wire); dot-segments are removed from the path as curl does
// (without --path-as-is); spaces, controls and bytes >= 0x80 in the path and query are
// percent-encoded as a browser's address bar does. An empty path is "/".
//
// Errors tell the two curl exit codes apart: UrlError::kUnsupported (curl 1, "unsupported
// protocol": any scheme but http and https) and
// UrlError::kMalformed (curl 3: no "://", an empty or invalid host, a bad port, a bad escape).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace wc::client {

struct Url {
  std::string scheme;    // "http" (lower-case)
  std::string userinfo;  // "user:pass" as written (percent-escapes kept), or empty
  std::string host;      // lower-cased reg-name or IPv4 literal; an IPv6 literal WITHOUT brackets
  bool ipv6 = false;     // host is an IPv6 literal
  uint16_t port = 80;    // the effective port (the scheme's default when none was written)
  std::string target;    // the request-target: path ["?" query], never empty ("/" at least)

  [[nodiscard]] uint16_t default_port() const noexcept { return scheme == "https" ? 443 : 80; }
  // The Host header's value and the URL's authority: host, "[v6]", ":port" only when not the
  // scheme's default (as curl and browsers send it).
  [[nodiscard]] std::string authority() const;
  // "http://host[:port]/target" (no userinfo: that is for the request's Authorization only).
  [[nodiscard]] std::string to_string() const;
  // Same scheme, host and port: a keep-alive connection to one may carry a request for the other.
  [[nodiscard]] bool same_origin(const Url& other) const noexcept;
};

enum class UrlError : uint8_t {
  kMalformed,    // curl's exit 3
  kUnsupported,  // curl's exit 1 (any scheme but http and https)
};

struct UrlFailure {
  UrlError kind = UrlError::kMalformed;
  std::string message;  // "malformed URL \"http://\": no host", "unsupported protocol \"ftp\""

  // curl's exit code: 1 unsupported protocol, 3 malformed URL.
  [[nodiscard]] int exit_code() const noexcept { return kind == UrlError::kUnsupported ? 1 : 3; }
};

[[nodiscard]] std::expected<Url, UrlFailure> parse_url(std::string_view text);

// RFC 3986 section 5.2: the target URI of `reference` (a Location value or an href, absolute or
// relative) against the absolute URI `base`, as a string (fragment kept: the caller drops it).
// Works on the generic syntax only, so it never fails; the result may still be malformed or name
// another scheme (parse_url says so). Leading and trailing spaces of `reference` are ignored.
[[nodiscard]] std::string resolve_reference(std::string_view base, std::string_view reference);

// RFC 3986 5.2.4 remove_dot_segments.
[[nodiscard]] std::string remove_dot_segments(std::string_view path);

}  // namespace wc::client
