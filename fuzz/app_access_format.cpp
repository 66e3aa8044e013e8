// Fuzzes gunicorn's access log format (app/log/access_format.h): AccessFormat::compile on the
// first line of the input, render() on hostile AccessFacts built from the rest (the "lines" are
// split on NUL instead when the input holds one, so that the format and values may hold '\n'):
//   line 2 remote address, 3 method, 4 request-target (PATH_INFO is its path percent-decoded, as
//   the server does, so "%0A" reaches %(U)s), 5 protocol, 6 "status sent start_usec end_usec
//   pid" (decimal, '-' allowed), then "Name: value" request headers up to an empty line, the
//   response headers up to the next one, then environ variables "NAME: value".
// Invariants (what the header promises): a compile error is one non-empty line; a format without
// '%' compiles and renders to itself + "\n"; a rendered line ends in "\n" and render(facts, out)
// only appends it; when no value holds '\n' (PATH_INFO and the Basic user name included: the
// header escapes '"' only, so a '\n' there goes through, as in gunicorn), the line holds no more
// '\n' than the format + 1, and exactly one for a format without '\n'; with a UTF-8 format the
// line is UTF-8 (request bytes are latin-1, written as UTF-8); each string atom with %s is its
// value with '"' -> '\"' and bytes >= 0x80 as UTF-8 (checked against a reference), the numeric
// atoms are their numbers; uses_request_headers()/uses_response_headers()/uses_environ() false
// means the line does not depend on them; widths pad to at least that many characters.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/log/access_format.h"
#include "fuzz_util.h"

namespace {

using wc::app::AccessFacts;
using wc::app::AccessFormat;
using wc::app::AccessHeader;

#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
#define NO_COVERAGE __attribute__((noinline))
#endif

NO_COVERAGE size_t count_nl(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
NO_COVERAGE bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c == 0xE0) {
      need = 2, lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      need = 2;
    } else if (c == 0xED) {
      need = 2, hi = 0x9F;
    } else if (c == 0xF0) {
      need = 3, lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      need = 3;
    } else if (c == 0xF4) {
      need = 3, hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i - 1 < need) return false;
    for (size_t k = 1; k <= need; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if (d < lo || d > hi) return false;
      lo = 0x80, hi = 0xBF;
    }
    i += need + 1;
  }
  return true;
}

NO_COVERAGE size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// SafeAtoms + latin-1 -> UTF-8 + control characters as \xHH, written independently of the
// implementation.
NO_COVERAGE std::string esc(std::string_view v) {
  std::string o;
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"') {
      o += "\\\"";
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789ABCDEF";
      o += "\\x";
      o += hex[c >> 4];
      o += hex[c & 15];
    } else if (c >= 0x80) {
      o += static_cast<char>(0xC0 | (c >> 6));
      o += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      o += ch;
    }
  }
  return o;
}

NO_COVERAGE bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      o += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      o += s[i];
    }
  }
  return o;
}

AccessFormat must_compile(std::string_view f) {
  auto r = AccessFormat::compile(f);
  FUZZ_CHECK(r.has_value());
  return std::move(*r);
}

// The rendered line of a one-atom format, without its "\n".
std::string one(const AccessFormat& f, const AccessFacts& facts) {
  std::string s = f.render(facts);
  FUZZ_CHECK(!s.empty() && s.back() == '\n');
  s.pop_back();
  return s;
}

