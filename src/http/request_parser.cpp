#include "http/request_parser.h"

#include <algorithm>
#include <cstring>

#include "http/chars.h"
#include "http/fields.h"
#include "http/uri.h"

namespace wc::http {

using detail::is;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (detail::lower(a[i]) != detail::lower(b[i])) return false;
  }
  return true;
}

Method parse_method(std::string_view m) {
  switch (m.size()) {
    case 3:
      if (m == "GET") return Method::kGet;
      if (m == "PUT") return Method::kPut;
      break;
    case 4:
      if (m == "POST") return Method::kPost;
      if (m == "HEAD") return Method::kHead;
      break;
    case 5:
      if (m == "PATCH") return Method::kPatch;
      if (m == "TRACE") return Method::kTrace;
      break;
    case 6:
      if (m == "DELETE") return Method::kDelete;
      break;
    case 7:
      if (m == "OPTIONS") return Method::kOptions;
      if (m == "CONNECT") return Method::kConnect;
      break;
    default:
      break;
  }
  return Method::kOther;
}

const Header* RequestHead::find(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

void RequestHead::clear() {
  std::vector<Header> keep = std::move(headers);
  keep.clear();
  *this = RequestHead{};
  headers = std::move(keep);
}

RequestParser::RequestParser(Limits limits) : limits_(limits) {}

void RequestParser::reset() {
  start_ = scanned_ = line_start_ = lines_ = method_checked_ = 0;
  started_ = false;
  error_ = {};
}

ParseStatus RequestParser::fail(int status, std::string_view reason) {
  error_ = ParseError{status, reason};
  return ParseStatus::kError;
}

ParseStatus RequestParser::parse(std::string_view data, RequestHead& out, size_t& consumed) {
  if (error_.status != 0) return ParseStatus::kError;
  const char* d = data.data();
  const size_t n = data.size();

  if (!started_) {
    // RFC 9112 2.2: ignore empty lines before the request line (a CRLF after a POST body).
    size_t p = scanned_;
    while (p < n) {
      if (d[p] == '\n') {
        ++p;
      } else if (d[p] == '\r') {
        if (p + 1 == n) break;
        if (d[p + 1] != '\n') return fail(400, "client sent invalid request");
        p += 2;
      } else {
        started_ = true;
        break;
      }
      if (p > limits_.max_head) return fail(431, "client sent too long header");
    }
    scanned_ = p;
    if (!started_) return ParseStatus::kNeedMore;
    start_ = line_start_ = p;
    method_checked_ = p;
  }

  while (true) {
    const void* lf = scanned_ < n ? std::memchr(d + scanned_, '\n', n - scanned_) : nullptr;
    const size_t line_end = lf ? static_cast<size_t>(static_cast<const char*>(lf) - d) + 1 : n;
    // Checks run in the same order whether the line is complete or not, so that the verdict
    // does not depend on how the bytes were split into reads: method, line size, head size,
    // line ending.
    if (lines_ == 0) {
      // Fail fast on a request line that cannot become valid (a TLS hello, binary garbage).
      const size_t stop = std::min(line_end, start_ + limits_.max_request_line);
      size_t p = method_checked_;
      while (p < stop && is(d[p], detail::kMethodChar)) ++p;
      if (p < stop && (d[p] != ' ' || p == start_)) return fail(400, "client sent invalid method");
      method_checked_ = p;
    }
    const size_t line_len = line_end - line_start_;  // including CRLF when complete
    const size_t limit = lines_ == 0 ? limits_.max_request_line : limits_.max_header_line;
    if (lf ? line_len > limit : line_len >= limit) {
      return lines_ == 0 ? fail(414, "client sent too long URI")
                         : fail(431, "client sent too long header line");
    }
    if (lf ? line_end - start_ > limits_.max_head : line_end - start_ >= limits_.max_head) {
      return fail(431, "client sent too large request head");
    }
    if (lf == nullptr) {
      scanned_ = n;
      return ParseStatus::kNeedMore;
    }
    const size_t at = line_end - 1;
    if (at == line_start_ || d[at - 1] != '\r') {
      return fail(400, "client sent bare LF as line ending");
    }
    scanned_ = line_end;
    if (line_len == 2 && lines_ > 0) {
      // Empty line: the head is complete.
      const ParseStatus s = parse_head(std::string_view(d + start_, line_end - start_), out);
      if (s == ParseStatus::kDone) consumed = line_end;
      return s;
    }
    if (lines_ > limits_.max_headers) return fail(431, "client sent too many header lines");
    ++lines_;
    line_start_ = line_end;
  }
}

namespace {

// SWAR: true when none of the 8 bytes in `x` is below `lo` (lo <= 0x80) or equal to DEL.
// Lets the common runs of plain bytes in targets and values skip the per-byte table.
inline bool plain8(uint64_t x, uint64_t lo) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t below = (x - kOnes * lo) & ~x & kHigh;
  const uint64_t del = x ^ (kOnes * 0x7f);
  const uint64_t is_del = (del - kOnes) & ~del & kHigh;
  return (below | is_del) == 0;
}

inline const char* skip_plain(const char* p, const char* end, uint64_t lo) {
  while (end - p >= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    if (!plain8(x, lo)) break;
    p += 8;
  }
  return p;
}

}  // namespace

