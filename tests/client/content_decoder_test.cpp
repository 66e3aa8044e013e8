#include "client/content_decoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace wc::client {
namespace {

// Compresses with zlib itself: window_bits 15+16 gzip, 15 zlib ("deflate"), -15 raw deflate.
std::string compress(std::string_view in, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string payload() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "line " + std::to_string(i) + " of the body\n";
  s += std::string("\0\xff binary", 9);
  return s;
}

std::string decode_in_steps(std::string_view coding, std::string_view wire, size_t step, bool* ok) {
  auto d = ContentDecoder::create(coding);
  EXPECT_TRUE(d);
  std::string out;
  *ok = true;
  for (size_t i = 0; i < wire.size(); i += step) {
    if (!(*d)->feed(wire.substr(i, step), out)) *ok = false;
  }
  if (!(*d)->finish()) *ok = false;
  return out;
}

TEST(ContentDecoder, GzipDeflateAndRawDeflateAnySplit) {
  const std::string body = payload();
  const std::pair<const char*, int> codings[] = {
      {"gzip", 15 + 16}, {"x-gzip", 15 + 16}, {"deflate", 15}, {"deflate", -15}, {"GZIP", 31}};
  for (auto [coding, bits] : codings) {
    std::string wire = compress(body, bits);
    for (size_t step : {size_t{1}, size_t{7}, size_t{4096}, wire.size()}) {
      bool ok = false;
      EXPECT_EQ(decode_in_steps(coding, wire, step, &ok), body) << coding << " " << bits;
      EXPECT_TRUE(ok) << coding << " step " << step;
    }
  }
}

TEST(ContentDecoder, ConcatenatedGzipMembers) {
  std::string wire = compress("first ", 31) + compress("second", 31);
  bool ok = false;
  EXPECT_EQ(decode_in_steps("gzip", wire, 3, &ok), "first second");
  EXPECT_TRUE(ok);
}

TEST(ContentDecoder, IdentityPassesThrough) {
  bool ok = false;
  EXPECT_EQ(decode_in_steps("", "as is", 2, &ok), "as is");
  EXPECT_TRUE(ok);
  EXPECT_EQ(decode_in_steps("identity", "as is", 2, &ok), "as is");
}

TEST(ContentDecoder, Errors) {
  EXPECT_FALSE(ContentDecoder::create("br"));
  EXPECT_FALSE(ContentDecoder::create("gzip, gzip"));
  bool ok = true;
  decode_in_steps("gzip", "this is not gzip at all", 4, &ok);
  EXPECT_FALSE(ok);
  std::string wire = compress(payload(), 31);
  decode_in_steps("gzip", std::string_view(wire).substr(0, wire.size() / 2), 100, &ok);
  EXPECT_FALSE(ok) << "a truncated stream is an error";
  decode_in_steps("gzip", "", 1, &ok);
  EXPECT_TRUE(ok) << "an empty body is an empty body";
}

}  // namespace
}  // namespace wc::client
