// ServerSession driven by raw frames (RFC 9113 4.1 layout, written here byte by byte) and by an
// nghttp2 client session: events out for bytes in, and the frames it answers with.
#include "http2/server_session.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace wc::http2 {
namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload) {
  std::string f;
  const size_t n = payload.size();
  f += char(n >> 16);
  f += char(n >> 8);
  f += char(n);
  f += char(type);
  f += char(flags);
  f += char(stream >> 24);
  f += char(stream >> 16);
  f += char(stream >> 8);
  f += char(stream);
  f += payload;
  return f;
}

std::string settings() { return frame(0x4, 0, 0, ""); }

// HPACK literal header fields without indexing, new name (RFC 7541 6.2.2), short strings.
std::string literal(std::string_view name, std::string_view value) {
  std::string b;
  b += char(0x00);
  b += char(name.size());
  b += name;
  b += char(value.size());
  b += value;
  return b;
}

std::string get_block(std::string_view path) {
  return literal(":method", "GET") + literal(":scheme", "http") + literal(":path", path) +
         literal(":authority", "example.com");
}

struct ParsedFrame {
  uint8_t type;
  uint8_t flags;
  uint32_t stream;
  std::string payload;
};

std::vector<ParsedFrame> parse_frames(std::string_view bytes) {
  std::vector<ParsedFrame> out;
  while (bytes.size() >= 9) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    const size_t n = (size_t(p[0]) << 16) | (size_t(p[1]) << 8) | p[2];
    if (bytes.size() < 9 + n) break;
    out.push_back(
        {p[3], p[4],
         ((uint32_t(p[5]) & 0x7f) << 24) | (uint32_t(p[6]) << 16) | (uint32_t(p[7]) << 8) | p[8],
         std::string(bytes.substr(9, n))});
    bytes.remove_prefix(9 + n);
  }
  return out;
}

uint32_t u32(std::string_view s, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data() + at);
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

struct Recorder : SessionHandler {
  std::vector<std::string> events;
  std::map<int32_t, RequestFields> requests;
  void on_request(int32_t id, RequestFields&& f, bool end) override {
    events.push_back("request " + std::to_string(id) + " " + f.method + " " + f.path +
                     (end ? " end" : ""));
    requests[id] = std::move(f);
  }
  void on_request_data(int32_t id, std::string_view d) override {
    events.push_back("data " + std::to_string(id) + " " + std::string(d));
  }
  void on_request_end(int32_t id) override { events.push_back("end " + std::to_string(id)); }
  void on_stream_close(int32_t id, uint32_t code) override {
    events.push_back("close " + std::to_string(id) + " " + std::to_string(code));
  }
};

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = ServerSession::create(rec, Settings{});
    ASSERT_TRUE(s.has_value());
    session = std::move(*s);
  }
  std::vector<ParsedFrame> exchange(std::string_view in) {
    EXPECT_TRUE(session->receive(in).has_value());
    return flush();
  }
  std::vector<ParsedFrame> flush() {
    std::string out;
    EXPECT_TRUE(session->send(out, 1 << 20).has_value());
    return parse_frames(out);
  }
  const ParsedFrame* find(const std::vector<ParsedFrame>& fs, uint8_t type) {
    for (const auto& f : fs) {
      if (f.type == type) return &f;
    }
    return nullptr;
  }
  Recorder rec;
  std::unique_ptr<ServerSession> session;
};

TEST_F(SessionTest, SendsItsSettingsFirst) {
  auto fs = flush();
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs[0].type, 0x4);
  EXPECT_EQ(fs[0].stream, 0u);
  // MAX_CONCURRENT_STREAMS 128 among them.
  bool found = false;
  for (size_t i = 0; i + 6 <= fs[0].payload.size(); i += 6) {
    if (fs[0].payload[i + 1] == 0x3) found = u32(fs[0].payload, i + 2) == 128;
  }
  EXPECT_TRUE(found);
}

TEST_F(SessionTest, RequestHeadersBecomeOneEvent) {
  flush();
  exchange(std::string(kPreface) + settings() + frame(0x1, 0x4 | 0x1, 1, get_block("/index.html")));
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0], "request 1 GET /index.html end");
  EXPECT_EQ(rec.requests[1].authority, "example.com");
  EXPECT_EQ(rec.requests[1].scheme, "http");
}

