#include "app/request_mapping.h"

#include "http/uri.h"

namespace wc::app {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool TrustedProxies::trusts(std::string_view addr) const {
  if (any) return true;
  for (const std::string& a : addresses) {
    if (a == addr) return true;
  }
  return false;
}

TrustedProxies TrustedProxies::from(const std::vector<std::string>& values) {
  TrustedProxies t;
  for (const std::string& v : values) {
    std::string_view rest = v;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (item.empty()) continue;
      if (item == "*") {
        t.any = true;
      } else {
        t.addresses.emplace_back(item);
      }
    }
  }
  return t;
}

void map_request(const http::RequestHead& head, std::string_view peer_addr, bool peer_is_unix,
                 std::string_view env_script_name, const TrustedProxies& trusted,
                 MappedRequest& out) {
  out.headers.clear();
  out.path_info.clear();
  out.error_status = 0;
  out.error = {};
  out.url_scheme = "http";
  out.remote_addr = peer_addr;
  out.script_name = env_script_name;

  const bool trusted_peer = peer_is_unix || trusted.trusts(peer_addr);
  std::string_view forwarded_for;
  for (const http::Header& h : head.headers) {
    if (h.name.find('_') != std::string_view::npos) {
      if (http::iequals(h.name, "SCRIPT_NAME")) out.script_name = h.value;
      continue;
    }
    if (trusted_peer && h.name.size() > 12 && http::iequals(h.name.substr(0, 12), "X-Forwarded-")) {
      const std::string_view what = h.name.substr(12);
      if ((http::iequals(what, "Proto") && http::iequals(h.value, "https")) ||
          (http::iequals(what, "Protocol") && http::iequals(h.value, "ssl")) ||
          (http::iequals(what, "Ssl") && http::iequals(h.value, "on"))) {
        out.url_scheme = "https";
      } else if (http::iequals(what, "For")) {
        forwarded_for = h.value;  // the last one wins, as a proxy appends
      }
    }
    out.headers.emplace_back(h.name, h.value);
  }

  // Walk X-Forwarded-For from the right: every hop a trusted proxy added is skipped.
  while (!forwarded_for.empty()) {
    const size_t comma = forwarded_for.rfind(',');
    const std::string_view hop =
        trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for =
        comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    if (hop.empty()) continue;
    out.remote_addr = hop;
    if (!trusted.trusts(hop)) break;
  }

  out.server_name = {};
  out.server_port = {};
  if (peer_is_unix && !head.host.empty()) {
    std::string_view host = head.host;
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
      out.server_name = host.substr(0, colon);
      out.server_port = host.substr(colon + 1);
    } else {
      out.server_name = host;
      out.server_port = out.url_scheme == "https" ? "443" : "80";
    }
  }

  std::string_view path = head.path;
  if (!out.script_name.empty()) {
    std::string_view prefix = out.script_name;
    if (prefix.back() == '/') prefix.remove_suffix(1);
    if (path.substr(0, prefix.size()) != prefix ||
        (path.size() > prefix.size() && path[prefix.size()] != '/')) {
      out.error_status = 400;
      out.error = "the request path is outside SCRIPT_NAME";
      return;
    }
    path.remove_prefix(prefix.size());
  }
  http::percent_decode(path, out.path_info);
}

}  // namespace wc::app
