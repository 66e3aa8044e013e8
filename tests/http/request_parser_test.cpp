#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "stream.h"

namespace wc::http {
namespace {

using testing::parse_stream;
using testing::StreamResult;

struct One {
  ParseStatus status;
  ParseError error;
  RequestHead head;
  size_t consumed = 0;
};

One parse_one(std::string_view data, Limits limits = {}) {
  One r;
  RequestParser p(limits);
  r.status = p.parse(data, r.head, r.consumed);
  r.error = p.error();
  return r;
}

int status_of(std::string_view data, Limits limits = {}) {
  One r = parse_one(data, limits);
  if (r.status == ParseStatus::kDone) return 200;
  if (r.status == ParseStatus::kNeedMore) return 0;
  return r.error.status;
}

TEST(RequestParser, ParsesSimpleGet) {
  const std::string req =
      "GET /index.html?a=1&b=2 HTTP/1.1\r\nHost: example.com\r\n"
      "User-Agent: curl/8\r\nAccept: */*\r\n\r\nNEXT";
  One r = parse_one(req);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.consumed, req.size() - 4);
  EXPECT_EQ(r.head.method, Method::kGet);
  EXPECT_EQ(r.head.method_name, "GET");
  EXPECT_EQ(r.head.target, "/index.html?a=1&b=2");
  EXPECT_EQ(r.head.path, "/index.html");
  EXPECT_EQ(r.head.query, "a=1&b=2");
  EXPECT_EQ(r.head.host, "example.com");
  EXPECT_EQ(r.head.major, 1);
  EXPECT_EQ(r.head.minor, 1);
  ASSERT_EQ(r.head.headers.size(), 3u);
  EXPECT_EQ(r.head.headers[1].name, "User-Agent");
  EXPECT_EQ(r.head.headers[1].value, "curl/8");
  EXPECT_EQ(r.head.body, RequestHead::Body::kNone);
  EXPECT_TRUE(r.head.keep_alive);
  ASSERT_NE(r.head.find("user-agent"), nullptr);
  EXPECT_EQ(r.head.find("USER-AGENT")->value, "curl/8");
  EXPECT_EQ(r.head.find("Cookie"), nullptr);
}

TEST(RequestParser, ViewsPointIntoTheCallersBuffer) {
  const std::string req = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
  One r = parse_one(req);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.target.data(), req.data() + 4);
  EXPECT_EQ(r.head.host.data(), req.data() + 23);
}

