// `upstream` blocks, proxy_pass and the inherited proxy_* directives: what they parse into, how
// they merge down http -> server -> location, and nginx 1.22's messages (checked against
// Debian's nginx -t). Host names: only numeric addresses and "localhost" (no resolver asked).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/un.h>

#include "config_test_util.h"

namespace wc::web::config {
namespace {

using testing::kEvents;
using testing::load_error;
using testing::load_text;
using testing::TempDir;

class Proxy : public ::testing::Test {
 protected:
  std::string conf() const { return dir.path() + "conf/webcycle.conf"; }
  std::string at(int line) const { return " in " + conf() + ":" + std::to_string(line); }
  // The config `events {}\nhttp {\n` BODY `\n}\n`: BODY starts on line 3.
  static std::string http(const std::string& body) {
    return std::string(kEvents) + "http {\n" + body + "\n}\n";
  }
  Result<std::unique_ptr<WebConfig>> load(const std::string& body) {
    return load_text(dir, http(body));
  }
  std::string error(const std::string& body) { return load_error(dir, http(body)); }
  // Loads with the resolver off (what a name that does not resolve gives, without asking DNS).
  std::string error_no_resolve(const std::string& body) {
    std::string path = dir.write("conf/webcycle.conf", http(body));
    LoadOptions o;
    o.conf_file = path;
    o.prefix = dir.path();
    o.resolve_names = false;
    auto r = load_config(o);
    return r ? std::string() : r.error().message;
  }
  TempDir dir;
};

// The location tree's first server's location number i (config order, top level).
const LocationConf& loc(const WebConfig& w, size_t i, size_t server = 0) {
  return *w.http.servers.at(server)->loc.nested.at(i);
}

const UpstreamConf* find_upstream(const WebConfig& w, std::string_view name) {
  for (const auto& u : w.http.upstreams) {
    if (u->name == name) return u.get();
  }
  return nullptr;
}

uint16_t port_of(const UpstreamServer& s) {
  if (s.addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&s.addr)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&s.addr)->sin6_port);
}

// ---- upstream blocks ---------------------------------------------------------------------------

TEST_F(Proxy, UpstreamBlockParsesEveryParameter) {
  auto c = load(
      "upstream app {\n"
      "  least_conn;\n"
      "  server 127.0.0.1:8001 weight=3 max_fails=0 fail_timeout=1m;\n"
      "  server 127.0.0.1 backup;\n"
      "  server [::1]:8002 down;\n"
      "  server unix:/run/app.sock;\n"
      "  keepalive 16;\n"
      "  keepalive_timeout 30s;\n"
      "  keepalive_requests 500;\n"
      "}\n");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  ASSERT_EQ(w.http.upstreams.size(), 1u);
  const UpstreamConf& u = *w.http.upstreams[0];
  EXPECT_EQ(u.name, "app");
  EXPECT_FALSE(u.implicit);
  EXPECT_EQ(u.file, conf());
  EXPECT_EQ(u.line, 3);
  EXPECT_EQ(u.balance, UpstreamConf::Balance::kLeastConn);
  EXPECT_EQ(u.keepalive, 16);
  EXPECT_EQ(u.keepalive_timeout_ms, 30000);
  EXPECT_EQ(u.keepalive_requests, 500);
  ASSERT_EQ(u.servers.size(), 4u);

  const UpstreamServer& a = u.servers[0];
  EXPECT_EQ(a.addr_text, "127.0.0.1:8001");
  EXPECT_EQ(a.addr.ss_family, AF_INET);
  EXPECT_EQ(a.addr_len, sizeof(sockaddr_in));
  EXPECT_EQ(port_of(a), 8001);
  EXPECT_EQ(a.weight, 3);
  EXPECT_EQ(a.max_fails, 0);
  EXPECT_EQ(a.fail_timeout_ms, 60000);
  EXPECT_FALSE(a.backup);
  EXPECT_FALSE(a.down);

  const UpstreamServer& b = u.servers[1];  // port 80 by default, nginx's defaults
  EXPECT_EQ(b.addr_text, "127.0.0.1:80");
  EXPECT_EQ(b.weight, 1);
  EXPECT_EQ(b.max_fails, 1);
  EXPECT_EQ(b.fail_timeout_ms, 10000);
  EXPECT_TRUE(b.backup);

  const UpstreamServer& v6 = u.servers[2];
  EXPECT_EQ(v6.addr_text, "[::1]:8002");
  EXPECT_EQ(v6.addr.ss_family, AF_INET6);
  EXPECT_EQ(port_of(v6), 8002);
  EXPECT_TRUE(v6.down);

  const UpstreamServer& ux = u.servers[3];
  EXPECT_EQ(ux.addr_text, "unix:/run/app.sock");
  EXPECT_EQ(ux.addr.ss_family, AF_UNIX);
  EXPECT_STREQ(reinterpret_cast<const sockaddr_un*>(&ux.addr)->sun_path, "/run/app.sock");
}

TEST_F(Proxy, UpstreamDefaults) {
  auto c = load("upstream app { server 127.0.0.1:8000; }");
  ASSERT_TRUE(c) << c.error().message;
  const UpstreamConf& u = *(*c)->http.upstreams.at(0);
  EXPECT_EQ(u.balance, UpstreamConf::Balance::kRoundRobin);
  EXPECT_EQ(u.keepalive, 0);
  EXPECT_EQ(u.keepalive_timeout_ms, 60000);
  EXPECT_EQ(u.keepalive_requests, 1000);
}

TEST_F(Proxy, HostNameGivesEveryAddress) {
  auto c = load("upstream app { server localhost:8000 weight=2; }");
  ASSERT_TRUE(c) << c.error().message;
  const UpstreamConf& u = *(*c)->http.upstreams.at(0);
  ASSERT_FALSE(u.servers.empty());
  // IPv4 addresses first, as nginx's ngx_inet_resolve_host.
  EXPECT_EQ(u.servers[0].addr_text, "127.0.0.1:8000");
  for (const UpstreamServer& s : u.servers) {
    EXPECT_TRUE(s.addr_text == "127.0.0.1:8000" || s.addr_text == "[::1]:8000") << s.addr_text;
    EXPECT_EQ(s.weight, 2);
  }
}

