#include "web/static/etag.h"

namespace wc::web::static_files {
namespace {

// Lowercase hex without leading zeros, as nginx's "%xT" / "%xO" print.
char* put_hex(char* p, uint64_t v) noexcept {
  static constexpr char kDigits[] = "0123456789abcdef";
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = kDigits[v & 0xf];
    v >>= 4;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

std::string_view strip_weak(std::string_view s) noexcept {
  if (s.size() >= 2 && s[0] == 'W' && s[1] == '/') s.remove_prefix(2);
  return s;
}

}  // namespace

ETag::ETag(int64_t mtime, uint64_t size) noexcept {
  char* p = buf_;
  *p++ = '"';
  p = put_hex(p, static_cast<uint64_t>(mtime));
  *p++ = '-';
  p = put_hex(p, size);
  *p++ = '"';
  len_ = static_cast<unsigned char>(p - buf_);
}

bool etag_strong_equal(std::string_view a, std::string_view b) noexcept {
  if (a.starts_with("W/") || b.starts_with("W/")) return false;
  return a == b;
}

bool etag_weak_equal(std::string_view a, std::string_view b) noexcept {
  return strip_weak(a) == strip_weak(b);
}

}  // namespace wc::web::static_files
