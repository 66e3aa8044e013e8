// Status codes: reason phrases (nginx's wording) and precomputed status lines. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wc::http {

// Reason phrase for `status` ("Not Found"), or empty when the code is unknown.
[[nodiscard]] std::string_view reason_phrase(int status);

// "HTTP/1.1 404 Not Found\r\n" from a static table; empty when the code has no phrase
// (then use append_status_line, which writes "HTTP/1.1 299 \r\n" as nginx does).
[[nodiscard]] std::string_view status_line(int status);

// Appends the status line for any 100..999 status.
void append_status_line(int status, std::string& out);

}  // namespace wc::http
