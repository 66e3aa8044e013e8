// Fuzzes variable templates and access-log escaping (web/vars/template.h, log_format.h). The
// input is used twice: as a template source, compiled and evaluated on a fixed, realistic
// RequestVars; and as the bytes of every value of a hostile RequestVars (headers, URI, args,
// Host, cookies...) that fixed templates are evaluated on.
// Invariants: a compiled template keeps its source, a template without variables evaluates to its
// source under every escaping, append() only appends, captures matter only to templates with
// captures, errors carry one of nginx's messages; with escape=default every value comes out as
// printable ASCII whose "\xHH" escapes decode back to the value, with escape=json as a valid JSON
// string body that decodes back to it, a log line is exactly one line; LogFormat's `escape=`
// argument is honoured.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "web/vars/log_format.h"
#include "web/vars/template.h"
#include "web/vars/variables.h"

namespace {

using namespace wc::web::vars;

const RequestVars& fixed_vars() {
  static const HeaderView req[] = {
      {"Host", "example.com:8080"},
      {"User-Agent", "curl/7.88.1"},
      {"Accept", "*/*"},
      {"Cookie", "a=1; session=abc"},
      {"X-Forwarded-For", "192.0.2.7"},
      {"x-forwarded-for", "198.51.100.1"},
      {"Content-Type", "text/plain"},
      {"Content-Length", "5"},
      {"X-Empty", std::string_view("", 0)},
  };
  static const HeaderView resp[] = {
      {"Content-Type", "text/html"},
      {"Cache-Control", "no-cache"},
      {"cache-control", "private"},
      {"Link", "</a>; rel=preload"},
  };
  static const RequestVars v = [] {
    RequestVars r;
    r.remote_addr = "192.0.2.1";
    r.remote_port = "51234";
    r.server_addr = "127.0.0.1";
    r.server_port = "8080";
    r.connection = 7;
    r.connection_requests = 2;
    r.request_line = "GET /a/b.html?x=1&y=%22 HTTP/1.1";
    r.method = "GET";
    r.request_uri = "/a/b.html?x=1&y=%22";
    r.uri = "/a/b.html";
    r.args = "x=1&y=%22";
    r.host = "Example.COM.:8080";
    r.server_protocol = "HTTP/1.1";
    r.scheme = "http";
    r.request_id = "0123456789abcdef0123456789abcdef";
    r.request_length = 120;
    r.request_headers = req;
    r.server_name = "example.com";
    r.document_root = "/srv/www";
    r.request_filename = "/srv/www/a/b.html";
    r.hostname = "box";
    r.pid = "4242";
    r.status = 200;
    r.bytes_sent = 1234;
    r.body_bytes_sent = 1000;
    r.response_headers = resp;
    r.request_time_us = 3456;
    r.time_local = "23/Nov/2026:19:20:01 +0000";
    r.time_iso8601 = "2026-11-23T19:20:01+00:00";
    r.msec = "1795461601.123";
    return r;
  }();
  return v;
}

// Every variable, separated by printable text that needs no escaping.
constexpr std::string_view kEverything =
    "$remote_addr|$remote_port|$remote_user|$time_local|$time_iso8601|$msec|$request|$status|"
    "$body_bytes_sent|$bytes_sent|$request_time|$request_length|$host|$hostname|$request_id|"
    "$request_method|$request_uri|$uri|$document_uri|$args|$query_string|$is_args|$server_name|"
    "$server_addr|$server_port|$server_protocol|$scheme|$connection|$connection_requests|"
    "$document_root|$request_filename|$content_type|$content_length|$pid|$nginx_version|"
    "$http_user_agent|$http_cookie|$http_x_forwarded_for|$http_missing|$sent_http_cache_control|"
    "$sent_http_link|$sent_http_x_value|$cookie_a|$cookie_missing|$arg_x|$arg_missing|$1|${2}|"
    "$0";

// The checkers below walk every output byte; coverage of them is noise (and, with libFuzzer's
// comparison tracing on each byte, most of the run time), so they are left uninstrumented.
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
#define NO_COVERAGE __attribute__((noinline))
#endif

NO_COVERAGE int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes escape=default output into `o` (room for s.size() bytes; decoding never grows), setting
// `n` to the decoded length; false if `s` is not what append_log_escaped may write.
NO_COVERAGE bool log_unescape(std::string_view s, char* o, size_t& n) {
  n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '"') return false;
    if (c != '\\') {
      o[n++] = static_cast<char>(c);
      continue;
    }
    if (s.size() - i < 4) return false;
    if (s[i + 1] != 'x' || hex(s[i + 2]) < 0 || hex(s[i + 3]) < 0) return false;
    auto v = static_cast<unsigned char>(hex(s[i + 2]) * 16 + hex(s[i + 3]));
    if (!(v < 0x20 || v >= 0x7f || v == '"' || v == '\\')) return false;  // escaped needlessly
    o[n++] = static_cast<char>(v);
    i += 3;
  }
  return true;
}

