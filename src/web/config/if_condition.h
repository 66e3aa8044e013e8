// The condition of `if (...)` read from the syntax tree, as ngx_http_rewrite_if_condition reads
// it (pure: no I/O). The arguments come as nginx's tokenizer leaves them: "($a" "=" "b)", or
// "(" "$a" ")" when spaced, or "($a" "=" "x y" ")" after a quoted word.
//
// Errors carry nginx's text and place: `invalid condition "X" in F:L`,
// `unexpected "==" in condition in F:L`, a regex's `pcre2_compile() failed: ...`.
#pragma once

#include "core/result.h"
#include "web/config/web_config.h"
#include "web/vars/user_vars.h"

namespace wc::web::config {

// Variables the condition uses are referenced in `registry`, a regex's named groups declared.
[[nodiscard]] Result<IfCondition> parse_if_condition(const ConfNode& node,
                                                     vars::VarRegistry& registry);

}  // namespace wc::web::config
