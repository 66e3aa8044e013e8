// Byte ranges for a static file as nginx's range filter serves them
// (ngx_http_range_filter_module.c). Pure; one RangeSet / MultipartBody per request or reused by
// one thread (clear() keeps capacity, so a warmed-up object allocates nothing).
//
// What nginx does, and so what evaluate_range() returns:
// - Only a 200 response with a known length is ranged (the caller checks); the header must be at
//   least 7 bytes and start with "bytes=" (case-insensitive), otherwise it is ignored (-> full).
// - If-Range: a value ending in '"' must equal the ETag byte for byte; anything else is parsed as
//   a date that must equal mtime. A mismatch (or no ETag / no mtime) -> full 200.
// - Each range is "a-b", "a-" or "-n" separated by ',' with optional spaces. Any syntax error ->
//   416 (nginx does NOT ignore a malformed Range; it answers 416). Ranges are NOT merged or
//   sorted: each satisfiable one becomes a part, in the order sent. A range starting at or past
//   the end is skipped, except that one whose start is 0 (only possible on an empty file, or
//   "-0") makes nginx serve the whole file. No satisfiable range -> 416 with
//   "Content-Range: bytes */SIZE".
// - More than `max_ranges` ranges (nginx's max_ranges, unlimited by default), or ranges whose
//   lengths add up to more than the file -> the header is ignored (full 200).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wc::web::static_files {

// A satisfiable range, half-open: bytes [start, end) of the file, start < end <= size.
struct ByteRange {
  uint64_t start = 0;
  uint64_t end = 0;
  [[nodiscard]] uint64_t length() const noexcept { return end - start; }
};

enum class RangeOutcome : unsigned char {
  full,           // ignore Range: 200 with the whole file, with "Accept-Ranges: bytes" (nginx
                  // leaves that header out only when max_ranges is 0)
  single,         // 206 with one Content-Range
  multiple,       // 206 multipart/byteranges (see MultipartBody)
  unsatisfiable,  // 416 with "Content-Range: bytes */SIZE"
};

struct RangeRequest {
  std::optional<std::string_view> range;     // the Range header value, nullopt if absent
  std::optional<std::string_view> if_range;  // the If-Range header value, nullopt if absent
  uint64_t size = 0;                         // file size
  std::string_view etag;                     // response ETag with quotes; empty = none
  int64_t mtime = -1;                        // Last-Modified in seconds; -1 = none
  uint64_t max_ranges = UINT64_MAX;          // nginx max_ranges; 0 disables ranges
};

// Decides the outcome; for single/multiple, `ranges` holds the parts in request order (it is
// cleared first, and left empty for full/unsatisfiable).
[[nodiscard]] RangeOutcome evaluate_range(const RangeRequest& req, std::vector<ByteRange>& ranges);

// The Range grammar step alone (value after any If-Range check), for tests and callers that did
// their own If-Range: same results as evaluate_range.
[[nodiscard]] RangeOutcome parse_range(std::string_view value, uint64_t size, uint64_t max_ranges,
                                       std::vector<ByteRange>& ranges);

// "bytes START-LAST/SIZE" for a single part (LAST = end - 1). `out` needs kContentRangeMax bytes.
inline constexpr size_t kContentRangeMax = 6 + 3 * 20 + 2;
[[nodiscard]] std::string_view format_content_range(ByteRange r, uint64_t size, char* out) noexcept;
// "bytes */SIZE" for a 416.
[[nodiscard]] std::string_view format_unsatisfiable_range(uint64_t size, char* out) noexcept;

// One piece of a multipart/byteranges body: literal bytes (held by the MultipartBody) or a range
// of the file, so the caller can write() the former and sendfile() the latter.
struct BodySegment {
  bool is_file = false;
  std::string_view literal;  // when !is_file; points into the MultipartBody that made it
  uint64_t offset = 0;       // when is_file: file offset
  uint64_t length = 0;       // when is_file: byte count; otherwise literal.size()
};

// The multipart/byteranges body exactly as nginx writes it, for ranges [r1, r2, ...]:
//   for each range:  "\r\n--B\r\nContent-Type: T\r\nContent-Range: bytes a-b/SIZE\r\n\r\n" + data
//   then:            "\r\n--B--\r\n"
// B is the boundary number zero-padded to 20 digits (nginx's "%0muA" on 64-bit); the response's
// Content-Type is "multipart/byteranges; boundary=B". With an empty `content_type` the part's
// Content-Type line is left out, as nginx does. Owns its literal text: views stay valid until the
// next build()/clear() or destruction; do not move it while segments are in use (the literal
// views point into it).
class MultipartBody {
 public:
  static constexpr size_t kBoundaryDigits = 20;

  // `content_type` is the full value nginx would have sent (including "; charset=..." if any).
  // `boundary` is any number (nginx uses a per-process counter, ngx_next_temp_number()).
  void build(std::span<const ByteRange> ranges, uint64_t size, std::string_view content_type,
             uint64_t boundary);
  void clear() noexcept;

  // "multipart/byteranges; boundary=00000000000000000001"
  [[nodiscard]] std::string_view content_type() const noexcept { return content_type_; }
  // Exact body length: the Content-Length header value.
  [[nodiscard]] uint64_t content_length() const noexcept { return content_length_; }
  [[nodiscard]] std::span<const BodySegment> segments() const noexcept { return segments_; }

 private:
  std::string text_;
  std::string content_type_;
  std::string head_;  // scratch: one part's header up to "bytes "
  std::vector<BodySegment> segments_;
  uint64_t content_length_ = 0;
};

}  // namespace wc::web::static_files
