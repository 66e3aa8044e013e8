#include "web/static/path.h"

#include <gtest/gtest.h>

namespace wc::web::static_files {
namespace {

TEST(Path, Root) {
  std::string out;
  map_root("/srv/www", "/index.html", out);
  EXPECT_EQ(out, "/srv/www/index.html");
  map_root("/srv/www", "/", out);
  EXPECT_EQ(out, "/srv/www/");
  // Joined literally, as nginx does.
  map_root("/srv/www/", "/a", out);
  EXPECT_EQ(out, "/srv/www//a");
}

TEST(Path, Alias) {
  std::string out;
  map_alias("/data/w3/images/", "/i/", "/i/top.gif", out);
  EXPECT_EQ(out, "/data/w3/images/top.gif");
  map_alias("/data/w3/images", "/i", "/i/top.gif", out);
  EXPECT_EQ(out, "/data/w3/images/top.gif");
  map_alias("/data/file.txt", "/exact", "/exact", out);  // location = /exact { alias ...; }
  EXPECT_EQ(out, "/data/file.txt");
  map_alias("/data/w3/images/", "/i", "/i/top.gif", out);
  EXPECT_EQ(out, "/data/w3/images//top.gif");
  map_regex_alias("/data/w3/images/top.gif", out);
  EXPECT_EQ(out, "/data/w3/images/top.gif");
}

TEST(Path, ReusedBufferKeepsItsCapacity) {
  std::string out;
  map_root("/srv/www", "/a/rather/long/path/to/some/file.html", out, 16);
  EXPECT_GE(out.capacity(), out.size() + 16);
  const char* data = out.data();
  map_root("/srv/www", "/short", out);
  EXPECT_EQ(out, "/srv/www/short");
  EXPECT_EQ(out.data(), data);  // no reallocation
}

}  // namespace
}  // namespace wc::web::static_files
