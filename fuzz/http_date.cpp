// Fuzzes both HTTP date parsers: wc::http::parse_http_date (strict RFC 9110 forms) and
// web/static's parse_nginx_http_time (what nginx accepts). The whole input is the date text.
// Invariants: a parsed date formats to an IMF-fixdate that both parsers read back as the same
// second; when both parsers accept the same text (a date from 1970 on) they agree; and, reading
// the first 8 bytes as a time_t, format_http_date writes 29 well-formed bytes that parse back to
// that time for every year 0000-9999 (the nginx parser too from 1970 on).
#include "http/http_date.h"

#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <string_view>

#include "fuzz_util.h"
#include "web/static/http_time.h"

namespace {

using wc::http::format_http_date;
using wc::http::kHttpDateLen;
using wc::http::parse_http_date;
using wc::web::static_files::parse_nginx_http_time;

constexpr int64_t kYear0 = -62167219200;      // 0000-01-01T00:00:00Z
constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z

bool digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Formats `t` into an exactly-sized block, checks the shape, and checks it parses back.
void check_format(int64_t t) {
  std::unique_ptr<char[]> buf(new char[kHttpDateLen]);
  const std::string_view d = format_http_date(static_cast<time_t>(t), buf.get());
  FUZZ_CHECK(d.data() == buf.get() && d.size() == kHttpDateLen);
  if (t < kYear0 || t >= kYear10000) return;  // the year is clamped to 0000-9999 there
  FUZZ_CHECK(d.substr(3, 2) == ", " && d[7] == ' ' && d[11] == ' ' && d[16] == ' ');
  FUZZ_CHECK(d[19] == ':' && d[22] == ':' && d.substr(25) == " GMT");
  FUZZ_CHECK(digits(d.substr(5, 2)) && digits(d.substr(12, 4)) && digits(d.substr(17, 2)) &&
             digits(d.substr(20, 2)) && digits(d.substr(23, 2)));
  auto back = parse_http_date(d);
  FUZZ_CHECK(back && static_cast<int64_t>(*back) == t);
  if (t >= 0) {
    auto nginx = parse_nginx_http_time(d);
    FUZZ_CHECK(nginx && *nginx == t);
  }
  // The weekday is right: the same instant a week later names the same day.
  std::unique_ptr<char[]> week(new char[kHttpDateLen]);
  if (t + 7 * 86400 < kYear10000) {
    FUZZ_CHECK(std::memcmp(format_http_date(static_cast<time_t>(t + 7 * 86400), week.get()).data(),
                           d.data(), 3) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Owned in(std::string_view(reinterpret_cast<const char*>(data), size));

  auto strict = parse_http_date(in.view());
  auto nginx = parse_nginx_http_time(in.view());
  if (strict) check_format(static_cast<int64_t>(*strict));
  if (nginx) check_format(*nginx);
  // nginx ignores the weekday and trailing bytes and refuses second 60, the strict parser maps
  // 60 to 59: where both accept, the fields they read are the same. Before 1970 nginx's day count
  // (C division of a negative year) is not meant to be right.
  if (strict && nginx && *strict >= 0) FUZZ_CHECK(static_cast<int64_t>(*strict) == *nginx);

  if (size >= 8) {
    int64_t raw;
    std::memcpy(&raw, data, 8);
    check_format(raw);  // any time_t formats without UB
    const uint64_t span = static_cast<uint64_t>(kYear10000 - kYear0);
    check_format(kYear0 + static_cast<int64_t>(static_cast<uint64_t>(raw) % span));
  }
  return 0;
}
