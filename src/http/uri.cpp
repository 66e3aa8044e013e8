#include "http/uri.h"

#include <cstring>

#include "http/chars.h"

namespace wc::http {

using detail::is;

namespace {

bool is_pct(std::string_view s, size_t i) {
  return i + 2 < s.size() && is(s[i + 1], detail::kHex) && is(s[i + 2], detail::kHex);
}

// unreserved / pct-encoded / sub-delims, plus `extra` characters.
bool valid_chars(std::string_view s, std::string_view extra) {
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (is(c, detail::kUnreserved | detail::kSubDelim)) continue;
    if (c == '%') {
      if (!is_pct(s, i)) return false;
      i += 2;
      continue;
    }
    if (extra.find(static_cast<char>(c)) != std::string_view::npos) continue;
    return false;
  }
  return true;
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void split_path_query(std::string_view rest, std::string_view& path, std::string_view& query) {
  const size_t frag = rest.find('#');
  if (frag != std::string_view::npos) rest = rest.substr(0, frag);
  const size_t q = rest.find('?');
  if (q == std::string_view::npos) {
    path = rest;
    query = {};
  } else {
    path = rest.substr(0, q);
    query = rest.substr(q + 1);
  }
}

}  // namespace

bool is_valid_authority(std::string_view a, bool allow_userinfo) {
  if (a.empty()) return false;
  if (const size_t at = a.rfind('@'); at != std::string_view::npos) {
    if (!allow_userinfo || !valid_chars(a.substr(0, at), ":")) return false;
    a.remove_prefix(at + 1);
  }
  std::string_view port;
  if (a.starts_with('[')) {
    const size_t close = a.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    if (!valid_chars(a.substr(1, close - 1), ":")) return false;
    std::string_view after = a.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      port = after.substr(1);
    }
  } else {
    const size_t colon = a.find(':');
    std::string_view host = a.substr(0, colon);
    if (host.empty() || !valid_chars(host, "")) return false;
    if (colon != std::string_view::npos) port = a.substr(colon + 1);
  }
  return all_digits(port) && port.size() <= 5;
}

Result<TargetParts> split_target(std::string_view target, Method method) {
  TargetParts parts;
  if (target.empty()) return fail("empty request target");
  if (method == Method::kConnect) {
    // authority-form: uri-host ":" port, nothing else.
    const size_t colon = target.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == target.size() ||
        !is_valid_authority(target, false) || target.find('@') != std::string_view::npos) {
      return fail("CONNECT needs host:port as its target");
    }
    if (target[0] == '[' && target[colon - 1] != ']') return fail("invalid authority");
    parts.form = TargetForm::kAuthority;
    parts.authority = target;
    return parts;
  }
  if (target[0] == '/') {
    parts.form = TargetForm::kOrigin;
    split_path_query(target, parts.path, parts.query);
    return parts;
  }
  if (target == "*") {
    if (method != Method::kOptions) return fail("asterisk-form is only for OPTIONS");
    parts.form = TargetForm::kAsterisk;
    return parts;
  }
  // absolute-form: scheme "://" authority path-abempty [ "?" query ]
  size_t i = 0;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(target[0])) return fail("invalid request target");
  while (i < target.size() && (alpha(target[i]) || (target[i] >= '0' && target[i] <= '9') ||
                               target[i] == '+' || target[i] == '-' || target[i] == '.')) {
    ++i;
  }
  if (target.substr(i, 3) != "://") return fail("invalid request target");
  parts.form = TargetForm::kAbsolute;
  parts.scheme = target.substr(0, i);
  std::string_view rest = target.substr(i + 3);
  const size_t auth_end = rest.find_first_of("/?#");
  parts.authority = rest.substr(0, auth_end);
  if (!is_valid_authority(parts.authority, true)) return fail("invalid authority in target");
  rest = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  split_path_query(rest, parts.path, parts.query);
  if (parts.path.empty()) parts.path = "/";
  return parts;
}

