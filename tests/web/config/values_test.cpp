#include "web/config/values.h"

#include <gtest/gtest.h>

namespace wc::web::config {
namespace {

TEST(Values, Sizes) {
  EXPECT_EQ(parse_size("512").value(), 512);
  EXPECT_EQ(parse_size("8k").value(), 8192);
  EXPECT_EQ(parse_size("8K").value(), 8192);
  EXPECT_EQ(parse_size("1m").value(), 1048576);
  EXPECT_EQ(parse_size("2G").value(), 2LL << 30);
  EXPECT_EQ(parse_size("0").value(), 0);
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("k"));
  EXPECT_FALSE(parse_size("1x"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("1.5m"));
  EXPECT_FALSE(parse_size("99999999999999999999"));
}

TEST(Values, Times) {
  EXPECT_EQ(parse_time_ms("75s").value(), 75000);
  EXPECT_EQ(parse_time_ms("75").value(), 75000);
  EXPECT_EQ(parse_time_ms("1m").value(), 60000);
  EXPECT_EQ(parse_time_ms("500ms").value(), 500);
  EXPECT_EQ(parse_time_ms("1h").value(), 3600000);
  EXPECT_EQ(parse_time_ms("1h 30m").value(), 5400000);
  EXPECT_EQ(parse_time_ms("1h30m").value(), 5400000);
  EXPECT_EQ(parse_time_ms("1d").value(), 86400000);
  EXPECT_EQ(parse_time_ms("1w").value(), 7 * 86400000LL);
  EXPECT_EQ(parse_time_ms("1M").value(), 30 * 86400000LL);
  EXPECT_EQ(parse_time_ms("1y").value(), 365 * 86400000LL);
  EXPECT_EQ(parse_time_ms("1m 5").value(), 65000);
  EXPECT_FALSE(parse_time_ms(""));
  EXPECT_FALSE(parse_time_ms("s"));
  EXPECT_FALSE(parse_time_ms("1x"));
  EXPECT_FALSE(parse_time_ms("30m 1h"));  // units must go from large to small
  EXPECT_FALSE(parse_time_ms("1s 1s"));
  EXPECT_FALSE(parse_time_ms("5 1m"));  // a bare number only last
  EXPECT_FALSE(parse_time_ms("99999999999999999999s"));
}

TEST(Values, Flags) {
  EXPECT_TRUE(parse_flag("on").value());
  EXPECT_FALSE(parse_flag("off").value());
  EXPECT_TRUE(parse_flag("ON").value());
  EXPECT_FALSE(parse_flag("yes"));
  EXPECT_FALSE(parse_flag(""));
}

TEST(Values, Numbers) {
  EXPECT_EQ(parse_number("1024").value(), 1024);
  EXPECT_FALSE(parse_number("-1"));
  EXPECT_FALSE(parse_number("1k"));
  EXPECT_FALSE(parse_number(""));
}

}  // namespace
}  // namespace wc::web::config
