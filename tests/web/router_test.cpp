// The router answers requests without any socket: a config from text, a temp document root, a
// request parsed from bytes, and the answer read back from the Output (as h2o tests handlers).
#include "web/router.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/event_loop.h"
#include "http/request_parser.h"
#include "web/config/web_config.h"
#include "web/exchange.h"
#include "web/output.h"

namespace wc::web {
namespace {

namespace fs = std::filesystem;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/webcycle-router-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ + "/html/docs");
    fs::create_directories(dir_ + "/html/empty");
    fs::create_directories(dir_ + "/conf");
    write("html/index.html", "<h1>home</h1>\n");
    write("html/a.txt", "0123456789");
    write("html/docs/index.html", "docs\n");
    write("html/fallback.html", "spa\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ + "/" + rel, std::ios::binary) << text;
  }

  void load(const std::string& server_block) {
    const std::string text =
        "error_log logs/error.log crit;\n"
        "events {}\n"
        "http {\n"
        "  types { text/html html; text/plain txt; }\n"
        "  default_type application/octet-stream;\n"
        "  access_log off;\n"
        "  server {\n"
        "    listen 127.0.0.1:8080;\n"
        "    server_name localhost;\n"
        "    root html;\n" +
        server_block + "\n  }\n}\n";
    config::LoadOptions lo;
    lo.conf_file = dir_ + "/conf/webcycle.conf";
    lo.prefix = dir_ + "/";
    lo.text = &text;
    auto c = config::load_config(lo);
    ASSERT_TRUE(c) << c.error().message;
    config_ = std::move(*c);
    auto loop = core::EventLoop::create();
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    router_ = std::make_unique<Router>();
    ASSERT_TRUE(router_->init(*config_, *loop_));
  }

  struct Answer {
    int status = 0;
    bool keep_alive = false;
    std::string head;
    std::string body;  // memory part after the head; file ranges are summed in file_bytes
    uint64_t file_bytes = 0;
    std::string header(const std::string& name) const {
      const std::string key = "\r\n" + name + ": ";
      const size_t at = head.find(key);
      if (at == std::string::npos) return "";
      const size_t end = head.find("\r\n", at + key.size());
      return head.substr(at + key.size(), end - at - key.size());
    }
  };

  Answer get(const std::string& request, uint64_t requests_on_connection = 1) {
    http::RequestParser parser;
    http::RequestHead head;
    size_t consumed = 0;
    EXPECT_EQ(parser.parse(request, head, consumed), http::ParseStatus::kDone) << request;
    ConnectionInfo info;
    info.id = 1;
    info.requests = requests_on_connection;
    info.remote_addr = "127.0.0.1";
    info.server_port = "8080";
    info.group = &config_->listen_groups.front();
    std::string uri, filename;
    Exchange ex(info, head, 0, uri, filename);
    ex.keep_alive = head.keep_alive;
    Output out;
    router_->respond(ex, out);
    Answer a;
    a.status = ex.status;
    a.keep_alive = ex.keep_alive;
    const std::string& bytes = out.bytes();
    const size_t end = bytes.find("\r\n\r\n");
    a.head = bytes.substr(0, end + 4);
    a.body = bytes.substr(end + 4);
    a.file_bytes = out.pending() - bytes.size();
    EXPECT_EQ(a.status, std::stoi(a.head.substr(9, 3)));
    return a;
  }

