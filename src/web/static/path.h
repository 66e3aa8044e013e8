// Mapping a normalized URI to a filesystem path, as ngx_http_map_uri_to_path does. No checks are
// made here: the URI must already be normalized (no "..", decoded) by the HTTP layer. Paths are
// joined literally ("root /srv/;" + "/a" -> "/srv//a"), as nginx joins them.
// Each function overwrites `out`; reusing one std::string per worker means no allocation once
// its capacity has grown. `reserve` asks for spare capacity (e.g. for an index file name).
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wc::web::static_files {

// `root DIR`: out = root + uri.
void map_root(std::string_view root, std::string_view uri, std::string& out, size_t reserve = 0);

// `alias DIR` in a prefix or exact location: the location's prefix (`location_prefix`, which the
// URI starts with) is replaced by `alias`. E.g. location /i/ { alias /data/w3/images/; }:
// "/i/top.gif" -> "/data/w3/images/top.gif".
void map_alias(std::string_view alias, std::string_view location_prefix, std::string_view uri,
               std::string& out, size_t reserve = 0);

// `alias` in a regex location: the alias, captures already substituted, is the whole path.
void map_regex_alias(std::string_view substituted_alias, std::string& out, size_t reserve = 0);

}  // namespace wc::web::static_files