ParseStatus RequestParser::parse_head(std::string_view head, RequestHead& out) {
  out.clear();
  const char* p = head.data();
  const char* const end = head.data() + head.size();

  // --- request line: method SP request-target SP HTTP-version CRLF
  const char* m = p;
  while (is(*p, detail::kMethodChar)) ++p;
  if (p == m || *p != ' ') return fail(400, "client sent invalid method");
  out.method_name = std::string_view(m, p - m);
  out.method = parse_method(out.method_name);
  ++p;
  const char* t = p;
  p = skip_plain(p, end, 0x21);
  while (is(*p, detail::kTargetChar)) ++p;
  if (p == t || *p != ' ') return fail(400, "client sent invalid request");
  out.target = std::string_view(t, p - t);
  ++p;
  // HTTP-version = "HTTP/" DIGIT "." DIGIT
  if (end - p < 10 || std::memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' || p[6] != '.' ||
      p[7] < '0' || p[7] > '9' || p[8] != '\r' || p[9] != '\n') {
    return fail(400, "client sent invalid request");
  }
  out.major = p[5] - '0';
  out.minor = p[7] - '0';
  if (out.major != 1 && !(limits_.http2 && out.major == 2 && out.minor == 0)) {
    return fail(505, "client sent unsupported HTTP version");
  }
  p += 10;

  auto parts = split_target(out.target, out.method);
  if (!parts) return fail(400, "client sent invalid request");
  out.form = parts->form;
  out.path = parts->path;
  out.query = parts->query;

  // --- header fields
  bool have_host = false, have_cl = false, have_te = false, have_ctype = false;
  fields::TransferCodings codings;
  bool conn_close = false, conn_keep_alive = false, conn_upgrade = false, have_upgrade = false;
  std::string_view host_value;

  while (!(p[0] == '\r' && p[1] == '\n')) {
    if (*p == ' ' || *p == '\t') return fail(400, "client sent obsolete line folding");
    const char* name = p;
    bool underscore = false;
    while (is(*p, detail::kTchar)) {
      underscore |= (*p == '_');
      ++p;
    }
    if (p == name) return fail(400, "client sent invalid header line");
    if (*p != ':') return fail(400, "client sent invalid header line");
    const std::string_view hname(name, p - name);
    ++p;
    while (*p == ' ' || *p == '\t') ++p;
    const char* v = p;
    p = skip_plain(p, end, 0x20);
    while (is(*p, detail::kFieldVchar)) ++p;
    if (p[0] != '\r' || p[1] != '\n') return fail(400, "client sent invalid header line");
    const char* ve = p;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) --ve;
    const std::string_view value(v, ve - v);
    p += 2;

    if (underscore && !limits_.underscores_in_headers) continue;  // nginx ignores these
    out.headers.push_back(Header{hname, value});

    // Fields that frame or route the request, matched by length first.
    switch (hname.size()) {
      case 4:
        if (iequals(hname, "host")) {
          if (have_host) return fail(400, "client sent duplicate host header");
          have_host = true;
          host_value = value;
        }
        break;
      case 6:
        if (iequals(hname, "expect")) {
          if (iequals(value, "100-continue")) {
            out.expect_continue = out.at_least_11();
          } else {
            out.expect_other = true;
          }
        }
        break;
      case 7:
        if (iequals(hname, "upgrade")) have_upgrade = true;
        break;
      case 10:
        if (iequals(hname, "connection")) {
          (void)fields::for_each_element(value, [&](std::string_view tok) {
            if (iequals(tok, "close"))
              conn_close = true;
            else if (iequals(tok, "keep-alive"))
              conn_keep_alive = true;
            else if (iequals(tok, "upgrade"))
              conn_upgrade = true;
            return true;
          });
        }
        break;
      case 12:
        if (iequals(hname, "content-type")) {
          if (have_ctype) return fail(400, "client sent duplicate content-type header");
          have_ctype = true;
        }
        break;
      case 14:
        if (iequals(hname, "content-length")) {
          if (have_cl) return fail(400, "client sent duplicate content-length header");
          have_cl = true;
          if (!fields::parse_digits63(value, out.content_length)) {  // no sign, no list
            return fail(400, "client sent invalid \"Content-Length\" header");
          }
        }
        break;
      case 17:
        if (iequals(hname, "transfer-encoding")) {
          have_te = true;
          codings.add(value);
        }
        break;
      default:
        break;
    }
    if (out.headers.size() > limits_.max_headers) {
      return fail(431, "client sent too many header lines");
    }
  }

  // --- semantics
  if (out.form == TargetForm::kAbsolute) {
    out.host = parts->authority;
    if (size_t at = out.host.rfind('@'); at != std::string_view::npos) {
      out.host.remove_prefix(at + 1);
    }
  } else {
    if (!host_value.empty() && !is_valid_authority(host_value, false)) {
      return fail(400, "client sent invalid host header");
    }
    out.host = host_value;
    if (out.form == TargetForm::kAuthority && !have_host) out.host = parts->authority;
  }
  if (!have_host && out.at_least_11() && limits_.require_host) {
    return fail(400, "client sent HTTP/1.1 request without \"Host\" header");
  }
  out.transfer_coded = codings.coded;
  if (have_te) {
    if (!out.at_least_11()) {
      return fail(400, "client sent \"Transfer-Encoding\" in HTTP/1.0 request");
    }
    if (have_cl) {
      return fail(400, "client sent \"Content-Length\" and \"Transfer-Encoding\" headers");
    }
    if (codings.bad || !codings.chunked_last) {
      return fail(400, "client sent invalid \"Transfer-Encoding\" header");
    }
    out.body = RequestHead::Body::kChunked;
  } else if (have_cl) {
    out.body = RequestHead::Body::kLength;
  }
  if (out.at_least_11()) {
    out.keep_alive = !conn_close;
  } else {
    out.keep_alive = conn_keep_alive && !conn_close;
  }
  out.upgrade = conn_upgrade && have_upgrade;
  return ParseStatus::kDone;
}

}  // namespace wc::http
