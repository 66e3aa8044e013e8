// Character classes of RFC 9110/9112/3986 as 256-entry tables (internal to src/http).
#pragma once

#include <array>
#include <cstdint>

namespace wc::http::detail {

enum : uint8_t {
  kTchar = 1 << 0,       // token character (RFC 9110 5.6.2)
  kFieldVchar = 1 << 1,  // field-value character: VCHAR, obs-text, SP, HTAB
  kTargetChar = 1 << 2,  // request-target byte we accept: VCHAR except none, plus obs-text
  kHex = 1 << 3,
  kUnreserved = 1 << 4,  // RFC 3986 unreserved
  kSubDelim = 1 << 5,    // RFC 3986 sub-delims
  kMethodChar = 1 << 6,  // nginx's method alphabet: A-Z, '_', '-'
};

constexpr std::array<uint8_t, 256> make_char_table() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t v = 0;
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    if (alpha || digit) v |= kTchar;
    switch (c) {
      case '!':
      case '#':
      case '$':
      case '%':
      case '&':
      case '\'':
      case '*':
      case '+':
      case '-':
      case '.':
      case '^':
      case '_':
      case '`':
      case '|':
      case '~':
        v |= kTchar;
        break;
      default:
        break;
    }
    if ((c >= 0x20 && c <= 0x7e) || c >= 0x80 || c == '\t') v |= kFieldVchar;
    if ((c > 0x20 && c < 0x7f) || c >= 0x80) v |= kTargetChar;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
    if (alpha || digit || c == '-' || c == '.' || c == '_' || c == '~') v |= kUnreserved;
    switch (c) {
      case '!':
      case '$':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':
      case '+':
      case ',':
      case ';':
      case '=':
        v |= kSubDelim;
        break;
      default:
        break;
    }
    if ((c >= 'A' && c <= 'Z') || c == '_' || c == '-') v |= kMethodChar;
    t[c] = v;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kChars = make_char_table();

inline bool is(unsigned char c, uint8_t cls) { return (kChars[c] & cls) != 0; }

inline constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

inline int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace wc::http::detail
