// Test helper: decodes the base64 fields of the conformance corpora (../shared/corpora: raw_b64,
// body_b64), for the tests that read them (corpora_test, response_parser_test, split_diff_test).
// Characters outside the alphabet (padding, newlines) are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wc::http::testing {

inline std::string b64decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = val(c);
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace wc::http::testing
