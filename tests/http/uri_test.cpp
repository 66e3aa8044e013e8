#include "http/uri.h"

#include <gtest/gtest.h>

#include <string>

namespace wc::http {
namespace {

std::string norm(std::string_view raw) {
  std::string out;
  Status s = normalize_path(raw, out);
  return s ? out : "ERR";
}

TEST(NormalizePath, LeavesNormalPathsAlone) {
  EXPECT_EQ(norm("/"), "/");
  EXPECT_EQ(norm("/index.html"), "/index.html");
  EXPECT_EQ(norm("/a/b/"), "/a/b/");
  EXPECT_EQ(norm("/a/.../b"), "/a/.../b");
  EXPECT_EQ(norm("/a/..b/.c"), "/a/..b/.c");
  EXPECT_TRUE(is_normal_path("/a/b.html"));
  EXPECT_TRUE(is_normal_path("/a/..b/.c/"));
  EXPECT_FALSE(is_normal_path("/a//b"));
  EXPECT_FALSE(is_normal_path("/a/./b"));
  EXPECT_FALSE(is_normal_path("/a/.."));
  EXPECT_FALSE(is_normal_path("/a/%41"));
  EXPECT_FALSE(is_normal_path("a"));
}

TEST(NormalizePath, DecodesAndMerges) {
  EXPECT_EQ(norm("/a%20b"), "/a b");
  EXPECT_EQ(norm("/%41%42%43"), "/ABC");
  EXPECT_EQ(norm("/a+b"), "/a+b");
  EXPECT_EQ(norm("//a///b//"), "/a/b/");
  EXPECT_EQ(norm("/%252e%252e/x"), "/%2e%2e/x");  // decoded once only
  EXPECT_EQ(norm("/caf%C3%A9"), "/caf\xc3\xa9");
}

TEST(NormalizePath, MergeSlashesOffKeepsThem) {
  auto keep = [](std::string_view raw) {
    std::string out;
    return normalize_path(raw, out, false) ? out : std::string("ERR");
  };
  EXPECT_EQ(keep("//a///b//"), "//a///b//");
  EXPECT_EQ(keep("/a//./b"), "/a//b");
  EXPECT_EQ(keep("/a/%2F/b"), "/a///b");
  EXPECT_EQ(keep("/a/b/../c"), "/a/c");
  EXPECT_EQ(keep("/"), "/");
}

TEST(NormalizePath, ResolvesDotSegments) {
  EXPECT_EQ(norm("/a/./b"), "/a/b");
  EXPECT_EQ(norm("/a/."), "/a/");
  EXPECT_EQ(norm("/a/b/../c"), "/a/c");
  EXPECT_EQ(norm("/a/b/.."), "/a/");
  EXPECT_EQ(norm("/a/.."), "/");
  EXPECT_EQ(norm("/a/b/../../c/./d/"), "/c/d/");
  EXPECT_EQ(norm("/."), "/");
  EXPECT_EQ(norm("/./"), "/");
}

TEST(NormalizePath, NeverClimbsAboveRoot) {
  EXPECT_EQ(norm("/.."), "ERR");
  EXPECT_EQ(norm("/../etc/passwd"), "ERR");
  EXPECT_EQ(norm("/a/../../etc/passwd"), "ERR");
  EXPECT_EQ(norm("/%2e%2e/etc/passwd"), "ERR");
  EXPECT_EQ(norm("/%2E%2E%2Fetc%2Fpasswd"), "ERR");
  EXPECT_EQ(norm("/a%2f..%2f..%2fetc"), "ERR");
  EXPECT_EQ(norm("/a/.%2e/.%2E/x"), "ERR");
  EXPECT_EQ(norm("/a%2f%2e%2e"), "/");
  // Overlong UTF-8 for '.' and '/' stays two opaque bytes: no traversal, no error.
  EXPECT_EQ(norm("/%c0%ae%c0%ae/x"), "/\xc0\xae\xc0\xae/x");
  EXPECT_EQ(norm("/..%c0%afetc"),
            "/..\xc0\xaf"
            "etc");
}

TEST(NormalizePath, RejectsBadInput) {
  EXPECT_EQ(norm(""), "ERR");
  EXPECT_EQ(norm("a/b"), "ERR");
  EXPECT_EQ(norm("/a%"), "ERR");
  EXPECT_EQ(norm("/a%2"), "ERR");
  EXPECT_EQ(norm("/a%zz"), "ERR");
  EXPECT_EQ(norm("/a%00b"), "ERR");
}

TEST(SplitTarget, Forms) {
  auto o = split_target("/p?q#f", Method::kGet);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->form, TargetForm::kOrigin);
  EXPECT_EQ(o->path, "/p");
  EXPECT_EQ(o->query, "q");
  auto a = split_target("https://u@h.example:8443?x", Method::kGet);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->form, TargetForm::kAbsolute);
  EXPECT_EQ(a->scheme, "https");
  EXPECT_EQ(a->authority, "u@h.example:8443");
  EXPECT_EQ(a->path, "/");
  EXPECT_EQ(a->query, "x");
  auto c = split_target("h.example:443", Method::kConnect);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->form, TargetForm::kAuthority);
  auto s = split_target("*", Method::kOptions);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->form, TargetForm::kAsterisk);
  EXPECT_FALSE(split_target("*", Method::kGet));
  EXPECT_FALSE(split_target("h:443", Method::kGet));
  EXPECT_FALSE(split_target("/x", Method::kConnect));
  EXPECT_FALSE(split_target("h", Method::kConnect));
  EXPECT_FALSE(split_target("http://", Method::kGet));
  EXPECT_FALSE(split_target("http://a b/", Method::kGet));
  EXPECT_FALSE(split_target("1http://h/", Method::kGet));
  EXPECT_FALSE(split_target("", Method::kGet));
}

