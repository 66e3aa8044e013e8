// map_request: SCRIPT_NAME / PATH_INFO, trusted forwarded headers, underscore headers.
#include "app/request_mapping.h"

#include <gtest/gtest.h>

#include <string>

#include "http/request_parser.h"

namespace wc::app {
namespace {

struct Parsed {
  std::string bytes;
  http::RequestHead head;
};

void parse(Parsed& p, std::string text) {
  p.bytes = std::move(text);
  http::Limits limits;
  limits.underscores_in_headers = true;
  http::RequestParser parser(limits);
  size_t consumed = 0;
  ASSERT_EQ(parser.parse(p.bytes, p.head, consumed), http::ParseStatus::kDone);
}

TEST(RequestMapping, PathInfoIsPercentDecodedBytes) {
  Parsed p;
  parse(p, "GET /a%20b/%C3%A9%2Fx?q=%20 HTTP/1.1\r\nHost: h\r\n\r\n");
  MappedRequest m;
  map_request(p.head, "10.0.0.1", false, "", TrustedProxies::from({"127.0.0.1"}), m);
  EXPECT_EQ(m.error_status, 0);
  EXPECT_EQ(m.path_info, "/a b/\xC3\xA9/x");
  EXPECT_EQ(m.script_name, "");
  EXPECT_EQ(m.remote_addr, "10.0.0.1");
  EXPECT_EQ(m.url_scheme, "http");
  ASSERT_EQ(m.headers.size(), 1u);
  EXPECT_EQ(m.headers[0].first, "Host");
}

TEST(RequestMapping, ScriptNameFromEnvironmentIsRemovedFromThePath) {
  Parsed p;
  parse(p, "GET /app/users/1 HTTP/1.1\r\nHost: h\r\n\r\n");
  MappedRequest m;
  map_request(p.head, "127.0.0.1", false, "/app", TrustedProxies{}, m);
  EXPECT_EQ(m.script_name, "/app");
  EXPECT_EQ(m.path_info, "/users/1");

  parse(p, "GET /app HTTP/1.1\r\nHost: h\r\n\r\n");
  map_request(p.head, "127.0.0.1", false, "/app", TrustedProxies{}, m);
  EXPECT_EQ(m.path_info, "");
}

TEST(RequestMapping, ScriptNameHeaderWinsAndIsNotPassedOn) {
  Parsed p;
  parse(p, "GET /mount/x HTTP/1.1\r\nHost: h\r\nSCRIPT_NAME: /mount\r\nX_Evil: 1\r\n\r\n");
  MappedRequest m;
  map_request(p.head, "127.0.0.1", false, "/other", TrustedProxies{}, m);
  EXPECT_EQ(m.script_name, "/mount");
  EXPECT_EQ(m.path_info, "/x");
  ASSERT_EQ(m.headers.size(), 1u);  // X_Evil and SCRIPT_NAME dropped
  EXPECT_EQ(m.headers[0].first, "Host");
}

TEST(RequestMapping, PathOutsideScriptNameIs400) {
  Parsed p;
  parse(p, "GET /elsewhere HTTP/1.1\r\nHost: h\r\n\r\n");
  MappedRequest m;
  map_request(p.head, "127.0.0.1", false, "/app", TrustedProxies{}, m);
  EXPECT_EQ(m.error_status, 400);
  parse(p, "GET /application HTTP/1.1\r\nHost: h\r\n\r\n");
  map_request(p.head, "127.0.0.1", false, "/app", TrustedProxies{}, m);
  EXPECT_EQ(m.error_status, 400);  // a prefix of a segment is not a mount point
}

TEST(RequestMapping, ForwardedHeadersOnlyFromTrustedPeers) {
  Parsed p;
  parse(p,
        "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n"
        "X-Forwarded-Proto: https\r\n\r\n");
  const TrustedProxies trusted = TrustedProxies::from({"127.0.0.1,::1"});
  MappedRequest m;
  map_request(p.head, "127.0.0.1", false, "", trusted, m);
  EXPECT_EQ(m.remote_addr, "203.0.113.7");  // the hop the trusted proxy added
  EXPECT_EQ(m.url_scheme, "https");

  map_request(p.head, "198.51.100.1", false, "", trusted, m);
  EXPECT_EQ(m.remote_addr, "198.51.100.1");
  EXPECT_EQ(m.url_scheme, "http");
  EXPECT_EQ(m.headers.size(), 3u);  // still visible to the app as HTTP_X_FORWARDED_*
}

TEST(RequestMapping, ForwardedForSkipsTrustedHopsFromTheRight) {
  Parsed p;
  parse(p, "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.7, 10.0.0.2\r\n\r\n");
  const TrustedProxies trusted = TrustedProxies::from({"127.0.0.1", "10.0.0.2"});
  MappedRequest m;
  map_request(p.head, "127.0.0.1", false, "", trusted, m);
  EXPECT_EQ(m.remote_addr, "203.0.113.7");
}

TEST(RequestMapping, StarTrustsEveryoneAndUnixPeersAreTrusted) {
  Parsed p;
  parse(p, "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-Ssl: on\r\n\r\n");
  MappedRequest m;
  map_request(p.head, "198.51.100.1", false, "", TrustedProxies::from({"*"}), m);
  EXPECT_EQ(m.url_scheme, "https");
  map_request(p.head, "", true, "", TrustedProxies{}, m);
  EXPECT_EQ(m.url_scheme, "https");
  map_request(p.head, "198.51.100.1", false, "", TrustedProxies{}, m);
  EXPECT_EQ(m.url_scheme, "http");
}

}  // namespace
}  // namespace wc::app

namespace wc::app {
namespace {

TEST(RequestMapping, UnixSocketServerNameComesFromHost) {
  Parsed p;
  parse(p, "GET / HTTP/1.1\r\nHost: unix.test\r\n\r\n");
  MappedRequest m;
  map_request(p.head, "", true, "", TrustedProxies{}, m);
  EXPECT_EQ(m.server_name, "unix.test");
  EXPECT_EQ(m.server_port, "80");
  parse(p, "GET / HTTP/1.1\r\nHost: unix.test:8443\r\n\r\n");
  map_request(p.head, "", true, "", TrustedProxies{}, m);
  EXPECT_EQ(m.server_name, "unix.test");
  EXPECT_EQ(m.server_port, "8443");
  map_request(p.head, "127.0.0.1", false, "", TrustedProxies{}, m);
  EXPECT_EQ(m.server_name, "");  // TCP: the bound address, decided by the caller
}

}  // namespace
}  // namespace wc::app
