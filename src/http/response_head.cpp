#include "http/response_head.h"

#include <charconv>
#include <cstring>

#include "http/http_date.h"
#include "http/status.h"

namespace wc::http {

namespace {

// Appends to a raw buffer whose size was checked beforehand (response_head_max_size).
struct Writer {
  char* p;
  void put(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void put_int(int64_t v) { p = std::to_chars(p, p + 20, v).ptr; }
};

constexpr size_t kIntMax = 20;

void write_head(const ResponseHead& h, Writer& w) {
  const std::string_view line = status_line(h.status);
  if (!line.empty()) {
    w.put(line);
  } else {
    std::string tmp;
    append_status_line(h.status, tmp);
    w.put(tmp);
  }
  w.put("Server: webcycle");
  if (h.server_tokens && !h.server_version.empty()) {
    w.put("/");
    w.put(h.server_version);
  }
  w.put("\r\n");
  if (!h.date.empty()) {
    w.put("Date: ");
    w.put(h.date);
    w.put("\r\n");
  }
  if (!h.content_type.empty()) {
    w.put("Content-Type: ");
    w.put(h.content_type);
    if (!h.charset.empty()) {
      w.put("; charset=");
      w.put(h.charset);
    }
    w.put("\r\n");
  }
  if (h.content_length >= 0) {
    w.put("Content-Length: ");
    w.put_int(h.content_length);
    w.put("\r\n");
  }
  if (h.last_modified >= 0) {
    w.put("Last-Modified: ");
    w.p += format_http_date(h.last_modified, w.p).size();
    w.put("\r\n");
  }
  if (!h.location.empty()) {
    w.put("Location: ");
    w.put(h.location);
    w.put("\r\n");
  }
  if (h.chunked) w.put("Transfer-Encoding: chunked\r\n");
  switch (h.connection) {
    case ResponseHead::Connection::kNone:
      break;
    case ResponseHead::Connection::kKeepAlive:
      w.put("Connection: keep-alive\r\n");
      break;
    case ResponseHead::Connection::kClose:
      w.put("Connection: close\r\n");
      break;
    case ResponseHead::Connection::kUpgrade:
      w.put("Connection: upgrade\r\n");
      break;
  }
  if (h.keep_alive_timeout >= 0 && h.connection == ResponseHead::Connection::kKeepAlive) {
    w.put("Keep-Alive: timeout=");
    w.put_int(h.keep_alive_timeout);
    w.put("\r\n");
  }
  if (h.vary_accept_encoding) w.put("Vary: Accept-Encoding\r\n");
  if (!h.etag.empty()) {
    w.put("ETag: ");
    w.put(h.etag);
    w.put("\r\n");
  }
  if (!h.content_encoding.empty()) {
    w.put("Content-Encoding: ");
    w.put(h.content_encoding);
    w.put("\r\n");
  }
  auto put_all = [&w](std::span<const Header> headers) {
    for (const Header& x : headers) {
      w.put(x.name);
      w.put(": ");
      w.put(x.value);
      w.put("\r\n");
    }
  };
  if (!h.added_last) put_all(h.added);
  if (h.accept_ranges) w.put("Accept-Ranges: bytes\r\n");
  put_all(h.extra);
  if (h.added_last) put_all(h.added);
  w.put("\r\n");
}

}  // namespace

size_t response_head_max_size(const ResponseHead& h) {
  size_t n = 9 + 3 + 1 + 40 + 2;  // status line with the longest phrase
  n += reason_phrase(h.status).size();
  n += 18 + 1 + h.server_version.size() + 2;
  n += 8 + h.date.size();
  n += 16 + h.content_type.size() + 10 + h.charset.size();
  n += 18 + kIntMax;
  n += 17 + kHttpDateLen;
  n += 12 + h.location.size();
  n += 28;
  n += 24;
  n += 22 + kIntMax;
  n += 8 + h.etag.size();
  n += 23 + 20 + h.content_encoding.size();
  n += 22;
  for (const Header& x : h.extra) n += x.name.size() + x.value.size() + 4;
  for (const Header& x : h.added) n += x.name.size() + x.value.size() + 4;
  return n + 2;
}

size_t write_response_head(const ResponseHead& h, char* out, size_t cap) {
  if (cap < response_head_max_size(h)) return 0;
  Writer w{out};
  write_head(h, w);
  return static_cast<size_t>(w.p - out);
}

void append_response_head(const ResponseHead& h, std::string& out) {
  const size_t old = out.size();
  const size_t max = response_head_max_size(h);
  out.resize(old + max);
  Writer w{out.data() + old};
  write_head(h, w);
  out.resize(static_cast<size_t>(w.p - out.data()));
}

}  // namespace wc::http
