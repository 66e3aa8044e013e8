// Fuzzes http2::ServerSession: arbitrary bytes after a valid client preface (and, when the input
// asks for it, without one), fed in data-derived pieces. Every request gets an answer with a body
// from memory, so HEADERS/DATA/flow-control paths run too. Invariants: no crash or leak, no event
// for a stream after its close, send() never fails on input alone.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "http2/server_session.h"

namespace {

using namespace wc::http2;

struct Handler : SessionHandler {
  std::vector<int32_t> to_answer;
  std::set<int32_t> closed;
  void check(int32_t id) {
    if (closed.count(id) != 0) std::abort();  // an event after the stream's close
  }
  void on_request(int32_t id, RequestFields&& f, bool) override {
    check(id);
    if (f.method.empty()) std::abort();  // nghttp2 guarantees :method
    to_answer.push_back(id);
  }
  void on_request_data(int32_t id, std::string_view) override { check(id); }
  void on_request_end(int32_t id) override { check(id); }
  void on_stream_close(int32_t id, uint32_t) override { closed.insert(id); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const bool with_preface = in.empty() || (in[0] & 1) == 0;
  const size_t step = in.empty() ? 1 : 1 + static_cast<uint8_t>(in[0]) % 64;
  if (!in.empty()) in.remove_prefix(1);
  std::string input;
  if (with_preface) input = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  input.append(in);

  Handler h;
  auto s = ServerSession::create(h, Settings{});
  if (!s) return 0;
  ServerSession& session = **s;
  std::vector<std::unique_ptr<MemoryBody>> bodies;
  std::string out;
  for (size_t pos = 0; pos < input.size(); pos += step) {
    if (!session.receive(std::string_view(input).substr(pos, step))) break;
    for (int32_t id : h.to_answer) {
      bodies.push_back(std::make_unique<MemoryBody>(std::string(100, 'b')));
      const Field fields[] = {{"content-type", "text/plain"}};
      (void)session.respond(id, 200, fields, bodies.back().get());
    }
    h.to_answer.clear();
    out.clear();
    if (!session.send(out, 1 << 20)) std::abort();
  }
  out.clear();
  if (!session.send(out, 1 << 20)) std::abort();
  return 0;
}