bool is_normal_path(std::string_view p) {
  if (p.empty() || p[0] != '/') return false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '%' || c == '\0') return false;
    if (c == '/' && i + 1 < p.size()) {
      const char n = p[i + 1];
      if (n == '/') return false;
      if (n == '.') {
        // "/." or "/.." as a whole segment
        const size_t j = i + 2;
        if (j == p.size() || p[j] == '/') return false;
        if (p[j] == '.' && (j + 1 == p.size() || p[j + 1] == '/')) return false;
      }
    }
  }
  return true;
}

Status normalize_path(std::string_view raw, std::string& out, bool merge_slashes) {
  out.clear();
  if (raw.empty() || raw[0] != '/') return fail("client sent invalid request");
  out.resize(raw.size());
  char* s = out.data();
  size_t n = 0;
  // Pass 1: percent-decode. A decoded byte is final: "%252e" stays "%2e", never '.'.
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size() || !is(raw[i + 1], detail::kHex) || !is(raw[i + 2], detail::kHex)) {
        return fail("client sent invalid request");
      }
      c = static_cast<char>(detail::hex_value(raw[i + 1]) * 16 + detail::hex_value(raw[i + 2]));
      i += 2;
    }
    if (c == '\0') return fail("client sent invalid request");
    s[n++] = c;
  }
  // Pass 2: merge slashes and resolve dot segments in place (w never passes r).
  size_t w = 0;
  size_t r = 0;
  while (r < n) {
    const char* next = static_cast<const char*>(std::memchr(s + r + 1, '/', n - r - 1));
    const size_t e = next ? static_cast<size_t>(next - s) : n;
    const size_t len = e - r - 1;
    const bool last = e == n;
    const char* seg = s + r + 1;
    if (len == 0 && !merge_slashes && !last) {
      s[w++] = '/';  // an empty segment kept
    } else if (len == 0 || (len == 1 && seg[0] == '.')) {
      if (last) s[w++] = '/';
    } else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
      if (w == 0) return fail("client sent invalid request");
      while (s[--w] != '/') {
      }
      if (last) s[w++] = '/';
    } else {
      std::memmove(s + w, s + r, e - r);
      w += e - r;
    }
    r = e;
  }
  if (w == 0) s[w++] = '/';
  out.resize(w);
  return {};
}

namespace {

// One bit per byte that must be escaped, per kind.
struct EscapeTable {
  bool esc[256];
};

constexpr EscapeTable make_table(Escape kind) {
  EscapeTable t{};
  for (int c = 0; c < 256; ++c) {
    bool e = c < 0x20 || c >= 0x7f;
    switch (kind) {
      case Escape::kUri:
        e = e || c == ' ' || c == '#' || c == '%' || c == '?';
        break;
      case Escape::kArgs:
        e = e || c == ' ' || c == '#' || c == '%' || c == '?' || c == '&' || c == '+' || c == ';';
        break;
      case Escape::kComponent:
        e = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~');
        break;
      case Escape::kHtml:
        e = e || c == ' ' || c == '"' || c == '#' || c == '%' || c == '\'' || c == '<' || c == '>';
        break;
    }
    t.esc[c] = e;
  }
  return t;
}

constexpr EscapeTable kEscape[4] = {make_table(Escape::kUri), make_table(Escape::kArgs),
                                    make_table(Escape::kComponent), make_table(Escape::kHtml)};

}  // namespace

bool needs_escape(std::string_view in, Escape kind) {
  const EscapeTable& t = kEscape[static_cast<int>(kind)];
  for (unsigned char c : in) {
    if (t.esc[c]) return true;
  }
  return false;
}

void escape_uri(std::string_view in, std::string& out, Escape kind) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  const EscapeTable& t = kEscape[static_cast<int>(kind)];
  out.reserve(out.size() + in.size());
  for (unsigned char c : in) {
    if (t.esc[c]) {
      const char buf[3] = {'%', kHexDigits[c >> 4], kHexDigits[c & 15]};
      out.append(buf, 3);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

void percent_decode(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && is(in[i + 1], detail::kHex) &&
        is(in[i + 2], detail::kHex)) {
      out.push_back(
          static_cast<char>(detail::hex_value(in[i + 1]) * 16 + detail::hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
}

}  // namespace wc::http
