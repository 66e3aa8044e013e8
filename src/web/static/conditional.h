// Conditional GET/HEAD for a static file, exactly as nginx 1.22's not_modified filter decides it
// (ngx_http_not_modified_filter_module.c), for a response that would otherwise be 200:
//   1. If-Unmodified-Since present and (no mtime, unparsable date, or date < mtime) -> 412
//   2. If-Match present and no listed tag equals the ETag (strong, byte-wise; "*" matches) -> 412
//   3. If If-Modified-Since or If-None-Match is present, the answer is 304 only when every one of
//      them that is present says "not modified": If-None-Match lists the ETag (weak compare, "*")
//      and If-Modified-Since equals mtime ("exact", the default) or, in "before" mode, is >= mtime.
//      So when both are sent, If-None-Match alone cannot force a 304 over a changed date, and an
//      ETag mismatch always means 200 (RFC 9110 13.2.2's precedence, as nginx implements it).
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wc::web::static_files {

enum class Conditional : unsigned char {
  proceed,              // send the full (or ranged) response
  not_modified,         // 304
  precondition_failed,  // 412
};

// nginx's `if_modified_since off | exact | before` directive.
enum class IfModifiedSince : unsigned char { off, exact, before };

// Header values as received (already trimmed of surrounding whitespace); nullopt = absent.
struct ConditionalHeaders {
  std::optional<std::string_view> if_match;
  std::optional<std::string_view> if_unmodified_since;
  std::optional<std::string_view> if_none_match;
  std::optional<std::string_view> if_modified_since;
};

// `etag` is the response's ETag with quotes (empty = none, as with `etag off`); `mtime` is the
// Last-Modified time in seconds, or -1 when the response has none.
[[nodiscard]] Conditional evaluate_conditionals(
    const ConditionalHeaders& h, std::string_view etag, int64_t mtime,
    IfModifiedSince mode = IfModifiedSince::exact) noexcept;

// nginx's list match (ngx_http_test_if_match): true if `header` is "*" or lists `etag`.
// `weak` drops a "W/" prefix from each listed tag before comparing (If-None-Match does).
[[nodiscard]] bool etag_list_matches(std::string_view header, std::string_view etag,
                                     bool weak) noexcept;

}  // namespace wc::web::static_files
