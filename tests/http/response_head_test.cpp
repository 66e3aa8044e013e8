#include "http/response_head.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/status.h"

namespace wc::http {
namespace {

TEST(Status, LinesAndPhrasesAsNginx) {
  EXPECT_EQ(status_line(200), "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(status_line(404), "HTTP/1.1 404 Not Found\r\n");
  EXPECT_EQ(status_line(302), "HTTP/1.1 302 Moved Temporarily\r\n");
  EXPECT_EQ(status_line(405), "HTTP/1.1 405 Not Allowed\r\n");
  EXPECT_EQ(status_line(503), "HTTP/1.1 503 Service Temporarily Unavailable\r\n");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(299), "");
  EXPECT_EQ(status_line(299), "");
  EXPECT_EQ(status_line(42), "");
  std::string out;
  append_status_line(299, out);
  EXPECT_EQ(out, "HTTP/1.1 299 \r\n");
  out.clear();
  append_status_line(416, out);
  EXPECT_EQ(out, "HTTP/1.1 416 Requested Range Not Satisfiable\r\n");
}

TEST(ResponseHead, NginxOrderForAStaticFile) {
  ResponseHead h;
  h.date = "Mon, 23 Nov 2026 22:00:00 GMT";
  h.content_type = "text/html";
  h.content_length = 615;
  h.last_modified = 784111777;
  h.connection = ResponseHead::Connection::kKeepAlive;
  h.etag = "\"2ebb5a21-267\"";
  h.accept_ranges = true;
  std::string out = "prefix";
  append_response_head(h, out);
  EXPECT_EQ(out,
            "prefixHTTP/1.1 200 OK\r\n"
            "Server: webcycle\r\n"
            "Date: Mon, 23 Nov 2026 22:00:00 GMT\r\n"
            "Content-Type: text/html\r\n"
            "Content-Length: 615\r\n"
            "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Connection: keep-alive\r\n"
            "ETag: \"2ebb5a21-267\"\r\n"
            "Accept-Ranges: bytes\r\n"
            "\r\n");
}

TEST(ResponseHead, AddedHeadersGoAfterETagOrLast) {
  const std::vector<Header> added = {{"X-Added", "1"}};
  const std::vector<Header> extra = {{"Content-Range", "bytes 0-1/10"}};
  ResponseHead h;
  h.status = 206;
  h.etag = "\"e\"";
  h.accept_ranges = true;
  h.added = added;
  h.extra = extra;
  std::string out;
  append_response_head(h, out);
  EXPECT_EQ(out,
            "HTTP/1.1 206 Partial Content\r\n"
            "Server: webcycle\r\n"
            "ETag: \"e\"\r\n"
            "X-Added: 1\r\n"
            "Accept-Ranges: bytes\r\n"
            "Content-Range: bytes 0-1/10\r\n"
            "\r\n");
  EXPECT_LE(out.size(), response_head_max_size(h));
  h.added_last = true;  // a proxied answer: after the upstream's headers
  out.clear();
  append_response_head(h, out);
  EXPECT_NE(out.find("Content-Range: bytes 0-1/10\r\nX-Added: 1\r\n\r\n"), std::string::npos)
      << out;
}

TEST(ResponseHead, RedirectWithTokensCharsetAndExtras) {
  const std::vector<Header> extra = {{"X-Frame-Options", "DENY"}, {"Cache-Control", "no-cache"}};
  ResponseHead h;
  h.status = 301;
  h.server_tokens = true;
  h.server_version = "0.1.0";
  h.content_type = "text/html";
  h.charset = "utf-8";
  h.content_length = 0;
  h.location = "http://h/dir/";
  h.connection = ResponseHead::Connection::kClose;
  h.extra = extra;
  std::string out;
  append_response_head(h, out);
  EXPECT_EQ(out,
            "HTTP/1.1 301 Moved Permanently\r\n"
            "Server: webcycle/0.1.0\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            "Content-Length: 0\r\n"
            "Location: http://h/dir/\r\n"
            "Connection: close\r\n"
            "X-Frame-Options: DENY\r\n"
            "Cache-Control: no-cache\r\n"
            "\r\n");
}

TEST(ResponseHead, ChunkedKeepAliveTimeoutAndUnknownStatus) {
  ResponseHead h;
  h.status = 299;
  h.chunked = true;
  h.connection = ResponseHead::Connection::kKeepAlive;
  h.keep_alive_timeout = 65;
  std::string out;
  append_response_head(h, out);
  EXPECT_EQ(out,
            "HTTP/1.1 299 \r\nServer: webcycle\r\nTransfer-Encoding: chunked\r\n"
            "Connection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n");
}

TEST(ResponseHead, WriteIntoBufferMatchesAppend) {
  ResponseHead h;
  h.status = 404;
  h.date = "Mon, 23 Nov 2026 22:00:00 GMT";
  h.content_type = "text/html";
  h.content_length = 9223372036854775807;
  std::string expect;
  append_response_head(h, expect);
  char buf[512];
  const size_t n = write_response_head(h, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(std::string(buf, n), expect);
  EXPECT_LE(n, response_head_max_size(h));
  EXPECT_EQ(write_response_head(h, buf, 40), 0u);  // too small: nothing written
}

}  // namespace
}  // namespace wc::http
