#include "web/static/range.h"

#include <cstring>
#include <limits>

#include "web/static/http_time.h"

namespace wc::web::static_files {
namespace {

char* put_u64(char* p, uint64_t v) noexcept {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

bool iequals_prefix(std::string_view s, std::string_view lower_prefix) noexcept {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

// ngx_http_range_header_filter's If-Range test: true when the ranges may be served.
bool if_range_allows(std::string_view if_range, std::string_view etag, int64_t mtime) noexcept {
  if (if_range.size() >= 2 && if_range.back() == '"') return !etag.empty() && if_range == etag;
  if (mtime == -1) return false;
  auto t = parse_nginx_http_time(if_range);
  return t && *t == mtime;
}

}  // namespace

// ngx_http_range_parse, read with the value's end standing in for nginx's terminating NUL.
RangeOutcome parse_range(std::string_view value, uint64_t size, uint64_t max_ranges,
                         std::vector<ByteRange>& ranges) {
  ranges.clear();
  if (value.size() < 7 || !iequals_prefix(value, "bytes=")) return RangeOutcome::full;
  if (max_ranges == 0) return RangeOutcome::full;

  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kCutoff = kMax / 10;
  constexpr int64_t kCutlim = kMax % 10;
  const int64_t content_length =
      size > static_cast<uint64_t>(kMax) ? kMax : static_cast<int64_t>(size);

  const char* p = value.data() + 6;
  const char* const end = value.data() + value.size();
  auto at = [&](const char* q) -> char { return q < end ? *q : '\0'; };
  auto is_digit = [&](const char* q) { return q < end && *q >= '0' && *q <= '9'; };

  int64_t total = 0;
  uint64_t left = max_ranges;
  for (;;) {
    int64_t start = 0, last = 0;
    bool suffix = false;
    bool open_ended = false;

    while (at(p) == ' ') ++p;
    if (at(p) != '-') {
      if (!is_digit(p)) return ranges.clear(), RangeOutcome::unsatisfiable;
      while (is_digit(p)) {
        if (start >= kCutoff && (start > kCutoff || *p - '0' > kCutlim)) {
          return ranges.clear(), RangeOutcome::unsatisfiable;
        }
        start = start * 10 + (*p++ - '0');
      }
      while (at(p) == ' ') ++p;
      if (at(p++) != '-') return ranges.clear(), RangeOutcome::unsatisfiable;
      while (at(p) == ' ') ++p;
      if (at(p) == ',' || at(p) == '\0') {
        last = content_length;
        open_ended = true;
      }
    } else {
      suffix = true;
      ++p;
    }

    if (!open_ended) {
      if (!is_digit(p)) return ranges.clear(), RangeOutcome::unsatisfiable;
      while (is_digit(p)) {
        if (last >= kCutoff && (last > kCutoff || *p - '0' > kCutlim)) {
          return ranges.clear(), RangeOutcome::unsatisfiable;
        }
        last = last * 10 + (*p++ - '0');
      }
      while (at(p) == ' ') ++p;
      if (at(p) != ',' && at(p) != '\0') return ranges.clear(), RangeOutcome::unsatisfiable;
      if (suffix) {
        start = last < content_length ? content_length - last : 0;
        last = content_length - 1;
      }
      // `last` becomes the exclusive end.
      if (last >= content_length) {
        last = content_length;
      } else {
        ++last;
      }
    }

    if (start < last) {
      ranges.push_back({static_cast<uint64_t>(start), static_cast<uint64_t>(last)});
      if (total > kMax - (last - start)) return ranges.clear(), RangeOutcome::unsatisfiable;
      total += last - start;
      if (left-- == 0) return ranges.clear(), RangeOutcome::full;
    } else if (start == 0) {
      return ranges.clear(), RangeOutcome::full;
    }

    if (at(p++) != ',') break;
  }

  if (ranges.empty()) return RangeOutcome::unsatisfiable;
  if (total > content_length) return ranges.clear(), RangeOutcome::full;
  return ranges.size() == 1 ? RangeOutcome::single : RangeOutcome::multiple;
}

RangeOutcome evaluate_range(const RangeRequest& req, std::vector<ByteRange>& ranges) {
  ranges.clear();
  if (!req.range || req.max_ranges == 0) return RangeOutcome::full;
  if (req.range->size() < 7 || !iequals_prefix(*req.range, "bytes=")) return RangeOutcome::full;
  if (req.if_range && !if_range_allows(*req.if_range, req.etag, req.mtime)) {
    return RangeOutcome::full;
  }
  return parse_range(*req.range, req.size, req.max_ranges, ranges);
}

std::string_view format_content_range(ByteRange r, uint64_t size, char* out) noexcept {
  char* p = out;
  std::memcpy(p, "bytes ", 6);
  p += 6;
  p = put_u64(p, r.start);
  *p++ = '-';
  p = put_u64(p, r.end - 1);
  *p++ = '/';
  p = put_u64(p, size);
  return {out, static_cast<size_t>(p - out)};
}

std::string_view format_unsatisfiable_range(uint64_t size, char* out) noexcept {
  char* p = out;
  std::memcpy(p, "bytes */", 8);
  p += 8;
  p = put_u64(p, size);
  return {out, static_cast<size_t>(p - out)};
}

void MultipartBody::clear() noexcept {
  text_.clear();
  content_type_.clear();
  segments_.clear();
  content_length_ = 0;
}

void MultipartBody::build(std::span<const ByteRange> ranges, uint64_t size,
                          std::string_view content_type, uint64_t boundary) {
  clear();
  char digits[kBoundaryDigits];
  {
    uint64_t v = boundary;
    for (size_t i = kBoundaryDigits; i-- > 0;) {
      digits[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  }
  const std::string_view b(digits, kBoundaryDigits);

  content_type_.append("multipart/byteranges; boundary=").append(b);

  // Literal pieces are appended to text_ first and turned into views afterwards, since text_ may
  // reallocate while it grows. Record (offset, length) pairs in the segments meanwhile.
  std::string& head = head_;
  head.clear();
  head.append("\r\n--").append(b).append("\r\n");
  if (!content_type.empty()) head.append("Content-Type: ").append(content_type).append("\r\n");
  head.append("Content-Range: bytes ");

  text_.reserve(ranges.size() * (head.size() + 3 * 20 + 6) + b.size() + 8);
  segments_.reserve(ranges.size() * 2 + 1);
  uint64_t total = 0;
  char num[kContentRangeMax];
  for (const ByteRange& r : ranges) {
    size_t off = text_.size();
    text_.append(head);
    char* p = put_u64(num, r.start);
    *p++ = '-';
    p = put_u64(p, r.end - 1);
    *p++ = '/';
    p = put_u64(p, size);
    text_.append(num, static_cast<size_t>(p - num)).append("\r\n\r\n");
    size_t len = text_.size() - off;
    segments_.push_back({false, {}, off, len});
    segments_.push_back({true, {}, r.start, r.length()});
    total += len + r.length();
  }
  size_t off = text_.size();
  text_.append("\r\n--").append(b).append("--\r\n");
  segments_.push_back({false, {}, off, text_.size() - off});
  total += text_.size() - off;

  for (BodySegment& s : segments_) {
    if (!s.is_file) {
      s.literal = std::string_view(text_).substr(s.offset, s.length);
      s.offset = 0;
    }
  }
  content_length_ = total;
}

}  // namespace wc::web::static_files
