#include "web/config/values.h"

#include <limits>

namespace wc::web::config {

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<int64_t> parse_number(std::string_view text) {
  if (text.empty()) return fail("invalid number");
  int64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return fail("invalid number");
    if (value > (kMax - (c - '0')) / 10) return fail("invalid number");
    value = value * 10 + (c - '0');
  }
  return value;
}

Result<int64_t> parse_size(std::string_view text) {
  if (text.empty()) return fail("invalid value");
  int64_t scale = 1;
  switch (text.back()) {
    case 'k':
    case 'K':
      scale = 1024;
      break;
    case 'm':
    case 'M':
      scale = 1024 * 1024;
      break;
    case 'g':
    case 'G':
      scale = 1024 * 1024 * 1024;
      break;
    default:
      break;
  }
  if (scale != 1) text.remove_suffix(1);
  auto n = parse_number(text);
  if (!n || *n > kMax / scale) return fail("invalid value");
  return *n * scale;
}

Result<int64_t> parse_time_ms(std::string_view text) {
  // Units in the order they must appear (each at most once, larger first), in milliseconds.
  enum Step { kNone, kYear, kMonth, kWeek, kDay, kHour, kMin, kSec, kMsec };
  Step step = kNone;
  int64_t total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    if (!is_digit(text[i])) return fail("invalid value");
    int64_t value = 0;
    while (i < text.size() && is_digit(text[i])) {
      if (value > (kMax / 1000 - 9) / 10) return fail("invalid value");
      value = value * 10 + (text[i++] - '0');
    }
    Step unit;
    int64_t ms;
    char c = i < text.size() ? text[i] : '\0';
    switch (c) {
      case 'y':
        unit = kYear, ms = 365LL * 86400000;
        break;
      case 'M':
        unit = kMonth, ms = 30LL * 86400000;
        break;
      case 'w':
        unit = kWeek, ms = 7LL * 86400000;
        break;
      case 'd':
        unit = kDay, ms = 86400000;
        break;
      case 'h':
        unit = kHour, ms = 3600000;
        break;
      case 'm':
        if (i + 1 < text.size() && text[i + 1] == 's') {
          unit = kMsec, ms = 1;
          ++i;
        } else {
          unit = kMin, ms = 60000;
        }
        break;
      case 's':
        unit = kSec, ms = 1000;
        break;
      case ' ':
      case '\0':
        // A bare number is seconds, and only allowed last.
        unit = kSec, ms = 1000;
        --i;
        break;
      default:
        return fail("invalid value");
    }
    ++i;
    if (unit <= step) return fail("invalid value");
    if (c == ' ' || c == '\0') {
      while (i < text.size() && text[i] == ' ') ++i;
      if (i < text.size()) return fail("invalid value");
    }
    step = unit;
    if (value > (kMax - total) / ms) return fail("invalid value");
    total += value * ms;
    any = true;
  }
  if (!any) return fail("invalid value");
  return total;
}

Result<bool> parse_flag(std::string_view text) {
  auto eq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  };
  if (eq(text, "on")) return true;
  if (eq(text, "off")) return false;
  return fail("invalid value");
}

}  // namespace wc::web::config
