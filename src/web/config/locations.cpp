#include "web/config/locations.h"

namespace wc::web::config {

namespace {

// nginx's ngx_http_core_find_location, one level at a time. Returns true when the search is
// over (an exact or a regex match); otherwise *result holds the best prefix so far.
bool find_in(const LocationConf& level, std::string_view uri, Captures* captures,
             const LocationConf** result, bool* regex_matched) {
  for (const LocationConf* exact : level.exact_locations) {
    if (exact->pattern == uri) {
      *result = exact;
      return true;
    }
  }
  bool noregex = false;
  for (const LocationConf* prefix : level.prefix_locations) {
    if (uri.starts_with(prefix->pattern)) {
      *result = prefix;
      noregex = prefix->kind == LocationConf::Kind::kPrefixNoRegex;
      // Nested locations of the longest prefix first, regexes included.
      if (find_in(*prefix, uri, captures, result, regex_matched)) return true;
      break;
    }
  }
  if (noregex) return false;
  for (const LocationConf* re : level.regex_locations) {
    if (re->regex->match(uri, captures)) {
      *result = re;
      *regex_matched = true;
      find_in(*re, uri, captures, result, regex_matched);
      return true;
    }
  }
  return false;
}

}  // namespace

const LocationConf& find_location(const ServerConf& server, std::string_view uri,
                                  Captures* captures) {
  const LocationConf* result = &server.loc;
  bool regex_matched = false;
  find_in(server.loc, uri, captures, &result, &regex_matched);
  if (!regex_matched && captures != nullptr) captures->clear();
  return *result;
}

const LocationConf* find_named_location(const ServerConf& server, std::string_view name) {
  auto it = server.named_locations.find(name);
  return it == server.named_locations.end() ? nullptr : it->second;
}

}  // namespace wc::web::config
