#include "client/request.h"

#include <gtest/gtest.h>

#include <string>

namespace wc::client {
namespace {

Url url(std::string_view s) {
  auto u = parse_url(s);
  EXPECT_TRUE(u) << s;
  return *u;
}

const std::string kAgent = "User-Agent: webcycle/" WEBCYCLE_VERSION "\r\n";

TEST(BuildRequest, CurlsDefaultGet) {
  RequestSpec spec;
  EXPECT_EQ(build_request(url("http://www.mysite.test/a?b=1"), spec),
            "GET /a?b=1 HTTP/1.1\r\nHost: www.mysite.test\r\n" + kAgent + "Accept: */*\r\n\r\n");
}

TEST(BuildRequest, HostCarriesANonDefaultPortAndBrackets) {
  RequestSpec spec;
  std::string r = build_request(url("http://[::1]:8080/"), spec);
  EXPECT_NE(r.find("\r\nHost: [::1]:8080\r\n"), std::string::npos) << r;
  r = build_request(url("http://h:80/"), spec);
  EXPECT_NE(r.find("\r\nHost: h\r\n"), std::string::npos) << r;
}

TEST(BuildRequest, FormPost) {
  RequestSpec spec;
  spec.method = "POST";
  spec.body = "name=a&x=1";
  spec.form_body = true;
  EXPECT_EQ(build_request(url("http://h/form"), spec),
            "POST /form HTTP/1.1\r\nHost: h\r\n" + kAgent +
                "Accept: */*\r\nContent-Length: 10\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n\r\nname=a&x=1");
}

TEST(BuildRequest, EmptyBodyStillHasALength) {
  RequestSpec spec;
  spec.method = "POST";
  spec.body = "";
  spec.form_body = true;
  std::string r = build_request(url("http://h/"), spec);
  EXPECT_NE(r.find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(BuildRequest, UserHeadersReplaceRemoveAndEmpty) {
  RequestSpec spec;
  spec.headers = {"X-One: 1", "Accept: text/html", "User-Agent:", "X-Empty;", "Host: other"};
  EXPECT_EQ(build_request(url("http://h/"), spec),
            "GET / HTTP/1.1\r\nX-One: 1\r\nAccept: text/html\r\nX-Empty:\r\nHost: other\r\n\r\n");
}

TEST(BuildRequest, UserContentTypeWins) {
  RequestSpec spec;
  spec.method = "POST";
  spec.body = "{}";
  spec.form_body = true;
  spec.headers = {"Content-Type: application/json"};
  std::string r = build_request(url("http://h/"), spec);
  EXPECT_NE(r.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_EQ(r.find("x-www-form-urlencoded"), std::string::npos);
  EXPECT_NE(r.find("Content-Length: 2\r\n"), std::string::npos);
}

TEST(BuildRequest, CompressedAsksForGzipAndDeflate) {
  RequestSpec spec;
  spec.compressed = true;
  std::string r = build_request(url("http://h/"), spec);
  EXPECT_NE(r.find("Accept: */*\r\nAccept-Encoding: deflate, gzip\r\n"), std::string::npos);
}

TEST(BuildRequest, MethodAndUserinfo) {
  RequestSpec spec;
  spec.method = "DELETE";
  std::string r = build_request(url("http://Aladdin:open%20sesame@h/x"), spec);
  EXPECT_TRUE(r.starts_with("DELETE /x HTTP/1.1\r\nHost: h\r\n"));
  EXPECT_NE(r.find("Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"), std::string::npos)
      << r;
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(CheckHeaderArg, Rules) {
  EXPECT_TRUE(check_header_arg("X-A: b"));
  EXPECT_TRUE(check_header_arg("X-A:"));
  EXPECT_TRUE(check_header_arg("X-A;"));
  EXPECT_FALSE(check_header_arg("X-A"));
  EXPECT_FALSE(check_header_arg(": b"));
  EXPECT_FALSE(check_header_arg("X A: b"));
  EXPECT_FALSE(check_header_arg("X-A: b\r\nX-Evil: 1"));
}

}  // namespace
}  // namespace wc::client
