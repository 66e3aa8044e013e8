#include "web/static/path.h"

#include <algorithm>
#include <cassert>

namespace wc::web::static_files {

void map_root(std::string_view root, std::string_view uri, std::string& out, size_t reserve) {
  out.clear();
  out.reserve(root.size() + uri.size() + reserve);
  out.append(root).append(uri);
}

void map_alias(std::string_view alias, std::string_view location_prefix, std::string_view uri,
               std::string& out, size_t reserve) {
  // The location matched, so the URI starts with its prefix (case-insensitively for the
  // caseless matching nginx may be built with; only the length matters here, as in nginx).
  assert(uri.size() >= location_prefix.size());
  std::string_view rest = uri.substr(std::min(location_prefix.size(), uri.size()));
  out.clear();
  out.reserve(alias.size() + rest.size() + reserve);
  out.append(alias).append(rest);
}

void map_regex_alias(std::string_view substituted_alias, std::string& out, size_t reserve) {
  out.clear();
  out.reserve(substituted_alias.size() + reserve);
  out.append(substituted_alias);
}

}  // namespace wc::web::static_files