TEST_F(Proxy, ResolveNamesAreKeptForTheWorkers) {
  // Not looked up at load time (the name does not exist): each worker resolves it while running.
  auto c = load(
      "resolver 127.0.0.1:5353 [::1] valid=3s ipv6=off; resolver_timeout 4s;\n"
      "upstream app { server app.nowhere.test:8000 resolve weight=3 max_fails=2; "
      "server 127.0.0.1:9 resolve; server backup.nowhere.test resolve backup; }\n"
      "upstream own { resolver 10.0.0.53; server x.nowhere.test:1 resolve; }");
  ASSERT_TRUE(c) << c.error().message;
  const HttpConf& h = (*c)->http;
  EXPECT_TRUE(h.resolver.set);
  EXPECT_EQ(h.resolver.addresses, (std::vector<std::string>{"127.0.0.1:5353", "[::1]:53"}));
  EXPECT_EQ(h.resolver.valid_ms, 3000);
  EXPECT_TRUE(h.resolver.ipv4);
  EXPECT_FALSE(h.resolver.ipv6);
  EXPECT_EQ(h.resolver.timeout_ms, 4000);
  const UpstreamConf* app = find_upstream(**c, "app");
  ASSERT_NE(app, nullptr);
  // An address with `resolve` is a fixed server, as nginx.
  ASSERT_EQ(app->servers.size(), 1u);
  EXPECT_EQ(app->servers[0].addr_text, "127.0.0.1:9");
  ASSERT_EQ(app->resolved.size(), 2u);
  EXPECT_EQ(app->resolved[0].host, "app.nowhere.test");
  EXPECT_EQ(app->resolved[0].port, 8000);
  EXPECT_EQ(app->resolved[0].proto.weight, 3);
  EXPECT_EQ(app->resolved[0].proto.max_fails, 2);
  EXPECT_EQ(app->resolved[1].port, 80);
  EXPECT_TRUE(app->resolved[1].proto.backup);
  EXPECT_FALSE(app->resolver.set);
  const UpstreamConf* own = find_upstream(**c, "own");
  ASSERT_NE(own, nullptr);
  EXPECT_TRUE(own->servers.empty());
  EXPECT_EQ(own->resolver.addresses, (std::vector<std::string>{"10.0.0.53:53"}));
}

TEST_F(Proxy, ResolverErrors) {
  EXPECT_EQ(error("resolver dns.example;"),
            "invalid resolver address \"dns.example\" (webcycle takes IP addresses, with an "
            "optional port)" +
                at(3));
  EXPECT_EQ(error("resolver 127.0.0.1 valid=x;"), "invalid parameter \"valid=x\"" + at(3));
  EXPECT_EQ(error("resolver valid=1s;"),
            "invalid number of arguments in \"resolver\" directive" + at(3));
  EXPECT_EQ(error("resolver 127.0.0.1 ipv4=off ipv6=off;"),
            "\"ipv4\" and \"ipv6\" cannot both be \"off\"" + at(3));
  EXPECT_EQ(error("resolver 127.0.0.1; resolver 127.0.0.2;"),
            "\"resolver\" directive is duplicate" + at(3));
  EXPECT_EQ(error("server { resolver 127.0.0.1; }"),
            "\"resolver\" directive is not supported yet at server or location level" + at(3));
  // Only backup servers, resolved or not, is no upstream at all (nginx's check).
  EXPECT_EQ(error("upstream a { server a.nowhere.test resolve backup; }"),
            "no servers in upstream \"a\"" + at(3));
}

TEST_F(Proxy, BackupWithLeastConnIsAllowed) {
  auto c = load("upstream app { least_conn; server 127.0.0.1:1; server 127.0.0.1:2 backup; }");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE((*c)->http.upstreams[0]->servers[1].backup);
}

TEST_F(Proxy, UpstreamErrors) {
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1; }\nupstream A { server 127.0.0.1:2; }"),
            "duplicate upstream \"A\"" + at(4));
  EXPECT_EQ(error("upstream a {\n}"), "no servers are inside upstream" + at(4));
  EXPECT_EQ(error("upstream a\n{\nserver 127.0.0.1:1 backup;\n}"),
            "no servers in upstream \"a\"" + at(4));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 weight=0; }"),
            "invalid parameter \"weight=0\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 weight=x; }"),
            "invalid parameter \"weight=x\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 WEIGHT=2; }"),
            "invalid parameter \"WEIGHT=2\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 max_fails=x; }"),
            "invalid parameter \"max_fails=x\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 fail_timeout=500ms; }"),
            "invalid parameter \"fail_timeout=500ms\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 Resolve; }"),
            "invalid parameter \"Resolve\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 Backup; }"),
            "invalid parameter \"Backup\"" + at(3));
  // Parameters are checked before the address, as nginx.
  EXPECT_EQ(error("upstream a { server 127.0.0.1:0 bogus; }"),
            "invalid parameter \"bogus\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 max_conns=2; }"),
            "the \"max_conns\" parameter of the \"server\" directive is not supported yet" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:99999; }"),
            "invalid port in upstream \"127.0.0.1:99999\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:; }"),
            "invalid port in upstream \"127.0.0.1:\"" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1/x; }"),
            "invalid host in upstream \"127.0.0.1:1/x\"" + at(3));
  EXPECT_EQ(error("upstream a { server http://127.0.0.1:1; }"),
            "invalid host in upstream \"http://127.0.0.1:1\"" + at(3));
  EXPECT_EQ(error("upstream a { server [::1:1; }"), "invalid host in upstream \"[::1:1\"" + at(3));
  EXPECT_EQ(error("upstream a { server [::1]x; }"), "invalid host in upstream \"[::1]x\"" + at(3));
  EXPECT_EQ(error("upstream a { server [zz]:1; }"),
            "invalid IPv6 address in upstream \"[zz]:1\"" + at(3));
  EXPECT_EQ(error("upstream a { server unix:; }"),
            "no path in the unix domain socket in upstream \"unix:\"" + at(3));
  EXPECT_EQ(error("upstream a { server unix:/" + std::string(120, 'a') + "; }"),
            "too long path in the unix domain socket in upstream \"unix:/" + std::string(120, 'a') +
                "\"" + at(3));
  EXPECT_EQ(error("upstream a { server :80; }"), "no host in upstream \":80\"" + at(3));
  EXPECT_EQ(error_no_resolve("upstream a { server app.example:1; }"),
            "host not found in upstream \"app.example:1\"" + at(3));
  EXPECT_EQ(error("upstream a { keepalive 0; server 127.0.0.1:1; }"),
            "invalid value \"0\" in \"keepalive\" directive" + at(3));
  EXPECT_EQ(error("upstream a { keepalive 2; keepalive 3; server 127.0.0.1:1; }"),
            "\"keepalive\" directive is duplicate" + at(3));
  EXPECT_EQ(error("upstream a { keepalive_timeout 2x; server 127.0.0.1:1; }"),
            "\"keepalive_timeout\" directive invalid value" + at(3));
  EXPECT_EQ(error("upstream a { keepalive_timeout 2; keepalive_timeout 3; server 127.0.0.1:1; }"),
            "\"keepalive_timeout\" directive is duplicate" + at(3));
  EXPECT_EQ(error("upstream a { keepalive_requests x; server 127.0.0.1:1; }"),
            "\"keepalive_requests\" directive invalid number" + at(3));
  EXPECT_EQ(error("upstream a { least_conn x; server 127.0.0.1:1; }"),
            "invalid number of arguments in \"least_conn\" directive" + at(3));
  EXPECT_EQ(error("upstream a { server; }"),
            "invalid number of arguments in \"server\" directive" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1 { } }"),
            "directive \"server\" is not terminated by \";\"" + at(3));
  EXPECT_EQ(error("upstream a { root x; server 127.0.0.1:1; }"),
            "\"root\" directive is not allowed here" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1; location / {} }"),
            "\"location\" directive is not allowed here" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1; upstream b {} }"),
            "\"upstream\" directive is not allowed here" + at(3));
  EXPECT_EQ(error("server { upstream a { server 127.0.0.1:1; } }"),
            "\"upstream\" directive is not allowed here" + at(3));
  EXPECT_EQ(error("upstream a b { server 127.0.0.1:1; }"),
            "invalid number of arguments in \"upstream\" directive" + at(3));
  EXPECT_EQ(error("upstream a;"), "directive \"upstream\" has no opening \"{\"" + at(3));
  // What nginx has and webcycle does not yet.
  EXPECT_EQ(error("upstream a { hash $uri; server 127.0.0.1:1; }"),
            "\"hash\" directive is not supported yet" + at(3));
  EXPECT_EQ(error("upstream a { server 127.0.0.1:1; keepalive_time 1h; }"),
            "\"keepalive_time\" directive is not supported yet" + at(3));
}

