#include "web/vars/template.h"

#include <charconv>
#include <cstring>

#include "core/ascii.h"
#include "web/vars/escape.h"

namespace wc::web::vars {
namespace {

using Var = Template::Var;

struct Named {
  std::string_view name;
  Var var;
};

constexpr Named kNamed[] = {
    {"remote_addr", Var::remote_addr},
    {"remote_port", Var::remote_port},
    {"remote_user", Var::remote_user},
    {"time_local", Var::time_local},
    {"time_iso8601", Var::time_iso8601},
    {"msec", Var::msec},
    {"request", Var::request},
    {"status", Var::status},
    {"body_bytes_sent", Var::body_bytes_sent},
    {"bytes_sent", Var::bytes_sent},
    {"request_time", Var::request_time},
    {"request_length", Var::request_length},
    {"host", Var::host},
    {"hostname", Var::hostname},
    {"request_id", Var::request_id},
    {"request_method", Var::request_method},
    {"request_uri", Var::request_uri},
    {"uri", Var::uri},
    {"document_uri", Var::uri},
    {"args", Var::args},
    {"query_string", Var::args},
    {"is_args", Var::is_args},
    {"server_name", Var::server_name},
    {"server_addr", Var::server_addr},
    {"server_port", Var::server_port},
    {"server_protocol", Var::server_protocol},
    {"scheme", Var::scheme},
    {"https", Var::https},
    {"ssl_protocol", Var::ssl_protocol},
    {"ssl_cipher", Var::ssl_cipher},
    {"ssl_server_name", Var::ssl_server_name},
    {"ssl_session_reused", Var::ssl_session_reused},
    {"connection", Var::connection},
    {"connection_requests", Var::connection_requests},
    {"document_root", Var::document_root},
    {"request_filename", Var::request_filename},
    {"content_type", Var::content_type},
    {"content_length", Var::content_length},
    {"pid", Var::pid},
    {"nginx_version", Var::nginx_version},
    {"proxy_host", Var::proxy_host},
    {"proxy_port", Var::proxy_port},
    {"proxy_add_x_forwarded_for", Var::proxy_add_x_forwarded_for},
    {"upstream_addr", Var::upstream_addr},
    {"upstream_status", Var::upstream_status},
    {"upstream_response_time", Var::upstream_response_time},
    {"upstream_connect_time", Var::upstream_connect_time},
    {"upstream_header_time", Var::upstream_header_time},
};

struct Prefixed {
  std::string_view prefix;
  Var var;
};

// sent_http_ before http_ is not needed (no overlap), but keep the longest first anyway.
constexpr Prefixed kPrefixed[] = {
    {"sent_http_", Var::sent_http_header},
    {"http_", Var::http_header},
    {"cookie_", Var::cookie},
    {"arg_", Var::arg},
};

bool name_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

// Header name vs a variable suffix: case-insensitive, '-' in the header equals '_'.
bool header_name_matches(std::string_view header, std::string_view var_suffix) noexcept {
  if (header.size() != var_suffix.size()) return false;
  for (size_t i = 0; i < header.size(); ++i) {
    char c = lower(header[i]);
    if (c == '-') c = '_';
    if (c != var_suffix[i]) return false;
  }
  return true;
}

using core::iequals;

bool has_prefix(std::string_view name) noexcept {
  for (const Prefixed& pre : kPrefixed) {
    if (name.size() > pre.prefix.size() && name.starts_with(pre.prefix)) return true;
  }
  return false;
}

// A value's presence matters: nullptr data means "not found" (see variables.h).
void put(std::string& out, std::string_view value, Escape escape) {
  if (value.data() == nullptr) {
    if (escape == Escape::log) out.push_back('-');
    return;
  }
  switch (escape) {
    case Escape::none:
      out.append(value);
      break;
    case Escape::log:
      append_log_escaped(out, value);
      break;
    case Escape::json:
      append_json_escaped(out, value);
      break;
  }
}

void put_u64(std::string& out, uint64_t v) {
  char buf[20];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

// Every header whose name matches, joined with `sep` (nginx joins Cookie with "; " and
// X-Forwarded-For with ", "); with sep empty, the first one only, as nginx 1.22 does for others.
void put_header(std::string& out, std::span<const HeaderView> headers, std::string_view suffix,
                std::string_view sep, Escape escape) {
  bool found = false;
  for (const HeaderView& h : headers) {
    if (!header_name_matches(h.name, suffix)) continue;
    if (found) {
      out.append(sep);
    }
    // A non-null view even for an empty value: the header exists.
    put(out, h.value.data() != nullptr ? h.value : std::string_view("", 0), escape);
    found = true;
    if (sep.empty()) return;
  }
  if (!found) put(out, {}, escape);
}

std::string_view join_separator(Var var, std::string_view suffix) noexcept {
  if (var == Var::http_header) {
    if (suffix == "cookie") return "; ";
    if (suffix == "x_forwarded_for") return ", ";
  } else if (var == Var::sent_http_header) {
    if (suffix == "cache_control") return "; ";
    if (suffix == "link") return ", ";
  }
  return {};
}

std::string_view find_header(std::span<const HeaderView> headers, std::string_view name) noexcept {
  for (const HeaderView& h : headers) {
    if (iequals(h.name, name)) return h.value.data() != nullptr ? h.value : std::string_view("", 0);
  }
  return {};
}

// ngx_http_parse_multi_header_lines over every Cookie header: "name=value" pairs separated by
// ';' (or ','), name compared case-insensitively; the value runs to the next ';'.
std::string_view find_cookie(std::span<const HeaderView> headers, std::string_view name) noexcept {
  for (const HeaderView& h : headers) {
    if (!iequals(h.name, "cookie")) continue;
    const char* p = h.value.data();
    const char* const end = p + h.value.size();
    while (p < end) {
      if (static_cast<size_t>(end - p) >= name.size() && iequals({p, name.size()}, name)) {
        const char* q = p + name.size();
        while (q < end && *q == ' ') ++q;
        if (q < end && *q == '=') {
          ++q;
          while (q < end && *q == ' ') ++q;
          const char* last = q;
          while (last < end && *last != ';') ++last;
          return {q, static_cast<size_t>(last - q)};
        }
        p = q;
      }
      while (p < end) {
        char c = *p++;
        if (c == ';' || c == ',') break;
      }
      while (p < end && *p == ' ') ++p;
    }
  }
  return {};
}

// $proxy_add_x_forwarded_for as nginx 1.22: every X-Forwarded-For header's value followed by
// ", ", then $remote_addr; just $remote_addr without one. Never "not found".
void put_add_x_forwarded_for(std::string& out, const RequestVars& v, Escape escape) {
  for (const HeaderView& h : v.request_headers) {
    if (!iequals(h.name, "x-forwarded-for")) continue;
    put(out, h.value.data() != nullptr ? h.value : std::string_view("", 0), escape);
    put(out, ", ", escape);
  }
  put(out, v.remote_addr.data() != nullptr ? v.remote_addr : std::string_view("", 0), escape);
}

// $host: Host lowercased, without ":port" and a trailing dot; else the server name.
void put_host(std::string& out, const RequestVars& v, Escape escape) {
  std::string_view h = v.host;
  if (!h.empty()) {
    if (h.front() == '[') {
      size_t close = h.find(']');
      if (close != std::string_view::npos) h = h.substr(0, close + 1);
    } else {
      size_t colon = h.find(':');
      if (colon != std::string_view::npos) h = h.substr(0, colon);
    }
    if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  }
  if (h.empty()) {
    put(out, v.server_name.data() != nullptr ? v.server_name : std::string_view("", 0), escape);
    return;
  }
  // Lowercase before escaping, so the escapes' own hex digits keep their case.
  char small[256];
  std::string big;
  char* buf = small;
  if (h.size() > sizeof small) {
    big.resize(h.size());
    buf = big.data();
  }
  for (size_t i = 0; i < h.size(); ++i) buf[i] = lower(h[i]);
  put(out, std::string_view(buf, h.size()), escape);
}

}  // namespace

// ngx_http_arg: "name=value" between '&'s, name compared case-insensitively, '=' required.
std::string_view find_arg(std::string_view args, std::string_view name) noexcept {
  size_t pos = 0;
  while (pos <= args.size()) {
    size_t amp = args.find('&', pos);
    if (amp == std::string_view::npos) amp = args.size();
    std::string_view seg = args.substr(pos, amp - pos);
    if (seg.size() > name.size() && seg[name.size()] == '=' &&
        iequals(seg.substr(0, name.size()), name)) {
      return seg.substr(name.size() + 1);
    }
    pos = amp + 1;
  }
  return {};
}

Result<Template> Template::compile(std::string_view source, const VarRegistry* known) {
  return compile_impl(source, known, nullptr, {});
}

Result<Template> Template::compile_collecting(std::string_view source, VarRegistry& registry,
                                              std::string_view where) {
  return compile_impl(source, &registry, &registry, where);
}

Result<Template> Template::compile_impl(std::string_view source, const VarRegistry* known_vars,
                                        VarRegistry* collect, std::string_view where) {
  Template t;
  t.text_.assign(source);
  const std::string_view src(source);
  size_t lit_start = 0;
  size_t i = 0;

  auto flush_literal = [&](size_t upto) {
    if (upto > lit_start) {
      t.parts_.push_back({Var::literal, static_cast<uint32_t>(lit_start),
                          static_cast<uint32_t>(upto - lit_start)});
    }
  };

  while (i < src.size()) {
    if (src[i] != '$') {
      ++i;
      continue;
    }
    flush_literal(i);
    if (++i == src.size()) return fail("invalid variable name");

    if (src[i] >= '0' && src[i] <= '9') {
      t.parts_.push_back({Var::capture, 0, static_cast<uint32_t>(src[i] - '0')});
      t.has_captures_ = t.has_variables_ = true;
      lit_start = ++i;
      continue;
    }

    bool bracket = false;
    if (src[i] == '{') {
      bracket = true;
      if (++i == src.size()) return fail("invalid variable name");
    }
    size_t name_start = i;
    size_t name_end = i;
    for (; i < src.size(); ++i) {
      char c = src[i];
      if (c == '}' && bracket) {
        name_end = i;
        ++i;
        bracket = false;
        break;
      }
      if (!name_char(c)) break;
      name_end = i + 1;
    }
    if (bracket) {
      return fail("the closing bracket in \"" +
                  std::string(src.substr(name_start, name_end - name_start)) +
                  "\" variable is missing");
    }
    if (name_end == name_start) return fail("invalid variable name");

    std::string name(src.substr(name_start, name_end - name_start));
    for (char& c : name) c = lower(c);
    lit_start = i;

    if (name.size() == 1 && name[0] >= '0' && name[0] <= '9') {  // "${1}"
      t.parts_.push_back({Var::capture, 0, static_cast<uint32_t>(name[0] - '0')});
      t.has_captures_ = t.has_variables_ = true;
      continue;
    }
    bool known = false;
    for (const Named& n : kNamed) {
      if (n.name == name) {
        t.parts_.push_back({n.var, 0, 0});
        known = true;
        break;
      }
    }
    if (!known && known_vars != nullptr) {
      // Declared (or, while reading, referenced) by the configuration: before the prefixes,
      // so `set $http_x` or a capture named arg_x wins over the request's.
      std::optional<uint32_t> index = known_vars->find(name);
      if (!index && collect != nullptr && !has_prefix(name)) {
        index = collect->reference(name, where);
      }
      if (index) {
        t.parts_.push_back({Var::user, 0, *index});
        known = true;
      }
    }
    if (!known) {
      for (const Prefixed& pre : kPrefixed) {
        if (name.size() > pre.prefix.size() && name.starts_with(pre.prefix)) {
          // The name (after the prefix) is stored after the source, lowercased.
          uint32_t off = static_cast<uint32_t>(t.text_.size());
          t.text_.append(name, pre.prefix.size());
          t.parts_.push_back(
              {pre.var, off, static_cast<uint32_t>(name.size() - pre.prefix.size())});
          known = true;
          break;
        }
      }
    }
    if (!known) return fail("unknown \"" + name + "\" variable");
    t.has_variables_ = true;
  }
  flush_literal(src.size());
  t.source_len_ = static_cast<uint32_t>(src.size());
  return t;
}

bool Template::uses(Var v) const noexcept {
  for (const Part& p : parts_) {
    if (p.var == v) return true;
  }
  return false;
}

std::string Template::evaluate(const RequestVars& v, Escape escape,
                               std::span<const std::string_view> captures) const {
  std::string out;
  append(v, out, escape, captures);
  return out;
}

void Template::append(const RequestVars& v, std::string& out, Escape escape,
                      std::span<const std::string_view> captures) const {
  for (const Part& p : parts_) {
    switch (p.var) {
      case Var::literal:
        out.append(text_.data() + p.offset, p.length);
        break;
      case Var::capture:
        // A capture the regex did not produce is empty, never "-" (nginx copies nothing).
        if (p.length < captures.size()) {
          std::string_view c = captures[p.length];
          put(out, c.data() != nullptr ? c : std::string_view("", 0), escape);
        }
        break;
      case Var::remote_addr:
        put(out, v.remote_addr, escape);
        break;
      case Var::remote_port:
        put(out, v.remote_port, escape);
        break;
      case Var::remote_user:
        put(out, v.remote_user, escape);
        break;
      case Var::time_local:
        put(out, v.time_local, escape);
        break;
      case Var::time_iso8601:
        put(out, v.time_iso8601, escape);
        break;
      case Var::msec:
        put(out, v.msec, escape);
        break;
      case Var::request:
        put(out, v.request_line, escape);
        break;
      case Var::status: {
        unsigned s = v.status < 0 ? 0u : static_cast<unsigned>(v.status);
        if (s < 100) {
          const char d[3] = {static_cast<char>('0' + s / 100), static_cast<char>('0' + s / 10 % 10),
                             static_cast<char>('0' + s % 10)};
          out.append(d, 3);
        } else {
          put_u64(out, s);
        }
        break;
      }
      case Var::body_bytes_sent:
        put_u64(out, v.body_bytes_sent);
        break;
      case Var::bytes_sent:
        put_u64(out, v.bytes_sent);
        break;
      case Var::request_time: {
        uint64_t ms = v.request_time_us / 1000;
        put_u64(out, ms / 1000);
        const char frac[4] = {'.', static_cast<char>('0' + ms % 1000 / 100),
                              static_cast<char>('0' + ms % 100 / 10),
                              static_cast<char>('0' + ms % 10)};
        out.append(frac, 4);
        break;
      }
      case Var::request_length:
        put_u64(out, v.request_length);
        break;
      case Var::host:
        put_host(out, v, escape);
        break;
      case Var::hostname:
        put(out, v.hostname, escape);
        break;
      case Var::request_id:
        put(out, v.request_id, escape);
        break;
      case Var::request_method:
        put(out, v.method, escape);
        break;
      case Var::request_uri:
        put(out, v.request_uri, escape);
        break;
      case Var::uri:
        put(out, v.uri, escape);
        break;
      case Var::args:
        put(out, v.args, escape);
        break;
      case Var::is_args:
        if (!v.args.empty()) out.push_back('?');
        break;
      case Var::server_name:
        put(out, v.server_name, escape);
        break;
      case Var::server_addr:
        put(out, v.server_addr, escape);
        break;
      case Var::server_port:
        put(out, v.server_port, escape);
        break;
      case Var::server_protocol:
        put(out, v.server_protocol, escape);
        break;
      case Var::scheme:
        put(out, v.scheme, escape);
        break;
      case Var::https:
        // "" on a cleartext connection (never "-" in a log), as nginx's $https.
        put(out, v.https.data() != nullptr ? v.https : std::string_view("", 0), escape);
        break;
      case Var::ssl_protocol:
        put(out, v.ssl_protocol, escape);
        break;
      case Var::ssl_cipher:
        put(out, v.ssl_cipher, escape);
        break;
      case Var::ssl_server_name:
        put(out, v.ssl_server_name, escape);
        break;
      case Var::ssl_session_reused:
        put(out, v.ssl_session_reused, escape);
        break;
      case Var::connection:
        put_u64(out, v.connection);
        break;
      case Var::connection_requests:
        put_u64(out, v.connection_requests);
        break;
      case Var::document_root:
        put(out, v.document_root, escape);
        break;
      case Var::request_filename:
        put(out, v.request_filename, escape);
        break;
      case Var::content_type:
        put(out, find_header(v.request_headers, "content-type"), escape);
        break;
      case Var::content_length:
        put(out, find_header(v.request_headers, "content-length"), escape);
        break;
      case Var::pid:
        put(out, v.pid, escape);
        break;
      case Var::nginx_version:
        put(out, nginx_version(), escape);
        break;
      case Var::proxy_host:
        put(out, v.proxy_host, escape);
        break;
      case Var::proxy_port:
        put(out, v.proxy_port, escape);
        break;
      case Var::proxy_add_x_forwarded_for:
        put_add_x_forwarded_for(out, v, escape);
        break;
      case Var::upstream_addr:
        put(out, v.upstream_addr, escape);
        break;
      case Var::upstream_status:
        put(out, v.upstream_status, escape);
        break;
      case Var::upstream_response_time:
        put(out, v.upstream_response_time, escape);
        break;
      case Var::upstream_connect_time:
        put(out, v.upstream_connect_time, escape);
        break;
      case Var::upstream_header_time:
        put(out, v.upstream_header_time, escape);
        break;
      case Var::http_header:
      case Var::sent_http_header: {
        std::string_view suffix(text_.data() + p.offset, p.length);
        put_header(out, p.var == Var::http_header ? v.request_headers : v.response_headers, suffix,
                   join_separator(p.var, suffix), escape);
        break;
      }
      case Var::cookie:
        put(out, find_cookie(v.request_headers, {text_.data() + p.offset, p.length}), escape);
        break;
      case Var::user:
        put(out, v.user != nullptr ? v.user->get(p.length, v) : std::string_view("", 0), escape);
        break;
      case Var::arg:
        put(out,
            v.args.data() != nullptr ? find_arg(v.args, {text_.data() + p.offset, p.length})
                                     : std::string_view{},
            escape);
        break;
    }
  }
}

}  // namespace wc::web::vars
