// Fuzzes the Range header (web/static/range.h). Input, one field a line:
//   SIZE            file size, decimal (saturates at 2^64-1)
//   MAX_RANGES      nginx max_ranges, decimal; no digits = unlimited
//   +IF_RANGE       If-Range value after a '+'; a line without '+' = no If-Range
//   ETAG            response ETag (empty = none)
//   MTIME           Last-Modified seconds; no digits = none (-1)
//   RANGE...        the Range value: the rest of the input, newlines included
// Invariants: the outcome matches the parts (none for full/416, one for single, several for
// multiple); every part is inside the file and non-empty; parts add up to at most the file and
// number at most max_ranges; evaluate_range agrees with parse_range (If-Range can only turn the
// answer into full); the parts written back as "bytes=a-b,..." parse to the same parts; the
// Content-Range text is exact and fits kContentRangeMax; MultipartBody's Content-Length is the sum
// of its segments, which alternate part header / file range and end with the closing boundary.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "web/static/range.h"

namespace {

using namespace wc::web::static_files;

bool same(const std::vector<ByteRange>& a, const std::vector<ByteRange>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].start != b[i].start || a[i].end != b[i].end) return false;
  }
  return true;
}

bool starts_bytes(std::string_view v) {
  if (v.size() < 7) return false;
  for (size_t i = 0; i < 6; ++i) {
    char c = v[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
    if (c != "bytes="[i]) return false;
  }
  return true;
}

std::string content_range_text(ByteRange r, uint64_t size) {
  return "bytes " + std::to_string(r.start) + "-" + std::to_string(r.end - 1) + "/" +
         std::to_string(size);
}

void check_multipart(const std::vector<ByteRange>& ranges, uint64_t size,
                     std::string_view content_type, uint64_t boundary, MultipartBody& body) {
  body.build(ranges, size, content_type, boundary);
  std::string b = std::to_string(boundary);
  b.insert(0, MultipartBody::kBoundaryDigits - b.size(), '0');
  FUZZ_CHECK(body.content_type() == "multipart/byteranges; boundary=" + b);

  auto segs = body.segments();
  FUZZ_CHECK(segs.size() == 2 * ranges.size() + 1);
  uint64_t sum = 0;
  for (size_t i = 0; i < segs.size(); ++i) {
    const BodySegment& s = segs[i];
    sum += s.length;
    if (i + 1 == segs.size()) {
      FUZZ_CHECK(!s.is_file);
      FUZZ_CHECK(s.literal == "\r\n--" + b + "--\r\n");
      FUZZ_CHECK(s.length == s.literal.size());
    } else if (i % 2 == 0) {
      const ByteRange& r = ranges[i / 2];
      std::string head = "\r\n--" + b + "\r\n";
      if (!content_type.empty()) head += "Content-Type: " + std::string(content_type) + "\r\n";
      head += "Content-Range: " + content_range_text(r, size) + "\r\n\r\n";
      FUZZ_CHECK(!s.is_file);
      FUZZ_CHECK(s.literal == head);
      FUZZ_CHECK(s.length == s.literal.size());
    } else {
      const ByteRange& r = ranges[i / 2];
      FUZZ_CHECK(s.is_file);
      FUZZ_CHECK(s.offset == r.start && s.length == r.length());
    }
  }
  FUZZ_CHECK(body.content_length() == sum);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Lines lines(std::string_view(reinterpret_cast<const char*>(data), size));
  const uint64_t file_size = fuzz::to_u64(lines.line(), 0);
  const uint64_t max_ranges = fuzz::to_u64(lines.line(), UINT64_MAX);
  const std::string_view if_range_line = lines.line();
  const fuzz::Owned etag(lines.line());
  const int64_t mtime = fuzz::to_i64(lines.line(), -1);
  const fuzz::Owned value(lines.rest());

  static std::vector<ByteRange> ranges, again, evaluated;
  const RangeOutcome outcome = parse_range(value.view(), file_size, max_ranges, ranges);

  switch (outcome) {
    case RangeOutcome::full:
    case RangeOutcome::unsatisfiable:
      FUZZ_CHECK(ranges.empty());
      break;
    case RangeOutcome::single:
      FUZZ_CHECK(ranges.size() == 1);
      break;
    case RangeOutcome::multiple:
      FUZZ_CHECK(ranges.size() > 1);
      break;
  }
  if (!starts_bytes(value.view()) || max_ranges == 0) FUZZ_CHECK(outcome == RangeOutcome::full);
  FUZZ_CHECK(ranges.size() <= max_ranges);
  uint64_t total = 0;
  for (const ByteRange& r : ranges) {
    FUZZ_CHECK(r.start < r.end && r.end <= file_size);
    total += r.length();  // cannot wrap: each part is at most file_size and the sum is checked
    FUZZ_CHECK(total <= file_size);
  }

  // The parts written back in canonical form parse to the same parts.
  if (!ranges.empty()) {
    std::string canon = "bytes=";
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (i != 0) canon += ',';
      canon += std::to_string(ranges[i].start) + "-" + std::to_string(ranges[i].end - 1);
    }
    FUZZ_CHECK(parse_range(canon, file_size, max_ranges, again) == outcome);
    FUZZ_CHECK(same(again, ranges));
  }

  // evaluate_range: without If-Range it is parse_range; with one, either that or full.
  RangeRequest req;
  req.range = value.view();
  req.size = file_size;
  req.etag = etag.view();
  req.mtime = mtime;
  req.max_ranges = max_ranges;
  FUZZ_CHECK(evaluate_range(req, evaluated) == outcome);
  FUZZ_CHECK(same(evaluated, ranges));
  if (!if_range_line.empty() && if_range_line[0] == '+') {
    const fuzz::Owned if_range(if_range_line.substr(1));
    req.if_range = if_range.view();
    RangeOutcome o = evaluate_range(req, evaluated);
    if (o == RangeOutcome::full) {
      FUZZ_CHECK(evaluated.empty());
    } else {
      FUZZ_CHECK(o == outcome && same(evaluated, ranges));
    }
    // An If-Range equal to a quoted ETag always lets the ranges through.
    if (etag.view().size() >= 2 && etag.view().back() == '"') {
      req.if_range = etag.view();
      FUZZ_CHECK(evaluate_range(req, evaluated) == outcome && same(evaluated, ranges));
    }
  }
  req.range.reset();
  FUZZ_CHECK(evaluate_range(req, evaluated) == RangeOutcome::full && evaluated.empty());

  // Header texts, each written into a block of exactly kContentRangeMax bytes.
  std::unique_ptr<char[]> buf(new char[kContentRangeMax]);
  for (const ByteRange& r : ranges) {
    FUZZ_CHECK(format_content_range(r, file_size, buf.get()) == content_range_text(r, file_size));
  }
  FUZZ_CHECK(format_content_range({0, UINT64_MAX}, UINT64_MAX, buf.get()).size() <=
             kContentRangeMax);
  FUZZ_CHECK(format_unsatisfiable_range(file_size, buf.get()) ==
             "bytes */" + std::to_string(file_size));

  // MultipartBody, reused across inputs as a worker would reuse it.
  if (!ranges.empty()) {
    static MultipartBody body;
    check_multipart(ranges, file_size, "text/html; charset=utf-8", file_size ^ max_ranges, body);
    check_multipart(ranges, file_size, "", UINT64_MAX - ranges.size(), body);
  }
  return 0;
}