TEST(Authority, Validation) {
  EXPECT_TRUE(is_valid_authority("example.com", false));
  EXPECT_TRUE(is_valid_authority("example.com:80", false));
  EXPECT_TRUE(is_valid_authority("[::1]:8080", false));
  EXPECT_TRUE(is_valid_authority("0.0.0.0=5000", false));
  EXPECT_TRUE(is_valid_authority("u:p@h", true));
  EXPECT_FALSE(is_valid_authority("u:p@h", false));
  EXPECT_FALSE(is_valid_authority("", false));
  EXPECT_FALSE(is_valid_authority(":80", false));
  EXPECT_FALSE(is_valid_authority("h:8x", false));
  EXPECT_FALSE(is_valid_authority("a/b", false));
  EXPECT_FALSE(is_valid_authority("[::1", false));
  EXPECT_FALSE(is_valid_authority("]x", false));
}

TEST(Escape, Kinds) {
  std::string out;
  escape_uri("/a b/c?d#e%f", out);
  EXPECT_EQ(out, "/a%20b/c%3Fd%23e%25f");
  out.clear();
  escape_uri("/caf\xc3\xa9\x01", out);
  EXPECT_EQ(out, "/caf%C3%A9%01");
  out.clear();
  escape_uri("a=b&c+d;e", out, Escape::kArgs);
  EXPECT_EQ(out, "a=b%26c%2Bd%3Be");
  out.clear();
  percent_encode("a/b c~", out);
  EXPECT_EQ(out, "a%2Fb%20c~");
  out.clear();
  escape_uri("<a href='x'>", out, Escape::kHtml);
  EXPECT_EQ(out, "%3Ca%20href=%27x%27%3E");
  EXPECT_FALSE(needs_escape("/plain/path.html"));
  EXPECT_TRUE(needs_escape("/with space"));
}

TEST(Escape, DecodeRoundTrip) {
  std::string enc, dec;
  const std::string raw = "/x y/\xff\x01?#%";
  percent_encode(raw, enc);
  percent_decode(enc, dec);
  EXPECT_EQ(dec, raw);
  dec.clear();
  percent_decode("%zz%4", dec);  // invalid escapes are kept as they are
  EXPECT_EQ(dec, "%zz%4");
}

}  // namespace
}  // namespace wc::http
