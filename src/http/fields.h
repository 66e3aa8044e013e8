// Field-value helpers the request and the response parser share (RFC 9110 5.6, 8.6; RFC 9112
// 6.1): list iteration, Content-Length digits, and the Transfer-Encoding coding list. Pure,
// header-only, internal to src/http (the parsers' strictness rules live here once).
#pragma once

#include <cstdint>
#include <string_view>

#include "http/chars.h"
#include "http/request_parser.h"

namespace wc::http::fields {

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// token = 1*tchar (RFC 9110 5.6.2).
inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is(static_cast<unsigned char>(c), detail::kTchar)) return false;
  }
  return true;
}

// Calls f(element) for each non-empty element of a comma-separated list, OWS trimmed; stops
// and returns false as soon as f does.
template <class F>
bool for_each_element(std::string_view v, F&& f) {
  size_t i = 0;
  while (i <= v.size()) {
    size_t j = v.find(',', i);
    if (j == std::string_view::npos) j = v.size();
    const std::string_view tok = trim_ows(v.substr(i, j - i));
    if (!tok.empty() && !f(tok)) return false;
    i = j + 1;
  }
  return true;
}

// 1*DIGIT at most 2^63-1, no sign, nothing else.
inline bool parse_digits63(std::string_view v, uint64_t& out) {
  if (v.empty()) return false;
  constexpr uint64_t kMax = 0x7fffffffffffffffULL;
  uint64_t r = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (r > (kMax - d) / 10) return false;
    r = r * 10 + d;
  }
  out = r;
  return true;
}

// The Transfer-Encoding fields of one message, read one field value at a time. The framing is
// valid when !bad && chunked_last: a list whose last coding is chunked, chunked only once.
struct TransferCodings {
  bool chunked_last = false;  // the last coding so far is "chunked"
  bool coded = false;         // a coding other than chunked/identity (e.g. gzip) came before it
  bool bad = false;           // a non-token, an empty field, a coding after chunked

  void add(std::string_view value) {
    bool any = false;
    const bool ok = for_each_element(value, [&](std::string_view tok) {
      any = true;
      if (!is_token(tok)) return false;
      if (chunked_last) return false;  // a coding after chunked, or chunked twice
      if (iequals(tok, "chunked")) {
        chunked_last = true;
      } else if (!iequals(tok, "identity")) {
        coded = true;
      }
      return true;
    });
    if (!ok || !any) bad = true;
  }
};

}  // namespace wc::http::fields