// "Name: value" lines up to an empty line (or the end), into `out`.
void read_headers(fuzz::Lines& lines, std::vector<AccessHeader>& out) {
  while (auto l = lines.next()) {
    if (l->empty()) break;
    const size_t colon = l->find(':');
    std::string_view name = l->substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : l->substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out.emplace_back(name, value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Owned in(std::string_view(reinterpret_cast<const char*>(data), size));
  const char sep = in.view().find('\0') != std::string_view::npos ? '\0' : '\n';
  fuzz::Lines lines(in.view(), sep);
  const fuzz::Owned format(lines.line());
  const std::string_view fmt = format.view();

  // The facts. Each field in its own exactly-sized block (fuzz_util.h).
  std::vector<fuzz::Owned> fields;
  fields.reserve(8);
  auto field = [&](std::string_view s) {
    fields.emplace_back(s);
    return fields.back().view();
  };
  AccessFacts facts;
  facts.remote_addr = field(lines.line());
  facts.method = field(lines.line());
  facts.raw_uri = field(lines.line());
  const size_t qmark = facts.raw_uri.find('?');
  const std::string path_info = percent_decoded(facts.raw_uri.substr(0, qmark));
  facts.path_info = field(path_info);
  facts.query =
      qmark == std::string_view::npos ? std::string_view() : facts.raw_uri.substr(qmark + 1);
  facts.protocol = field(lines.line());
  {
    std::string_view nums = lines.line();
    int64_t v[5] = {200, 0, 0, 0, 4242};
    for (int64_t& x : v) {
      const size_t sp = nums.find(' ');
      x = fuzz::to_i64(nums.substr(0, sp), x);
      nums = sp == std::string_view::npos ? std::string_view() : nums.substr(sp + 1);
    }
    facts.status = static_cast<unsigned>(v[0]);
    facts.sent = static_cast<uint64_t>(v[1]);
    // Clock readings in the real server: kept within +-2^52 us (142 years), so that end - start
    // cannot overflow. An end of 0 or less would mean "now" to %(t)s, and two renders could then
    // straddle a second: a fixed time instead.
    facts.start_usec = v[2] % (int64_t{1} << 52);
    facts.end_usec = v[3] > 0 ? v[3] % (int64_t{1} << 52) : 1795461601000000;
    facts.pid = static_cast<int>(v[4]);
  }
  std::vector<AccessHeader> req, resp, env;
  read_headers(lines, req);
  read_headers(lines, resp);
  read_headers(lines, env);
  facts.request_headers = req;
  facts.response_headers = resp;
  facts.environ = env;

  // 1. The first line as a format.
  auto f = AccessFormat::compile(fmt);
  if (!f) {
    const std::string& m = f.error().message;
    FUZZ_CHECK(!m.empty() && m.find('\n') == std::string::npos);
    FUZZ_CHECK(fmt.find('%') != std::string_view::npos);
  } else {
    FUZZ_CHECK(f->source() == fmt);
    std::string out = "prefix";
    f->render(facts, out);
    const std::string line = f->render(facts);
    FUZZ_CHECK(out.size() == 6 + line.size() && out.starts_with("prefix") &&
               std::string_view(out).substr(6) == line);
    FUZZ_CHECK(!line.empty() && line.back() == '\n');
    if (fmt.find('%') == std::string_view::npos) FUZZ_CHECK(line == std::string(fmt) + "\n");
    static const AccessFormat user_only = must_compile("%(u)s");
    const bool values_nl = (sep == '\0' && count_nl(in.view().substr(fmt.size())) != 0) ||
                           count_nl(path_info) != 0 || count_nl(user_only.render(facts)) != 1;
    if (!values_nl) {
      FUZZ_CHECK(count_nl(line) <= count_nl(fmt) + 1);
      if (count_nl(fmt) == 0) FUZZ_CHECK(count_nl(line) == 1);
    }
    if (valid_utf8(fmt)) FUZZ_CHECK(valid_utf8(line));
    // What the caller may skip gathering does not change the line.
    AccessFacts less = facts;
    if (!f->uses_request_headers()) less.request_headers = {};
    if (!f->uses_response_headers()) less.response_headers = {};
    if (!f->uses_environ()) less.environ = {};
    FUZZ_CHECK(f->render(less) == line);
  }

  // 2. Every atom on these facts, against a reference.
  static const AccessFormat h = must_compile("%(h)s"), m = must_compile("%(m)s"),
                            u_path = must_compile("%(U)s"), q = must_compile("%(q)s"),
                            proto = must_compile("%(H)s"), r = must_compile("%(r)s"),
                            s = must_compile("%(s)s"), b = must_compile("%(b)s"),
                            big_b = must_compile("%(B)s"), l = must_compile("%(l)s"),
                            unknown = must_compile("%(zz)s %(x)s %({a}x)s"),
                            p = must_compile("%(p)s"), t = must_compile("%(t)s"),
                            ua = must_compile("%(a)s"), ref = must_compile("%(f)s"),
                            hdr_i = must_compile("%({x-a}i)s"), hdr_o = must_compile("%({X-A}o)s"),
                            env_e = must_compile("%({x-a}e)s"),
                            env_std = must_compile("%({path_info}e)s|%({REQUEST_METHOD}e)s"),
                            nums = must_compile("%(T)s %(M)s %(D)s %(L)s"),
                            all = must_compile(
                                "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\" "
                                "%(m)s %(U)s %(q)s %(H)s %(B)s %(T)s %(M)s %(D)s %(L)s %(p)s "
                                "%({user-agent}i)s %({x-a}o)s %({path_info}e)s "
                                "%({http_user_agent}e)s %({content-type}e)s"),
                            widths = must_compile(
                                "%(h)-20s|%(m)20s|%(U).3s|%(a)30.5s|%(D)08d|%(B)-#12x|%(T)+5o|"
                                "%(M) .4u|%(r)r|%(u)40r|%(q)-30.10r|%(b)r");
  FUZZ_CHECK(one(h, facts) == esc(facts.remote_addr));
  FUZZ_CHECK(one(m, facts) == esc(facts.method));
  FUZZ_CHECK(one(u_path, facts) == esc(facts.path_info));
  FUZZ_CHECK(one(q, facts) == esc(facts.query));
  FUZZ_CHECK(one(proto, facts) == esc(facts.protocol));
  FUZZ_CHECK(one(r, facts) ==
             esc(facts.method) + " " + esc(facts.raw_uri) + " " + esc(facts.protocol));
  FUZZ_CHECK(one(s, facts) == std::to_string(facts.status));
  FUZZ_CHECK(one(b, facts) == std::to_string(facts.sent));
  FUZZ_CHECK(one(big_b, facts) == std::to_string(facts.sent));
  FUZZ_CHECK(one(l, facts) == "-");
  FUZZ_CHECK(one(unknown, facts) == "- - -");
  FUZZ_CHECK(one(p, facts) == "<" + std::to_string(facts.pid) + ">");
  {
    const std::string tt = one(t, facts);
    FUZZ_CHECK(tt.size() >= 28 && tt.front() == '[' && tt.back() == ']' && tt[3] == '/' &&
               tt[7] == '/' && count_nl(tt) == 0 && valid_utf8(tt));
  }
  {
    // Last of repeated headers for {}i / {}o / {}e; every one joined with ',' for a and f.
    std::string last_i = "-", last_o = "-", last_e;
    bool env_found = false;
    for (const auto& [n, v] : req) {
      if (ieq(n, "x-a")) last_i = esc(v);
    }
    for (const auto& [n, v] : resp) {
      if (ieq(n, "x-a")) last_o = esc(v);
    }
    for (const auto& [n, v] : env) {
      if (ieq(n, "x-a")) last_e = esc(v), env_found = true;
    }
    auto joined = [&](std::string_view key) {
      std::string j;
      bool any = false;
      for (const auto& [n, v] : req) {
        if (n.size() != key.size()) continue;
        bool same = true;
        for (size_t i = 0; i < n.size() && same; ++i) {
          char c = n[i];
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
          if (c == '-') c = '_';
          same = c == key[i];
        }
        if (!same) continue;
        if (any) j += ',';
        j += esc(v);
        any = true;
      }
      return any ? j : std::string("-");
    };
    FUZZ_CHECK(one(hdr_i, facts) == last_i);
    FUZZ_CHECK(one(hdr_o, facts) == last_o);
    FUZZ_CHECK(one(ua, facts) == joined("user_agent"));
    FUZZ_CHECK(one(ref, facts) == joined("referer"));
    // x-a is none of the derived environ variables: found among `environ` or '-'.
    FUZZ_CHECK(one(env_e, facts) == (env_found ? last_e : "-"));
    bool env_overrides = false;
    for (const auto& [n, v] : env) env_overrides |= ieq(n, "path_info") || ieq(n, "request_method");
    if (!env_overrides) {
      FUZZ_CHECK(one(env_std, facts) == esc(facts.path_info) + "|" + esc(facts.method));
    }
  }
  {
    int64_t d = facts.end_usec - facts.start_usec;
    if (d < 0) d = 0;
    const uint64_t secs = static_cast<uint64_t>(d / 1000000) % 86400;
    const uint64_t us = static_cast<uint64_t>(d % 1000000);
    char frac[8];
    std::snprintf(frac, sizeof frac, "%06u", static_cast<unsigned>(us));
    FUZZ_CHECK(one(nums, facts) ==
               std::to_string(secs) + " " + std::to_string(secs * 1000 + us / 1000) + " " +
                   std::to_string(secs * 1000000 + us) + " " + std::to_string(secs) + "." + frac);
  }
  {
    const std::string line = all.render(facts);
    FUZZ_CHECK(valid_utf8(line) && line.back() == '\n');
    const std::string w = one(widths, facts);
    FUZZ_CHECK(valid_utf8(w));
    // Each piece is at least its width wide (in characters); values may hold '|', so only the
    // total is checked.
    FUZZ_CHECK(utf8_chars(w) >= 20 + 1 + 20 + 1 + 0 + 1 + 30 + 1 + 8 + 1 + 12 + 1 + 5 + 1 + 0 + 1 +
                                    0 + 1 + 40 + 1 + 0 + 1 + 0);
  }
  return 0;
}
