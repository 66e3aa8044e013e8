#include "http/response_parser.h"

#include <algorithm>
#include <cstring>

#include "http/chars.h"
#include "http/fields.h"

namespace wc::http {

using detail::is;

namespace {

constexpr std::string_view kNoValidHeader = "upstream sent no valid HTTP/1.0 header";
constexpr std::string_view kInvalidHeader = "upstream sent invalid header";
constexpr std::string_view kTooBigHeader = "upstream sent too big header";
constexpr std::string_view kInvalidLength = "upstream sent invalid \"Content-Length\" header";
constexpr std::string_view kDuplicateLength = "upstream sent duplicate header line";
constexpr std::string_view kLengthAndEncoding =
    "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time";
constexpr std::string_view kUnknownEncoding = "upstream sent unknown \"Transfer-Encoding\"";
constexpr std::string_view kEncodingInHttp10 =
    "upstream sent \"Transfer-Encoding\" in HTTP/1.0 response";

// "HTTP/1." DIGIT SP DIGIT DIGIT DIGIT: the status line's fixed part, checked as its bytes arrive
// so that a non-HTTP upstream (HTTP/0.9, TLS, garbage) fails at once instead of at max_head.
constexpr size_t kFixedPart = 12;

bool fixed_part_ok(size_t i, char c) {
  static constexpr std::string_view kPrefix = "HTTP/1.";
  if (i < kPrefix.size()) return c == kPrefix[i];
  switch (i) {
    case 8:
      return c == ' ';
    case 9:
      return c >= '1' && c <= '9';  // status codes start at 100
    default:                        // 7, 10, 11
      return c >= '0' && c <= '9';
  }
}

// SWAR: true when none of the 8 bytes in `x` is below `lo` (lo <= 0x80) or equal to DEL.
// Lets the common runs of plain bytes in values skip the per-byte table.
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

// Content-Length = 1#(1*DIGIT), every element the same value (RFC 9110 8.6 lets a recipient take
// "42, 42" as 42), at most 2^63-1. Empty elements ("42,") are refused: no server sends them.
bool parse_content_length(std::string_view v, int64_t& out) {
  bool any = false;
  uint64_t first = 0;
  size_t i = 0;
  while (i <= v.size()) {
    size_t j = v.find(',', i);
    if (j == std::string_view::npos) j = v.size();
    uint64_t r = 0;
    if (!fields::parse_digits63(fields::trim_ows(v.substr(i, j - i)), r)) return false;
    if (any && r != first) return false;
    any = true;
    first = r;
    i = j + 1;
  }
  out = static_cast<int64_t>(first);
  return true;
}

}  // namespace

const Header* ParsedResponse::find(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

void ParsedResponse::clear() {
  std::vector<Header> keep = std::move(headers);
  keep.clear();
  *this = ParsedResponse{};
  headers = std::move(keep);
}

ResponseParser::ResponseParser(ResponseLimits limits) : limits_(limits) {}

void ResponseParser::reset() {
  start_ = scanned_ = line_start_ = checked_ = 0;
  started_ = false;
  status_line_ = true;
  error_ = {};
}

ParseStatus ResponseParser::fail(std::string_view reason) {
  error_ = ParseError{502, reason};
  return ParseStatus::kError;
}

ParseStatus ResponseParser::parse(std::string_view data, Method request_method, ParsedResponse& out,
                                  size_t& consumed) {
  if (error_.status != 0) return ParseStatus::kError;
  const char* d = data.data();
  const size_t n = data.size();

  if (!started_) {
    // Empty lines before the status line are skipped, as llhttp does (RFC 9112 2.2 asks it of
    // servers only, but aiohttp follows "100 Continue" with one).
    size_t p = scanned_;
    while (p < n) {
      if (d[p] == '\n') {
        ++p;
      } else if (d[p] == '\r') {
        if (p + 1 == n) break;
        if (d[p + 1] != '\n') return fail(kNoValidHeader);
        p += 2;
      } else {
        started_ = true;
        break;
      }
      if (p > limits_.max_head) return fail(kTooBigHeader);
    }
    scanned_ = p;
    if (!started_) return ParseStatus::kNeedMore;
    start_ = line_start_ = checked_ = p;
  }

  while (true) {
    const void* lf = scanned_ < n ? std::memchr(d + scanned_, '\n', n - scanned_) : nullptr;
    const size_t line_end = lf ? static_cast<size_t>(static_cast<const char*>(lf) - d) + 1 : n;
    // Checks run in the same order whether the line is complete or not, so that the verdict
    // does not depend on how the bytes were split into reads: fixed part, head size, line ending.
    // The fixed part is only checked within max_head, where the size check cannot fire first.
    if (status_line_) {
      const size_t stop = std::min({line_end, start_ + kFixedPart, start_ + limits_.max_head});
      for (size_t p = checked_; p < stop; ++p) {
        if (!fixed_part_ok(p - start_, d[p])) return fail(kNoValidHeader);
      }
      checked_ = std::max(checked_, stop);
    }
    if (lf ? line_end - start_ > limits_.max_head : line_end - start_ >= limits_.max_head) {
      return fail(kTooBigHeader);
    }
    if (lf == nullptr) {
      scanned_ = n;
      return ParseStatus::kNeedMore;
    }
    const size_t at = line_end - 1;
    if (at == line_start_ || d[at - 1] != '\r') {
      return fail(status_line_ ? kNoValidHeader : kInvalidHeader);  // bare LF
    }
    scanned_ = line_end;
    if (line_end - line_start_ == 2 && !status_line_) {
      // Empty line: the head is complete.
      const ParseStatus s =
          parse_head(std::string_view(d + start_, line_end - start_), request_method, out);
      if (s == ParseStatus::kDone) consumed = line_end;
      return s;
    }
    status_line_ = false;
    line_start_ = line_end;
  }
}

ParseStatus ResponseParser::parse_head(std::string_view head, Method request_method,
                                       ParsedResponse& out) {
  out.clear();
  const char* p = head.data();
  const char* const end = head.data() + head.size();

  // --- status line: HTTP-version SP status-code SP [ reason-phrase ] CRLF, where the SP before an
  // empty reason may be missing (nginx and llhttp accept "HTTP/1.1 200\r\n"). The head ends with
  // CRLF CRLF and every line with CRLF, so the reads below stay inside it.
  if (end - p < 14) return fail(kNoValidHeader);
  for (size_t i = 0; i < kFixedPart; ++i) {
    if (!fixed_part_ok(i, p[i])) return fail(kNoValidHeader);
  }
  out.major = 1;
  out.minor = p[7] - '0';
  out.status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  p += kFixedPart;
  if (*p == ' ') {
    const char* r = ++p;
    p = skip_plain(p, end, 0x20);
    while (is(*p, detail::kFieldVchar)) ++p;
    out.reason = std::string_view(r, p - r);
  }
  if (p[0] != '\r' || p[1] != '\n') return fail(kNoValidHeader);
  p += 2;

  // --- header fields
  bool have_cl = false, have_te = false;
  fields::TransferCodings codings;
  bool conn_close = false, conn_keep_alive = false;
  // Framing errors wait until the status is known: a 2xx to CONNECT ignores those fields.
  std::string_view framing_error;

  while (!(p[0] == '\r' && p[1] == '\n')) {
    if (*p == ' ' || *p == '\t') return fail(kInvalidHeader);  // obs-fold
    const char* name = p;
    while (is(*p, detail::kTchar)) ++p;
    if (p == name || *p != ':') return fail(kInvalidHeader);
    const std::string_view hname(name, p - name);
    ++p;
    while (*p == ' ' || *p == '\t') ++p;
    const char* v = p;
    p = skip_plain(p, end, 0x20);
    while (is(*p, detail::kFieldVchar)) ++p;
    if (p[0] != '\r' || p[1] != '\n') return fail(kInvalidHeader);
    const char* ve = p;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) --ve;
    const std::string_view value(v, ve - v);
    p += 2;
    out.headers.push_back(Header{hname, value});

    switch (hname.size()) {
      case 10:
        if (iequals(hname, "connection")) {
          (void)fields::for_each_element(value, [&](std::string_view tok) {
            if (iequals(tok, "close")) {
              conn_close = true;
            } else if (iequals(tok, "keep-alive")) {
              conn_keep_alive = true;
            }
            return true;
          });
        }
        break;
      case 14:
        if (iequals(hname, "content-length")) {
          int64_t len = -1;
          if (!parse_content_length(value, len)) {
            if (framing_error.empty()) framing_error = kInvalidLength;
          } else if (have_cl && len != out.content_length) {
            if (framing_error.empty()) framing_error = kDuplicateLength;
          } else {
            out.content_length = len;
          }
          have_cl = true;
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
  }

  out.transfer_coded = codings.coded;
  // --- framing, RFC 9112 6.3 in its order
  using Body = ParsedResponse::Body;
  const int cls = out.status / 100;
  if (request_method == Method::kConnect && cls == 2) {
    out.body = Body::kNone;
    out.tunnel = true;
    out.content_length = -1;
    out.transfer_coded = false;
    out.keep_alive = false;
    return ParseStatus::kDone;
  }
  if (have_te) {
    if (codings.bad || !codings.chunked_last) return fail(kUnknownEncoding);
    if (have_cl) return fail(kLengthAndEncoding);
    if (out.minor == 0) return fail(kEncodingInHttp10);
  }
  if (!framing_error.empty()) return fail(framing_error);
  if (have_te) out.content_length = -1;

  if (cls == 1 && out.status != 101) {
    out.body = Body::kInformational;
  } else if (out.status == 101) {
    out.body = Body::kNone;
    out.tunnel = true;
  } else if (request_method == Method::kHead || out.status == 204 || out.status == 304) {
    out.body = Body::kNone;
  } else if (have_te) {
    out.body = Body::kChunked;
  } else if (have_cl) {
    out.body = Body::kLength;
  } else {
    out.body = Body::kClose;
  }
  out.keep_alive = out.minor >= 1 ? !conn_close : conn_keep_alive && !conn_close;
  if (out.tunnel || out.body == Body::kClose) out.keep_alive = false;
  return ParseStatus::kDone;
}

}  // namespace wc::http