TEST_F(Proxy, LoadBalancingMethodRedefinedWarns) {
  for (const char* body : {"upstream a { least_conn; least_conn; server 127.0.0.1:1; }",
                           "upstream a { keepalive 2; least_conn; server 127.0.0.1:1; }"}) {
    auto c = load(body);
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ((*c)->warnings.size(), 1u) << body;
    EXPECT_EQ((*c)->warnings[0], "load balancing method redefined" + at(3));
    EXPECT_EQ((*c)->http.upstreams[0]->balance, UpstreamConf::Balance::kLeastConn);
  }
  // keepalive after least_conn: no warning (nginx's documented order).
  auto c = load("upstream a { least_conn; keepalive 2; server 127.0.0.1:1; }");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE((*c)->warnings.empty());
  EXPECT_EQ((*c)->http.upstreams[0]->keepalive, 2);
}

// ---- proxy_pass ----------------------------------------------------------------------------

TEST_F(Proxy, ProxyPassToAddressMakesAnImplicitUpstream) {
  auto c = load(
      "server {\n"
      "  location /a/ { proxy_pass http://127.0.0.1:8000/app/; }\n"
      "  location /b { proxy_pass http://127.0.0.1:8000; }\n"
      "  location /c { proxy_pass http://127.0.0.1:8001?x=1; }\n"
      "}");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  // One upstream per HOST:PORT, shared.
  ASSERT_EQ(w.http.upstreams.size(), 2u);
  const UpstreamConf& u = *w.http.upstreams[0];
  EXPECT_TRUE(u.implicit);
  EXPECT_EQ(u.name, "127.0.0.1:8000");
  EXPECT_EQ(u.line, 4);
  ASSERT_EQ(u.servers.size(), 1u);
  EXPECT_EQ(u.servers[0].addr_text, "127.0.0.1:8000");
  EXPECT_EQ(u.servers[0].weight, 1);
  EXPECT_EQ(u.servers[0].max_fails, 1);
  EXPECT_EQ(u.servers[0].fail_timeout_ms, 10000);

  const ProxyConf& a = loc(w, 0).proxy;
  EXPECT_TRUE(a.pass);
  EXPECT_EQ(a.pass_text, "http://127.0.0.1:8000/app/");
  EXPECT_EQ(a.upstream, &u);
  EXPECT_EQ(a.host, "127.0.0.1:8000");
  EXPECT_EQ(a.port, "8000");
  EXPECT_TRUE(a.has_uri);
  EXPECT_EQ(a.uri, "/app/");

  const ProxyConf& b = loc(w, 1).proxy;
  EXPECT_EQ(b.upstream, &u);
  EXPECT_FALSE(b.has_uri);
  EXPECT_EQ(b.uri, "");

  const ProxyConf& cc = loc(w, 2).proxy;
  EXPECT_EQ(cc.upstream, w.http.upstreams[1].get());
  EXPECT_EQ(cc.upstream->name, "127.0.0.1:8001");
  EXPECT_TRUE(cc.has_uri);
  EXPECT_EQ(cc.uri, "?x=1");
}

TEST_F(Proxy, ProxyHostAndPortAsNginxSetsThem) {
  auto c = load(
      "server {\n"
      "  location /1 { proxy_pass http://127.0.0.1; }\n"
      "  location /2 { proxy_pass http://127.0.0.1:80/; }\n"
      "  location /3 { proxy_pass http://Localhost:8080; }\n"
      "  location /4 { proxy_pass http://[::1]:9000/x; }\n"
      "  location /5 { proxy_pass http://unix:/run/app.sock:/api; }\n"
      "  location /6 { proxy_pass http://unix:/run/app.sock; }\n"
      "  location /7 { proxy_pass HTTP://[::1]; }\n"
      "}");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  struct Want {
    const char* host;
    const char* port;
    bool has_uri;
    const char* uri;
  };
  const Want want[] = {
      {"127.0.0.1", "80", false, ""},
      {"127.0.0.1", "80", true, "/"},
      {"Localhost:8080", "8080", false, ""},
      {"[::1]:9000", "9000", true, "/x"},
      {"localhost", "", true, "/api"},
      {"localhost", "", false, ""},
      {"[::1]", "80", false, ""},
  };
  for (size_t i = 0; i < std::size(want); ++i) {
    const ProxyConf& p = loc(w, i).proxy;
    EXPECT_EQ(p.host, want[i].host) << i;
    EXPECT_EQ(p.port, want[i].port) << i;
    EXPECT_EQ(p.has_uri, want[i].has_uri) << i;
    EXPECT_EQ(p.uri, want[i].uri) << i;
    ASSERT_NE(p.upstream, nullptr) << i;
  }
  // http://127.0.0.1 and http://127.0.0.1:80 are one upstream; the two unix ones are one.
  EXPECT_EQ(loc(w, 0).proxy.upstream, loc(w, 1).proxy.upstream);
  EXPECT_EQ(loc(w, 4).proxy.upstream, loc(w, 5).proxy.upstream);
  EXPECT_EQ(w.http.upstreams.size(), 5u);
  EXPECT_EQ(loc(w, 2).proxy.upstream->servers.at(0).addr_text, "127.0.0.1:8080");
  EXPECT_EQ(loc(w, 3).proxy.upstream->servers.at(0).addr_text, "[::1]:9000");
  const UpstreamConf* ux = loc(w, 4).proxy.upstream;
  EXPECT_EQ(ux->name, "unix:/run/app.sock");
  ASSERT_EQ(ux->servers.size(), 1u);
  EXPECT_EQ(ux->servers[0].addr_text, "unix:/run/app.sock");
  EXPECT_EQ(ux->servers[0].addr.ss_family, AF_UNIX);
  EXPECT_EQ(loc(w, 6).proxy.upstream->servers.at(0).addr_text, "[::1]:80");
}

