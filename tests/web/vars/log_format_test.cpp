#include "web/vars/log_format.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wc::web::vars {
namespace {

const HeaderView kHeaders[] = {
    {"Host", "www.mysite.test"},
    {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"},
    {"Referer", "http://www.mysite.test/"},
};

RequestVars sample() {
  RequestVars v;
  v.remote_addr = "192.0.2.1";
  v.time_local = "23/Nov/2026:19:20:01 +0000";
  v.time_iso8601 = "2026-11-23T19:20:01+00:00";
  v.request_line = "GET /index.html HTTP/1.1";
  v.method = "GET";
  v.uri = "/index.html";
  v.request_uri = "/index.html";
  v.status = 200;
  v.body_bytes_sent = 1024;
  v.bytes_sent = 1263;
  v.request_headers = kHeaders;
  v.request_time_us = 1000;
  return v;
}

TEST(LogFormat, CombinedLineExactlyAsNginx) {
  std::string out;
  LogFormat::combined().append_line(sample(), out);
  EXPECT_EQ(out,
            "192.0.2.1 - - [23/Nov/2026:19:20:01 +0000] \"GET /index.html HTTP/1.1\" 200 1024 "
            "\"http://www.mysite.test/\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n");
}

TEST(LogFormat, CombinedWithMissingHeadersAndHostileRequest) {
  RequestVars v = sample();
  v.request_headers = {};
  v.remote_user = "al\"ice";
  v.request_line = "GET /\"><script> HTTP/1.1";
  v.status = 404;
  v.body_bytes_sent = 0;
  std::string out;
  LogFormat::combined().append_line(v, out);
  EXPECT_EQ(out,
            "192.0.2.1 - al\\x22ice [23/Nov/2026:19:20:01 +0000] \"GET /\\x22><script> HTTP/1.1\" "
            "404 0 \"-\" \"-\"\n");
}

TEST(LogFormat, DirectiveArgumentsAndEscapeModes) {
  RequestVars v = sample();
  v.request_line = "GET /\"x\" HTTP/1.1";

  const std::string_view json_args[] = {"escape=json", "{\"request\":\"$request\",",
                                        "\"user\":\"$remote_user\"}"};
  auto json = LogFormat::compile(json_args);
  ASSERT_TRUE(json) << json.error().message;
  EXPECT_EQ(json->escape(), Escape::json);
  std::string out;
  json->append_line(v, out);
  EXPECT_EQ(out, "{\"request\":\"GET /\\\"x\\\" HTTP/1.1\",\"user\":\"\"}\n");

  const std::string_view none_args[] = {"escape=none", "$request $remote_user|"};
  auto none = LogFormat::compile(none_args);
  ASSERT_TRUE(none);
  out.clear();
  none->append_line(v, out);
  EXPECT_EQ(out, "GET /\"x\" HTTP/1.1 |\n");

  const std::string_view default_args[] = {"escape=default", "$request ", "$remote_user"};
  auto def = LogFormat::compile(default_args);
  ASSERT_TRUE(def);
  out.clear();
  def->append_line(v, out);
  EXPECT_EQ(out, "GET /\\x22x\\x22 HTTP/1.1 -\n");

  const std::string_view plain_args[] = {"$status ", "$request_time ", "$bytes_sent"};
  auto plain = LogFormat::compile(plain_args);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->escape(), Escape::log);
  out = "previous\n";
  plain->append_line(v, out);
  EXPECT_EQ(out, "previous\n200 0.001 1263\n");
}

TEST(LogFormat, Errors) {
  const std::string_view bad_escape[] = {"escape=xml", "$status"};
  auto e = LogFormat::compile(bad_escape);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "unknown log format escaping \"xml\"");

  const std::string_view bad_var[] = {"$remote_adr"};
  auto u = LogFormat::compile(bad_var);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, "unknown \"remote_adr\" variable");
}

TEST(LogFormat, ReusedBufferDoesNotReallocate) {
  RequestVars v = sample();
  std::string out;
  out.reserve(512);
  const char* data = out.data();
  for (int i = 0; i < 3; ++i) {
    out.clear();
    LogFormat::combined().append_line(v, out);
  }
  EXPECT_EQ(out.data(), data);
}

}  // namespace
}  // namespace wc::web::vars
