// HTTP dates (RFC 9110 5.6.7): formatting the IMF-fixdate, parsing all three accepted forms.
// Pure, thread-safe (no tz state, no locale).
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

namespace wc::http {

inline constexpr size_t kHttpDateLen = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"

// Writes exactly kHttpDateLen bytes (no NUL) for `t` (UTC) into `out`; returns a view of them.
std::string_view format_http_date(time_t t, char* out);

// Parses IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
// ("Sun Nov  6 08:49:37 1994"). Returns nullopt for anything else (If-Modified-Since is then
// ignored, as RFC 9110 13.1.3 says). Two-digit years: 70-99 -> 19xx, else 20xx.
[[nodiscard]] std::optional<time_t> parse_http_date(std::string_view s);

}  // namespace wc::http
