// nginx's built-in answer pages (ngx_http_special_response.c): the small HTML body sent with
// redirects and errors when no error_page is configured. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wc::web {

// nginx's NGX_HTTP_TO_HTTPS: plain HTTP sent to an ssl listen. Not a status on the wire: it is
// answered 400 with its own page, unless `error_page 497 ...` names another answer.
inline constexpr int kPlainHttpToHttps = 497;

// True when nginx sends its built-in page for `status` (3xx redirects, 4xx and 5xx); false for
// 1xx, 2xx, 204, 304 and unknown codes, which get an empty body.
[[nodiscard]] bool has_builtin_page(int status) noexcept;

// Appends the page for `status`. With `server_tokens` the footer names the version
// ("webcycle/0.1.0"), otherwise only "webcycle", as nginx does with its own name.
void append_builtin_page(int status, bool server_tokens, std::string& out);

// Statuses after which nginx closes the connection instead of keeping it alive (the request
// stream may be out of sync, or the client misbehaves).
[[nodiscard]] bool closes_connection(int status) noexcept;

// The version webcycle reports in Server headers and pages.
[[nodiscard]] std::string_view server_version() noexcept;

}  // namespace wc::web
