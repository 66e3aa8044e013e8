// Server selection by Host and listen address, in nginx's order.
#include "web/config/server_names.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace wc::web::config {
namespace {

using testing::load_text;
using testing::TempDir;

constexpr const char* kConfig = R"(events {}
http {
  server { listen 8080; server_name example.com www.example.com; root /S1; }
  server { listen 8080; server_name *.example.com; root /S2; }
  server { listen 8080; server_name *.sub.example.com; root /S3; }
  server { listen 8080; server_name www.example.*; root /S4; }
  server { listen 8080; server_name ~^(?<user>[a-z]+)\.users\.test$; root /S5; }
  server { listen 8080; server_name .bare.test; root /S6; }
  server { listen 8080; server_name ""; root /S7; }
  server { listen 8080; server_name ~^www\d+\.example\.net$ late.test; root /S8; }
  server { listen 8081; server_name a; root /A; }
  server { listen 8081 default_server; server_name b; root /B; }
}
)";

class ServerNames : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = load_text(dir, kConfig);
    ASSERT_TRUE(c) << c.error().message;
    config = std::move(*c);
  }
  std::string pick(std::string_view host, size_t group = 0) {
    const auto& groups = listen_sockets(*config);
    return select_server(groups.at(group), host, &captures).loc.root;
  }
  TempDir dir;
  std::unique_ptr<WebConfig> config;
  Captures captures;
};

TEST_F(ServerNames, GroupsByAddressAndPort) {
  const auto& groups = listen_sockets(*config);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].listen.addr_text, "0.0.0.0:8080");
  EXPECT_EQ(groups[0].servers.size(), 8u);
  EXPECT_EQ(groups[0].default_server->loc.root, "/S1");
  EXPECT_EQ(groups[1].listen.addr_text, "0.0.0.0:8081");
  EXPECT_EQ(groups[1].default_server->loc.root, "/B");
  EXPECT_TRUE(groups[1].listen.default_server);
  EXPECT_TRUE(groups[0].bind);
}

TEST_F(ServerNames, NginxOrder) {
  struct Case {
    const char* host;
    const char* root;
  } cases[] = {
      {"example.com", "/S1"},        {"EXAMPLE.com", "/S1"},  // case-insensitive
      {"example.com.", "/S1"},                                // trailing dot
      {"example.com:8080", "/S1"},                            // port
      {"www.example.com", "/S1"},                             // exact beats wildcards
      {"api.example.com", "/S2"},                             // leading wildcard
      {"a.b.example.com", "/S2"},                             // which covers several labels
      {"x.sub.example.com", "/S3"},                           // the longest leading wildcard wins
      {"www.example.org", "/S4"},                             // trailing wildcard
      {"www.example.com.au", "/S4"}, {"bob.users.test", "/S5"},  // regex
      {"bare.test", "/S6"},                        // ".bare.test" also matches the bare name
      {"a.bare.test", "/S6"},        {"", "/S7"},  // no Host matches server_name ""
      {"www7.example.net", "/S8"},   {"late.test", "/S8"},
      {"unknown.test", "/S1"},  // else the first server of the address:port
      {"[::1]:8080", "/S1"},
  };
  for (const Case& c : cases) EXPECT_EQ(pick(c.host), c.root) << c.host;
}

TEST_F(ServerNames, DefaultServerFlagAndCaptures) {
  EXPECT_EQ(pick("a", 1), "/A");
  EXPECT_EQ(pick("zzz", 1), "/B");
  EXPECT_EQ(pick("Bob.users.test:8080"), "/S5");
  EXPECT_EQ(captures.named("user"), "Bob");  // a view into the caller's Host, case kept
  EXPECT_EQ(pick("example.com"), "/S1");
  EXPECT_EQ(captures.count, 0);
}

TEST_F(ServerNames, SpecificAddressOnAWildcardPort) {
  TempDir d;
  auto c = load_text(d,
                     "events {}\nhttp {\n server { listen 9090; root /W; }\n"
                     " server { listen 127.0.0.2:9090; root /L; }\n"
                     " server { listen 127.0.0.3:9090 bind; root /M; } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const auto& groups = listen_sockets(**c);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_TRUE(groups[0].bind);
  EXPECT_FALSE(groups[1].bind);  // reached through the wildcard socket
  EXPECT_TRUE(groups[2].bind);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(9090);
  inet_pton(AF_INET, "127.0.0.2", &local.sin_addr);
  const ListenGroup& g = find_listen_group(**c, groups[0], reinterpret_cast<sockaddr*>(&local));
  EXPECT_EQ(&g, &groups[1]);
  EXPECT_EQ(select_server(g, "x").loc.root, "/L");
  inet_pton(AF_INET, "127.0.0.9", &local.sin_addr);
  EXPECT_EQ(&find_listen_group(**c, groups[0], reinterpret_cast<sockaddr*>(&local)), &groups[0]);
}

TEST_F(ServerNames, ConflictingExactNameWarns) {
  TempDir d;
  auto c = load_text(d,
                     "events {}\nhttp {\n server { listen 9090; server_name a.test; root /1; }\n"
                     " server { listen 9090; server_name a.test; root /2; } }\n");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ((*c)->warnings.size(), 1u);
  EXPECT_EQ((*c)->warnings[0], "conflicting server name \"a.test\" on 0.0.0.0:9090, ignored");
  EXPECT_EQ(select_server(listen_sockets(**c)[0], "a.test").loc.root, "/1");
}

TEST_F(ServerNames, InvalidWildcards) {
  TempDir d;
  auto e = load_text(d, "events {}\nhttp {\nserver {\nserver_name www.*.com;\n}\n}\n");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "invalid server name or wildcard \"www.*.com\" in " + d.path() +
                                   "conf/webcycle.conf:4");
}

}  // namespace
}  // namespace wc::web::config