TEST_F(Proxy, ProxyPassNamesAnUpstreamDefinedBeforeOrAfter) {
  auto c = load(
      "upstream before { server 127.0.0.1:8001; }\n"
      "server {\n"
      "  location /a { proxy_pass http://before/x; }\n"
      "  location /b { proxy_pass http://AFTER; }\n"
      "}\n"
      "upstream after { server 127.0.0.1:8002; }");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  ASSERT_EQ(w.http.upstreams.size(), 2u);  // no implicit ones
  EXPECT_EQ(loc(w, 0).proxy.upstream, find_upstream(w, "before"));
  EXPECT_EQ(loc(w, 0).proxy.host, "before");
  EXPECT_EQ(loc(w, 0).proxy.port, "80");
  EXPECT_EQ(loc(w, 0).proxy.uri, "/x");
  EXPECT_EQ(loc(w, 1).proxy.upstream, find_upstream(w, "after"));
  EXPECT_EQ(loc(w, 1).proxy.host, "AFTER");
  EXPECT_FALSE(loc(w, 1).proxy.upstream->implicit);
}

TEST_F(Proxy, UpstreamsAreNamedFirstThenImplicit) {
  auto c = load(
      "server {\n"
      "  location /a { proxy_pass http://127.0.0.1:9; }\n"
      "  location /b { proxy_pass http://app; }\n"
      "}\n"
      "upstream app { server 127.0.0.1:8000; }\n"
      "upstream other { server 127.0.0.1:8001; }");
  ASSERT_TRUE(c) << c.error().message;
  const auto& ups = (*c)->http.upstreams;
  ASSERT_EQ(ups.size(), 3u);
  EXPECT_EQ(ups[0]->name, "app");
  EXPECT_EQ(ups[1]->name, "other");
  EXPECT_EQ(ups[2]->name, "127.0.0.1:9");
  EXPECT_TRUE(ups[2]->implicit);
}

TEST_F(Proxy, SharedAcrossServersAndLocations) {
  auto c = load(
      "server { listen 8081; location / { proxy_pass http://localhost:8000; } }\n"
      "server { listen 8082; location / { proxy_pass http://LOCALHOST:8000/x; }\n"
      "  location /y { location /y/z { proxy_pass http://localhost:8000; } } }");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  ASSERT_EQ(w.http.upstreams.size(), 1u);
  const UpstreamConf* u = w.http.upstreams[0].get();
  EXPECT_EQ(loc(w, 0, 0).proxy.upstream, u);
  EXPECT_EQ(loc(w, 0, 1).proxy.upstream, u);
  EXPECT_EQ(loc(w, 1, 1).nested.at(0)->proxy.upstream, u);
  EXPECT_EQ(u->servers.at(0).addr_text, "127.0.0.1:8000");
}

TEST_F(Proxy, ProxyPassIsNotInherited) {
  auto c = load(
      "server { location / { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 5s;\n"
      "  location /static/ { root /srv; } } }");
  ASSERT_TRUE(c) << c.error().message;
  const LocationConf& parent = loc(**c, 0);
  const LocationConf& nested = *parent.nested.at(0);
  EXPECT_TRUE(parent.proxy.pass);
  EXPECT_FALSE(nested.proxy.pass);
  EXPECT_EQ(nested.proxy.upstream, nullptr);
  EXPECT_EQ(nested.proxy.pass_text, "");
  EXPECT_EQ(nested.proxy.host, "");
  EXPECT_EQ(nested.proxy.read_timeout_ms, 5000);  // the settings are
  EXPECT_FALSE((*c)->http.servers[0]->loc.proxy.pass);
}

TEST_F(Proxy, ProxyPassWithoutUriInRegexAndNamedLocations) {
  auto c = load(
      "server { location ~ \\.php$ { proxy_pass http://127.0.0.1:9000; }\n"
      "  location @app { proxy_pass http://127.0.0.1:9000; } }");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(loc(**c, 0).proxy.pass);
  EXPECT_TRUE(loc(**c, 1).proxy.pass);
}

