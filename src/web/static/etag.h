// nginx's strong ETag for a static file: "<mtime hex>-<size hex>" with lowercase hex digits and
// the quotes, e.g. "6740a1b2-400" (ngx_http_set_etag). Formatted into a fixed inline buffer: no
// allocation. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace wc::web::static_files {

// A formatted ETag held by value (36 bytes), so a cache entry or a request can keep one.
class ETag {
 public:
  static constexpr size_t kMaxLen = 1 + 16 + 1 + 16 + 1;  // quotes, two 64-bit hex numbers, '-'

  ETag() = default;
  // The ETag nginx sends for a file with this mtime (seconds) and size (bytes).
  ETag(int64_t mtime, uint64_t size) noexcept;

  [[nodiscard]] std::string_view view() const noexcept { return {buf_, len_}; }
  [[nodiscard]] bool empty() const noexcept { return len_ == 0; }

 private:
  char buf_[kMaxLen] = {};
  unsigned char len_ = 0;
};

// RFC 9110 8.8.3.2. Strong: both strong and byte-equal. Weak: equal once any "W/" is dropped.
[[nodiscard]] bool etag_strong_equal(std::string_view a, std::string_view b) noexcept;
[[nodiscard]] bool etag_weak_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace wc::web::static_files
