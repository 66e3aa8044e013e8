#include "web/h2_head.h"

#include <charconv>

#include "core/ascii.h"
#include "http/http_date.h"

namespace wc::web {

bool h2_connection_specific(std::string_view name) noexcept {
  return core::iequals(name, "connection") || core::iequals(name, "keep-alive") ||
         core::iequals(name, "proxy-connection") || core::iequals(name, "transfer-encoding") ||
         core::iequals(name, "upgrade") || core::iequals(name, "te");
}

void H2Head::clear() {
  status_ = 0;
  text_.clear();
  spans_.clear();
  fields_.clear();
  wire_size_ = 0;
}

void H2Head::add(std::string_view name, std::string_view value) {
  for (char c : name) text_.push_back(c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c);
  text_.append(value);
  spans_.emplace_back(name.size(), value.size());
  wire_size_ += name.size() + value.size() + 4;
}

void H2Head::assign(const http::ResponseHead& h) {
  clear();
  status_ = h.status;
  wire_size_ = 15;  // as "HTTP/1.1 NNN \r\n" would
  if (h.server_tokens && !h.server_version.empty()) {
    std::string server = "webcycle/";
    server += h.server_version;
    add("server", server);
  } else {
    add("server", "webcycle");
  }
  if (!h.date.empty()) add("date", h.date);
  if (!h.content_type.empty()) {
    if (h.charset.empty()) {
      add("content-type", h.content_type);
    } else {
      std::string v(h.content_type);
      v += "; charset=";
      v += h.charset;
      add("content-type", v);
    }
  }
  if (h.content_length >= 0) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, h.content_length);
    add("content-length", std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
  }
  if (h.last_modified >= 0) {
    char buf[http::kHttpDateLen + 1];
    add("last-modified", http::format_http_date(h.last_modified, buf));
  }
  if (!h.location.empty()) add("location", h.location);
  if (h.vary_accept_encoding) add("vary", "Accept-Encoding");
  if (!h.etag.empty()) add("etag", h.etag);
  if (!h.content_encoding.empty()) add("content-encoding", h.content_encoding);
  auto add_all = [this](std::span<const http::Header> headers) {
    for (const http::Header& x : headers) {
      if (!h2_connection_specific(x.name)) add(x.name, x.value);
    }
  };
  if (!h.added_last) add_all(h.added);
  if (h.accept_ranges) add("accept-ranges", "bytes");
  add_all(h.extra);
  if (h.added_last) add_all(h.added);
  // Views last: text_ has stopped growing.
  size_t at = 0;
  fields_.reserve(spans_.size());
  for (const auto& [n, v] : spans_) {
    fields_.push_back(
        {std::string_view(text_).substr(at, n), std::string_view(text_).substr(at + n, v)});
    at += n + v;
  }
}

}  // namespace wc::web
