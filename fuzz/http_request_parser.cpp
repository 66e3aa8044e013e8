// Fuzzes RequestParser (+ body framing) over a byte stream, fed whole and split in two at a
// point derived from the data: both must give the same requests and the same verdict, and
// every view must point inside the input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/chunked_decoder.h"
#include "http/request_parser.h"

namespace {

using namespace wc::http;

struct Verdict {
  std::vector<std::string> requests;  // one summary line per request
  ParseStatus last = ParseStatus::kNeedMore;
  int error = 0;
  bool operator==(const Verdict&) const = default;
};

void check_inside(std::string_view part, std::string_view buf) {
  if (part.empty()) return;
  if (part.data() < buf.data() || part.data() + part.size() > buf.data() + buf.size()) {
    std::abort();
  }
}

// Parses `in`, first seeing only in[0, split) and then all of it, as a connection does when
// bytes arrive in two reads.
Verdict run(std::string_view in, size_t split) {
  Verdict v;
  Limits limits;
  limits.max_request_line = 512;  // small limits reach the limit paths with short inputs
  limits.max_header_line = 256;
  limits.max_head = 2048;
  limits.max_headers = 16;
  RequestParser parser(limits);
  ChunkedDecoder decoder(
      ChunkedLimits{.max_body = 4096, .max_extensions = 64, .max_trailers = 256});
  RequestHead head;
  size_t avail = split;
  size_t pos = 0;
  enum { kHead, kLength, kChunked } state = kHead;
  uint64_t left = 0;
  std::string body;
  while (true) {
    const std::string_view buf = in.substr(0, avail);
    const std::string_view rest = buf.substr(pos);
    ParseStatus s;
    if (state == kHead) {
      size_t consumed = 0;
      s = parser.parse(rest, head, consumed);
      if (s == ParseStatus::kDone) {
        if (consumed == 0 || consumed > rest.size()) std::abort();
        check_inside(head.method_name, buf);
        check_inside(head.target, buf);
        if (head.path != "/") check_inside(head.path, buf);  // "/" may be a literal
        check_inside(head.query, buf);
        check_inside(head.host, buf);
        for (const Header& h : head.headers) {
          check_inside(h.name, buf);
          check_inside(h.value, buf);
          if (h.name.empty()) std::abort();
        }
        std::string line(head.method_name);
        line += ' ';
        line += head.target;
        line += ' ' + std::to_string(head.headers.size()) + ' ' +
                std::to_string(static_cast<int>(head.body)) + ' ' +
                std::to_string(head.content_length) + ' ' + std::to_string(head.keep_alive);
        v.requests.push_back(std::move(line));
        pos += consumed;
        parser.reset();
        if (!head.keep_alive) break;
        if (head.body == RequestHead::Body::kChunked) {
          decoder.reset();
          body.clear();
          state = kChunked;
        } else if (head.body == RequestHead::Body::kLength) {
          left = head.content_length;
          state = kLength;
        }
        continue;
      }
    } else if (state == kLength) {
      const size_t take = left < rest.size() ? static_cast<size_t>(left) : rest.size();
      pos += take;
      left -= take;
      if (left == 0) {
        state = kHead;
        continue;
      }
      s = ParseStatus::kNeedMore;
    } else {
      size_t consumed = 0;
      s = decoder.decode(rest, consumed, body);
      if (consumed > rest.size()) std::abort();
      pos += consumed;
      if (s == ParseStatus::kDone) {
        v.requests.back() += " body=" + body;
        state = kHead;
        continue;
      }
      if (s == ParseStatus::kError) v.error = decoder.error().status;
    }
    if (s == ParseStatus::kError) {
      v.last = s;
      if (state == kHead) v.error = parser.error().status;
      if (v.error < 400 || v.error > 505) std::abort();
      break;
    }
    // kNeedMore: the second read brings the rest, or the input is over.
    if (avail == in.size()) break;
    avail = in.size();
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const Verdict whole = run(in, size);
  const size_t split = size == 0 ? 0 : (data[0] * 257u + data[size - 1] + size) % (size + 1);
  const Verdict parts = run(in, split);
  if (!(whole == parts)) std::abort();
  return 0;
}
