#include "client/search.h"

#include <gtest/gtest.h>

namespace wc::client {
namespace {

TEST(FormEncode, SpacesArePlusAndTheRestIsEscaped) {
  EXPECT_EQ(form_encode("what is dns"), "what+is+dns");
  EXPECT_EQ(form_encode("what is dns?"), "what+is+dns%3F");
  EXPECT_EQ(form_encode("a+b=c&d"), "a%2Bb%3Dc%26d");
  EXPECT_EQ(form_encode("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(form_encode("-._~AZaz09"), "-._~AZaz09");
  EXPECT_EQ(form_encode("100%"), "100%25");
  EXPECT_EQ(form_encode("/#?"), "%2F%23%3F");
  EXPECT_EQ(form_encode(std::string_view("\0\n", 2)), "%00%0A");
  EXPECT_EQ(form_encode(""), "");
}

TEST(SearchUrl, FillsTheTemplate) {
  auto u = search_url("http://search.mysite.test/search?q=%s", "cheap flights");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, "http://search.mysite.test/search?q=cheap+flights");
  u = search_url("http://s/?a=%s&b=%s", "x y");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, "http://s/?a=x+y&b=x+y");
  u = search_url("http://s/%%s?q=%s", "z");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, "http://s/%%s?q=z");
}

TEST(SearchUrl, NeedsPercentS) {
  EXPECT_FALSE(search_url("http://s/?q=", "x"));
  EXPECT_FALSE(search_url("http://s/?q=%", "x"));
  EXPECT_FALSE(search_url("http://s/?q=%%s", "x"));
}

TEST(SearchUrl, DefaultIsTheDemoSearchEngine) {
  auto u = search_url(kDefaultSearchTemplate, "dns");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, "http://search.mysite.test/search?q=dns");
}

}  // namespace
}  // namespace wc::client
