#include "http/chunked_decoder.h"

#include <algorithm>
#include <cstring>

#include "http/chars.h"

namespace wc::http {

using detail::is;

void ChunkedDecoder::reset() {
  const ChunkedLimits limits = limits_;
  *this = ChunkedDecoder(limits);
}

ParseStatus ChunkedDecoder::fail(int status, std::string_view reason) {
  state_ = State::kError;
  error_ = ParseError{status, reason};
  return ParseStatus::kError;
}

namespace {

// Trailer fields that would change framing or routing if a later hop merged them into the
// head (RFC 9110 6.5.1): refused rather than silently dropped.
bool forbidden_trailer(std::string_view lower_name) {
  static constexpr std::string_view kNames[] = {
      "content-length", "transfer-encoding", "host", "connection", "te", "trailer", "upgrade"};
  for (std::string_view n : kNames) {
    if (n == lower_name) return true;
  }
  return false;
}

bool is_bws(char c) { return c == ' ' || c == '\t'; }

// qdtext / quoted-pair payload: HTAB, SP, VCHAR except '"' and '\\', obs-text.
bool is_qdtext(unsigned char c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
         (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

}  // namespace

ParseStatus ChunkedDecoder::decode_raw(std::string_view in, size_t& consumed, RawSink sink,
                                       void* ctx) {
  consumed = 0;
  if (state_ == State::kError) return ParseStatus::kError;
  if (state_ == State::kDone) return ParseStatus::kDone;
  const char* p = in.data();
  const char* const end = p + in.size();

  while (p < end) {
    if (state_ == State::kData) {
      // Hot path: hand over as much of the chunk as is here, without copying.
      const size_t avail = static_cast<size_t>(end - p);
      const size_t take = chunk_left_ < avail ? static_cast<size_t>(chunk_left_) : avail;
      sink(ctx, std::string_view(p, take));
      p += take;
      chunk_left_ -= take;
      if (chunk_left_ == 0) state_ = State::kDataCr;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(*p++);
    // Extensions are bounded as a whole, whatever state inside them we are in.
    if (state_ >= State::kExtStart && state_ <= State::kExtAfterValue &&
        ++ext_len_ > limits_.max_extensions) {
      return fail(400, "client sent too long chunk extensions");
    }
    switch (state_) {
      case State::kSize: {
        const int h = detail::hex_value(c);
        if (h >= 0) {
          if (chunk_left_ >> 59) return fail(400, "client sent too large chunk size");
          chunk_left_ = chunk_left_ * 16 + static_cast<uint64_t>(h);
          ++digits_;
          break;
        }
        if (digits_ == 0) return fail(400, "client sent invalid chunk size");
        if (c == ';') {
          state_ = State::kExtStart;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else {
          return fail(400, "client sent invalid chunk size");
        }
        break;
      }
      case State::kExtStart:
        if (is_bws(static_cast<char>(c))) break;
        if (!is(c, detail::kTchar)) return fail(400, "client sent invalid chunk extension");
        state_ = State::kExtName;
        break;
      case State::kExtName:
        if (is(c, detail::kTchar)) break;
        [[fallthrough]];
      case State::kExtAfterName:
        if (is_bws(static_cast<char>(c))) {
          state_ = State::kExtAfterName;
        } else if (c == '=') {
          state_ = State::kExtValueStart;
        } else if (c == ';') {
          state_ = State::kExtStart;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else {
          return fail(400, "client sent invalid chunk extension");
        }
        break;
      case State::kExtValueStart:
        if (is_bws(static_cast<char>(c))) break;
        if (c == '"') {
          state_ = State::kExtQuoted;
        } else if (is(c, detail::kTchar)) {
          state_ = State::kExtValue;
        } else {
          return fail(400, "client sent invalid chunk extension");
        }
        break;
      case State::kExtValue:
        if (is(c, detail::kTchar)) break;
        [[fallthrough]];
      case State::kExtAfterValue:
        if (is_bws(static_cast<char>(c))) {
          state_ = State::kExtAfterValue;
        } else if (c == ';') {
          state_ = State::kExtStart;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else {
          return fail(400, "client sent invalid chunk extension");
        }
        break;
      case State::kExtQuoted:
        if (c == '"') {
          state_ = State::kExtAfterValue;
        } else if (c == '\\') {
          state_ = State::kExtQuotedPair;
        } else if (!is_qdtext(c)) {
          return fail(400, "client sent invalid chunk extension");
        }
        break;
      case State::kExtQuotedPair:
        if (!is_qdtext(c) && c != '"' && c != '\\') {
          return fail(400, "client sent invalid chunk extension");
        }
        state_ = State::kExtQuoted;
        break;
      case State::kSizeLf:
        if (c != '\n') return fail(400, "client sent invalid chunk size line");
        ext_len_ = 0;
        digits_ = 0;
        if (chunk_left_ == 0) {
          state_ = State::kTrailerStart;
          break;
        }
        if (limits_.max_body != 0 &&
            (chunk_left_ > limits_.max_body || total_ + chunk_left_ > limits_.max_body)) {
          return fail(413, "client intended to send too large chunked body");
        }
        if (total_ + chunk_left_ < total_) return fail(400, "client sent too large chunked body");
        total_ += chunk_left_;
        state_ = State::kData;
        break;
      case State::kDataCr:
        if (c != '\r') return fail(400, "client sent chunk data without CRLF");
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (c != '\n') return fail(400, "client sent chunk data without CRLF");
        state_ = State::kSize;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kFinalLf;
          break;
        }
        if (!is(c, detail::kTchar)) return fail(400, "client sent invalid trailer line");
        name_len_ = 0;
        state_ = State::kTrailerName;
        [[fallthrough]];
      case State::kTrailerName:
        if (++trailer_len_ > limits_.max_trailers) {
          return fail(431, "client sent too large trailer section");
        }
        if (is(c, detail::kTchar)) {
          if (name_len_ < sizeof(name_)) name_[name_len_] = detail::lower(static_cast<char>(c));
          ++name_len_;
          break;
        }
        if (c != ':') return fail(400, "client sent invalid trailer line");
        if (name_len_ <= sizeof(name_) && forbidden_trailer(std::string_view(name_, name_len_))) {
          return fail(400, "client sent forbidden trailer field");
        }
        state_ = State::kTrailerValue;
        break;
      case State::kTrailerValue:
        if (++trailer_len_ > limits_.max_trailers) {
          return fail(431, "client sent too large trailer section");
        }
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (!is(c, detail::kFieldVchar)) {
          return fail(400, "client sent invalid trailer line");
        }
        break;
      case State::kTrailerLf:
        if (c != '\n') return fail(400, "client sent invalid trailer line");
        state_ = State::kTrailerStart;
        break;
      case State::kFinalLf:
        if (c != '\n') return fail(400, "client sent invalid chunked body end");
        state_ = State::kDone;
        consumed = static_cast<size_t>(p - in.data());
        return ParseStatus::kDone;
      case State::kData:
      case State::kDone:
      case State::kError:
        break;  // handled above
    }
  }
  consumed = in.size();
  return ParseStatus::kNeedMore;
}

}  // namespace wc::http
