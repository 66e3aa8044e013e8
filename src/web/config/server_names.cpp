#include "web/config/server_names.h"

#include <cstring>

namespace wc::web::config {

namespace {

bool same_port_and_family(const ListenConf& l, const sockaddr* local) {
  if (local->sa_family != l.family) return false;
  if (local->sa_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(local)->sin_port == htons(l.port);
  }
  return reinterpret_cast<const sockaddr_in6*>(local)->sin6_port == htons(l.port);
}

bool same_addr(const ListenConf& l, const sockaddr* local) {
  if (!same_port_and_family(l, local)) return false;
  if (local->sa_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(local)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&l.addr)->sin_addr.s_addr;
  }
  return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(local)->sin6_addr,
                     &reinterpret_cast<const sockaddr_in6*>(&l.addr)->sin6_addr,
                     sizeof(in6_addr)) == 0;
}

}  // namespace

const ListenGroup& find_listen_group(const WebConfig& config, const ListenGroup& accepted_on,
                                     const sockaddr* local) {
  if (!accepted_on.listen.wildcard || local == nullptr) return accepted_on;
  for (const ListenGroup& g : config.listen_groups) {
    if (!g.bind && same_addr(g.listen, local)) return g;
  }
  return accepted_on;
}

const ServerConf& select_server(const ListenGroup& group, std::string_view host,
                                Captures* captures) {
  if (captures != nullptr) captures->clear();
  // Strip the port (after "]" for IPv6 literals) and one trailing dot, then lowercase.
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    if (close != std::string_view::npos) host = host.substr(0, close + 1);
  } else {
    size_t colon = host.find(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  char buf[256];
  if (host.size() > sizeof buf) return *group.default_server;
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view name(buf, host.size());

  if (auto it = group.exact_names.find(name); it != group.exact_names.end()) return *it->second;
  for (const auto& [sn, server] : group.leading_wildcards) {
    const std::string& key = sn->key;
    if (name.size() > key.size() && name.ends_with(key) &&
        name[name.size() - key.size() - 1] == '.') {
      return *server;
    }
    if (sn->matches_bare && name == key) return *server;
  }
  for (const auto& [sn, server] : group.trailing_wildcards) {
    if (name.size() > sn->key.size() && name.starts_with(sn->key)) return *server;
  }
  if (!name.empty()) {
    for (const auto& [sn, server] : group.regex_names) {
      // Captures must point at the caller's bytes, not at this stack buffer: match the original
      // (the regex is caseless, so case does not change the result).
      if (sn->regex->match(name, nullptr)) {
        if (captures != nullptr) (void)sn->regex->match(host, captures);
        return *server;
      }
    }
  }
  return *group.default_server;
}

}  // namespace wc::web::config
