// MIME lookup by extension, with the mime.types webcycle ships.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace wc::web::config {
namespace {

using testing::TempDir;

class ShippedMimeTypes : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path =
        dir.write("conf/webcycle.conf",
                  "events {}\nhttp {\n include " WEBCYCLE_SOURCE_DIR
                  "/share/mime.types;\n"
                  " default_type application/octet-stream;\n server { listen 8080; } }\n");
    auto c = load_config(path, dir.path());
    ASSERT_TRUE(c) << c.error().message;
    config = std::move(*c);
  }
  std::string_view type(std::string_view path) {
    return mime_type(config->http.servers[0]->loc, path);
  }
  TempDir dir;
  std::unique_ptr<WebConfig> config;
};

TEST_F(ShippedMimeTypes, CommonTypes) {
  struct Case {
    const char* path;
    const char* type;
  } cases[] = {
      {"/index.html", "text/html"},
      {"/a.htm", "text/html"},
      {"/s.css", "text/css"},
      {"/app.js", "application/javascript"},
      {"/m.mjs", "application/javascript"},
      {"/d.json", "application/json"},
      {"/f.xml", "text/xml"},
      {"/r.txt", "text/plain"},
      {"/i.png", "image/png"},
      {"/i.jpg", "image/jpeg"},
      {"/i.jpeg", "image/jpeg"},
      {"/i.gif", "image/gif"},
      {"/i.svg", "image/svg+xml"},
      {"/i.webp", "image/webp"},
      {"/favicon.ico", "image/x-icon"},
      {"/i.avif", "image/avif"},
      {"/f.woff", "font/woff"},
      {"/f.woff2", "font/woff2"},
      {"/f.ttf", "font/ttf"},
      {"/f.otf", "font/otf"},
      {"/d.pdf", "application/pdf"},
      {"/a.zip", "application/zip"},
      {"/a.gz", "application/gzip"},
      {"/a.tar", "application/x-tar"},
      {"/v.mp4", "video/mp4"},
      {"/v.webm", "video/webm"},
      {"/s.mp3", "audio/mpeg"},
      {"/s.ogg", "audio/ogg"},
      {"/w.wasm", "application/wasm"},
      {"/p.bin", "application/octet-stream"},
      {"/p.exe", "application/octet-stream"},
  };
  for (const Case& c : cases) EXPECT_EQ(type(c.path), c.type) << c.path;
}

TEST_F(ShippedMimeTypes, ExtensionRules) {
  EXPECT_EQ(type("/INDEX.HTML"), "text/html");                      // case-insensitive
  EXPECT_EQ(type("/archive.tar.gz"), "application/gzip");           // last dot
  EXPECT_EQ(type("/dir.html/README"), "application/octet-stream");  // dot not in last segment
  EXPECT_EQ(type("/noext"), "application/octet-stream");
  EXPECT_EQ(type("/trailing."), "application/octet-stream");
  EXPECT_EQ(type("/x.unknownext"), "application/octet-stream");
}

TEST(MimeTypes, BuiltInListWhenNoneConfigured) {
  TempDir dir;
  auto c = testing::load_text(dir, "events {}\nhttp { server { listen 8080; } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const LocationConf& l = (*c)->http.servers[0]->loc;
  EXPECT_EQ(mime_type(l, "/a.html"), "text/html");
  EXPECT_EQ(mime_type(l, "/a.gif"), "image/gif");
  EXPECT_EQ(mime_type(l, "/a.jpg"), "image/jpeg");
  EXPECT_EQ(mime_type(l, "/a.css"), "text/plain");
}

}  // namespace
}  // namespace wc::web::config