// Decodes escape=json output as the body of a JSON string, as log_unescape does; false if JSON
// would reject it or it holds an escape nginx does not write.
NO_COVERAGE bool json_unescape(std::string_view s, char* o, size_t& n) {
  n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"') return false;
    if (c != '\\') {
      o[n++] = static_cast<char>(c);
      continue;
    }
    if (++i == s.size()) return false;
    char e = 0;
    switch (s[i]) {
      case '"':
        e = '"';
        break;
      case '\\':
        e = '\\';
        break;
      case 'b':
        e = '\b';
        break;
      case 'f':
        e = '\f';
        break;
      case 'n':
        e = '\n';
        break;
      case 'r':
        e = '\r';
        break;
      case 't':
        e = '\t';
        break;
      case 'u': {
        if (s.size() - i < 5 || s[i + 1] != '0' || s[i + 2] != '0') return false;
        const int hi = hex(s[i + 3]), lo = hex(s[i + 4]);
        if (hi < 0 || hi > 1 || lo < 0) return false;  // only control bytes are written as \u
        e = static_cast<char>(hi * 16 + lo);
        i += 4;
        break;
      }
      default:
        return false;
    }
    o[n++] = e;
  }
  return true;
}

// The decoders on a std::string.
NO_COVERAGE bool log_decodes_to(std::string_view s, std::string& back) {
  back.resize(s.size());
  size_t n;
  const bool ok = log_unescape(s, back.data(), n);
  back.resize(n);
  return ok;
}
NO_COVERAGE bool json_decodes_to(std::string_view s, std::string& back) {
  back.resize(s.size());
  size_t n;
  const bool ok = json_unescape(s, back.data(), n);
  back.resize(n);
  return ok;
}

