#include "web/vars/escape.h"

#include <array>

namespace wc::web::vars {
namespace {

// One table lookup per byte: access-log lines are formatted for every request.
constexpr auto kLogEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
  return t;
}();

bool needs_log_escape(unsigned char c) noexcept { return kLogEscape[c]; }

bool needs_json_escape(unsigned char c) noexcept { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

void append_log_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!needs_log_escape(c)) continue;
    out.append(s.data() + run, i - run);
    const char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
    out.append(esc, 4);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";  // nginx writes "\u001F"
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!needs_json_escape(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    size_t n = 2;
    switch (c) {
      case '"':
      case '\\':
        esc[1] = static_cast<char>(c);
        break;
      case '\n':
        esc[1] = 'n';
        break;
      case '\r':
        esc[1] = 'r';
        break;
      case '\t':
        esc[1] = 't';
        break;
      case '\b':
        esc[1] = 'b';
        break;
      case '\f':
        esc[1] = 'f';
        break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = static_cast<char>('0' + (c >> 4));
        esc[5] = kHex[c & 0xf];
        n = 6;
        break;
    }
    out.append(esc, n);
  }
  out.append(s.data() + run, s.size() - run);
}

}  // namespace wc::web::vars
