// Value syntaxes of nginx's directives: sizes, times, flags, numbers. Pure functions; the error
// side only says "invalid" because the caller words the message with the directive's name.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace wc::web::config {

// "512", "8k", "8K", "1m", "1g" -> bytes. nginx's ngx_parse_size/ngx_parse_offset.
[[nodiscard]] Result<int64_t> parse_size(std::string_view text);

// "75s", "1m", "500ms", "1h", "1h 30m", "1d", "1w", "1M" (30 days), "1y", plain "30" = seconds
// -> milliseconds. nginx's ngx_parse_time.
[[nodiscard]] Result<int64_t> parse_time_ms(std::string_view text);

// "on" / "off" (exactly, as nginx; case-insensitive like nginx's ngx_strcasecmp).
[[nodiscard]] Result<bool> parse_flag(std::string_view text);

// Non-negative decimal integer, no sign, no suffix; fails on overflow.
[[nodiscard]] Result<int64_t> parse_number(std::string_view text);

}  // namespace wc::web::config
