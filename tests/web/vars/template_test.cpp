#include "web/vars/template.h"

#include <gtest/gtest.h>

#include <string>

namespace wc::web::vars {
namespace {

const HeaderView kRequestHeaders[] = {
    {"Host", "Example.COM:8080"},
    {"User-Agent", "curl/8.0 \"quoted\""},
    {"Referer", "http://a.test/"},
    {"Cookie", "a=1; session = abc ;b=2"},
    {"X-Forwarded-For", "192.0.2.7"},
    {"Cookie", "c=3"},
    {"X-Forwarded-For", "198.51.100.1"},
    {"Content-Type", "text/plain"},
    {"Content-Length", "12"},
    {"X-Empty", ""},
};
const HeaderView kResponseHeaders[] = {
    {"Content-Type", "text/html"},
    {"Cache-Control", "no-cache"},
    {"Cache-Control", "private"},
    {"X-Frame-Options", "DENY"},
};

RequestVars sample() {
  RequestVars v;
  v.remote_addr = "192.0.2.1";
  v.remote_port = "51234";
  v.server_addr = "127.0.0.1";
  v.server_port = "8080";
  v.connection = 17;
  v.connection_requests = 3;
  v.request_line = "GET /a%20b?x=1&Y=2&empty= HTTP/1.1";
  v.method = "GET";
  v.request_uri = "/a%20b?x=1&Y=2&empty=";
  v.uri = "/a b";
  v.args = "x=1&Y=2&empty=";
  v.host = "Example.COM:8080";
  v.server_protocol = "HTTP/1.1";
  v.scheme = "http";
  v.request_id = "0123456789abcdef0123456789abcdef";
  v.request_length = 123;
  v.request_headers = kRequestHeaders;
  v.server_name = "www.example.com";
  v.document_root = "/srv/www";
  v.request_filename = "/srv/www/a b";
  v.hostname = "box";
  v.pid = "4242";
  v.status = 200;
  v.bytes_sent = 1258;
  v.body_bytes_sent = 1024;
  v.response_headers = kResponseHeaders;
  v.request_time_us = 3456;
  v.time_local = "23/Nov/2026:19:20:01 +0000";
  v.time_iso8601 = "2026-11-23T19:20:01+00:00";
  v.msec = "1795461601.123";
  return v;
}

std::string eval(std::string_view src, const RequestVars& v, Escape e = Escape::none,
                 std::span<const std::string_view> captures = {}) {
  auto t = Template::compile(src);
  EXPECT_TRUE(t) << src << ": " << t.error().message;
  return t ? t->evaluate(v, e, captures) : std::string();
}

TEST(Template, EveryVariable) {
  const RequestVars v = sample();
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"$remote_addr", "192.0.2.1"},
      {"$remote_port", "51234"},
      {"$remote_user", ""},
      {"$time_local", "23/Nov/2026:19:20:01 +0000"},
      {"$time_iso8601", "2026-11-23T19:20:01+00:00"},
      {"$msec", "1795461601.123"},
      {"$request", "GET /a%20b?x=1&Y=2&empty= HTTP/1.1"},
      {"$status", "200"},
      {"$body_bytes_sent", "1024"},
      {"$bytes_sent", "1258"},
      {"$http_referer", "http://a.test/"},
      {"$http_user_agent", "curl/8.0 \"quoted\""},
      {"$request_time", "0.003"},
      {"$host", "example.com"},
      {"$request_id", "0123456789abcdef0123456789abcdef"},
      {"$request_method", "GET"},
      {"$request_uri", "/a%20b?x=1&Y=2&empty="},
      {"$uri", "/a b"},
      {"$document_uri", "/a b"},
      {"$args", "x=1&Y=2&empty="},
      {"$query_string", "x=1&Y=2&empty="},
      {"$is_args", "?"},
      {"$server_port", "8080"},
      {"$server_addr", "127.0.0.1"},
      {"$server_name", "www.example.com"},
      {"$server_protocol", "HTTP/1.1"},
      {"$scheme", "http"},
      {"$connection", "17"},
      {"$connection_requests", "3"},
      {"$pid", "4242"},
      {"$hostname", "box"},
      {"$document_root", "/srv/www"},
      {"$request_filename", "/srv/www/a b"},
      {"$request_length", "123"},
      {"$content_type", "text/plain"},
      {"$content_length", "12"},
      {"$nginx_version", nginx_version()},
      {"$http_host", "Example.COM:8080"},
      {"$http_x_empty", ""},
      {"$http_cookie", "a=1; session = abc ;b=2; c=3"},
      {"$http_x_forwarded_for", "192.0.2.7, 198.51.100.1"},
      {"$sent_http_content_type", "text/html"},
      {"$sent_http_cache_control", "no-cache; private"},
      {"$sent_http_x_frame_options", "DENY"},
      {"$cookie_a", "1"},
      {"$cookie_session", "abc "},
      {"$cookie_b", "2"},
      {"$cookie_c", "3"},
      {"$cookie_SESSION", "abc "},
      {"$arg_x", "1"},
      {"$arg_y", "2"},
      {"$arg_empty", ""},
      {"$arg_z", ""},
      {"$REMOTE_ADDR", "192.0.2.1"},
  };
  for (auto [src, want] : cases) EXPECT_EQ(eval(src, v), want) << src;
  EXPECT_FALSE(nginx_version().empty());
}

