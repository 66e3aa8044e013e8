// `map SOURCE $VAR { ... }`: reading it from the syntax tree (pure: no I/O; `include` inside a
// map was expanded by the parser) and evaluating it for a request.
//
// Errors carry nginx's text and place, e.g. `invalid number of the map parameters in F:L`,
// `duplicate default map parameter in F:L`, `conflicting parameter "x" in F:L`,
// `invalid hostname or wildcard "a*b" in F:L`, a regex's `pcre2_compile() failed: ...`.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "web/config/web_config.h"
#include "web/vars/user_vars.h"
#include "web/vars/variables.h"

namespace wc::web::config {

// Reads a `map` block: the target variable and named captures are declared in `registry`,
// variables the source and values use are referenced there (see VarRegistry).
[[nodiscard]] Result<std::unique_ptr<MapConf>> parse_map(const ConfNode& node,
                                                         vars::VarRegistry& registry);

// Compiles the map's templates once every variable is declared, and hooks the map into the
// registry entry of its variable (so vars::UserVars evaluates it on first use).
[[nodiscard]] Status compile_map(MapConf& map, vars::VarRegistry& registry);

// The value of `map` for the request `v` describes, appended to `out` (vars::LazyEval's shape).
void evaluate_map(const void* map, const vars::RequestVars& v, vars::UserVars& user,
                  std::string& out);

// The named groups of `regex` declared as variables (nginx declares them for every regex of
// location, server_name, rewrite, if and map): {variable index, group number} each.
NamedCaptures declare_captures(const Regex& regex, vars::VarRegistry& registry);

}  // namespace wc::web::config
