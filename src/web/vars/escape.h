// Appending a value to a log line with nginx's access-log escapes (internal to web/vars, shared by
// template.cpp and the tests).
#pragma once

#include <string>
#include <string_view>

namespace wc::web::vars {

// ngx_http_log_escape: '"', '\\', bytes < 0x20 and >= 0x7f become "\xHH" (uppercase hex).
void append_log_escaped(std::string& out, std::string_view s);
// ngx_escape_json: '"' and '\\' backslashed; \n \r \t \b \f; other bytes < 0x20 as "\u00HH".
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace wc::web::vars
