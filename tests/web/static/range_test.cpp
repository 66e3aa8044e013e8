#include "web/static/range.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wc::web::static_files {
namespace {

using enum RangeOutcome;

struct Case {
  std::string_view header;
  uint64_t size;
  RangeOutcome expected;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // [start, end)
  uint64_t max_ranges = UINT64_MAX;
};

const Case kCases[] = {
    {"bytes=0-499", 1000, single, {{0, 500}}},
    {"bytes=500-", 1000, single, {{500, 1000}}},
    {"bytes=-200", 1000, single, {{800, 1000}}},
    {"bytes=-2000", 1000, single, {{0, 1000}}},
    {"bytes=0-0", 1000, single, {{0, 1}}},
    {"bytes=999-5000", 1000, single, {{999, 1000}}},
    {"BYTES=0-1", 1000, single, {{0, 2}}},
    {"bytes= 0 - 1 , 5 - 6 ", 1000, multiple, {{0, 2}, {5, 7}}},
    {"bytes=0-1,3-4", 1000, multiple, {{0, 2}, {3, 5}}},
    // Not sorted, not merged: parts come in the order asked, overlaps and all.
    {"bytes=3-4,0-1", 1000, multiple, {{3, 5}, {0, 2}}},
    {"bytes=0-1,1-2", 1000, multiple, {{0, 2}, {1, 3}}},
    {"bytes=0-499,500-999", 1000, multiple, {{0, 500}, {500, 1000}}},
    // Unsatisfiable parts are dropped; none left -> 416.
    {"bytes=1000-2000,0-1", 1000, single, {{0, 2}}},
    {"bytes=1000-", 1000, unsatisfiable, {}},
    {"bytes=1000-2000", 1000, unsatisfiable, {}},
    {"bytes=-0", 1000, unsatisfiable, {}},
    {"bytes=5-1", 1000, unsatisfiable, {}},
    // Malformed: nginx answers 416, it does not ignore the header.
    {"bytes=abc", 1000, unsatisfiable, {}},
    {"bytes=0-1,", 1000, unsatisfiable, {}},
    {"bytes=0-1;x", 1000, unsatisfiable, {}},
    {"bytes=--1", 1000, unsatisfiable, {}},
    {"bytes=1-2-3", 1000, unsatisfiable, {}},
    {"bytes=99999999999999999999-", 1000, unsatisfiable, {}},
    // Ignored: wrong unit, too short, or more bytes than the file.
    {"bytes=", 1000, full, {}},
    {"items=0-1", 1000, full, {}},
    {"bytes=0-999,0-999", 1000, full, {}},
    {"bytes=0-1,3-4", 1000, full, {}, 1},
    {"bytes=0-1", 1000, single, {{0, 2}}, 1},
    {"bytes=0-1,3-4,6-7", 1000, multiple, {{0, 2}, {3, 5}, {6, 8}}, 3},
    {"bytes=0-1", 1000, full, {}, 0},
    // Empty file: a range starting at 0 makes nginx send the (empty) whole.
    {"bytes=0-", 0, full, {}},
    {"bytes=-5", 0, full, {}},
    {"bytes=1-2", 0, unsatisfiable, {}},
};

TEST(Range, ParsesAsNginx) {
  std::vector<ByteRange> got;
  for (const Case& c : kCases) {
    RangeRequest req;
    req.range = c.header;
    req.size = c.size;
    req.max_ranges = c.max_ranges;
    EXPECT_EQ(evaluate_range(req, got), c.expected) << c.header;
    std::vector<std::pair<uint64_t, uint64_t>> pairs;
    for (ByteRange r : got) pairs.emplace_back(r.start, r.end);
    EXPECT_EQ(pairs, c.ranges) << c.header;
  }
}

TEST(Range, AbsentHeaderMeansFull) {
  std::vector<ByteRange> got{{1, 2}};
  RangeRequest req;
  req.size = 10;
  EXPECT_EQ(evaluate_range(req, got), full);
  EXPECT_TRUE(got.empty());
}

TEST(Range, IfRange) {
  constexpr int64_t kMtime = 784111777;
  std::vector<ByteRange> got;
  RangeRequest req;
  req.range = "bytes=0-1";
  req.size = 10;
  req.etag = "\"2ebc98a1-a\"";
  req.mtime = kMtime;

  req.if_range = "\"2ebc98a1-a\"";
  EXPECT_EQ(evaluate_range(req, got), single);
  req.if_range = "\"2ebc98a1-b\"";
  EXPECT_EQ(evaluate_range(req, got), full);
  req.if_range = "W/\"2ebc98a1-a\"";  // compared byte for byte: a weak tag never matches
  EXPECT_EQ(evaluate_range(req, got), full);
  req.if_range = "Sun, 06 Nov 1994 08:49:37 GMT";
  EXPECT_EQ(evaluate_range(req, got), single);
  req.if_range = "Sun, 06 Nov 1994 08:49:38 GMT";
  EXPECT_EQ(evaluate_range(req, got), full);
  req.if_range = "garbage";
  EXPECT_EQ(evaluate_range(req, got), full);

  req.if_range = "Sun, 06 Nov 1994 08:49:37 GMT";
  req.mtime = -1;
  EXPECT_EQ(evaluate_range(req, got), full);
  req.if_range = "\"2ebc98a1-a\"";
  req.etag = "";
  EXPECT_EQ(evaluate_range(req, got), full);

  // If-Range matching does not rescue a bad Range.
  req.etag = "\"2ebc98a1-a\"";
  req.range = "bytes=x";
  EXPECT_EQ(evaluate_range(req, got), unsatisfiable);
}

TEST(Range, ContentRangeText) {
  char buf[kContentRangeMax];
  EXPECT_EQ(format_content_range({0, 500}, 1000, buf), "bytes 0-499/1000");
  EXPECT_EQ(format_content_range({999, 1000}, 1000, buf), "bytes 999-999/1000");
  EXPECT_EQ(format_content_range({0, UINT64_MAX}, UINT64_MAX, buf),
            "bytes 0-18446744073709551614/18446744073709551615");
  EXPECT_EQ(format_unsatisfiable_range(1000, buf), "bytes */1000");
  EXPECT_EQ(format_unsatisfiable_range(0, buf), "bytes */0");
}

std::string assemble(const MultipartBody& body, std::string_view file) {
  std::string out;
  for (const BodySegment& s : body.segments()) {
    if (s.is_file) {
      out.append(file.substr(s.offset, s.length));
    } else {
      EXPECT_EQ(s.length, s.literal.size());
      out.append(s.literal);
    }
  }
  return out;
}

TEST(Range, MultipartLayoutAsNginxWritesIt) {
  const std::string_view file = "0123456789";
  const ByteRange ranges[] = {{0, 2}, {5, 8}};
  MultipartBody body;
  body.build(ranges, file.size(), "text/plain; charset=utf-8", 20);

  EXPECT_EQ(body.content_type(), "multipart/byteranges; boundary=00000000000000000020");
  const std::string expected =
      "\r\n--00000000000000000020\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Range: bytes 0-1/10\r\n\r\n"
      "01"
      "\r\n--00000000000000000020\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Range: bytes 5-7/10\r\n\r\n"
      "567"
      "\r\n--00000000000000000020--\r\n";
  EXPECT_EQ(assemble(body, file), expected);
  EXPECT_EQ(body.content_length(), expected.size());

  // File parts are separate segments, so they can go out with sendfile().
  ASSERT_EQ(body.segments().size(), 5u);
  EXPECT_TRUE(body.segments()[1].is_file);
  EXPECT_EQ(body.segments()[1].offset, 0u);
  EXPECT_EQ(body.segments()[3].offset, 5u);
  EXPECT_EQ(body.segments()[3].length, 3u);
}

TEST(Range, MultipartWithoutContentTypeAndReuse) {
  const std::string_view file = "abcdefghij";
  MultipartBody body;
  const ByteRange first[] = {{0, 1}, {1, 2}, {9, 10}};
  body.build(first, 10, "text/html", 1);
  const ByteRange ranges[] = {{8, 10}, {0, 1}};
  body.build(ranges, 10, "", 12345678901234567890ull);
  const std::string expected =
      "\r\n--12345678901234567890\r\nContent-Range: bytes 8-9/10\r\n\r\nij"
      "\r\n--12345678901234567890\r\nContent-Range: bytes 0-0/10\r\n\r\na"
      "\r\n--12345678901234567890--\r\n";
  EXPECT_EQ(assemble(body, file), expected);
  EXPECT_EQ(body.content_length(), expected.size());
  body.clear();
  EXPECT_TRUE(body.segments().empty());
  EXPECT_EQ(body.content_length(), 0u);
}

}  // namespace
}  // namespace wc::web::static_files
