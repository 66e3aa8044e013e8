#include "client/response_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wc::client {
namespace {

struct Recorder : ResponseEvents {
  std::vector<int> statuses;
  std::vector<bool> interim;
  std::string raw_heads;
  std::string body;
  bool stop_at_final = false;
  bool on_head(const http::ParsedResponse& head, std::string_view raw, bool is_interim) override {
    statuses.push_back(head.status);
    interim.push_back(is_interim);
    raw_heads.append(raw);
    return is_interim || !stop_at_final;
  }
  void on_body(std::string_view bytes) override { body.append(bytes); }
};

using State = ResponseReader::State;

// Feeds `wire` in pieces of `step` bytes (every split must give the same result).
State feed_in_steps(ResponseReader& r, Recorder& rec, std::string_view wire, size_t step) {
  State s = r.state();
  for (size_t i = 0; i < wire.size(); i += step) s = r.feed(wire.substr(i, step), rec);
  return s;
}

TEST(ResponseReader, ContentLengthAnySplit) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  for (size_t step = 1; step <= wire.size(); ++step) {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(feed_in_steps(r, rec, wire, step), State::kDone) << step;
    EXPECT_EQ(rec.body, "hello");
    EXPECT_TRUE(r.reusable());
    EXPECT_EQ(r.body_bytes(), 5u);
    EXPECT_EQ(rec.raw_heads, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
  }
}

TEST(ResponseReader, ChunkedAnySplit) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;x=y\r\n!\r\n0\r\n"
      "X-Checksum: t\r\n\r\n";
  for (size_t step = 1; step <= wire.size(); ++step) {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(feed_in_steps(r, rec, wire, step), State::kDone) << step;
    EXPECT_EQ(rec.body, "hello!");
    EXPECT_TRUE(r.reusable());
  }
}

TEST(ResponseReader, CloseDelimited) {
  ResponseReader r;
  Recorder rec;
  EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\n\r\nsome", rec), State::kBody);
  EXPECT_EQ(r.feed(" bytes", rec), State::kBody);
  EXPECT_EQ(r.finish(rec), State::kDone);
  EXPECT_EQ(rec.body, "some bytes");
  EXPECT_FALSE(r.reusable());
}

TEST(ResponseReader, InterimHeadsAreReportedAndSkipped) {
  ResponseReader r;
  Recorder rec;
  EXPECT_EQ(r.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                   "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
                   rec),
            State::kDone);
  EXPECT_EQ(rec.statuses, (std::vector<int>{100, 103, 201}));
  EXPECT_EQ(rec.interim, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(rec.body, "ok");
}

TEST(ResponseReader, HeadRequestAndNoBodyStatuses) {
  {
    ResponseReader r(/*head_request=*/true);
    Recorder rec;
    EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", rec), State::kDone);
    EXPECT_EQ(rec.body, "");
    EXPECT_TRUE(r.reusable());
    EXPECT_EQ(r.head().content_length, 100);
  }
  for (const char* wire :
       {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n"}) {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.feed(wire, rec), State::kDone) << wire;
  }
}

TEST(ResponseReader, KeepAliveRules) {
  {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", rec),
              State::kDone);
    EXPECT_FALSE(r.reusable());
  }
  {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", rec), State::kDone);
    EXPECT_FALSE(r.reusable());
  }
  {
    ResponseReader r;
    Recorder rec;
    // Bytes past the response: the stream cannot be trusted for the next one.
    EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab", rec), State::kDone);
    EXPECT_EQ(rec.body, "a");
    EXPECT_FALSE(r.reusable());
  }
}

TEST(ResponseReader, CurlsErrors) {
  {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.finish(rec), State::kFailed);
    EXPECT_EQ(r.error().exit_code, 52);
  }
  {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nContent-Len", rec), State::kHead);
    EXPECT_EQ(r.finish(rec), State::kFailed);
    EXPECT_EQ(r.error().exit_code, 8);
  }
  {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", rec), State::kBody);
    EXPECT_EQ(r.finish(rec), State::kFailed);
    EXPECT_EQ(r.error().exit_code, 18);
    EXPECT_NE(r.error().message.find("7 bytes remaining"), std::string::npos);
    EXPECT_EQ(rec.body, "abc");
  }
  {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", rec),
              State::kBody);
    EXPECT_EQ(r.finish(rec), State::kFailed);
    EXPECT_EQ(r.error().exit_code, 18);
  }
  {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", rec),
              State::kFailed);
    EXPECT_EQ(r.error().exit_code, 56);
  }
  {
    ResponseReader r;
    Recorder rec;
    EXPECT_EQ(r.feed("SSH-2.0-OpenSSH_9.2\r\n", rec), State::kFailed);
    EXPECT_EQ(r.error().exit_code, 8);
  }
}

TEST(ResponseReader, StopFromTheHeadEvent) {
  ResponseReader r;
  Recorder rec;
  rec.stop_at_final = true;
  EXPECT_EQ(r.feed("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop", rec), State::kStopped);
  EXPECT_EQ(rec.body, "");
}

TEST(ResponseReader, ResetForTheNextResponse) {
  ResponseReader r;
  Recorder rec;
  EXPECT_EQ(r.feed("HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n", rec),
            State::kDone);
  EXPECT_EQ(r.head().find("Location")->value, "/x");
  r.reset(false);
  EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", rec), State::kDone);
  EXPECT_EQ(rec.body, "hi");
  EXPECT_EQ(r.head().status, 200);
}

}  // namespace
}  // namespace wc::client
