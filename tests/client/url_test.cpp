#include "client/url.h"

#include <gtest/gtest.h>

#include <string>

namespace wc::client {
namespace {

TEST(ParseUrl, Parts) {
  auto u = parse_url("http://www.mysite.test/a/b?x=1#frag");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "www.mysite.test");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/a/b?x=1");
  EXPECT_EQ(u->authority(), "www.mysite.test");
  EXPECT_EQ(u->to_string(), "http://www.mysite.test/a/b?x=1");
}

TEST(ParseUrl, DefaultsAndCase) {
  auto u = parse_url("HTTP://WWW.Example.COM");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "www.example.com");
  EXPECT_EQ(u->target, "/");
  u = parse_url("http://example.com?q");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target, "/?q");
  u = parse_url("http://example.com:/x");  // an empty port is the default, as curl reads it
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
}

TEST(ParseUrl, Ports) {
  auto u = parse_url("http://127.0.0.1:8080/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->authority(), "127.0.0.1:8080");
  u = parse_url("http://example.com:80/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->authority(), "example.com");
  EXPECT_FALSE(parse_url("http://example.com:0/"));
  EXPECT_FALSE(parse_url("http://example.com:65536/"));
  EXPECT_FALSE(parse_url("http://example.com:8o/"));
  EXPECT_FALSE(parse_url("http://example.com:123456/"));
  EXPECT_TRUE(parse_url("http://example.com:65535/"));
}

TEST(ParseUrl, Ipv6) {
  auto u = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->ipv6);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->authority(), "[::1]:8080");
  EXPECT_EQ(u->to_string(), "http://[::1]:8080/x");
  EXPECT_FALSE(parse_url("http://[::1/"));
  EXPECT_FALSE(parse_url("http://[nothex]/"));
  EXPECT_FALSE(parse_url("http://[::1]x/"));
}

TEST(ParseUrl, Userinfo) {
  auto u = parse_url("http://user:pa%20ss@example.com/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->userinfo, "user:pa%20ss");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->to_string(), "http://example.com/");
}

TEST(ParseUrl, Errors) {
  auto kind = [](std::string_view s) {
    auto u = parse_url(s);
    return u ? std::string("ok") : u.error().kind == UrlError::kUnsupported ? "1" : "3";
  };
  EXPECT_EQ(kind("https://example.com/"), "ok");
  EXPECT_EQ(kind("ftp://example.com/"), "1");
  EXPECT_EQ(kind("gopher://example.com/"), "1");
  EXPECT_EQ(kind("http://"), "3");
  EXPECT_EQ(kind("http:///path"), "3");
  EXPECT_EQ(kind("http:example.com"), "3");
  EXPECT_EQ(kind("example.com"), "3");
  EXPECT_EQ(kind("http://exa mple.com/"), "3");
  EXPECT_EQ(kind("http://ex<ample.com/"), "3");
  EXPECT_EQ(kind("http://:80/"), "3");
  auto https = parse_url("https://example.com/");
  ASSERT_TRUE(https);
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->to_string(), "https://example.com/");
}

TEST(ParseUrl, PathIsNormalizedAndEscaped) {
  EXPECT_EQ(parse_url("http://h/a/./b/../c")->target, "/a/c");
  EXPECT_EQ(parse_url("http://h/../../x")->target, "/x");
  EXPECT_EQ(parse_url("http://h/a b")->target, "/a%20b");
  EXPECT_EQ(parse_url("http://h/caf\xc3\xa9?q=\xc3\xa9 x")->target, "/caf%C3%A9?q=%C3%A9%20x");
  EXPECT_EQ(parse_url("http://h/%41?a=%2F")->target, "/%41?a=%2F");  // escapes kept as written
}

// RFC 3986 5.4's examples, base "http://a/b/c/d;p?q".
TEST(ResolveReference, Rfc3986Normal) {
  const char* base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (auto [ref, want] : cases) EXPECT_EQ(resolve_reference(base, ref), want) << ref;
}

TEST(ResolveReference, Rfc3986Abnormal) {
  const char* base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
      {"http:g", "http:g"},
  };
  for (auto [ref, want] : cases) EXPECT_EQ(resolve_reference(base, ref), want) << ref;
}

TEST(ResolveReference, RedirectsAsServersSendThem) {
  EXPECT_EQ(resolve_reference("http://h:8080/a/b", "/c"), "http://h:8080/c");
  EXPECT_EQ(resolve_reference("http://h:8080/a/b", "c"), "http://h:8080/a/c");
  EXPECT_EQ(resolve_reference("http://h:8080/a/b", "http://other/x"), "http://other/x");
  EXPECT_EQ(resolve_reference("http://h:8080/a/b", "//other:81/x"), "http://other:81/x");
  EXPECT_EQ(resolve_reference("http://h", "x"), "http://h/x");
  EXPECT_EQ(resolve_reference("http://h/a", "  /padded  "), "http://h/padded");
}

TEST(Url, SameOrigin) {
  auto a = parse_url("http://h:81/a");
  auto b = parse_url("http://H:81/b");
  auto c = parse_url("http://h:82/a");
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(a->same_origin(*b));
  EXPECT_FALSE(a->same_origin(*c));
}

}  // namespace
}  // namespace wc::client
