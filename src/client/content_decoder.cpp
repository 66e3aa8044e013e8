#include "client/content_decoder.h"

#include <zlib.h>

namespace wc::client {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

}  // namespace

struct ContentDecoder::Stream {
  z_stream z{};
  bool initialized = false;
  ~Stream() {
    if (initialized) inflateEnd(&z);
  }
};

ContentDecoder::ContentDecoder(Kind kind) : kind_(kind), stream_(std::make_unique<Stream>()) {}
ContentDecoder::~ContentDecoder() = default;

Result<std::unique_ptr<ContentDecoder>> ContentDecoder::create(std::string_view coding) {
  std::string c = lower(trim(coding));
  Kind kind;
  if (c.empty() || c == "identity") {
    kind = Kind::kIdentity;
  } else if (c == "gzip" || c == "x-gzip") {
    kind = Kind::kGzip;
  } else if (c == "deflate") {
    kind = Kind::kDeflate;
  } else {
    return fail("unrecognized content encoding \"" + std::string(coding) + "\"");
  }
  return std::unique_ptr<ContentDecoder>(new ContentDecoder(kind));
}

Status ContentDecoder::feed(std::string_view in, std::string& out) {
  if (kind_ == Kind::kIdentity) {
    out.append(in);
    return {};
  }
  if (ended_ && kind_ == Kind::kDeflate) return {};
  z_stream& z = stream_->z;
  if (!started_) {
    int window = 15 + 16;  // gzip wrapper
    if (kind_ == Kind::kDeflate) {
      first_bytes_.append(in);
      if (first_bytes_.size() < 2) return {};
      auto b0 = static_cast<unsigned char>(first_bytes_[0]);
      auto b1 = static_cast<unsigned char>(first_bytes_[1]);
      bool zlib_header = (b0 & 0x0f) == 8 && ((b0 << 8) | b1) % 31 == 0;
      window = zlib_header ? 15 : -15;
      in = first_bytes_;
    }
    if (inflateInit2(&z, window) != Z_OK) return fail("inflateInit2() failed");
    stream_->initialized = true;
    started_ = true;
  }
  while (!in.empty()) {
    if (ended_) {
      // gzip: another member may follow (gzip -d decodes them all); anything else is ignored.
      if (kind_ != Kind::kGzip || trailing_) return {};
      if (probe_.size() + in.size() < 2) {
        probe_.append(in);
        return {};
      }
      std::string magic = probe_ + std::string(in.substr(0, 2 - probe_.size()));
      if (magic != "\x1f\x8b") {
        trailing_ = true;
        return {};
      }
      inflateReset(&z);
      ended_ = false;
      if (!probe_.empty()) {
        std::string first = std::move(probe_);
        probe_.clear();
        size_t used = 0;
        if (Status st = inflate_some(first, out, used); !st) return st;
      }
    }
    size_t used = 0;
    if (Status st = inflate_some(in, out, used); !st) return st;
    in.remove_prefix(used);
    if (!ended_) break;  // all of `in` went into the stream
  }
  if (kind_ == Kind::kDeflate) first_bytes_.clear();
  return {};
}

Status ContentDecoder::inflate_some(std::string_view in, std::string& out, size_t& used) {
  z_stream& z = stream_->z;
  char chunk[16384];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return fail(std::string("bad ") + (kind_ == Kind::kGzip ? "gzip" : "deflate") +
                  " data: " + (z.msg ? z.msg : "inflate() failed"));
    }
    out.append(chunk, sizeof chunk - z.avail_out);
  } while (rc == Z_OK && (z.avail_out == 0 || z.avail_in > 0));
  used = in.size() - z.avail_in;
  if (rc == Z_STREAM_END) ended_ = true;
  return {};
}

Status ContentDecoder::finish() {
  if (kind_ == Kind::kIdentity) return {};
  if (!started_ && first_bytes_.empty()) return {};  // an empty body is an empty body
  if (!ended_) return fail("the compressed body ended early");
  return {};
}

}  // namespace wc::client
