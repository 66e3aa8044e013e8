#include "http/chunked_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wc::http {
namespace {

struct Decoded {
  ParseStatus status;
  std::string body;
  size_t consumed = 0;
  ParseError error;
};

Decoded decode_all(std::string_view in, ChunkedLimits limits = {}) {
  ChunkedDecoder d(limits);
  Decoded r;
  r.status = d.decode(in, r.consumed, r.body);
  r.error = d.error();
  return r;
}

int verdict(std::string_view in, ChunkedLimits limits = {}) {
  Decoded r = decode_all(in, limits);
  if (r.status == ParseStatus::kDone) return 200;
  if (r.status == ParseStatus::kNeedMore) return 0;
  return r.error.status;
}

TEST(ChunkedDecoder, DecodesAndStopsAtTheEnd) {
  const std::string in = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
  Decoded r = decode_all(in);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.consumed, in.find("GET"));
}

TEST(ChunkedDecoder, HexSizesExtensionsTrailers) {
  EXPECT_EQ(decode_all("A\r\n0123456789\r\n0\r\n\r\n").body, "0123456789");
  EXPECT_EQ(decode_all("a\r\n0123456789\r\n000\r\n\r\n").body, "0123456789");
  EXPECT_EQ(decode_all("0005\r\nhello\r\n0\r\n\r\n").body, "hello");
  Decoded r =
      decode_all("5; some; parameters=stuff\r\nhello\r\n6;a=\"q \\\" ;\"\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.body, "hello world");
  r = decode_all("5\r\nhello\r\n0\r\nVary: *\r\nX-Checksum: abc\r\n\r\n");
  EXPECT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.body, "hello");
}

TEST(ChunkedDecoder, RejectsMalformedFraming) {
  const char* kBad[] = {
      "\r\nhello\r\n0\r\n\r\n",    // no size
      " 5\r\nhello\r\n0\r\n\r\n",  // leading space
      "5 \r\nhello\r\n0\r\n\r\n",  // trailing space
      "-5\r\nhello\r\n0\r\n\r\n",  // sign
      "+5\r\nhello\r\n0\r\n\r\n",
      "0x5\r\nhello\r\n0\r\n\r\n",
      "6_0\r\nhello\r\n",
      "5\nhello\r\n0\r\n\r\n",      // bare LF after size
      "5\r\r\nhello\r\n0\r\n\r\n",  // bare CR
      "5\r\nhelloXX0\r\n\r\n",      // data not followed by CRLF
      "5\r\nhello\n0\r\n\r\n",
      "5;\r\nhello\r\n0\r\n\r\n",       // ';' without a name
      "5;a=\r\nhello\r\n0\r\n\r\n",     // '=' without a value
      "5;a=\"x\r\nhello\r\n0\r\n\r\n",  // unterminated quote
      "5;ext=val\rue\r\nhello\r\n0\r\n\r\n",
      "5 erf\r\nhello\r\n0\r\n\r\n",
      "0\r\n\n",             // bad final CRLF
      "0\r\nX: 1\n\r\n",     // bare LF in trailer
      "0\r\n X: 1\r\n\r\n",  // folded trailer
      "0\r\nX 1\r\n\r\n",
      "0\r\nContent-Length: 9\r\n\r\n",  // framing fields cannot be trailers
      "0\r\nTransfer-Encoding: chunked\r\n\r\n",
      "0\r\nhost: evil\r\n\r\n",
      "0\r\nX: a\x01\r\n\r\n",
      "fffffffffffffffffff\r\n",  // overflow
  };
  for (const char* c : kBad) {
    EXPECT_EQ(verdict(c), 400) << ::testing::PrintToString(std::string(c));
  }
}

TEST(ChunkedDecoder, IncompleteNeedsMore) {
  EXPECT_EQ(verdict("5\r\nhel"), 0);
  EXPECT_EQ(verdict("5\r\nhello\r\n"), 0);
  EXPECT_EQ(verdict("0\r\n"), 0);
  EXPECT_EQ(verdict("0\r\nX: y\r\n"), 0);
}

TEST(ChunkedDecoder, MaxBodyGives413) {
  ChunkedLimits l;
  l.max_body = 10;
  EXPECT_EQ(verdict("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", l), 200);
  EXPECT_EQ(verdict("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", l), 413);
  EXPECT_EQ(verdict("ffffffffffff\r\n", l), 413);  // refused from the size line alone
}

TEST(ChunkedDecoder, BoundsExtensionsAndTrailers) {
  ChunkedLimits l;
  l.max_extensions = 16;
  l.max_trailers = 16;
  EXPECT_EQ(verdict("1;" + std::string(13, 'a') + "\r\nx\r\n0\r\n\r\n", l), 200);
  EXPECT_EQ(verdict("1;" + std::string(40, 'a'), l), 400);
  EXPECT_EQ(verdict("0\r\nX: " + std::string(40, 'a'), l), 431);
}

TEST(ChunkedDecoder, ByteAtATimeAndZeroCopySink) {
  const std::string in =
      "4;x=y\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\nZ";
  ChunkedDecoder d;
  std::string body;
  std::vector<std::string_view> pieces;
  size_t total = 0;
  ParseStatus s = ParseStatus::kNeedMore;
  for (size_t i = 0; i < in.size() && s == ParseStatus::kNeedMore; ++i) {
    size_t consumed = 0;
    s = d.decode(std::string_view(in).substr(i, 1), consumed, [&](std::string_view piece) {
      EXPECT_GE(piece.data(), in.data());  // views into the input, not copies
      EXPECT_LE(piece.data() + piece.size(), in.data() + in.size());
      body.append(piece);
    });
    total += consumed;
    ASSERT_NE(s, ParseStatus::kError) << d.error().reason;
  }
  EXPECT_EQ(s, ParseStatus::kDone);
  EXPECT_TRUE(d.done());
  EXPECT_EQ(body, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(d.body_size(), body.size());
  EXPECT_EQ(total, in.size() - 1);
}

TEST(ChunkedDecoder, ResetStartsOver) {
  ChunkedDecoder d;
  size_t consumed = 0;
  std::string body;
  ASSERT_EQ(d.decode("x", consumed, body), ParseStatus::kError);
  d.reset();
  EXPECT_EQ(d.decode("1\r\na\r\n0\r\n\r\n", consumed, body), ParseStatus::kDone);
  EXPECT_EQ(body, "a");
}

}  // namespace
}  // namespace wc::http
