#include "http/http_date.h"

#include <gtest/gtest.h>

namespace wc::http {
namespace {

std::string fmt(time_t t) {
  char buf[kHttpDateLen];
  return std::string(format_http_date(t, buf));
}

TEST(HttpDate, Formats) {
  EXPECT_EQ(fmt(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(fmt(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(fmt(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(fmt(1795392000), "Mon, 23 Nov 2026 00:00:00 GMT");
  EXPECT_EQ(fmt(4102444799), "Thu, 31 Dec 2099 23:59:59 GMT");
}

TEST(HttpDate, FormatMatchesGmtime) {
  for (time_t t = 0; t < 4102444800; t += 86400 * 37 + 3607) {
    struct tm tm;
    gmtime_r(&t, &tm);
    char expect[64];
    strftime(expect, sizeof expect, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    ASSERT_EQ(fmt(t), expect);
    ASSERT_EQ(parse_http_date(expect), t);
  }
}

TEST(HttpDate, ParsesAllThreeForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov 16 08:49:37 1994"), 784111777 + 10 * 86400);
  EXPECT_EQ(parse_http_date("Tuesday, 01-Jan-30 00:00:00 GMT"), 1893456000);
}

TEST(HttpDate, RejectsOthers) {
  EXPECT_EQ(parse_http_date(""), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT; length=12"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("\"abc\""), std::nullopt);
}

}  // namespace
}  // namespace wc::http
