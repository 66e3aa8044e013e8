// HTTP dates as nginx reads them (ngx_parse_http_time): IMF-fixdate "Sun, 06 Nov 1994 08:49:37
// GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994".
// Kept here rather than using http/http_date.h because the conditional and range filters must
// accept and refuse exactly what nginx does (it ignores the weekday and anything after the time).
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wc::web::static_files {

// Seconds since the epoch (UTC), or nullopt when nginx would return NGX_ERROR.
[[nodiscard]] std::optional<int64_t> parse_nginx_http_time(std::string_view s) noexcept;

}  // namespace wc::web::static_files
