#include "http/response_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "corpus_base64.h"
#include "http/chunked_decoder.h"

namespace wc::http {
namespace {

using Body = ParsedResponse::Body;

struct One {
  ParseStatus status;
  ParseError error;
  ParsedResponse head;
  size_t consumed = 0;
};

One parse_one(std::string_view data, Method method = Method::kGet, ResponseLimits limits = {}) {
  One r;
  ResponseParser p(limits);
  r.status = p.parse(data, method, r.head, r.consumed);
  r.error = p.error();
  return r;
}

// "" when the head parses, "more" when it is incomplete, else the error's reason.
std::string verdict(std::string_view data, Method method = Method::kGet,
                    ResponseLimits limits = {}) {
  One r = parse_one(data, method, limits);
  if (r.status == ParseStatus::kDone) return "";
  if (r.status == ParseStatus::kNeedMore) return "more";
  EXPECT_EQ(r.error.status, 502);
  return std::string(r.error.reason);
}

// Feeds data[0, n) for n = 0, 1, 2, ... as one-byte reads do; the verdict must be the whole's.
One parse_bytewise(std::string_view data, Method method = Method::kGet,
                   ResponseLimits limits = {}) {
  One r;
  ResponseParser p(limits);
  r.status = ParseStatus::kNeedMore;
  for (size_t n = 0; n <= data.size() && r.status == ParseStatus::kNeedMore; ++n) {
    r.status = p.parse(data.substr(0, n), method, r.head, r.consumed);
  }
  r.error = p.error();
  return r;
}

TEST(ResponseParser, ParsesSimpleResponse) {
  const std::string resp =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n"
      "Content-Length: 5\r\n\r\nhelloNEXT";
  One r = parse_one(resp);
  ASSERT_EQ(r.status, ParseStatus::kDone) << r.error.reason;
  EXPECT_EQ(r.consumed, resp.size() - 9);
  EXPECT_EQ(r.head.status, 200);
  EXPECT_EQ(r.head.reason, "OK");
  EXPECT_EQ(r.head.major, 1);
  EXPECT_EQ(r.head.minor, 1);
  ASSERT_EQ(r.head.headers.size(), 3u);
  EXPECT_EQ(r.head.headers[0].name, "Server");
  EXPECT_EQ(r.head.headers[0].value, "nginx/1.22.1");
  EXPECT_EQ(r.head.find("content-TYPE")->value, "text/html");
  EXPECT_EQ(r.head.find("Date"), nullptr);
  EXPECT_EQ(r.head.body, Body::kLength);
  EXPECT_EQ(r.head.content_length, 5);
  EXPECT_TRUE(r.head.keep_alive);
  EXPECT_FALSE(r.head.tunnel);
  EXPECT_FALSE(r.head.transfer_coded);
}

TEST(ResponseParser, ViewsPointIntoTheCallersBuffer) {
  const std::string resp = "HTTP/1.1 404 Not Found\r\nX-A: v\r\n\r\n";
  One r = parse_one(resp);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.reason.data(), resp.data() + 13);
  EXPECT_EQ(r.head.headers[0].name.data(), resp.data() + 24);
  EXPECT_EQ(r.head.headers[0].value.data(), resp.data() + 29);
}

TEST(ResponseParser, StatusLineForms) {
  One r = parse_one("HTTP/1.0 404 Not Found\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.status, 404);
  EXPECT_EQ(r.head.minor, 0);
  EXPECT_EQ(r.head.reason, "Not Found");
  r = parse_one("HTTP/1.1 301\r\n\r\n");  // no SP, no reason (nginx and llhttp accept it)
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.status, 301);
  EXPECT_EQ(r.head.reason, "");
  r = parse_one("HTTP/1.1 200 \r\n\r\n");  // SP, empty reason
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.reason, "");
  r = parse_one("HTTP/1.1 500 Ori\xc3\xabntatie  probleem\t!\r\n\r\n");  // obs-text, SP, HTAB
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.reason, "Ori\xc3\xabntatie  probleem\t!");
  r = parse_one("HTTP/1.1 200  OK\r\n\r\n");  // the reason is what follows the one SP
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.reason, " OK");
  r = parse_one("HTTP/1.1 403.1 Forbidden\r\n\r\n");  // IIS's sub-status: not a status code
  EXPECT_EQ(r.status, ParseStatus::kError);
  r = parse_one("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n");  // a later 1.x minor is 1.1
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.minor, 2);
  EXPECT_TRUE(r.head.keep_alive);
  r = parse_one("HTTP/1.1 999 Request denied\r\nContent-Length: 0\r\n\r\n");  // passed through
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.status, 999);
  r = parse_one("HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(r.head.status, 100);
}

