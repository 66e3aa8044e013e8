// Location lookup for every request, with nginx's precedence (ngx_http_core_find_location).
#pragma once

#include <string_view>

#include "web/config/regex.h"
#include "web/config/web_config.h"

namespace wc::web::config {

// For a normalized URI path (decoded, no query, dots and repeated slashes resolved):
// `=` exact match wins at once; else the longest matching prefix; if it is `^~` stop; else the
// prefix's nested locations are searched the same way, then regex locations in config order
// (nested regexes of the chosen prefix first), first match wins; else the longest prefix; else the
// server level (server.loc). Never null. `captures` (may be null) receives the groups of the
// matching regex location, and is cleared when the result is not a regex location.
// Thread-safe; allocates nothing.
[[nodiscard]] const LocationConf& find_location(const ServerConf& server, std::string_view uri,
                                                Captures* captures = nullptr);

// `@name` locations for try_files / error_page; null when the server has none of that name.
[[nodiscard]] const LocationConf* find_named_location(const ServerConf& server,
                                                      std::string_view name);

}  // namespace wc::web::config