TEST(RequestParser, MethodsMapToEnum) {
  EXPECT_EQ(parse_method("HEAD"), Method::kHead);
  EXPECT_EQ(parse_method("POST"), Method::kPost);
  EXPECT_EQ(parse_method("DELETE"), Method::kDelete);
  EXPECT_EQ(parse_method("OPTIONS"), Method::kOptions);
  EXPECT_EQ(parse_method("PATCH"), Method::kPatch);
  EXPECT_EQ(parse_method("PROPFIND"), Method::kOther);
  EXPECT_EQ(parse_method("get"), Method::kOther);
  One r = parse_one("PROPFIND /d HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.method, Method::kOther);
  EXPECT_EQ(r.head.method_name, "PROPFIND");
}

TEST(RequestParser, TrimsOwsAroundValues) {
  One r = parse_one("GET / HTTP/1.1\r\nHost:h\r\nX-A: \t v a l \t \r\nX-B:\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.find("x-a")->value, "v a l");
  EXPECT_EQ(r.head.find("x-b")->value, "");
  EXPECT_EQ(r.head.host, "h");
}

TEST(RequestParser, KeepAliveFollowsVersionAndConnection) {
  EXPECT_TRUE(parse_one("GET / HTTP/1.1\r\nHost: h\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, CLOSE\r\n\r\n")
                   .head.keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.0\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(parse_one("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head.keep_alive);
}

TEST(RequestParser, ExpectAndUpgradeFlags) {
  One r =
      parse_one("PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_TRUE(r.head.expect_continue);
  EXPECT_FALSE(r.head.expect_other);
  r = parse_one("PUT /u HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_FALSE(r.head.expect_continue);  // HTTP/1.0 clients do not wait for 100
  r = parse_one("GET / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\n\r\n");
  EXPECT_TRUE(r.head.expect_other);
  r = parse_one(
      "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\n"
      "Upgrade: websocket\r\n\r\n");
  EXPECT_TRUE(r.head.upgrade);
  r = parse_one("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_FALSE(r.head.upgrade);  // Upgrade without Connection: upgrade means nothing
}

TEST(RequestParser, BodyFraming) {
  One r = parse_one("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0042\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.body, RequestHead::Body::kLength);
  EXPECT_EQ(r.head.content_length, 42u);
  r = parse_one("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(r.head.body, RequestHead::Body::kChunked);
  EXPECT_FALSE(r.head.transfer_coded);
  r = parse_one(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: "
      "chunked\r\n\r\n");
  EXPECT_EQ(r.head.body, RequestHead::Body::kChunked);
  EXPECT_TRUE(r.head.transfer_coded);
  r = parse_one("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity , CHUNKED\r\n\r\n");
  EXPECT_EQ(r.head.body, RequestHead::Body::kChunked);
  EXPECT_FALSE(r.head.transfer_coded);
  r = parse_one("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.content_length, 9223372036854775807u);
}

TEST(RequestParser, RejectsSmugglingVectors) {
  const char* kCases[] = {
      // CL + TE
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      // chunked not last / twice / unknown alone / empty
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
      "chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunkedx\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
      // HTTP/1.0 with TE
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      // Content-Length forms
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551617\r\n\r\n",
      // obs-fold, whitespace before colon, empty name, bad name chars
      "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n",
      "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX@Y: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX Y: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
      // control characters, NUL, bare CR, bare LF
      "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fz\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n",
      "GET / HTTP/1.1\nHost: h\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\n\n",
      "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
      // Host rules
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
      // request line shape
      "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
      "GET /\r\n\r\n",
      "get / HTTP/1.1\r\nHost: h\r\n\r\n",
      "G:T / HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.10\r\nHost: h\r\n\r\n",
      "GET / HTTP/11\r\nHost: h\r\n\r\n",
      "GET / FTP/1.1\r\nHost: h\r\n\r\n",
      "GET / http/1.1\r\nHost: h\r\n\r\n",
      // target forms
      "GET * HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET h:443 HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n",
      "CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n",
      "CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET s://]x/ HTTP/1.1\r\nHost: h\r\n\r\n",
  };
  for (const char* c : kCases) {
    EXPECT_EQ(status_of(c) / 100, 4) << "accepted: " << ::testing::PrintToString(std::string(c));
  }
  static constexpr char kNul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
  EXPECT_EQ(status_of(std::string(kNul, sizeof kNul - 1)), 400);
  EXPECT_EQ(status_of(std::string("GET\0 / HTTP/1.1\r\n\r\n", 19)), 400);
}

TEST(RequestParser, VersionErrors) {
  EXPECT_EQ(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/3.1\r\nHost: h\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/1.x\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\n\r\n"), 200);
}

TEST(RequestParser, AcceptsTargetForms) {
  One r =
      parse_one("GET http://user:pw@Example.com:8080/p/q?x=1#f HTTP/1.1\r\nHost: other\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.form, TargetForm::kAbsolute);
  EXPECT_EQ(r.head.host, "Example.com:8080");  // the absolute URI wins over Host
  EXPECT_EQ(r.head.path, "/p/q");
  EXPECT_EQ(r.head.query, "x=1");
  r = parse_one("GET http://h.example HTTP/1.1\r\nHost: h.example\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.path, "/");
  r = parse_one("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.form, TargetForm::kAsterisk);
  r = parse_one("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.form, TargetForm::kAuthority);
  EXPECT_EQ(r.head.host, "[::1]:443");
  r = parse_one("GET /caf\xc3\xa9/%20x?\"q\" HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(r.status, ParseStatus::kDone);  // raw UTF-8 and quotes pass, as nginx lets them
  EXPECT_EQ(r.head.path, "/caf\xc3\xa9/%20x");
}

TEST(RequestParser, UnderscoreHeadersDroppedUnlessAllowed) {
  const char* req = "GET / HTTP/1.1\r\nHost: h\r\nContent_Length: 5\r\nX-Ok: 1\r\n\r\n";
  One r = parse_one(req);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  ASSERT_EQ(r.head.headers.size(), 2u);
  EXPECT_EQ(r.head.find("Content_Length"), nullptr);
  EXPECT_EQ(r.head.body, RequestHead::Body::kNone);
  Limits l;
  l.underscores_in_headers = true;
  r = parse_one(req, l);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.head.headers.size(), 3u);
  EXPECT_EQ(r.head.body, RequestHead::Body::kNone);  // still not Content-Length
}

TEST(RequestParser, HostOptionalWhenConfigured) {
  Limits l;
  l.require_host = false;
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n", l), 200);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
}

TEST(RequestParser, SkipsLeadingEmptyLines) {
  const std::string req = "\r\n\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
  One r = parse_one(req);
  ASSERT_EQ(r.status, ParseStatus::kDone);
  EXPECT_EQ(r.consumed, req.size());
  EXPECT_EQ(r.head.method_name, "GET");
  EXPECT_EQ(status_of("\r\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestParser, Limits) {
  Limits l;
  l.max_request_line = 64;
  l.max_header_line = 32;
  l.max_head = 200;
  l.max_headers = 3;
  const std::string line_ok = "GET /" + std::string(64 - 16, 'a') + " HTTP/1.1\r\n";
  ASSERT_EQ(line_ok.size(), 64u);
  EXPECT_EQ(status_of(line_ok + "Host: h\r\n\r\n", l), 200);
  const std::string line_long = "GET /" + std::string(64 - 15, 'a') + " HTTP/1.1\r\n";
  EXPECT_EQ(status_of(line_long + "Host: h\r\n\r\n", l), 414);
  // Detected before the line ends, without waiting for more bytes.
  EXPECT_EQ(status_of("GET /" + std::string(100, 'a'), l), 414);
  const std::string hdr_ok = "X: " + std::string(32 - 5, 'v') + "\r\n";
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\n" + hdr_ok + "\r\n", l), 200);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(28, 'v') + "\r\n\r\n", l),
            431);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100, 'v'), l), 431);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", l), 200);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", l), 431);
  std::string big = "GET / HTTP/1.1\r\nHost: h\r\n";
  l.max_headers = 100;
  while (big.size() < 220) big += "X: " + std::string(20, 'v') + "\r\n";
  EXPECT_EQ(status_of(big + "\r\n", l), 431);
  EXPECT_EQ(status_of(big, l), 431);  // incomplete but already too large
}

TEST(RequestParser, FailsFastOnGarbage) {
  EXPECT_EQ(status_of("\x16\x03\x01\x02\x00"), 400);  // a TLS ClientHello
  EXPECT_EQ(status_of("GE"), 0);
  EXPECT_EQ(status_of("GET"), 0);
  EXPECT_EQ(status_of("GET /"), 0);
  EXPECT_EQ(status_of("G\x01"), 400);
}

TEST(RequestParser, ByteAtATimeMatchesWhole) {
  const std::string req =
      "\r\nPOST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\n"
      "Transfer-Encoding: chunked\r\nX-Empty:\r\nCookie: a=b; c=d\r\n\r\nrest";
  RequestParser p;
  RequestHead head;
  size_t consumed = 0;
  for (size_t n = 0; n < req.size(); ++n) {
    const ParseStatus s = p.parse(std::string_view(req).substr(0, n), head, consumed);
    if (s == ParseStatus::kDone) {
      EXPECT_EQ(n, req.size() - 4);
      break;
    }
    ASSERT_EQ(s, ParseStatus::kNeedMore) << "at " << n << ": " << p.error().reason;
  }
  EXPECT_EQ(consumed, req.size() - 4);
  EXPECT_EQ(head.method, Method::kPost);
  EXPECT_EQ(head.path, "/upload");
  EXPECT_EQ(head.headers.size(), 5u);
  EXPECT_EQ(head.body, RequestHead::Body::kChunked);
}

TEST(RequestParser, PipelinedRequestsInOneBuffer) {
  const std::string stream =
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "\r\nHEAD /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
      "GET /never HTTP/1.1\r\nHost: h\r\n\r\n";
  for (size_t slice : {0, 1, 2, 3, 7, 64}) {
    StreamResult r = parse_stream(stream, {}, {}, slice);
    ASSERT_EQ(r.messages.size(), 4u) << "slice " << slice;
    EXPECT_EQ(r.end, StreamResult::End::kStopped);
    EXPECT_EQ(r.messages[0].target, "/a");
    EXPECT_EQ(r.messages[1].target, "/b");
    EXPECT_EQ(r.messages[1].body, "hello");
    EXPECT_EQ(r.messages[2].target, "/c");
    EXPECT_EQ(r.messages[2].body, "abc");
    EXPECT_EQ(r.messages[3].method, "HEAD");
    EXPECT_FALSE(r.messages[3].keep_alive);
  }
}

TEST(RequestParser, ResetAllowsReuseAndHeadersKeepCapacity) {
  RequestParser p;
  RequestHead head;
  size_t consumed = 0;
  const std::string a = "GET /a HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  ASSERT_EQ(p.parse(a, head, consumed), ParseStatus::kDone);
  const Header* data = head.headers.data();
  p.reset();
  const std::string b = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  ASSERT_EQ(p.parse(b, head, consumed), ParseStatus::kDone);
  EXPECT_EQ(head.headers.data(), data);  // no reallocation for the next request
  EXPECT_EQ(head.headers.size(), 1u);
  EXPECT_EQ(head.path, "/b");
}

TEST(RequestParser, ErrorIsSticky) {
  RequestParser p;
  RequestHead head;
  size_t consumed = 0;
  ASSERT_EQ(p.parse("BAD\x01", head, consumed), ParseStatus::kError);
  EXPECT_EQ(p.parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", head, consumed), ParseStatus::kError);
  EXPECT_EQ(p.error().status, 400);
  EXPECT_FALSE(p.error().reason.empty());
}

}  // namespace
}  // namespace wc::http
