// Appending numbers to a string without allocation beyond the string's own growth (to_chars):
// Content-Length values and chunk sizes on the request path.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace wc::core {

inline void append_number(std::string& out, uint64_t n) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

// Lower-case hexadecimal, as a chunk-size line writes it.
inline void append_hex(std::string& out, uint64_t n) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n, 16);
  out.append(buf, r.ptr);
}

}  // namespace wc::core