  std::string dir_;
  std::unique_ptr<config::WebConfig> config_;
  std::unique_ptr<core::EventLoop> loop_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, ServesAFileWithNginxHeaders) {
  load("");
  const Answer a = get("GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "0123456789");
  EXPECT_EQ(a.header("Content-Type"), "text/plain");
  EXPECT_EQ(a.header("Content-Length"), "10");
  EXPECT_EQ(a.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(a.header("Connection"), "keep-alive");
  EXPECT_FALSE(a.header("ETag").empty());
  EXPECT_FALSE(a.header("Last-Modified").empty());
  EXPECT_EQ(a.head.rfind("HTTP/1.1 200 OK\r\nServer: webcycle", 0), 0u) << a.head;
}

TEST_F(RouterTest, HeadHasNoBodyButTheLength) {
  load("");
  const Answer a = get("HEAD /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("Content-Length"), "10");
  EXPECT_EQ(a.body, "");
}

TEST_F(RouterTest, ConditionalAndRangeRequests) {
  load("");
  const std::string etag = get("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n").header("ETag");
  const Answer nm = get("GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\n\r\n");
  EXPECT_EQ(nm.status, 304);
  EXPECT_EQ(nm.body, "");
  const Answer r = get("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\n\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "234");
  EXPECT_EQ(r.header("Content-Range"), "bytes 2-4/10");
  const Answer bad = get("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=50-60\r\n\r\n");
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.header("Content-Range"), "bytes */10");
}

TEST_F(RouterTest, DirectoryWithoutSlashRedirectsWithTheHostAndPort) {
  load("");
  const Answer a = get("GET /docs?x=1 HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n");
  EXPECT_EQ(a.status, 301);
  EXPECT_EQ(a.header("Location"), "http://example.com:8080/docs/?x=1");
  EXPECT_NE(a.body.find("<center><h1>301 Moved Permanently</h1></center>"), std::string::npos);
}

TEST_F(RouterTest, IndexFilesAndForbiddenDirectories) {
  load("");
  EXPECT_EQ(get("GET /docs/ HTTP/1.1\r\nHost: x\r\n\r\n").body, "docs\n");
  EXPECT_EQ(get("GET / HTTP/1.1\r\nHost: x\r\n\r\n").body, "<h1>home</h1>\n");
  EXPECT_EQ(get("GET /empty/ HTTP/1.1\r\nHost: x\r\n\r\n").status, 403);
  EXPECT_EQ(get("GET /nowhere/ HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
  EXPECT_EQ(get("GET /missing.txt HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
}

TEST_F(RouterTest, MethodsAStaticFileDoesNotTake) {
  load("");
  EXPECT_EQ(get("PUT /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status, 405);
  EXPECT_EQ(get("POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status, 405);
  EXPECT_EQ(get("POST /missing HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status, 404);
}

TEST_F(RouterTest, ReturnTextAndRedirects) {
  load("location = /ok { return 200 \"up $uri\\n\"; }\n"
       "location = /old { return 301 /new; }\n"
       "location = /gone { return 410; }\n");
  const Answer ok = get("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "up /ok\n");
  EXPECT_EQ(ok.header("Content-Type"), "application/octet-stream");
  const Answer old = get("GET /old HTTP/1.1\r\nHost: localhost:8080\r\n\r\n");
  EXPECT_EQ(old.status, 301);
  EXPECT_EQ(old.header("Location"), "http://localhost:8080/new");
  EXPECT_EQ(get("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n").status, 410);
}

TEST_F(RouterTest, TryFilesFallsBackToTheLastUri) {
  load("location / { try_files $uri $uri/ /fallback.html; }\n");
  EXPECT_EQ(get("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n").body, "0123456789");
  EXPECT_EQ(get("GET /app/route HTTP/1.1\r\nHost: x\r\n\r\n").body, "spa\n");
  EXPECT_EQ(get("GET /docs HTTP/1.1\r\nHost: x\r\n\r\n").status, 301);
}

TEST_F(RouterTest, ErrorsThatCloseTheConnection) {
  load("client_max_body_size 5;\n");
  const Answer big = get("POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n");
  EXPECT_EQ(big.status, 413);
  EXPECT_FALSE(big.keep_alive);
  EXPECT_EQ(big.header("Connection"), "close");
  const Answer bad = get("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(bad.status, 400);
  EXPECT_FALSE(bad.keep_alive);
}

TEST_F(RouterTest, KeepaliveRequestsEndsTheConnection) {
  load("keepalive_requests 3;\n");
  EXPECT_TRUE(get("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", 2).keep_alive);
  const Answer last = get("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", 3);
  EXPECT_FALSE(last.keep_alive);
  EXPECT_EQ(last.header("Connection"), "close");
}

TEST_F(RouterTest, TraversalNeverLeavesTheRoot) {
  write("secret.txt", "secret");
  load("");
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/a/..%2f..%2fsecret.txt",
                             "/%2e%2e%2fsecret.txt"}) {
    const Answer a = get(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(a.status, 200) << target;
    EXPECT_EQ(a.body.find("secret"), std::string::npos) << target;
  }
}

TEST_F(RouterTest, LargeFilesGoOutAsFileRanges) {
  write("html/big.bin", std::string(100000, 'x'));
  load("");
  const Answer a = get("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "");  // not copied: queued for sendfile
  EXPECT_EQ(a.file_bytes, 100000u);
}

}  // namespace
}  // namespace wc::web