TEST(ResponseParser, RefusesBadStatusLines) {
  const char* kCases[] = {
      "HTTP/0.9 200 OK\r\n\r\n",                  // HTTP/0.9 is refused however it is spelled
      "<html><body>hello</body></html>\r\n\r\n",  // an HTTP/0.9 answer: a body, no status line
      "HTTP/2.0 200 OK\r\n\r\n",
      "HTTP/2 200\r\n\r\n",
      "HTTP/5.6 200 OK\r\n\r\n",
      "HTTP/01.1 200 OK\r\n\r\n",
      "HTTP/11.1 200 OK\r\n\r\n",
      "HTTP/1.01 200 OK\r\n\r\n",
      "HTTP/1. 200 OK\r\n\r\n",
      "HTTP/1.x 200 OK\r\n\r\n",
      "HTTP/1.1\t200 OK\r\n\r\n",
      "HTTP/1.1  200 OK\r\n\r\n",
      "HTTP/1.1 2 OK\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/1.1 099 Odd\r\n\r\n",
      "HTTP/1.1 000\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 200OK\r\n\r\n",
      "HTTP/1.1 200\t OK\r\n\r\n",
      "HTTP/1.1 200 O\x01K\r\n\r\n",
      "HTTP/1.1 200 O\x7fK\r\n\r\n",
      "HTTP/1.1 200 O\rK\r\n\r\n",
      "HTTP/1.1 200 OK \r\r\n\r\n",
      "HTTP/1.1 200 OK\n\r\n",  // bare LF after the status line
      "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
      "http/1.1 200 OK\r\n\r\n",
      "HTP/1.1 200 OK\r\n\r\n",
      "HTTPER/1.1 200 OK\r\n\r\n",
      "RTSP/1.0 200 OK\r\n\r\n",
      "ICE/1.1 200 OK\r\n\r\n",
      " HTTP/1.1 200 OK\r\n\r\n",
      "\rHTTP/1.1 200 OK\r\n\r\n",
  };
  for (const char* c : kCases) {
    EXPECT_EQ(verdict(c), "upstream sent no valid HTTP/1.0 header")
        << ::testing::PrintToString(std::string(c));
    EXPECT_EQ(parse_bytewise(c).status, ParseStatus::kError);
  }
  static constexpr char kNul[] = "HTTP/1.1 200 O\0K\r\n\r\n";
  EXPECT_EQ(verdict(std::string(kNul, sizeof kNul - 1)), "upstream sent no valid HTTP/1.0 header");
}

TEST(ResponseParser, FailsFastOnANonHttpUpstream) {
  // The status line's fixed part is checked as it arrives, not when the line or head ends.
  EXPECT_EQ(verdict("\x16\x03\x01\x02\x00"), "upstream sent no valid HTTP/1.0 header");  // TLS
  EXPECT_EQ(verdict("<"), "upstream sent no valid HTTP/1.0 header");
  EXPECT_EQ(verdict("HTTP/2"), "upstream sent no valid HTTP/1.0 header");
  EXPECT_EQ(verdict("HTTP/1.1 0"), "upstream sent no valid HTTP/1.0 header");
  EXPECT_EQ(verdict("SSH-2.0-OpenSSH_9.2\r\n"), "upstream sent no valid HTTP/1.0 header");
  EXPECT_EQ(verdict(""), "more");
  EXPECT_EQ(verdict("H"), "more");
  EXPECT_EQ(verdict("HTTP/1.1 200"), "more");
  EXPECT_EQ(verdict("HTTP/1.1 200 OK\r\n"), "more");
  EXPECT_EQ(verdict("HTTP/1.1 200 OK\r\nServer: x\r\n\r"), "more");
}

