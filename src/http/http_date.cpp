#include "http/http_date.h"

#include <cstdint>
#include <cstring>

namespace wc::http {

namespace {

constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kLongDays[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};

// Howard Hinnant's civil-from-days / days-from-civil (proleptic Gregorian, UTC): no tz state.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

void put2(char* o, unsigned v) {
  o[0] = static_cast<char>('0' + v / 10);
  o[1] = static_cast<char>('0' + v % 10);
}

// Small cursor over the input for the three date grammars.
struct Reader {
  std::string_view s;
  size_t i = 0;
  bool lit(std::string_view l) {
    if (s.substr(i, l.size()) != l) return false;
    i += l.size();
    return true;
  }
  bool digits(int n, int& out) {
    int v = 0;
    for (int k = 0; k < n; ++k) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i++] - '0');
    }
    out = v;
    return true;
  }
  bool month(int& out) {
    for (int k = 0; k < 12; ++k) {
      if (s.substr(i, 3) == kMonths[k]) {
        out = k + 1;
        i += 3;
        return true;
      }
    }
    return false;
  }
  bool time(int& h, int& m, int& sec) {
    return digits(2, h) && lit(":") && digits(2, m) && lit(":") && digits(2, sec);
  }
  bool at_end() const { return i == s.size(); }
};

std::optional<time_t> make_time(int y, int mon, int d, int h, int m, int s) {
  if (mon < 1 || mon > 12 || d < 1 || d > 31 || h > 23 || m > 59 || s > 60) return std::nullopt;
  static constexpr int kMonthDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kMonthDays[mon - 1]) return std::nullopt;
  if (mon == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return std::nullopt;
  const int64_t days = days_from_civil(y, static_cast<unsigned>(mon), static_cast<unsigned>(d));
  return static_cast<time_t>(days * 86400 + h * 3600 + m * 60 + (s > 59 ? 59 : s));
}

}  // namespace

std::string_view format_http_date(time_t t, char* out) {
  const int64_t secs = static_cast<int64_t>(t);
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const int wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  std::memcpy(out, kDays[wday], 3);
  out[3] = ',';
  out[4] = ' ';
  put2(out + 5, d);
  out[7] = ' ';
  std::memcpy(out + 8, kMonths[m - 1], 3);
  out[11] = ' ';
  const unsigned yy = static_cast<unsigned>(y < 0 ? 0 : (y > 9999 ? 9999 : y));
  put2(out + 12, yy / 100);
  put2(out + 14, yy % 100);
  out[16] = ' ';
  put2(out + 17, static_cast<unsigned>(rem / 3600));
  out[19] = ':';
  put2(out + 20, static_cast<unsigned>(rem / 60 % 60));
  out[22] = ':';
  put2(out + 23, static_cast<unsigned>(rem % 60));
  std::memcpy(out + 25, " GMT", 4);
  return std::string_view(out, kHttpDateLen);
}

std::optional<time_t> parse_http_date(std::string_view s) {
  int y = 0, mon = 0, d = 0, h = 0, m = 0, sec = 0;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  for (const char* day : kDays) {
    Reader r{s};
    if (r.lit(day) && r.lit(", ") && r.digits(2, d) && r.lit(" ") && r.month(mon) && r.lit(" ") &&
        r.digits(4, y) && r.lit(" ") && r.time(h, m, sec) && r.lit(" GMT") && r.at_end()) {
      return make_time(y, mon, d, h, m, sec);
    }
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  for (const char* day : kDays) {
    Reader r{s};
    if (r.lit(day) && r.lit(" ") && r.month(mon) && r.lit(" ")) {
      if (r.i < s.size() && s[r.i] == ' ') {
        ++r.i;
        if (!r.digits(1, d)) break;
      } else if (!r.digits(2, d)) {
        break;
      }
      if (r.lit(" ") && r.time(h, m, sec) && r.lit(" ") && r.digits(4, y) && r.at_end()) {
        return make_time(y, mon, d, h, m, sec);
      }
      break;
    }
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
  for (const char* day : kLongDays) {
    Reader r{s};
    if (r.lit(day) && r.lit(", ") && r.digits(2, d) && r.lit("-") && r.month(mon) && r.lit("-") &&
        r.digits(2, y) && r.lit(" ") && r.time(h, m, sec) && r.lit(" GMT") && r.at_end()) {
      y += y >= 70 ? 1900 : 2000;
      return make_time(y, mon, d, h, m, sec);
    }
  }
  return std::nullopt;
}

}  // namespace wc::http
