// Access-log formats: `log_format NAME [escape=default|json|none] STRING ...;` compiled to a
// Template, and the predefined `combined`:
//   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
//   "$http_referer" "$http_user_agent"
// Escaping as ngx_http_log_module does it: default writes '"', '\\', control bytes and bytes
// >= 0x7f as "\xHH" and a missing value as "-"; json uses JSON escapes and prints nothing for a
// missing value; none copies bytes and prints nothing for a missing value.
// Immutable after compile: share between threads.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "web/vars/template.h"
#include "web/vars/variables.h"

namespace wc::web::vars {

class LogFormat {
 public:
  LogFormat() = default;

  // `args` are the directive's arguments after NAME: an optional "escape=..." first, then the
  // strings, concatenated with nothing between them (as nginx joins them). Errors carry nginx's
  // text: `unknown log format escaping "x"`, `unknown "foo" variable`, `invalid variable name`.
  [[nodiscard]] static Result<LogFormat> compile(std::span<const std::string_view> args);
  // `known`: the configuration's own variables (set, map, captures), see Template::compile.
  [[nodiscard]] static Result<LogFormat> compile(std::string_view format,
                                                 Escape escape = Escape::log,
                                                 const VarRegistry* known = nullptr);

  // nginx's predefined `combined` format (default escaping).
  [[nodiscard]] static const LogFormat& combined();

  // Appends one whole line, ending in '\n', to `out`.
  void append_line(const RequestVars& v, std::string& out) const;

  [[nodiscard]] Escape escape() const noexcept { return escape_; }
  [[nodiscard]] const Template& tmpl() const noexcept { return template_; }

 private:
  Template template_;
  Escape escape_ = Escape::log;
};

}  // namespace wc::web::vars
