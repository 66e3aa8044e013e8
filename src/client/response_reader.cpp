#include "client/response_reader.h"

#include <algorithm>

namespace wc::client {

void ResponseReader::reset(bool head_request) {
  head_request_ = head_request;
  state_ = State::kHead;
  pending_.clear();
  head_bytes_.clear();
  parser_.reset();
  head_.clear();
  chunked_.reset();
  remaining_ = 0;
  body_bytes_ = 0;
  wire_bytes_ = 0;
  extra_bytes_ = false;
  error_ = {};
}

bool ResponseReader::reusable() const noexcept {
  return state_ == State::kDone && head_.keep_alive && !head_.tunnel && !extra_bytes_ &&
         pending_.empty();
}

ResponseReader::State ResponseReader::fail(int code, std::string message) {
  state_ = State::kFailed;
  error_ = {code, std::move(message)};
  return state_;
}

ResponseReader::State ResponseReader::feed(std::string_view bytes, ResponseEvents& events) {
  if (state_ == State::kDone || state_ == State::kStopped) {
    if (!bytes.empty()) extra_bytes_ = true;
    return state_;
  }
  if (state_ == State::kFailed) return state_;
  wire_bytes_ += bytes.size();
  pending_.append(bytes);
  if (state_ == State::kHead) {
    if (parse_heads(events) != State::kBody) return state_;
  }
  return body(events);
}

ResponseReader::State ResponseReader::parse_heads(ResponseEvents& events) {
  const http::Method method = head_request_ ? http::Method::kHead : http::Method::kGet;
  while (state_ == State::kHead) {
    size_t consumed = 0;
    http::ParseStatus status = parser_.parse(pending_, method, head_, consumed);
    if (status == http::ParseStatus::kNeedMore) return state_;
    if (status == http::ParseStatus::kError) {
      return fail(8, "weird server reply: " + std::string(parser_.error().reason));
    }
    if (head_.body == http::ParsedResponse::Body::kInformational) {
      bool go_on = events.on_head(head_, std::string_view(pending_).substr(0, consumed), true);
      pending_.erase(0, consumed);
      parser_.reset();
      head_.clear();
      if (!go_on) state_ = State::kStopped;
      continue;
    }
    // The final head: keep its bytes so that head_'s views outlive pending_'s changes.
    head_bytes_.assign(pending_, 0, consumed);
    pending_.erase(0, consumed);
    parser_.reset();
    size_t again = 0;
    http::ParseStatus reparsed = parser_.parse(head_bytes_, method, head_, again);
    if (reparsed != http::ParseStatus::kDone) return fail(8, "weird server reply");
    remaining_ = head_.body == http::ParsedResponse::Body::kLength
                     ? static_cast<uint64_t>(std::max<int64_t>(head_.content_length, 0))
                     : 0;
    state_ = State::kBody;
    if (!events.on_head(head_, head_bytes_, false)) state_ = State::kStopped;
  }
  return state_;
}

ResponseReader::State ResponseReader::body(ResponseEvents& events) {
  using Body = http::ParsedResponse::Body;
  if (state_ != State::kBody) return state_;
  switch (head_.body) {
    case Body::kNone:
    case Body::kInformational:
      state_ = State::kDone;
      if (!pending_.empty()) extra_bytes_ = true;
      pending_.clear();
      return state_;
    case Body::kLength: {
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, pending_.size()));
      if (take > 0) {
        body_bytes_ += take;
        remaining_ -= take;
        events.on_body(std::string_view(pending_).substr(0, take));
      }
      pending_.erase(0, take);
      if (remaining_ == 0) {
        state_ = State::kDone;
        if (!pending_.empty()) extra_bytes_ = true;
        pending_.clear();
      }
      return state_;
    }
    case Body::kChunked: {
      size_t consumed = 0;
      http::ParseStatus status = chunked_.decode(pending_, consumed, [&](std::string_view piece) {
        body_bytes_ += piece.size();
        events.on_body(piece);
      });
      pending_.erase(0, consumed);
      if (status == http::ParseStatus::kError) {
        return fail(56, "malformed chunked encoding: " + std::string(chunked_.error().reason));
      }
      if (status == http::ParseStatus::kDone) {
        state_ = State::kDone;
        if (!pending_.empty()) extra_bytes_ = true;
        pending_.clear();
      }
      return state_;
    }
    case Body::kClose:
      if (!pending_.empty()) {
        body_bytes_ += pending_.size();
        events.on_body(pending_);
        pending_.clear();
      }
      return state_;
  }
  return state_;
}

ResponseReader::State ResponseReader::finish(ResponseEvents& events) {
  (void)events;
  switch (state_) {
    case State::kHead:
      if (wire_bytes_ == 0) return fail(52, "empty reply from server");
      return fail(8, "the server closed the connection in the middle of the response head");
    case State::kBody:
      if (head_.body == http::ParsedResponse::Body::kClose) {
        state_ = State::kDone;
        return state_;
      }
      if (head_.body == http::ParsedResponse::Body::kLength) {
        return fail(
            18, "transfer closed with " + std::to_string(remaining_) + " bytes remaining to read");
      }
      return fail(18, "transfer closed with outstanding read data remaining");
    default:
      return state_;
  }
}

}  // namespace wc::client
