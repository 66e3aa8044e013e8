// Fuzzes ResponseParser (+ body framing, chunked bodies through ChunkedDecoder) over an upstream's
// byte stream, as the answer to GET, HEAD and CONNECT. Each stream is fed whole, in two reads
// split at a point derived from the data (the first read an exactly-sized copy, so ASan sees any
// read past it), and one byte at a time: all three must give the same responses and the same
// verdict. Every view must point inside the buffer parsed, consumed never exceeds it, and the
// results keep their documented invariants.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "http/chunked_decoder.h"
#include "http/response_parser.h"

namespace {

using namespace wc::http;
using Body = ParsedResponse::Body;

struct Verdict {
  std::vector<std::string> responses;  // one summary per head, body bytes appended
  ParseStatus last = ParseStatus::kNeedMore;
  std::string error;
  bool operator==(const Verdict&) const = default;
};

void check_inside(std::string_view part, std::string_view buf) {
  if (part.empty()) return;
  FUZZ_CHECK(part.data() >= buf.data() && part.data() + part.size() <= buf.data() + buf.size());
}

bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

void check_head(const ParsedResponse& h, std::string_view buf, std::string_view head) {
  FUZZ_CHECK(head.size() >= 16);  // "HTTP/1.1 200\r\n\r\n" at least, after any empty lines
  FUZZ_CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
  FUZZ_CHECK(h.status >= 100 && h.status <= 999);
  FUZZ_CHECK(h.major == 1 && h.minor >= 0 && h.minor <= 9);
  check_inside(h.reason, buf);
  FUZZ_CHECK(!has_line_break(h.reason));
  for (const Header& f : h.headers) {
    check_inside(f.name, buf);
    check_inside(f.value, buf);
    FUZZ_CHECK(!f.name.empty());
    FUZZ_CHECK(f.name.find_first_of(" \t:") == std::string_view::npos);
    FUZZ_CHECK(!has_line_break(f.value));
    FUZZ_CHECK(f.value.empty() || (f.value.find_first_of(" \t") != 0 &&
                                   f.value.find_last_of(" \t") != f.value.size() - 1));
  }
  FUZZ_CHECK(h.content_length >= -1);
  if (h.body == Body::kLength) FUZZ_CHECK(h.content_length >= 0);
  if (h.body == Body::kChunked) FUZZ_CHECK(h.content_length == -1);
  if (h.body == Body::kClose || h.tunnel) FUZZ_CHECK(!h.keep_alive);
  if (h.tunnel) FUZZ_CHECK(h.body == Body::kNone);
  FUZZ_CHECK((h.body == Body::kInformational) == (h.status / 100 == 1 && h.status != 101));
}

std::string summary(const ParsedResponse& h) {
  std::string s =
      std::to_string(h.status) + " [" + std::string(h.reason) + "] 1." + std::to_string(h.minor);
  for (const Header& f : h.headers) {
    s += " {";
    s += f.name;
    s += '=';
    s += f.value;
    s += '}';
  }
  s += " body=" + std::to_string(static_cast<int>(h.body)) +
       " cl=" + std::to_string(h.content_length) + " ka=" + std::to_string(h.keep_alive) +
       " tunnel=" + std::to_string(h.tunnel) + " coded=" + std::to_string(h.transfer_coded) + " | ";
  return s;
}

enum class Feed { kWhole, kSplit, kBytes };

// Parses `in` as the connection would, the bytes arriving as `feed` says.
Verdict run(std::string_view in, Method method, Feed feed, size_t split) {
  Verdict v;
  ResponseLimits limits;
  limits.max_head = 1024;  // small enough for the limit path to be reached with short inputs
  ResponseParser parser(limits);
  ChunkedDecoder decoder(ChunkedLimits{.max_body = 0, .max_extensions = 64, .max_trailers = 256});
  ParsedResponse head;

  size_t avail = feed == Feed::kWhole ? in.size() : feed == Feed::kSplit ? split : 0;
  std::optional<fuzz::Owned> first;  // the split's first read, in its own exact-size block
  auto buffer = [&]() -> std::string_view {
    if (feed == Feed::kSplit && avail == split && split < in.size()) {
      if (!first) first.emplace(in.substr(0, split));
      return first->view();
    }
    return in.substr(0, avail);
  };

  size_t pos = 0;
  enum { kHead, kLength, kChunked, kClose } state = kHead;
  uint64_t left = 0;
  while (true) {
    const std::string_view buf = buffer();
    FUZZ_CHECK(pos <= buf.size());
    const std::string_view rest = buf.substr(pos);
    ParseStatus s = ParseStatus::kNeedMore;
    if (state == kHead) {
      size_t consumed = 0;
      s = parser.parse(rest, method, head, consumed);
      if (s == ParseStatus::kDone) {
        FUZZ_CHECK(consumed > 0 && consumed <= rest.size());
        FUZZ_CHECK(consumed <= 2 * limits.max_head + 2);  // empty lines, then the head
        check_head(head, buf, rest.substr(0, consumed));
        v.responses.push_back(summary(head));
        pos += consumed;
        parser.reset();
        if (head.body == Body::kInformational) continue;
        if (head.tunnel) {
          v.last = ParseStatus::kDone;
          break;
        }
        if (head.body == Body::kChunked) {
          decoder.reset();
          state = kChunked;
        } else if (head.body == Body::kLength && head.content_length > 0) {
          left = static_cast<uint64_t>(head.content_length);
          state = kLength;
        } else if (head.body == Body::kClose) {
          state = kClose;
        } else if (!head.keep_alive) {
          v.last = ParseStatus::kDone;
          break;
        }
        continue;
      }
      if (s == ParseStatus::kError) {
        FUZZ_CHECK(parser.error().status == 502 && !parser.error().reason.empty());
        v.error = parser.error().reason;
      }
    } else if (state == kLength) {
      const size_t take = left < rest.size() ? static_cast<size_t>(left) : rest.size();
      v.responses.back().append(rest.substr(0, take));
      pos += take;
      left -= take;
      if (left == 0) {
        state = kHead;
        if (!head.keep_alive) {
          v.last = ParseStatus::kDone;
          break;
        }
        continue;
      }
    } else if (state == kChunked) {
      size_t consumed = 0;
      std::string piece;
      s = decoder.decode(rest, consumed, piece);
      FUZZ_CHECK(consumed <= rest.size());
      FUZZ_CHECK(s != ParseStatus::kNeedMore || consumed == rest.size());
      v.responses.back() += piece;
      pos += consumed;
      if (s == ParseStatus::kDone) {
        state = kHead;
        if (!head.keep_alive) {
          v.last = ParseStatus::kDone;
          break;
        }
        continue;
      }
      if (s == ParseStatus::kError) v.error = "chunked: " + std::string(decoder.error().reason);
    } else {
      v.responses.back().append(rest);  // until EOF
      pos += rest.size();
    }
    if (s == ParseStatus::kError) {
      v.last = s;
      break;
    }
    // More bytes arrive, or the input is over.
    if (avail == in.size()) break;
    avail = feed == Feed::kBytes ? avail + 1 : in.size();
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t split = size == 0 ? 0 : (data[0] * 257u + data[size - 1] + size) % (size + 1);
  for (Method m : {Method::kGet, Method::kHead, Method::kConnect}) {
    const Verdict whole = run(in, m, Feed::kWhole, 0);
    FUZZ_CHECK(whole == run(in, m, Feed::kSplit, split));
    FUZZ_CHECK(whole == run(in, m, Feed::kBytes, 0));
  }
  return 0;
}
