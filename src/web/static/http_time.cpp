#include "web/static/http_time.h"

namespace wc::web::static_files {
namespace {

bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Month from its first letters, as nginx reads it (it looks at no more than it needs).
int month_of(const char* p) noexcept {
  switch (p[0]) {
    case 'J':
      return p[1] == 'a' ? 0 : p[2] == 'n' ? 5 : 6;
    case 'F':
      return 1;
    case 'M':
      return p[2] == 'r' ? 2 : 4;
    case 'A':
      return p[1] == 'p' ? 3 : 7;
    case 'S':
      return 8;
    case 'O':
      return 9;
    case 'N':
      return 10;
    case 'D':
      return 11;
    default:
      return -1;
  }
}

}  // namespace

// Follows ngx_parse_http_time step by step: the weekday is skipped up to ',' (IMF-fixdate and RFC
// 850) or ' ' (asctime), and nothing after the time (or the asctime year) is looked at.
std::optional<int64_t> parse_nginx_http_time(std::string_view s) noexcept {
  enum Fmt { none, rfc822, rfc850, isoc };
  static constexpr unsigned kMonthDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  const char* p = s.data();
  const char* const end = s.data() + s.size();
  Fmt fmt = none;

  for (; p < end; ++p) {
    if (*p == ',') break;
    if (*p == ' ') {
      fmt = isoc;
      break;
    }
  }
  for (++p; p < end; ++p) {
    if (*p != ' ') break;
  }
  if (end - p < 18) return std::nullopt;

  unsigned day = 0, year = 0, hour, min, sec;
  if (fmt != isoc) {
    if (!digit(p[0]) || !digit(p[1])) return std::nullopt;
    day = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    if (*p == ' ') {
      if (end - p < 18) return std::nullopt;
      fmt = rfc822;
    } else if (*p == '-') {
      fmt = rfc850;
    } else {
      return std::nullopt;
    }
    ++p;
  }

  int month = month_of(p);
  if (month < 0) return std::nullopt;
  p += 3;
  if ((fmt == rfc822 && *p != ' ') || (fmt == rfc850 && *p != '-')) return std::nullopt;
  ++p;

  if (fmt == rfc822) {
    if (!digit(p[0]) || !digit(p[1]) || !digit(p[2]) || !digit(p[3])) return std::nullopt;
    year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    p += 4;
  } else if (fmt == rfc850) {
    if (!digit(p[0]) || !digit(p[1])) return std::nullopt;
    year = (p[0] - '0') * 10 + (p[1] - '0');
    year += year < 70 ? 2000 : 1900;
    p += 2;
  }

  if (fmt == isoc) {
    if (*p == ' ') ++p;
    if (!digit(*p)) return std::nullopt;
    day = *p++ - '0';
    if (*p != ' ') {
      if (!digit(*p)) return std::nullopt;
      day = day * 10 + (*p++ - '0');
    }
    if (end - p < 14) return std::nullopt;
  }

  if (*p++ != ' ') return std::nullopt;
  if (!digit(p[0]) || !digit(p[1])) return std::nullopt;
  hour = (p[0] - '0') * 10 + (p[1] - '0');
  p += 2;
  if (*p++ != ':') return std::nullopt;
  if (!digit(p[0]) || !digit(p[1])) return std::nullopt;
  min = (p[0] - '0') * 10 + (p[1] - '0');
  p += 2;
  if (*p++ != ':') return std::nullopt;
  if (!digit(p[0]) || !digit(p[1])) return std::nullopt;
  sec = (p[0] - '0') * 10 + (p[1] - '0');
  p += 2;

  if (fmt == isoc) {
    if (*p++ != ' ') return std::nullopt;
    if (!digit(p[0]) || !digit(p[1]) || !digit(p[2]) || !digit(p[3])) return std::nullopt;
    year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
  }

  if (hour > 23 || min > 59 || sec > 59) return std::nullopt;
  if (day == 29 && month == 1) {
    if ((year & 3) || (year % 100 == 0 && year % 400 != 0)) return std::nullopt;
  } else if (day > kMonthDays[month]) {
    return std::nullopt;
  }

  // Days since 1970-01-01 with the year shifted to start in March (Gauss), as nginx computes it.
  int64_t m = month;  // 0-based
  int64_t y = year;
  if (--m <= 0) {
    m += 12;
    y -= 1;
  }
  int64_t days =
      365 * y + y / 4 - y / 100 + y / 400 + 367 * m / 12 - 30 + day - 1 - 719527 + 31 + 28;
  return days * 86400 + hour * 3600 + min * 60 + sec;
}

}  // namespace wc::web::static_files
