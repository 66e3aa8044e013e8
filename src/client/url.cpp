#include "client/url.h"

#include <arpa/inet.h>

#include <optional>

namespace wc::client {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f'); }

// RFC 3986 Appendix B's split, with optional parts told apart from empty ones (5.2 needs that).
struct Parts {
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
  std::optional<std::string_view> fragment;
};

bool valid_scheme(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

Parts split(std::string_view s) {
  Parts p;
  size_t colon = s.find_first_of(":/?#");
  if (colon != std::string_view::npos && s[colon] == ':' && valid_scheme(s.substr(0, colon))) {
    p.scheme = s.substr(0, colon);
    s.remove_prefix(colon + 1);
  }
  if (s.starts_with("//")) {
    s.remove_prefix(2);
    size_t end = s.find_first_of("/?#");
    if (end == std::string_view::npos) end = s.size();
    p.authority = s.substr(0, end);
    s.remove_prefix(end);
  }
  size_t hash = s.find('#');
  if (hash != std::string_view::npos) {
    p.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  size_t q = s.find('?');
  if (q != std::string_view::npos) {
    p.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  p.path = s;
  return p;
}

std::string merge(const Parts& base, std::string_view ref_path) {
  if (base.authority && base.path.empty()) return "/" + std::string(ref_path);
  size_t slash = base.path.rfind('/');
  if (slash == std::string_view::npos) return std::string(ref_path);
  return std::string(base.path.substr(0, slash + 1)) + std::string(ref_path);
}

std::string recompose(std::optional<std::string_view> scheme,
                      std::optional<std::string_view> authority, std::string_view path,
                      std::optional<std::string_view> query,
                      std::optional<std::string_view> fragment) {
  std::string out;
  if (scheme) {
    out += *scheme;
    out += ':';
  }
  if (authority) {
    out += "//";
    out += *authority;
  }
  out += path;
  if (query) {
    out += '?';
    out += *query;
  }
  if (fragment) {
    out += '#';
    out += *fragment;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::unexpected<UrlFailure> malformed(std::string_view url, std::string_view why) {
  return std::unexpected(UrlFailure{
      UrlError::kMalformed, "malformed URL \"" + std::string(url) + "\": " + std::string(why)});
}

// A reg-name as curl takes it: unreserved, sub-delims minus the ones that would confuse a Host
// header, and percent-escapes.
bool valid_reg_name(std::string_view host) {
  if (host.empty()) return false;
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~') continue;
    if (c == '%' && i + 2 < host.size() && is_hex(host[i + 1]) && is_hex(host[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

// The path and query as they go on the wire: what a browser's address bar escapes.
void append_escaped(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' ||
        c == '}' || c == '|' || c == '\\' || c == '^') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
}

}  // namespace

std::string Url::authority() const {
  std::string out;
  if (ipv6) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  if (port != default_port()) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string Url::to_string() const { return scheme + "://" + authority() + target; }

bool Url::same_origin(const Url& other) const noexcept {
  return scheme == other.scheme && host == other.host && port == other.port;
}

std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      if (in == "/..") {
        in = "/";
      } else {
        in.remove_prefix(3);
      }
      size_t slash = out.rfind('/');
      out.resize(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      size_t next = in.find('/', in[0] == '/' ? 1 : 0);
      if (next == std::string_view::npos) next = in.size();
      out += in.substr(0, next);
      in.remove_prefix(next);
    }
  }
  return out;
}

std::string resolve_reference(std::string_view base_text, std::string_view reference) {
  Parts r = split(trim(reference));
  Parts b = split(base_text);
  if (r.scheme) {
    return recompose(r.scheme, r.authority, remove_dot_segments(r.path), r.query, r.fragment);
  }
  if (r.authority) {
    return recompose(b.scheme, r.authority, remove_dot_segments(r.path), r.query, r.fragment);
  }
  if (r.path.empty()) {
    return recompose(b.scheme, b.authority, b.path, r.query ? r.query : b.query, r.fragment);
  }
  std::string path =
      r.path.starts_with('/') ? remove_dot_segments(r.path) : remove_dot_segments(merge(b, r.path));
  return recompose(b.scheme, b.authority, path, r.query, r.fragment);
}

std::expected<Url, UrlFailure> parse_url(std::string_view text) {
  std::string_view s = trim(text);
  Parts p = split(s);
  if (!p.scheme || !p.authority) return malformed(s, "not an absolute URL (scheme://host)");
  Url url;
  for (char c : *p.scheme) url.scheme += lower(c);
  if (url.scheme != "http" && url.scheme != "https") {
    return std::unexpected(
        UrlFailure{UrlError::kUnsupported, "unsupported protocol \"" + url.scheme + "\""});
  }
  std::string_view authority = *p.authority;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return malformed(s, "unclosed [ in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return malformed(s, "junk after the IPv6 address");
      port = after.substr(1);
      has_port = true;
    }
    in6_addr a6;
    std::string h(host);
    if (inet_pton(AF_INET6, h.c_str(), &a6) != 1) return malformed(s, "bad IPv6 address");
    url.ipv6 = true;
    for (char c : host) url.host += lower(c);
  } else {
    if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return malformed(s, "no host");
    if (!valid_reg_name(host)) return malformed(s, "bad character in the host name");
    for (char c : host) url.host += lower(c);
  }
  url.port = url.default_port();
  if (has_port && !port.empty()) {  // "host:" is the default port, as curl reads it
    if (port.size() > 5) return malformed(s, "bad port number");
    unsigned value = 0;
    for (char c : port) {
      if (!is_digit(c)) return malformed(s, "bad port number");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return malformed(s, "port out of range (1-65535)");
    url.port = static_cast<uint16_t>(value);
  }
  std::string path = p.path.empty() ? std::string("/") : remove_dot_segments(p.path);
  if (path.empty() || path[0] != '/') path.insert(path.begin(), '/');
  append_escaped(path, url.target);
  if (p.query) {
    url.target += '?';
    append_escaped(*p.query, url.target);
  }
  return url;
}

}  // namespace wc::client
