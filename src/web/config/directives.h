// Internal to web/config: the directive table's entry point and the post-parse passes that
// load_config() runs. Not for use outside this folder.
#pragma once

#include <vector>

#include "core/conf_parser.h"
#include "core/result.h"
#include "web/config/web_config.h"

namespace wc::web::config {

// Applies -g directives then the file's (main context) to `config`, checking placement, arity,
// values and duplicates; merges values down http -> server -> location as it goes.
// config->prefix and conf_dir must be set.
// resolve_names: see LoadOptions.
[[nodiscard]] Status build_config(WebConfig* config, const std::vector<ConfNode>& g_nodes,
                                  const std::vector<ConfNode>& nodes, bool resolve_names = true);

// Fails with nginx's `unknown "x" variable` (no place, as nginx) when a proxy_set_header or
// proxy_redirect value names a variable webcycle does not know. Runs after index_locations, where
// nginx's ngx_http_variables_init_vars() runs.
[[nodiscard]] Status check_proxy_variables(const WebConfig& config);

// Orders every level's nested locations for lookup; fails on `duplicate location "/x" in F:L`.
[[nodiscard]] Status index_locations(ServerConf* server);

// Groups the servers by address:port (ListenGroup) with their server-name indexes; fails on a
// duplicate default server or conflicting listen options. Warnings go to config->warnings.
[[nodiscard]] Status build_listen_groups(WebConfig* config);

}  // namespace wc::web::config
