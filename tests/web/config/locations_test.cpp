// Location precedence: a table of URIs against one config mixing every kind, as nginx decides.
#include "web/config/locations.h"

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace wc::web::config {
namespace {

using testing::load_text;
using testing::TempDir;

constexpr const char* kConfig = R"(events {}
http {
  server {
    listen 8080;
    location = / { root /A; }
    location / { root /B; }
    location /documents/ { root /C; }
    location ^~ /images/ { root /D; }
    location ~* \.(gif|jpg|jpeg)$ { root /E; }
    location ~ ^/docs/(?<rest>.*)\.PDF$ { root /F; }
    location /nested/ {
      root /G;
      location ~ \.txt$ { root /H; }
      location /nested/deep/ { root /I; }
      location ^~ /nested/stop/ { root /K; }
    }
    location ~ \.txt$ { root /J; }
    location ~ ^/(\w+)/(\d+)$ { root /L; }
    location @fallback { root /N; }
  }
  server {
    listen 8081;
    location /only/ { root /O; }
  }
}
)";

class Locations : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = load_text(dir, kConfig);
    ASSERT_TRUE(c) << c.error().message;
    config = std::move(*c);
  }
  std::string root_for(std::string_view uri, int server = 0) {
    return find_location(*config->http.servers[server], uri, &captures).root;
  }
  TempDir dir;
  std::unique_ptr<WebConfig> config;
  Captures captures;
};

TEST_F(Locations, PrecedenceTable) {
  struct Case {
    const char* uri;
    const char* root;
  } cases[] = {
      {"/", "/A"},                    // exact wins at once
      {"/index.html", "/B"},          // only "/" prefix
      {"/documents", "/B"},           // "/documents/" does not match without its slash
      {"/documents/doc.html", "/C"},  // longest prefix
      {"/documents/a.jpg", "/E"},     // a regex beats a plain prefix
      {"/images/a.gif", "/D"},        // ^~ stops before regexes
      {"/x/a.GIF", "/E"},             // ~* is caseless
      {"/docs/file.PDF", "/F"},       // ~ is case-sensitive...
      {"/docs/file.pdf", "/B"},       // ...so this falls back to the longest prefix
      {"/nested/a.txt", "/H"},        // the chosen prefix's nested regexes come first
      {"/nested/deep/a.txt", "/H"},   // nested prefix, then the enclosing level's regexes
      {"/nested/deep/x", "/I"},       // nested longest prefix
      // A nested ^~ skips its own level's regexes only; the server level's still run (nginx keeps
      // the outer prefix's noregex flag for the outer level).
      {"/nested/stop/a.txt", "/J"},
      {"/nested/stop/a.css", "/K"},
      {"/nested/other", "/G"},
      {"/other/a.txt", "/J"},  // server-level regex
      {"/abc/123", "/L"},
  };
  for (const Case& c : cases) EXPECT_EQ(root_for(c.uri), c.root) << c.uri;
}

TEST_F(Locations, NoMatchingLocationUsesTheServerLevel) {
  const ServerConf& s = *config->http.servers[1];
  const LocationConf& l = find_location(s, "/elsewhere");
  EXPECT_EQ(&l, &s.loc);
  EXPECT_EQ(l.kind, LocationConf::Kind::kServer);
  EXPECT_EQ(root_for("/only/x", 1), "/O");
}

TEST_F(Locations, CapturesNumberedAndNamed) {
  EXPECT_EQ(root_for("/abc/123"), "/L");
  EXPECT_EQ(captures.group(0), "/abc/123");
  EXPECT_EQ(captures.group(1), "abc");
  EXPECT_EQ(captures.group(2), "123");
  EXPECT_EQ(captures.group(3), "");
  EXPECT_EQ(root_for("/docs/a/b.PDF"), "/F");
  EXPECT_EQ(captures.named("rest"), "a/b");
  EXPECT_EQ(captures.group(1), "a/b");
  EXPECT_EQ(captures.named("nope"), "");
  // A prefix result leaves no stale captures behind.
  EXPECT_EQ(root_for("/documents/x"), "/C");
  EXPECT_EQ(captures.count, 0);
  EXPECT_EQ(captures.group(1), "");
}

TEST_F(Locations, NamedLocationsAreOnlyFoundByName) {
  const ServerConf& s = *config->http.servers[0];
  const LocationConf* n = find_named_location(s, "@fallback");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->root, "/N");
  EXPECT_EQ(find_named_location(s, "@missing"), nullptr);
  EXPECT_EQ(&find_location(s, "@fallback"), &s.loc);  // not a URI any location matches
}

TEST_F(Locations, GluedModifiers) {
  TempDir d;
  auto c = load_text(d,
                     "events {}\nhttp { server { listen 8080; location =/x { root /X; } "
                     "location ~*\\.CSS$ { root /S; } location ^~/i/ { root /I; } } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const ServerConf& s = *(*c)->http.servers[0];
  EXPECT_EQ(find_location(s, "/x").root, "/X");
  EXPECT_EQ(find_location(s, "/a.css").root, "/S");
  EXPECT_EQ(find_location(s, "/i/a.css").root, "/I");
}

}  // namespace
}  // namespace wc::web::config
