// Incremental decoder for the chunked transfer coding of a request body (RFC 9112 7.1).
// Pure: bytes in, decoded data out, no I/O. Strict: hex sizes with overflow check, CRLF only,
// chunk extensions parsed and ignored (bounded), trailer fields parsed and discarded (bounded).
//
// Ownership: pieces handed to the sink are views INTO the `in` of that decode() call, valid only
// during the call. Threading: one decoder per request, one thread.
// Errors: kError with error() = {400, reason} for malformed framing, {413, ...} when the decoded
// body exceeds max_body. After kError the connection must be closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "http/request_parser.h"

namespace wc::http {

struct ChunkedLimits {
  uint64_t max_body = 0;         // client_max_body_size; 0 = unlimited (as nginx)
  size_t max_extensions = 4096;  // bytes of chunk extensions per chunk-size line
  size_t max_trailers = 8192;    // bytes of the whole trailer section
};

class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(ChunkedLimits limits = {}) : limits_(limits) {}

  // Decodes from `in`. `consumed` = bytes of `in` used; the caller drops them and calls again
  // with the rest plus new bytes. The decoder keeps its own state, so every byte is looked at once.
  //  kNeedMore: all of `in` was consumed (consumed == in.size()); more input needed.
  //  kDone:     the last chunk and trailers ended; bytes after `consumed` belong to the next
  //             request on the connection.
  //  kError:    see error().
  // `on_data(std::string_view)` is called with each run of body bytes, in order (zero-copy).
  template <class Sink>
  [[nodiscard]] ParseStatus decode(std::string_view in, size_t& consumed, Sink&& on_data) {
    using S = std::remove_reference_t<Sink>;
    return decode_raw(
        in, consumed, [](void* ctx, std::string_view piece) { (*static_cast<S*>(ctx))(piece); },
        const_cast<void*>(static_cast<const void*>(&on_data)));
  }
  // Convenience: appends decoded bytes to `out`.
  [[nodiscard]] ParseStatus decode(std::string_view in, size_t& consumed, std::string& out) {
    return decode(in, consumed, [&out](std::string_view piece) { out.append(piece); });
  }

  [[nodiscard]] ParseError error() const { return error_; }
  [[nodiscard]] uint64_t body_size() const { return total_; }  // decoded bytes so far
  [[nodiscard]] bool done() const { return state_ == State::kDone; }
  void reset();

 private:
  enum class State : uint8_t {
    kSize,           // hex digits of chunk-size
    kExtStart,       // after ';': BWS then ext-name
    kExtName,        // inside ext-name
    kExtAfterName,   // BWS, then '=', ';' or CR
    kExtValueStart,  // BWS, then token or quoted-string
    kExtValue,       // inside a token value
    kExtQuoted,      // inside a quoted-string
    kExtQuotedPair,  // after '\\' in a quoted-string
    kExtAfterValue,  // BWS, then ';' or CR
    kSizeLf,         // expecting LF after CR of the size line
    kData,           // chunk data
    kDataCr,         // expecting CR after data
    kDataLf,         // expecting LF after data
    kTrailerStart,   // start of a trailer line, or CR of the final CRLF
    kTrailerName,    // inside a trailer field name
    kTrailerValue,   // inside a trailer field value
    kTrailerLf,      // expecting LF after a trailer line's CR
    kFinalLf,        // expecting LF of the final CRLF
    kDone,
    kError,
  };
  using RawSink = void (*)(void*, std::string_view);
  ParseStatus decode_raw(std::string_view in, size_t& consumed, RawSink sink, void* ctx);
  ParseStatus fail(int status, std::string_view reason);

  ChunkedLimits limits_;
  State state_ = State::kSize;
  uint64_t chunk_left_ = 0;
  uint64_t total_ = 0;
  size_t digits_ = 0;
  size_t ext_len_ = 0;
  size_t trailer_len_ = 0;
  size_t name_len_ = 0;  // bytes of the current trailer name
  char name_[24] = {};   // its first bytes, lower-cased (to refuse framing fields)
  ParseError error_;
};

}  // namespace wc::http
