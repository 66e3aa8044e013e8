// Fuzzes ChunkedDecoder: the decoded body, verdict and consumed count must not depend on how
// the input is cut into reads (whole, two parts at a data-derived point, one byte at a time).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/chunked_decoder.h"

namespace {

using namespace wc::http;

struct Outcome {
  ParseStatus status = ParseStatus::kNeedMore;
  int error = 0;
  size_t consumed = 0;
  std::string body;
  bool operator==(const Outcome&) const = default;
};

Outcome run(std::string_view in, size_t step) {
  ChunkedDecoder d(ChunkedLimits{.max_body = 1 << 16, .max_extensions = 128, .max_trailers = 512});
  Outcome o;
  size_t pos = 0;
  while (pos < in.size()) {
    const std::string_view piece = in.substr(pos, step);
    size_t consumed = 0;
    o.status = d.decode(piece, consumed, [&](std::string_view data) {
      if (data.data() < piece.data() || data.data() + data.size() > piece.data() + piece.size()) {
        std::abort();  // pieces must be views into this call's input
      }
      o.body.append(data);
    });
    if (consumed > piece.size()) std::abort();
    o.consumed += consumed;
    if (o.status == ParseStatus::kError) {
      o.error = d.error().status;
      if (o.error != 400 && o.error != 413 && o.error != 431) std::abort();
      o.consumed = 0;  // where an error is noticed is not part of the contract
      return o;
    }
    if (o.status == ParseStatus::kDone) {
      if (d.body_size() != o.body.size()) std::abort();
      return o;
    }
    if (consumed != piece.size()) std::abort();  // kNeedMore consumes everything
    pos += piece.size();
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const Outcome whole = run(in, size == 0 ? 1 : size);
  const size_t step = size == 0 ? 1 : 1 + (data[0] * 131u + size) % size;
  if (!(run(in, step) == whole)) std::abort();
  if (size <= 4096 && !(run(in, 1) == whole)) std::abort();
  return 0;
}
