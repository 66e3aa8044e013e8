// Internal to src/dns: what the line-based files (hosts, resolv.conf) share — glibc's field
// splitting, and the quoting of a bad field in a "FILE:LINE: reason" diagnostic.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wc::dns::detail {

// isspace() in the C locale minus '\n' (lines are already split): glibc splits fields with
// isspace, so a CRLF file's '\r' is not part of the last field.
[[nodiscard]] inline bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// The blank-separated fields of `line`; with `hash_comments`, a '#' ends the line (hosts(5)).
[[nodiscard]] inline std::vector<std::string_view> split_fields(std::string_view line,
                                                                bool hash_comments) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size() || (hash_comments && line[i] == '#')) break;
    const size_t start = i;
    while (i < line.size() && !is_blank(line[i]) && !(hash_comments && line[i] == '#')) ++i;
    out.push_back(line.substr(start, i - start));
  }
  return out;
}

// "\"text\"", with control bytes, bytes >= 0x7f, '"' and '\\' as \xHH: safe in a log line.
[[nodiscard]] inline std::string quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

}  // namespace wc::dns::detail
