// Fuzzes the client's response reader (head, 1xx, Content-Length / chunked / close-delimited
// bodies). The first byte picks the split size and whether the request was HEAD; the rest is
// what the server sent. Fed whole or in pieces, the reader ends in the same state with the same
// body, a Content-Length body that completes has exactly that many bytes, a failure carries one
// of curl's exit codes, and a reusable connection is only one whose response ended.
#include <cstdint>
#include <string>
#include <string_view>

#include "client/response_reader.h"
#include "fuzz_util.h"

namespace {

struct Sink : wc::client::ResponseEvents {
  std::string body;
  std::string heads;
  bool on_head(const wc::http::ParsedResponse& head, std::string_view raw, bool) override {
    FUZZ_CHECK(head.status >= 100 && head.status <= 999);
    heads.append(raw);
    return true;
  }
  void on_body(std::string_view bytes) override { body.append(bytes); }
};

struct Outcome {
  wc::client::ResponseReader::State state;
  std::string body;
  std::string heads;
  int exit_code;
};

Outcome run(std::string_view wire, size_t step, bool head_request, bool close_at_end) {
  wc::client::ResponseReader reader(head_request);
  Sink sink;
  for (size_t i = 0; i < wire.size(); i += step) {
    fuzz::Owned piece(wire.substr(i, step));
    reader.feed(piece.view(), sink);
  }
  if (close_at_end) reader.finish(sink);
  auto state = reader.state();
  if (state == wc::client::ResponseReader::State::kFailed) {
    int code = reader.error().exit_code;
    FUZZ_CHECK(code == 8 || code == 18 || code == 52 || code == 56);
  }
  if (reader.reusable()) FUZZ_CHECK(state == wc::client::ResponseReader::State::kDone);
  if (state == wc::client::ResponseReader::State::kDone &&
      reader.head().body == wc::http::ParsedResponse::Body::kLength && !head_request) {
    FUZZ_CHECK(sink.body.size() == static_cast<size_t>(reader.head().content_length));
  }
  return {state, std::move(sink.body), std::move(sink.heads),
          state == wc::client::ResponseReader::State::kFailed ? reader.error().exit_code : 0};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t step = (control & 0x3f) + 1;
  const bool head_request = (control & 0x40) != 0;
  const bool close_at_end = (control & 0x80) != 0;
  Outcome whole = run(wire, wire.size() + 1, head_request, close_at_end);
  Outcome split = run(wire, step, head_request, close_at_end);
  FUZZ_CHECK(whole.state == split.state);
  FUZZ_CHECK(whole.exit_code == split.exit_code);
  if (whole.state != wc::client::ResponseReader::State::kFailed) {
    FUZZ_CHECK(whole.body == split.body);
    FUZZ_CHECK(whole.heads == split.heads);
  }
  return 0;
}
