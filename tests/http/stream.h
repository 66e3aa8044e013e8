// Test helper: drives RequestParser + body framing over a byte stream the way a connection
// does (optionally fed in slices), collecting complete requests with owned copies.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/chunked_decoder.h"
#include "http/request_parser.h"

namespace wc::http::testing {

struct Message {
  std::string method;
  std::string target;
  int major = 0;
  int minor = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = false;
  bool upgrade = false;
  RequestHead::Body framing = RequestHead::Body::kNone;
};

struct StreamResult {
  enum class End { kClean, kIncomplete, kError, kStopped };
  std::vector<Message> messages;
  std::optional<Message> partial;  // head complete, body cut short by the end of input
  End end = End::kClean;
  ParseError error;
};

// `slice` 0 feeds everything at once; otherwise `slice` bytes per read. Stops after a request
// the connection would not continue past (no keep-alive, upgrade, CONNECT), as a server does.
inline StreamResult parse_stream(std::string_view data, Limits limits = {},
                                 ChunkedLimits chunked = {}, size_t slice = 0) {
  StreamResult r;
  RequestParser parser(limits);
  ChunkedDecoder decoder(chunked);
  RequestHead head;
  std::string buf;
  size_t pos = 0, fed = 0;
  auto feed = [&] {
    if (fed == data.size()) return false;
    const size_t k = slice == 0 ? data.size() - fed : std::min(slice, data.size() - fed);
    buf.append(data.substr(fed, k));
    fed += k;
    return true;
  };
  enum class State { kHead, kLength, kChunked } state = State::kHead;
  uint64_t left = 0;
  Message msg;
  auto finish = [&] {
    const bool stop = !msg.keep_alive || msg.upgrade || msg.method == "CONNECT";
    r.messages.push_back(std::move(msg));
    msg = Message{};
    state = State::kHead;
    return stop;
  };
  feed();
  while (true) {
    const std::string_view rest = std::string_view(buf).substr(pos);
    if (state == State::kHead) {
      size_t consumed = 0;
      const ParseStatus s = parser.parse(rest, head, consumed);
      if (s == ParseStatus::kError) {
        r.end = StreamResult::End::kError;
        r.error = parser.error();
        return r;
      }
      if (s == ParseStatus::kNeedMore) {
        if (feed()) continue;
        const bool blank = rest.find_first_not_of("\r\n") == std::string_view::npos;
        r.end = blank ? StreamResult::End::kClean : StreamResult::End::kIncomplete;
        return r;
      }
      msg.method = head.method_name;
      msg.target = head.target;
      msg.major = head.major;
      msg.minor = head.minor;
      for (const Header& h : head.headers) msg.headers.emplace_back(h.name, h.value);
      msg.keep_alive = head.keep_alive;
      msg.upgrade = head.upgrade;
      msg.framing = head.body;
      pos += consumed;
      parser.reset();
      if (head.method == Method::kConnect) {
        finish();
        r.end = StreamResult::End::kStopped;
        return r;
      }
      if (head.body == RequestHead::Body::kChunked) {
        decoder.reset();
        state = State::kChunked;
      } else if (head.body == RequestHead::Body::kLength && head.content_length > 0) {
        left = head.content_length;
        state = State::kLength;
      } else if (finish()) {
        r.end = StreamResult::End::kStopped;
        return r;
      }
    } else if (state == State::kLength) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(left, rest.size()));
      msg.body.append(rest.substr(0, take));
      pos += take;
      left -= take;
      if (left == 0) {
        if (finish()) {
          r.end = StreamResult::End::kStopped;
          return r;
        }
      } else if (!feed()) {
        r.end = StreamResult::End::kIncomplete;
        r.partial = std::move(msg);
        return r;
      }
    } else {
      size_t consumed = 0;
      const ParseStatus s = decoder.decode(rest, consumed, msg.body);
      pos += consumed;
      if (s == ParseStatus::kError) {
        r.end = StreamResult::End::kError;
        r.error = decoder.error();
        return r;
      }
      if (s == ParseStatus::kDone) {
        if (finish()) {
          r.end = StreamResult::End::kStopped;
          return r;
        }
      } else if (!feed()) {
        r.end = StreamResult::End::kIncomplete;
        r.partial = std::move(msg);
        return r;
      }
    }
  }
}

}  // namespace wc::http::testing