TEST_F(Proxy, ProxyPassErrors) {
  auto in_location = [&](const std::string& d) {
    return error("server { location / { " + d + " } }");
  };
  const std::string uri_part =
      "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside "
      "named location, or inside \"if\" statement, or inside \"limit_except\" block";
  EXPECT_EQ(error("server { location ~ /x { proxy_pass http://127.0.0.1:1/x; } }"),
            uri_part + at(3));
  EXPECT_EQ(error("server { location ~* /x { proxy_pass http://127.0.0.1:1?a; } }"),
            uri_part + at(3));
  EXPECT_EQ(error("server { location @n { proxy_pass http://127.0.0.1:1/; } }"), uri_part + at(3));
  EXPECT_EQ(in_location("proxy_pass http://127.0.0.1:1; proxy_pass http://127.0.0.1:2;"),
            "\"proxy_pass\" directive is duplicate" + at(3));
  EXPECT_EQ(error("server { proxy_pass http://127.0.0.1:1; }"),
            "\"proxy_pass\" directive is not allowed here" + at(3));
  EXPECT_EQ(error("proxy_pass http://127.0.0.1:1;"),
            "\"proxy_pass\" directive is not allowed here" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://127.0.0.1:1 x;"),
            "invalid number of arguments in \"proxy_pass\" directive" + at(3));
  EXPECT_EQ(in_location("proxy_pass https://127.0.0.1;"),
            "https protocol requires SSL support" + at(3));
  EXPECT_EQ(in_location("proxy_pass ftp://127.0.0.1;"), "invalid URL prefix" + at(3));
  EXPECT_EQ(in_location("proxy_pass 127.0.0.1:80;"), "invalid URL prefix" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://$host;"),
            "variables in the \"proxy_pass\" directive are not supported yet" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://;"), "no host in upstream \"\"" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://127.0.0.1:0;"),
            "invalid port in upstream \"127.0.0.1:0\"" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://127.0.0.1:x/;"),
            "invalid port in upstream \"127.0.0.1:x/\"" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://127.0.0.1:8000:1;"),
            "invalid port in upstream \"127.0.0.1:8000:1\"" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://unix:;"),
            "no path in the unix domain socket in upstream \"unix:\"" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://[::1/;"), "invalid host in upstream \"[::1/\"" + at(3));
  EXPECT_EQ(in_location("proxy_pass http://[::g]:1;"),
            "invalid IPv6 address in upstream \"[::g]:1\"" + at(3));
  // Implicit upstreams are resolved when the http block ends; the message names the host only
  // and points at the first proxy_pass naming it.
  EXPECT_EQ(error_no_resolve("server {\nlocation / { proxy_pass http://app.example:8000/x; }\n"
                             "location /b { proxy_pass http://app.example:8000; } }"),
            "host not found in upstream \"app.example\"" + at(4));
}

TEST_F(Proxy, UpstreamMayNotHavePort) {
  // Either order: the message points at the proxy_pass.
  EXPECT_EQ(error("server { location / { proxy_pass http://b:8000; } }\n"
                  "upstream b { server 127.0.0.1:1; }"),
            "upstream \"b\" may not have port 8000" + at(3));
  EXPECT_EQ(error("upstream b { server 127.0.0.1:1; }\n"
                  "server { location / { proxy_pass http://B:80/x; } }"),
            "upstream \"B\" may not have port 80" + at(4));
}

TEST_F(Proxy, UpstreamTakesOverAnEarlierPortlessName) {
  // nginx's ngx_http_upstream_add: the implicit "b" becomes the block, so "no servers in
  // upstream" names it as the proxy_pass wrote it, at the proxy_pass.
  EXPECT_EQ(error("server { location / { proxy_pass http://B; } }\n"
                  "upstream b { server 127.0.0.1:1 backup; }"),
            "no servers in upstream \"B\"" + at(3));
}

// ---- inherited proxy_* values --------------------------------------------------------------

TEST_F(Proxy, Defaults) {
  auto c = load("server { location / { proxy_pass http://127.0.0.1:8000; } }");
  ASSERT_TRUE(c) << c.error().message;
  const ProxyConf& p = loc(**c, 0).proxy;
  EXPECT_TRUE(p.set_headers.empty());
  EXPECT_FALSE(p.set_headers_set);
  EXPECT_EQ(p.http_minor, 0);
  EXPECT_EQ(p.connect_timeout_ms, 60000);
  EXPECT_EQ(p.read_timeout_ms, 60000);
  EXPECT_EQ(p.send_timeout_ms, 60000);
  EXPECT_TRUE(p.buffering);
  EXPECT_TRUE(p.request_buffering);
  EXPECT_EQ(p.buffer_size, 4096);
  EXPECT_EQ(p.buffers_num, 8);
  EXPECT_EQ(p.buffers_size, 4096);
  EXPECT_EQ(p.max_temp_file_size, 1024LL * 1024 * 1024);
  EXPECT_EQ(p.next_upstream, kNextError | kNextTimeout);
  EXPECT_EQ(p.next_upstream_tries, 0);
  EXPECT_EQ(p.next_upstream_timeout_ms, 0);
  EXPECT_TRUE(p.pass_request_headers);
  EXPECT_TRUE(p.pass_request_body);
  EXPECT_TRUE(p.hide_headers.empty());
  EXPECT_TRUE(p.pass_headers.empty());
  EXPECT_FALSE(p.intercept_errors);
  // nginx's implicit `proxy_redirect default`.
  EXPECT_EQ(p.redirect, ProxyConf::Redirect::kDefault);
  ASSERT_EQ(p.redirect_rules.size(), 1u);
  EXPECT_TRUE(p.redirect_rules[0].is_default);
  EXPECT_EQ(p.redirect_rules[0].from, "http://127.0.0.1:8000/");
  EXPECT_EQ(p.redirect_rules[0].to, "/");
}

TEST_F(Proxy, EveryValueDirective) {
  auto c = load(
      "server { location / {\n"
      "  proxy_pass http://127.0.0.1:8000;\n"
      "  proxy_http_version 1.1;\n"
      "  proxy_connect_timeout 500ms;\n"
      "  proxy_read_timeout 1m;\n"
      "  proxy_send_timeout 0;\n"
      "  proxy_buffering off;\n"
      "  proxy_request_buffering off;\n"
      "  proxy_buffer_size 8k;\n"
      "  proxy_buffers 16 8k;\n"
      "  proxy_max_temp_file_size 0;\n"
      "  proxy_next_upstream error timeout invalid_header http_500 http_502 http_503 http_504;\n"
      "  proxy_next_upstream HTTP_403 http_404 http_429 non_idempotent;\n"
      "  proxy_next_upstream_tries 3;\n"
      "  proxy_next_upstream_timeout 10s;\n"
      "  proxy_pass_request_headers off;\n"
      "  proxy_pass_request_body off;\n"
      "  proxy_hide_header X-Powered-By;\n"
      "  proxy_hide_header Server;\n"
      "  proxy_pass_header X-Accel-Expires;\n"
      "  proxy_intercept_errors on;\n"
      "} }");
  ASSERT_TRUE(c) << c.error().message;
  const ProxyConf& p = loc(**c, 0).proxy;
  EXPECT_EQ(p.http_minor, 1);
  EXPECT_EQ(p.connect_timeout_ms, 500);
  EXPECT_EQ(p.read_timeout_ms, 60000);
  EXPECT_EQ(p.send_timeout_ms, 0);
  EXPECT_FALSE(p.buffering);
  EXPECT_FALSE(p.request_buffering);
  EXPECT_EQ(p.buffer_size, 8192);
  EXPECT_EQ(p.buffers_num, 16);
  EXPECT_EQ(p.buffers_size, 8192);
  EXPECT_EQ(p.max_temp_file_size, 0);
  // Several proxy_next_upstream at one level add up (nginx's bitmask slot).
  EXPECT_EQ(p.next_upstream, kNextError | kNextTimeout | kNextInvalidHeader | kNextHttp500 |
                                 kNextHttp502 | kNextHttp503 | kNextHttp504 | kNextHttp403 |
                                 kNextHttp404 | kNextHttp429 | kNextNonIdempotent);
  EXPECT_EQ(p.next_upstream_tries, 3);
  EXPECT_EQ(p.next_upstream_timeout_ms, 10000);
  EXPECT_FALSE(p.pass_request_headers);
  EXPECT_FALSE(p.pass_request_body);
  EXPECT_EQ(p.hide_headers, (std::vector<std::string>{"x-powered-by", "server"}));
  EXPECT_EQ(p.pass_headers, std::vector<std::string>{"x-accel-expires"});
  EXPECT_TRUE(p.intercept_errors);
}

TEST_F(Proxy, NextUpstreamOffWins) {
  for (const char* v : {"off", "error off", "off http_502"}) {
    auto c = load(std::string("server { location / { proxy_next_upstream ") + v + "; } }");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(loc(**c, 0).proxy.next_upstream, kNextOff) << v;
  }
  auto c = load("server { location / { proxy_next_upstream error error; } }");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ((*c)->warnings.size(), 1u);
  EXPECT_EQ((*c)->warnings[0], "duplicate value \"error\"" + at(3));
  EXPECT_EQ(loc(**c, 0).proxy.next_upstream, kNextError);
}

TEST_F(Proxy, SetHeadersReplacedAsAWhole) {
  auto c = load(
      "proxy_set_header Host $proxy_host;\n"
      "proxy_set_header X-Real-IP $remote_addr;\n"
      "server {\n"
      "  location /inherit { }\n"
      "  location /own { proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
      "    location /own/deeper { }\n"
      "    location /own/empty { proxy_set_header Accept-Encoding \"\"; } }\n"
      "}\n"
      "server { listen 8081; proxy_set_header X-Server two; location / { } }");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  using H = std::vector<std::pair<std::string, std::string>>;
  auto headers = [](const ProxyConf& p) {
    H out;
    for (const auto& h : p.set_headers) out.emplace_back(h.name, h.value);
    return out;
  };
  const H http_level = {{"Host", "$proxy_host"}, {"X-Real-IP", "$remote_addr"}};
  EXPECT_EQ(headers(w.http.loc.proxy), http_level);
  EXPECT_TRUE(w.http.loc.proxy.set_headers_set);
  EXPECT_EQ(headers(w.http.servers[0]->loc.proxy), http_level);
  EXPECT_EQ(headers(loc(w, 0).proxy), http_level);
  const H own = {{"X-Forwarded-For", "$proxy_add_x_forwarded_for"}};
  EXPECT_EQ(headers(loc(w, 1).proxy), own);
  EXPECT_EQ(headers(loc(w, 1).nested.at(0)->proxy), own);
  EXPECT_EQ(headers(loc(w, 1).nested.at(1)->proxy), (H{{"Accept-Encoding", ""}}));
  EXPECT_EQ(headers(w.http.servers[1]->loc.proxy), (H{{"X-Server", "two"}}));
  EXPECT_EQ(headers(loc(w, 0, 1).proxy), (H{{"X-Server", "two"}}));
}

TEST_F(Proxy, ValuesMergeDownAndOverride) {
  auto c = load(
      "proxy_read_timeout 10s;\n"
      "proxy_buffering off;\n"
      "proxy_next_upstream error http_502;\n"
      "proxy_hide_header X-A;\n"
      "proxy_http_version 1.1;\n"
      "server {\n"
      "  proxy_read_timeout 20s;\n"
      "  location / { proxy_buffering on; proxy_hide_header X-B;\n"
      "    location /x { proxy_next_upstream timeout; } }\n"
      "  location /other { }\n"
      "}");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  EXPECT_EQ(w.http.loc.proxy.read_timeout_ms, 10000);
  const LocationConf& root = loc(w, 0);
  const LocationConf& x = *root.nested.at(0);
  const LocationConf& other = loc(w, 1);
  EXPECT_EQ(root.proxy.read_timeout_ms, 20000);
  EXPECT_EQ(x.proxy.read_timeout_ms, 20000);
  EXPECT_TRUE(root.proxy.buffering);
  EXPECT_TRUE(x.proxy.buffering);
  EXPECT_FALSE(other.proxy.buffering);
  EXPECT_EQ(root.proxy.next_upstream, kNextError | kNextHttp502);
  EXPECT_EQ(x.proxy.next_upstream, kNextTimeout);  // a level's own mask replaces the parent's
  EXPECT_EQ(root.proxy.hide_headers, std::vector<std::string>{"x-b"});
  EXPECT_EQ(x.proxy.hide_headers, std::vector<std::string>{"x-b"});
  EXPECT_EQ(other.proxy.hide_headers, std::vector<std::string>{"x-a"});
  EXPECT_EQ(x.proxy.http_minor, 1);
}

TEST_F(Proxy, ValueErrors) {
  auto in_location = [&](const std::string& d) {
    return error("server { location / { " + d + " } }");
  };
  EXPECT_EQ(in_location("proxy_set_header X;"),
            "invalid number of arguments in \"proxy_set_header\" directive" + at(3));
  EXPECT_EQ(in_location("proxy_http_version 2.0;"), "invalid value \"2.0\"" + at(3));
  EXPECT_EQ(in_location("proxy_http_version 1.1; proxy_http_version 1.0;"),
            "\"proxy_http_version\" directive is duplicate" + at(3));
  for (const char* d : {"proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout",
                        "proxy_next_upstream_timeout"}) {
    EXPECT_EQ(in_location(std::string(d) + " 1x;"),
              "\"" + std::string(d) + "\" directive invalid value" + at(3));
    EXPECT_EQ(in_location(std::string(d) + " 1s; " + d + " 2s;"),
              "\"" + std::string(d) + "\" directive is duplicate" + at(3));
  }
  for (const char* d : {"proxy_buffering", "proxy_request_buffering", "proxy_pass_request_headers",
                        "proxy_pass_request_body", "proxy_intercept_errors"}) {
    EXPECT_EQ(in_location(std::string(d) + " maybe;"),
              "invalid value \"maybe\" in \"" + std::string(d) +
                  "\" directive, it must be \"on\" or \"off\"" + at(3));
    EXPECT_EQ(in_location(std::string(d) + " on; " + d + " off;"),
              "\"" + std::string(d) + "\" directive is duplicate" + at(3));
  }
  for (const char* d : {"proxy_buffer_size", "proxy_max_temp_file_size"}) {
    EXPECT_EQ(in_location(std::string(d) + " 1x;"),
              "\"" + std::string(d) + "\" directive invalid value" + at(3));
  }
  EXPECT_EQ(in_location("proxy_buffers 0 4k;"),
            "\"proxy_buffers\" directive invalid value" + at(3));
  EXPECT_EQ(in_location("proxy_buffers x 4k;"),
            "\"proxy_buffers\" directive invalid value" + at(3));
  EXPECT_EQ(in_location("proxy_buffers 8 0;"), "\"proxy_buffers\" directive invalid value" + at(3));
  EXPECT_EQ(in_location("proxy_buffers 8 4k; proxy_buffers 8 4k;"),
            "\"proxy_buffers\" directive is duplicate" + at(3));
  EXPECT_EQ(in_location("proxy_next_upstream bogus;"), "invalid value \"bogus\"" + at(3));
  EXPECT_EQ(in_location("proxy_next_upstream_tries x;"),
            "\"proxy_next_upstream_tries\" directive invalid number" + at(3));
  EXPECT_EQ(in_location("proxy_hide_header a b;"),
            "invalid number of arguments in \"proxy_hide_header\" directive" + at(3));
  EXPECT_EQ(in_location("proxy_pass_header;"),
            "invalid number of arguments in \"proxy_pass_header\" directive" + at(3));
  // Other proxy_* directives of nginx stay refused by name.
  for (const char* d : {"proxy_cache c", "proxy_cache_valid 1m", "proxy_ssl_verify on",
                        "proxy_busy_buffers_size 16k", "proxy_temp_path /tmp",
                        "proxy_cookie_domain a b", "proxy_bind 127.0.0.1", "proxy_store on"}) {
    std::string name = std::string(d).substr(0, std::string(d).find(' '));
    EXPECT_EQ(in_location(std::string(d) + ";"),
              "\"" + name + "\" directive is not supported yet" + at(3));
  }
}

// nginx checks the buffer sizes when it merges, and reports it at the end of the http block.
TEST_F(Proxy, BufferChecksAtMerge) {
  const std::string end = at(4);  // the http block's "}"
  EXPECT_EQ(error("server { location / { proxy_buffers 1 4k; } }"),
            "there must be at least 2 \"proxy_buffers\"" + end);
  const std::string busy =
      "\"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one "
      "buffer";
  EXPECT_EQ(error("server { location / { proxy_buffer_size 16k; } }"), busy + end);
  EXPECT_EQ(error("server { location / { proxy_buffers 2 4k; } }"), busy + end);
  EXPECT_EQ(error("server { location / { proxy_max_temp_file_size 1k; } }"),
            "\"proxy_max_temp_file_size\" must be equal to zero to disable temporary files usage "
            "or must be equal to or greater than the maximum of the value of "
            "\"proxy_buffer_size\" and one of the \"proxy_buffers\"" +
                end);
  // Checked per level that a server has: an http-level value alone is not.
  EXPECT_EQ(error("proxy_buffers 1 4k;"), "");
  EXPECT_EQ(error("proxy_buffers 1 4k; server { }"),
            "there must be at least 2 \"proxy_buffers\"" + end);
  EXPECT_EQ(error("server { location / { proxy_buffers 3 4k; proxy_buffer_size 1k; } }"), "");
}

TEST_F(Proxy, UnknownVariablesAsNginxReportsThem) {
  // No place in nginx's message: it is found after the whole http block.
  EXPECT_EQ(
      error("server { location / { proxy_set_header X $foo; proxy_pass http://127.0.0.1:1; } }"),
      "unknown \"foo\" variable");
  EXPECT_EQ(error("server { proxy_set_header X $foo; location / { } }"),
            "unknown \"foo\" variable");
  EXPECT_EQ(error("server { location / { proxy_redirect http://a/ $bar; } }"),
            "unknown \"bar\" variable");
  // Values no server uses are never compiled by nginx.
  EXPECT_EQ(error("proxy_set_header X $foo;"), "");
  // The proxy variables are known.
  EXPECT_EQ(error("server { location / { proxy_pass http://127.0.0.1:1;\n"
                  "proxy_set_header Host $proxy_host:$proxy_port;\n"
                  "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                  "proxy_set_header X-Up \"$upstream_addr $upstream_status $upstream_response_time "
                  "$upstream_connect_time $upstream_header_time\"; } }"),
            "");
  // Syntax errors: proxy_redirect's at the directive, proxy_set_header's at the end of http
  // (nginx compiles those when it merges).
  EXPECT_EQ(error("server { location / { proxy_redirect http://a/ \"${x\"; } }"),
            "the closing bracket in \"x\" variable is missing" + at(3));
  EXPECT_EQ(error("server { location / { proxy_set_header X \"${x\"; } }"),
            "the closing bracket in \"x\" variable is missing" + at(4));
  EXPECT_EQ(error("server { location / { proxy_set_header X \"a$\"; } }"),
            "invalid variable name" + at(4));
}

// ---- proxy_redirect ----------------------------------------------------------------------------

TEST_F(Proxy, RedirectDefaultExpandsAsNginx) {
  auto c = load(
      "server {\n"
      "  location /app/ { proxy_pass http://127.0.0.1:8000/prefix/; proxy_redirect default; }\n"
      "  location /b { proxy_pass http://127.0.0.1:8000; }\n"
      "  location @n { proxy_pass http://127.0.0.1:8000; }\n"
      "  location /c { proxy_pass http://127.0.0.1:8000/c/;\n"
      "    location /c/d { proxy_pass http://127.0.0.1:9000/d/; } }\n"
      "}");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  auto one = [](const ProxyConf& p) {
    EXPECT_EQ(p.redirect, ProxyConf::Redirect::kDefault);
    EXPECT_EQ(p.redirect_rules.size(), 1u);
    return p.redirect_rules.empty()
               ? std::make_pair(std::string(), std::string())
               : std::make_pair(p.redirect_rules[0].from, p.redirect_rules[0].to);
  };
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(one(loc(w, 0).proxy), (P{"http://127.0.0.1:8000/prefix/", "/app/"}));
  EXPECT_EQ(one(loc(w, 1).proxy), (P{"http://127.0.0.1:8000/", "/"}));
  EXPECT_EQ(one(loc(w, 2).proxy), (P{"http://127.0.0.1:8000/", "/"}));
  EXPECT_EQ(one(loc(w, 3).proxy), (P{"http://127.0.0.1:8000/c/", "/c"}));
  // nginx's merge: the nested location inherits the rule its parent computed.
  EXPECT_EQ(one(loc(w, 3).nested.at(0)->proxy), (P{"http://127.0.0.1:8000/c/", "/c"}));
  // A location that does not proxy has no rule.
  EXPECT_TRUE(w.http.servers[0]->loc.proxy.redirect_rules.empty());
}

TEST_F(Proxy, RedirectRulesAndOff) {
  auto c = load(
      "proxy_redirect http://old/ /;\n"
      "server {\n"
      "  location /a { proxy_pass http://127.0.0.1:1; }\n"
      "  location /b { proxy_pass http://127.0.0.1:1; proxy_redirect default;\n"
      "    proxy_redirect ~*^http://([^/]+)/x/(.*)$ /$1/$2; proxy_redirect http://c/ "
      "$scheme://$host/; }\n"
      "  location /c { proxy_pass http://127.0.0.1:1; proxy_redirect off;\n"
      "    location /c/d { proxy_pass http://127.0.0.1:1; }\n"
      "    location /c/e { proxy_redirect http://e/ /; } }\n"
      "}");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  const ProxyConf& a = loc(w, 0).proxy;  // inherits the http level's rule, no default added
  EXPECT_EQ(a.redirect, ProxyConf::Redirect::kReplace);
  EXPECT_EQ(a.redirect_from, "http://old/");
  EXPECT_EQ(a.redirect_to, "/");
  ASSERT_EQ(a.redirect_rules.size(), 1u);
  EXPECT_FALSE(a.redirect_rules[0].is_default);

  const ProxyConf& b = loc(w, 1).proxy;
  EXPECT_EQ(b.redirect, ProxyConf::Redirect::kReplace);
  ASSERT_EQ(b.redirect_rules.size(), 3u);
  EXPECT_TRUE(b.redirect_rules[0].is_default);
  EXPECT_EQ(b.redirect_rules[0].from, "http://127.0.0.1:1/");
  const ProxyRedirect& re = b.redirect_rules[1];
  EXPECT_TRUE(re.regex);
  EXPECT_TRUE(re.caseless);
  EXPECT_EQ(re.from, "^http://([^/]+)/x/(.*)$");
  EXPECT_EQ(re.to, "/$1/$2");
  ASSERT_NE(re.compiled, nullptr);
  EXPECT_TRUE(re.compiled->match("HTTP://h/x/y", nullptr));
  EXPECT_EQ(b.redirect_from, "~*^http://([^/]+)/x/(.*)$");  // the first FROM TO, as written
  EXPECT_EQ(b.redirect_to, "/$1/$2");
  EXPECT_EQ(b.redirect_rules[2].from, "http://c/");
  EXPECT_EQ(b.redirect_rules[2].to, "$scheme://$host/");

  const LocationConf& cl = loc(w, 2);
  EXPECT_EQ(cl.proxy.redirect, ProxyConf::Redirect::kOff);
  EXPECT_TRUE(cl.proxy.redirect_rules.empty());
  EXPECT_EQ(cl.nested.at(0)->proxy.redirect, ProxyConf::Redirect::kOff);
  EXPECT_TRUE(cl.nested.at(0)->proxy.redirect_rules.empty());
  EXPECT_EQ(cl.nested.at(1)->proxy.redirect, ProxyConf::Redirect::kReplace);
  EXPECT_EQ(cl.nested.at(1)->proxy.redirect_rules.size(), 1u);
}

TEST_F(Proxy, RedirectErrors) {
  auto in_location = [&](const std::string& d) {
    return error("server { location / { " + d + " } }");
  };
  EXPECT_EQ(in_location("proxy_redirect foo;"), "invalid parameter \"foo\"" + at(3));
  const std::string after =
      "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive";
  EXPECT_EQ(in_location("proxy_redirect default;"), after + at(3));
  EXPECT_EQ(in_location("proxy_redirect default; proxy_pass http://127.0.0.1:1;"), after + at(3));
  EXPECT_EQ(error("proxy_redirect default;"), after + at(3));
  EXPECT_EQ(
      in_location("proxy_pass http://127.0.0.1:1; proxy_redirect default; proxy_redirect off;"),
      "\"proxy_redirect\" directive is duplicate" + at(3));
  EXPECT_EQ(
      in_location("proxy_pass http://127.0.0.1:1; proxy_redirect off; proxy_redirect default;"),
      "\"proxy_redirect\" directive is duplicate" + at(3));
  EXPECT_EQ(in_location("proxy_redirect off; proxy_redirect off;"),
            "\"proxy_redirect\" directive is duplicate" + at(3));
  EXPECT_EQ(in_location("proxy_redirect http://a/ /b $foo;"),
            "invalid number of arguments in \"proxy_redirect\" directive" + at(3));
  EXPECT_EQ(in_location("proxy_redirect ~(x /;"),
            "pcre2_compile() failed: missing closing parenthesis in \"(x\"" + at(3));
}

// ---- -T and include --------------------------------------------------------------------------

TEST_F(Proxy, UpstreamInAnIncludedFile) {
  dir.write("conf/upstreams.conf", "upstream app {\n  server 127.0.0.1:8000;\n}\n");
  auto c = load("include upstreams.conf;\nserver { location / { proxy_pass http://app; } }");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  ASSERT_EQ(w.http.upstreams.size(), 1u);
  EXPECT_EQ(w.http.upstreams[0]->file, dir.path() + "conf/upstreams.conf");
  EXPECT_EQ(w.http.upstreams[0]->line, 1);
  EXPECT_EQ(loc(w, 0).proxy.upstream, w.http.upstreams[0].get());
  std::string dump = dump_config(w);
  EXPECT_NE(dump.find("# configuration file " + dir.path() + "conf/upstreams.conf:\nupstream app"),
            std::string::npos);
  EXPECT_EQ(error("include upstreams.conf;\ninclude upstreams.conf;"),
            "duplicate upstream \"app\" in " + dir.path() + "conf/upstreams.conf:1");
}

TEST_F(Proxy, UntrustedTextNeverAsksTheResolver) {
  std::string text = http("server { location / { proxy_pass http://localhost:8000; } }");
  LoadOptions o;
  o.conf_file = "/fuzz/conf/webcycle.conf";
  o.prefix = "/fuzz/";
  o.text = &text;
  o.allow_include = false;
  auto c = load_config(o);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ((*c)->http.upstreams.at(0)->servers.size(), 1u);
  EXPECT_EQ((*c)->http.upstreams[0]->servers[0].addr_text, "127.0.0.1:8000");
  text = http("server { location / { proxy_pass http://app.example; } }");
  EXPECT_EQ(load_config(o).error().message,
            "host not found in upstream \"app.example\" in /fuzz/conf/webcycle.conf:3");
}

}  // namespace
}  // namespace wc::web::config
