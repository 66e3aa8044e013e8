// The proxy module's variables: $proxy_host, $proxy_port, $proxy_add_x_forwarded_for and the
// upstream module's $upstream_* (values filled by the proxy runtime, read here as nginx prints
// them; "-" in access logs when the request was not proxied).
#include <gtest/gtest.h>

#include <string>

#include "web/vars/log_format.h"
#include "web/vars/template.h"

namespace wc::web::vars {
namespace {

std::string eval(std::string_view src, const RequestVars& v, Escape e = Escape::none) {
  auto t = Template::compile(src);
  EXPECT_TRUE(t) << src << ": " << t.error().message;
  return t ? t->evaluate(v, e) : std::string();
}

RequestVars proxied() {
  RequestVars v;
  v.remote_addr = "192.0.2.1";
  v.proxy_host = "127.0.0.1:8000";
  v.proxy_port = "8000";
  v.upstream_addr = "127.0.0.1:8001, 127.0.0.1:8000";
  v.upstream_status = "502, 200";
  v.upstream_response_time = "0.001, 0.012";
  v.upstream_connect_time = "0.000, 0.001";
  v.upstream_header_time = "-, 0.011";
  return v;
}

TEST(ProxyVars, EveryVariable) {
  const RequestVars v = proxied();
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"$proxy_host", "127.0.0.1:8000"},
      {"$proxy_port", "8000"},
      {"$proxy_add_x_forwarded_for", "192.0.2.1"},
      {"$upstream_addr", "127.0.0.1:8001, 127.0.0.1:8000"},
      {"$upstream_status", "502, 200"},
      {"$upstream_response_time", "0.001, 0.012"},
      {"$upstream_connect_time", "0.000, 0.001"},
      {"$upstream_header_time", "-, 0.011"},
      {"${PROXY_HOST}", "127.0.0.1:8000"},
  };
  for (auto [src, want] : cases) EXPECT_EQ(eval(src, v), want) << src;
}

TEST(ProxyVars, UsesNamesEachVariable) {
  const std::pair<std::string_view, Template::Var> cases[] = {
      {"$proxy_host", Template::Var::proxy_host},
      {"$proxy_port", Template::Var::proxy_port},
      {"$proxy_add_x_forwarded_for", Template::Var::proxy_add_x_forwarded_for},
      {"$upstream_addr", Template::Var::upstream_addr},
      {"$upstream_status", Template::Var::upstream_status},
      {"$upstream_response_time", Template::Var::upstream_response_time},
      {"$upstream_connect_time", Template::Var::upstream_connect_time},
      {"$upstream_header_time", Template::Var::upstream_header_time},
  };
  for (auto [src, var] : cases) {
    auto t = Template::compile(src);
    ASSERT_TRUE(t) << src;
    EXPECT_TRUE(t->uses(var)) << src;
    EXPECT_TRUE(t->has_variables());
  }
  // Names that only start like them are still unknown, as in nginx.
  for (std::string_view bad : {"$proxy_hostx", "$upstream_bytes_received", "$upstream_foo"}) {
    auto t = Template::compile(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().message, "unknown \"" + std::string(bad.substr(1)) + "\" variable");
  }
}

// nginx 1.22's ngx_http_proxy_add_x_forwarded_for_variable: each X-Forwarded-For header's value
// then ", ", and the client address last.
TEST(ProxyVars, AddXForwardedFor) {
  RequestVars v;
  v.remote_addr = "192.0.2.1";
  EXPECT_EQ(eval("$proxy_add_x_forwarded_for", v), "192.0.2.1");
  EXPECT_EQ(eval("$proxy_add_x_forwarded_for", v, Escape::log), "192.0.2.1");

  const HeaderView one[] = {{"Host", "a"}, {"X-Forwarded-For", "203.0.113.9"}};
  v.request_headers = one;
  EXPECT_EQ(eval("$proxy_add_x_forwarded_for", v), "203.0.113.9, 192.0.2.1");

  const HeaderView two[] = {{"x-forwarded-for", "203.0.113.9, 10.0.0.1"},
                            {"Accept", "*/*"},
                            {"X-FORWARDED-FOR", "198.51.100.7"}};
  v.request_headers = two;
  EXPECT_EQ(eval("$proxy_add_x_forwarded_for", v),
            "203.0.113.9, 10.0.0.1, 198.51.100.7, 192.0.2.1");

  // An empty header still counts (nginx adds its ", ").
  const HeaderView empty[] = {{"X-Forwarded-For", ""}};
  v.request_headers = empty;
  EXPECT_EQ(eval("$proxy_add_x_forwarded_for", v), ", 192.0.2.1");

  // X_Forwarded_For is another header (only $http_* names fold '-' and '_').
  const HeaderView underscore[] = {{"X_Forwarded_For", "203.0.113.9"}};
  v.request_headers = underscore;
  EXPECT_EQ(eval("$proxy_add_x_forwarded_for", v), "192.0.2.1");

  // Escaped like any value in a log.
  const HeaderView hostile[] = {{"X-Forwarded-For", "1.2.3.4\"\x01"}};
  v.request_headers = hostile;
  EXPECT_EQ(eval("$proxy_add_x_forwarded_for", v, Escape::log), "1.2.3.4\\x22\\x01, 192.0.2.1");
  EXPECT_EQ(eval("$proxy_add_x_forwarded_for", v, Escape::json), "1.2.3.4\\\"\\u0001, 192.0.2.1");
}

TEST(ProxyVars, NotProxiedIsNotFound) {
  RequestVars v;  // nothing filled: the request was not proxied
  v.remote_addr = "192.0.2.1";
  EXPECT_EQ(eval("[$proxy_host][$proxy_port][$upstream_addr][$upstream_status]"
                 "[$upstream_response_time][$upstream_connect_time][$upstream_header_time]",
                 v, Escape::log),
            "[-][-][-][-][-][-][-]");
  EXPECT_EQ(eval("[$proxy_host][$upstream_addr][$upstream_status]", v, Escape::none), "[][][]");
  EXPECT_EQ(eval("[$proxy_host][$upstream_addr]", v, Escape::json), "[][]");
  // Found but empty (nginx's $proxy_port for a unix: socket) prints nothing, not "-".
  v.proxy_port = std::string_view("", 0);
  EXPECT_EQ(eval("[$proxy_port]", v, Escape::log), "[]");
}

TEST(ProxyVars, InALogFormat) {
  const std::string_view args[] = {
      "$remote_addr \"$request\" $status ua=\"$upstream_addr\" us=$upstream_status "
      "urt=$upstream_response_time uct=$upstream_connect_time uht=$upstream_header_time"};
  auto f = LogFormat::compile(args);
  ASSERT_TRUE(f) << f.error().message;
  RequestVars v = proxied();
  v.request_line = "GET / HTTP/1.1";
  v.status = 200;
  std::string out;
  f->append_line(v, out);
  EXPECT_EQ(out,
            "192.0.2.1 \"GET / HTTP/1.1\" 200 ua=\"127.0.0.1:8001, 127.0.0.1:8000\" us=502, 200 "
            "urt=0.001, 0.012 uct=0.000, 0.001 uht=-, 0.011\n");
  RequestVars plain;
  plain.remote_addr = "192.0.2.1";
  plain.request_line = "GET / HTTP/1.1";
  plain.status = 404;
  out.clear();
  f->append_line(plain, out);
  EXPECT_EQ(out, "192.0.2.1 \"GET / HTTP/1.1\" 404 ua=\"-\" us=- urt=- uct=- uht=-\n");
}

}  // namespace
}  // namespace wc::web::vars