TEST(Template, NamesEndWhereNginxEndsThem) {
  const RequestVars v = sample();
  EXPECT_EQ(eval("${uri}.html", v), "/a b.html");
  EXPECT_EQ(eval("$uri.html", v), "/a b.html");
  EXPECT_EQ(eval("[$status]", v), "[200]");
  EXPECT_EQ(eval("${scheme}://${host}${request_uri}", v),
            "http://example.com/a%20b?x=1&Y=2&empty=");
  EXPECT_EQ(eval("$scheme://$host:$server_port$uri$is_args$args", v),
            "http://example.com:8080/a b?x=1&Y=2&empty=");
  EXPECT_EQ(eval("plain text", v), "plain text");
  EXPECT_EQ(eval("", v), "");

  auto bad = Template::compile("$urix");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "unknown \"urix\" variable");
}

TEST(Template, CompileErrorsCarryNginxMessages) {
  struct {
    std::string_view src, message;
  } cases[] = {
      {"$foo", "unknown \"foo\" variable"},
      {"a $Foo b", "unknown \"foo\" variable"},
      {"${nope}", "unknown \"nope\" variable"},
      {"$", "invalid variable name"},
      {"x$", "invalid variable name"},
      {"$-", "invalid variable name"},
      {"${}", "invalid variable name"},
      {"${", "invalid variable name"},
      {"${uri", "the closing bracket in \"uri\" variable is missing"},
      {"${uri-x}", "the closing bracket in \"uri\" variable is missing"},
      {"$http_", "unknown \"http_\" variable"},
  };
  for (auto c : cases) {
    auto t = Template::compile(c.src);
    ASSERT_FALSE(t) << c.src;
    EXPECT_EQ(t.error().message, c.message) << c.src;
  }
}

TEST(Template, Captures) {
  const RequestVars v = sample();
  const std::string_view caps[] = {"/img/cat.png", "img", "cat.png"};
  EXPECT_EQ(eval("/data/$1/$2", v, Escape::none, caps), "/data/img/cat.png");
  EXPECT_EQ(eval("${1}x$0", v, Escape::none, caps), "imgx/img/cat.png");
  EXPECT_EQ(eval("$12", v, Escape::none, caps), "img2");  // one digit, as nginx reads it
  EXPECT_EQ(eval("[$9]", v, Escape::none, caps), "[]");   // missing capture: empty, even in logs
  EXPECT_EQ(eval("[$9]", v, Escape::log, caps), "[]");
  auto t = Template::compile("$1");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->has_captures());
  EXPECT_TRUE(t->has_variables());
  auto plain = Template::compile("static");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_variables());
  EXPECT_EQ(plain->source(), "static");
  auto h = Template::compile("$http_user_agent");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->source(), "$http_user_agent");
  EXPECT_TRUE(h->uses(Template::Var::http_header));
  EXPECT_FALSE(h->uses(Template::Var::uri));
}

TEST(Template, MissingVersusEmpty) {
  RequestVars v;  // all views null: every string variable is "not found"
  v.args = std::string_view("", 0);
  EXPECT_EQ(
      eval("[$remote_user][$http_referer][$args][$arg_a][$cookie_a][$sent_http_x]", v, Escape::log),
      "[-][-][][-][-][-]");
  EXPECT_EQ(eval("[$remote_user][$http_referer][$args]", v, Escape::none), "[][][]");
  EXPECT_EQ(eval("[$remote_user][$http_referer][$args]", v, Escape::json), "[][][]");
  EXPECT_EQ(eval("[$is_args]", v, Escape::log), "[]");
  EXPECT_EQ(eval("$status $body_bytes_sent $request_time", v, Escape::log), "000 0 0.000");

  v.remote_user = "bob";
  v.status = 404;
  v.request_time_us = 12345678;
  EXPECT_EQ(eval("$remote_user $status $request_time", v, Escape::log), "bob 404 12.345");
}

TEST(Template, Host) {
  RequestVars v;
  v.server_name = "srv.test";
  EXPECT_EQ(eval("$host", v), "srv.test");  // no Host: the server name
  v.host = "WWW.Example.Org.";
  EXPECT_EQ(eval("$host", v), "www.example.org");
  v.host = "[::1]:8080";
  EXPECT_EQ(eval("$host", v), "[::1]");
  v.host = "a.test:80";
  EXPECT_EQ(eval("$host", v), "a.test");
  v.host =
      "A\x7f"
      "B";  // escapes keep uppercase hex after lowercasing
  EXPECT_EQ(eval("$host", v, Escape::log), "a\\x7Fb");
}

TEST(Template, Escaping) {
  RequestVars v;
  v.request_line = std::string_view("GET /\"q\"\\\x01\x7f\xc3\xa9\n\t HTTP/1.1");
  EXPECT_EQ(eval("$request", v, Escape::log),
            "GET /\\x22q\\x22\\x5C\\x01\\x7F\\xC3\\xA9\\x0A\\x09 HTTP/1.1");
  EXPECT_EQ(eval("$request", v, Escape::json),
            "GET /\\\"q\\\"\\\\\\u0001\x7f\xc3\xa9\\n\\t HTTP/1.1");
  EXPECT_EQ(eval("$request", v, Escape::none), v.request_line);
  v.request_line = std::string_view("\x1f\x1b\r\b\f");
  EXPECT_EQ(eval("$request", v, Escape::json), "\\u001F\\u001B\\r\\b\\f");
  // Literal text is never escaped.
  EXPECT_EQ(eval("\"$request\"", v, Escape::log).front(), '"');
}

TEST(Template, AppendsWithoutClearing) {
  auto t = Template::compile("$status");
  ASSERT_TRUE(t);
  RequestVars v;
  v.status = 301;
  std::string out = "x=";
  t->append(v, out);
  EXPECT_EQ(out, "x=301");
}

}  // namespace
}  // namespace wc::web::vars
