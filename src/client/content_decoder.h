// Content-Encoding decoding for --compressed (gzip, x-gzip, deflate), streaming, on zlib: the
// one compression library Debian always has (zlib1g), the same one curl uses for this. Not a
// parser of ours: zlib checks the bytes. One decoder per response, one thread.
//
// "deflate" is RFC 9110's zlib-wrapped stream; a raw deflate stream (what some servers send
// instead) is accepted too, as curl and browsers accept it. Concatenated gzip members are decoded
// one after another (as gzip -d does). "identity" (or no Content-Encoding) passes bytes through.
// Errors: an unknown coding, or more than one ("gzip, gzip"), is refused before any byte
// (curl's exit 61, "unrecognized content encoding"); corrupt data or a truncated stream is exit 61
// too, with zlib's message.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wc::client {

class ContentDecoder {
 public:
  // `coding` is the Content-Encoding value ("" for none). Error as above.
  [[nodiscard]] static Result<std::unique_ptr<ContentDecoder>> create(std::string_view coding);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  // Decodes `in`, appending to `out`. Bytes after the end of the stream are ignored (as curl).
  [[nodiscard]] Status feed(std::string_view in, std::string& out);
  // The body ended: an error if the compressed stream had not.
  [[nodiscard]] Status finish();
  [[nodiscard]] bool identity() const noexcept { return kind_ == Kind::kIdentity; }

 private:
  enum class Kind : unsigned char { kIdentity, kGzip, kDeflate };
  explicit ContentDecoder(Kind kind);
  struct Stream;
  Kind kind_;
  std::unique_ptr<Stream> stream_;
  bool started_ = false;
  bool ended_ = false;
  bool trailing_ = false;    // bytes after the last gzip member: ignored
  std::string first_bytes_;  // deflate: kept until we know whether the stream is zlib or raw
  std::string probe_;        // gzip: the start of what follows a member, until 2 bytes show
                             // whether it is another member
  [[nodiscard]] Status inflate_some(std::string_view in, std::string& out, size_t& used);
};

}  // namespace wc::client
