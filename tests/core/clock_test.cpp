#include "core/clock.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace wc::core {
namespace {

std::string strftime_local(time_t t, const char* fmt) {
  tm local;
  localtime_r(&t, &local);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, fmt, &local);
  return std::string(buf, n);
}

std::string strftime_utc(time_t t, const char* fmt) {
  tm utc;
  gmtime_r(&t, &utc);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, fmt, &utc);
  return std::string(buf, n);
}

// strftime's %z is "+0000"; ISO 8601 wants "+00:00".
std::string iso_zone(time_t t) {
  std::string z = strftime_local(t, "%z");
  return z.substr(0, 3) + ":" + z.substr(3);
}

class WallClockZones : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const char* old = std::getenv("TZ");
    had_tz_ = old != nullptr;
    if (had_tz_) old_tz_ = old;
    setenv("TZ", GetParam(), 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_) {
      setenv("TZ", old_tz_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  bool had_tz_ = false;
  std::string old_tz_;
};

TEST_P(WallClockZones, FormatsMatchStrftime) {
  for (time_t t : {time_t{1795461601}, time_t{0}, time_t{951782400}, time_t{1700000000}}) {
    WallClock c;
    c.set_time(t, 123);
    EXPECT_EQ(c.http_date(), strftime_utc(t, "%a, %d %b %Y %H:%M:%S GMT")) << t;
    EXPECT_EQ(c.time_local(), strftime_local(t, "%d/%b/%Y:%H:%M:%S %z")) << t;
    EXPECT_EQ(c.iso8601(), strftime_local(t, "%Y-%m-%dT%H:%M:%S") + iso_zone(t)) << t;
    EXPECT_EQ(c.error_log_time(), strftime_local(t, "%Y/%m/%d %H:%M:%S")) << t;
    EXPECT_EQ(c.msec(), std::to_string(t) + ".123") << t;
    EXPECT_EQ(c.unix_seconds(), t);
  }
}

INSTANTIATE_TEST_SUITE_P(Zones, WallClockZones,
                         ::testing::Values("UTC0", "EST5EDT,M3.2.0,M11.1.0", "IST-5:30"));

TEST(WallClock, KnownDate) {
  WallClock c;
  c.set_time(1795461601, 7);  // 2026-11-23 19:20:01 UTC, a Monday
  EXPECT_EQ(c.http_date(), "Mon, 23 Nov 2026 19:20:01 GMT");
  EXPECT_EQ(c.msec(), "1795461601.007");
}

TEST(WallClock, MillisecondsUpdateWithinTheSameSecond) {
  WallClock c;
  c.set_time(1000, 1);
  std::string date(c.http_date());
  c.set_time(1000, 999);
  EXPECT_EQ(c.msec(), "1000.999");
  EXPECT_EQ(c.http_date(), date);
  c.set_time(1001, 0);
  EXPECT_EQ(c.msec(), "1001.000");
  EXPECT_NE(c.http_date(), date);
}

TEST(WallClock, UpdateFollowsRealTime) {
  WallClock c;
  c.update();
  time_t now = time(nullptr);
  EXPECT_LE(std::llabs(static_cast<long long>(c.unix_seconds() - now)), 1);
}

}  // namespace
}  // namespace wc::core