TEST_F(SessionTest, BodyDataAndEnd) {
  flush();
  const std::string block = literal(":method", "POST") + literal(":scheme", "http") +
                            literal(":path", "/up") + literal(":authority", "x") +
                            literal("content-length", "5");
  exchange(std::string(kPreface) + settings() + frame(0x1, 0x4, 1, block) + frame(0x0, 0, 1, "he") +
           frame(0x0, 0x1, 1, "llo"));
  ASSERT_EQ(rec.events.size(), 4u);
  EXPECT_EQ(rec.events[0], "request 1 POST /up");
  EXPECT_EQ(rec.events[1], "data 1 he");
  EXPECT_EQ(rec.events[2], "data 1 llo");
  EXPECT_EQ(rec.events[3], "end 1");
  ASSERT_EQ(rec.requests[1].headers.size(), 1u);
  EXPECT_EQ(rec.requests[1].headers[0].first, "content-length");
}

TEST_F(SessionTest, ResponseFromMemoryEndsTheStream) {
  flush();
  exchange(std::string(kPreface) + settings() + frame(0x1, 0x5, 1, get_block("/")));
  MemoryBody body("hello");
  const Field fields[] = {{"content-type", "text/plain"}};
  ASSERT_TRUE(session->respond(1, 200, fields, &body).has_value());
  auto fs = flush();
  const ParsedFrame* h = find(fs, 0x1);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->stream, 1u);
  EXPECT_EQ(h->flags & 0x1, 0);  // END_STREAM comes with the DATA
  const ParsedFrame* d = find(fs, 0x0);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->payload, "hello");
  EXPECT_EQ(d->flags & 0x1, 0x1);
  EXPECT_EQ(rec.events.back(), "close 1 0");
}

TEST_F(SessionTest, ResponseWithoutBodyEndsOnHeaders) {
  flush();
  exchange(std::string(kPreface) + settings() + frame(0x1, 0x5, 1, get_block("/")));
  ASSERT_TRUE(session->respond(1, 304, {}, nullptr).has_value());
  auto fs = flush();
  const ParsedFrame* h = find(fs, 0x1);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->flags & 0x1, 0x1);
  EXPECT_EQ(find(fs, 0x0), nullptr);
}

TEST_F(SessionTest, FileRangeIsReadWithPread) {
  char path[] = "/tmp/wc_h2_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  unlink(path);
  ASSERT_EQ(write(fd, "0123456789", 10), 10);
  flush();
  exchange(std::string(kPreface) + settings() + frame(0x1, 0x5, 1, get_block("/")));
  FileRangeBody body(fd, 2, 5);
  ASSERT_TRUE(session->respond(1, 206, {}, &body).has_value());
  auto fs = flush();
  const ParsedFrame* d = find(fs, 0x0);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->payload, "23456");
  close(fd);
}

// A producer with nothing yet pauses the stream; resume() restarts it.
struct Producer : BodySource {
  std::string pending;
  bool end = false;
  Result<Read> read(char* buf, size_t cap) override {
    if (pending.empty()) return Read{0, end ? State::kEnd : State::kWait};
    const size_t n = std::min(cap, pending.size());
    std::memcpy(buf, pending.data(), n);
    pending.erase(0, n);
    return Read{n, end && pending.empty() ? State::kEnd : State::kMore};
  }
};

TEST_F(SessionTest, StreamingProducerPausesAndResumes) {
  flush();
  exchange(std::string(kPreface) + settings() + frame(0x1, 0x5, 1, get_block("/")));
  Producer body;
  ASSERT_TRUE(session->respond(1, 200, {}, &body).has_value());
  auto fs = flush();
  EXPECT_NE(find(fs, 0x1), nullptr);
  EXPECT_EQ(find(fs, 0x0), nullptr);
  body.pending = "part";
  session->resume(1);
  fs = flush();
  ASSERT_NE(find(fs, 0x0), nullptr);
  EXPECT_EQ(find(fs, 0x0)->payload, "part");
  EXPECT_EQ(find(fs, 0x0)->flags & 0x1, 0);
  body.end = true;
  session->resume(1);
  fs = flush();
  ASSERT_NE(find(fs, 0x0), nullptr);
  EXPECT_EQ(find(fs, 0x0)->flags & 0x1, 0x1);
}

