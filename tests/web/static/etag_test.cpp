#include "web/static/etag.h"

#include <gtest/gtest.h>

namespace wc::web::static_files {
namespace {

TEST(ETag, FormatsLikeNginx) {
  EXPECT_EQ(ETag(0x6740a1b2, 0x400).view(), "\"6740a1b2-400\"");
  EXPECT_EQ(ETag(1732389601, 1024).view(), "\"67422ae1-400\"");
  EXPECT_EQ(ETag(0, 0).view(), "\"0-0\"");
  EXPECT_EQ(ETag(0x7fffffffffffffff, 0xffffffffffffffff).view(),
            "\"7fffffffffffffff-ffffffffffffffff\"");
  EXPECT_TRUE(ETag().empty());
  EXPECT_FALSE(ETag(1, 1).empty());
}

TEST(ETag, StrongAndWeakComparison) {
  EXPECT_TRUE(etag_strong_equal("\"a-1\"", "\"a-1\""));
  EXPECT_FALSE(etag_strong_equal("W/\"a-1\"", "\"a-1\""));
  EXPECT_FALSE(etag_strong_equal("W/\"a-1\"", "W/\"a-1\""));
  EXPECT_FALSE(etag_strong_equal("\"a-1\"", "\"a-2\""));
  EXPECT_TRUE(etag_weak_equal("W/\"a-1\"", "\"a-1\""));
  EXPECT_TRUE(etag_weak_equal("W/\"a-1\"", "W/\"a-1\""));
  EXPECT_TRUE(etag_weak_equal("\"a-1\"", "\"a-1\""));
  EXPECT_FALSE(etag_weak_equal("W/\"a-1\"", "\"a-2\""));
}

}  // namespace
}  // namespace wc::web::static_files