TEST(ResponseParser, TrimsOwsAroundValuesAndKeepsOrderAndDuplicates) {
  One r = parse_one(
      "HTTP/1.1 200 OK\r\nX-A: \t v a l \t \r\nX-B:\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
      "DCLK_imp: v7;x\r\n.et-Cookie: odd\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  ASSERT_EQ(r.head.headers.size(), 6u);
  EXPECT_EQ(r.head.find("x-a")->value, "v a l");
  EXPECT_EQ(r.head.find("x-b")->value, "");
  EXPECT_EQ(r.head.headers[2].value, "a=1");
  EXPECT_EQ(r.head.headers[3].value, "b=2");
  // '_' is kept: nginx parses upstream heads with underscores allowed.
  EXPECT_EQ(r.head.find("dclk_imp")->value, "v7;x");
  EXPECT_EQ(r.head.headers[5].name, ".et-Cookie");
}

TEST(ResponseParser, RefusesBadHeaderLines) {
  const char* kCases[] = {
      "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n",  // obs-fold
      "HTTP/1.1 200 OK\r\nX-A: a\r\n\tb\r\n\r\n",
      "HTTP/1.1 200 OK\r\n Host: foo\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",  // whitespace before ':'
      "HTTP/1.1 200 OK\r\nContent-Length\t: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: empty\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX@Y: 1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nen-US Content-Type: text/xml\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX\"Y: 1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\x7fz\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\x1b[31mz\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",  // bare CR
      "HTTP/1.1 200 OK\r\nFoo: 1\rBar: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: 1\nY: 2\r\n\r\n",  // bare LF
      "HTTP/1.1 200 OK\r\nX: 1\r\n\n",
      "HTTP/1.1 200 OK\r\n\rContent-Length: 4\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX\x80Y: 1\r\n\r\n",
  };
  for (const char* c : kCases) {
    EXPECT_EQ(verdict(c), "upstream sent invalid header")
        << ::testing::PrintToString(std::string(c));
    EXPECT_EQ(parse_bytewise(c).status, ParseStatus::kError);
  }
  static constexpr char kNulValue[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
  EXPECT_EQ(verdict(std::string(kNulValue, sizeof kNulValue - 1)), "upstream sent invalid header");
  static constexpr char kNulName[] = "HTTP/1.1 200 OK\r\nX\0: a\r\n\r\n";
  EXPECT_EQ(verdict(std::string(kNulName, sizeof kNulName - 1)), "upstream sent invalid header");
}

TEST(ResponseParser, ConnectionDecidesKeepAlive) {
  auto ka = [](std::string_view s) {
    One r = parse_one(s);
    EXPECT_EQ(r.status, ParseStatus::kDone) << r.error.reason;
    return r.head.keep_alive;
  };
  EXPECT_TRUE(ka("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_FALSE(ka("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(ka("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive, CLOSE\r\n\r\n"));
  EXPECT_FALSE(
      ka("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: x\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(ka("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: closed\r\n\r\n"));
  EXPECT_TRUE(ka("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nProxy-Connection: close\r\n\r\n"));
  EXPECT_FALSE(ka("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_TRUE(ka("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_TRUE(ka("HTTP/1.0 204 No Content\r\nConnection: Keep-Alive\r\n\r\n"));
  EXPECT_FALSE(ka("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive, close\r\n\r\n"));
  // A body delimited by the end of the connection leaves nothing to keep alive.
  EXPECT_FALSE(ka("HTTP/1.1 200 OK\r\n\r\n"));
  EXPECT_FALSE(ka("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n"));
}

TEST(ResponseParser, FramingByStatusAndMethod) {
  One r = parse_one("HTTP/1.1 200 OK\r\nContent-Length: 0042\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kLength);
  EXPECT_EQ(r.head.content_length, 42);
  r = parse_one("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.content_length, 9223372036854775807);
  r = parse_one("HTTP/1.1 200 OK\r\nContent-Length:\t42\t\r\n\r\n");
  EXPECT_EQ(r.head.content_length, 42);
  r = parse_one("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello world");
  EXPECT_EQ(r.head.body, Body::kClose);
  EXPECT_EQ(r.head.content_length, -1);
  r = parse_one("HTTP/1.1 200 OK\r\nContent-Length-X: 0\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kChunked);
  EXPECT_EQ(r.head.content_length, -1);

  // No body, whatever the fields say: 204, 304, HEAD; the length is still reported (a HEAD or
  // 304 answer passes it on).
  for (const char* s : {"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
                        "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n"}) {
    r = parse_one(s);
    ASSERT_EQ(r.status, ParseStatus::kDone) << s;
    EXPECT_EQ(r.head.body, Body::kNone);
    EXPECT_EQ(r.head.content_length, 7);
    EXPECT_TRUE(r.head.keep_alive);
  }
  r = parse_one("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kNone);
  r = parse_one("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", Method::kHead);
  EXPECT_EQ(r.head.body, Body::kNone);
  EXPECT_EQ(r.head.content_length, 1234);
  EXPECT_TRUE(r.head.keep_alive);
  r = parse_one("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Method::kHead);
  EXPECT_EQ(r.head.body, Body::kNone);
  r = parse_one("HTTP/1.1 200 OK\r\n\r\n", Method::kHead);
  EXPECT_EQ(r.head.body, Body::kNone);
  EXPECT_TRUE(r.head.keep_alive);  // not close-delimited: a HEAD answer has no body
  r = parse_one("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", Method::kPost);
  EXPECT_EQ(r.head.body, Body::kLength);
}

TEST(ResponseParser, InformationalResponses) {
  One r = parse_one("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.body, Body::kInformational);
  EXPECT_EQ(r.consumed, 25u);
  r = parse_one(
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n"
      "Link: </script.js>; rel=preload; as=script\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.status, 103);
  EXPECT_EQ(r.head.body, Body::kInformational);
  EXPECT_EQ(r.head.headers.size(), 2u);
  r = parse_one("HTTP/1.1 102 Processing\r\n\r\n", Method::kHead);
  EXPECT_EQ(r.head.body, Body::kInformational);
  r = parse_one("HTTP/1.1 199 Whatever\r\nContent-Length: 10\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kInformational);
}

TEST(ResponseParser, SwitchingProtocolsAndConnectAreTunnels) {
  One r = parse_one(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05hello");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.body, Body::kNone);
  EXPECT_TRUE(r.head.tunnel);
  EXPECT_FALSE(r.head.keep_alive);
  r = parse_one("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kNone);
  EXPECT_TRUE(r.head.tunnel);
  // A 2xx to CONNECT: a tunnel, and RFC 9112 6.3 says to ignore Content-Length and
  // Transfer-Encoding there, even broken ones.
  r = parse_one("HTTP/1.1 200 Connection established\r\nContent-Length: x\r\n\r\n",
                Method::kConnect);
  ASSERT_EQ(r.status, ParseStatus::kDone) << r.error.reason;
  EXPECT_TRUE(r.head.tunnel);
  EXPECT_EQ(r.head.body, Body::kNone);
  EXPECT_EQ(r.head.content_length, -1);
  r = parse_one("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\n",
                Method::kConnect);
  EXPECT_FALSE(r.head.tunnel);
  EXPECT_EQ(r.head.body, Body::kLength);
  r = parse_one("HTTP/1.1 200 OK\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nbody");
  EXPECT_FALSE(r.head.tunnel);  // only 101 switches
  EXPECT_EQ(r.head.body, Body::kClose);
}

TEST(ResponseParser, TransferEncoding) {
  One r = parse_one("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kChunked);
  EXPECT_FALSE(r.head.transfer_coded);
  r = parse_one("HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kChunked);
  r = parse_one("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kChunked);
  EXPECT_TRUE(r.head.transfer_coded);
  r = parse_one("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kChunked);
  EXPECT_TRUE(r.head.transfer_coded);
  r = parse_one("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity , chunked\r\n\r\n");
  EXPECT_EQ(r.head.body, Body::kChunked);
  EXPECT_FALSE(r.head.transfer_coded);

  const char* kRefused[] = {
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, deflate\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedchunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
      "HTTP/1.1 204 No Content\r\nTransfer-Encoding: gzip\r\n\r\n",  // checked without a body too
  };
  for (const char* c : kRefused) {
    EXPECT_EQ(verdict(c), "upstream sent unknown \"Transfer-Encoding\"")
        << ::testing::PrintToString(std::string(c));
  }
  EXPECT_EQ(verdict("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
            "upstream sent \"Transfer-Encoding\" in HTTP/1.0 response");
}

TEST(ResponseParser, ContentLengthRules) {
  // The same value repeated is one value (RFC 9110 8.6).
  One r = parse_one("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone) << r.error.reason;
  EXPECT_EQ(r.head.content_length, 5);
  r = parse_one("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 005\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone) << r.error.reason;
  EXPECT_EQ(r.head.content_length, 5);
  EXPECT_EQ(r.head.body, Body::kLength);

  EXPECT_EQ(verdict("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            "upstream sent duplicate header line");
  EXPECT_EQ(verdict("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            "upstream sent duplicate header line");
  EXPECT_EQ(verdict("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: x\r\n\r\n"),
            "upstream sent invalid \"Content-Length\" header");
  const char* kInvalid[] = {"5, 6",
                            "5,",
                            ",5",
                            "5,,5",
                            "-1",
                            "+1",
                            "1 2",
                            "0x10",
                            "",
                            "1.0",
                            "1e3",
                            "\"5\"",
                            "99999999999999999999",
                            "9223372036854775808",
                            "18446744073709551617"};
  for (const char* v : kInvalid) {
    const std::string resp = std::string("HTTP/1.1 200 OK\r\nContent-Length: ") + v + "\r\n\r\n";
    EXPECT_EQ(verdict(resp), "upstream sent invalid \"Content-Length\" header") << v;
    EXPECT_EQ(verdict(resp, Method::kHead), "upstream sent invalid \"Content-Length\" header") << v;
  }
  // Content-Length with Transfer-Encoding, in either order, even on a bodiless answer.
  for (const char* s : {
           "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
           "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
       }) {
    EXPECT_EQ(verdict(s),
              "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time")
        << s;
  }
}

TEST(ResponseParser, HeadSizeLimit) {
  ResponseLimits l;
  l.max_head = 64;
  const std::string status = "HTTP/1.1 200 OK\r\n";  // 17 bytes
  const std::string fits = status + "X: " + std::string(64 - 17 - 5 - 2, 'v') + "\r\n\r\n";
  ASSERT_EQ(fits.size(), 64u);
  EXPECT_EQ(verdict(fits, Method::kGet, l), "");
  EXPECT_EQ(verdict(fits + "body beyond the head", Method::kGet, l), "");
  const std::string over = status + "X: " + std::string(64 - 17 - 5 - 1, 'v') + "\r\n\r\n";
  EXPECT_EQ(verdict(over, Method::kGet, l), "upstream sent too big header");
  // Detected before the head ends, without waiting for more bytes.
  EXPECT_EQ(verdict(status + "X: " + std::string(100, 'v'), Method::kGet, l),
            "upstream sent too big header");
  EXPECT_EQ(verdict(over.substr(0, 64), Method::kGet, l), "upstream sent too big header");
  EXPECT_EQ(verdict(over.substr(0, 63), Method::kGet, l), "more");
  EXPECT_EQ(parse_bytewise(over, Method::kGet, l).error.reason, "upstream sent too big header");
  // The status line alone may not exceed it either; the default is nginx's 4k buffer.
  EXPECT_EQ(verdict("HTTP/1.1 200 " + std::string(100, 'a'), Method::kGet, l),
            "upstream sent too big header");
  EXPECT_EQ(ResponseLimits{}.max_head, 4096u);
  // Leading empty lines are bounded too.
  EXPECT_EQ(verdict(std::string(70, '\n'), Method::kGet, l), "upstream sent too big header");
}

TEST(ResponseParser, SkipsLeadingEmptyLines) {
  const std::string resp = "\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  One r = parse_one(resp);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.consumed, resp.size());
  EXPECT_EQ(r.head.status, 200);
  EXPECT_EQ(verdict("\r\r\nHTTP/1.1 200 OK\r\n\r\n"), "upstream sent no valid HTTP/1.0 header");
  EXPECT_EQ(verdict("\r\n\r"), "more");
}

// Well-formed and malformed heads give the same verdict fed whole and one byte at a time.
TEST(ResponseParser, ByteAtATimeMatchesWhole) {
  const std::string kCases[] = {
      "HTTP/1.1 200 OK\r\nServer: nginx\r\nTransfer-Encoding: gzip, chunked\r\nX-Empty:\r\n"
      "Set-Cookie: a=b; c=d\r\n\r\nrest",
      "\r\nHTTP/1.0 302 Found\r\nLocation: /x\r\nConnection: keep-alive\r\nContent-Length: 0"
      "\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: 1\nY: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "HTTP/1.2 2000\r\n\r\n",
      "HTTP/1.1 200 O\rK\r\n\r\n",
  };
  for (const std::string& c : kCases) {
    for (ResponseLimits l : {ResponseLimits{}, ResponseLimits{20}, ResponseLimits{12}}) {
      const One whole = parse_one(c, Method::kGet, l);
      const One bytes = parse_bytewise(c, Method::kGet, l);
      ASSERT_EQ(whole.status, bytes.status) << c << " max_head " << l.max_head;
      EXPECT_EQ(whole.error.reason, bytes.error.reason) << c;
      if (whole.status == ParseStatus::kDone) {
        EXPECT_EQ(whole.consumed, bytes.consumed);
        EXPECT_EQ(whole.head.status, bytes.head.status);
        EXPECT_EQ(whole.head.headers.size(), bytes.head.headers.size());
        EXPECT_EQ(whole.head.body, bytes.head.body);
      }
    }
  }
}

TEST(ResponseParser, ByteAtATimeStaysLinear) {
  // A 4 MB head fed one byte at a time: each call looks at the new byte only, so this takes
  // milliseconds; rescanning from the start each time would take hours.
  std::string resp = "HTTP/1.1 200 OK\r\n";
  while (resp.size() < (4u << 20)) resp += "X-Filler: " + std::string(100, 'f') + "\r\n";
  resp += "\r\n";
  ResponseLimits l;
  l.max_head = 8u << 20;
  const One r = parse_bytewise(resp, Method::kGet, l);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.consumed, resp.size());
}

TEST(ResponseParser, ResetAllowsReuseAndHeadersKeepCapacity) {
  ResponseParser p;
  ParsedResponse head;
  size_t consumed = 0;
  const std::string a = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(p.parse(a, Method::kGet, head, consumed), ParseStatus::kDone);
  const Header* data = head.headers.data();
  p.reset();
  const std::string b = "HTTP/1.1 204 No Content\r\n\r\n";
  ASSERT_EQ(p.parse(b, Method::kGet, head, consumed), ParseStatus::kDone);
  EXPECT_EQ(head.headers.data(), data);  // no reallocation for the next response
  EXPECT_EQ(head.headers.size(), 0u);
  EXPECT_EQ(head.status, 204);
  EXPECT_EQ(head.content_length, -1);  // nothing left over from the previous head
  EXPECT_EQ(consumed, b.size());
}

TEST(ResponseParser, ErrorIsSticky) {
  ResponseParser p;
  ParsedResponse head;
  size_t consumed = 0;
  ASSERT_EQ(p.parse("XTTP", Method::kGet, head, consumed), ParseStatus::kError);
  EXPECT_EQ(p.parse("HTTP/1.1 200 OK\r\n\r\n", Method::kGet, head, consumed), ParseStatus::kError);
  EXPECT_EQ(p.error().status, 502);
  EXPECT_EQ(p.error().reason, "upstream sent no valid HTTP/1.0 header");
  p.reset();
  EXPECT_EQ(p.parse("HTTP/1.1 200 OK\r\n\r\n", Method::kGet, head, consumed), ParseStatus::kDone);
}

// Real heads, as the servers send them.
TEST(ResponseParser, RealResponses) {
  // nginx 1.22 serving a static file, and its own error page.
  One r = parse_one(
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
      "Content-Type: text/html\r\nContent-Length: 615\r\n"
      "Last-Modified: Tue, 11 Apr 2023 01:45:34 GMT\r\nConnection: keep-alive\r\n"
      "ETag: \"6434bbbe-267\"\r\nAccept-Ranges: bytes\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.body, Body::kLength);
  EXPECT_EQ(r.head.content_length, 615);
  EXPECT_EQ(r.head.find("etag")->value, "\"6434bbbe-267\"");
  // gunicorn 20.1 (sync worker), which closes after each response.
  r = parse_one(
      "HTTP/1.1 200 OK\r\nServer: gunicorn\r\nDate: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
      "Connection: close\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 13\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_FALSE(r.head.keep_alive);
  EXPECT_EQ(r.head.body, Body::kLength);
  // gunicorn streaming a generator without a length: chunked.
  r = parse_one(
      "HTTP/1.1 200 OK\r\nServer: gunicorn\r\nDate: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
      "Connection: close\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.body, Body::kChunked);
  // Apache with an HTTP/1.0 client.
  r = parse_one(
      "HTTP/1.0 301 Moved Permanently\r\nDate: Thu, 03 Jun 2010 09:56:32 GMT\r\n"
      "Server: Apache/2.2.3 (Red Hat)\r\nCache-Control: public\r\nPragma: \r\n"
      "Location: http://www.bonjourmadame.fr/\r\nVary: Accept-Encoding\r\nContent-Length: 0\r\n"
      "Content-Type: text/html; charset=UTF-8\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_TRUE(r.head.keep_alive);
  EXPECT_EQ(r.head.headers.size(), 9u);
  EXPECT_EQ(r.head.find("pragma")->value, "");
}

// --- streams: head, then the body as the framing says, then the next head if kept alive.

struct Response {
  int status = 0;
  std::string reason;
  int minor = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Body framing = Body::kNone;
  bool keep_alive = false;
  bool complete = false;  // the body ended (kClose bodies never do before EOF)
};

struct Stream {
  std::vector<Response> responses;  // informational heads included
  bool error = false;
  bool incomplete = false;  // input ended inside a head or a body that needs more
  std::string reason;
};

// `slice` 0 feeds everything at once; otherwise `slice` bytes per read. The chunked body goes
// through http::ChunkedDecoder, as the proxy will do it.
Stream parse_responses(std::string_view data, Method method = Method::kGet, size_t slice = 0) {
  Stream s;
  ResponseParser parser;
  ChunkedDecoder decoder;
  ParsedResponse head;
  std::string buf;
  size_t pos = 0, fed = 0;
  auto feed = [&] {
    if (fed == data.size()) return false;
    const size_t k = slice == 0 ? data.size() - fed : std::min(slice, data.size() - fed);
    buf.append(data.substr(fed, k));
    fed += k;
    return true;
  };
  enum class State { kHead, kLength, kChunked, kClose } state = State::kHead;
  uint64_t left = 0;
  feed();
  while (true) {
    const std::string_view rest = std::string_view(buf).substr(pos);
    if (state == State::kHead) {
      size_t consumed = 0;
      const ParseStatus st = parser.parse(rest, method, head, consumed);
      if (st == ParseStatus::kError) {
        s.error = true;
        s.reason = parser.error().reason;
        return s;
      }
      if (st == ParseStatus::kNeedMore) {
        if (feed()) continue;
        s.incomplete = !rest.empty();
        return s;
      }
      Response r;
      r.status = head.status;
      r.reason = head.reason;
      r.minor = head.minor;
      for (const Header& h : head.headers) r.headers.emplace_back(h.name, h.value);
      r.framing = head.body;
      r.keep_alive = head.keep_alive;
      s.responses.push_back(std::move(r));
      pos += consumed;
      parser.reset();
      if (head.body == Body::kInformational) {
        s.responses.back().complete = true;
        continue;
      }
      if (head.tunnel) {
        s.responses.back().complete = true;
        return s;
      }
      if (head.body == Body::kChunked) {
        decoder.reset();
        state = State::kChunked;
        continue;
      }
      if (head.body == Body::kLength && head.content_length > 0) {
        left = static_cast<uint64_t>(head.content_length);
        state = State::kLength;
        continue;
      }
      if (head.body == Body::kClose) {
        state = State::kClose;
        continue;
      }
      s.responses.back().complete = true;
      if (!head.keep_alive) return s;
    } else if (state == State::kLength) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(left, rest.size()));
      s.responses.back().body.append(rest.substr(0, take));
      pos += take;
      left -= take;
      if (left == 0) {
        s.responses.back().complete = true;
        if (!s.responses.back().keep_alive) return s;
        state = State::kHead;
      } else if (!feed()) {
        s.incomplete = true;
        return s;
      }
    } else if (state == State::kChunked) {
      size_t consumed = 0;
      const ParseStatus st = decoder.decode(rest, consumed, s.responses.back().body);
      pos += consumed;
      if (st == ParseStatus::kError) {
        s.error = true;
        s.reason = "upstream sent invalid chunked response";  // nginx's words for all of them
        return s;
      }
      if (st == ParseStatus::kDone) {
        s.responses.back().complete = true;
        if (!s.responses.back().keep_alive) return s;
        state = State::kHead;
      } else if (!feed()) {
        s.incomplete = true;
        return s;
      }
    } else {
      s.responses.back().body.append(rest);
      pos += rest.size();
      if (!feed()) return s;  // EOF ends the body
    }
  }
}

TEST(ResponseParser, StreamWithInterimChunkedAndLengthBodies) {
  const std::string stream =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
      "5;ext=\"a b\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc"
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil EOF\r\nHTTP/1.1 200 OK\r\n";
  for (size_t slice : {0, 1, 2, 3, 7, 64}) {
    const Stream s = parse_responses(stream, Method::kGet, slice);
    ASSERT_FALSE(s.error) << slice << " " << s.reason;
    ASSERT_EQ(s.responses.size(), 6u) << "slice " << slice;
    EXPECT_EQ(s.responses[0].framing, Body::kInformational);
    EXPECT_EQ(s.responses[1].status, 103);
    EXPECT_EQ(s.responses[2].body, "hello world");
    EXPECT_TRUE(s.responses[2].complete);
    EXPECT_EQ(s.responses[3].framing, Body::kNone);
    EXPECT_EQ(s.responses[4].body, "abc");
    EXPECT_EQ(s.responses[5].framing, Body::kClose);
    EXPECT_EQ(s.responses[5].body, "until EOF\r\nHTTP/1.1 200 OK\r\n");
  }
}

// ChunkedDecoder was written for request bodies; nothing in it is request-only (sizes, extensions,
// trailers, no default body limit). Only its error reasons say "client": the proxy logs nginx's
// "upstream sent invalid chunked response" for any of them instead.
TEST(ResponseParser, ChunkedDecoderDecodesResponseBodies) {
  const std::string big(4096, 'x');
  Stream s = parse_responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + big +
                             "\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n");
  ASSERT_FALSE(s.error) << s.reason;
  ASSERT_EQ(s.responses.size(), 2u);
  EXPECT_EQ(s.responses[0].body.size(), 4096u);
  EXPECT_FALSE(s.responses[1].keep_alive);
  s = parse_responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n25  \r\nxx");
  EXPECT_TRUE(s.error);
  EXPECT_EQ(s.reason, "upstream sent invalid chunked response");
  // A response body is not bounded by the decoder unless the caller asks.
  EXPECT_EQ(ChunkedLimits{}.max_body, 0u);
  // The decoder stops at the end of the body: what follows is the next response's.
  ChunkedDecoder d;
  std::string body;
  size_t consumed = 0;
  const std::string in = "3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n";
  ASSERT_EQ(d.decode(in, consumed, body), ParseStatus::kDone);
  EXPECT_EQ(body, "abc");
  EXPECT_EQ(in.substr(consumed), "HTTP/1.1 200 OK\r\n");
}

// --- llhttp's response tests (../shared/corpora, absent outside CI): where llhttp and this
// parser both accept a stream they must split it into the same responses.

using nlohmann::json;

using testing::b64decode;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  return s.substr(b);
}

// llhttp's log writes a tab inside a value as the two characters "\t".
std::string unescape_tabs(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 't') {
      out.push_back('\t');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "" when our response matches llhttp's.
std::string compare(const Response& r, const json& m) {
  const std::string version = m.value("version", "");
  if (version != "1." + std::to_string(r.minor)) return "version " + version;
  // llhttp's log drops spaces inside some reasons ("MovedPermanently"); compare without them.
  auto squash = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    return s;
  };
  if (squash(r.reason) != squash(m.value("status", ""))) return "reason " + r.reason;
  const json& hs = m["headers"];
  size_t n = 0;
  for (const json& h : hs) {
    // Trailer fields are listed with the head's; the decoder discards trailers.
    if (n == r.headers.size() && r.framing == Body::kChunked) break;
    if (n >= r.headers.size()) return "fewer headers";
    if (lower(r.headers[n].first) != lower(h[0].get<std::string>())) return "header name";
    if (r.headers[n].second != trim(unescape_tabs(h[1].get<std::string>()))) {
      return "value of " + r.headers[n].first;
    }
    ++n;
  }
  if (n != r.headers.size()) return "more headers";
  // The conversion dropped the line breaks of bodies (llhttp logs them as separate spans).
  auto no_eol = [](std::string s) {
    std::erase_if(s, [](char c) { return c == '\r' || c == '\n'; });
    return s;
  };
  if (no_eol(r.body) != no_eol(m.value("body", ""))) {
    return "body (" + std::to_string(r.body.size()) + " bytes)";
  }
  if (r.complete != m.value("complete", false)) return "completeness";
  return "";
}

TEST(ResponseParser, LlhttpCorpus) {
  std::ifstream f(WEBCYCLE_SHARED_DIR "/corpora/llhttp-messages.json");
  if (!f) GTEST_SKIP() << "llhttp-messages.json is absent (it is present in CI)";
  const json doc = json::parse(f);
  int same = 0, stricter = 0, both_refuse = 0, we_accept = 0, split = 0, lenient = 0;
  int artifacts = 0;
  for (const json& c : doc["cases"]) {
    const std::string type = c["type"];
    if (type.rfind("response", 0) != 0) continue;
    const std::string title = c["file"].get<std::string>() + " | " + c["title"].get<std::string>();
    if (type != "response") {
      ++lenient;  // an llhttp opt-in leniency: refusing is allowed, accepting must still agree
    }
    const json& msgs = c["messages"];
    std::string raw = b64decode(c["raw_b64"].get<std::string>());
    if (raw.find("```") != std::string::npos) {
      // The conversion cut this case's bytes out of the markdown wrongly (fences inside).
      std::printf("  skip %s: corpus bytes include markdown fences\n", title.c_str());
      ++artifacts;
      continue;
    }
    Stream s = parse_responses(raw);
    // The conversion lost many cases' final CRLF (the markdown's trailing empty lines): where
    // llhttp completed a head or a chunked body we still wait for, give it back.
    if (s.incomplete && !s.error) {
      const size_t k = s.responses.size();
      const bool head_cut = k < msgs.size() && msgs[k].value("complete", false);
      const bool body_cut = k > 0 && k <= msgs.size() && !s.responses[k - 1].complete &&
                            msgs[k - 1].value("complete", false);
      if (head_cut || body_cut) {
        raw += "\r\n";
        s = parse_responses(raw);
      }
    }
    const bool llhttp_error = !c["error"].is_null();
    const std::string reason = llhttp_error ? c["error"].value("reason", "") : "";
    // Pauses are llhttp handing the connection over (upgrade) or stopping after a close: not
    // refusals of the bytes before.
    const bool pause =
        reason.find("Pause") != std::string::npos || reason.find("Data after") != std::string::npos;
    // Every response we parse must be the one llhttp parsed at the same place.
    std::string mismatch;
    for (size_t i = 0; i < s.responses.size() && mismatch.empty(); ++i) {
      if (i >= msgs.size()) {
        mismatch = "we parsed response " + std::to_string(i) + ", llhttp did not";
      } else {
        mismatch = compare(s.responses[i], msgs[i]);
        if (!mismatch.empty()) mismatch = "response " + std::to_string(i) + ": " + mismatch;
      }
    }
    // Fewer responses than llhttp is fine when we wait for more, refuse, or stopped where llhttp
    // only goes on by its keep-alive leniency; otherwise we lost one.
    if (mismatch.empty() && s.responses.size() < msgs.size() && !s.incomplete && !s.error &&
        type != "response-lenient-keep-alive") {
      mismatch =
          std::to_string(s.responses.size()) + " responses, llhttp " + std::to_string(msgs.size());
    }
    if (!mismatch.empty()) {
      ADD_FAILURE() << "llhttp " << title << ": different split: " << mismatch;
      ++split;
    } else if (!llhttp_error || pause) {
      if (s.error) {
        ++stricter;
        std::printf("  stricter than llhttp (%s) %s: %s\n", type.c_str(), title.c_str(),
                    s.reason.c_str());
      } else {
        ++same;
      }
    } else if (s.error || s.incomplete) {
      ++both_refuse;
    } else {
      ++we_accept;
      ADD_FAILURE() << "llhttp refuses (" << reason << "), we accept: " << title;
    }
  }
  std::printf(
      "llhttp corpus (responses): %d same split, %d both refuse, %d refused only by us, "
      "%d refused only by llhttp, %d different split (%d cases are llhttp leniencies); "
      "%d skipped (corpus artifacts)\n",
      same, both_refuse, stricter, we_accept, split, lenient, artifacts);
  EXPECT_EQ(split, 0);
}

}  // namespace
}  // namespace wc::http
