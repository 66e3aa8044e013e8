#include "web/static/autoindex.h"

#include <gtest/gtest.h>

namespace wc::web::static_files {
namespace {

std::string size_column(int64_t size) {
  std::vector<DirEntry> entries = {{"f", false, size, 0}};
  AutoindexOptions o;
  o.exact_size = false;
  std::string out;
  render_autoindex("/", entries, o, out);
  const size_t end = out.find("\r\n</pre>");
  return out.substr(end - 7, 7);
}

TEST(Autoindex, HumanSizesRoundAsNginx) {
  EXPECT_EQ(size_column(0), "      0");
  EXPECT_EQ(size_column(9999), "   9999");
  EXPECT_EQ(size_column(10000), "    10K");  // 9.77 K rounds up
  EXPECT_EQ(size_column(10751), "    10K");  // a remainder of 511 rounds down
  EXPECT_EQ(size_column(10752), "    11K");  // 512 rounds up
  EXPECT_EQ(size_column(1024 * 1024 - 1), "  1024K");
  EXPECT_EQ(size_column(1024 * 1024), "     1M");
  EXPECT_EQ(size_column(3LL * 1024 * 1024 * 1024 + 512LL * 1024 * 1024), "     4G");
}

TEST(Autoindex, DirectoriesFirstThenBytewise) {
  std::vector<DirEntry> entries = {{"b", false, 1, 0}, {"Z", true, 0, 0}, {"a", true, 0, 0},
                                   {"B", false, 1, 0}};
  AutoindexOptions o;
  o.format = AutoindexFormat::kXml;
  std::string out;
  render_autoindex("/", entries, o, out);
  EXPECT_EQ(entries[0].name, "Z");
  EXPECT_EQ(entries[1].name, "a");
  EXPECT_EQ(entries[2].name, "B");
  EXPECT_EQ(entries[3].name, "b");
}

TEST(Autoindex, JsonEscapesQuotesBackslashesAndControls) {
  std::vector<DirEntry> entries = {{"a\"b\\c\x01", false, 1, 0}};
  AutoindexOptions o;
  o.format = AutoindexFormat::kJson;
  std::string out;
  render_autoindex("/", entries, o, out);
  EXPECT_NE(out.find("\"name\":\"a\\\"b\\\\c\\u0001\""), std::string::npos) << out;
}

TEST(Autoindex, JsonpCallbackNames) {
  EXPECT_TRUE(valid_jsonp_callback("jQuery_1.x$"));
  EXPECT_FALSE(valid_jsonp_callback("a(b)"));
  EXPECT_FALSE(valid_jsonp_callback("a b"));
}

}  // namespace
}  // namespace wc::web::static_files
