#include "web/static/http_time.h"

#include <gtest/gtest.h>

namespace wc::web::static_files {
namespace {

constexpr int64_t kSunNov6 = 784111777;  // 1994-11-06 08:49:37 UTC

TEST(HttpTime, ParsesTheThreeFormats) {
  EXPECT_EQ(parse_nginx_http_time("Sun, 06 Nov 1994 08:49:37 GMT"), kSunNov6);
  EXPECT_EQ(parse_nginx_http_time("Sunday, 06-Nov-94 08:49:37 GMT"), kSunNov6);
  EXPECT_EQ(parse_nginx_http_time("Sun Nov  6 08:49:37 1994"), kSunNov6);
  EXPECT_EQ(parse_nginx_http_time("Sun Nov 16 08:49:37 1994"), kSunNov6 + 10 * 86400);
  EXPECT_EQ(parse_nginx_http_time("Sun, 02 Jan 2005 03:04:05 GMT"), 1104635045);
  EXPECT_EQ(parse_nginx_http_time("Sunday, 02-Jan-05 03:04:05 GMT"), 1104635045);
  EXPECT_EQ(parse_nginx_http_time("Mon, 23 Nov 2026 19:20:01 GMT"), 1795461601);
  EXPECT_EQ(parse_nginx_http_time("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
}

TEST(HttpTime, LenientWhereNginxIs) {
  // nginx ignores the weekday and what follows the time.
  EXPECT_EQ(parse_nginx_http_time("Xyz, 06 Nov 1994 08:49:37 GMT"), kSunNov6);
  EXPECT_EQ(parse_nginx_http_time("Sun, 06 Nov 1994 08:49:37"), kSunNov6);
  EXPECT_EQ(parse_nginx_http_time("Sun, 06 Nov 1994 08:49:37 GMT; length=12"), kSunNov6);
}

TEST(HttpTime, RefusesWhatNginxRefuses) {
  EXPECT_EQ(parse_nginx_http_time(""), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("yesterday"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("Sun, 06 Xov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("Sun, 06 Nov 1994 24:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("Sun, 06 Nov 1994 08:60:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("Sun, 31 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("Sun, 6 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("Sun, 06 Nov 94 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("1994-11-06T08:49:37Z"), std::nullopt);
}

TEST(HttpTime, LeapDays) {
  EXPECT_EQ(parse_nginx_http_time("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
  EXPECT_EQ(parse_nginx_http_time("Thu, 29 Feb 1900 00:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("Sun, 29 Feb 2026 00:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_nginx_http_time("Thu, 29 Feb 2024 00:00:00 GMT"), 1709164800);
}

}  // namespace
}  // namespace wc::web::static_files