NO_COVERAGE bool printable(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

Template must_compile(std::string_view source) {
  auto t = Template::compile(source);
  FUZZ_CHECK(t.has_value());
  return std::move(*t);
}

void check_compiled(const Template& t, std::string_view src) {
  const RequestVars& v = fixed_vars();
  FUZZ_CHECK(t.source() == src);
  if (src.find('$') == std::string_view::npos) FUZZ_CHECK(!t.has_variables());
  if (t.has_captures()) FUZZ_CHECK(t.has_variables());
  const std::string_view caps[] = {"/a/b.html", "a", std::string_view("", 0), "b\"c"};
  for (Escape e : {Escape::none, Escape::log, Escape::json}) {
    const std::string plain = t.evaluate(v, e);
    if (!t.has_variables()) FUZZ_CHECK(plain == src);
    std::string out = "prefix";
    t.append(v, out, e);
    FUZZ_CHECK(out.size() == 6 + plain.size() && out.starts_with("prefix") &&
               std::string_view(out).substr(6) == plain);
    const std::string with_caps = t.evaluate(v, e, caps);
    if (!t.has_captures()) FUZZ_CHECK(with_caps == plain);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Owned in(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string_view src = in.view();

  // 1. The input as a template.
  auto t = Template::compile(src);
  if (t) {
    check_compiled(*t, src);
  } else {
    const std::string& m = t.error().message;
    FUZZ_CHECK(t.error().code == 0);
    FUZZ_CHECK(src.find('$') != std::string_view::npos);
    FUZZ_CHECK(
        m == "invalid variable name" ||
        (m.starts_with("the closing bracket in \"") && m.ends_with("\" variable is missing")) ||
        (m.starts_with("unknown \"") && m.ends_with("\" variable")));
  }

  // 2. The input as log_format arguments, one a line.
  std::vector<std::string_view> args;
  fuzz::Lines lines(src);
  while (auto a = lines.next()) args.push_back(*a);
  auto f = LogFormat::compile(std::span<const std::string_view>(args));
  if (!args.empty() && args[0].starts_with("escape=")) {
    const std::string_view e = args[0].substr(7);
    if (e != "default" && e != "json" && e != "none") {
      FUZZ_CHECK(!f &&
                 f.error().message == "unknown log format escaping \"" + std::string(e) + "\"");
    } else if (f) {
      FUZZ_CHECK(f->escape() == (e == "json"   ? Escape::json
                                 : e == "none" ? Escape::none
                                               : Escape::log));
    }
  } else if (f) {
    FUZZ_CHECK(f->escape() == Escape::log);
  }
  if (f) {
    std::string line;
    f->append_line(fixed_vars(), line);
    FUZZ_CHECK(line == f->tmpl().evaluate(fixed_vars(), f->escape()) + "\n");
  }

  // 3. The input as every value of a request.
  // Full-length values where length matters ($host's 256-byte buffer, header joins, cookies,
  // args); a short slice elsewhere, which keeps the run fast.
  const std::string_view half = src.substr(src.size() / 2);
  const std::string_view head = src.substr(0, 40);
  const HeaderView req[] = {
      {"User-Agent", src},
      {"Cookie", src},
      {"cookie", half},
      {"X-Forwarded-For", head},
      {"X-Forwarded-For", half},
      {"Content-Type", head},
      {half, head},
  };
  const HeaderView resp[] = {
      {"Cache-Control", head}, {"Link", half}, {"Link", head}, {"X-Value", head}, {half, head},
  };
  RequestVars v;
  v.remote_addr = v.remote_port = v.server_addr = v.server_port = head;
  v.request_line = v.method = v.request_uri = v.uri = head;
  v.args = v.host = src;
  v.server_protocol = v.scheme = v.remote_user = v.request_id = head;
  v.server_name = v.document_root = v.request_filename = v.hostname = v.pid = head;
  v.time_local = v.time_iso8601 = v.msec = head;
  v.request_headers = req;
  v.response_headers = resp;
  uint64_t n = 0;
  for (size_t i = 0; i < size && i < 8; ++i) n = n << 8 | data[i];
  v.connection = v.bytes_sent = v.request_time_us = n;
  v.connection_requests = v.body_bytes_sent = v.request_length = ~n;
  v.status = static_cast<int>(static_cast<int32_t>(n));
  const std::string_view caps[] = {head, half, src.substr(0, size / 3)};

  static const Template all = must_compile(kEverything);
  std::string out, back;
  out = all.evaluate(v, Escape::log, caps);
  FUZZ_CHECK(printable(out) && log_decodes_to(out, back));
  out = all.evaluate(v, Escape::json, caps);
  FUZZ_CHECK(json_decodes_to(out, back));
  (void)all.evaluate(v, Escape::none, caps);

  // One value alone: each escaping decodes back to the exact bytes.
  static const Template ua = must_compile("$http_user_agent");
  FUZZ_CHECK(ua.evaluate(v, Escape::none) == src);
  out = ua.evaluate(v, Escape::log);
  FUZZ_CHECK(log_decodes_to(out, back) && back == src);
  out = ua.evaluate(v, Escape::json);
  FUZZ_CHECK(json_decodes_to(out, back) && back == src);

  // A combined log line for this request is exactly one printable line.
  out.clear();
  LogFormat::combined().append_line(v, out);
  FUZZ_CHECK(!out.empty() && out.back() == '\n' &&
             printable(std::string_view(out).substr(0, out.size() - 1)));

  // The input template on the hostile request: nothing to check but memory safety.
  if (t) {
    for (Escape e : {Escape::none, Escape::log, Escape::json}) (void)t->evaluate(v, e, caps);
  }
  return 0;
}
