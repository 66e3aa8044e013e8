#include "core/clock.h"

#include <cstdio>

namespace wc::core {

namespace {

constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

unsigned char clamp_len(int n, size_t cap) {
  if (n < 0) return 0;
  return static_cast<unsigned char>(static_cast<size_t>(n) < cap ? n : cap - 1);
}

}  // namespace

WallClock::WallClock() { update(); }

void WallClock::update() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  set_time(ts.tv_sec, static_cast<unsigned>(ts.tv_nsec / 1000000));
}

void WallClock::set_time(time_t seconds, unsigned msec) {
  if (msec > 999) msec = 999;
  if (seconds != seconds_) {
    seconds_ = seconds;
    format_seconds();
    msec_part_ = msec;
    format_msec();
  } else if (msec != msec_part_) {
    msec_part_ = msec;
    format_msec();
  }
}

void WallClock::format_seconds() {
  tm utc;
  gmtime_r(&seconds_, &utc);
  http_date_len_ =
      clamp_len(std::snprintf(http_date_, sizeof http_date_, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                              kWeekdays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon],
                              utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec),
                sizeof http_date_);

  tm local;
  localtime_r(&seconds_, &local);
  long offset_min = local.tm_gmtoff / 60;
  char sign = offset_min < 0 ? '-' : '+';
  if (offset_min < 0) offset_min = -offset_min;
  int oh = static_cast<int>(offset_min / 60), om = static_cast<int>(offset_min % 60);
  int year = local.tm_year + 1900, mon = local.tm_mon + 1;
  time_local_len_ = clamp_len(
      std::snprintf(time_local_, sizeof time_local_, "%02d/%s/%04d:%02d:%02d:%02d %c%02d%02d",
                    local.tm_mday, kMonths[local.tm_mon], year, local.tm_hour, local.tm_min,
                    local.tm_sec, sign, oh, om),
      sizeof time_local_);
  iso8601_len_ = clamp_len(
      std::snprintf(iso8601_, sizeof iso8601_, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", year,
                    mon, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec, sign, oh, om),
      sizeof iso8601_);
  error_log_len_ =
      clamp_len(std::snprintf(error_log_, sizeof error_log_, "%04d/%02d/%02d %02d:%02d:%02d", year,
                              mon, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec),
                sizeof error_log_);
}

void WallClock::format_msec() {
  // Runs about once per loop iteration under load, so digits are written by hand, not snprintf.
  if (seconds_ < 0) {
    msec_len_ = clamp_len(std::snprintf(msec_, sizeof msec_, "%lld.%03u",
                                        static_cast<long long>(seconds_), msec_part_),
                          sizeof msec_);
    return;
  }
  char digits[24];
  size_t n = 0;
  auto v = static_cast<unsigned long long>(seconds_);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  size_t len = 0;
  while (n > 0) msec_[len++] = digits[--n];
  msec_[len++] = '.';
  msec_[len++] = static_cast<char>('0' + msec_part_ / 100);
  msec_[len++] = static_cast<char>('0' + msec_part_ / 10 % 10);
  msec_[len++] = static_cast<char>('0' + msec_part_ % 10);
  msec_len_ = static_cast<unsigned char>(len);
}

}  // namespace wc::core