TEST_F(SessionTest, FlowControlHoldsDataUntilWindowUpdate) {
  flush();
  // The client's initial window: 10 bytes per stream.
  std::string s;
  s += char(0);
  s += char(0x4);
  s += std::string("\0\0\0\x0a", 4);
  exchange(std::string(kPreface) + frame(0x4, 0, 0, s) + frame(0x1, 0x5, 1, get_block("/")));
  MemoryBody body(std::string(25, 'x'));
  ASSERT_TRUE(session->respond(1, 200, {}, &body).has_value());
  auto fs = flush();
  size_t sent = 0;
  for (const auto& f : fs) {
    if (f.type == 0x0) sent += f.payload.size();
  }
  EXPECT_EQ(sent, 10u);
  fs = exchange(frame(0x8, 0, 1, std::string("\0\0\0\x0f", 4)));  // +15
  sent = 0;
  for (const auto& f : fs) {
    if (f.type == 0x0) sent += f.payload.size();
  }
  EXPECT_EQ(sent, 15u);
}

TEST_F(SessionTest, PingIsAcked) {
  flush();
  auto fs = exchange(std::string(kPreface) + settings() + frame(0x6, 0, 0, "12345678"));
  const ParsedFrame* p = find(fs, 0x6);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->flags, 0x1);
  EXPECT_EQ(p->payload, "12345678");
}

TEST_F(SessionTest, BadPrefaceFailsWithGoaway) {
  flush();
  EXPECT_FALSE(session->receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n").has_value());
  auto fs = flush();
  const ParsedFrame* g = find(fs, 0x7);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(u32(g->payload, 4), kProtocolError);
  EXPECT_FALSE(session->want_write());
}

TEST_F(SessionTest, HeadersOnStreamZeroIsAConnectionError) {
  flush();
  auto fs = exchange(std::string(kPreface) + settings() + frame(0x1, 0x5, 0, get_block("/")));
  const ParsedFrame* g = find(fs, 0x7);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(u32(g->payload, 4), kProtocolError);
  EXPECT_TRUE(rec.events.empty());
}

TEST_F(SessionTest, MissingPathResetsTheStream) {
  flush();
  const std::string block =
      literal(":method", "GET") + literal(":scheme", "http") + literal(":authority", "x");
  auto fs = exchange(std::string(kPreface) + settings() + frame(0x1, 0x5, 1, block));
  const ParsedFrame* r = find(fs, 0x3);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->stream, 1u);
  EXPECT_EQ(u32(r->payload, 0), kProtocolError);
  for (const auto& e : rec.events) EXPECT_EQ(e.rfind("request", 0), std::string::npos) << e;
}

TEST_F(SessionTest, ConnectionSpecificFieldResetsTheStream) {
  flush();
  auto fs = exchange(std::string(kPreface) + settings() +
                     frame(0x1, 0x5, 1, get_block("/") + literal("connection", "close")));
  const ParsedFrame* r = find(fs, 0x3);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(u32(r->payload, 0), kProtocolError);
}

TEST_F(SessionTest, ResetByClientClosesTheStream) {
  flush();
  exchange(std::string(kPreface) + settings() + frame(0x1, 0x4, 1, get_block("/")));
  exchange(frame(0x3, 0, 1, std::string("\0\0\0\x08", 4)));
  EXPECT_EQ(rec.events.back(), "close 1 8");
}

TEST_F(SessionTest, StreamIdBelowAnEarlierOneIsAConnectionError) {
  flush();
  EXPECT_FALSE(session
                   ->receive(std::string(kPreface) + settings() +
                             frame(0x1, 0x5, 5, get_block("/")) +
                             frame(0x1, 0x5, 3, get_block("/")))
                   .has_value());
  auto fs = flush();
  const ParsedFrame* g = find(fs, 0x7);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(u32(g->payload, 4), kProtocolError);
  EXPECT_EQ(u32(g->payload, 0), 5u);  // the last stream taken
}

TEST_F(SessionTest, TrailersOnAStreamJustResetAreNotANewStream) {
  flush();
  // Stream 1 is reset for its connection-specific field while its body is still coming.
  auto fs = exchange(std::string(kPreface) + settings() +
                     frame(0x1, 0x4, 1, get_block("/") + literal("connection", "close")));
  ASSERT_NE(find(fs, 0x3), nullptr);
  fs = exchange(frame(0x1, 0x5, 1, literal("x-trailer", "1")));
  const ParsedFrame* g = find(fs, 0x7);
  if (g != nullptr) EXPECT_NE(u32(g->payload, 4), kProtocolError);
}

TEST_F(SessionTest, GoawayNamesTheLastStream) {
  flush();
  exchange(std::string(kPreface) + settings() + frame(0x1, 0x5, 3, get_block("/")));
  session->goaway(kNoError);
  auto fs = flush();
  const ParsedFrame* g = find(fs, 0x7);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(u32(g->payload, 0), 3u);
  EXPECT_EQ(u32(g->payload, 4), kNoError);
}

}  // namespace
}  // namespace wc::http2
